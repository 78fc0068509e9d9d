"""The messaging part: what the logged-in user sends.

Messages go over REST (so they work with or without a socket) on the REST worker; typing
indicators, receipts and transient messages are socket frames, sent at once on the caller's
thread (a frame write never waits on the network for long: the socket's send lock has the
close timeout). Every outgoing frame gets its envelope from ``_frame`` (app, this session's
id, the sender and their user object), so the server and the other SDKs see one shape.
"""

from __future__ import annotations

import logging
import threading
import uuid
from concurrent.futures import Future
from typing import Any

import attrs

from . import exceptions as errors
from . import validation
from .callbacks import Notifier
from .exceptions import CometChatException
from .callbacks import Reply
from .models import (
    BaseMessage,
    CustomMessage,
    MessageReceipt,
    ReceiverType,
    TextMessage,
    TransientMessage,
    TypingIndicator,
    UserStatus,
)
from .parts import Callback, RestPart
from .realtime import THROTTLING_MODES, Realtime
from .session import Session
from .storage import SavedSession
from .transport import endpoints, protocol
from .worker import RestWorker

log = logging.getLogger("cometchat")


def _edit_body(message: BaseMessage) -> dict[str, Any]:
    """The edited message as the official SDK sends it: serialised, keeping ``receiverId``."""
    body: dict[str, Any] = {"receiverId": message.receiverUid, "type": getattr(message.messageType, "value",
                                                                              message.messageType),
                            "receiverType": ReceiverType(message.receiverType).value,
                            "category": getattr(message.messageCategory, "value", message.messageCategory)}
    data: dict[str, Any] = {}
    if isinstance(message, TextMessage):
        data["text"] = body["text"] = message.text
    elif isinstance(message, CustomMessage):
        body["type"] = message.type
        data["customData"] = body["customData"] = message.customData
    if message.metaData is not None:
        data["metadata"] = body["metadata"] = message.metaData
    body["data"] = data
    body["id"] = message.id
    if message.tags is not None:
        body["tags"] = list(message.tags)
    return body


__all__ = ["Messaging"]


