"""``User``: a CometChat user, settable like Swift's, with its wire mapping in one place."""

from __future__ import annotations

from typing import Any, Callable

import attrs

from ..exceptions import RemoteProtocolError
from . import wire
from .enums import UserStatus

__all__ = ["User"]

#: optional string fields, wire name = Swift name
_OPTIONAL_TEXT = ("name", "avatar", "link", "role", "statusMessage")
_ONLINE, _OFFLINE = UserStatus.online, UserStatus.offline

@attrs.define(kw_only=True)
class User:
    """A CometChat user (Swift ``User``): ``User(uid="bob", name="Bob")``, then set what you
    need (``user.avatar = ...``) before ``createUser`` or ``updateCurrentUserDetails``."""

    uid: str
    name: str | None = None
    avatar: str | None = None
    link: str | None = None
    role: str | None = None
    metadata: dict[str, Any] | None = None
    status: UserStatus = UserStatus.offline
    statusMessage: str | None = None
    lastActiveAt: int = 0
    tags: list[str] = attrs.field(factory=list)
    hasBlockedMe: bool = False
    blockedByMe: bool = False
    deactivatedAt: int = 0

    @classmethod
    def fromWire(cls, obj: Any) -> User:
        """A user from its wire object (wire reference 4.7); unknown fields are ignored, and
        a field of the wrong type reads as absent.

        Two users come with every inbound message, so this is one pass of look-ups with the
        type checks inline, and no ``__init__`` (``wire.blank``: keyword arguments cost more
        than the rest). Everything mutable (``tags``) is this user's own."""
        if not isinstance(obj, dict):
            raise RemoteProtocolError("a user must be an object", field="user")
        get = obj.get
        uid = get("uid")
        if not isinstance(uid, str) or not uid:
            raise RemoteProtocolError("a user needs a uid", field="user.uid")
        name, avatar, link, role, message = get("name"), get("avatar"), get("link"), get("role"), get("statusMessage")
        metadata, status, tags = get("metadata"), get("status"), get("tags")
        active, deactivated = get("lastActiveAt", 0), get("deactivatedAt", 0)
        user = _blank(cls)()
        user.uid = uid
        user.name = name if isinstance(name, str) else None
        user.avatar = avatar if isinstance(avatar, str) else None
        user.link = link if isinstance(link, str) else None
        user.role = role if isinstance(role, str) else None
        user.metadata = metadata if isinstance(metadata, dict) else None
        user.status = _OFFLINE if status is None or status == "" or status == "offline" else _ONLINE
        user.statusMessage = message if isinstance(message, str) else None
        user.lastActiveAt = active if type(active) is int else wire.number(active)
        if tags and isinstance(tags, list):
            user.tags = [tag for tag in tags if isinstance(tag, str)]
        user.hasBlockedMe = get("hasBlockedMe") is True
        user.blockedByMe = get("blockedByMe") is True
        user.deactivatedAt = deactivated if type(deactivated) is int else wire.number(deactivated)
        return user

    def toWire(self, *, request: bool = False) -> dict[str, Any]:
        """The wire object. As frames carry it (``body.user``), or with ``request`` as the
        official SDKs send it to create or update a user: the three flags, then only the
        fields that are set. Credentials are never part of a user."""
        out: dict[str, Any] = {"hasBlockedMe": self.hasBlockedMe, "blockedByMe": self.blockedByMe,
                               "deactivatedAt": self.deactivatedAt} if request else {}
        out["uid"] = self.uid
        for key in _OPTIONAL_TEXT:
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.metadata is not None:
            out["metadata"] = self.metadata
        if request:
            if self.tags:
                out["tags"] = list(self.tags)
            return out
        out.update(status=self.status.value, lastActiveAt=self.lastActiveAt, tags=list(self.tags),
                   hasBlockedMe=self.hasBlockedMe, blockedByMe=self.blockedByMe, deactivatedAt=self.deactivatedAt)
        return out

    def stringValue(self) -> str:
        return f"User(uid={self.uid}, name={self.name}, status={self.status.value})"


_BLANKS: dict[type, Callable[[], Any]] = {}


def _blank(cls: type[User]) -> Callable[[], Any]:
    """The blank maker of ``cls`` (a subclass of ``User`` gets its own), made once."""
    make = _BLANKS.get(cls)
    if make is None:
        make = _BLANKS[cls] = wire.blank(cls)
    return make
