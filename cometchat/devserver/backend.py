"""The dev server's shared state: its configuration, the app, credentials, and what it logs.

The REST handlers (``api.py``), the WebSocket hub (``hub.py``) and the test controls
(``controls.py``) all work through one ``Backend``, which lives on the server's event loop.
"""

from __future__ import annotations

import collections
import hashlib
import json
import os
import ssl
import time
from typing import TYPE_CHECKING, Any

import attrs
from aiohttp import web

from ..transport import protocol
from . import edge, keys, security
from .db import App, Database
from .errors import ApiError
from .guard import Guards
from .hub import Hub
from .limits import Gate, Limits, check_positive

if TYPE_CHECKING:
    from .media import FilesFolder

API_VERSION = "v3.0"
MEDIA_PREFIX = "/media"  #: where uploaded files are served
APP_VERSION = 4
MODES = ("DEFAULT", "LIMITED_TRANSIENT", "NO_TRANSIENT")


def _positive(_: Any, attribute: Any, value: Any) -> None:
    check_positive(attribute.name, value)


@attrs.frozen(kw_only=True)
class ServerConfig:
    """Everything the server is started with; every timeout is here so tests can shrink it."""

    host: str = "127.0.0.1"
    port: int = 0
    app_id: str
    auth_key: str = attrs.field(repr=False)
    region: str = "us"
    db_path: str
    ssl_context: ssl.SSLContext | None = None
    auth_timeout: float = attrs.field(default=10.0, validator=_positive)
    idle_timeout: float = attrs.field(default=45.0, validator=_positive)
    jwt_lifetime: float = attrs.field(default=86400.0, validator=_positive)
    limits: Limits = attrs.field(factory=Limits)

    @property
    def files_dir(self) -> str:
        """Where uploaded files live: a folder beside the database (``chat.db`` -> ``chat-files``)."""
        return os.path.splitext(self.db_path)[0] + "-files"


@attrs.frozen
class Refusal:
    """How WebSocket upgrades are being refused (``refuse_upgrades``)."""

    status: int
    retry_after: int | None


