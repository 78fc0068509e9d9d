"""The JSON parser of inbound frames: orjson when it is installed, else the standard library.

Parsing is a sixth of what the SDK spends on an inbound message with ``json``; orjson (a
compiled extension with wheels for the common platforms, installed by the ``fast`` extra:
``pip install "cometchat-python[fast]"``) parses the same frame in about a third of the time.
It is optional, so the SDK installs and works where no wheel exists and nothing can be
compiled. Both refuse what is not UTF-8 JSON with a ``ValueError``; orjson also refuses the
non-standard ``NaN``/``Infinity`` and integers beyond 64 bits, which no CometChat frame holds,
and a frame it refuses is skipped as malformed like any other.
"""

from __future__ import annotations

import json
from typing import Any, Callable

__all__ = ["loads", "BACKEND"]

loads: Callable[[bytes | str], Any]

try:
    import orjson
except ImportError:  # pragma: no cover - depends on the installation
    BACKEND = "json"

    def loads(data: bytes | str) -> Any:
        """Parse one JSON document (``bytes`` are decoded as UTF-8 first: faster than letting
        ``json.loads`` guess the encoding)."""
        return json.loads(data.decode() if isinstance(data, bytes) else data)
else:
    BACKEND = "orjson"
    loads = orjson.loads
