"""The dev server's REST API (CometChat v3.0 paths) and the aiohttp application around it.

Every answer is the ``{"data": ...}`` / ``{"error": {...}}`` envelope with a meaningful HTTP
status; browsers get CORS headers and their preflights answered, so apps written with the
official JS SDK can use this server too. The endpoints are grouped by area, one module each:
``users_api.py``, ``messages_api.py``, ``reactions_api.py``, ``conversations_api.py``,
``groups_api.py``, ``media.py`` (uploaded files); this module holds the session's own (login
tokens, ``me``, settings) and the test controls.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from typing import Any, Awaitable, Callable

from aiohttp import web

from ..transport import protocol
from . import edge, security
from .backend import API_VERSION, Backend
from .base import LIMITS_KEY, PREFIX, UID_KEY, Endpoints
from .controls import Controls
from .conversations_api import ConversationsApi
from .errors import ApiError
from .groups_api import GroupsApi
from .guard import Guards
from .media import MediaApi
from .messages_api import MessagesApi
from .params import bad_request, json_body
from .reactions_api import ReactionsApi
from .users_api import UsersApi, profile_changes

__all__ = ["build_app", "UID_KEY"]

log = logging.getLogger("cometchat.devserver")

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": "appId, authToken, apiKey, resource, sdk, Content-Type, Accept,"
    " onbehalfofuser",
    "Access-Control-Max-Age": "600",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

#: profile fields that make a ``PUT me`` an update of the user, not a device registration
_PROFILE_KEYS = ("uid", "name", "avatar", "link", "metadata", "statusMessage", "tags")


def build_app(backend: Backend) -> web.Application:
    limits = backend.config.limits
    app = web.Application(client_max_size=limits.max_body_bytes, middlewares=[_envelope_middleware(backend)])
    app[LIMITS_KEY] = limits
    areas = (SessionApi, UsersApi, MessagesApi, ReactionsApi, ConversationsApi, GroupsApi, MediaApi)
    for endpoints in (area(backend) for area in areas):
        app.add_routes(endpoints.routes())
    backend.routes = sorted({(r.method, r.resource.canonical) for r in app.router.routes() if r.resource})
    return app


def _envelope_middleware(backend: Backend) -> Any:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        guard = Guards.of(request)
        if guard is not None:
            guard.request_started()  # a preflight too: its head is complete, so its header timer ends
        try:
            if request.method == "OPTIONS":
                return web.Response(status=204, headers=CORS_HEADERS)
            response = _refuse_headers(backend, request) or await _answer(request, handler)
            if not response.prepared:
                response.headers.update({"Access-Control-Allow-Origin": "*"})
            backend.log_request(request, request.get(UID_KEY), response.status)
            if guard is not None and isinstance(response, web.Response) and response.keep_alive is False:
                await response.prepare(request)  # a body we will not read to its end: answer now,
                await response.write_eof()  # then close without waiting for the rest of it
                guard.linger()
        finally:
            if guard is not None:
                guard.request_finished()
        return response

    return middleware


def _refuse_headers(backend: Backend, request: web.Request) -> web.Response | None:
    """The 400 for a header value that is not text (logged as one line), before any handler
    can store or relay it; None when every header is fine."""
    try:
        edge.check_headers(request)
    except ApiError as exc:
        backend.gate.refuse(request.remote or "?", "bad header", exc.message)
        return exc.response()
    return None


async def _answer(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The handler's answer, or the JSON error for whatever it raised (never an HTML page)."""
    try:
        return await handler(request)
    except ApiError as exc:
        return exc.response()
    except web.HTTPRequestEntityTooLarge:
        limit = request.app[LIMITS_KEY].max_body_bytes
        return ApiError(413, "ERR_PAYLOAD_TOO_LARGE", f"The request body is larger than {limit} bytes.",
                        close=True).response()
    except web.HTTPNotFound:
        return ApiError(404, "ERR_NOT_FOUND", f"No such endpoint: {request.path}").response()
    except web.HTTPMethodNotAllowed:
        return ApiError(405, "ERR_METHOD_NOT_ALLOWED", f"{request.method} is not allowed here.").response()
    except web.HTTPException as exc:  # aiohttp's own refusals (a bad upgrade, ...), as our envelope
        return ApiError(exc.status, "ERR_BAD_REQUEST", exc.reason).response()
    except (ConnectionError, asyncio.CancelledError):
        raise
    except Exception:  # a bug: one line with its traceback, and the envelope, not a bare 500 page
        log.exception("internal error serving %s %s", request.method[:100], edge.logged_path(request.path))
        return ApiError(500, "ERR_INTERNAL", "The dev server failed to answer this request.").response()


