"""Whole numbers read from the network: ASCII digits only.

``str.isdigit()`` accepts characters that ``int()`` refuses (``"²"``) or reads in ways a wire
format never means (``"٣"``), so a hostile peer could turn a digit check into a
``ValueError`` far from where the text came in. Every place that reads a number sent as text
goes through ``whole_number``, a leaf that models, the wire module and the dev server share.
"""

from __future__ import annotations

from typing import Any

__all__ = ["whole_number", "retry_after", "MAX_DIGITS", "MAX_ID"]

#: Longer digit strings are not numbers any field of ours can hold (and int() is slow on them).
MAX_DIGITS = 30
#: The largest message id (SQLite's, and the real service's 64-bit ids); larger is not an id.
MAX_ID = 2**63 - 1


def whole_number(value: Any) -> int | None:
    """``value`` as a non-negative int when it is a string of 1 to ``MAX_DIGITS`` ASCII digits
    and nothing else; None for anything else."""
    if not isinstance(value, str) or not value or len(value) > MAX_DIGITS:
        return None
    if not value.isascii() or not value.isdigit():
        return None
    return int(value)


def retry_after(value: Any) -> float | None:
    """A ``Retry-After`` header in whole seconds; an HTTP date, nonsense or nothing is None
    (the caller then uses its own backoff)."""
    seconds = whole_number(value.strip()) if isinstance(value, str) else None
    return float(seconds) if seconds is not None else None
