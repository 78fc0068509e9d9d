"""How each model's ``fromWire`` reads the optional fields of its wire object, as tables.

A frame carries a few of a model's many optional fields. ``wire.optional_fields`` reads only
the keys an object has, through these tables (wire key -> (attribute, reader)); a field the
object lacks keeps the attribute's default, which is what reading it as absent gives. Every
reader returns a fresh value or an immutable one, so no two models share a mutable part.
"""

from __future__ import annotations

from typing import Any, Callable

from . import wire
from .enums import ReceiverType, UserStatus

__all__ = ["USER", "MESSAGE", "RECEIVER_TYPES"]

Readers = dict[str, tuple[str, Callable[[Any], Any]]]


def _status(value: Any) -> UserStatus:
    return UserStatus.offline if value in (None, "", "offline") else UserStatus.online


def _flag(value: Any) -> bool:
    return value is True


def _tags(value: Any) -> list[str] | None:
    return wire.strings(value) if isinstance(value, list) else None


#: ``User`` (wire reference 4.7): wire name = Swift name
USER: Readers = {
    **{key: (key, wire.text) for key in ("name", "avatar", "link", "role", "statusMessage")},
    "metadata": ("metadata", wire.mapping),
    "status": ("status", _status),
    "lastActiveAt": ("lastActiveAt", wire.number),
    "tags": ("tags", wire.strings),
    "hasBlockedMe": ("hasBlockedMe", _flag),
    "blockedByMe": ("blockedByMe", _flag),
    "deactivatedAt": ("deactivatedAt", wire.number),
}

#: ``BaseMessage`` (wire reference 4.1), the fields read the same way for every kind; the
#: ids, the participants, the kind, the metadata and a quoted message are read by ``_fields``
MESSAGE: Readers = {
    **{key: (key, wire.text_or_empty) for key in ("muid", "conversationId", "editedBy", "deletedBy")},
    **{key: (key, wire.number) for key in ("sentAt", "updatedAt", "deliveredAt", "readAt", "deliveredToMeAt",
                                           "readByMeAt", "editedAt", "deletedAt", "replyCount",
                                           "unreadRepliesCount", "quotedMessageId")},
    "parentId": ("parentMessageId", wire.number),
    "tags": ("tags", _tags),
}

#: receiver types by wire value: the enum member, found without calling the enum
RECEIVER_TYPES: dict[Any, ReceiverType] = {member.value: member for member in ReceiverType}
