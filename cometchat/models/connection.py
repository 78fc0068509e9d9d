"""What connection listeners are told besides Swift's callbacks (a Python extension)."""

from __future__ import annotations

from typing import Any

import attrs

from .enums import ConnectionStatus

__all__ = ["ConnectionStateChange"]


@attrs.frozen
class ConnectionStateChange:
    """What ``connectionStateChanged(change)`` receives.

    ``reason`` is the error behind the change, if any; ``retryIn`` the seconds until the next
    attempt when one is scheduled.
    """

    previous: ConnectionStatus
    current: ConnectionStatus
    reason: Any = None
    retryIn: float | None = None

    def stringValue(self) -> str:
        return f"ConnectionStateChange({self.previous.value} -> {self.current.value}, retryIn={self.retryIn})"
