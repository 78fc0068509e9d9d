"""The conversations part: one conversation, its tags and read state, and the unread counts.

Conversations are the caller's own view (ios-surface-next 3): tags and deletions are theirs
alone, and marking a conversation read tells the other party. Unread counts use the
``count=1`` form of the history endpoints.
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

from . import exceptions as errors
from .callbacks import Reply
from .exceptions import CometChatException, invalid_parameter
from .models import BaseMessage, Conversation, ConversationUpdateSettings, ReceiverType
from .parts import Callback, RestPart
from .transport import endpoints
from .validation import guid_error, payload_error, uid_error

__all__ = ["Conversations"]

_DELETED = "Conversation deleted successfully."


def _kind(value: Any) -> str | None:
    """``user`` / ``group`` from a ConversationType or ReceiverType (or its value); None otherwise."""
    raw = getattr(value, "value", value)
    return raw if raw in ("user", "group") else None


def _kind_error(kind: Any) -> CometChatException | None:
    if _kind(kind) is None:
        return CometChatException(errors.INVALID_CONVERSATION_TYPE, "Conversation type can be `user` or `group`.")
    return None


class Conversations(RestPart):
    """Conversation calls of one client."""

    def _with_error(self, with_id: Any, kind: Any) -> CometChatException | None:
        """The conversation type, then the other party's id: a guid for a group, else a uid."""
        return _kind_error(kind) or (guid_error if _kind(kind) == "group" else uid_error)(with_id)

    # ------------------------------------------------------------------ one conversation

    def get(self, with_id: Any, kind: Any, onSuccess: Callback | None, onError: Callback | None) -> Future[Conversation]:
        def fetch(reply: Reply[Conversation]) -> None:
            found = endpoints.get_conversation(self._session, str(_kind(kind)), with_id)
            reply.succeed(found, found)

        return self._call(onSuccess, onError, self._with_error(with_id, kind), fetch)

    def tag(self, with_id: Any, kind: Any, tags: Any, onSuccess: Callback | None,
            onError: Callback | None) -> Future[Conversation]:
        error = self._with_error(with_id, kind)
        if error is None and (isinstance(tags, str) or not isinstance(tags, (list, tuple))
                              or not all(isinstance(t, str) for t in tags)):
            error = invalid_parameter("tags", "a list of strings", tags)
        error = error or payload_error(tags=tags)

        def send(reply: Reply[Conversation]) -> None:
            tagged = endpoints.tag_conversation(self._session, str(_kind(kind)), with_id, list(tags))
            reply.succeed(tagged, tagged)

        return self._call(onSuccess, onError, error, send)

    def delete(self, with_id: Any, kind: Any, onSuccess: Callback | None, onError: Callback | None) -> Future[str]:
        def send(reply: Reply[str]) -> None:
            endpoints.delete_conversation(self._session, str(_kind(kind)), with_id)
            reply.succeed(_DELETED, _DELETED)

        return self._call(onSuccess, onError, self._with_error(with_id, kind), send)

    def mark(self, with_id: Any, kind: Any, how: str, onSuccess: Callback | None, onError: Callback | None) -> Future[str]:
        """``markConversationAsRead`` / ``markConversationAsDelivered``."""
        done = f"Conversation marked as {how} successfully."

        def send(reply: Reply[str]) -> None:
            endpoints.mark_conversation(self._session, str(_kind(kind)), with_id, how)
            reply.succeed(done, done)

        return self._call(onSuccess, onError, self._with_error(with_id, kind), send)

    def mark_unread(self, message: Any, onSuccess: Callback | None, onError: Callback | None,
                    receiver_type: Any = None, *, with_conversation: bool = False) -> Future[Conversation]:
        """``markAsUnread`` (onSuccess hears nothing) and ``markMessageAsUnread`` (it hears the
        conversation): this message and what follows are unread again for the caller."""
        error = None if isinstance(message, BaseMessage) and message.id > 0 else invalid_parameter(
            "baseMessage", "a stored message", message)
        if error is None and receiver_type is not None:
            error = _kind_error(receiver_type)

        def send(reply: Reply[Conversation]) -> None:
            kind, with_id = self._party(message, receiver_type)
            conversation = endpoints.mark_unread(self._session, kind, with_id, message.id)
            if with_conversation:
                reply.succeed(conversation, conversation)
            else:
                reply.succeed(conversation)

        return self._call(onSuccess, onError, error, send)

    def _party(self, message: BaseMessage, receiver_type: Any = None) -> tuple[str, str]:
        """The conversation a message is in: the group, or the other user."""
        if _kind(receiver_type) == "group" or message.receiverType == ReceiverType.group:
            return "group", message.receiverUid
        me = self._session.user.uid if self._session.user else None
        return "user", message.receiverUid if message.senderUid == me else message.senderUid

    def from_message(self, message: BaseMessage) -> Conversation:
        """``getConversationFromMessage`` (local): its unread count and tags are not known."""
        if not isinstance(message, BaseMessage):
            raise invalid_parameter("baseMessage", "a message", message)
        return Conversation.fromMessage(message, self._session.user.uid if self._session.user else None)

    def update_settings(self) -> ConversationUpdateSettings:
        """``getConversationUpdateSettings``: from the app settings of the logged-in session."""
        saved = self._session.current
        return ConversationUpdateSettings.fromSettings(saved.settings if saved else {})

    # ------------------------------------------------------------------ unread counts

    def unread_counts(self, scope: str, target: Any, hide_blocked: Any, onSuccess: Callback | None,
                      onError: Callback | None) -> Future[dict[str, Any]]:
        """The five ``getUnreadMessageCount*`` calls. ``scope``: all, users, groups, user, group."""
        error = None if isinstance(hide_blocked, bool) else invalid_parameter(
            "hideMessagesFromBlockedUsers", "True or False", hide_blocked)
        if error is None and scope in ("user", "group"):
            error = (guid_error if scope == "group" else uid_error)(target)

        def fetch(reply: Reply[dict[str, Any]]) -> None:
            counts = self._counts(scope, target, hide_blocked)
            reply.succeed(counts, counts)

        return self._call(onSuccess, onError, error, fetch)

    def _counts(self, scope: str, target: Any, hide_blocked: bool) -> dict[str, Any]:
        flag = 1 if hide_blocked else 0
        if scope in ("user", "group"):
            label = "uid" if scope == "user" else "guid"
            query = [("hideMessagesFromBlockedUsers", flag), ("unread", 1), ("count", 1), (label, target)]
            found = {entity: count for entity, _, count in
                     endpoints.unread_counts(self._session, query, **{label: target})}
            return {target: found.get(target, 0)}
        kinds = {"users": "user", "groups": "group"}
        query = ([("unread", 1), ("count", 1), ("hideMessagesFromBlockedUsers", flag)] if scope == "all" else
                 [("hideMessagesFromBlockedUsers", flag), ("receiverType", kinds[scope]), ("unread", 1), ("count", 1)])
        counts = endpoints.unread_counts(self._session, query)
        by_kind: dict[str, dict[str, int]] = {"user": {}, "group": {}}
        for entity, kind, count in counts:
            by_kind.setdefault(kind, {})[entity] = count
        return by_kind if scope == "all" else by_kind[kinds[scope]]

