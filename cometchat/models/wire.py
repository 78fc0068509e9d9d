"""Reading wire values leniently: the few helpers every model's ``fromWire`` shares.

The server is trusted for shape, not for types: a field of the wrong type reads as absent
(``None``, ``0``, ``[]``) rather than failing the whole object, except the fields a model
cannot exist without, which raise ``RemoteProtocolError`` naming the field.
"""

from __future__ import annotations

import math
from typing import Any, Callable, TypeVar, cast

import attrs

from ..exceptions import RemoteProtocolError
from ..numbers import MAX_ID, whole_number

T = TypeVar("T")

__all__ = ["text", "number", "floating", "strings", "mapping", "entity", "required_object", "required_text",
           "required_id", "text_or_empty", "readable", "blank"]


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


def required_object(obj: Any, where: str) -> dict[str, Any]:
    """A model's wire object, which must be a JSON object."""
    if not isinstance(obj, dict):
        raise RemoteProtocolError(f"{where} must be an object", field=where)
    return obj


def required_text(obj: dict[str, Any], key: str, where: str) -> str:
    """A string the object cannot exist without (its guid, its reaction): non-empty."""
    value = obj.get(key)
    if not isinstance(value, str) or not value:
        raise RemoteProtocolError(f"{where} needs its {key}", field=f"{where}.{key}")
    return value


def required_id(obj: dict[str, Any], key: str, where: str) -> int:
    """An id the object cannot exist without: a whole number from 0 to ``MAX_ID`` (or its
    digits); anything else makes the object a protocol error of that field."""
    value = obj.get(key)
    number = value if isinstance(value, int) and not isinstance(value, bool) else whole_number(value)
    if number is not None and 0 <= number <= MAX_ID:
        return number
    raise RemoteProtocolError(f"{where} needs a numeric {key} (0 to 2**63 - 1)", field=f"{where}.{key}")


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


def blank(cls: type[T]) -> Callable[[], T]:
    """A function making an instance of the attrs class ``cls`` with every field at its
    default, without calling ``__init__``; a field with no default is None until the caller
    sets it. A factory default is called for each instance (a fresh list per message); a
    default with a converter is stored converted, as ``__init__`` would.

    Why: two users and a message are built for every inbound message, and most of an attrs
    ``__init__``'s cost is Python's filling of the keyword-only parameters not passed (a
    look-up each: 0.6 us for a ``TextMessage`` of 33 fields with two passed), not the
    stores. The maker is generated from ``attrs.fields(cls)``, so a field added to the class
    is in it. Only for classes with plain assignment (no validators, no frozen or
    ``on_setattr`` hooks), which is checked here."""
    if cls.__setattr__ is not object.__setattr__:
        raise TypeError(f"{cls.__name__} has an assignment hook: build it through __init__")
    env: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    lines = ["def make():", "    self = _new(_cls)"]
    for index, field in enumerate(attrs.fields(cast(Any, cls))):
        if field.validator is not None or isinstance(field.converter, attrs.Converter):
            raise TypeError(f"{cls.__name__}.{field.name} is checked or converted by __init__")
        default = field.default
        if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            if default.takes_self:
                raise TypeError(f"{cls.__name__}.{field.name}'s default needs the instance")
            env[f"factory{index}"] = default.factory
            lines.append(f"    self.{field.name} = factory{index}()")
            continue
        if default is attrs.NOTHING:
            default = None
        elif field.converter is not None:
            default = field.converter(default)
        env[f"default{index}"] = default
        lines.append(f"    self.{field.name} = default{index}")
    lines.append("    return self")
    exec(compile("\n".join(lines), f"<blank {cls.__qualname__}>", "exec"), env)  # our own source, made from attrs.fields
    make: Callable[[], T] = env["make"]
    return make
