"""The dev server's REST API (CometChat v3.0 paths) and the aiohttp application around it.

Every answer is the ``{"data": ...}`` / ``{"error": {...}}`` envelope with a meaningful HTTP
status; browsers get CORS headers and their preflights answered, so apps written with the
official JS SDK can use this server too.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import time
from typing import Any, Awaitable, Callable

from aiohttp import web

from ..transport import protocol
from . import edge, security
from .backend import API_VERSION, Backend
from .controls import Controls
from .errors import ApiError
from .guard import Guards
from .limits import Limits

log = logging.getLogger("cometchat.devserver")

UID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,100}$")
PREFIX = f"/{API_VERSION}"

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": "appId, authToken, apiKey, resource, sdk, Content-Type, Accept,"
    " onbehalfofuser",
    "Access-Control-Max-Age": "600",
}

#: where handlers leave the authenticated uid for the request log
UID_KEY: Any = web.RequestKey("uid", str) if hasattr(web, "RequestKey") else "uid"

#: the server's limits, on the application
LIMITS_KEY: Any = web.AppKey("limits", Limits) if hasattr(web, "AppKey") else "limits"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def build_app(backend: Backend) -> web.Application:
    app = web.Application(client_max_size=backend.config.limits.max_body_bytes,
                          middlewares=[_envelope_middleware(backend)])
    app[LIMITS_KEY] = backend.config.limits
    api = RestApi(backend)
    routes = [
        web.get("/", api.root),
        web.post(f"{PREFIX}/users", api.create_user),
        web.get(f"{PREFIX}/users", api.list_users),
        web.get(PREFIX + "/users/{uid}", api.get_user),
        web.post(PREFIX + "/users/{uid}/auth_tokens", api.mint_token),
        web.delete(PREFIX + "/users/{uid}/auth_tokens", api.flush_tokens),
        web.delete(PREFIX + "/users/{uid}/auth_tokens/{token}", api.delete_token),
        web.post(PREFIX + "/users/{uid}/friends", api.add_friends),
        web.get(PREFIX + "/users/{uid}/messages", api.conversation_messages),
        web.put(f"{PREFIX}/me", api.put_me),
        web.get(f"{PREFIX}/me", api.get_me),
        web.delete(f"{PREFIX}/me", api.delete_me),
        web.get(f"{PREFIX}/settings", api.get_settings),
        web.post(f"{PREFIX}/user_sessions", api.user_sessions),
        web.post(f"{PREFIX}/messages", api.send_message),
        web.get(f"{PREFIX}/messages", api.my_messages),
        web.post("/_dev/{control}", api.control),
    ]
    app.add_routes(routes)
    backend.routes = sorted({(r.method, r.resource.canonical) for r in app.router.routes() if r.resource})
    return app


def _envelope_middleware(backend: Backend) -> Any:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method == "OPTIONS":
            return web.Response(status=204, headers=CORS_HEADERS)
        guard = Guards.of(request)
        if guard is not None:
            guard.request_started()
        try:
            response = await _answer(request, handler)
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
        log.exception("internal error serving %s %s", request.method, request.path)
        return ApiError(500, "ERR_INTERNAL", "The dev server failed to answer this request.").response()


async def _json_body(request: web.Request, *, required: bool = True) -> dict[str, Any]:
    return await edge.read_json_body(request, request.app[LIMITS_KEY], required=required)


_int_param = edge.int_param


class RestApi:
    """The handlers; each reads like the endpoint table of the wire reference."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.db = backend.db
        self.controls = Controls(backend)

    @property
    def app_id(self) -> str:
        return self.backend.app.app_id

    def _online(self, user: dict[str, Any]) -> dict[str, Any]:
        status = "online" if user["uid"] in self.backend.hub.by_uid else "offline"
        return dict(user, status=status)

    async def _user_or_404(self, uid: str) -> dict[str, Any]:
        user = await self.db.run(lambda s: s.get_user(self.app_id, uid))
        if user is None:
            raise ApiError(404, "ERR_UID_NOT_FOUND", f"The user with uid {uid} does not exist.", {"uid": uid})
        return self._online(user)

    async def _client(self, request: web.Request) -> tuple[str, int, str]:
        uid, token_id, token = await self.backend.check_auth_token(request)
        request[UID_KEY] = uid
        return uid, token_id, token

    async def root(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await self.backend.hub.handle(request)
        return web.json_response(protocol.success({"server": "cometchat-devserver", "apiVersion": API_VERSION}))

    # ------------------------------------------------------------------ admin

    async def create_user(self, request: web.Request) -> web.Response:
        self.backend.check_api_key(request)
        body = await _json_body(request)
        uid = body.get("uid")
        if not isinstance(uid, str) or not UID_PATTERN.match(uid):
            raise ApiError(
                400,
                "ERR_INVALID_UID",
                "The uid may contain only letters, digits, underscores and hyphens (1-100).",
                {"field": "uid"},
            )
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ApiError(400, "ERR_BAD_REQUEST", "The name must be a non-empty string.", {"field": "name"})
        user = await self.db.run(lambda s: s.create_user(self.app_id, body))
        if user is None:
            raise ApiError(409, "ERR_UID_ALREADY_EXISTS", f"The user with uid {uid} already exists.", {"uid": uid})
        return web.json_response(protocol.success(user))

    async def mint_token(self, request: web.Request) -> web.Response:
        self.backend.check_api_key(request)
        user = await self._user_or_404(request.match_info["uid"])
        await _json_body(request, required=False)
        token = security.new_auth_token()
        digest = security.token_hash(token)
        await self.db.run(lambda s: s.add_token(self.app_id, user["uid"], digest))
        return web.json_response(protocol.success(dict(user, authToken=token, createdAt=int(time.time()))))

    async def delete_token(self, request: web.Request) -> web.Response:
        """CometChat's "Delete Auth Token": the token ends, and so do its sockets."""
        self.backend.check_api_key(request)
        user = await self._user_or_404(request.match_info["uid"])
        digest = security.token_hash(request.match_info["token"])
        token_id = await self.db.run(lambda s: s.delete_token(self.app_id, user["uid"], digest))
        if token_id is None:
            raise ApiError(404, "AUTH_ERR_AUTH_TOKEN_NOT_FOUND", "The user has no such auth token.")
        hub = self.backend.hub
        hub.close_sessions([s for s in hub.sessions(user["uid"]) if s.token_id == token_id], 4001, "token deleted")
        return web.json_response(protocol.success({"success": True, "message": "Auth token deleted."}))

    async def flush_tokens(self, request: web.Request) -> web.Response:
        """CometChat's "Flush Auth Tokens": every token of the user ends, and so do their sockets."""
        self.backend.check_api_key(request)
        user = await self._user_or_404(request.match_info["uid"])
        await self.db.run(lambda s: s.delete_tokens(self.app_id, user["uid"]))
        hub = self.backend.hub
        hub.close_sessions(hub.sessions(user["uid"]), 4001, "tokens flushed")
        return web.json_response(protocol.success({"success": True, "message": "Auth tokens flushed."}))

    async def add_friends(self, request: web.Request) -> web.Response:
        self.backend.check_api_key(request)
        user = await self._user_or_404(request.match_info["uid"])
        body = await _json_body(request)
        accepted = body.get("accepted")
        if not isinstance(accepted, list) or not all(isinstance(u, str) for u in accepted):
            raise ApiError(400, "ERR_BAD_REQUEST", "accepted must be a list of uids.", {"field": "accepted"})
        added = await self.db.run(lambda s: s.add_friends(self.app_id, user["uid"], accepted))
        result = {uid: {"success": uid in added} for uid in accepted}
        return web.json_response(protocol.success({"accepted": result}))

    # ------------------------------------------------------------------ me

    async def _me(self, uid: str, token: str, token_id: int, device_id: str, request: web.Request) -> dict[str, Any]:
        user = await self._user_or_404(uid)
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
        uid, token_id, token = await self._client(request)
        body = await _json_body(request, required=False)
        device_id = body.get("deviceId")
        if not isinstance(device_id, str) or not device_id:
            device_id = f"token-{token_id}"
        await self.db.run(lambda s: s.register_device(token_id, device_id))
        return web.json_response(protocol.success(await self._me(uid, token, token_id, device_id, request)))

    async def get_me(self, request: web.Request) -> web.Response:
        uid, token_id, token = await self._client(request)
        device_id = await self.db.run(lambda s: s.latest_device(token_id))
        me = await self._me(uid, token, token_id, device_id or f"token-{token_id}", request)
        return web.json_response(protocol.success(me))

    async def delete_me(self, request: web.Request) -> web.Response:
        uid, token_id, _ = await self._client(request)
        await self.db.run(lambda s: s.unregister_devices(token_id))
        hub = self.backend.hub
        mine = [s for s in hub.sessions(uid) if s.token_id == token_id]
        hub.close_sessions(mine, 4001, "logged out")
        return web.json_response(protocol.success({"success": True, "message": "User logged out successfully."}))

    async def get_settings(self, request: web.Request) -> web.Response:
        await self._client(request)
        return web.json_response(protocol.success(self.backend.settings(request)))

    async def user_sessions(self, request: web.Request) -> web.Response:
        await self._client(request)
        body = await _json_body(request, required=False)
        session_id = body.get("sessionId")
        if not isinstance(session_id, str) or not session_id:
            session_id = secrets.token_hex(32)
        return web.json_response(protocol.success({"sessionId": session_id}))

    # ------------------------------------------------------------------ users

    async def list_users(self, request: web.Request) -> web.Response:
        await self._client(request)
        per_page = _int_param(request, "per_page", 100, 1, 1000)
        page = _int_param(request, "page", 1, 1, 1_000_000)
        users, total = await self.db.run(lambda s: s.list_users(self.app_id, page, per_page))
        meta = {
            "pagination": {
                "total": total,
                "count": len(users),
                "per_page": per_page,
                "current_page": page,
                "total_pages": max(1, -(-total // per_page)),
            }
        }
        return web.json_response(protocol.success([self._online(u) for u in users], meta))

    async def get_user(self, request: web.Request) -> web.Response:
        await self._client(request)
        return web.json_response(protocol.success(await self._user_or_404(request.match_info["uid"])))

    # ------------------------------------------------------------------ messages

    async def send_message(self, request: web.Request) -> web.Response:
        uid, _, _ = await self._client(request)
        body = await _json_body(request)
        try:
            message = protocol.parse_message_request(body)
        except protocol.RemoteProtocolError as exc:
            code = "ERR_EMPTY_MESSAGE_TEXT" if exc.field == "text" else "ERR_BAD_REQUEST"
            raise ApiError(400, code, exc.message, {"field": exc.field}) from None
        if message.receiver_type != "user":
            raise ApiError(404, "ERR_GUID_NOT_FOUND", "Groups are not supported by the dev server.")
        sender = await self._user_or_404(uid)
        receiver = await self._user_or_404(message.receiver)
        sent_at = int(time.time())

        def store(s: Any) -> dict[str, Any]:
            return s.insert_message(  # type: ignore[no-any-return]
                self.app_id,
                protocol.conversation_id(uid, receiver["uid"]),
                uid,
                receiver["uid"],
                sent_at,
                lambda message_id: protocol.build_message_object(
                    message_id=message_id, sender=sender, receiver=receiver, request=message, sent_at=sent_at
                ),
            )

        stored = await self.db.run(store)
        self.backend.hub.deliver_message(stored, request.headers.get("resource"))
        return web.json_response(protocol.success(stored))

    def _cursor(self, request: web.Request) -> tuple[int | None, str, int]:
        affix = request.query.get("affix", "prepend")
        if affix not in ("append", "prepend"):
            raise ApiError(400, "ERR_BAD_REQUEST", "affix must be append or prepend.", {"field": "affix"})
        cursor = edge.message_id_param(request)
        per_page = _int_param(request, "per_page", 30, 1, 100)
        return cursor, affix, per_page

    def _page(self, rows: list[dict[str, Any]], affix: str, per_page: int) -> web.Response:
        cursor: dict[str, Any] = {"affix": affix, "per_page": per_page}
        if rows:
            cursor["id"] = rows[-1]["id"] if affix == "append" else rows[0]["id"]
        return web.json_response(protocol.success(rows, {"cursor": cursor}))

    async def conversation_messages(self, request: web.Request) -> web.Response:
        uid, _, _ = await self._client(request)
        other = await self._user_or_404(request.match_info["uid"])
        cursor, affix, per_page = self._cursor(request)
        conversation = protocol.conversation_id(uid, other["uid"])
        rows = await self.db.run(
            lambda s: s.list_messages(
                self.app_id, conversation=conversation, uid=uid, cursor=cursor, affix=affix, limit=per_page
            )
        )
        return self._page(rows, affix, per_page)

    async def my_messages(self, request: web.Request) -> web.Response:
        uid, _, _ = await self._client(request)
        cursor, affix, per_page = self._cursor(request)
        rows = await self.db.run(
            lambda s: s.list_messages(
                self.app_id, conversation=None, uid=uid, cursor=cursor, affix=affix, limit=per_page
            )
        )
        return self._page(rows, affix, per_page)

    # ------------------------------------------------------------------ test controls

    async def control(self, request: web.Request) -> web.Response:
        self.backend.check_api_key(request)
        name = request.match_info["control"]
        kwargs = await _json_body(request, required=False)
        try:
            result = await self.controls.call(name, kwargs)
        except LookupError as exc:
            raise ApiError(404, "ERR_NOT_FOUND", str(exc)) from None
        except ValueError as exc:
            raise ApiError(400, "ERR_BAD_REQUEST", str(exc)) from None
        return web.json_response(protocol.success(result))
