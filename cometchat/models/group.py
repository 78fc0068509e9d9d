"""``Group`` and ``GroupMember``, settable like Swift's, with their wire names mapped here.

Swift calls a group's description ``groupDescription`` and its type ``groupType``; the wire
says ``description`` and ``type`` (``protected`` meaning a password group), and calls
``isBannedFromGroup`` ``isBanned``.
"""

from __future__ import annotations

from typing import Any

import attrs

from ..exceptions import invalid_parameter
from . import wire
from .enums import GroupMemberScopeType, GroupType
from .user import User

__all__ = ["Group", "GroupMember", "group_type", "member_scope"]

_TYPES = {"public": GroupType.public, "private": GroupType.private, "password": GroupType.password,
          "protected": GroupType.password}
_SCOPES = {member.value: member for member in GroupMemberScopeType}


def group_type(value: Any) -> GroupType:
    """A ``CometChat.groupType`` from the enum or its wire value (``protected`` is a password
    group); anything else raises ``ERROR_INVALID_PARAMETER``, as a builder's setter does."""
    if isinstance(value, GroupType):
        return value
    raw = getattr(value, "value", value)
    found = _TYPES.get(raw) if isinstance(raw, str) else None
    if found is None:
        raise invalid_parameter("groupType", "a CometChat.groupType", value)
    return found


def member_scope(value: Any) -> GroupMemberScopeType | None:
    if isinstance(value, GroupMemberScopeType):
        return value
    raw = getattr(value, "value", value)
    return _SCOPES.get(raw) if isinstance(raw, str) else None


@attrs.define(kw_only=True)
class Group:
    """A group (Swift ``Group``): ``Group(guid=, name=, groupType=, password=None, icon=None,
    description=None)``, then set what you need (``group.icon = ...``) before ``createGroup``."""

    guid: str
    name: str | None = None
    #: None until set: a group created without one is public, an update without one keeps it
    groupType: GroupType | None = attrs.field(default=None, converter=attrs.converters.optional(group_type))
    password: str | None = attrs.field(default=None, repr=False)
    icon: str | None = None
    groupDescription: str | None = attrs.field(default=None, alias="description")
    owner: str | None = None
    metadata: dict[str, Any] | None = None
    createdAt: int = 0
    updatedAt: int = 0
    joinedAt: int = 0
    scope: GroupMemberScopeType | None = None
    hasJoined: bool = False
    membersCount: int = 0
    tags: list[str] = attrs.field(factory=list)
    isBannedFromGroup: bool = False

    @classmethod
    def fromWire(cls, obj: Any) -> Group:
        guid = wire.required_text(wire.required_object(obj, "group"), "guid", "group")
        get = obj.get
        kind = _TYPES.get(str(get("type")), GroupType.public)
        return cls(
            guid=guid, name=wire.text(get("name")), groupType=kind, icon=wire.text(get("icon")),
            description=wire.text(get("description")), owner=wire.text(get("owner")),
            metadata=wire.mapping(get("metadata")), createdAt=wire.number(get("createdAt")),
            updatedAt=wire.number(get("updatedAt")), joinedAt=wire.number(get("joinedAt")),
            scope=member_scope(get("scope")), hasJoined=get("hasJoined") is True,
            membersCount=wire.number(get("membersCount")), tags=wire.strings(get("tags")),
            isBannedFromGroup=get("isBanned") is True,
        )

    def toWire(self, *, request: bool = False) -> dict[str, Any]:
        """The wire object; with ``request``, as the official SDK serialises a group it sends
        (the three flags first, then the fields that are set, password included)."""
        out: dict[str, Any] = ({"hasJoined": self.hasJoined, "membersCount": self.membersCount,
                                "isBanned": self.isBannedFromGroup} if request else {})
        out["guid"] = self.guid
        if self.groupType is not None:
            out["type"] = self.groupType.value
        for key, value in (("name", self.name), ("icon", self.icon), ("description", self.groupDescription),
                           ("owner", self.owner), ("metadata", self.metadata)):
            if value is not None:
                out[key] = value
        if self.tags:
            out["tags"] = list(self.tags)
        if request:
            if self.password is not None:
                out["password"] = self.password
            return out
        out.update(createdAt=self.createdAt, updatedAt=self.updatedAt, joinedAt=self.joinedAt,
                   hasJoined=self.hasJoined, membersCount=self.membersCount, isBanned=self.isBannedFromGroup)
        if self.scope is not None:
            out["scope"] = self.scope.value
        return out

    def stringValue(self) -> str:
        kind = self.groupType.value if self.groupType is not None else None
        return f"Group(guid={self.guid}, name={self.name}, type={kind}, members={self.membersCount})"


@attrs.define(kw_only=True, init=False)
class GroupMember(User):
    """A user in a group, with their ``scope`` and ``joinedAt``: Swift's
    ``GroupMember(UID:groupMemberScope:)``, here ``GroupMember(UID=, groupMemberScope=)``."""

    scope: GroupMemberScopeType = GroupMemberScopeType.participant
    joinedAt: int = 0
    guid: str | None = None

    def __init__(self, UID: str | None = None, groupMemberScope: Any = GroupMemberScopeType.participant,
                 **fields: Any) -> None:
        uid = fields.pop("uid", UID)
        if not isinstance(uid, str):
            raise invalid_parameter("UID", "a string", uid)
        given = fields.pop("scope", groupMemberScope)
        scope = member_scope(given)
        if scope is None:
            raise invalid_parameter("groupMemberScope", "a CometChat.GroupMemberScopeType", given)
        self.__attrs_init__(uid=uid, scope=scope, **fields)  # type: ignore[attr-defined]

    @classmethod
    def fromWire(cls, obj: Any) -> GroupMember:
        user = User.fromWire(obj)
        return cls(UID=user.uid, groupMemberScope=member_scope(obj.get("scope")) or GroupMemberScopeType.participant,
                   joinedAt=wire.number(obj.get("joinedAt")), guid=wire.text(obj.get("guid")),
                   **{f.name: getattr(user, f.name) for f in attrs.fields(User) if f.name != "uid"})

    def stringValue(self) -> str:
        return f"GroupMember(uid={self.uid}, name={self.name}, scope={self.scope.value})"
