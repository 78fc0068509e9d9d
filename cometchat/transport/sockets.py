"""Opening the stream a WebSocket runs on, wrapped so that its upgrade reply is read at once.

websocket-client reads the HTTP upgrade reply one byte per system call (about two hundred a
handshake), and every call releases and retakes the GIL: in a process with hundreds of
clients connecting, each byte waits its turn behind every other thread. So the driver opens
the TCP connection (and TLS, for ``wss://``) itself, with websocket-client's socket options,
and hands websocket-client a ``ReadAheadSocket``: the same socket, whose ``recv`` asks the
kernel for a few kilobytes and serves small reads from what it got. websocket-client still
does the upgrade (request, reply checks) and writes every frame.

When an HTTP proxy is configured in the environment, the driver leaves the whole opening to
websocket-client, which knows how to tunnel through it.

``OpeningGate`` keeps the sockets of one process that open to one server at the same time to
a few, each until its auth reply.
"""

from __future__ import annotations

import collections
import os
import socket
import ssl
import threading
from typing import Any, Callable
from urllib.parse import urlsplit

import websocket

from . import tls

__all__ = ["ReadAheadSocket", "open_stream", "OpeningGate", "gate_for", "OPENING_LIMIT"]

#: What one read during the upgrade asks for.
_READ_AHEAD = 4096


class ReadAheadSocket:
    """A connected socket whose small reads come from one larger read; everything else is
    the socket's own."""

    def __init__(self, sock: socket.socket) -> None:
        self.raw = sock
        self._pending = b""
        self.gettimeout = sock.gettimeout  # asked before every read: no __getattr__ detour

    def recv(self, size: int) -> bytes:
        pending = self._pending
        if pending:
            self._pending = pending[size:]
            return pending[:size]
        data = self.raw.recv(max(size, _READ_AHEAD))
        if len(data) > size:
            self._pending = data[size:]
            return data[:size]
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)


def _proxied(secure: bool) -> bool:
    """Whether the environment names a proxy for this scheme (websocket-client's rule)."""
    key = "https_proxy" if secure else "http_proxy"
    return bool(os.environ.get(key) or os.environ.get(key.upper()))


def open_stream(url: str, timeout: float, context: ssl.SSLContext | None) -> ReadAheadSocket | None:
    """The connected (for ``wss://`` also TLS-wrapped, with ``context`` or the shared default)
    stream for ``url``; None when a proxy is configured and websocket-client should open it.

    Raises:
        OSError: the connection failed (refused, timed out, TLS refused the server, ...).
    """
    parts = urlsplit(url)
    secure = parts.scheme == "wss"
    if _proxied(secure):
        return None
    host = parts.hostname or ""
    sock = socket.create_connection((host, parts.port or (443 if secure else 80)), timeout=timeout)
    try:
        for option in websocket.DEFAULT_SOCKET_OPTION:
            sock.setsockopt(*option)
        if secure:
            sock = (context or tls.default_context()).wrap_socket(sock, server_hostname=host)
    except BaseException:
        sock.close()
        raise
    return ReadAheadSocket(sock)


class OpeningGate:
    """At most ``limit`` of this process's sockets opening to one server at a time.

    RFC 6455 (4.1) has a client open one WebSocket at a time to a server. In one process with
    hundreds of clients, letting every reader thread open at once had them all runnable and
    fighting for the GIL (the 500-client benchmark spent most of its time in the kernel); a
    few at a time, each through its auth reply, opens them several times faster. Waiting
    readers block on their own ticket, handed the slot in turn (first come, first served),
    and a socket aborted while it waits is woken at once by its ticket.
    """

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._lock = threading.Lock()
        self._busy = 0
        self._waiting: collections.deque[threading.Event] = collections.deque()

    def enter(self, ticket: threading.Event, abandoned: Callable[[], bool]) -> bool:
        """Take a slot, waiting for one; False (holding none) if ``abandoned()`` by then."""
        with self._lock:
            if self._busy < self._limit and not self._waiting:
                self._busy += 1
                return True
            self._waiting.append(ticket)
        ticket.wait()
        with self._lock:
            if ticket in self._waiting:  # woken by an abort, never handed a slot
                self._waiting.remove(ticket)
                return False
        if abandoned():
            self.leave()
            return False
        return True

    def leave(self) -> None:
        """Give the slot back: to the first waiter, if any."""
        with self._lock:
            if self._waiting:
                self._waiting.popleft().set()
            else:
                self._busy -= 1


#: Sockets of this process opening to one server at once (measured: 1 is slower, 16 no faster).
OPENING_LIMIT = 4
_gates: dict[tuple[str, int], OpeningGate] = {}
_gates_lock = threading.Lock()


def gate_for(url: str) -> OpeningGate:
    """The process's gate for the server of ``url`` (host and port)."""
    parts = urlsplit(url)
    key = (parts.hostname or "", parts.port or (443 if parts.scheme == "wss" else 80))
    with _gates_lock:
        gate = _gates.get(key)
        if gate is None:
            gate = _gates[key] = OpeningGate(OPENING_LIMIT)
        return gate
