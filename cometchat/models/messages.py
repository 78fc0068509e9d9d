"""Messages and what travels with them: Swift's ``BaseMessage`` family, typing, receipts.

Messages the app builds and edits before sending (``TextMessage``, ``MediaMessage``,
``CustomMessage``) are settable like Swift's; every message the SDK hands the app is its own
object, built from the wire by ``BaseMessage.fromWire``, which picks the class from the
category and type. Whom a message mentions comes from the server (``data.mentions``); whether
that includes you is marked by the SDK, which knows who you are (``mark_mentions``).
"""

from __future__ import annotations

import json
from typing import Any, Callable, ClassVar

import attrs

from ..exceptions import RemoteProtocolError
from ..numbers import MAX_ID
from . import readers, wire
from .enums import ActionType, MessageCategory, MessageType, ReceiptType, ReceiverType
from .group import Group, GroupMember, member_scope
from .media import Attachment, File
from .reactions import ReactionCount, reaction_counts
from .user import User

__all__ = [
    "BaseMessage",
    "TextMessage",
    "MediaMessage",
    "CustomMessage",
    "ActionMessage",
    "TransientMessage",
    "TypingIndicator",
    "MessageReceipt",
]

_CATEGORIES = {member.value: member for member in MessageCategory}
_TYPES = {member.value: member for member in MessageType}
#: the wire's ``invited`` is a ``joined`` (as the JS SDK reads it; Swift has no ``invited``)
_ACTIONS = {**{member.value: member for member in ActionType}, "invited": ActionType.joined}


def _receiver_type(value: Any) -> Any:
    """Known receiver types become the enum (found by value without calling the enum: this
    runs for every message built); anything else is kept for a send to refuse."""
    if isinstance(value, ReceiverType) or not isinstance(value, str):
        return value
    return readers.RECEIVER_TYPES.get(value, value)


def _message_type(value: Any) -> Any:
    """Known message types become the enum (as ``_receiver_type`` does); anything else is
    kept for a send to refuse."""
    if isinstance(value, MessageType) or not isinstance(value, str):
        return value
    return _TYPES.get(value, value)


@attrs.define(kw_only=True, eq=False, on_setattr=attrs.setters.NO_OP)
class BaseMessage:
    """What every message has (Swift ``BaseMessage``). Set ``metaData``, ``tags``,
    ``parentMessageId`` (a reply in that thread) or ``quotedMessageId`` before sending.

    Messages are built for every inbound frame, so assignment is plain (``on_setattr=NO_OP``:
    with a hook, attrs routes every field of ``__init__`` through ``object.__setattr__``,
    half the cost of building a message). ``receiverType`` is converted when a message is
    built; a string assigned later is read as the enum when the message is sent."""

    receiverUid: str
    receiverType: Any = attrs.field(default=ReceiverType.user, converter=_receiver_type)
    messageType: Any = MessageType.text
    messageCategory: Any = MessageCategory.message
    id: int = 0
    muid: str = ""
    senderUid: str = ""
    sender: User | None = None
    #: the receiving ``User`` (or group)
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
    unreadRepliesCount: int = 0
    quotedMessageId: int = 0
    quotedMessage: BaseMessage | None = None
    metaData: dict[str, Any] | None = None
    tags: list[str] | None = None
    status: str = ""
    #: one ``ReactionCount`` per emoji (settable, as in Swift)
    reactions: list[ReactionCount] = attrs.field(factory=list)
    #: the users the message mentions with ``<@uid:UID>`` (settable, as in Swift)
    mentionedUsers: list[User] = attrs.field(factory=list)
    #: whether it mentions the logged-in user (the docs' ``mentionedMe``)
    mentionedMe: bool = False
    rawMessage: dict[str, Any] | None = attrs.field(default=None, repr=False)

    def __eq__(self, other: object) -> bool:
        """Two stored messages are equal when they are the same message (same class and id)."""
        if not isinstance(other, BaseMessage):
            return NotImplemented
        if self.id and other.id:
            return type(self) is type(other) and self.id == other.id
        return self is other

    __hash__ = object.__hash__

    def getReactions(self) -> list[ReactionCount]:
        return self.reactions

    def getMentionedUsers(self) -> list[User]:
        return self.mentionedUsers

    def hasMentionedMe(self) -> bool:
        return self.mentionedMe

    def stringValue(self) -> str:
        """Swift's description of the message, for logs and prints."""
        kind = getattr(self.messageType, "value", self.messageType)
        category = getattr(self.messageCategory, "value", self.messageCategory)
        return (f"{type(self).__name__}(id={self.id}, from={self.senderUid}, to={self.receiverUid}, "
                f"category={category}, type={kind})")

    @staticmethod
    def fromWire(obj: Any) -> BaseMessage:
        """The model for a message object (wire reference 4.1): a ``TextMessage``,
        ``CustomMessage`` or ``ActionMessage`` for those kinds, a ``BaseMessage`` otherwise."""
        if not isinstance(obj, dict):
            raise RemoteProtocolError("a message must be an object", field="body")
        data = obj.get("data")
        if not isinstance(data, dict):
            data = {}
        category, kind = wire.text(obj.get("category")), wire.text(obj.get("type"))
        build = _BUILDERS.get((category, kind)) or _BUILDERS.get((category, None)) or _base
        return build(obj, data)


