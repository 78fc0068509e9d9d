"""The connection state table as people read it: rendered from the machine's own handlers.

Each handler in ``state.TRANSITIONS`` carries its cell of the table as its docstring; the
README's connection table is ``connection_table_markdown()``, and a test keeps them equal, so
the documentation cannot drift from the code.
"""

from __future__ import annotations

from typing import Callable

from .inputs import Connect, Disconnect
from .state import TRANSITIONS, State

__all__ = ["transition_table", "connection_table_markdown"]


def _cell(handler: Callable[..., None]) -> str:
    return " ".join((handler.__doc__ or "").split())


def transition_table() -> list[tuple[str, str, str]]:
    """(state, input, what happens) for every cell, from the handlers' docstrings."""
    return [(state.value, kind.__name__, _cell(handler)) for (state, kind), handler in TRANSITIONS.items()]


def connection_table_markdown() -> str:
    """The ``connect()`` / ``disconnect()`` columns of the table, as the README shows them."""
    lines = ["| state | `connect(onSuccess, onError)` | `disconnect(onSuccess, onError)` |", "|---|---|---|"]
    for state in State:
        connect, disconnect = (_cell(TRANSITIONS[(state, kind)]) for kind in (Connect, Disconnect))
        lines.append(f"| {state.value} | {connect} | {disconnect} |")
    return "\n".join(lines)
