"""Groups over REST (ios-surface-next 4 and 10, items 18-23).

Authorization by scope, as CometChat documents it: participants can't kick or ban; moderators
kick and ban participants; admins also change scopes, update and delete the group; only the
owner (an admin nobody can kick, ban or demote) transfers ownership, and must before leaving.
A private group is joined only by being added; to anyone else it answers as a missing group
would, so its guid reveals nothing. A password group needs its password; wrong passwords are
throttled per user and group, and hashing runs off the event loop.
Refusals carry CometChat's own codes (``ERR_GROUP_NO_MODERATOR_SCOPE``,
``ERR_GROUP_NO_ADMIN_SCOPE``, ``ERR_GROUP_NO_SCOPE_CLEARANCE``, ``ERR_GROUP_NO_SELF_ACTION``,
``ERR_GROUP_NO_CLEARANCE``, ``ERR_SAME_SCOPE``, ...); the README lists them all. A
membership check and the change it guards are one database step, so racing calls (a join and
a ban, two joins) leave one consistent outcome and one action message. Every membership change is stored as an action message (``joined``, ``left``, ``kicked``,
``banned``, ``unbanned``, ``scopeChanged``, ``added``) and pushed to every member and to the
user it happened to, with the group's new ``membersCount``.
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

from aiohttp import web

from ..transport import protocol
from . import keys
from .errors import ApiError
from .base import PREFIX, Endpoints, page_meta
from .groups_store import SCOPES, hash_password, password_matches
from .limits import FailureWindow
from .messages_store import NewMessage
from .params import Params, bad_request, json_body

__all__ = ["GroupsApi"]

GUID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,100}\Z")
_TYPES = {"public": "public", "private": "private", "password": "password", "protected": "password"}
_MEMBER_LISTS = {"admins": "admin", "moderators": "moderator", "participants": "participant"}


def _rank(scope: str | None) -> int:
    return SCOPES.index(scope) if scope in SCOPES else -1


#: the code for "your scope is below ``at_least``"
_SCOPE_CODES = {"moderator": "ERR_GROUP_NO_MODERATOR_SCOPE", "admin": "ERR_GROUP_NO_ADMIN_SCOPE"}


def denied(code: str, message: str) -> ApiError:
    return ApiError(403, code, message)


def not_a_member(uid: Any, guid: str) -> ApiError:
    """The target of a member action (or of the ownership) is not in the group."""
    return ApiError(404, "ERR_NOT_A_MEMBER", f"The user {uid} is not a member of the group {guid}.", {"uid": str(uid)})


def _done(message: str) -> dict[str, Any]:
    return {"success": True, "message": message}


def _group_fields(body: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    """The group fields a body sets, checked."""
    fields: dict[str, Any] = {}
    if creating:
        guid = body.get("guid")
        if not isinstance(guid, str) or not GUID_PATTERN.match(guid):
            raise ApiError(400, "ERR_INVALID_GUID", "The guid may contain only letters, digits, underscores and"
                           " hyphens (1-100).", {"field": "guid"})
        fields["guid"] = guid
    if creating or "name" in body:
        if not isinstance(body.get("name"), str) or not body["name"].strip():
            raise bad_request("name must be a non-empty string.", "name")
        fields["name"] = body["name"]
    if creating or "type" in body:
        raw = body.get("type", "public")
        kind = _TYPES.get(raw) if isinstance(raw, str) else None
        if kind is None:
            raise bad_request("type must be public, private or password.", "type")
        fields["type"] = kind
    for key in ("icon", "description", "password"):
        if key in body and body[key] is not None:
            if not isinstance(body[key], str):
                raise bad_request(f"{key} must be a string.", key)
            fields[key] = body[key]
    if "metadata" in body:
        if body["metadata"] is not None and not isinstance(body["metadata"], dict):
            raise bad_request("metadata must be an object.", "metadata")
        fields["metadata"] = body["metadata"]
    if "tags" in body:
        if not isinstance(body["tags"], list) or not all(isinstance(t, str) for t in body["tags"]):
            raise bad_request("tags must be a list of strings.", "tags")
        fields["tags"] = body["tags"]
    return fields


def empty_password() -> ApiError:
    return ApiError(400, "ERR_EMPTY_GROUP_PASS", "A password group needs a password.", {"field": "password"})


async def _hashed(fields: dict[str, Any], *, current_type: str | None, has_password: bool) -> dict[str, Any]:
    """``fields`` with the password replaced by its hash (made off the event loop); a group
    that is (or becomes) a password group must end up with a non-empty password."""
    fields = dict(fields)
    password = fields.pop("password", None)
    kind = fields.get("type", current_type)
    if password is not None:
        if kind == "password" and not password:
            raise empty_password()
        fields["password_hash"] = (await asyncio.get_running_loop().run_in_executor(None, hash_password, password)
                                   if password else None)
    elif kind == "password" and not has_password:
        raise empty_password()
    return fields


def _uid_lists(body: dict[str, Any]) -> dict[str, list[str]]:
    """``{admins, moderators, participants, usersToBan}``: lists of uids (all optional)."""
    lists: dict[str, list[str]] = {}
    for key in (*_MEMBER_LISTS, "usersToBan"):
        value = body.get(key, [])
        if not isinstance(value, list) or not all(isinstance(u, str) and u for u in value) or len(value) > 100:
            raise bad_request(f"{key} must be a list of at most 100 uids.", key)
        lists[key] = list(dict.fromkeys(value))
    return lists


class GroupsApi(Endpoints):
    def __init__(self, backend: Any) -> None:
        super().__init__(backend)
        limits = self.backend.config.limits  # wrong group passwords per (guid, uid)
        self._attempts = FailureWindow(limit=limits.group_password_failures,
                                       window=limits.group_password_failure_window)

    def routes(self) -> list[web.RouteDef]:
        one = PREFIX + "/groups/{guid}"
        return [
            web.post(f"{PREFIX}/groups", self.create),
            web.get(f"{PREFIX}/groups", self.list_groups),
            web.get(one, self.get_group),
            web.put(one, self.update),
            web.delete(one, self.delete),
            web.post(one + "/members", self.join),
            web.delete(one + "/members", self.leave),
            web.get(one + "/members", self.list_members),
            web.put(one + "/members", self.add_members),
            web.delete(one + "/members/{uid}", self.kick),
            web.put(one + "/members/{uid}", self.change_scope),
            web.post(one + "/bannedusers/{uid}", self.ban),
            web.delete(one + "/bannedusers/{uid}", self.unban),
            web.get(one + "/bannedusers", self.list_banned),
            web.patch(one + "/owner", self.transfer_owner),
        ]

    # ------------------------------------------------------------------ helpers

    async def _group(self, guid: str, viewer: str | None) -> dict[str, Any]:
        group = await self.db.run(lambda s: s.group(self.app_id, guid, viewer))
        assert group is not None
        return group  # type: ignore[no-any-return]

    async def _scope(self, guid: str, uid: str) -> str | None:
        row = await self.db.run(lambda s: s.member_row(self.app_id, guid, uid))
        return None if row is None else str(row["scope"])

    async def _actor(self, request: web.Request, *, at_least: str) -> tuple[str, str, Any, str]:
        """(caller, guid, group row, caller's scope), if the caller's scope is at least ``at_least``."""
        viewer = await self.caller(request)
        guid = request.match_info["guid"]
        row, membership = await self.group_and_membership(guid, viewer)
        if membership is None:
            raise self.not_a_member(viewer, guid)
        scope = str(membership["scope"])
        if _rank(scope) < _rank(at_least):
            raise denied(_SCOPE_CODES.get(at_least, "ERR_NOT_A_MEMBER"),
                         f"This needs a scope of {at_least} or above in the group {guid}.")
        return viewer, guid, row, scope

    def _may_act_on(self, row: Any, actor: str, actor_scope: str, target: str, target_scope: str | None) -> None:
        """Nobody acts on themselves or on the owner; otherwise the actor's scope must be above
        the target's (the owner may act on other admins)."""
        if target == actor:
            raise denied("ERR_GROUP_NO_SELF_ACTION", "You cannot kick, ban or change the scope of yourself.")
        if target == row["owner"]:
            raise denied("ERR_GROUP_NO_SCOPE_CLEARANCE", "The owner cannot be kicked, banned or have their scope changed.")
        if target_scope is not None and _rank(actor_scope) <= _rank(target_scope) and actor != row["owner"]:
            raise denied("ERR_GROUP_NO_SCOPE_CLEARANCE", f"A {actor_scope} cannot act on a {target_scope}.")

    async def _act(self, request: web.Request, guid: str, action: str, by: str, on: str,
                   extras: dict[str, Any] | None = None, also: tuple[str, ...] = ()) -> dict[str, Any]:
        """Store the action message and push it to every member and to those it concerns."""
        by_user, on_user = await self.user_or_404(by), await self.user_or_404(on)
        group = await self._group(guid, None)
        now = int(time.time())

        def body(message_id: int) -> dict[str, Any]:
            return protocol.action_message_object(
                message_id=message_id, conversation=keys.display_id(keys.group_key(guid)), action=action, by=by_user,
                on=(on_user, "user"), for_=(group, "group"), receiver=guid, receiver_type="group", sent_at=now,
                extras=extras, kind="groupMember")

        new = NewMessage(conv_key=keys.group_key(guid), sender=by, receiver=guid, receiver_type="group",
                         category="action", type="groupMember", sent_at=now, build_body=body, action=action)
        stored: dict[str, Any] = await self.db.run(lambda s: s.insert_message(self.app_id, new))
        members = await self.db.run(lambda s: s.member_uids(self.app_id, guid))
        self.backend.hub.deliver_to({*members, by, on, *also}, stored, request.headers.get("resource"))
        return stored

    # ------------------------------------------------------------------ groups

    async def create(self, request: web.Request) -> web.Response:
        owner = await self.caller(request)
        body = await json_body(request)
        fields = await _hashed(_group_fields(body, creating=True), current_type=None, has_password=False)
        members = body.get("members")
        lists = _uid_lists(members) if isinstance(members, dict) else None
        if members is not None and lists is None:
            raise bad_request("members must be an object of uid lists.", "members")
        if not await self.db.run(lambda s: s.create_group(self.app_id, owner, fields)):
            raise ApiError(409, "ERR_GUID_ALREADY_EXISTS", f"The group with guid {fields['guid']} already exists.",
                           {"guid": fields["guid"]})
        group = await self._group(fields["guid"], owner)
        if lists is not None:
            group["members"] = {"data": await self._add(request, owner, "admin", fields["guid"], lists)}
            group["membersCount"] = (await self._group(fields["guid"], owner))["membersCount"]
        return self.answer(group)

    async def list_groups(self, request: web.Request) -> web.Response:
        viewer = await self.caller(request)
        params = Params(request)
        per_page, page = params.number("per_page", 30, 1, 100), params.number("page", 1, 1, 1_000_000)
        search, joined, tags = params.text("searchKey"), params.flag("hasJoined"), params.words("tags")
        groups, total = await self.db.run(
            lambda s: s.list_groups(self.app_id, viewer, search, joined, tags, page, per_page))
        if not params.flag("withTags"):  # a list carries tags only when asked, as users and messages do
            for group in groups:
                group.pop("tags", None)
        return self.answer(groups, page_meta(total, len(groups), per_page, page))

    async def get_group(self, request: web.Request) -> web.Response:
        viewer = await self.caller(request)
        guid = request.match_info["guid"]
        await self.group_for(guid, viewer, member=False)
        return self.answer(await self._group(guid, viewer))

    async def update(self, request: web.Request) -> web.Response:
        viewer, guid, row, _ = await self._actor(request, at_least="admin")
        changes = await _hashed(_group_fields(await json_body(request), creating=False), current_type=row["type"],
                                has_password=bool(row["password_hash"]))
        await self.db.run(lambda s: s.update_group(self.app_id, guid, changes))
        return self.answer(await self._group(guid, viewer))

    async def delete(self, request: web.Request) -> web.Response:
        _, guid, _, _ = await self._actor(request, at_least="admin")
        tokens = await self.db.run(lambda s: s.delete_group(self.app_id, guid))
        self.backend.files.discard_tokens(tokens)
        return self.answer(_done("Group deleted successfully."))

    async def transfer_owner(self, request: web.Request) -> web.Response:
        viewer, guid, row, _ = await self._actor(request, at_least="participant")
        if row["owner"] != viewer:
            raise denied("ERR_GROUP_NO_CLEARANCE", "Only the owner transfers the ownership of a group.")
        uid = (await json_body(request)).get("owner")
        if not isinstance(uid, str) or not uid:
            raise bad_request("owner must be the uid of a member.", "owner")
        await self.user_or_404(uid)  # a uid nobody has is not found, not merely no member
        if uid == viewer:
            raise denied("ERR_GROUP_NO_SELF_ACTION", "You own the group already: transfer it to another member.")
        if await self._scope(guid, uid) is None:
            raise not_a_member(uid, guid)
        await self.db.run(lambda s: s.transfer_owner(self.app_id, guid, uid))
        return self.answer(_done(f"Ownership transferred to user {uid} for the group with guid {guid}."))

    # ------------------------------------------------------------------ membership

    async def join(self, request: web.Request) -> web.Response:
        viewer = await self.caller(request)
        guid = request.match_info["guid"]
        row = await self.group_for(guid, viewer, member=False)  # a private group: not for outsiders
        body = await json_body(request, required=False)
        if row["type"] == "password":
            await self._check_password(guid, viewer, body.get("password"), row["password_hash"])
        await self._add_member(guid, viewer, "participant")
        return self.answer(await self._act(request, guid, "joined", viewer, viewer))

    async def _check_password(self, guid: str, uid: str, password: Any, stored: str | None) -> None:
        if not isinstance(password, str) or not password:
            raise ApiError(400, "ERR_EMPTY_GROUP_PASS", "A password group needs its password to join.",
                           {"field": "password"})
        key = (guid, uid)
        wait = self._attempts.wait_for(key)
        if wait is not None:
            raise ApiError(429, "ERR_TOO_MANY_REQUESTS", f"Too many wrong passwords; try again in {wait} s.",
                           {"retryAfter": wait}, headers={"Retry-After": str(wait)})
        # the try counts before the hash is awaited: guesses sent together would all pass the
        # check above while the hashes ran, testing many passwords under one limit
        self._attempts.failed(key)
        matches = await asyncio.get_running_loop().run_in_executor(None, password_matches, password, stored)
        if not matches:
            raise ApiError(403, "ERR_WRONG_GROUP_PASS", "The password of the group is not correct.")
        self._attempts.forget(key)

    async def leave(self, request: web.Request) -> web.Response:
        viewer, guid, row, _ = await self._actor(request, at_least="participant")
        if row["owner"] == viewer:
            raise ApiError(403, "ERR_GROUP_OWNER_CANNOT_LEAVE", "The owner must transfer the ownership before leaving.")
        if not await self.db.run(lambda s: s.remove_member(self.app_id, guid, viewer)):
            raise not_a_member(viewer, guid)  # left (or was removed) a moment ago
        await self._act(request, guid, "left", viewer, viewer)
        return self.answer(_done("Group left successfully."))

    async def list_members(self, request: web.Request) -> web.Response:
        viewer = await self.caller(request)
        guid = request.match_info["guid"]
        await self.group_for(guid, viewer)
        params = Params(request)
        per_page, page = params.number("per_page", 30, 1, 100), params.number("page", 1, 1, 1_000_000)
        search, scopes = params.text("searchKey"), params.words("scopes")
        members, total = await self.db.run(
            lambda s: s.list_members(self.app_id, guid, search, scopes, page, per_page))
        return self.answer([self.online(m) for m in members], page_meta(total, len(members), per_page, page))

    async def add_members(self, request: web.Request) -> web.Response:
        viewer, guid, _, scope = await self._actor(request, at_least="moderator")
        lists = _uid_lists(await json_body(request))
        return self.answer(await self._add(request, viewer, scope, guid, lists))

    async def _add(self, request: web.Request, actor: str, actor_scope: str, guid: str,
                   lists: dict[str, list[str]]) -> dict[str, dict[str, Any]]:
        """Add (and ban) users; per uid, ``{"success": true}`` or the error, under all four keys."""
        results: dict[str, dict[str, Any]] = {key: {} for key in (*_MEMBER_LISTS, "usersToBan")}
        for key, scope in _MEMBER_LISTS.items():
            for uid in lists[key]:
                results[key][uid] = await self._outcome(self._add_one(request, actor, actor_scope, guid, uid, scope))
        for uid in lists["usersToBan"]:
            results["usersToBan"][uid] = await self._outcome(self._ban_one(request, actor, actor_scope, guid, uid))
        return results

    @staticmethod
    async def _outcome(work: Any) -> dict[str, Any]:
        try:
            await work
        except ApiError as exc:
            return {"success": False, "error": {"code": exc.code, "message": exc.message}}
        return {"success": True}

    async def _add_member(self, guid: str, uid: str, scope: str) -> None:
        """Add ``uid`` at ``scope``, refusing one who is banned or already a member."""
        outcome = await self.db.run(lambda s: s.add_member(self.app_id, guid, uid, scope))
        if outcome == "banned":
            raise ApiError(403, "ERR_BANNED_GROUPMEMBER", f"The user {uid} is banned from the group {guid}.")
        if outcome == "member":
            raise ApiError(409, "ERR_ALREADY_JOINED", f"The user {uid} is already a member of {guid}.")

    async def _add_one(self, request: web.Request, actor: str, actor_scope: str, guid: str, uid: str,
                       scope: str) -> None:
        if scope != "participant" and actor_scope != "admin":
            raise denied("ERR_GROUP_NO_ADMIN_SCOPE", f"Only an admin adds a member as {scope}.")
        await self.user_or_404(uid)
        await self._add_member(guid, uid, scope)
        await self._act(request, guid, "added", actor, uid)

    async def kick(self, request: web.Request) -> web.Response:
        viewer, guid, row, scope = await self._actor(request, at_least="moderator")
        uid = request.match_info["uid"]
        await self.user_or_404(uid)
        target_scope = await self._scope(guid, uid)
        if target_scope is None:
            raise not_a_member(uid, guid)
        self._may_act_on(row, viewer, scope, uid, target_scope)
        if not await self.db.run(lambda s: s.remove_member(self.app_id, guid, uid)):
            raise not_a_member(uid, guid)
        await self._act(request, guid, "kicked", viewer, uid)
        return self.answer(_done(f"The user {uid} was kicked from the group {guid}."))

    async def ban(self, request: web.Request) -> web.Response:
        viewer, guid, _, scope = await self._actor(request, at_least="moderator")
        uid = request.match_info["uid"]
        await self._ban_one(request, viewer, scope, guid, uid)
        return self.answer(_done(f"The user {uid} was banned from the group {guid}."))

    async def _ban_one(self, request: web.Request, actor: str, actor_scope: str, guid: str, uid: str) -> None:
        row = await self.group_for(guid, actor)  # the actor's scope was checked by every caller
        await self.user_or_404(uid)
        self._may_act_on(row, actor, actor_scope, uid, await self._scope(guid, uid))
        if not await self.db.run(lambda s: s.ban(self.app_id, guid, uid, actor)):
            raise ApiError(409, "ERR_ALREADY_BANNED", f"The user {uid} is already banned from the group {guid}.")
        await self._act(request, guid, "banned", actor, uid)

    async def unban(self, request: web.Request) -> web.Response:
        viewer, guid, _, _ = await self._actor(request, at_least="moderator")
        uid = request.match_info["uid"]
        await self.user_or_404(uid)  # a uid nobody has is not found, as for kick, ban and scope
        if not await self.db.run(lambda s: s.unban(self.app_id, guid, uid)):
            raise ApiError(404, "ERR_NOT_A_BANNED_USER", f"The user {uid} is not banned from the group {guid}.",
                           {"uid": uid})
        await self._act(request, guid, "unbanned", viewer, uid)
        return self.answer(_done(f"The user {uid} was unbanned from the group {guid}."))

    async def list_banned(self, request: web.Request) -> web.Response:
        _, guid, _, _ = await self._actor(request, at_least="moderator")
        params = Params(request)
        per_page, page = params.number("per_page", 30, 1, 100), params.number("page", 1, 1, 1_000_000)
        search, scopes = params.text("searchKey"), params.words("scopes")
        banned, total = await self.db.run(lambda s: s.list_banned(self.app_id, guid, search, scopes, page, per_page))
        return self.answer([self.online(m) for m in banned], page_meta(total, len(banned), per_page, page))

    async def change_scope(self, request: web.Request) -> web.Response:
        viewer, guid, row, scope = await self._actor(request, at_least="admin")
        uid = request.match_info["uid"]
        new = (await json_body(request)).get("scope")
        if new not in SCOPES:
            raise bad_request("scope must be admin, moderator or participant.", "scope")
        await self.user_or_404(uid)
        old = await self._scope(guid, uid)
        if old is None:
            raise not_a_member(uid, guid)
        self._may_act_on(row, viewer, scope, uid, old)
        if new == old:
            raise ApiError(409, "ERR_SAME_SCOPE", f"The user {uid} is already a {new} of the group {guid}.")
        await self.db.run(lambda s: s.set_scope(self.app_id, guid, uid, new))
        await self._act(request, guid, "scopeChanged", viewer, uid, {"scope": {"new": new, "old": old}})
        return self.answer(_done(f"The scope of {uid} in the group {guid} is now {new}."))
