"""The groups part: creating and changing groups, joining and leaving, members, scopes, bans.

Results are Swift's (ios-surface-next 4.2): a ``Group`` where Swift gives one, the server's
sentence where Swift gives a ``String``, and ``{uid: "success" | <why not>}`` per member for
``addMembersToGroup``. Swift puts the uid before the guid (``kickGroupMember(UID:GUID:)``);
so do we. What a member may do is the server's to decide; its refusals arrive with its codes.
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any, Callable

from .callbacks import Reply
from .exceptions import CometChatException, invalid_parameter
from .models import Group, GroupMember, GroupMemberScopeType, GroupType
from .models.group import group_type as group_type_of
from .models.group import member_scope
from .parts import Callback, RestPart
from .transport import endpoints
from .validation import group_error, guid_error, password_error, uid_error

__all__ = ["Groups"]

#: the request key of each scope's uids in ``POST groups`` and ``PUT groups/{guid}/members``
_LIST_OF_SCOPE = {
    GroupMemberScopeType.admin: "admins",
    GroupMemberScopeType.moderator: "moderators",
    GroupMemberScopeType.participant: "participants",
}
#: the most groups one page of ``getJoinedGroups`` asks for
_JOINED_PAGE = 100


def _members_body(members: Any, banned: Any) -> dict[str, list[str]] | CometChatException:
    """``{admins, moderators, participants, usersToBan}`` with the empty lists left out."""
    if isinstance(members, (str, bytes)) or not isinstance(members, (list, tuple)) \
            or not all(isinstance(m, GroupMember) for m in members):
        return invalid_parameter("groupMembers", "a list of GroupMember", members)
    if banned is None:
        banned = []
    if isinstance(banned, str) or not isinstance(banned, (list, tuple)):
        return invalid_parameter("bannedUIDs", "a list of uids", banned)
    error = next((e for e in map(uid_error, [*(m.uid for m in members), *banned]) if e is not None), None)
    if error is not None:
        return error
    body: dict[str, list[str]] = {}
    for member in members:
        scope = member_scope(member.scope)
        if scope is None:
            return invalid_parameter("groupMembers scope", "a CometChat.GroupMemberScopeType", member.scope)
        body.setdefault(_LIST_OF_SCOPE[scope], []).append(member.uid)
    if banned:
        body["usersToBan"] = list(banned)
    return body


class Groups(RestPart):
    """Group calls of one client."""

    # ------------------------------------------------------------------ groups

    def create(self, group: Any, members: Any, banned: Any, onSuccess: Callback | None,
               onError: Callback | None, *, with_members: bool) -> Future[Any]:
        """``createGroup`` (the group) or ``createGroupWithMembers`` (``{"group", "members"}``)."""
        error = group_error(group) or (password_error(group.groupType, group.password) if isinstance(group, Group)
                                       else None)
        extra = _members_body(members, banned) if with_members and error is None else {}
        if isinstance(extra, CometChatException):
            error, extra = extra, {}

        def send(reply: Reply[Any]) -> None:
            body = group.toWire(request=True)
            if with_members:
                body["members"] = extra
            created, outcomes = endpoints.create_group(self._session, body)
            result: Any = {"group": created, "members": outcomes} if with_members else created
            reply.succeed(result, result)

        return self._call(onSuccess, onError, error, send)

    def get(self, guid: Any, onSuccess: Callback | None, onError: Callback | None) -> Future[Group]:
        return self._run(onSuccess, onError, guid_error(guid), lambda: endpoints.get_group(self._session, guid))

    def update(self, group: Any, onSuccess: Callback | None, onError: Callback | None) -> Future[Group]:
        def send() -> Group:
            body = group.toWire(request=True)
            for flag in ("hasJoined", "membersCount", "isBanned"):  # the server's to say
                body.pop(flag, None)
            return endpoints.update_group(self._session, group.guid, body)

        return self._run(onSuccess, onError, group_error(group), send)

    def delete(self, guid: Any, onSuccess: Callback | None, onError: Callback | None) -> Future[str]:
        return self._run(onSuccess, onError, guid_error(guid), lambda: endpoints.delete_group(self._session, guid))

    def joined_guids(self, onSuccess: Callback | None, onError: Callback | None) -> Future[list[str]]:
        """``getJoinedGroups``: every page of ``GET groups?hasJoined=1``, as guids."""
        def fetch() -> list[str]:
            guids: list[str] = []
            page = 1
            while True:
                found = endpoints.list_groups(self._session, [("per_page", _JOINED_PAGE), ("hasJoined", 1),
                                                              ("page", page)]).items
                guids += [group.guid for group in found]
                if len(found) < _JOINED_PAGE:
                    return guids
                page += 1

        return self._run(onSuccess, onError, None, fetch)

    # ------------------------------------------------------------------ membership

    def join(self, guid: Any, group_type: Any, password: Any, onSuccess: Callback | None,
             onError: Callback | None) -> Future[Group]:
        try:
            kind: GroupType | None = group_type_of(group_type)
            error = guid_error(guid) or password_error(kind, password)
        except CometChatException as bad_type:
            kind, error = None, guid_error(guid) or bad_type

        def send() -> Group:
            # the stub the official SDK sends; the server reads its type and password
            body = Group(guid=guid, name=guid, groupType=kind, password=password).toWire(request=True)
            return endpoints.join_group(self._session, guid, body)

        return self._run(onSuccess, onError, error, send)

    def leave(self, guid: Any, onSuccess: Callback | None, onError: Callback | None) -> Future[str]:
        return self._run(onSuccess, onError, guid_error(guid), lambda: endpoints.leave_group(self._session, guid))

    def add_members(self, guid: Any, members: Any, banned: Any, onSuccess: Callback | None,
                    onError: Callback | None) -> Future[dict[str, str]]:
        body = _members_body(members, banned)
        if isinstance(body, CometChatException):
            return self._run(onSuccess, onError, guid_error(guid) or body, dict)
        return self._run(onSuccess, onError, guid_error(guid), lambda: endpoints.add_members(self._session, guid, body))

    def kick(self, uid: Any, guid: Any, onSuccess: Callback | None, onError: Callback | None) -> Future[str]:
        return self._on_member(endpoints.kick_member, uid, guid, onSuccess, onError)

    def ban(self, uid: Any, guid: Any, onSuccess: Callback | None, onError: Callback | None) -> Future[str]:
        return self._on_member(endpoints.ban_member, uid, guid, onSuccess, onError)

    def unban(self, uid: Any, guid: Any, onSuccess: Callback | None, onError: Callback | None) -> Future[str]:
        return self._on_member(endpoints.unban_member, uid, guid, onSuccess, onError)

    def transfer(self, uid: Any, guid: Any, onSuccess: Callback | None, onError: Callback | None) -> Future[str]:
        return self._on_member(endpoints.transfer_ownership, uid, guid, onSuccess, onError)

    def _on_member(self, call: Callable[[Any, str, str], str], uid: Any, guid: Any, onSuccess: Callback | None,
                   onError: Callback | None) -> Future[str]:
        error = uid_error(uid) or guid_error(guid)
        return self._run(onSuccess, onError, error, lambda: call(self._session, guid, uid))

    def change_scope(self, uid: Any, guid: Any, scope: Any, onSuccess: Callback | None,
                     onError: Callback | None) -> Future[str]:
        new = member_scope(scope)
        error = uid_error(uid) or guid_error(guid) or (
            invalid_parameter("scope", "a CometChat.MemberScope", scope) if new is None else None)
        return self._run(onSuccess, onError, error,
                            lambda: endpoints.set_member_scope(self._session, guid, uid, getattr(new, "value", "")))

