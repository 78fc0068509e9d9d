"""How a message's ``fromWire`` reads the optional fields of its wire object, as a table.

A message object carries a few of a message's many optional fields. When it has any of them,
``messages._read_fields`` walks the object's keys through this table (wire key -> (attribute,
reader)); a field the object lacks keeps the attribute's default, which is what reading it as
absent gives. Every reader returns a fresh value or an immutable one, so no two models share a
mutable part. (``User.fromWire`` reads its ten-odd fields in one straight pass instead: every
user object carries nearly all of them.)
"""

from __future__ import annotations

from typing import Any, Callable

from . import wire
from .enums import ReceiverType

__all__ = ["MESSAGE", "RECEIVER_TYPES"]

Readers = dict[str, tuple[str, Callable[[Any], Any]]]


def _tags(value: Any) -> list[str] | None:
    return wire.strings(value) if isinstance(value, list) else None


#: ``BaseMessage`` (wire reference 4.1), the fields read the same way for every kind; the
#: ids, the participants, the kind, the metadata and a quoted message are read by
#: ``messages._read_fields`` (which reads ``conversationId``, ``sentAt`` and ``updatedAt``
#: straight, as these readers would, when the object has no other key of this table)
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
