"""``client.statistics()``: a frozen snapshot of one client, as trio's ``statistics()``.

Tests (ours and apps') read a client's inner state here instead of reaching into private
attributes; monitoring code can log it. A Python extension: Swift has nothing like it.
"""

from __future__ import annotations

import threading
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Mapping

import attrs

from .models import ConnectionStatus

if TYPE_CHECKING:
    from .callbacks import EventCounters
    from .listeners import Listeners
    from .realtime import Realtime
    from .session import Session

__all__ = ["ClientStatistics", "collect_statistics"]


def _frozen_mapping(value: Mapping[str, int]) -> Mapping[str, int]:
    return MappingProxyType(dict(value))


def _plain(instance: Any, field: Any, value: Any) -> Any:
    """``asDict``: a read-only mapping comes out as a dict."""
    return dict(value) if isinstance(value, MappingProxyType) else value


@attrs.frozen(kw_only=True)
class ClientStatistics:
    """What one client is doing right now, and what its connection has done since ``init``."""

    #: ``"new"`` (before init), ``"ready"``, or ``"closed"``
    lifecycle: str
    #: whether a user is logged in
    loggedIn: bool
    #: the connection machine's state: ``signed_out``, ``idle``, ``connecting``, ``connected``,
    #: ``throttled``, ``waiting`` or ``closing`` (finer than the public status)
    state: str
    status: ConnectionStatus
    #: the socket generation the machine listens to (None without a socket)
    generation: int | None
    #: sockets the machine counts on now, and the most it ever counted on at once
    liveSockets: int
    maxLiveSockets: int
    #: names of this client's live threads (owner, readers, REST worker, callbacks)
    threads: tuple[str, ...]
    #: listeners per kind (``{"Message": 2, ...}``), read-only
    listeners: Mapping[str, int] = attrs.field(converter=_frozen_mapping, hash=False)
    #: the last message id delivered to the message listeners (0 if none)
    lastDeliveredMessageId: int = 0
    #: counters since ``init`` (each ``init`` brings a new connection, counting from 0):
    #: sockets opened (a JWT refresh opens one more in the same attempt)
    connectAttempts: int = 0
    #: links the server accepted
    connections: int = 0
    #: accepted links lost without the app asking (a close from the server, a dead link)
    drops: int = 0
    #: attempts the SDK started by itself once the wait after a drop or a failure ran out
    retries: int = 0
    #: inbound frames skipped as malformed (logged): not a valid frame on the socket (since
    #: ``init``), or not readable as the event they claim to be (since the client was made)
    framesSkipped: int = 0
    #: messages handed to the listeners (new, edited, deleted, group actions; whether or not
    #: any listened), since the client was made
    messagesDelivered: int = 0

    def stringValue(self) -> str:
        return f"ClientStatistics({self.lifecycle}, {self.state}, threads={len(self.threads)})"

    def asDict(self) -> dict[str, Any]:
        return attrs.asdict(self, value_serializer=_plain)


def collect_statistics(session: Session, realtime: Realtime, listeners: Listeners, events: EventCounters,
                       threads: tuple[threading.Thread, ...]) -> ClientStatistics:
    """One client's snapshot, from its parts (``threads``: those not of the connection)."""
    connection = realtime.statistics()
    return ClientStatistics(
        lifecycle=session.lifecycle.value,
        loggedIn=session.current is not None,
        state=connection.state if connection else "signed_out",
        status=realtime.status,
        generation=connection.generation if connection else None,
        liveSockets=connection.live_sockets if connection else 0,
        maxLiveSockets=connection.max_live_sockets if connection else 0,
        threads=(*(connection.threads if connection else ()), *(t.name for t in threads)),
        listeners=listeners.counts(),
        lastDeliveredMessageId=realtime.last_delivered,
        connectAttempts=connection.connect_attempts if connection else 0,
        connections=connection.connections if connection else 0,
        drops=connection.drops if connection else 0,
        retries=connection.retries if connection else 0,
        framesSkipped=(connection.frames_skipped if connection else 0) + events.frames_skipped,
        messagesDelivered=events.messages_delivered,
    )
