"""Users and blocks over REST (ios-surface-next 1 and 10, items 1-6).

``GET users`` pages with every filter of ``UsersRequestBuilder``; user objects carry
``blockedByMe`` / ``hasBlockedMe`` as the caller sees them; admins create and update users.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .errors import ApiError
from .keys import UID_PATTERN
from .base import PREFIX, Endpoints, page_meta
from .params import Params, bad_request, json_body
from .users_store import UserQuery

__all__ = ["UsersApi", "profile_changes", "UID_PATTERN"]

_TEXT_FIELDS = ("name", "avatar", "link", "role", "statusMessage")
_DIRECTIONS = ("blockedByMe", "hasBlockedMe", "both")
_MAX_UIDS = 100


def profile_changes(body: dict[str, Any], *, allow_role: bool) -> dict[str, Any]:
    """The user fields a body sets, checked (a 400 names the first bad one)."""
    changes: dict[str, Any] = {}
    for key in _TEXT_FIELDS:
        if key not in body or (key == "role" and not allow_role):
            continue
        value = body[key]
        if not isinstance(value, str) or (key == "name" and not value.strip()):
            raise bad_request(f"{key} must be a {'non-empty ' if key == 'name' else ''}string.", key)
        changes[key] = value
    if "metadata" in body:
        if body["metadata"] is not None and not isinstance(body["metadata"], dict):
            raise bad_request("metadata must be an object.", "metadata")
        changes["metadata"] = body["metadata"]
    if "tags" in body:
        tags = body["tags"]
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise bad_request("tags must be a list of strings.", "tags")
        changes["tags"] = tags
    return changes


def _uid_list(body: dict[str, Any]) -> list[str]:
    uids = body.get("blockedUids")
    if not isinstance(uids, list) or not uids or not all(isinstance(u, str) and u for u in uids):
        raise bad_request("blockedUids must be a non-empty list of uids.", "blockedUids")
    if len(uids) > _MAX_UIDS:
        raise bad_request(f"blockedUids takes at most {_MAX_UIDS} uids.", "blockedUids")
    return list(dict.fromkeys(uids))


class UsersApi(Endpoints):
    def routes(self) -> list[web.RouteDef]:
        return [
            web.post(f"{PREFIX}/users", self.create_user),
            web.get(f"{PREFIX}/users", self.list_users),
            web.get(PREFIX + "/users/{uid}", self.get_user),
            web.put(PREFIX + "/users/{uid}", self.update_user),
            web.get(f"{PREFIX}/blockedusers", self.list_blocked),
            web.post(f"{PREFIX}/blockedusers", self.block),
            web.delete(f"{PREFIX}/blockedusers", self.unblock),
        ]

    # ------------------------------------------------------------------ admin

    async def create_user(self, request: web.Request) -> web.Response:
        self.backend.check_api_key(request)
        body = await json_body(request)
        uid = body.get("uid")
        if not isinstance(uid, str) or not UID_PATTERN.match(uid):
            raise ApiError(400, "ERR_INVALID_UID",
                           "The uid may contain only letters, digits, underscores and hyphens (1-100).", {"field": "uid"})
        if not isinstance(body.get("name"), str) or not body["name"].strip():
            raise bad_request("The name must be a non-empty string.", "name")
        user = dict(profile_changes(body, allow_role=True), uid=uid)
        created = await self.db.run(lambda s: s.create_user(self.app_id, user))
        if created is None:
            raise ApiError(409, "ERR_UID_ALREADY_EXISTS", f"The user with uid {uid} already exists.", {"uid": uid})
        return self.answer(self.online(created))

    async def update_user(self, request: web.Request) -> web.Response:
        self.backend.check_api_key(request)
        uid = request.match_info["uid"]
        await self.user_or_404(uid)
        changes = profile_changes(await json_body(request), allow_role=True)
        updated = await self.db.run(lambda s: s.update_user(self.app_id, uid, changes))
        return self.answer(self.online(updated or {"uid": uid}))

    # ------------------------------------------------------------------ users

    async def list_users(self, request: web.Request) -> web.Response:
        viewer = await self.caller(request)
        params = Params(request)
        per_page, page = params.number("per_page", 30, 1, 100), params.number("page", 1, 1, 1_000_000)
        query = self._user_query(params, viewer)
        users, total = await self.db.run(lambda s: s.list_users(self.app_id, query, page, per_page))
        if not params.flag("withTags"):  # a list carries tags only when asked (withTags=1)
            for user in users:
                user.pop("tags", None)
        return self.answer([self.online(u) for u in users], page_meta(total, len(users), per_page, page))

    def _user_query(self, params: Params, viewer: str) -> UserQuery:
        status = params.choice("status", ("available", "online", "offline"))
        return UserQuery(
            viewer=viewer,
            online=frozenset(self.backend.hub.online_uids()),
            search=params.text("searchKey"),
            search_in=params.words("searchIn") or ("uid", "name"),
            status=None if status is None else ("offline" if status == "offline" else "online"),
            hide_blocked=params.flag("hideBlockedUsers"),
            roles=params.words("roles"),
            tags=params.words("tags"),
            friends_only=params.flag("friendsOnly"),
            uids=params.words("uids"),
            sort_by=(params.text("sortBy") or "").lower() or None,
            descending=params.choice("sortOrder", ("asc", "desc"), "asc") == "desc",
        )

    async def get_user(self, request: web.Request) -> web.Response:
        viewer = await self.caller(request)
        return self.answer(await self.user_or_404(request.match_info["uid"], viewer))

    # ------------------------------------------------------------------ blocks

    async def list_blocked(self, request: web.Request) -> web.Response:
        viewer = await self.caller(request)
        params = Params(request)
        per_page, page = params.number("per_page", 30, 1, 100), params.number("page", 1, 1, 1_000_000)
        direction = params.choice("direction", _DIRECTIONS, "both") or "both"
        search = params.text("searchKey")
        users, total = await self.db.run(
            lambda s: s.list_blocked(self.app_id, viewer, direction, search, page, per_page))
        return self.answer([self.online(u) for u in users], page_meta(total, len(users), per_page, page))

    async def block(self, request: web.Request) -> web.Response:
        viewer = await self.caller(request)
        uids = _uid_list(await json_body(request))
        done = await self.db.run(lambda s: s.block(self.app_id, viewer, uids))
        self.backend.blocks_changed(viewer, added=[u for u, ok in done.items() if ok])
        return self.answer({uid: self._outcome(viewer, uid, ok, "blocked") for uid, ok in done.items()})

    async def unblock(self, request: web.Request) -> web.Response:
        viewer = await self.caller(request)
        uids = _uid_list(await json_body(request))
        done = await self.db.run(lambda s: s.unblock(self.app_id, viewer, uids))
        self.backend.blocks_changed(viewer, removed=[u for u, ok in done.items() if ok])
        return self.answer({uid: self._outcome(viewer, uid, ok, "unblocked") for uid, ok in done.items()})

    @staticmethod
    def _outcome(viewer: str, uid: str, ok: bool, verb: str) -> dict[str, Any]:
        if ok:
            return {"success": True, "message": f"The user with UID {viewer} has {verb} user with UID {uid} successfully."}
        return {"success": False, "error": {"code": "ERR_UID_NOT_FOUND" if verb == "blocked" else "ERR_NOT_BLOCKED",
                                            "message": f"The user with UID {uid} could not be {verb}."}}