class _Fields:
    """A bag for ``_read_fields`` to set attributes on: its ``__dict__`` is then the keyword
    arguments of a message class's ``__init__`` (for the kinds not built blank)."""


def _fields(obj: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """Every ``BaseMessage`` field the message object carries, as keyword arguments."""
    bag = _Fields()
    _read_fields(bag, obj, data)
    return vars(bag)


#: the ``readers.MESSAGE`` keys besides the three every stored message has: when an object
#: has none of them (most have none), those three are read straight, with no walk of its keys
_RARE_FIELDS = frozenset(readers.MESSAGE) - {"conversationId", "sentAt", "updatedAt"}


def _read_fields(message: Any, obj: dict[str, Any], data: dict[str, Any]) -> None:
    """Set on ``message`` (a blank message, or a ``_Fields`` bag) every ``BaseMessage`` field
    the message object carries, read once; the rest keep their defaults. The hot path of
    every inbound message (see ``readers`` and ``wire.blank``)."""
    get = obj.get
    if _RARE_FIELDS.isdisjoint(obj):
        conversation, sent, updated = get("conversationId", ""), get("sentAt", 0), get("updatedAt", 0)
        message.conversationId = conversation if isinstance(conversation, str) else ""
        message.sentAt = sent if type(sent) is int else wire.number(sent)
        message.updatedAt = updated if type(updated) is int else wire.number(updated)
    else:
        lookup = readers.MESSAGE.get
        for key, value in obj.items():
            entry = lookup(key)
            if entry is not None:
                setattr(message, entry[0], entry[1](value))
    message_id, sender_uid, receiver_uid = get("id"), get("sender"), get("receiver")
    category, kind = get("category"), get("type")
    message.id = message_id if type(message_id) is int and 0 <= message_id <= MAX_ID else \
        wire.required_id(obj, "id", "message")
    message.rawMessage = obj
    if not isinstance(sender_uid, str):
        sender_uid = ""
    message.senderUid = sender_uid
    message.receiverUid = receiver_uid if isinstance(receiver_uid, str) else ""
    message.receiverType = _receiver_type(get("receiverType", "user"))
    message.messageCategory = _CATEGORIES.get(category, MessageCategory.message) if isinstance(category, str) \
        else MessageCategory.message
    message.messageType = _TYPES.get(kind, kind) if isinstance(kind, str) else kind
    sender, _ = wire.entity(data, "sender")
    message.sender = User.fromWire(sender) if sender else (User(uid=sender_uid) if sender_uid else None)
    receiver, receiver_kind = wire.entity(data, "receiver")
    if receiver is not None:
        message.receiver = entity_from_wire(receiver, receiver_kind)
    metadata = data.get("metadata", get("metadata"))
    if isinstance(metadata, dict):
        message.metaData = metadata
    quoted = get("quotedMessage")
    if isinstance(quoted, dict):
        message.quotedMessage = BaseMessage.fromWire(quoted)
    reactions = get("reactions")
    if reactions:
        message.reactions = reaction_counts(reactions)
    mentions = data.get("mentions")
    if mentions:
        message.mentionedUsers = _mentioned(mentions)


def _mentioned(mentions: Any) -> list[User]:
    """``data.mentions`` (``{uid: user}``) as users; entries that cannot be read are left out."""
    return wire.readable(mentions.values() if isinstance(mentions, dict) else (), User.fromWire)


def mark_mentions(message: Any, me: str | None) -> Any:
    """Set ``mentionedMe`` on a message (and the messages it carries) for the user ``me``;
    returns the message."""
    if isinstance(message, BaseMessage):
        users = message.mentionedUsers
        mentioned = bool(users) and me is not None and any(user.uid == me for user in users)
        if mentioned is not message.mentionedMe:
            message.mentionedMe = mentioned
        if message.quotedMessage is not None:
            mark_mentions(message.quotedMessage, me)
        if isinstance(message, ActionMessage):
            mark_mentions(message.actionOn, me)
    return message


def _base(obj: dict[str, Any], data: dict[str, Any]) -> BaseMessage:
    message = _blank_base()
    _read_fields(message, obj, data)
    return message


def _text(obj: dict[str, Any], data: dict[str, Any]) -> BaseMessage:
    text = obj.get("text", data.get("text"))
    if not isinstance(text, str):
        raise RemoteProtocolError("a text message needs its text", field="body.data.text")
    message = _blank_text()
    message.text = text
    _read_fields(message, obj, data)
    return message


def _media(obj: dict[str, Any], data: dict[str, Any]) -> BaseMessage:
    listed = data.get("attachments")
    attachments = wire.readable(listed if isinstance(listed, list) else (), Attachment.fromWire)
    url = wire.text(data.get("url"))
    if not attachments and url:
        attachments.append(Attachment(fileName=url.rsplit("/", 1)[-1], fileExtension="", fileMimeType="",
                                      fileUrl=url))
    caption = data.get("text", obj.get("caption"))
    return MediaMessage(caption=caption if isinstance(caption, str) else None,
                        attachment=attachments[0] if attachments else None, attachments=attachments or None,
                        **_fields(obj, data))


def _custom(obj: dict[str, Any], data: dict[str, Any]) -> BaseMessage:
    custom = data.get("customData", obj.get("customData"))
    sub_type = data.get("subType", obj.get("subType"))
    conversation_text = obj.get("conversationText", data.get("text"))
    return CustomMessage(
        customData=custom if isinstance(custom, dict) else {},
        type=str(obj.get("type") or ""),
        subType=sub_type if isinstance(sub_type, str) else None,
        conversationText=conversation_text if isinstance(conversation_text, str) else None,
        updateConversation=obj.get("updateConversation") is True,
        sendNotification=obj.get("sendNotification") is True,
        **_fields(obj, data),
    )


def _action(obj: dict[str, Any], data: dict[str, Any]) -> BaseMessage:
    raw_action = data.get("action")
    by, by_kind = wire.entity(data, "by")
    on, on_kind = wire.entity(data, "on")
    target, target_kind = wire.entity(data, "for")
    extras = wire.mapping(data.get("extras")) or {}
    scope = wire.mapping(extras.get("scope")) or {}
    fields = _fields(obj, data)
    # An action object carries its people as by/on/for, not as sender/receiver entities
    # (wire reference 4.6): the actor is the sender and ``for`` the receiver (the group, or
    # the user a message went to), each read again so that no two fields share an object.
    if wire.entity(data, "sender")[0] is None and by is not None and (by_kind or "user") == "user" \
            and by.get("uid") in (fields["senderUid"], ""):
        fields["sender"] = User.fromWire(by)
        fields["senderUid"] = fields["sender"].uid
    if wire.entity(data, "receiver")[0] is None and target is not None and target_kind in ("user", "group"):
        fields["receiver"] = entity_from_wire(target, target_kind)
    message = ActionMessage(
        action=_ACTIONS.get(str(raw_action), raw_action),
        actionBy=entity_from_wire(by, by_kind),
        actionOn=entity_from_wire(on, on_kind),
        actionFor=entity_from_wire(target, target_kind),
        rawData=json.dumps(data),
        oldScope=member_scope(scope.get("old")),
        newScope=member_scope(scope.get("new")),
        **fields,
    )
    message.message = action_text(message)
    return message


_BUILDERS: dict[tuple[Any, Any], Callable[[dict[str, Any], dict[str, Any]], BaseMessage]] = {
    ("message", "text"): _text,
    ("message", "image"): _media,
    ("message", "video"): _media,
    ("message", "audio"): _media,
    ("message", "file"): _media,
    ("message", "custom"): _custom,
    ("custom", None): _custom,
    ("action", None): _action,
}

#: how each kind of entity (``entityType``) is read
ENTITY_READERS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "user": User.fromWire,
    "group": Group.fromWire,
    "groupMember": GroupMember.fromWire,
    "message": BaseMessage.fromWire,
}


