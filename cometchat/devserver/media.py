"""Uploaded files: a multipart ``POST messages`` read onto disk, and the files served back.

A file is written in chunks as it arrives (never held whole in memory) to
``<files folder>/<token>.part``. The message that carries it is checked after the whole body
has arrived (the official SDK sends ``receiver`` after the files); its files are renamed to
``<token>`` and then the message and its file rows are stored in one transaction. A failure
before that commit deletes what was written, so a refused upload leaves no message and no
file; once committed, nothing deletes them but the message's deletion. A crash part-way leaves
a ``.part`` or an unrecorded file, which the next start sweeps away. The token is 32 random
URL-safe characters, so a file's URL cannot be guessed; ``/media/`` lists nothing, a deleted
message's files are gone, and files are served sandboxed (no script runs from them).
"""

from __future__ import annotations

import asyncio
import logging
import mimetypes
import os
import re
import secrets
from typing import Any, Awaitable, TypeVar
from urllib.parse import quote

import attrs
from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError

from ..transport import protocol

from . import edge
from .backend import MEDIA_PREFIX
from .base import Endpoints
from .errors import ApiError
from .files_store import StoredFile
from .limits import Limits

__all__ = ["FilesFolder", "Upload", "read_upload", "form_allowance", "MediaApi", "MEDIA_PREFIX"]

log = logging.getLogger("cometchat.devserver")
T = TypeVar("T")

_CHUNK = 256 * 1024
_HEADERS_MAX = 64 * 1024  #: the parts' headers and boundaries of a multipart body, together
_FILE_FIELD = re.compile(r"^files(\[\d*\])?\Z")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}\Z")
_MIME = re.compile(r"^[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+\Z")
#: served as a download, never shown from our origin (it could carry script)
_ACTIVE_TYPES = ("image/svg+xml", "text/html", "application/xhtml+xml", "text/xml", "application/xml")


class FilesFolder:
    """The folder of uploaded files (private to the server's user)."""

    def __init__(self, root: str) -> None:
        os.makedirs(root, mode=0o700, exist_ok=True)
        self.root = root

    def path(self, token: str, *, partial: bool = False) -> str:
        if not _TOKEN.match(token):
            raise ValueError("not a file token")
        return os.path.join(self.root, token + (".part" if partial else ""))

    def keep(self, files: list[StoredFile]) -> None:
        for stored in files:
            os.replace(self.path(stored.token, partial=True), self.path(stored.token))

    def discard(self, files: list[StoredFile]) -> None:
        self.discard_tokens([stored.token for stored in files])

    def discard_tokens(self, tokens: list[str]) -> None:
        for token in tokens:
            for partial in (True, False):
                try:
                    os.remove(self.path(token, partial=partial))
                except FileNotFoundError:
                    pass

    def sweep(self, recorded: set[str]) -> int:
        """Delete every file no message records (what a crash mid-upload left); how many."""
        removed = 0
        for name in os.listdir(self.root):
            if name not in recorded:
                os.remove(os.path.join(self.root, name))
                removed += 1
        if removed:
            log.info("removed %d unrecorded upload(s) from %s", removed, self.root)
        return removed


@attrs.frozen
class Upload:
    """What a multipart body carried: the message as a JSON body would say it, and its files."""

    body: dict[str, Any] = attrs.field(hash=False)
    files: list[StoredFile] = attrs.field(hash=False)


def form_allowance(limits: Limits) -> int:
    """What a multipart body may carry besides its files (which are ``file_size_max`` together):
    its plain fields (``max_form_field_bytes``) and its parts' headers and boundaries."""
    return limits.max_form_field_bytes + _HEADERS_MAX


