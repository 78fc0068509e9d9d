"""``User``: a CometChat user, settable like Swift's, with its wire mapping in one place."""

from __future__ import annotations

from typing import Any

import attrs

from ..exceptions import RemoteProtocolError
from . import readers, wire
from .enums import UserStatus

__all__ = ["User"]

#: optional string fields, wire name = Swift name
_OPTIONAL_TEXT = ("name", "avatar", "link", "role", "statusMessage")

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
        """A user from its wire object (wire reference 4.7); unknown fields are ignored."""
        if not isinstance(obj, dict):
            raise RemoteProtocolError("a user must be an object", field="user")
        uid = obj.get("uid")
        if not isinstance(uid, str) or not uid:
            raise RemoteProtocolError("a user needs a uid", field="user.uid")
        return cls(uid=uid, **wire.optional_fields(obj, readers.USER))

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
