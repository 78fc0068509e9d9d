"""The SDK's value types, with the Swift property names.

Wire dictionaries become models only through the ``fromWire`` named constructors, never
``User(**payload)``: unknown server fields are ignored there, and a missing required field
raises ``RemoteProtocolError`` naming it.
"""

from __future__ import annotations

import enum
import math
from typing import Any, ClassVar

import attrs

from .exceptions import RemoteProtocolError
from .numbers import whole_number

__all__ = [
    "ReceiverType",
    "UserStatus",
    "MessageType",
    "MessageCategory",
    "ConnectionStatus",
    "ApplicationState",
    "ConnectionStateChange",
    "User",
    "BaseMessage",
    "TextMessage",
    "CustomMessage",
    "TransientMessage",
    "TypingIndicator",
    "MessageReceipt",
    "ReceiptType",
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

    def stringValue(self) -> str:
        return f"ConnectionStateChange({self.previous.value} -> {self.current.value}, retryIn={self.retryIn})"


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _opt_str(obj: dict[str, Any], key: str) -> str | None:
    return _str_or_none(obj.get(key))


def _int(obj: dict[str, Any], key: str) -> int:
    value = obj.get(key)
    if value is None or isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) else 0
    return whole_number(value) or 0


def _str_tuple(values: Any) -> tuple[str, ...]:
    return tuple(values)


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
    tags: tuple[str, ...] = attrs.field(default=(), converter=_str_tuple)
    hasBlockedMe: bool = False
    blockedByMe: bool = False
    deactivatedAt: int = 0

    @classmethod
    def fromWire(cls, obj: Any) -> User:
        """A user from its wire object (reference section 4.7)."""
        if not isinstance(obj, dict):
            raise RemoteProtocolError("a user must be an object", field="user")
        get = obj.get
        uid = get("uid")
        if not isinstance(uid, str) or not uid:
            raise RemoteProtocolError("a user needs a uid", field="user.uid")
        metadata, tags = get("metadata"), get("tags")
        return cls(
            uid=uid,
            name=_str_or_none(get("name")),
            avatar=_str_or_none(get("avatar")),
            link=_str_or_none(get("link")),
            role=_str_or_none(get("role")),
            metadata=metadata if isinstance(metadata, dict) else None,
            status=UserStatus.offline if get("status") in (None, "", "offline") else UserStatus.online,
            statusMessage=_str_or_none(get("statusMessage")),
            lastActiveAt=_int(obj, "lastActiveAt"),
            tags=tuple([t for t in tags if isinstance(t, str)]) if isinstance(tags, list) else (),
            hasBlockedMe=get("hasBlockedMe") is True,
            blockedByMe=get("blockedByMe") is True,
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


# --------------------------------------------------------------------------- messages


def _receiver_type(value: Any) -> Any:
    """Known receiver types become the enum; anything else is kept for send() to refuse."""
    try:
        return ReceiverType(value)
    except ValueError:
        return value


def _entity(data: dict[str, Any], key: str) -> tuple[Any, str | None]:
    entry = (data.get("entities") or {}).get(key) if isinstance(data.get("entities"), dict) else None
    if not isinstance(entry, dict) or not isinstance(entry.get("entity"), dict):
        return None, None
    return entry["entity"], entry.get("entityType")


@attrs.define(kw_only=True, eq=False)
class BaseMessage:
    """What every message has (Swift ``BaseMessage``); ``metaData`` and ``tags`` may be set
    before sending."""

    receiverUid: str
    receiverType: Any = attrs.field(default=ReceiverType.user, converter=_receiver_type)
    messageType: Any = MessageType.text
    messageCategory: MessageCategory = MessageCategory.message
    id: int = 0
    muid: str = ""
    senderUid: str = ""
    sender: User | None = None
    receiver: Any = None
    conversationId: str = ""
    sentAt: int = 0
    updatedAt: int = 0
    deliveredAt: int = 0
    readAt: int = 0
    deliveredToMeAt: int = 0
    readByMeAt: int = 0
    editedAt: int = 0
    editedBy: str = ""
    deletedAt: int = 0
    deletedBy: str = ""
    parentMessageId: int = 0
    replyCount: int = 0
    metaData: dict[str, Any] | None = None
    tags: list[str] | None = None
    status: str = ""
    rawMessage: dict[str, Any] | None = attrs.field(default=None, repr=False)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BaseMessage):
            return NotImplemented
        if self.id and other.id:
            return type(self) is type(other) and self.id == other.id
        return self is other

    __hash__ = object.__hash__

    def stringValue(self) -> str:
        """Swift's description of the message, for logs and prints."""
        kind = getattr(self.messageType, "value", self.messageType)
        return (
            f"{type(self).__name__}(id={self.id}, from={self.senderUid}, to={self.receiverUid}, "
            f"category={self.messageCategory.value}, type={kind})"
        )

    @staticmethod
    def fromWire(obj: Any) -> BaseMessage:
        """The model for a message object (reference 4.1): a ``TextMessage`` or a
        ``CustomMessage`` for those kinds, a plain ``BaseMessage`` for anything else."""
        if not isinstance(obj, dict):
            raise RemoteProtocolError("a message must be an object", field="body")
        data = obj.get("data")
        if not isinstance(data, dict):
            data = {}
        fields = _message_fields(obj, data)
        category, kind = obj.get("category"), obj.get("type")
        if category == "message" and kind == "text":
            text = obj.get("text", data.get("text"))
            if not isinstance(text, str):
                raise RemoteProtocolError("a text message needs its text", field="body.data.text")
            return TextMessage(text=text, **fields)
        if category == "custom" or (category == "message" and kind == "custom"):
            custom = obj.get("customData", data.get("customData"))
            return CustomMessage(
                customData=custom if isinstance(custom, dict) else {},
                type=str(kind or ""),
                subType=data.get("subType") or obj.get("subType"),
                **fields,
            )
        return BaseMessage(**fields)


