"""Reactions (Swift v4): ``Reaction``, ``ReactionCount`` and ``ReactionEvent``.

A message carries its ``reactions`` as one ``ReactionCount`` per emoji (with ``reactedByMe``);
a ``ReactionsRequest`` lists the ``Reaction``s themselves; listeners hear a ``ReactionEvent``
when someone adds or removes one.
"""

from __future__ import annotations

from typing import Any

import attrs

from ..exceptions import RemoteProtocolError
from . import wire
from .enums import ReceiverType
from .user import User

__all__ = ["Reaction", "ReactionCount", "ReactionEvent"]


@attrs.define(kw_only=True)
class Reaction:
    """One user's reaction to one message (``reactedAt`` in epoch seconds)."""

    id: str = ""
    messageId: int = 0
    reaction: str = ""
    uid: str = ""
    reactedAt: float = 0.0
    reactedBy: User | None = None

    @classmethod
    def fromWire(cls, obj: Any) -> Reaction:
        reaction = wire.required_text(wire.required_object(obj, "reaction"), "reaction", "reaction")
        by = obj.get("reactedBy")
        return cls(id=str(obj.get("id") or ""), messageId=wire.required_id(obj, "messageId", "reaction"),
                   reaction=reaction, uid=wire.text(obj.get("uid")) or "", reactedAt=wire.floating(obj.get("reactedAt")),
                   reactedBy=User.fromWire(by) if isinstance(by, dict) else None)

    def stringValue(self) -> str:
        return f"Reaction(id={self.id}, messageId={self.messageId}, reaction={self.reaction}, uid={self.uid})"


@attrs.define(kw_only=True)
class ReactionCount:
    """How many reacted to a message with ``reaction``, and whether you did; settable, as in Swift."""

    reaction: str = ""
    count: int = 0
    reactedByMe: bool = False

    @classmethod
    def fromWire(cls, obj: Any) -> ReactionCount:
        if not isinstance(obj, dict) or not isinstance(obj.get("reaction"), str):
            raise RemoteProtocolError("a reaction count needs its reaction", field="reactions")
        return cls(reaction=obj["reaction"], count=wire.number(obj.get("count")),
                   reactedByMe=obj.get("reactedByMe") is True)

    def stringValue(self) -> str:
        return f"ReactionCount(reaction={self.reaction}, count={self.count}, reactedByMe={self.reactedByMe})"


@attrs.define(kw_only=True)
class ReactionEvent:
    """A reaction added or removed, where it happened: ``receiverId`` / ``receiverType`` are the
    other party of a one-to-one conversation (as the reactor sees it) or the group."""

    reaction: Reaction | None = None
    receiverId: str = ""
    receiverType: Any = ReceiverType.user
    conversationId: str = ""
    parentMessageId: int = 0

    def stringValue(self) -> str:
        reaction = self.reaction.reaction if self.reaction else None
        return f"ReactionEvent(reaction={reaction}, receiverId={self.receiverId}, conversation={self.conversationId})"


def reaction_counts(value: Any) -> list[ReactionCount]:
    """A message's ``reactions``; entries that cannot be read are left out."""
    return wire.readable(value if isinstance(value, list) else (), ReactionCount.fromWire)