def entity_from_wire(obj: dict[str, Any] | None, kind: str | None) -> Any:
    """A model for an action's or a message's entity; an unknown kind stays a dict."""
    if obj is None:
        return None
    reader = ENTITY_READERS.get(kind or "user")
    return reader(obj) if reader is not None else obj


def _name(entity: Any) -> str:
    return str(getattr(entity, "name", None) or getattr(entity, "uid", None) or "")


_ACTION_TEXTS = {
    ActionType.joined: "{by} joined",
    ActionType.left: "{by} left",
    ActionType.kicked: "{by} kicked {on}",
    ActionType.banned: "{by} banned {on}",
    ActionType.unbanned: "{by} unbanned {on}",
    ActionType.scopeChanged: "{by} made {on} {scope}",
    ActionType.added: "{by} added {on}",
    ActionType.messageEdited: "{by} edited a message",
    ActionType.messageDeleted: "{by} deleted a message",
}


def action_text(action: ActionMessage) -> str | None:
    """The sentence the official SDKs make for an action (``"Bob kicked Carol"``)."""
    template = _ACTION_TEXTS.get(action.action) if isinstance(action.action, ActionType) else None
    if template is None:
        return None
    return template.format(by=_name(action.actionBy), on=_name(action.actionOn), scope=getattr(action.newScope, "value", ""))


