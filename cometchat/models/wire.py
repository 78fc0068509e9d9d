"""Reading wire values leniently: the few helpers every model's ``fromWire`` shares.

The server is trusted for shape, not for types: a field of the wrong type reads as absent
(``None``, ``0``, ``[]``) rather than failing the whole object, except the fields a model
cannot exist without, which raise ``RemoteProtocolError`` naming the field.
"""

from __future__ import annotations

import math
from typing import Any, Callable, TypeVar

from ..exceptions import RemoteProtocolError
from ..numbers import whole_number

T = TypeVar("T")

__all__ = ["text", "number", "floating", "strings", "mapping", "entity", "required_id", "text_or_empty",
           "optional_fields", "readable"]


def text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def text_or_empty(value: Any) -> str:
    return value if isinstance(value, str) else ""


def number(value: Any) -> int:
    """An int from a number or a string of digits (ids and times come as either); else 0."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and math.isfinite(value) and abs(value) < 1e18:
        return int(value)
    return whole_number(value) or 0


def floating(value: Any) -> float:
    """A finite float from a number or a numeric string; else 0.0."""
    if isinstance(value, bool):
        return 0.0
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return 0.0
    if isinstance(value, (int, float)) and math.isfinite(value):
        return float(value)
    return 0.0


def strings(value: Any) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def mapping(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None


def entity(data: dict[str, Any], key: str) -> tuple[dict[str, Any] | None, str | None]:
    """``data.entities[key]``: (the entity object, its entityType), or (None, None)."""
    entities = data.get("entities")
    entry = entities.get(key) if isinstance(entities, dict) else None
    if not isinstance(entry, dict) or not isinstance(entry.get("entity"), dict):
        return None, None
    kind = entry.get("entityType")
    return entry["entity"], kind if isinstance(kind, str) else None


def required_id(obj: dict[str, Any], key: str, where: str) -> int:
    value = obj.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    number = whole_number(value)
    if number is not None:
        return number
    raise RemoteProtocolError(f"{where} needs a numeric {key}", field=f"{where}.{key}")


def optional_fields(obj: dict[str, Any], readers: dict[str, tuple[str, Callable[[Any], Any]]]) -> dict[str, Any]:
    """``{field: read(obj[key])}`` for the keys of ``readers`` (wire key -> (field name,
    reader)) that ``obj`` has. The hot path of every ``fromWire``: a frame carries a few of a
    model's many optional fields, and a field it lacks keeps its default without a look-up."""
    out = {}
    lookup = readers.get
    for key, value in obj.items():
        entry = lookup(key)
        if entry is not None:
            out[entry[0]] = entry[1](value)
    return out


def readable(items: Any, read: Callable[[Any], T]) -> list[T]:
    """``read(item)`` for each of ``items``, leaving out those it refuses (``RemoteProtocolError``):
    a list inside a model is read leniently, so one odd entry costs only itself."""
    out = []
    for item in items:
        try:
            out.append(read(item))
        except RemoteProtocolError:
            continue
    return out
