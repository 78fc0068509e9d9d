"""A multipart/form-data body that is read as it is sent: files come off the disk in chunks.

``MultipartBody`` has ``read(n)`` and a length known before the first byte (each file's size
is taken when the body is made), so requests sends it with a Content-Length and never holds a
whole file in memory. A file that changes size while it is sent, or an upload cancelled (by
logout or close), ends the request with ``UploadAborted``. The field order is the official
SDK's: the plain fields, the files (``files[]``), then the fields that follow them.
"""

from __future__ import annotations

import secrets
import threading
from typing import BinaryIO, Callable, Iterator

import attrs

__all__ = ["FilePart", "MultipartBody", "UploadAborted"]

_CHUNK = 256 * 1024


class UploadAborted(Exception):
    """The body could not be sent to its end: ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@attrs.frozen(kw_only=True)
class FilePart:
    """One file to send: from a ``path`` on disk, or ``data`` already in memory."""

    filename: str
    mime_type: str
    size: int
    path: str | None = None
    data: bytes | None = attrs.field(default=None, repr=False)


def _header(boundary: str, name: str, filename: str | None = None, mime_type: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"'
    if filename is not None:
        disposition += f'; filename="{_quoted(filename)}"'
    lines = [f"--{boundary}", f"Content-Disposition: {disposition}"]
    if mime_type is not None:
        lines.append(f"Content-Type: {mime_type}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _quoted(filename: str) -> str:
    """A filename fit for a quoted header value (what browsers do: quotes and newlines escaped)."""
    return filename.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


class MultipartBody:
    """The body of a multipart ``POST messages``; ``progress(sent, total)`` hears each chunk."""

    def __init__(self, before: list[tuple[str, str]], files: list[FilePart], after: list[tuple[str, str]], *,
                 progress: Callable[[int, int], None] | None = None, cancelled: threading.Event | None = None) -> None:
        self.boundary = "----cometchat-" + secrets.token_hex(16)
        self._pieces: list[bytes | FilePart] = []
        for name, value in before:
            self._pieces += [_header(self.boundary, name), value.encode(), b"\r\n"]
        for part in files:
            self._pieces += [_header(self.boundary, "files[]", part.filename, part.mime_type), part, b"\r\n"]
        for name, value in after:
            self._pieces += [_header(self.boundary, name), value.encode(), b"\r\n"]
        self._pieces.append(f"--{self.boundary}--\r\n".encode())
        self._length = sum(len(p) if isinstance(p, bytes) else p.size for p in self._pieces)
        self._chunks = self._produce()
        self._pending = b""
        self._sent = 0
        self._progress = progress
        self._cancelled = cancelled or threading.Event()

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def __len__(self) -> int:
        return self._length

    def read(self, size: int = -1) -> bytes:
        """The next bytes of the body (at most ``size``; ``b""`` at the end)."""
        if self._cancelled.is_set():
            raise UploadAborted("the upload was cancelled")
        if not self._pending:
            self._pending = next(self._chunks, b"")
        if size is None or size < 0 or size >= len(self._pending):
            out, self._pending = self._pending, b""
        else:
            out, self._pending = self._pending[:size], self._pending[size:]
        self._sent += len(out)
        if out and self._progress is not None:
            self._progress(self._sent, self._length)
        return out

    def _produce(self) -> Iterator[bytes]:
        for piece in self._pieces:
            if isinstance(piece, bytes):
                yield piece
            elif piece.data is not None:
                view = memoryview(piece.data)
                for start in range(0, len(view), _CHUNK):
                    yield bytes(view[start:start + _CHUNK])
            else:
                yield from _file_chunks(piece)


def _file_chunks(part: FilePart) -> Iterator[bytes]:
    assert part.path is not None
    sent = 0
    handle: BinaryIO
    with open(part.path, "rb") as handle:
        while chunk := handle.read(min(_CHUNK, part.size - sent + 1)):
            sent += len(chunk)
            if sent > part.size:
                raise UploadAborted(f"{part.filename} grew while it was being sent")
            yield chunk
    if sent != part.size:
        raise UploadAborted(f"{part.filename} shrank while it was being sent")
