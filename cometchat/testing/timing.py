"""Deadlines for tests on shared, noisy machines.

Every deadline a test waits on goes through ``scaled()``, which multiplies it by
``COMETCHAT_TEST_TIMEOUT_SCALE`` (default 1): a slow machine gets more time, never a
false failure. ``waitFor`` polls a condition that has no event to wait on (the server's
session list, say) until it holds or the scaled deadline passes.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Callable, TypeVar

T = TypeVar("T")

__all__ = ["scaled", "waitFor", "TIMEOUT_SCALE"]


def _scale() -> float:
    raw = os.environ.get("COMETCHAT_TEST_TIMEOUT_SCALE", "1")
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"COMETCHAT_TEST_TIMEOUT_SCALE must be a number, not {raw!r}") from None
    if value <= 0:
        raise ValueError("COMETCHAT_TEST_TIMEOUT_SCALE must be positive")
    return value


#: The multiplier read from ``COMETCHAT_TEST_TIMEOUT_SCALE`` at import.
TIMEOUT_SCALE = _scale()


def scaled(seconds: float) -> float:
    """``seconds`` times the test timeout scale."""
    return seconds * TIMEOUT_SCALE


def waitFor(predicate: Callable[[], T], timeout: float = 10.0, interval: float = 0.01, message: str = "") -> T:
    """Poll ``predicate`` until it returns something truthy; return that value.

    ``timeout`` is scaled. Raises ``AssertionError`` (so unittest reports a failure, not an
    error) when the deadline passes first.
    """
    deadline = time.monotonic() + scaled(timeout)
    pause = threading.Event()
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(message or f"condition not met within {scaled(timeout):.1f}s")
        pause.wait(interval)
