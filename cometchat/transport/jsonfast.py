"""The fast JSON parser of inbound frames: msgspec when it is installed, else nothing.

Parsing is a sixth of what the SDK spends on an inbound message with ``json``; msgspec (a
compiled extension with wheels for the common platforms, installed by the ``fast`` extra:
``pip install "cometchat-python[fast]"``) parses the same frame in about a third of the time.
It is optional, so the SDK installs and works where no wheel exists and nothing can be
compiled; ``protocol.loads`` then does the same job with the standard library.

msgspec was chosen over orjson because it is as strict as ``protocol.loads`` promises with
nothing checked afterwards: it refuses ``NaN``/``Infinity``, numbers beyond a float, lone
surrogates, text that is not UTF-8 and nesting deeper than the interpreter can walk, and it
keeps integers of any size exact (orjson turns one beyond 64 bits into an inexact float).
"""

from __future__ import annotations

from typing import Any, Callable

__all__ = ["loads", "BACKEND"]

#: ``loads(text)`` parses one JSON document (``str`` or UTF-8 ``bytes``) or raises
#: ``ValueError`` (``RecursionError`` when it nests too deeply); None without msgspec
loads: Callable[[bytes | str], Any] | None

try:
    import msgspec
except ImportError:  # pragma: no cover - depends on the installation
    BACKEND = "json"
    loads = None
else:
    BACKEND = "msgspec"
    loads = msgspec.json.Decoder().decode
