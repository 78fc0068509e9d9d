"""``Conversation``: one entry of the conversation list, as the server derives it per user."""

from __future__ import annotations

from typing import Any

import attrs

from ..exceptions import RemoteProtocolError
from . import wire
from .enums import ConversationType, ReceiverType
from .messages import BaseMessage, entity_from_wire

__all__ = ["Conversation", "ConversationUpdateSettings"]


@attrs.define(kw_only=True, eq=False)
class Conversation:
    """Swift ``Conversation``: who it is with, its last message, and what is unread."""

    conversationId: str | None = None
    conversationType: ConversationType = ConversationType.user
    lastMessage: BaseMessage | None = None
    #: the other ``User``, or the ``Group``
    conversationWith: Any = None
    unreadMessageCount: int = 0
    unreadMentionsCount: int = 0
    lastReadMessageId: int = 0
    updatedAt: float = 0.0
    tags: list[str] | None = None

    @classmethod
    def fromWire(cls, obj: Any) -> Conversation:
        kind = wire.required_object(obj, "conversation").get("conversationType")
        if kind not in ("user", "group"):
            raise RemoteProtocolError("conversationType must be user or group", field="conversation.conversationType")
        last, with_ = obj.get("lastMessage"), obj.get("conversationWith")
        tags = obj.get("tags")
        return cls(
            conversationId=wire.text(obj.get("conversationId")),
            conversationType=ConversationType(kind),
            lastMessage=BaseMessage.fromWire(last) if isinstance(last, dict) else None,
            conversationWith=entity_from_wire(with_, kind) if isinstance(with_, dict) else None,
            unreadMessageCount=wire.number(obj.get("unreadMessageCount")),
            unreadMentionsCount=wire.number(obj.get("unreadMentionsCount")),
            lastReadMessageId=wire.number(obj.get("lastReadMessageId")),
            updatedAt=wire.floating(obj.get("updatedAt")),
            tags=wire.strings(tags) if isinstance(tags, list) else None,
        )

    @classmethod
    def fromMessage(cls, message: BaseMessage, me: str | None) -> Conversation:
        """What a message says about its conversation (``getConversationFromMessage``): the
        unread count and tags are not known here."""
        group = message.receiverType == ReceiverType.group  # the enum, or "group" assigned later
        if group:
            with_: Any = message.receiver
        else:
            with_ = message.receiver if message.senderUid == me else message.sender
        return cls(
            conversationId=message.conversationId or None,
            conversationType=ConversationType.group if group else ConversationType.user,
            lastMessage=message,
            conversationWith=with_,
            updatedAt=float(message.updatedAt or message.sentAt),
        )

    def stringValue(self) -> str:
        return (f"Conversation(id={self.conversationId}, type={self.conversationType.value}, "
                f"unread={self.unreadMessageCount})")


@attrs.frozen(kw_only=True)
class ConversationUpdateSettings:
    """Whether replies, custom messages, group actions and call activity move a conversation
    (``getConversationUpdateSettings()``): the app's settings, all on by default."""

    messageReplies: bool = True
    customMessages: bool = True
    groupActions: bool = True
    callActivities: bool = True

    @classmethod
    def fromSettings(cls, settings: dict[str, Any]) -> ConversationUpdateSettings:
        raw = settings.get("CONVERSATION_UPDATE_SETTINGS")
        raw = raw if isinstance(raw, dict) else {}
        return cls(**{name: raw.get(name) is not False for name in attrs.fields_dict(cls)})

    def shouldUpdateOnMessageReplies(self) -> bool:
        return self.messageReplies

    def shouldUpdateOnCustomMessages(self) -> bool:
        return self.customMessages

    def shouldUpdateOnGroupActions(self) -> bool:
        return self.groupActions

    def shouldUpdateOnCallActivities(self) -> bool:
        return self.callActivities

    def stringValue(self) -> str:
        return (f"ConversationUpdateSettings(messageReplies={self.messageReplies}, "
                f"customMessages={self.customMessages}, groupActions={self.groupActions})")