async def read_upload(request: web.Request, folder: FilesFolder, limits: Limits, base: str) -> Upload:
    """Read a multipart ``POST messages``: the files to disk (at most ``file_size_max`` bytes
    together, at most ``file_count_max`` of them), the other fields into the message body, the
    files' URLs under ``base`` (``Backend.media_base``, checked before a byte is read). A body
    declared larger than ``file_size_max`` plus ``form_allowance`` is refused before it is read.
    Each read waits at most ``body_timeout``: a slow upload is fine, a stalled one is not."""
    size_max, count_max, allowance = limits.file_size_max, limits.file_count_max, form_allowance(limits)
    if request.content_length is not None and request.content_length > size_max + allowance:
        raise ApiError(413, "ERR_FILE_SIZE_EXCEEDED", f"The upload is larger than the app's {size_max} bytes of"
                       f" files (and {allowance} bytes for the form's fields) allow.",
                       {"limit": size_max}, close=True)
    fields: dict[str, Any] = {}
    files: list[StoredFile] = []
    try:
        reader = await request.multipart()
        field_bytes = plain_parts = 0
        while (part := await _timed(reader.next(), limits)) is not None:
            if not isinstance(part, BodyPartReader):
                raise ApiError(400, "ERR_BAD_REQUEST", "Nested multipart bodies are not supported.", close=True)
            if _FILE_FIELD.match(part.name or ""):
                if len(files) >= count_max:
                    raise ApiError(400, "ERR_FILE_COUNT_EXCEEDED", f"At most {count_max} files per message.",
                                   close=True)
                files.append(await _write_file(part, folder, limits, files))
                continue
            plain_parts += 1
            if plain_parts > limits.max_form_fields:
                raise ApiError(400, "ERR_BAD_REQUEST", f"A message has at most {limits.max_form_fields} fields"
                               " besides its files.", {"limit": limits.max_form_fields}, close=True)
            value = await _read_field(part, limits)
            field_bytes += len(value)
            if field_bytes > limits.max_form_field_bytes:
                raise _fields_too_large(limits)
            _add_field(fields, part.name or "", value)
        body = _message_body(fields, files, base, limits)
    except (ValueError, HttpProcessingError) as exc:  # what aiohttp's multipart parser raises
        folder.discard(files)
        why = edge.shown_reason(str(exc), type(exc).__name__)
        raise ApiError(400, "ERR_BAD_REQUEST", f"The multipart body is malformed: {why}.", close=True) from None
    except BaseException:
        folder.discard(files)
        raise
    return Upload(body=body, files=files)


async def _timed(step: Awaitable[T], limits: Limits) -> T:
    """One read of the body, given at most ``body_timeout`` to make progress."""
    try:
        return await asyncio.wait_for(step, limits.body_timeout)
    except asyncio.TimeoutError:
        raise ApiError(408, "ERR_REQUEST_TIMEOUT", f"The upload stopped arriving for {limits.body_timeout:g} s.",
                       close=True) from None


async def _read_field(part: BodyPartReader, limits: Limits) -> bytes:
    chunks, size = [], 0
    while chunk := await _timed(part.read_chunk(_CHUNK), limits):
        size += len(chunk)
        if size > limits.max_form_field_bytes:
            raise _fields_too_large(limits)
        chunks.append(chunk)
    return b"".join(chunks)


def _fields_too_large(limits: Limits) -> ApiError:
    return ApiError(413, "ERR_PAYLOAD_TOO_LARGE", f"The message's fields are larger than"
                    f" {limits.max_form_field_bytes} bytes together.", {"limit": limits.max_form_field_bytes},
                    close=True)


async def _write_file(part: BodyPartReader, folder: FilesFolder, limits: Limits,
                      written: list[StoredFile]) -> StoredFile:
    """One file part, streamed to disk; registered in ``written`` before the first byte, so a
    failure part-way deletes it too. It and the files before it are ``file_size_max`` together."""
    name = _safe_name(part.filename)
    mime = _mime(part.headers.get("Content-Type"), name)
    token = secrets.token_urlsafe(24)
    placeholder = StoredFile(token=token, name=name, mime_type=mime, size=0)
    size, size_max = 0, limits.file_size_max
    room = size_max - sum(stored.size for stored in written)
    written.append(placeholder)
    with open(folder.path(token, partial=True), "wb") as out:
        while chunk := await _timed(part.read_chunk(_CHUNK), limits):
            size += len(chunk)
            if size > room:
                why = (f"{name} is larger than {size_max} bytes." if size > size_max
                       else f"The message's files are larger than {size_max} bytes together.")
                raise ApiError(413, "ERR_FILE_SIZE_EXCEEDED", why, {"file": name, "limit": size_max}, close=True)
            out.write(chunk)
    written.pop()
    return attrs.evolve(placeholder, size=size)


