"""Test controls of the dev server, defined once.

``DevServer`` calls these on the server's event loop (thread mode) or through
``POST /_dev/<name>`` (process mode, and any HTTP client holding the API key); arguments and
results are plain JSON values either way.
"""

from __future__ import annotations

import base64
import inspect
import json
import math
import types
import typing
from typing import Any, Awaitable, Callable

from aiohttp import WSMsgType

from .backend import MODES, Backend, Refusal
from .hub import CLOSE_AUTH, CLOSE_SETTINGS, RawFrame

PUBLIC = (
    "sessions",
    "open_sockets",
    "drop_connections",
    "set_mode",
    "refuse_upgrades",
    "accept_upgrades",
    "expire_jwts",
    "revoke_auth_tokens",
    "delete_auth_tokens",
    "delay_pongs",
    "push",
    "push_many",
    "blast",
    "seed_messages",
    "push_raw",
    "greet",
    "requests",
    "routes",
    "connections",
    "clear_logs",
)


def _fits(value: Any, hint: Any) -> bool:
    """Whether a JSON value matches a control's annotation (``bool`` is no number here)."""
    if hint is Any:
        return True
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_fits(value, arg) for arg in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if hint in (int, float):
        if isinstance(value, bool) or not isinstance(value, (int, float) if hint is float else int):
            return False
        return math.isfinite(value)
    return isinstance(value, origin or hint)


def _describe(hint: Any) -> str:
    args = [a for a in typing.get_args(hint) if a is not type(None)] or [hint]
    return " or ".join(getattr(typing.get_origin(a) or a, "__name__", str(a)) for a in args)


def _raw_frame(frame: Any) -> RawFrame:
    if not isinstance(frame, dict) or len(frame) != 1:
        raise ValueError("a raw frame is one of {text}, {binary}, {invalid_utf8}, {wire}, {cut}")
    (kind, value), = frame.items()
    try:
        if kind == "text" and isinstance(value, str):
            return RawFrame(WSMsgType.TEXT, value.encode("utf-8", "surrogatepass"))
        if kind in ("binary", "invalid_utf8") and isinstance(value, str):
            return RawFrame(WSMsgType.BINARY if kind == "binary" else WSMsgType.TEXT, base64.b64decode(value))
        if kind == "wire" and isinstance(value, str):
            return RawFrame(WSMsgType.BINARY, base64.b64decode(value, validate=True), wire=True)
    except ValueError:
        raise ValueError(f"{kind} must be base64") from None
    if kind == "cut" and value is True:
        return RawFrame(WSMsgType.TEXT, b"xyz", cut=True)
    raise ValueError(f"unknown raw frame {kind!r}")


