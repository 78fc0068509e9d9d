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
"""

from __future__ import annotations

import os
import socket
import ssl
from typing import Any
from urllib.parse import urlsplit

import websocket

from . import tls

__all__ = ["ReadAheadSocket", "open_stream"]

#: What one read during the upgrade asks for.
_READ_AHEAD = 4096


class ReadAheadSocket:
    """A connected socket whose small reads come from one larger read; everything else is
    the socket's own."""

    def __init__(self, sock: socket.socket) -> None:
        self.raw = sock
        self._pending = b""

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
