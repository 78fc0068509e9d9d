"""The dev server's edge: every TCP connection passes a guard before aiohttp sees a byte.

aiohttp has no timeout for a request whose headers never finish, and closes a connection on
an error while the peer is still sending, which the peer reads as a reset instead of our
answer. ``Guard`` wraps aiohttp's protocol for one connection (and its transport, so a close
can linger) and adds:

- a cap on connections per address that have not authenticated (``Gate.admit``): one over it
  is answered ``429`` with ``Retry-After`` and closed before aiohttp sees it;
- a header timeout: a request whose head is not complete within ``header_timeout`` of the
  connection opening (or of its first byte, on a kept-alive connection) is answered ``408``
  and closed;
- a lingering close: when the server closes, it stops writing, then reads and discards what
  the peer still sends for a moment, so the peer reads our last word (a 413, a close 1009)
  instead of a reset.

Body timeouts are the REST layer's (``edge.read_json_body``): only it knows a body is due.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from typing import Any, Callable

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

from ..transport import protocol
from .edge import shown_reason
from .limits import Gate

log = logging.getLogger("cometchat.devserver")

__all__ = ["Guard", "GuardedTransport", "GuardedSite", "Guards"]

LINGER_SECONDS = 2.0  #: how long a closing connection keeps reading what the peer still sends
LINGER_BYTES = 64 * 1024 * 1024  #: ... and at most this much of it


def _raw_response(status: int, reason: str, code: str, message: str, headers: dict[str, str] | None = None) -> bytes:
    body = json.dumps(protocol.failure(code, message)).encode()
    lines = [f"HTTP/1.1 {status} {reason}", "Content-Type: application/json", f"Content-Length: {len(body)}",
             "Connection: close", "Access-Control-Allow-Origin: *"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class Guards:
    """The live guards of one server, so that stopping it ends lingering connections too."""

    def __init__(self, gate: Gate) -> None:
        self.gate = gate
        self.live: set[Guard] = set()

    def factory(self, server: web.Server) -> Callable[[], asyncio.Protocol]:
        def make() -> asyncio.Protocol:
            kwargs = getattr(server, "_kwargs", None)
            if kwargs is None:  # an aiohttp without it: its own handler, its own error pages
                return Guard(server(), self)
            handler = JsonErrorHandler(server, loop=asyncio.get_running_loop(), **kwargs)
            handler.gate = self.gate
            return Guard(handler, self)

        return make

    def abort_all(self) -> None:
        for guard in list(self.live):
            guard.abort()

    @staticmethod
    def of(request: web.BaseRequest) -> Guard | None:
        transport = request.transport
        return transport.guard if isinstance(transport, GuardedTransport) else None


class GuardedTransport:
    """The transport aiohttp writes to: the real one, except that ``close()`` lingers."""

    def __init__(self, transport: asyncio.Transport, guard: Guard) -> None:
        self._transport = transport
        self.guard = guard

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)

    def close(self) -> None:
        self.guard.linger()

    def is_closing(self) -> bool:
        return self.guard.lingering or self._transport.is_closing()


class Guard(asyncio.Protocol):
    """One connection: the cap, the header timer and the lingering close around aiohttp."""

    def __init__(self, inner: asyncio.Protocol, guards: Guards) -> None:
        self.inner = inner
        self.guards = guards
        self.transport: asyncio.Transport | None = None
        self.address = "?"
        self.counted = False  #: it counts against its address's unauthenticated cap
        self.refused = False
        self.lingering = False
        self._discarded = 0
        self._busy = False  #: a request's head has arrived and its handler runs
        self._timer: asyncio.TimerHandle | None = None
        self._linger_timer: asyncio.TimerHandle | None = None

    # ------------------------------------------------------------------ asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        peer = transport.get_extra_info("peername")
        self.address = str(peer[0]) if isinstance(peer, tuple) and peer else "?"
        gate = self.guards.gate
        self.guards.live.add(self)  # so that stopping the server ends it, lingering or not
        if not gate.admit(self.address):
            self.refused = True
            transport.write(_raw_response(429, "Too Many Requests", "ERR_TOO_MANY_CONNECTIONS",
                                          "Too many connections from your address have not authenticated.",
                                          {"Retry-After": "1"}))
            self.linger()
            return
        self.counted = True
        self._arm_header_timer()
        self.inner.connection_made(GuardedTransport(transport, self))  # type: ignore[arg-type]

    def data_received(self, data: bytes) -> None:
        if self.lingering or self.refused:
            self._discard(len(data))
            return
        if not self._busy and self._timer is None:
            self._arm_header_timer()  # the first byte of the next request on a kept-alive connection
        self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        if self.lingering or self.refused:
            self._close_now()
            return None
        return self.inner.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_timers()
        self.guards.live.discard(self)
        if self.counted:
            self.counted = False
            self.guards.gate.gone(self.address)
        if not self.refused:
            self.inner.connection_lost(exc)

    def pause_writing(self) -> None:
        if not self.refused:
            self.inner.pause_writing()

    def resume_writing(self) -> None:
        if not self.refused:
            self.inner.resume_writing()

    # ------------------------------------------------------------------ what the server tells it

    def authenticated(self) -> None:
        """The connection proved who it is: it no longer counts against its address."""
        if self.counted:
            self.counted = False
            self.guards.gate.authenticated(self.address)

    def request_started(self) -> None:
        self._busy = True
        self._cancel_header_timer()

    def request_finished(self) -> None:
        self._busy = False

    # ------------------------------------------------------------------ timers and closing

    def _arm_header_timer(self) -> None:
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(self.guards.gate.limits.header_timeout, self._headers_late)

    def _cancel_header_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _cancel_timers(self) -> None:
        self._cancel_header_timer()
        if self._linger_timer is not None:
            self._linger_timer.cancel()
            self._linger_timer = None

    def _headers_late(self) -> None:
        self._timer = None
        if self._busy or self.lingering or self.transport is None:
            return
        timeout = self.guards.gate.limits.header_timeout
        self.guards.gate.refuse(self.address, "slow headers", f"a request's headers took over {timeout:g}s")
        self.transport.write(_raw_response(408, "Request Timeout", "ERR_REQUEST_TIMEOUT",
                                           f"The request's headers did not arrive within {timeout:g} s."))
        self.linger()

    def linger(self) -> None:
        """Close: stop writing (after what is queued), read and drop what still comes, then close."""
        transport = self.transport
        if self.lingering or transport is None or transport.is_closing():
            return
        self.lingering = True
        self._cancel_header_timer()
        if not transport.can_write_eof():
            transport.close()
            return
        try:
            transport.write_eof()
        except (OSError, RuntimeError):
            transport.close()
            return
        loop = asyncio.get_running_loop()
        self._linger_timer = loop.call_later(LINGER_SECONDS, self._close_now)

    def _discard(self, size: int) -> None:
        self._discarded += size
        if self._discarded > LINGER_BYTES:
            self._close_now()

    def _close_now(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()


class JsonErrorHandler(RequestHandler):
    """aiohttp's handler, except that a request it cannot parse (a bad request line, a header
    over 8 KiB, ...) is answered with our JSON envelope and logged as one line, not a traceback,
    and a client that leaves mid-request (a reset) is an INFO line, not an internal error."""

    __slots__ = ("gate",)
    gate: Gate | None

    def handle_error(self, request: web.BaseRequest, status: int = 500, exc: BaseException | None = None,
                     message: str | None = None) -> web.StreamResponse:
        why = shown_reason(message or str(exc or ""), "malformed")
        gate: Gate | None = getattr(self, "gate", None)
        if isinstance(exc, ConnectionError):  # the client went away mid-request: nobody to answer
            log.info("a client left in the middle of a request from %s: %s", request.remote, why)
            raise exc
        if status >= 500:
            log.error("internal error serving a request from %s: %s", request.remote, why, exc_info=exc)
        elif gate is not None:
            gate.refuse(request.remote or "?", "malformed request", why)
        if request.writer.output_size > 0:
            raise ConnectionError("the answer had begun; the connection is closed instead")
        code = "ERR_INTERNAL" if status >= 500 else "ERR_BAD_REQUEST"
        response = web.json_response(protocol.failure(code, f"The request is malformed: {why}"), status=status)
        response.force_close()
        return response


class GuardedSite(web.SockSite):
    """``SockSite`` whose connections pass a ``Guard`` first."""

    def __init__(self, runner: web.BaseRunner, sock: socket.socket, guards: Guards, **kwargs: Any) -> None:
        super().__init__(runner, sock, **kwargs)
        self.guards = guards

    async def start(self) -> None:
        await web.BaseSite.start(self)
        loop = asyncio.get_running_loop()
        server = self._runner.server
        assert server is not None
        # a TLS handshake that stalls holds a descriptor as long as a request's head may take,
        # not asyncio's default 60 s (the guard's own header timer starts only once it is done)
        handshake = self.guards.gate.limits.header_timeout if self._ssl_context is not None else None
        self._server = await loop.create_server(
            self.guards.factory(server), sock=self._sock, ssl=self._ssl_context, backlog=self._backlog,
            ssl_handshake_timeout=handshake,
        )
