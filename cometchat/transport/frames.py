"""Reading the server's WebSocket frames ourselves, many per socket read.

websocket-client opens the socket (TCP, TLS, the HTTP upgrade) and writes our frames; reading
is done here. Its reader asks the socket for each frame's header, extended length and payload
separately (three system calls a frame, each releasing and retaking the GIL) and builds an
object per frame, which measured here cost more than everything else the SDK does with a
message. ``FrameReader`` reads whatever the socket has (up to ``CHUNK`` bytes) and cuts every
whole frame out of it, so a burst costs one system call per few dozen frames, and hands the
caller all the messages one read completed, in order.

The rules are RFC 6455's for a client: no extension was negotiated, so a reserved bit is a
protocol error; control frames are final and at most 125 bytes; fragments of a message
arrive in order with control frames possibly between them. A masked frame from the server is
unmasked rather than refused, as websocket-client does. Errors are websocket-client's own
exceptions, so the driver translates them in the one place it translates every other.
"""

from __future__ import annotations

import socket
from typing import Any

from websocket import (
    WebSocketConnectionClosedException,
    WebSocketException,
    WebSocketPayloadException,
    WebSocketProtocolException,
)

__all__ = ["FrameReader", "CHUNK", "MAX_MESSAGE", "OPCODE_CONT", "OPCODE_TEXT", "OPCODE_BINARY", "OPCODE_CLOSE",
           "OPCODE_PING", "OPCODE_PONG"]

#: The most one socket read asks for: a burst of about 45 message frames, small enough that
#: the dispatch thread takes them in before they age (see ``CallbackPipe.settle``).
CHUNK = 32 * 1024
#: The largest message the SDK takes (a REST body the server accepts is far smaller); a
#: header announcing more fails the socket at once, before any of the payload is read.
MAX_MESSAGE = 8 * 1024 * 1024
OPCODE_CONT, OPCODE_TEXT, OPCODE_BINARY = 0x0, 0x1, 0x2
OPCODE_CLOSE, OPCODE_PING, OPCODE_PONG = 0x8, 0x9, 0xA
_DATA = (OPCODE_CONT, OPCODE_TEXT, OPCODE_BINARY)
_CONTROL = (OPCODE_CLOSE, OPCODE_PING, OPCODE_PONG)


def _unmask(mask: bytes, payload: bytes) -> bytes:
    if not payload:
        return payload
    key = int.from_bytes((mask * (len(payload) // 4 + 1))[: len(payload)], "big")
    return (int.from_bytes(payload, "big") ^ key).to_bytes(len(payload), "big")


class FrameReader:
    """Whole messages and control frames from one connected socket; one reader thread only."""

    def __init__(self, sock: socket.socket | Any, max_message: int = MAX_MESSAGE) -> None:
        self._recv = sock.recv
        self._max_message = max_message
        # bytes of a frame not yet whole: the chunks as read (joined once, when there are
        # enough, so a large frame costs one copy, not one per read) and how many it needs
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._needed = 0
        self._fragments: list[bytes] = []
        self._fragments_size = 0
        self._fragment_opcode = 0
        self._error: WebSocketException | None = None

    def read(self) -> list[tuple[int, bytes]]:
        """The next messages: ``(opcode, payload)`` pairs, data messages whole (fragments
        joined, with the opcode of their first frame) and control frames as they came. Blocks
        on the socket until at least one is complete. Messages that came before a protocol
        error in the same read are returned first; the error is raised by the next call.

        Raises:
            WebSocketConnectionClosedException: the peer closed the TCP connection.
            WebSocketProtocolException: the bytes break the protocol.
            WebSocketPayloadException: a message is larger than ``max_message`` (found from
                its header, before its payload is read).
            OSError: the socket failed (or was shut down under us).
        """
        if self._error is not None:
            raise self._error
        while True:
            chunk = self._recv(CHUNK)
            if not chunk:
                raise WebSocketConnectionClosedException("Connection to remote host was lost.")
            if self._pending:
                self._pending.append(chunk)
                self._pending_size += len(chunk)
                if self._pending_size < self._needed:
                    continue
                buffer = b"".join(self._pending)
            else:
                buffer = chunk
            out = self._cut(buffer)
            if out:
                return out
            if self._error is not None:
                raise self._error

    def _cut(self, buffer: bytes) -> list[tuple[int, bytes]]:
        """Every whole frame in ``buffer``; what is left waits for the next read. A protocol
        error ends the cut: it is kept for ``read`` to raise after what came before it."""
        out: list[tuple[int, bytes]] = []
        size = len(buffer)
        pos = 0
        needed = 2
        try:
            while size - pos >= 2:
                first, second = buffer[pos], buffer[pos + 1]
                length = second & 0x7F
                start = pos + 2
                if length == 126:
                    if size - start < 2:
                        needed = 4
                        break
                    length = (buffer[start] << 8) | buffer[start + 1]
                    start += 2
                elif length == 127:
                    if size - start < 8:
                        needed = 10
                        break
                    length = int.from_bytes(buffer[start:start + 8], "big")
                    start += 8
                opcode = first & 0x0F
                if first != 0x81 or length > self._max_message:  # all but a whole text frame of fair size
                    self._check_header(first, opcode, length)
                masked = second & 0x80
                end = start + (4 if masked else 0) + length
                if end > size:
                    needed = end - pos
                    break
                payload = buffer[start + 4:end] if masked else buffer[start:end]
                if masked:
                    payload = _unmask(buffer[start:start + 4], payload)
                pos = end
                if opcode in _DATA:
                    message = self._assemble(first & 0x80, opcode, payload)
                    if message is not None:
                        out.append(message)
                else:
                    out.append((opcode, payload))
        except WebSocketException as exc:
            self._error = exc
            self._pending, self._pending_size = [], 0
            return out
        rest = buffer[pos:] if pos < size else b""
        self._pending = [rest] if rest else []
        self._pending_size, self._needed = len(rest), needed
        return out

    def _check_header(self, first: int, opcode: int, length: int) -> None:
        """RFC 6455's rules a header alone decides, checked before waiting for the payload."""
        if first & 0x70:
            raise WebSocketProtocolException("a reserved bit is set without an extension")
        if opcode in _CONTROL:
            if not first & 0x80 or length > 125:
                raise WebSocketProtocolException("a control frame is fragmented or too long")
        elif opcode not in _DATA:
            raise WebSocketProtocolException(f"unknown opcode {opcode}")
        elif length >> 63:
            raise WebSocketProtocolException("a frame length has its most significant bit set")
        elif (self._fragments_size if opcode == OPCODE_CONT else 0) + length > self._max_message:
            raise WebSocketPayloadException(f"a message larger than {self._max_message} bytes")

    def _assemble(self, fin: int, opcode: int, payload: bytes) -> tuple[int, bytes] | None:
        """A whole data message, or None while its fragments are still arriving."""
        if opcode == OPCODE_CONT:
            if not self._fragments:
                raise WebSocketProtocolException("a continuation frame without a message to continue")
            self._fragments.append(payload)
            self._fragments_size += len(payload)
            if not fin:
                return None
            whole, self._fragments, self._fragments_size = b"".join(self._fragments), [], 0
            return self._fragment_opcode, whole
        if self._fragments:
            raise WebSocketProtocolException("a new message began before the previous one ended")
        if fin:
            return opcode, payload
        self._fragments, self._fragments_size, self._fragment_opcode = [payload], len(payload), opcode
        return None
