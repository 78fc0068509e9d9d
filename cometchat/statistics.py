"""``client.statistics()``: a frozen snapshot of one client, as trio's ``statistics()``.

Tests (ours and apps') read a client's inner state here instead of reaching into private
attributes; monitoring code can log it. A Python extension: Swift has nothing like it.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import attrs

from .models import ConnectionStatus

if TYPE_CHECKING:
    from .listeners import Listeners
    from .realtime import Realtime
    from .session import Session

__all__ = ["ClientStatistics", "collect_statistics"]


@attrs.frozen(kw_only=True)
class ClientStatistics:
    """What one client is doing right now."""

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
    #: listeners per kind (``{"Message": 2, ...}``)
    listeners: dict[str, int] = attrs.field(hash=False)
    #: the last message id delivered to the message listeners (0 if none)
    lastDeliveredMessageId: int = 0

    def stringValue(self) -> str:
        return f"ClientStatistics({self.lifecycle}, {self.state}, threads={len(self.threads)})"

    def asDict(self) -> dict[str, Any]:
        return attrs.asdict(self)


def collect_statistics(session: Session, realtime: Realtime, listeners: Listeners,
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
    )