class SessionApi(Endpoints):
    """Login tokens, ``me``, app settings, analytics sessions, the socket's front door, test controls."""

    def __init__(self, backend: Backend) -> None:
        super().__init__(backend)
        self.controls = Controls(backend)

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/", self.root),
            web.post(PREFIX + "/users/{uid}/auth_tokens", self.mint_token),
            web.delete(PREFIX + "/users/{uid}/auth_tokens", self.flush_tokens),
            web.delete(PREFIX + "/users/{uid}/auth_tokens/{token}", self.delete_token),
            web.post(PREFIX + "/users/{uid}/friends", self.add_friends),
            web.put(f"{PREFIX}/me", self.put_me),
            web.get(f"{PREFIX}/me", self.get_me),
            web.delete(f"{PREFIX}/me", self.delete_me),
            web.get(f"{PREFIX}/settings", self.get_settings),
            web.post(f"{PREFIX}/user_sessions", self.user_sessions),
            web.post("/_dev/{control}", self.control),
        ]

    async def _client(self, request: web.Request) -> tuple[str, int, str]:
        uid, token_id, token = await self.backend.check_auth_token(request)
        request[UID_KEY] = uid
        return uid, token_id, token

    async def root(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await self.backend.hub.handle(request)
        return self.answer({"server": "cometchat-devserver", "apiVersion": API_VERSION})

    async def mint_token(self, request: web.Request) -> web.Response:
        self.backend.check_api_key(request)
        user = await self.user_or_404(request.match_info["uid"])
        await json_body(request, required=False)
        token = security.new_auth_token()
        digest = security.token_hash(token)
        await self.db.run(lambda s: s.add_token(self.app_id, user["uid"], digest))
        return self.answer(dict(user, authToken=token, createdAt=int(time.time())))

    async def delete_token(self, request: web.Request) -> web.Response:
        """CometChat's "Delete Auth Token": the token ends, and so do its sockets."""
        self.backend.check_api_key(request)
        user = await self.user_or_404(request.match_info["uid"])
        digest = security.token_hash(request.match_info["token"])
        token_id = await self.db.run(lambda s: s.delete_token(self.app_id, user["uid"], digest))
        if token_id is None:
            raise ApiError(404, "AUTH_ERR_AUTH_TOKEN_NOT_FOUND", "The user has no such auth token.")
        hub = self.backend.hub
        hub.close_sessions([s for s in hub.sessions(user["uid"]) if s.token_id == token_id], 4001, "token deleted")
        return self.answer({"success": True, "message": "Auth token deleted."})

    async def flush_tokens(self, request: web.Request) -> web.Response:
        """CometChat's "Flush Auth Tokens": every token of the user ends, and so do their sockets."""
        self.backend.check_api_key(request)
        user = await self.user_or_404(request.match_info["uid"])
        await self.db.run(lambda s: s.delete_tokens(self.app_id, user["uid"]))
        hub = self.backend.hub
        hub.close_sessions(hub.sessions(user["uid"]), 4001, "tokens flushed")
        return self.answer({"success": True, "message": "Auth tokens flushed."})

    async def add_friends(self, request: web.Request) -> web.Response:
        self.backend.check_api_key(request)
        user = await self.user_or_404(request.match_info["uid"])
        body = await json_body(request)
        accepted = body.get("accepted")
        if not isinstance(accepted, list) or not all(isinstance(u, str) for u in accepted):
            raise bad_request("accepted must be a list of uids.", "accepted")
        added = await self.db.run(lambda s: s.add_friends(self.app_id, user["uid"], accepted))
        return self.answer({"accepted": {uid: {"success": uid in added} for uid in accepted}})

    # ------------------------------------------------------------------ me

    async def _me(self, uid: str, token: str, token_id: int, device_id: str, request: web.Request) -> dict[str, Any]:
        user = await self.user_or_404(uid, uid)
        jwt = await self.backend.issue_jwt(uid, token_id, device_id)
        return dict(
            user,
            status="online",
            authToken=token,
            jwt=jwt,
            wsChannel={"identity": f"{self.app_id}_user_{uid}", "service": "cometchat-devserver"},
            settings=self.backend.settings(request),
        )

    async def put_me(self, request: web.Request) -> web.Response:
        """A device registering (login), or, with user fields, the user updating their profile."""
        uid, token_id, token = await self._client(request)
        body = await json_body(request, required=False)
        if any(key in body for key in _PROFILE_KEYS):
            return await self._update_me(request, uid, token_id, token, body)
        device_id = body.get("deviceId")
        if not isinstance(device_id, str) or not device_id:
            device_id = f"token-{token_id}"
        await self.db.run(lambda s: s.register_device(token_id, device_id))
        return self.answer(await self._me(uid, token, token_id, device_id, request))

    async def _update_me(self, request: web.Request, uid: str, token_id: int, token: str,
                         body: dict[str, Any]) -> web.Response:
        changes = profile_changes(body, allow_role=False)
        await self.db.run(lambda s: s.update_user(self.app_id, uid, changes))
        device_id = await self.db.run(lambda s: s.latest_device(token_id))
        return self.answer(await self._me(uid, token, token_id, device_id or f"token-{token_id}", request))

    async def get_me(self, request: web.Request) -> web.Response:
        uid, token_id, token = await self._client(request)
        device_id = await self.db.run(lambda s: s.latest_device(token_id))
        return self.answer(await self._me(uid, token, token_id, device_id or f"token-{token_id}", request))

    async def delete_me(self, request: web.Request) -> web.Response:
        uid, token_id, _ = await self._client(request)
        await self.db.run(lambda s: s.unregister_devices(token_id))
        hub = self.backend.hub
        mine = [s for s in hub.sessions(uid) if s.token_id == token_id]
        hub.close_sessions(mine, 4001, "logged out")
        return self.answer({"success": True, "message": "User logged out successfully."})

    async def get_settings(self, request: web.Request) -> web.Response:
        await self._client(request)
        return self.answer(self.backend.settings(request))

    async def user_sessions(self, request: web.Request) -> web.Response:
        await self._client(request)
        body = await json_body(request, required=False)
        session_id = body.get("sessionId")
        if not isinstance(session_id, str) or not session_id:
            session_id = secrets.token_hex(32)
        return self.answer({"sessionId": session_id})

    # ------------------------------------------------------------------ test controls

    async def control(self, request: web.Request) -> web.Response:
        self.backend.check_api_key(request)
        name = request.match_info["control"]
        kwargs = await json_body(request, required=False)
        try:
            result = await self.controls.call(name, kwargs)
        except LookupError as exc:
            raise ApiError(404, "ERR_NOT_FOUND", str(exc)) from None
        except ValueError as exc:
            raise ApiError(400, "ERR_BAD_REQUEST", str(exc)) from None
        return web.json_response(protocol.success(result))
