"""The SDK's value types, with the Swift property names.

Wire dictionaries become models only through the ``fromWire`` named constructors, never
``User(**payload)``: unknown server fields are ignored there, and a missing required field
raises ``RemoteProtocolError`` naming it.
"""

from __future__ import annotations

import enum
from typing import Any

import attrs

from .transport.protocol import RemoteProtocolError

__all__ = [
    "ReceiverType",
    "UserStatus",
    "MessageType",
    "MessageCategory",
    "ConnectionStatus",
    "ApplicationState",
    "ConnectionStateChange",
    "User",
]


class ReceiverType(str, enum.Enum):
    #: a one-to-one conversation
    user = "user"
    #: a group conversation
    group = "group"


class UserStatus(str, enum.Enum):
    online = "online"
    offline = "offline"
    #: deprecated in Swift; the wire's ``available`` counts as online
    available = "available"


class MessageType(str, enum.Enum):
    text = "text"
    image = "image"
    video = "video"
    audio = "audio"
    file = "file"
    custom = "custom"
    groupMember = "groupMember"


class MessageCategory(str, enum.Enum):
    message = "message"
    action = "action"
    call = "call"
    custom = "custom"


class ConnectionStatus(str, enum.Enum):
    """``CometChat.getConnectionStatus``; ``.value`` is the documented string."""

    connecting = "connecting"
    connected = "connected"
    disconnected = "disconnected"
    featureThrottled = "featureThrottled"
    #: the Swift case name; the same member as ``featureThrottled``
    onfeatureThrottled = "featureThrottled"


class ApplicationState(str, enum.Enum):
    """``CometChat.applicationState``: what ``configureServices`` is told about the app."""

    didEnterBackground = "didEnterBackground"
    didBecomeActive = "didBecomeActive"
    willResignActive = "willResignActive"


@attrs.frozen
class ConnectionStateChange:
    """What ``connectionStateChanged(change)`` receives (a Python extension).

    ``reason`` is the error behind the change, if any; ``retryIn`` the seconds until the next
    attempt when one is scheduled.
    """

    previous: ConnectionStatus
    current: ConnectionStatus
    reason: Any = None
    retryIn: float | None = None


def _opt_str(obj: dict[str, Any], key: str) -> str | None:
    value = obj.get(key)
    return value if isinstance(value, str) else None


def _int(obj: dict[str, Any], key: str) -> int:
    value = obj.get(key)
    if isinstance(value, bool):
        return 0
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return 0


@attrs.frozen(kw_only=True)
class User:
    """A CometChat user (Swift ``User``)."""

    uid: str
    name: str | None = None
    avatar: str | None = None
    link: str | None = None
    role: str | None = None
    metadata: dict[str, Any] | None = attrs.field(default=None, hash=False)
    status: UserStatus = UserStatus.offline
    statusMessage: str | None = None
    lastActiveAt: int = 0
    tags: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    hasBlockedMe: bool = False
    blockedByMe: bool = False
    deactivatedAt: int = 0

    @classmethod
    def fromWire(cls, obj: Any) -> User:
        """A user from its wire object (reference section 4.7)."""
        if not isinstance(obj, dict):
            raise RemoteProtocolError("a user must be an object", field="user")
        uid = obj.get("uid")
        if not isinstance(uid, str) or not uid:
            raise RemoteProtocolError("a user needs a uid", field="user.uid")
        metadata = obj.get("metadata")
        tags = obj.get("tags")
        return cls(
            uid=uid,
            name=_opt_str(obj, "name"),
            avatar=_opt_str(obj, "avatar"),
            link=_opt_str(obj, "link"),
            role=_opt_str(obj, "role"),
            metadata=metadata if isinstance(metadata, dict) else None,
            status=UserStatus.offline if obj.get("status") in (None, "", "offline") else UserStatus.online,
            statusMessage=_opt_str(obj, "statusMessage"),
            lastActiveAt=_int(obj, "lastActiveAt"),
            tags=tuple(t for t in tags if isinstance(t, str)) if isinstance(tags, list) else (),
            hasBlockedMe=obj.get("hasBlockedMe") is True,
            blockedByMe=obj.get("blockedByMe") is True,
            deactivatedAt=_int(obj, "deactivatedAt"),
        )

    def toWire(self) -> dict[str, Any]:
        """The wire object, as frames carry it in ``body.user`` (no credentials, ever)."""
        out: dict[str, Any] = {"uid": self.uid}
        for key in ("name", "avatar", "link", "role", "metadata", "statusMessage"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        out.update(
            status=self.status.value,
            lastActiveAt=self.lastActiveAt,
            tags=list(self.tags),
            hasBlockedMe=self.hasBlockedMe,
            blockedByMe=self.blockedByMe,
            deactivatedAt=self.deactivatedAt,
        )
        return out

    def stringValue(self) -> str:
        return f"User(uid={self.uid}, name={self.name}, status={self.status.value})"
