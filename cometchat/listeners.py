"""Listener protocols (Swift's delegates) and the registry that keeps them.

Subclass a delegate and override what you need, or pass any object that has some of the
methods: like Swift's optional protocol methods, a missing method is simply not called.

Each kind of listener has one ``ListenerRegistry``: listeners added by id are held strongly
until removed (the app owns their lifetime; the same id replaces), and the ``*delegate``
property holds one object weakly. An emit runs on the dispatch queue over a snapshot, so a
listener added or removed during an emit takes effect from the next one.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from .exceptions import CometChatException

__all__ = [
    "CometChatLoginDelegate",
    "CometChatConnectionDelegate",
    "CometChatMessageDelegate",
    "CometChatUserDelegate",
    "ListenerRegistry",
]


class CometChatLoginDelegate:
    """Login and logout outcomes, whoever started them."""

    def onLoginSuccess(self, user: Any) -> None:
        pass

    def onLoginFailed(self, error: CometChatException | None) -> None:
        pass

    def onLogoutSuccess(self) -> None:
        pass

    def onLogoutFailed(self, error: CometChatException | None) -> None:
        pass


class CometChatConnectionDelegate:
    """The WebSocket's life; see the connection table in the README."""

    def connecting(self) -> None:
        pass

    def connected(self) -> None:
        pass

    def disconnected(self) -> None:
        pass

    def onfeatureThrottled(self) -> None:
        pass

    def onConnectionError(self, error: CometChatException) -> None:
        pass

    def connectionStateChanged(self, change: Any) -> None:
        """Python extension: every status change with its reason and the next retry."""


class CometChatMessageDelegate:
    """Real-time message events (all optional, as in Swift)."""

    def onTextMessageReceived(self, textMessage: Any) -> None:
        pass

    def onCustomMessageReceived(self, customMessage: Any) -> None:
        pass

    def onTypingStarted(self, typingDetails: Any) -> None:
        pass

    def onTypingEnded(self, typingDetails: Any) -> None:
        pass

    def onMessagesDelivered(self, receipt: Any) -> None:
        pass

    def onMessagesRead(self, receipt: Any) -> None:
        pass

    def onMessagesDeliveredToAll(self, receipt: Any) -> None:
        pass

    def onMessagesReadByAll(self, receipt: Any) -> None:
        pass

    def onTransisentMessageReceived(self, message: Any) -> None:
        """The Swift spelling, typo included."""

    def onMessageEdited(self, message: Any) -> None:
        pass

    def onMessageDeleted(self, message: Any) -> None:
        pass


class CometChatUserDelegate:
    """Presence of other users, per the subscription chosen in AppSettings."""

    def onUserOnline(self, user: Any) -> None:
        pass

    def onUserOffline(self, user: Any) -> None:
        pass


def _weak(obj: Any) -> weakref.ReferenceType[Any] | weakref.WeakMethod[Any]:
    if hasattr(obj, "__self__") and hasattr(obj, "__func__"):
        return weakref.WeakMethod(obj)
    try:
        return weakref.ref(obj)
    except TypeError:
        raise TypeError(
            f"a {type(obj).__name__} cannot be held weakly as a delegate; "
            "use an ordinary object, or add it with an add...Listener method instead"
        ) from None


class ListenerRegistry:
    """The listeners of one kind: keyed ones (strong) and one delegate (weak)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._lock = threading.Lock()
        self._keyed: dict[str, Any] = {}
        self._delegate: Any = None

    def add(self, listener_id: str, listener: Any) -> None:
        if not isinstance(listener_id, str) or not listener_id:
            raise TypeError(f"a {self.kind} listener needs a non-empty string id")
        if listener is None:
            raise TypeError(f"add{self.kind}Listener needs a listener object")
        with self._lock:
            self._keyed[listener_id] = listener

    def remove(self, listener_id: str) -> None:
        with self._lock:
            self._keyed.pop(listener_id, None)

    @property
    def delegate(self) -> Any:
        ref = self._delegate
        return None if ref is None else ref()

    @delegate.setter
    def delegate(self, obj: Any) -> None:
        self._delegate = None if obj is None else _weak(obj)

    def snapshot(self) -> tuple[Any, ...]:
        """The listeners to call now: keyed ones in the order added, then the delegate."""
        with self._lock:
            found = list(self._keyed.values())
        delegate = self.delegate
        if delegate is not None:
            found.append(delegate)
        return tuple(found)