def _safe_name(filename: str | None) -> str:
    """The file's own name, without any path, control characters or excess length. Browsers
    (and so the JS SDK) send ``"``, CR and LF in a name as ``%22``, ``%0D``, ``%0A``."""
    name = (filename or "").replace("%22", '"').replace("%0D", "").replace("%0A", "")
    name = os.path.basename(name.replace("\\", "/"))
    name = "".join(c for c in name if c.isprintable() and c not in "/\0")[:200].strip()
    return name if name not in ("", ".", "..") else "file"


def _mime(declared: str | None, name: str) -> str:
    """The part's own type if it is a well-formed ``type/subtype`` (parameters dropped), else
    the one its name suggests."""
    given = (declared or "").split(";")[0].strip().lower()
    if _MIME.match(given):
        return given
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def _add_field(fields: dict[str, Any], name: str, value: bytes) -> None:
    if not edge.is_text(name):  # aiohttp decodes a name that is not UTF-8 into lone surrogates
        raise ApiError(400, "ERR_BAD_REQUEST", "A field's name is not UTF-8 text.", close=True)
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        shown = edge.printable(name)
        raise ApiError(400, "ERR_BAD_REQUEST", f"The field {shown} is not UTF-8 text." if shown else
                       "A field is not UTF-8 text.", {"field": shown} if shown else None) from None
    if name.endswith("[]"):
        fields.setdefault(name[:-2], []).append(text)
    else:
        fields[name] = text


def _message_body(fields: dict[str, Any], files: list[StoredFile], base: str, limits: Limits) -> dict[str, Any]:
    """The fields as the JSON body of the same message, the files as ``data.attachments``;
    ``data`` is parsed as strictly as a JSON body (no ``NaN``, no lone surrogate, bounded depth)."""
    body: dict[str, Any] = {k: v for k, v in fields.items() if k not in ("data", "files")}
    raw = fields.get("data")
    try:
        data = protocol.loads(raw, max_depth=limits.max_json_depth) if isinstance(raw, str) and raw else {}
    except protocol.RemoteProtocolError as exc:
        raise ApiError(400, "ERR_BAD_REQUEST", f"data must be a JSON object: {exc.message}.",
                       {"field": "data"}) from None
    if not isinstance(data, dict):
        raise ApiError(400, "ERR_BAD_REQUEST", "data must be a JSON object.", {"field": "data"})
    if files:
        data["attachments"] = [attachment(f, base) for f in files]
    body["data"] = data
    return body


def attachment(stored: StoredFile, base: str) -> dict[str, Any]:
    """The wire's attachment of a stored file."""
    extension = os.path.splitext(stored.name)[1].lstrip(".").lower()
    return {"name": stored.name, "extension": extension, "mimeType": stored.mime_type, "size": stored.size,
            "url": f"{base}/{stored.token}/{quote(stored.name)}"}


class MediaApi(Endpoints):
    """The files, served back as CometChat's media host serves them: by URL, no listing."""

    def routes(self) -> list[web.RouteDef]:
        return [web.get(MEDIA_PREFIX + "/{token}/{name}", self.serve)]

    async def serve(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        row = await self.db.run(lambda s: s.file_row(token)) if _TOKEN.match(token) else None
        if row is None or row["name"] != request.match_info["name"] or row["deleted_at"]:
            raise ApiError(404, "ERR_NOT_FOUND", "No such file.")
        mime = row["mime_type"]
        shown = mime.startswith(("image/", "video/", "audio/")) and mime not in _ACTIVE_TYPES
        return web.FileResponse(self.backend.files.path(token), headers={
            "Content-Type": mime, "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox",
            "Content-Disposition": f"{'inline' if shown else 'attachment'}; filename*=UTF-8''{quote(row['name'])}"})