class Backend:
    """State shared by every request and socket of one server."""

    def __init__(self, config: ServerConfig, db: Database, app: App, files: FilesFolder) -> None:
        self.config = config
        self.db = db
        self.app = app
        self.gate = Gate(config.limits)
        self.files = files
        self.hub = Hub(self)
        self.refusal: Refusal | None = None
        self.pong_delay = 0.0
        #: (method, path template) of every REST endpoint, for the ``routes`` control
        self.routes: list[tuple[str, str]] = []
        #: raw frames every new socket gets before its auth reply (``greet``)
        self.greeting: list[Any] = []
        self.request_log: collections.deque[dict[str, Any]] = collections.deque(maxlen=20000)
        self.connection_log: collections.deque[dict[str, Any]] = collections.deque(maxlen=20000)
        self._blocks: dict[str, set[str]] = collections.defaultdict(set)  #: blocker -> whom they blocked

    # ------------------------------------------------------------------ blocks, for the live relays

    def load_blocks(self, pairs: list[tuple[str, str]]) -> None:
        for blocker, blocked in pairs:
            self._blocks[blocker].add(blocked)

    def blocks_changed(self, blocker: str, *, added: list[str] = (), removed: list[str] = ()) -> None:  # type: ignore[assignment]
        self._blocks[blocker].update(added)
        self._blocks[blocker].difference_update(removed)

    def blocked_between(self, a: str, b: str) -> bool:
        """Whether either user blocked the other: then nothing live passes between them."""
        return b in self._blocks.get(a, ()) or a in self._blocks.get(b, ())

    # ------------------------------------------------------------------ settings

    def settings_hash(self) -> str:
        basis = json.dumps({"mode": self.app.mode, "v": APP_VERSION, "api": API_VERSION})
        return hashlib.sha256(basis.encode()).hexdigest()[:32]

    def client_host(self, request: web.Request) -> tuple[str, str, int]:
        """The ``host[:port]`` the client used (its ``Host`` header), as given and split into
        host and port: the settings and the URLs of uploaded files point back at it, so
        anything that is not a valid one is a 400 (``edge.split_host``)."""
        host_header = request.host or f"{self.config.host}:{self.config.port}"
        host, port = edge.split_host(host_header, 443 if self.config.ssl_context is not None else 80)
        return host_header, host, port

    def media_base(self, request: web.Request) -> str:
        """Where the files of an upload are served: on the address the client used."""
        return f"{request.scheme}://{self.client_host(request)[0]}{MEDIA_PREFIX}"

    def settings(self, request: web.Request) -> dict[str, Any]:
        """App settings pointing back at the address the client used (its ``Host`` header)."""
        tls = self.config.ssl_context is not None
        host_header, host, port = self.client_host(request)
        return {
            "CHAT_HOST": host,
            "CHAT_WSS_PORT": str(port),
            "CHAT_USE_SSL": tls,
            "CLIENT_API_HOST": host_header,
            "ADMIN_API_HOST": host_header,
            "CHAT_API_VERSION": API_VERSION,
            "WS_API_VERSION": "v1",
            "APP_VERSION": APP_VERSION,
            "MODE": self.app.mode,
            "REGION": self.app.region,
            "ANALYTICS_PING_DISABLED": True,
            "file.size.max": self.config.limits.file_size_max,
            "file.count.max": self.config.limits.file_count_max,
            "settingsHash": self.settings_hash(),
            "settingsHashReceivedAt": int(time.time()),
        }

    async def set_mode(self, mode: str) -> None:
        await self.db.run(lambda s: s.set_mode(self.app.app_id, mode))
        self.app = attrs.evolve(self.app, mode=mode)

    # ------------------------------------------------------------------ credentials

    def check_app(self, request: web.Request) -> None:
        app_id = request.headers.get("appId", "")
        if not app_id:
            raise ApiError(401, "AUTH_ERR_EMPTY_APPID", "The appId header is missing or empty.")
        if app_id != self.app.app_id:
            shown = edge.printable(app_id)  # never echo what a strict JSON parser would refuse
            raise ApiError(401, "AUTH_ERR_INVALID_APPID", f"The app {shown} does not exist in this region." if shown
                           else "The appId header names no app of this region.")

    def check_api_key(self, request: web.Request) -> None:
        """The app's key, for the uid in the path (if any): repeated failures from one address
        for one uid get 429 until the window has passed (``Limits.auth_failures``)."""
        uid, address = request.match_info.get("uid", ""), request.remote or "?"
        if not keys.is_uid(uid):  # counted, but never kept as it came: a path can be 8 KiB
            uid = ""
        self.throttle(uid, address)
        try:
            self.check_app(request)
            key = request.headers.get("apiKey", "")
            if not key:
                raise ApiError(401, "AUTH_ERR_EMPTY_APIKEY", "The apiKey header is missing or empty.")
            if not key.isascii() or not security.keys_match(key, self.app.auth_key):
                raise ApiError(401, "AUTH_ERR_APIKEY_NOT_FOUND", "The apiKey is not valid for this app.")
        except ApiError:
            self.gate.failed(uid, address)
            raise
        self.gate.succeeded(uid, address)
        self.authenticated(request)

    def throttle(self, uid: str, address: str) -> None:
        wait = self.gate.throttled(uid, address)
        if wait is not None:
            raise ApiError(
                429, "ERR_TOO_MANY_REQUESTS",
                f"Too many failed authentications for this uid from your address; try again in {wait} s.",
                {"retryAfter": wait}, headers={"Retry-After": str(wait)},
            )

    @staticmethod
    def authenticated(request: web.BaseRequest) -> None:
        """The request's connection proved who it is: it leaves its address's unauthenticated count."""
        guard = Guards.of(request)
        if guard is not None:
            guard.authenticated()

    async def check_auth_token(self, request: web.Request) -> tuple[str, int, str]:
        """The uid and token id behind the request's ``authToken``, and the token itself."""
        self.check_app(request)
        token = request.headers.get("authToken", "")
        if not token:
            raise ApiError(401, "AUTH_ERR_EMPTY_AUTH_TOKEN", "The authToken header is missing or empty.")
        digest = security.token_hash(token) if token.isascii() else None  # ours are hex: not ASCII is wrong
        owner = None if digest is None else await self.db.run(lambda s: s.token_owner(self.app.app_id, digest))
        if owner is None:
            raise ApiError(
                401,
                "AUTH_ERR_AUTH_TOKEN_NOT_FOUND",
                "The auth token does not exist. Please make sure you are logged in and have a valid"
                " auth token or try login again.",
            )
        self.authenticated(request)
        return owner.uid, owner.token_id, token

    async def issue_jwt(self, uid: str, token_id: int, device_id: str) -> str:
        epoch = await self.db.run(lambda s: s.jwt_epoch(self.app.app_id, uid))
        claims = security.JwtClaims(uid, self.app.app_id, token_id, device_id, epoch or 0)
        return security.issue_jwt(claims, self.app.jwt_secret, self.config.jwt_lifetime)

    async def check_socket_credentials(
        self, frame: protocol.AuthRequest
    ) -> tuple[dict[str, Any], security.JwtClaims] | None:
        """The user object and claims for a valid auth frame; None when it must be refused."""
        claims = security.read_jwt(frame.jwt, self.app.jwt_secret, self.app.app_id)
        if claims is None or claims.uid != frame.sender or frame.app_id != self.app.app_id:
            return None
        app_id = self.app.app_id

        def check(store: Any) -> dict[str, Any] | None:
            if store.jwt_epoch(app_id, claims.uid) != claims.epoch:
                return None
            if not store.token_exists(claims.token_id):
                return None
            if not store.device_allowed(claims.token_id, claims.device_id):
                return None
            return store.get_user(app_id, claims.uid)  # type: ignore[no-any-return]

        user = await self.db.run(check)
        return None if user is None else (user, claims)

    # ------------------------------------------------------------------ controls' state

    def refused_upgrade(self, refusal: Refusal) -> web.Response:
        headers = {}
        if refusal.retry_after is not None:
            headers["Retry-After"] = str(refusal.retry_after)
        body = protocol.failure("ERR_TOO_MANY_REQUESTS", "The server is refusing connections for now.")
        return web.json_response(body, status=refusal.status, headers=headers)

    def log_request(self, request: web.Request, uid: str | None, status: int) -> None:
        """One entry of the request log; each is bounded (a request line or header can be 8 KiB,
        and the log keeps 20,000), and holds no secret (``edge.logged_path``)."""
        self.request_log.append(
            {
                "method": request.method[:_KEPT_HEADER],
                "path": edge.logged_path(request.path),
                # as it came, percent-escapes and all
                "query": edge.clipped(request.raw_path.partition("?")[2], _KEPT_QUERY),
                "uid": uid,
                "status": status,
                "resource": _text_header(request, "resource"),
                "sdk": _text_header(request, "sdk"),
                "at": time.time(),
            }
        )

    def log_connection(self, event: str, uid: str | None) -> None:
        """One entry of the socket log; ``uid`` is a valid uid (an auth frame whose sender is
        not one is refused before it is logged), or None."""
        self.connection_log.append({"event": event, "uid": uid, "at": time.time()})


_KEPT_QUERY = 512  #: characters of a query string the request log keeps
_KEPT_HEADER = 100  #: ... of the method and of the resource and sdk headers


def _text_header(request: web.Request, name: str) -> str | None:
    """A header's value for the request log, None when it is not text (the request was refused)."""
    value = request.headers.get(name)
    return None if value is None or not edge.is_text(value) else edge.clipped(value, _KEPT_HEADER)
