"""Inbound real-time events: socket frames in, listener calls out.

The reader thread hands every event frame to ``EventRouter.inbound``. Frames carrying this
client's own session id are its echoes and are dropped (the same user's other sessions still
get them); the rest become models and go through the client's notifier, so listeners hear
them on the dispatch queue in the order they arrived. Once the listeners have had a message,
``on_delivered(id)`` moves the last delivered message id on.

Missed-message recovery (``recoverMissedMessages(True)``) works with ``hold()`` and
``release()``: from the moment a link is up until the messages missed while it was down have
been fetched, live frames are held; recovered and held messages are deduplicated by id, so
each reaches the listeners once, in order.
"""

from __future__ import annotations

import collections
import itertools
import logging
import threading
from typing import Any, Callable, Protocol

import attrs

from .callbacks import Notifier
from .exceptions import ProtocolError
from .models import (
    ActionMessage,
    ActionType,
    BaseMessage,
    ReceiverType,
    CustomMessage,
    MediaMessage,
    MessageReceipt,
    Reaction,
    ReactionEvent,
    ReceiptType,
    TextMessage,
    TransientMessage,
    TypingIndicator,
    User,
    UserStatus,
)
from .models import wire
from .models.messages import mark_mentions
from .transport import protocol

log = logging.getLogger("cometchat")

_RECEIPT_CALLBACKS = {
    "delivered": "onMessagesDelivered",
    "read": "onMessagesRead",
    "deliveredToAll": "onMessagesDeliveredToAll",
    "readByAll": "onMessagesReadByAll",
}
_ACTION_CALLBACKS = {ActionType.messageEdited: "onMessageEdited", ActionType.messageDeleted: "onMessageDeleted"}


def _by_for(a: ActionMessage) -> tuple[Any, ...]:
    return (a.actionBy, a.actionFor)


def _on_by_for(a: ActionMessage) -> tuple[Any, ...]:
    return (a.actionOn, a.actionBy, a.actionFor)


#: group member actions -> the group listener's callback and its arguments after the action,
#: in Swift's order (ios-surface-next 4.4)
_GROUP_CALLBACKS: dict[Any, tuple[str, Callable[[ActionMessage], tuple[Any, ...]]]] = {
    ActionType.joined: ("onGroupMemberJoined", _by_for),
    ActionType.left: ("onGroupMemberLeft", _by_for),
    ActionType.kicked: ("onGroupMemberKicked", _on_by_for),
    ActionType.banned: ("onGroupMemberBanned", _on_by_for),
    ActionType.unbanned: ("onGroupMemberUnbanned", _on_by_for),
    ActionType.scopeChanged: ("onGroupMemberScopeChanged",
                              lambda a: (a.actionOn, a.actionBy, a.newScope, a.oldScope, a.actionFor)),
    ActionType.added: ("onMemberAddedToGroup", lambda a: (a.actionBy, a.actionOn, a.actionFor)),
}
_REMEMBERED_IDS = 10000


def _kind(frame: protocol.Inbound) -> str:
    """A frame's kind for a log line (a message frame's JSON object is a message frame)."""
    return "MessageFrame" if type(frame) is dict else type(frame).__name__


class _RecentIds:
    """The last few thousand message ids seen, for exactly-once delivery."""

    def __init__(self, size: int) -> None:
        self._order: collections.deque[int] = collections.deque()
        self._ids: set[int] = set()
        self._size = size

    def first_time(self, message_id: int) -> bool:
        if message_id in self._ids:
            return False
        self._ids.add(message_id)
        self._order.append(message_id)
        if len(self._order) > self._size:
            self._ids.discard(self._order.popleft())
        return True


class Identity(Protocol):
    @property
    def session_id(self) -> str: ...

    @property
    def user(self) -> User | None: ...


