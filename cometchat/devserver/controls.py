"""Test controls of the dev server, defined once.

``DevServer`` calls these on the server's event loop (thread mode) or through
``POST /_dev/<name>`` (process mode, and any HTTP client holding the API key); arguments and
results are plain JSON values either way.
"""

from __future__ import annotations

import json
import inspect
from typing import Any, Awaitable, Callable

from .backend import MODES, Backend, Refusal
from .hub import CLOSE_AUTH, CLOSE_SETTINGS

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
    "requests",
    "connections",
    "clear_logs",
)


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
        return await method(**kwargs)

    async def sessions(self, uid: str | None = None) -> list[dict[str, Any]]:
        """Authenticated sessions, of one user or of everyone."""
        return [s.describe() for s in self.hub.sessions(uid)]

    async def open_sockets(self) -> list[dict[str, Any]]:
        """Every open WebSocket, authenticated or not."""
        return [s.describe() for s in self.hub.sockets]

    async def drop_connections(self, uid: str | None = None, code: int | None = None) -> int:
        """Drop sockets: abruptly (no close frame) or with a close frame carrying ``code``."""
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
        for frame in frames:
            self.hub.push(uid, frame if isinstance(frame, str) else json.dumps(frame))
        return len(self.hub.sessions(uid))

    async def blast(self, uid: str, template: str, count: int, start: int = 1) -> int:
        """Push ``count`` frames made from ``template`` (``{n}`` becomes start, start+1, ...),
        generated here, so a reader can be measured against a server far faster than itself."""
        if "{n}" not in template or count < 1:
            raise ValueError("template needs {n} and count must be positive")
        head, _, tail = template.partition("{n}")
        for n in range(start, start + count):
            self.hub.push(uid, f"{head}{n}{tail}")
        return len(self.hub.sessions(uid))

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
