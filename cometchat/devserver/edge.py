"""What every REST request passes on its way in: its body, its query values, its Host.

Each refusal is an ``ApiError`` (a JSON envelope with a 4xx status), never an exception that
would become a 500: a body that stops arriving (``body_timeout`` between two reads, so a big
upload over a slow link still works), one over ``max_body_bytes``, JSON that a strict parser
refuses (``NaN``, ``1e400``, a lone surrogate, nesting deeper than ``max_json_depth``), a number
that is not ASCII digits (``?per_page=²``), a ``Host`` that is not ``host[:port]``, a header
value that is not text (aiohttp decodes bytes that are not UTF-8 into lone surrogates, which
nothing downstream can encode: ``check_headers``).

Credentials (``appId``, ``apiKey``, ``authToken``) are the backend's to judge: one that is not
ASCII is a wrong credential (401), never a 400, so it counts as a failed authentication
wherever a wrong one does (the ``apiKey`` of ``users/{uid}/...``). No refusal echoes text that
cannot be encoded.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
from typing import Any

from aiohttp import web

from ..numbers import whole_number
from ..transport import protocol
from .errors import ApiError
from .limits import Limits

__all__ = ["read_json_body", "split_host", "check_headers", "is_text", "printable", "shown_reason",
           "clipped", "logged_path", "CREDENTIAL_HEADERS", "MAX_MESSAGE_ID"]

MAX_MESSAGE_ID = protocol.MAX_ID  #: SQLite's largest integer
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
#: headers the backend checks as credentials (lower case): a bad one is a 401, not a 400
CREDENTIAL_HEADERS = frozenset({"appid", "apikey", "authtoken"})


def is_text(value: str) -> bool:
    """Whether ``value`` can be encoded as UTF-8 (holds no lone surrogate)."""
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def printable(value: str, limit: int = 100) -> str | None:
    """``value`` if it may be echoed in an error message (printable ASCII, at most ``limit``
    characters), else None."""
    return value if value.isascii() and value.isprintable() and len(value) <= limit else None


#: a path segment that is a secret: an auth token (``DELETE users/{uid}/auth_tokens/{token}``) or
#: the unguessable token of an uploaded file's URL (``/media/{token}/{name}``)
_SECRET_SEGMENT = re.compile(r"(/auth_tokens/|^/media/)[^/]+")
_LOGGED_PATH_MAX = 256  #: characters of a path that a log line or the request log keeps


def clipped(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters (and marked as cut), for what the server keeps about
    a request: a request line can be 8 KiB, and the logs keep thousands of entries."""
    return text if len(text) <= limit else text[:limit] + "\u2026"


def logged_path(path: str) -> str:
    """A request's path as logs and the ``requests`` control show it: secrets in it replaced by
    ``<token>``, cut to a bounded length."""
    return clipped(_SECRET_SEGMENT.sub(r"\1<token>", path), _LOGGED_PATH_MAX)


def shown_reason(text: str, fallback: str, limit: int = 200) -> str:
    """The first line of a library's error message (``fallback`` if it has none), fit to be
    sent back: what cannot be encoded (a lone surrogate from the request) is escaped, never echoed."""
    first = (text.strip().splitlines() or [fallback])[0][:limit]
    return first if is_text(first) else first.encode("utf-8", "backslashreplace").decode("utf-8")


def check_headers(request: web.BaseRequest) -> None:
    """Refuse (400) a request any of whose header values is not text; credentials excepted."""
    for name, value in request.headers.items():
        if is_text(value) and is_text(name):
            continue
        if name.lower() in CREDENTIAL_HEADERS:
            continue  # a wrong credential: the backend answers 401 and counts it
        shown = printable(name)
        raise ApiError(400, "ERR_BAD_REQUEST",
                       f"The {shown} header is not valid UTF-8 text." if shown else "A header is not valid UTF-8 text.",
                       {"field": shown} if shown else None)


async def read_json_body(request: web.Request, limits: Limits, *, required: bool = True) -> dict[str, Any]:
    """The request's JSON object body, read chunk by chunk under the body timeout."""
    raw = await _read(request, limits)
    if not raw:
        if required:
            raise ApiError(400, "ERR_BAD_REQUEST", "The request needs a JSON body.")
        return {}
    try:
        body = protocol.loads(raw, max_depth=limits.max_json_depth)
    except protocol.RemoteProtocolError as exc:
        raise ApiError(400, "ERR_BAD_REQUEST", f"The request body is not valid JSON: {exc.message}.") from None
    if not isinstance(body, dict):
        raise ApiError(400, "ERR_BAD_REQUEST", "The request body must be a JSON object.")
    return body


async def _read(request: web.Request, limits: Limits) -> bytes:
    declared = request.content_length
    if declared is not None and declared > limits.max_body_bytes:
        raise _too_large(limits)
    chunks: list[bytes] = []
    size = 0
    while True:
        try:
            chunk = await asyncio.wait_for(request.content.readany(), limits.body_timeout)
        except asyncio.TimeoutError:
            raise ApiError(
                408, "ERR_REQUEST_TIMEOUT", f"The request body stopped arriving for {limits.body_timeout:g} s.",
                close=True,
            ) from None
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limits.max_body_bytes:
            raise _too_large(limits)
        chunks.append(chunk)


def _too_large(limits: Limits) -> ApiError:
    return ApiError(413, "ERR_PAYLOAD_TOO_LARGE", f"The request body is larger than {limits.max_body_bytes} bytes.",
                    close=True)


def split_host(host_header: str, default_port: int) -> tuple[str, int]:
    """A ``Host`` header as host and port (IPv6 literals keep their brackets); anything that
    is not a syntactically valid ``host[:port]`` is a 400."""
    if host_header.startswith("["):
        end = host_header.find("]")
        host, rest = host_header[: end + 1], host_header[end + 1 :]
        valid = end > 0 and _is_ip(host[1:-1], 6) and (rest == "" or rest.startswith(":"))
        port_text = rest[1:] if rest else None
    else:
        host, colon, port_text_or_empty = host_header.partition(":")
        port_text = port_text_or_empty if colon else None
        valid = _is_hostname(host) or _is_ip(host, 4)
    port = default_port if port_text is None else whole_number(port_text)
    if not valid or port is None or not 0 < port < 65536:
        raise ApiError(400, "ERR_BAD_REQUEST", "The Host header is not a valid host[:port].", {"field": "Host"})
    return host, port


def _is_ip(text: str, version: int) -> bool:
    try:
        return ipaddress.ip_address(text).version == version
    except ValueError:
        return False


def _is_hostname(text: str) -> bool:
    labels = text[:-1].split(".") if text.endswith(".") else text.split(".")
    return 0 < len(text) <= 253 and all(_LABEL.match(label) for label in labels)
