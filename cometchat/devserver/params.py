"""Reading requests: query values and JSON bodies, with one rule for what is a bad request.

Every value the API reads goes through here, so a bad one is always a 400 with the
``{"error": {...}}`` envelope naming the field, never a 500. Query strings come as the
official SDKs send them: lists comma-joined (``tags=a,b``), flags as ``1`` or ``true``.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ..numbers import whole_number
from . import edge
from .base import LIMITS_KEY
from .errors import ApiError

__all__ = ["Params", "json_body", "bad_request"]

_TRUE = ("1", "true")
_FALSE = ("0", "false", "")


def bad_request(message: str, field: str | None = None, code: str = "ERR_BAD_REQUEST") -> ApiError:
    return ApiError(400, code, message, {"field": field} if field else None)


class Params:
    """The query string of one request."""

    def __init__(self, request: web.Request) -> None:
        self._query = request.query

    def number(self, name: str, default: int, lo: int, hi: int) -> int:
        """A whole number from ``lo`` to ``hi`` (``default`` when absent)."""
        raw = self._query.get(name)
        if raw is None:
            return default
        value = whole_number(raw)
        if value is None or not lo <= value <= hi:
            raise bad_request(f"{name} must be a number from {lo} to {hi}.", name)
        return value

    def optional_id(self, name: str) -> int | None:
        """A non-negative id or time, or None when absent."""
        raw = self._query.get(name)
        if raw is None or raw == "":
            return None
        value = whole_number(raw)
        if value is None or value > edge.MAX_MESSAGE_ID:
            raise bad_request(f"{name} must be a non-negative number.", name)
        return value

    def flag(self, name: str) -> bool:
        raw = self._query.get(name)
        if raw is None or raw.lower() in _FALSE:
            return False
        if raw.lower() in _TRUE:
            return True
        raise bad_request(f"{name} must be 1, true, 0 or false.", name)

    def words(self, name: str) -> tuple[str, ...]:
        """A comma-joined list; empty items are dropped."""
        raw = self._query.get(name)
        if raw is None:
            return ()
        return tuple(item.strip() for item in raw.split(",") if item.strip())

    def text(self, name: str) -> str | None:
        raw = self._query.get(name)
        return raw.strip() or None if raw is not None else None

    def choice(self, name: str, allowed: tuple[str, ...], default: str | None = None) -> str | None:
        raw = self._query.get(name)
        if raw is None or raw == "":
            return default
        if raw not in allowed:
            raise bad_request(f"{name} must be one of {', '.join(allowed)}.", name)
        return raw


async def json_body(request: web.Request, *, required: bool = True) -> dict[str, Any]:
    """The request's JSON object (``{}`` when optional and absent), read under the server's
    limits by the strict parser of ``edge.py``."""
    return await edge.read_json_body(request, request.app[LIMITS_KEY], required=required)