class Messaging(RestPart):
    """Sends, typing and receipts of one client."""

    def __init__(self, session: Session, realtime: Realtime, notifier: Notifier, worker: RestWorker) -> None:
        super().__init__(session, notifier, worker)
        self._realtime = realtime
        self._lock = threading.Lock()
        self._typing_started: set[tuple[str, str]] = set()
        session.add_observer(self)

    # ------------------------------------------------------------------ messages (REST)

    def send(self, message: Any, kind: type[BaseMessage], onSuccess: Callback | None,
             onError: Callback | None) -> Future[Any]:
        """``POST messages``; onSuccess gets the stored message (never delivered back here)."""
        reply = self._notifier.reply(onSuccess, onError)
        error = validation.message_error(message, kind) or self._session.refusal(needs_user=True)
        if error is not None:
            reply.fail(error)
            return reply.future
        message.muid = message.muid or str(uuid.uuid4())  # the same muid if the app sends it again
        body = protocol.build_message_request(self._request(message, kind))

        def send() -> None:
            sent = endpoints.send_message(self._session, body, message.parentMessageId)
            self._realtime.mark_seen(sent.id)
            reply.succeed(sent, sent)

        self._worker.run(reply, send)
        return reply.future

    @staticmethod
    def _request(message: Any, kind: type[BaseMessage]) -> protocol.MessageRequest:
        custom = kind is CustomMessage
        extras = dict(conversation_text=message.conversationText,
                      update_conversation=message.updateConversation or None,
                      send_notification=message.sendNotification or None) if custom else {}
        return protocol.MessageRequest(
            receiver=message.receiverUid,
            receiver_type=ReceiverType(message.receiverType).value,
            category="custom" if custom else "message",
            type=message.type if custom else "text",
            text=getattr(message, "text", None),
            custom_data=getattr(message, "customData", None),
            sub_type=getattr(message, "subType", None),
            metadata=message.metaData,
            tags=tuple(message.tags or ()),
            muid=message.muid,
            parent_id=message.parentMessageId,
            quoted_id=message.quotedMessageId,
            **extras,
        )

    # ------------------------------------------------------------------ edits, deletes, receipts (REST)

    def edit(self, message: Any, onSuccess: Callback | None, onError: Callback | None) -> Future[BaseMessage]:
        """``PUT messages/{id}``; onSuccess gets the edited message (with ``editedAt``/``editedBy``)."""
        error = validation.edit_error(message)

        def send(reply: Reply[BaseMessage]) -> None:
            action = endpoints.edit_message(self._session, message.id, _edit_body(message))
            self._realtime.mark_seen(action.id)
            reply.succeed(action.actionOn, action.actionOn)

        return self._call(onSuccess, onError, error, send)

    def delete(self, message_id: Any, onSuccess: Callback | None, onError: Callback | None) -> Future[BaseMessage]:
        """``DELETE messages/{id}``; onSuccess gets the deleted message (``deletedAt``/``deletedBy``)."""
        error = validation.message_id_error(message_id)

        def send(reply: Reply[BaseMessage]) -> None:
            action = endpoints.delete_message(self._session, int(message_id))
            self._realtime.mark_seen(action.id)
            reply.succeed(action.actionOn, action.actionOn)

        return self._call(onSuccess, onError, error, send)

    def receipts(self, message_id: Any, onSuccess: Callback | None,
                 onError: Callback | None) -> Future[list[MessageReceipt]]:
        """``getMessageReceipts``: who delivered and read one message, and when."""
        def fetch(reply: Reply[list[MessageReceipt]]) -> None:
            found = endpoints.message_receipts(self._session, int(message_id))
            reply.succeed(found, found)

        return self._call(onSuccess, onError, validation.message_id_error(message_id), fetch)

    # ------------------------------------------------------------------ frames (socket)

    def _frame(self, cls: type, receiver: str, receiver_type: ReceiverType, **fields: Any) -> Any:
        """An outgoing frame of ``cls`` with the envelope every frame of ours carries."""
        user = self._session.user
        me = attrs.evolve(user, status=UserStatus.online).toWire() if user is not None else {}
        return cls(app_id=self._session.app_id, receiver=receiver, receiver_type=receiver_type.value,
                   device_id=self._session.session_id, sender=user.uid if user else None, user=me, **fields)

    def _socket_error(self, *, blocked_by: tuple[str, ...]) -> CometChatException | None:
        """Why a frame cannot be sent now: not set up, not connected, or throttled by MODE."""
        error = self._session.refusal(needs_user=True)
        if error is not None:
            return error
        if not self._realtime.is_established():
            return errors.no_websocket()
        saved = self._session.current
        if saved is not None and saved.settings.get("MODE") in blocked_by:
            return CometChatException(errors.RECEIPTS_TEMPORARILY_BLOCKED,
                                      "Due to high load. Receipts have been blocked for your app.")
        return None

    def _send(self, frame: protocol.Frame) -> CometChatException | None:
        try:
            sent = self._realtime.send(frame)
        except protocol.LocalProtocolError as exc:  # the app's metadata or data: no JSON can carry it
            return CometChatException(errors.ERROR_INVALID_PAYLOAD, f"Cannot send this: {exc.message}.")
        return None if sent else errors.no_websocket()

    def send_transient(self, message: Any) -> None:
        """Relay a message that is never stored (fire and forget; errors are logged)."""
        error = self._socket_error(blocked_by=("NO_TRANSIENT",))
        if error is None and not isinstance(message, TransientMessage):
            error = CometChatException(errors.ERROR_INVALID_MESSAGE, "message must be a TransientMessage.")
        error = error or validation.receiver_error(message.receiverID, message.receiverType)
        if error is None:
            error = self._send(self._frame(protocol.TransientFrame, message.receiverID, message.receiverType,
                                           data=message.data))
        if error is not None:
            log.warning("sendTransientMessage failed: %s", error)

    def typing(self, indicator: Any, action: str) -> None:
        """``started`` is sent once until ``ended`` (and the other way round); fire and forget."""
        error = self._socket_error(blocked_by=THROTTLING_MODES)
        if error is None and not isinstance(indicator, TypingIndicator):
            error = CometChatException(errors.ERROR_INVALID_MESSAGE, "indicator must be a TypingIndicator.")
        error = error or validation.receiver_error(indicator.receiverID, indicator.receiverType)
        if error is not None:
            blocked = error.errorCode == errors.RECEIPTS_TEMPORARILY_BLOCKED  # under MODE throttling, a no-op
            log.log(logging.DEBUG if blocked else logging.WARNING, "typing indicator not sent: %s", error)
            return
        key = (indicator.receiverType.value, indicator.receiverID)
        with self._lock:
            if (key in self._typing_started) == (action == "started"):
                return
        frame = self._frame(protocol.TypingFrame, indicator.receiverID, indicator.receiverType,
                            action=action, metadata=indicator.metadata)
        error = self._send(frame)
        if error is not None:
            log.warning("typing indicator not sent: %s", error)
            return
        with self._lock:
            (self._typing_started.add if action == "started" else self._typing_started.discard)(key)

    # ------------------------------------------------------------------ SessionObserver

    def signed_in(self, saved: SavedSession) -> None:
        pass

    def signed_out(self) -> None:
        """The next user starts with no typing indicator out."""
        with self._lock:
            self._typing_started.clear()

    def settings_changed(self, settings: dict[str, Any]) -> None:
        pass

    def receipt(self, action: str, message: BaseMessage | None, message_id: Any, receiver_id: Any,
                receiver_type: Any, author: Any, onSuccess: Callback | None,
                onError: Callback | None) -> Future[None] | None:
        """A delivered or read receipt; with callbacks a Future, without fire and forget."""
        if message is not None:
            message_id, receiver_id, receiver_type, author = self._receipt_target(message)
        error = self._socket_error(blocked_by=THROTTLING_MODES)
        error = error or validation.receipt_error(message_id, receiver_id, receiver_type, author)
        if error is None:
            frame = self._frame(protocol.ReceiptFrame, receiver_id, ReceiverType(receiver_type),
                                message_sender=author, action=action, message_id=str(message_id))
            error = self._send(frame)
        if onSuccess is None and onError is None:
            if error is not None:
                log.warning("markAs%s failed: %s", action.capitalize(), error)
            return None
        reply = self._notifier.reply(onSuccess, onError)
        if error is None:
            reply.succeed(None)
        else:
            reply.fail(error)
        return reply.future

    def _receipt_target(self, message: BaseMessage) -> tuple[Any, Any, Any, Any]:
        """(message id, the other party or the group, receiver type, the message's sender)."""
        me = self._session.user.uid if self._session.user else None
        author = message.senderUid
        from_them = message.receiverType == ReceiverType.user and author != me
        return message.id, (author if from_them else message.receiverUid), message.receiverType, author
