"""The reactions part: adding and removing reactions, and folding a reaction event into a message.

``addReaction`` / ``removeReaction`` answer the message with its ``reactions``; everyone else
in the conversation hears ``onMessageReactionAdded`` / ``onMessageReactionRemoved``.
``updateMessageWithReactionInfo`` applies such an event to a message the app holds (no
network), knowing which reactions are the logged-in user's own.
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

from .exceptions import invalid_parameter
from .models import BaseMessage, Reaction, ReactionAction, ReactionCount
from .parts import Callback, RestPart
from .transport import endpoints
from .validation import MAX_REACTION, message_id_error, reaction_error

__all__ = ["Reactions", "MAX_REACTION"]


class Reactions(RestPart):
    """Reactions of one client."""

    def react(self, message_id: Any, reaction: Any, add: bool, onSuccess: Callback | None,
              onError: Callback | None) -> Future[BaseMessage]:
        error = message_id_error(message_id) or reaction_error(reaction)
        call = endpoints.add_reaction if add else endpoints.remove_reaction
        return self._run(onSuccess, onError, error, lambda: call(self._session, int(message_id), reaction))

    def fold(self, message: Any, reaction: Any, action: Any) -> Any:
        """``updateMessageWithReactionInfo``: ``message`` with the event applied, in place (and
        returned); a reaction to another message leaves it as it is."""
        if not isinstance(message, BaseMessage):
            raise invalid_parameter("baseMessage", "a BaseMessage", message)
        if not isinstance(reaction, Reaction):
            raise invalid_parameter("messageReaction", "a Reaction", reaction)
        try:
            added = ReactionAction(action) is ReactionAction.REACTION_ADDED
        except ValueError:
            raise invalid_parameter("action", "a CometChat.ReactionAction", action) from None
        if reaction.messageId != message.id:
            return message
        me = self._session.user
        mine = me is not None and (reaction.reactedBy.uid if reaction.reactedBy else reaction.uid) == me.uid
        counts = message.reactions
        found = next((c for c in counts if c.reaction == reaction.reaction), None)
        if added:
            if found is None:
                counts.append(ReactionCount(reaction=reaction.reaction, count=1, reactedByMe=mine))
            elif not (mine and found.reactedByMe):  # my own, already counted, counts once
                found.count += 1
                found.reactedByMe = found.reactedByMe or mine
        elif found is not None and not (mine and not found.reactedByMe):
            found.count -= 1
            found.reactedByMe = found.reactedByMe and not mine
            if found.count <= 0:
                counts.remove(found)
        return message