class Controls:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.hub = backend.hub

    def lookup(self, name: str) -> Callable[..., Awaitable[Any]] | None:
        return getattr(self, name) if name in PUBLIC else None

    async def call(self, name: str, kwargs: dict[str, Any]) -> Any:
        """Run a control by name; a wrong name or argument raises ValueError."""
        method = self.lookup(name)
        if method is None:
            raise LookupError(f"no such control: {name}")
        try:
            inspect.signature(method).bind(**kwargs)
        except TypeError as exc:
            raise ValueError(f"{name}: {exc}") from None
        hints = typing.get_type_hints(method)
        for key, value in kwargs.items():
            if not _fits(value, hints.get(key, Any)):
                raise ValueError(f"{name}: {key} must be {_describe(hints[key])}, not {type(value).__name__}")
        return await method(**kwargs)

    async def sessions(self, uid: str | None = None) -> list[dict[str, Any]]:
        """Authenticated sessions, of one user or of everyone."""
        return [s.describe() for s in self.hub.sessions(uid)]

    async def open_sockets(self) -> list[dict[str, Any]]:
        """Every open WebSocket, authenticated or not."""
        return [s.describe() for s in self.hub.sockets]

    async def drop_connections(self, uid: str | None = None, code: int | None = None) -> int:
        """Drop sockets: abruptly (no close frame) or with a close frame carrying ``code``."""
        if code is not None and not 1000 <= code <= 4999:
            raise ValueError("code must be a WebSocket close code (1000-4999)")
        return self.hub.drop(uid, code)

    async def set_mode(self, mode: str) -> None:
        """Change the app's ``MODE`` and close its sessions (4002) so clients notice."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        await self.backend.set_mode(mode)
        self.hub.close_sessions(self.hub.sessions(), CLOSE_SETTINGS, "settings changed")

    async def refuse_upgrades(self, status: int = 429, retry_after: int | None = None) -> None:
        """Answer WebSocket upgrades with ``status`` (and ``Retry-After``) until accepted again."""
        if status < 400 or status > 599:
            raise ValueError("status must be an HTTP error status")
        self.backend.refusal = Refusal(status, retry_after)

    async def accept_upgrades(self) -> None:
        self.backend.refusal = None

    async def expire_jwts(self, uid: str | None = None) -> None:
        """Expire every JWT issued so far (of one user or all) and close their sessions."""
        app_id = self.backend.app.app_id
        await self.backend.db.run(lambda s: s.bump_jwt_epoch(app_id, uid))
        self.hub.close_sessions(self.hub.sessions(uid), CLOSE_AUTH, "JWT expired")

    async def revoke_auth_tokens(self, uid: str) -> None:
        """Withdraw the socket rights of the user's devices until they register again (PUT me).

        REST keeps working, so a JWT refresh succeeds but the fresh JWT is refused as well.
        """
        app_id = self.backend.app.app_id
        await self.backend.db.run(lambda s: s.revoke_devices(app_id, uid))
        self.hub.close_sessions(self.hub.sessions(uid), CLOSE_AUTH, "credentials revoked")

    async def delete_auth_tokens(self, uid: str) -> None:
        """Forget the user's auth tokens entirely: REST answers AUTH_ERR_AUTH_TOKEN_NOT_FOUND."""
        app_id = self.backend.app.app_id
        await self.backend.db.run(lambda s: s.delete_tokens(app_id, uid))
        self.hub.close_sessions(self.hub.sessions(uid), CLOSE_AUTH, "credentials deleted")

    async def delay_pongs(self, seconds: float) -> None:
        """Answer pings late; other frames keep flowing meanwhile."""
        self.backend.pong_delay = max(0.0, float(seconds))

    async def push(self, uid: str, frame: Any) -> int:
        """Send a raw text frame (a string, or a JSON value to serialise) to a user's sessions."""
        text = frame if isinstance(frame, str) else json.dumps(frame)
        return self.hub.push(uid, text)

    async def push_many(self, uid: str, frames: list[Any]) -> int:
        """``push`` for a list of frames, in order (for bursts and benchmarks)."""
        if not isinstance(frames, list):
            raise ValueError("frames must be a list")
        texts = [frame if isinstance(frame, str) else json.dumps(frame) for frame in frames]
        return self.hub.push_lazily(uid, lambda: iter(texts))

    async def blast(self, uid: str, template: str, count: int, start: int = 1) -> int:
        """Push ``count`` frames made from ``template`` (``{n}`` becomes start, start+1, ...),
        generated here, so a reader can be measured against a server far faster than itself."""
        if "{n}" not in template or count < 1:
            raise ValueError("template needs {n} and count must be positive")
        head, _, tail = template.partition("{n}")
        return self.hub.push_lazily(uid, lambda: (f"{head}{n}{tail}" for n in range(start, start + count)))

    async def push_raw(self, uid: str, frames: list[Any]) -> int:
        """Send frames the protocol never would, in order: each ``{"text": str}``, ``{"binary":
        base64}``, ``{"invalid_utf8": base64}`` (a text frame whose bytes are not UTF-8),
        ``{"wire": base64}`` (bytes written to the TCP stream as they are: a malformed or bare
        frame header) or ``{"cut": true}`` (half a frame, then a reset). For tests of what a
        client survives."""
        return self.hub.push_raw(uid, [_raw_frame(frame) for frame in frames])

    async def greet(self, frames: list[Any]) -> None:
        """Send these raw frames (as ``push_raw``) to every new socket before its auth reply;
        an empty list stops it."""
        self.backend.greeting = [_raw_frame(frame) for frame in frames]

    async def routes(self) -> list[dict[str, str]]:
        """Every REST endpoint as ``{"method", "path"}`` (path templates such as ``/v3.0/users/{uid}``),
        so attack suites cover endpoints added later without being told."""
        return [{"method": method, "path": path} for method, path in self.backend.routes]

    async def seed_messages(self, sender: str, receiver: str, count: int, text: str = "seeded") -> list[int]:
        """Store ``count`` text messages from ``sender`` to ``receiver`` at once, as sends would
        (nothing is pushed); returns the first and last id. For benchmarks and big histories."""
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 1_000_000:
            raise ValueError("count must be a number from 1 to 1000000")
        app_id = self.backend.app.app_id
        return await self.backend.db.run(lambda s: s.seed_messages(app_id, sender, receiver, count, text))

    async def requests(self, method: str | None = None, path: str | None = None) -> list[dict[str, Any]]:
        """The REST requests served so far (method, path, query string, uid, status, resource and
        sdk headers; never a body)."""
        return [
            r
            for r in self.backend.request_log
            if (method is None or r["method"] == method) and (path is None or r["path"] == path)
        ]

    async def connections(self, event: str | None = None, uid: str | None = None) -> list[dict[str, Any]]:
        """The socket log: ``upgrade``, ``refused``, ``auth_ok``, ``auth_fail`` events."""
        return [
            c
            for c in self.backend.connection_log
            if (event is None or c["event"] == event) and (uid is None or c["uid"] == uid)
        ]

    async def clear_logs(self) -> None:
        self.backend.request_log.clear()
        self.backend.connection_log.clear()
