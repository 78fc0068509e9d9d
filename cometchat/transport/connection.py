"""The connection driver: the state machine's actions on real sockets, threads and timers.

One owner thread (``cometchat-owner``) runs ``ConnectionMachine``: public calls and socket
news arrive in its inbox as inputs, timers live in a heap and are cancelled by forgetting
them, and the owner waits on the inbox with the next timer as its timeout (never a sleep).

Each socket generation has one reader thread (``cometchat-reader``) that opens the socket,
sends the auth frame, and reads frames until the socket ends, posting what it sees to the
owner tagged with its generation. After the auth reply it waits until the owner has told
the listeners ``connected()``, so no event can overtake that callback. Aborting a socket
shuts it down, which wakes its reader at once. Writes go through one lock per socket, around
whole frames; the owner never waits for that lock (a keep-alive can be skipped, the pong
deadline still catches a dead link), so a stuck write cannot stall the timers.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import queue
import random
import socket
import ssl
import struct
import threading
import time
from typing import Any, Callable, Protocol

import attrs
import websocket

from ..callbacks import Reply
from ..exceptions import CometChatException
from ..models import ConnectionStateChange, ConnectionStatus
from . import protocol, state
from .state import ConnectionMachine, MachineConfig

log = logging.getLogger("cometchat")

_STOP = object()
_CLOSE_NORMAL = 1000
_ABNF = websocket.ABNF


@attrs.frozen
class SocketTarget:
    """Where a socket goes and the auth frame it opens with (which holds the JWT)."""

    url: str
    auth_frame: str = attrs.field(repr=False)
    ssl_context: ssl.SSLContext | None = attrs.field(default=None, repr=False)


class ConnectionHost(Protocol):
    """What the driver needs from the client around it."""

    def socket_target(self) -> SocketTarget: ...
    def refresh_jwt(self, ticket: int) -> None: ...
    def status_changed(self, change: ConnectionStateChange) -> None: ...
    def connection_error(self, error: CometChatException) -> None: ...
    def settings_current(self, settings_hash: str | None) -> bool: ...
    def established(self, settings_hash: str | None) -> None: ...
    def inbound(self, frame: protocol.Frame) -> None: ...


def _retry_after(headers: Any) -> float | None:
    """``Retry-After`` in whole seconds; an HTTP date or nonsense means "use the backoff"."""
    value = (headers or {}).get("retry-after") or (headers or {}).get("Retry-After")
    return float(value) if isinstance(value, str) and value.strip().isdigit() else None


class _Socket:
    """One socket generation: the websocket, its reader, its send lock."""

    def __init__(self, gen: int) -> None:
        self.gen = gen
        self.ws: websocket.WebSocket | None = None
        self.lock = threading.Lock()
        self.go = threading.Event()  #: the owner has handled the auth reply
        self.retired = False  #: the machine no longer counts on this socket
        self.aborted = False  #: shut down (or to be shut down the moment it opens)
        self.closing = False  #: we sent a close frame
        self.awaiting_frame = False  #: a ping is out: report the next frame of any kind
        self.settings_hash: str | None = None
        self.thread: threading.Thread | None = None

    def send(self, text: str | bytes, opcode: int = _ABNF.OPCODE_TEXT, wait: float = -1) -> bool:
        """Write one whole frame; False if the socket is gone or (with ``wait``) busy."""
        ws = self.ws
        if ws is None or self.retired and opcode != _ABNF.OPCODE_CLOSE:
            return False
        if not self.lock.acquire(timeout=wait):
            return False
        try:
            ws.send(text, opcode)
            return True
        except (websocket.WebSocketException, OSError, AttributeError):
            return False
        finally:
            self.lock.release()

    def start_close(self) -> None:
        """Send a close frame without waiting for the lock; abort if it cannot go out now."""
        self.retired = True
        self.closing = True
        payload = struct.pack("!H", _CLOSE_NORMAL) + b"User logged out"
        if not self.send(payload, _ABNF.OPCODE_CLOSE, wait=0):
            self.abort()

    def abort(self) -> None:
        """Shut the socket down now; its reader wakes and ends. An attempt whose connect is
        still under way closes the moment it returns, before it can authenticate."""
        self.retired = True
        self.aborted = True
        self.go.set()
        ws = self.ws
        raw = ws.sock if ws is not None else None
        if raw is not None:
            try:
                raw.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class Connection:
    """The WebSocket of one client: commands in, callbacks out through ``host``."""

    def __init__(
        self,
        config: MachineConfig,
        host: ConnectionHost,
        *,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self._host = host
        self._clock = clock
        self._machine = ConnectionMachine(config, clock=clock, rng=rng or random.Random())
        self._inbox: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._timers: list[tuple[float, int, str]] = []
        self._armed: dict[str, int] = {}
        self._seq = itertools.count()
        self._requests = itertools.count(1)
        self._replies: dict[int, Reply[Any]] = {}
        self._sockets: dict[int, _Socket] = {}
        self._lock = threading.Lock()
        self._owner: threading.Thread | None = None
        self._stopped = False
        self._debug = log.isEnabledFor(logging.DEBUG)
        self.max_live_sockets = 0  #: most socket generations the machine counted on at once

    # ------------------------------------------------------------------ commands (any thread)

    @property
    def status(self) -> ConnectionStatus:
        return self._machine.status

    @property
    def background_active(self) -> bool:
        return self._machine.background

    def connect(self, reply: Reply[Any]) -> None:
        self._submit(state.Connect, reply)

    def disconnect(self, reply: Reply[Any]) -> None:
        self._submit(state.Disconnect, reply)

    def ping(self, reply: Reply[Any]) -> None:
        self._submit(state.Ping, reply)

    def sign_in(self) -> None:
        self._post(state.SignIn())

    def sign_out(self) -> None:
        self._post(state.SignOut())

    def app_state(self, name: str) -> None:
        self._post(state.AppState(name))

    def mode_changed(self, mode: str) -> None:
        self._post(state.ModeChanged(mode))

    def jwt_refreshed(self, ticket: int, error: CometChatException | None) -> None:
        self._post(state.JwtRefreshed(ticket, error))

    def _established_socket(self) -> _Socket | None:
        gen = self._machine.gen
        sock = self._sockets.get(gen) if gen is not None else None
        if sock is None or not sock.go.is_set() or sock.retired:
            return None
        return sock

    def is_established(self) -> bool:
        """Whether a socket is up and authenticated right now."""
        return self._established_socket() is not None

    def send(self, text: str) -> bool:
        """Send a frame on the established socket; False when there is none."""
        sock = self._established_socket()
        return sock is not None and sock.send(text, wait=self.config.close_timeout)

    def close(self) -> None:
        """Stop for good: answer what waits, close the socket, end every thread."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
            owner = self._owner
        if owner is not None:
            self._inbox.put(state.Shutdown())
            self._inbox.put(_STOP)
            owner.join(timeout=10)
        for sock in list(self._sockets.values()):
            if sock.thread is not None:
                sock.thread.join(timeout=self.config.close_timeout)
            sock.abort()
            if sock.thread is not None:
                sock.thread.join(timeout=5)

    def _submit(self, kind: Callable[[int], Any], reply: Reply[Any]) -> None:
        request = next(self._requests)
        with self._lock:
            self._replies[request] = reply
        self._post(kind(request))

    def _post(self, event: Any) -> None:
        with self._lock:
            if self._stopped:
                self._answer_closed(event)
                return
            if self._owner is None:
                self._owner = threading.Thread(target=self._run, name="cometchat-owner", daemon=True)
                self._owner.start()
        self._inbox.put(event)

    def _answer_closed(self, event: Any) -> None:
        request = getattr(event, "request", None)
        reply = self._replies.pop(request, None) if request is not None else None
        if reply is not None:
            reply.fail(CometChatException("ERROR_CLIENT_CLOSED", "This client has been closed."))

    # ------------------------------------------------------------------ the owner thread

    def _run(self) -> None:
        while True:
            try:
                event = self._inbox.get(timeout=self._next_timer_delay())
            except queue.Empty:
                event = None
            if event is _STOP:
                return
            if event is not None:
                self._feed(event)
            self._fire_due_timers()

    def _next_timer_delay(self) -> float | None:
        while self._timers and self._armed.get(self._timers[0][2]) != self._timers[0][1]:
            heapq.heappop(self._timers)  # cancelled
        if not self._timers:
            return None
        return max(0.0, self._timers[0][0] - self._clock())

    def _fire_due_timers(self) -> None:
        now = self._clock()
        while self._timers and self._timers[0][0] <= now:
            _, seq, name = heapq.heappop(self._timers)
            if self._armed.get(name) != seq:
                continue
            del self._armed[name]
            if name.startswith("release:"):
                sock = self._sockets.get(int(name.split(":")[1]))
                if sock is not None:
                    sock.abort()
            else:
                self._feed(state.TimerFired(name))

    def _arm(self, name: str, delay: float) -> None:
        seq = next(self._seq)
        self._armed[name] = seq
        heapq.heappush(self._timers, (self._clock() + delay, seq, name))

    def _feed(self, event: Any) -> None:
        try:
            actions = self._machine.handle(event)
        except Exception:
            log.exception("unexpected internal error in the connection state machine (input %s)", event.kind)
            return
        if self._debug:
            log.debug("%s -> %s: %s", event.kind, self._machine.state.value, [type(a).__name__ for a in actions])
        release_reader: _Socket | None = None
        for action in actions:
            try:
                sock = self._perform(action)
                if sock is not None:
                    release_reader = sock
            except Exception:
                log.exception("unexpected internal error performing %s", type(action).__name__)
        if release_reader is not None:
            release_reader.go.set()  # only now may its events follow connected()

    def _perform(self, action: Any) -> _Socket | None:
        """Do one action; returns the socket whose reader may go on, for ``Established``."""
        if isinstance(action, state.Emit):
            self._host.status_changed(action.change)
        elif isinstance(action, state.Answer):
            self._answer(action)
        elif isinstance(action, state.StartTimer):
            self._arm(action.name, action.delay)
        elif isinstance(action, state.CancelTimer):
            self._armed.pop(action.name, None)
        elif isinstance(action, state.Open):
            self._open(action.gen)
        elif isinstance(action, state.SendPing):
            self._ping(action.gen)
        elif isinstance(action, state.Established):
            sock = self._sockets.get(action.gen)
            self._host.established(sock.settings_hash if sock else None)
            return sock
        elif isinstance(action, state.ReportError):
            self._host.connection_error(action.error)
        elif isinstance(action, state.RefreshJwt):
            self._host.refresh_jwt(action.ticket)
        else:
            self._retire(action)
        return None

    def _retire(self, action: state.Abort | state.Close | state.Release) -> None:
        sock = self._sockets.get(action.gen)
        if sock is None:
            return
        if isinstance(action, state.Abort):
            sock.abort()
        else:
            sock.start_close()
            if isinstance(action, state.Release):
                self._arm(f"release:{action.gen}", self.config.close_timeout)

    def _answer(self, action: state.Answer) -> None:
        for request in action.requests:
            with self._lock:
                reply = self._replies.pop(request, None)
            if reply is None:
                continue
            if action.error is None:
                reply.succeed(None)
            else:
                reply.fail(action.error)

    def _ping(self, gen: int) -> None:
        sock = self._sockets.get(gen)
        if sock is None:
            return
        sock.awaiting_frame = True
        if not sock.send(protocol.PING_TEXT, wait=0):
            log.debug("keep-alive skipped: the socket is busy writing")

    def _open(self, gen: int) -> None:
        sock = _Socket(gen)
        with self._lock:
            self._sockets[gen] = sock
            live = sum(not s.retired for s in self._sockets.values())
            self.max_live_sockets = max(self.max_live_sockets, live)
        sock.thread = threading.Thread(target=self._read, args=(sock,), name="cometchat-reader", daemon=True)
        sock.thread.start()

    # ------------------------------------------------------------------ reader threads

    def _read(self, sock: _Socket) -> None:
        try:
            outcome = self._handshake(sock)
            if outcome is None:
                outcome = self._read_frames(sock)
            self._inbox.put(outcome)
        except Exception as exc:  # a bug of ours must not leave the machine waiting
            log.exception("unexpected internal error in the socket reader")
            self._inbox.put(state.Closed(sock.gen, None, "", state.connection_failed(type(exc).__name__)))
        finally:
            sock.retired = True
            ws = sock.ws
            if ws is not None:
                ws.shutdown()
            with self._lock:
                self._sockets.pop(sock.gen, None)

    def _handshake(self, sock: _Socket) -> Any:
        """Open the socket and send the auth frame; None on success, else the failure input."""
        try:
            target = self._host.socket_target()
        except CometChatException as exc:
            return state.Failed(sock.gen, exc)
        # the TLS options belong to the constructor: connect() would silently ignore them
        sslopt = {"context": target.ssl_context} if target.ssl_context is not None else None
        ws = websocket.WebSocket(sslopt=sslopt, skip_utf8_validation=True, enable_multithread=False)
        sock.ws = ws
        if sock.aborted:  # aborted before this thread got going: open nothing
            return state.Closed(sock.gen, None, "", state.aborted())
        try:
            ws.connect(target.url, timeout=self.config.connect_timeout, suppress_origin=True)
        except websocket.WebSocketBadStatusException as exc:
            retry = _retry_after(exc.resp_headers)
            throttled = exc.status_code in (429, 503)
            error = state.connection_failed(
                f"the server answered the upgrade with HTTP {exc.status_code}",
                status=exc.status_code,
                retryAfter=retry,
            )
            return state.Failed(sock.gen, error, throttled=throttled, retry_after=retry)
        except (websocket.WebSocketException, OSError) as exc:
            return state.Failed(sock.gen, state.connection_failed(f"{type(exc).__name__}: {exc}"))
        if sock.aborted:  # aborted while connecting: close before authenticating
            return state.Closed(sock.gen, None, "", state.aborted())
        ws.settimeout(None)  # from here on the machine's timers decide
        if not sock.send(target.auth_frame):
            return state.Closed(sock.gen, None, "", state.connection_failed("could not send the auth frame"))
        return None

    def _read_frames(self, sock: _Socket) -> Any:
        """Read until the socket ends; returns the ``Closed`` input describing how."""
        ws = sock.ws
        assert ws is not None
        accepted = False
        gen = sock.gen
        while True:
            try:
                opcode, data = self._next_message(sock, ws)
            except (websocket.WebSocketException, OSError, AttributeError) as exc:
                return state.Closed(gen, None, "", state.connection_failed(f"{type(exc).__name__}: {exc}"))
            if opcode == _ABNF.OPCODE_CLOSE:
                code = struct.unpack("!H", data[:2])[0] if len(data) >= 2 else None
                if not sock.closing:
                    sock.send(data[:2] or struct.pack("!H", _CLOSE_NORMAL), _ABNF.OPCODE_CLOSE, wait=0)
                return state.Closed(gen, code, data[2:].decode("utf-8", "replace"))
            if sock.awaiting_frame:
                sock.awaiting_frame = False
                self._inbox.put(state.FrameArrived(gen))
            if opcode != _ABNF.OPCODE_TEXT:
                continue
            try:
                frame = protocol.decode(data)
            except protocol.ProtocolError as exc:
                log.warning("skipping a malformed frame: %s", exc)
                continue
            if not accepted:
                accepted = self._on_auth_reply(sock, frame)
                if sock.aborted:  # disconnected while the owner took in the reply
                    return state.Closed(gen, None, "", state.aborted())
            elif isinstance(frame, protocol.ErrorFrame):
                log.warning("the server refused a frame: %s %s", frame.code, frame.message)
            elif not isinstance(frame, (protocol.Pong, protocol.AuthReply)):
                try:
                    self._host.inbound(frame)
                except Exception:
                    log.exception("unexpected internal error handling a %s frame", type(frame).__name__)

    def _on_auth_reply(self, sock: _Socket, frame: protocol.Frame) -> bool:
        """Pass the auth reply to the owner; True once accepted and released."""
        if not isinstance(frame, protocol.AuthReply):
            return False  # nothing counts before the auth reply
        if not frame.ok:
            error = CometChatException(
                frame.error_code or "WS_AUTH_FAIL", frame.message or "The server refused the socket's credentials."
            )
            self._inbox.put(state.AuthRefused(sock.gen, error))
            return False
        sock.settings_hash = frame.settings_hash
        self._inbox.put(state.AuthAccepted(sock.gen, self._host.settings_current(frame.settings_hash)))
        sock.go.wait()
        return True

    def _next_message(self, sock: _Socket, ws: websocket.WebSocket) -> tuple[int, bytes]:
        """The next whole data message or close frame; answers WebSocket pings on the way."""
        while True:
            frame = ws.recv_frame()
            opcode = frame.opcode
            if opcode in (_ABNF.OPCODE_TEXT, _ABNF.OPCODE_BINARY, _ABNF.OPCODE_CONT):
                ws.cont_frame.validate(frame)
                ws.cont_frame.add(frame)
                if ws.cont_frame.is_fire(frame):
                    opcode, whole = ws.cont_frame.extract(frame)
                    return opcode, whole.data
            elif opcode == _ABNF.OPCODE_CLOSE:
                return opcode, frame.data
            elif opcode == _ABNF.OPCODE_PING:
                sock.send(frame.data, _ABNF.OPCODE_PONG, wait=self.config.close_timeout)