@attrs.define(kw_only=True, eq=False, on_setattr=attrs.setters.NO_OP)
class TextMessage(BaseMessage):
    """``TextMessage(receiverUid=, text=, receiverType=)``"""

    text: str
    messageType: Any = MessageType.text

    def stringValue(self) -> str:
        return f"TextMessage(id={self.id}, from={self.senderUid}, to={self.receiverUid}, text={self.text!r})"


@attrs.define(kw_only=True, eq=False, on_setattr=attrs.setters.NO_OP)
class MediaMessage(BaseMessage):
    """A picture, video, audio clip or file: ``MediaMessage(receiverUid=, fileurl=<a local path>,
    messageType=CometChat.MessageType.image, receiverType=)``, or ``files=[File(name=, data=)]``
    instead of ``fileurl``, or an ``attachment`` already online. Received ones carry their
    ``attachment`` (the first) and ``attachments`` (with their ``fileUrl``) and the ``caption``.
    ``messageType`` given as text (``"file"``) is made the enum when the message is built."""

    #: the local file to upload (Swift's ``filePath``; its initialiser says ``fileurl``)
    filePath: str | None = attrs.field(default=None, alias="fileurl")
    filePaths: list[str] | None = None
    files: list[File] | None = None
    caption: str | None = None
    attachment: Attachment | None = None
    attachments: list[Attachment] | None = None
    messageType: Any = attrs.field(default=MessageType.image, converter=_message_type)

    def stringValue(self) -> str:
        kind = getattr(self.messageType, "value", self.messageType)
        where = self.attachment.fileUrl if self.attachment else (self.filePath or self.filePaths or
                                                                 [f.name for f in self.files or ()])
        return (f"MediaMessage(id={self.id}, from={self.senderUid}, to={self.receiverUid}, type={kind}, "
                f"caption={self.caption!r}, file={where})")


@attrs.define(kw_only=True, eq=False, on_setattr=attrs.setters.NO_OP)
class CustomMessage(BaseMessage):
    """``CustomMessage(receiverUid=, receiverType=, customData=, type=, subType=None)``:
    travels as category ``custom`` with ``data.customData``. ``conversationText`` is what a
    conversation list shows for it; ``updateConversation`` / ``sendNotification`` say whether
    it moves the conversation and notifies."""

    customData: dict[str, Any]
    type: str
    subType: str | None = None
    conversationText: str | None = None
    updateConversation: bool = False
    sendNotification: bool = False
    messageType: Any = MessageType.custom
    messageCategory: Any = MessageCategory.custom

    def stringValue(self) -> str:
        return (f"CustomMessage(id={self.id}, from={self.senderUid}, to={self.receiverUid}, type={self.type}, "
                f"subType={self.subType}, customData={self.customData!r})")


@attrs.define(kw_only=True, eq=False, on_setattr=attrs.setters.NO_OP)
class ActionMessage(BaseMessage):
    """Something that happened to a message or a group (Swift ``ActionMessage``): an edit, a
    delete, a member who joined... ``actionBy`` did ``action`` to ``actionOn`` in
    ``actionFor``; ``message`` says it in words."""

    action: Any = None
    actionBy: Any = None
    actionOn: Any = None
    actionFor: Any = None
    message: str | None = None
    rawData: str | None = attrs.field(default=None, repr=False)
    oldScope: Any = None
    newScope: Any = None
    messageCategory: Any = MessageCategory.action

    def stringValue(self) -> str:
        action = getattr(self.action, "value", self.action)
        return f"ActionMessage(id={self.id}, action={action}, message={self.message!r})"


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
        return (f"MessageReceipt(messageId={self.messageId}, type={self.receiptType.value}, from={sender}, "
                f"to={self.receiverId}, at={self.timeStamp})")


#: most inbound messages are built blank, then filled (``wire.blank``: no ``__init__``)
_blank_base = wire.blank(BaseMessage)
_blank_text = wire.blank(TextMessage)