class EventRouter:
    """Turns one client's inbound frames into listener calls."""

    def __init__(self, notifier: Notifier, identity: Identity, on_delivered: Callable[[int], None]) -> None:
        self._notifier = notifier
        self._counters = notifier.counters
        self._messages = notifier.listeners["Message"]
        self._identity = identity
        self._on_delivered = on_delivered
        self._lock = threading.Lock()
        self._seen = _RecentIds(_REMEMBERED_IDS)
        self._tickets = itertools.count(1)
        self._holding: int | None = None
        self._held: list[protocol.Inbound] = []
        self._routes: dict[type, Callable[[Any], None]] = {
            dict: self._message_object,
            protocol.TypingFrame: self._typing,
            protocol.ReceiptFrame: self._receipt,
            protocol.PresenceFrame: self._presence,
            protocol.TransientFrame: self._transient,
            protocol.ReactionFrame: self._reaction,
        }

    # ------------------------------------------------------------------ from the socket

    def inbound(self, frames: list[protocol.Inbound]) -> None:
        """Frames from the reader thread, in the order they arrived (all one socket read had);
        a message frame comes as its JSON object (``protocol.decode_event``)."""
        session_id = self._identity.session_id
        with self._lock:
            for frame in frames:
                sent_from = frame.get("deviceId") if type(frame) is dict else getattr(frame, "device_id", None)
                if sent_from == session_id:
                    continue  # our own echo
                if self._holding is not None:
                    self._held.append(frame)
                else:
                    self._route(frame)

    def _route(self, frame: protocol.Inbound) -> None:
        route = self._routes.get(type(frame))
        if route is None:
            log.debug("ignoring a %s frame", getattr(frame, "type", type(frame).__name__))
            return
        try:
            route(frame)
        except ProtocolError as exc:
            log.warning("skipping a malformed %s frame: %s", _kind(frame), exc)
            self._counters.frames_skipped += 1  # under the lock, as every _route
        except Exception:  # a frame we failed to read must not cost the frames after it
            log.exception("unexpected internal error handling a %s frame; skipped", _kind(frame))
            self._counters.frames_skipped += 1

    # ------------------------------------------------------------------ recovery

    def hold(self) -> int:
        """Hold live frames from now on; returns the ticket that releases them."""
        with self._lock:
            self._holding = next(self._tickets)
            return self._holding

    def release(self, ticket: int) -> None:
        """Deliver what was held and stop holding, unless a newer hold took over."""
        with self._lock:
            if self._holding != ticket:
                return
            held, self._held = self._held, []
            self._holding = None
            for frame in held:
                self._route(frame)

    def recovered(self, messages: list[BaseMessage]) -> None:
        """Messages fetched over REST, oldest first; delivered unless already seen."""
        with self._lock:
            for message in messages:
                self._deliver(message)

    def mark_seen(self, message_id: int) -> None:
        """A message this client sent itself: never deliver it back."""
        with self._lock:
            self._seen.first_time(message_id)

    # ------------------------------------------------------------------ frames to listeners

    def _emit_message(self, method: str, message: BaseMessage, delivered_id: int) -> None:
        # consecutive messages reach the dispatch queue in one hop (a burst costs one wake-up)
        self._notifier.post_batched(self._deliver_messages, (method, message, delivered_id))

    def _deliver_messages(self, batch: list[tuple[str, BaseMessage, int]]) -> None:
        """On the dispatch queue: each message to the listeners (counted first, so a listener
        reading ``statistics()`` sees its own message), then the last delivered id moves on
        (once for the batch)."""
        counters, call = self._counters, self._messages.call
        for method, message, _ in batch:
            counters.messages_delivered += 1
            call(method, message)
        self._on_delivered(max(entry[2] for entry in batch))

    def _message_object(self, frame: protocol.MessageObject) -> None:
        self._deliver(BaseMessage.fromWire(frame["body"]))

    def _deliver(self, message: BaseMessage) -> None:
        if not self._seen.first_time(message.id):
            return
        me = self._identity.user
        mark_mentions(message, me.uid if me is not None else None)
        if isinstance(message, TextMessage):
            self._emit_message("onTextMessageReceived", message, message.id)
        elif isinstance(message, MediaMessage):
            self._emit_message("onMediaMessageReceived", message, message.id)
        elif isinstance(message, CustomMessage):
            self._emit_message("onCustomMessageReceived", message, message.id)
        elif isinstance(message, ActionMessage):
            self._action(message)
        else:
            log.debug("no listener method for %s messages", message.messageCategory)

    def _action(self, action: ActionMessage) -> None:
        """Edits and deletes arrive as action messages (the message listener gets the message
        acted on); group member actions go to the group listener."""
        method = _ACTION_CALLBACKS.get(action.action)
        if method is not None and isinstance(action.actionOn, BaseMessage):
            self._emit_message(method, action.actionOn, action.id)
        elif action.action in _GROUP_CALLBACKS:
            method, arguments = _GROUP_CALLBACKS[action.action]
            self._notifier.post(self._deliver_group_action, method, (action, *arguments(action)), action.id)
        else:
            log.debug("ignoring an action message (%s)", action.action)

    def _deliver_group_action(self, method: str, args: tuple[Any, ...], delivered_id: int) -> None:
        self._counters.messages_delivered += 1
        self._notifier.listeners["Group"].call(method, *args)
        self._on_delivered(delivered_id)

    def _typing(self, frame: protocol.TypingFrame) -> None:
        indicator = TypingIndicator(
            receiverID=frame.receiver,
            receiverType=frame.receiver_type,
            metadata=frame.metadata,
            sender=User.fromWire(frame.user),
        )
        method = "onTypingStarted" if frame.action == "started" else "onTypingEnded"
        self._notifier.emit("Message", method, indicator)

    def _receipt(self, frame: protocol.ReceiptFrame) -> None:
        stamp = frame.timestamp or 0
        kind = ReceiptType(frame.action)
        delivered = kind in (ReceiptType.delivered, ReceiptType.deliveredToAll)
        receipt = MessageReceipt(
            receiverId=frame.receiver,
            receiverType=ReceiverType(frame.receiver_type),
            messageId=frame.message_id,
            sender=User.fromWire(frame.user),
            receiptType=kind,
            timeStamp=stamp,
            deliveredAt=stamp if delivered else 0,
            readAt=0 if delivered else stamp,
        )
        self._notifier.emit("Message", _RECEIPT_CALLBACKS[frame.action], receipt)

    def _presence(self, frame: protocol.PresenceFrame) -> None:
        online = frame.action != "offline"
        user = attrs.evolve(
            User.fromWire(frame.user),
            status=UserStatus.online if online else UserStatus.offline,
            lastActiveAt=frame.timestamp or 0,
        )
        self._notifier.emit("User", "onUserOnline" if online else "onUserOffline", user)

    def _reaction(self, frame: protocol.ReactionFrame) -> None:
        body = frame.reaction
        event = ReactionEvent(
            reaction=Reaction.fromWire(body),
            receiverId=frame.receiver,
            receiverType=ReceiverType(frame.receiver_type),
            conversationId=str(body.get("conversationId") or ""),
            parentMessageId=wire.number(body.get("parentId")),
        )
        added = frame.action == "message_reaction_added"
        self._notifier.emit("Message", "onMessageReactionAdded" if added else "onMessageReactionRemoved", event)

    def _transient(self, frame: protocol.TransientFrame) -> None:
        message = TransientMessage(
            receiverID=frame.receiver,
            receiverType=frame.receiver_type,
            data=frame.data,
            sender=User.fromWire(frame.user),
        )
        self._notifier.emit("Message", "onTransisentMessageReceived", message)
