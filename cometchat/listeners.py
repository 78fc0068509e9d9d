"""Listener protocols (Swift's delegates), the table of listener kinds, and their registries.

Subclass a delegate and override what you need, or pass any object that has some of the
methods: like Swift's optional protocol methods, a missing method is simply not called.

``LISTENER_KINDS`` is the one table of listener kinds. From each row follow the client's
``add<Kind>Listener`` / ``remove<Kind>Listener`` / ``<kind>delegate`` members
(``install_listener_members``), the facade's delegations (which mirror the client) and the
test recorder (``cometchat.testing.EventRecorder``): adding a kind is adding a row.

Each kind has one ``ListenerRegistry`` per client: listeners added by id are held strongly
until removed (the app owns their lifetime; the same id replaces), and the ``*delegate``
property holds one object weakly. A call runs on the dispatch queue over a snapshot, so a
listener added or removed meanwhile takes effect from the next one.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

import attrs

from .dispatch import run_user_code
from .exceptions import CometChatException

__all__ = [
    "CometChatLoginDelegate",
    "CometChatConnectionDelegate",
    "CometChatMessageDelegate",
    "CometChatUserDelegate",
    "CometChatGroupDelegate",
    "ListenerKind",
    "LISTENER_KINDS",
    "ListenerRegistry",
    "Listeners",
    "install_listener_members",
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

    def onMediaMessageReceived(self, mediaMessage: Any) -> None:
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

    def onMessageReactionAdded(self, reactionEvent: Any) -> None:
        pass

    def onMessageReactionRemoved(self, reactionEvent: Any) -> None:
        pass


class CometChatUserDelegate:
    """Presence of other users, per the subscription chosen in AppSettings."""

    def onUserOnline(self, user: Any) -> None:
        pass

    def onUserOffline(self, user: Any) -> None:
        pass


class CometChatGroupDelegate:
    """Membership changes in the groups the user is in (or that happen to the user), called
    positionally in Swift's order, each with the action message first. The official JS SDK
    orders ``onMemberAddedToGroup`` differently; this is Swift's (by, then the added user)."""

    def onGroupMemberJoined(self, action: Any, joinedUser: Any, joinedGroup: Any) -> None:
        pass

    def onGroupMemberLeft(self, action: Any, leftUser: Any, leftGroup: Any) -> None:
        pass

    def onGroupMemberKicked(self, action: Any, kickedUser: Any, kickedBy: Any, kickedFrom: Any) -> None:
        pass

    def onGroupMemberBanned(self, action: Any, bannedUser: Any, bannedBy: Any, bannedFrom: Any) -> None:
        pass

    def onGroupMemberUnbanned(self, action: Any, unbannedUser: Any, unbannedBy: Any, unbannedFrom: Any) -> None:
        pass

    def onGroupMemberScopeChanged(self, action: Any, scopeChangeduser: Any, scopeChangedBy: Any,
                                  scopeChangedTo: Any, scopeChangedFrom: Any, group: Any) -> None:
        pass

    def onMemberAddedToGroup(self, action: Any, addedBy: Any, addedUser: Any, addedTo: Any) -> None:
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


@attrs.frozen
class ListenerKind:
    """One row of the table: a kind of listener, named as Swift names its members."""

    #: ``"Message"`` gives ``addMessageListener``, ``removeMessageListener``, ``messagedelegate``
    name: str
    #: the Swift delegate protocol, as a base class whose methods do nothing
    protocol: type

    @property
    def adder(self) -> str:
        return f"add{self.name}Listener"

    @property
    def remover(self) -> str:
        return f"remove{self.name}Listener"

    @property
    def delegate(self) -> str:
        return f"{self.name.lower()}delegate"

    def callbacks(self) -> tuple[str, ...]:
        """The protocol's callback names, as listeners implement them."""
        return tuple(name for name, member in vars(self.protocol).items()
                     if not name.startswith("_") and callable(member))


#: Every kind of listener the SDK calls. Add a row here to add a kind.
LISTENER_KINDS: tuple[ListenerKind, ...] = (
    ListenerKind("Login", CometChatLoginDelegate),
    ListenerKind("Connection", CometChatConnectionDelegate),
    ListenerKind("Message", CometChatMessageDelegate),
    ListenerKind("User", CometChatUserDelegate),
    ListenerKind("Group", CometChatGroupDelegate),
)