def _message_fields(obj: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """Every ``BaseMessage`` field of a message object, read once (the inbound hot path)."""
    message_id = obj.get("id")
    if isinstance(message_id, str) and whole_number(message_id) is not None:
        message_id = whole_number(message_id)
    elif isinstance(message_id, bool) or not isinstance(message_id, int):
        raise RemoteProtocolError("a message needs a numeric id", field="body.id")
    sender_uid = _opt_str(obj, "sender") or ""
    sender, _ = _entity(data, "sender")
    receiver, receiver_kind = _entity(data, "receiver")
    if receiver is not None and receiver_kind in (None, "user"):
        receiver = User.fromWire(receiver)
    metadata = data.get("metadata", obj.get("metadata"))
    tags = obj.get("tags")
    kind = obj.get("type")
    return {
        "id": message_id,
        "rawMessage": obj,
        "muid": _opt_str(obj, "muid") or "",
        "senderUid": sender_uid,
        "receiverUid": _opt_str(obj, "receiver") or "",
        "receiverType": obj.get("receiverType", "user"),
        "messageCategory": _CATEGORIES.get(str(obj.get("category")), MessageCategory.message),
        "messageType": _TYPES.get(str(kind), kind),
        "conversationId": _opt_str(obj, "conversationId") or "",
        "sentAt": _int(obj, "sentAt"),
        "updatedAt": _int(obj, "updatedAt"),
        "deliveredAt": _int(obj, "deliveredAt"),
        "readAt": _int(obj, "readAt"),
        "editedAt": _int(obj, "editedAt"),
        "deletedAt": _int(obj, "deletedAt"),
        "replyCount": _int(obj, "replyCount"),
        "parentMessageId": _int(obj, "parentId"),
        "editedBy": _opt_str(obj, "editedBy") or "",
        "deletedBy": _opt_str(obj, "deletedBy") or "",
        "metaData": metadata if isinstance(metadata, dict) else None,
        "tags": [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else None,
        "sender": User.fromWire(sender) if sender else (User(uid=sender_uid) if sender_uid else None),
        "receiver": receiver,
    }


_CATEGORIES = {member.value: member for member in MessageCategory}
_TYPES = {member.value: member for member in MessageType}


@attrs.define(kw_only=True, eq=False)
class TextMessage(BaseMessage):
    """``TextMessage(receiverUid=, text=, receiverType=)``"""

    text: str
    messageType: Any = MessageType.text

    def stringValue(self) -> str:
        return f"TextMessage(id={self.id}, from={self.senderUid}, to={self.receiverUid}, text={self.text!r})"


@attrs.define(kw_only=True, eq=False)
class CustomMessage(BaseMessage):
    """``CustomMessage(receiverUid=, receiverType=, customData=, type=, subType=None)``:
    travels as category ``custom`` with ``data.customData``."""

    customData: dict[str, Any]
    type: str
    subType: str | None = None
    messageType: Any = MessageType.custom
    messageCategory: MessageCategory = MessageCategory.custom

    def stringValue(self) -> str:
        return (
            f"CustomMessage(id={self.id}, from={self.senderUid}, to={self.receiverUid}, type={self.type}, "
            f"subType={self.subType}, customData={self.customData!r})"
        )


@attrs.define(kw_only=True, eq=False)
class TransientMessage:
    """A message that is relayed, never stored: ``TransientMessage(receiverID=, receiverType=,
    data=)``."""

    receiverID: str
    receiverType: Any = attrs.field(default=ReceiverType.user, converter=_receiver_type)
    data: dict[str, Any] | None = None
    sender: User | None = None

    def stringValue(self) -> str:
        sender = self.sender.uid if self.sender is not None else None
        return f"TransientMessage(from={sender}, to={self.receiverID}, data={self.data!r})"


@attrs.define(kw_only=True, eq=False)
class TypingIndicator:
    """``TypingIndicator(receiverID=, receiverType=, metadata=)``; received ones carry the
    ``sender``."""

    receiverID: str
    receiverType: Any = attrs.field(default=ReceiverType.user, converter=_receiver_type)
    metadata: dict[str, Any] | None = None
    sender: User | None = None
    lastTimestamp: int = 0

    def stringValue(self) -> str:
        sender = self.sender.uid if self.sender is not None else None
        return f"TypingIndicator(from={sender}, to={self.receiverID}, metadata={self.metadata!r})"


class ReceiptType(str, enum.Enum):
    delivered = "delivered"
    read = "read"
    deliveredToAll = "deliveredToAll"
    readByAll = "readByAll"


@attrs.frozen(kw_only=True)
class MessageReceipt:
    """A delivered or read receipt (Swift ``MessageReceipt``); ``messageId`` is a string."""

    receiverId: str
    receiverType: Any
    messageId: str
    sender: User | None
    receiptType: ReceiptType
    timeStamp: int = 0
    deliveredAt: int = 0
    readAt: int = 0

    ReceiptType: ClassVar[type[ReceiptType]] = ReceiptType

    def stringValue(self) -> str:
        sender = self.sender.uid if self.sender is not None else None
        return (
            f"MessageReceipt(messageId={self.messageId}, type={self.receiptType.value}, from={sender}, "
            f"to={self.receiverId}, at={self.timeStamp})"
        )