class ListenerRegistry:
    """The listeners of one kind: keyed ones (strong) and one delegate (weak)."""

    def __init__(self, kind: ListenerKind) -> None:
        self.kind = kind
        self._lock = threading.Lock()
        self._keyed: dict[str, Any] = {}
        # the keyed listeners as a tuple, remade on every change, so delivering a message
        # reads one attribute instead of copying the dict under the lock
        self._current: tuple[Any, ...] = ()
        self._delegate: Any = None

    def add(self, listener_id: str, listener: Any) -> None:
        if not isinstance(listener_id, str) or not listener_id:
            raise TypeError(f"a {self.kind.name} listener needs a non-empty string id")
        if listener is None:
            raise TypeError(f"{self.kind.adder} needs a listener object")
        with self._lock:
            self._keyed[listener_id] = listener
            self._current = tuple(self._keyed.values())

    def remove(self, listener_id: str) -> None:
        with self._lock:
            self._keyed.pop(listener_id, None)
            self._current = tuple(self._keyed.values())

    @property
    def delegate(self) -> Any:
        ref = self._delegate
        return None if ref is None else ref()

    @delegate.setter
    def delegate(self, obj: Any) -> None:
        self._delegate = None if obj is None else _weak(obj)

    def snapshot(self) -> tuple[Any, ...]:
        """The listeners to call now: keyed ones in the order added, then the delegate."""
        current = self._current
        ref = self._delegate
        delegate = None if ref is None else ref()
        return current if delegate is None else (*current, delegate)

    def __len__(self) -> int:
        return len(self.snapshot())

    def call(self, method: str, *args: Any) -> None:
        """Call ``method(*args)`` on every listener that has it (on the dispatch queue)."""
        for listener in self.snapshot():
            fn = getattr(listener, method, None)
            if callable(fn):
                run_user_code(fn, *args)


class Listeners:
    """One client's registries, one per row of its table."""

    def __init__(self, kinds: tuple[ListenerKind, ...] = LISTENER_KINDS) -> None:
        self._registries = {kind.name: ListenerRegistry(kind) for kind in kinds}

    def __getitem__(self, name: str) -> ListenerRegistry:
        return self._registries[name]

    def counts(self) -> dict[str, int]:
        """How many listeners each kind has (keyed ones plus a live delegate)."""
        return {name: len(registry) for name, registry in self._registries.items()}


def _members(kind: ListenerKind) -> dict[str, Any]:
    """The Swift-named members of one kind, for a class keeping its ``Listeners`` in ``_listeners``."""

    def add(self: Any, listenerId: str, listener: Any) -> None:
        self._listeners[kind.name].add(listenerId, listener)

    def remove(self: Any, listenerId: str) -> None:
        self._listeners[kind.name].remove(listenerId)

    def get_delegate(self: Any) -> Any:
        return self._listeners[kind.name].delegate

    def set_delegate(self: Any, delegate: Any) -> None:
        self._listeners[kind.name].delegate = delegate

    add.__doc__ = f"Hold ``listener`` (strongly) until ``{kind.remover}``; it hears the {kind.protocol.__name__} callbacks."
    remove.__doc__ = f"Stop calling the {kind.name} listener added under ``listenerId``."
    members: dict[str, Any] = {kind.adder: add, kind.remover: remove}
    members[kind.delegate] = property(get_delegate, set_delegate, doc=f"One {kind.protocol.__name__}, held weakly.")
    return members


def install_listener_members(cls: type, kinds: tuple[ListenerKind, ...] = LISTENER_KINDS) -> type:
    """Give ``cls`` (which keeps a ``Listeners`` in ``self._listeners``) the add / remove /
    delegate members of every kind; returns ``cls``."""
    for kind in kinds:
        for name, member in _members(kind).items():
            if not isinstance(member, property):
                member.__name__ = name
                member.__qualname__ = f"{cls.__name__}.{name}"
            setattr(cls, name, member)
    return cls

