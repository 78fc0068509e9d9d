"""The connection driver: the state machine's actions on real sockets, threads and timers.

One owner thread (``cometchat-owner``) runs ``ConnectionMachine``: public calls and socket
news arrive in its inbox as inputs, timers live in a heap and are cancelled by forgetting
them, and the owner waits on the inbox with the next timer as its timeout (never a sleep).

Each socket generation has one reader thread (``cometchat-reader``) that opens the socket
(``sockets.open_stream``; websocket-client does the upgrade), sends the auth frame, and reads
frames until the socket ends, posting what it sees to the owner tagged with its generation;
the frames one socket read completed (``frames.FrameReader``) are handed over together. After
the auth reply it waits until the owner has told the listeners ``connected()``, so no event
can overtake that callback. Aborting a socket shuts it down, which wakes its reader at once.
Writes go through one lock per socket, around whole frames; the owner never waits for that
lock (a keep-alive can be skipped, the pong deadline still catches a dead link), so a stuck
write cannot stall the timers.

The driver knows sockets, not users or callbacks: calls are numbered requests, answered
through the ``ConnectionHost`` that the client's realtime part implements. Every error that
websocket-client or the OS raises becomes a ``CometChatException`` in one place,
``_translate_errors``.
"""

from __future__ import annotations

import contextlib
import enum
import functools
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
from typing import Any, Callable, Iterator, Protocol

import attrs
import websocket

from .. import exceptions as errors
from ..exceptions import CometChatException
from ..models import ConnectionStateChange, ConnectionStatus
from ..numbers import retry_after
from . import frames, inputs, protocol, sockets, tls
from .state import ConnectionMachine, MachineConfig

log = logging.getLogger("cometchat")

_STOP = object()
#: How long a reader whose socket ended waits for the next one (covers the immediate retry
#: after a drop and the first backoff steps, 0.5-4 s).
READER_LINGER = 5.0
_CLOSE_NORMAL = 1000
_CLOSE_PROTOCOL = 1002
_ABNF = websocket.ABNF


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _sendable_close_code(code: int) -> bool:
    """Whether an endpoint may put ``code`` in a close frame (RFC 6455 7.4): the defined codes
    but 1004-1006 and 1015 (reserved, or meaning no frame at all), and 3000-4999."""
    return code in (1000, 1001, 1002, 1003) or 1007 <= code <= 1014 or 3000 <= code <= 4999


@attrs.frozen
class SocketTarget:
    """Where a socket goes and the auth frame it opens with (which holds the JWT)."""

    url: str
    auth_frame: str = attrs.field(repr=False)
    ssl_context: ssl.SSLContext | None = attrs.field(default=None, repr=False)


@attrs.frozen
class ConnectionStatistics:
    """A snapshot of one connection, for ``client.statistics()``."""

    state: str
    status: ConnectionStatus
    generation: int | None
    live_sockets: int
    max_live_sockets: int
    threads: tuple[str, ...]
    #: the machine's counters (see ``state.Counters``)
    connect_attempts: int = 0
    connections: int = 0
    drops: int = 0
    retries: int = 0
    #: inbound text frames that were not a valid frame (logged and skipped)
    frames_skipped: int = 0


class ConnectionHost(Protocol):
    """What the driver needs from the client around it."""

    def socket_target(self) -> SocketTarget:
        """Where the next socket goes; a CometChatException fails the attempt (not retried
        when it is ``ERROR_INVALID_SERVER_SETTINGS``)."""
        ...

    def refresh_jwt(self, ticket: int) -> None: ...
    def status_changed(self, change: ConnectionStateChange) -> None: ...
    def connection_error(self, error: CometChatException) -> None: ...
    def answered(self, request: int, error: CometChatException | None) -> None: ...
    def settings_current(self, settings_hash: str | None) -> bool: ...
    def established(self, settings_hash: str | None) -> None: ...
    def arriving(self) -> None: ...
    def inbound(self, frames: list[protocol.Inbound]) -> None: ...


class SocketFailure(Exception):
    """A socket operation failed; ``news`` is what to tell the machine (sans the generation)."""

    def __init__(self, error: CometChatException, *, throttled: bool = False,
                 retry_after: float | None = None, fatal: bool = False) -> None:
        super().__init__(error.errorDescription)
        self.error = error
        self.throttled = throttled
        self.retry_after = retry_after
        self.fatal = fatal

    def failed(self, gen: int) -> inputs.Failed:
        return inputs.Failed(gen, self.error, self.throttled, self.retry_after, self.fatal)

    def closed(self, gen: int) -> inputs.Closed:
        return inputs.Closed(gen, None, "", self.error)


def _retry_after(headers: Any) -> float | None:
    """``Retry-After`` in whole seconds; an HTTP date or nonsense means "use the backoff"."""
    return retry_after((headers or {}).get("retry-after") or (headers or {}).get("Retry-After"))


@contextlib.contextmanager
def _translate_errors(racing: bool = False) -> Iterator[None]:
    """The one place where websocket-client's and the OS's errors become ours.

    ``racing``: a write through websocket-client, on a WebSocket whose ``sock`` its reader may
    clear meanwhile (shutting it down as this thread writes); websocket-client checks ``sock``
    and uses it in separate steps, so in some versions that race is an AttributeError, which is
    then a failed socket too. Anywhere else (our own reader, the opening) an AttributeError is
    a bug, and goes on up to be logged with its traceback."""
    try:
        yield
    except websocket.WebSocketBadStatusException as exc:
        retry = _retry_after(exc.resp_headers)
        error = errors.connection_failed(
            f"the server answered the upgrade with HTTP {exc.status_code}", status=exc.status_code, retryAfter=retry
        )
        raise SocketFailure(error, throttled=exc.status_code in (429, 503), retry_after=retry) from None
    except (websocket.WebSocketException, OSError) as exc:
        complaint = tls.untrusted_certificate(exc)
        if complaint is not None:
            raise SocketFailure(errors.certificate_not_trusted(complaint), fatal=True) from None
        raise SocketFailure(errors.connection_failed(f"{type(exc).__name__}: {exc}")) from None
    except AttributeError as exc:
        if not racing:
            raise
        raise SocketFailure(errors.connection_failed(f"{type(exc).__name__}: {exc}")) from None


class Phase(enum.Enum):
    """Where one socket is in its life; it only ever moves down this list."""

    #: its reader opens it, authenticates, and waits for the owner's word
    OPENING = 1
    #: the owner has told the listeners connected(); events flow
    LIVE = 2
    #: we sent a close frame; nothing else is written
    CLOSING = 3
    #: shut down at once
    ABORTED = 4
    #: its reader has finished
    ENDED = 5


class _Socket:
    """One socket generation: the websocket, its reader, its send lock, its phase."""

    def __init__(self, gen: int) -> None:
        self.gen = gen
        self.ws: websocket.WebSocket | None = None
        self.thread: threading.Thread | None = None
        self.settings_hash: str | None = None
        self.pinged = False  #: a ping is out: report the next frame of any kind
        self.phase = Phase.OPENING
        self.released = threading.Event()  #: the reader may go on (LIVE, or stopping)
        self.ticket = threading.Event()  #: wakes the reader waiting at the opening gate
        self.gate: sockets.OpeningGate | None = None  #: the gate whose slot the reader holds
        self.skipped = 0  #: malformed frames skipped (written by the reader alone)
        self._phase_lock = threading.Lock()
        self._send_lock = threading.Lock()

    def _advance(self, phase: Phase) -> bool:
        """Move to ``phase`` unless the socket is already at or past it."""
        with self._phase_lock:
            if self.phase.value >= phase.value:
                return False
            self.phase = phase
            return True

    @property
    def retired(self) -> bool:
        return self.phase.value >= Phase.CLOSING.value

    def release(self) -> None:
        self._advance(Phase.LIVE)
        self.released.set()

    def end(self) -> None:
        self._advance(Phase.ENDED)
        self.released.set()

    def send(self, text: str | bytes, opcode: int = _ABNF.OPCODE_TEXT, wait: float = -1) -> bool:
        """Write one whole frame; False if the socket is gone or (with ``wait``) busy."""
        ws = self.ws
        if ws is None or self.retired and opcode != _ABNF.OPCODE_CLOSE:
            return False
        if not self._send_lock.acquire(timeout=wait):
            return False
        try:
            with _translate_errors(racing=True):
                ws.send(text, opcode)
            return True
        except SocketFailure:
            return False
        finally:
            self._send_lock.release()

    def leave_gate(self) -> None:
        """Give back the opening slot, once (the reader thread only)."""
        gate, self.gate = self.gate, None
        if gate is not None:
            gate.leave()

    def start_close(self) -> None:
        """Send a close frame without waiting for the lock; abort if it cannot go out now."""
        if not self._advance(Phase.CLOSING):
            return
        payload = struct.pack("!H", _CLOSE_NORMAL) + b"User logged out"
        if not self.send(payload, _ABNF.OPCODE_CLOSE, wait=0):
            self.abort()

    def abort(self) -> None:
        """Shut the socket down now; its reader wakes and ends. An attempt whose connect is
        still under way closes the moment it returns, before it can authenticate."""
        self._advance(Phase.ABORTED)
        self.released.set()
        self.ticket.set()
        ws = self.ws
        raw = ws.sock if ws is not None else None
        if raw is not None:
            try:
                raw.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Readers:
    """The reader threads of one connection. A new socket generation gets a reader that waits
    parked, if one does, else a new thread; a reader whose socket ended parks before it reports
    how the socket ended, and waits ``linger`` seconds for the next socket before it ends (a
    reconnect, or a connect after a disconnect, then starts no thread). Sign-out and close end
    the parked readers at once."""

    def __init__(self, serve: Callable[[_Socket], Any], report: Callable[[Any], None], linger: float) -> None:
        self._serve = serve
        self._report = report
        self._linger = linger
        self._lock = threading.Lock()
        self._parked: list[tuple[threading.Thread, queue.SimpleQueue[_Socket | None]]] = []
        self._closed = False
        # signed out: readers whose sockets end from now on end too, until the next socket
        self._signed_out = False

    def run(self, sock: _Socket) -> None:
        """Read ``sock`` on a parked reader or a new one (the owner thread)."""
        with self._lock:
            self._signed_out = False
            parked = self._parked.pop() if self._parked else None
        if parked is not None:
            sock.thread = parked[0]
            parked[1].put(sock)
            return
        sock.thread = threading.Thread(target=self._loop, args=(sock,), name="cometchat-reader", daemon=True)
        sock.thread.start()

    def parked(self) -> list[threading.Thread]:
        with self._lock:
            return [thread for thread, _ in self._parked]

    def release(self) -> list[threading.Thread]:
        """End the parked readers now; returns their threads."""
        with self._lock:
            parked, self._parked = self._parked, []
        for _, slot in parked:
            slot.put(None)
        return [thread for thread, _ in parked]

    def sign_out(self) -> list[threading.Thread]:
        """End the parked readers now, and the readers of the sockets sign-out retired when
        they end; the next socket's reader parks again (the owner thread)."""
        with self._lock:
            self._signed_out = True
        return self.release()

    def stop(self) -> list[threading.Thread]:
        """No reader parks from now on; the parked ones end. Returns their threads."""
        with self._lock:
            self._closed = True
        return self.release()

    def _loop(self, sock: _Socket | None) -> None:
        while sock is not None:
            outcome = self._serve(sock)
            me: tuple[threading.Thread, queue.SimpleQueue[_Socket | None]] = (threading.current_thread(),
                                                                               queue.SimpleQueue())
            with self._lock:
                parks = not self._closed and not self._signed_out
                if parks:
                    self._parked.append(me)
            self._report(outcome)  # parked first: the next socket finds this thread waiting
            sock = self._next(me) if parks else None

    def _next(self, me: tuple[threading.Thread, queue.SimpleQueue[_Socket | None]]) -> _Socket | None:
        try:
            return me[1].get(timeout=self._linger)
        except queue.Empty:
            with self._lock:
                if me in self._parked:
                    self._parked.remove(me)
                    return None
            return me[1].get()  # handed a socket just as the wait ran out


@attrs.frozen
class _ReleaseDeadline:
    """The timer that aborts a released socket whose close handshake did not finish."""

    gen: int


class Connection:
    """The WebSocket of one client: numbered requests in, news out through ``host``."""

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
        self._timers: list[tuple[float, int, object, Callable[[], None]]] = []
        self._armed: dict[object, int] = {}  #: timer key -> the sequence number of its live entry
        self._seq = itertools.count()
        self._sockets: dict[int, _Socket] = {}
        self._lock = threading.Lock()
        self._owner: threading.Thread | None = None
        self._stopped = False
        self._app_states_pending = 0
        self._background = False
        self._max_live_sockets = 0
        self._skipped = 0  #: malformed frames of the sockets that ended (under ``_lock``)
        self._readers = _Readers(self._read, self._inbox.put, READER_LINGER)

    # ------------------------------------------------------------------ commands (any thread)

    @property
    def status(self) -> ConnectionStatus:
        return self._machine.status

    @property
    def background_active(self) -> bool:
        """Whether a background window runs: true the moment the app says it went to the
        background, false the moment it says it is back (or once the window lapsed)."""
        return self._background

    def connect(self, request: int) -> None:
        self._post(inputs.Connect(request))

    def disconnect(self, request: int) -> None:
        self._post(inputs.Disconnect(request))

    def ping(self, request: int) -> None:
        self._post(inputs.Ping(request))

    def sign_in(self) -> None:
        self._post(inputs.SignIn())

    def sign_out(self) -> None:
        self._post(inputs.SignOut())

    def app_state(self, name: str) -> None:
        with self._lock:
            self._app_states_pending += 1
            if name in ("didEnterBackground", "didBecomeActive"):
                self._background = name == "didEnterBackground"
        self._post(inputs.AppState(name))

    def mode_changed(self, mode: str) -> None:
        self._post(inputs.ModeChanged(mode))

    def jwt_refreshed(self, ticket: int, error: CometChatException | None) -> None:
        self._post(inputs.JwtRefreshed(ticket, error))

    def _established_socket(self) -> _Socket | None:
        gen = self._machine.gen
        sock = self._sockets.get(gen) if gen is not None else None
        return sock if sock is not None and sock.phase is Phase.LIVE else None

    def is_established(self) -> bool:
        """Whether a socket is up and authenticated right now."""
        return self._established_socket() is not None

    def send(self, text: str) -> bool:
        """Send a frame on the established socket; False when there is none."""
        sock = self._established_socket()
        return sock is not None and sock.send(text, wait=self.config.close_timeout)

    def statistics(self) -> ConnectionStatistics:
        with self._lock:
            sockets = list(self._sockets.values())
            owner = self._owner
            skipped = self._skipped + sum(s.skipped for s in sockets)  # a socket is counted once
        candidates = [owner, *(s.thread for s in sockets), *self._readers.parked()]
        threads = [t for t in dict.fromkeys(candidates) if t is not None and t.is_alive()]
        counters = self._machine.counters
        return ConnectionStatistics(
            state=self._machine.state.value,
            status=self._machine.status,
            generation=self._machine.gen,
            live_sockets=sum(not s.retired for s in sockets),
            max_live_sockets=self._max_live_sockets,
            threads=tuple(t.name for t in threads),
            connect_attempts=counters.attempts,
            connections=counters.established,
            drops=counters.drops,
            retries=counters.retries,
            frames_skipped=skipped,
        )

    def close(self) -> None:
        """Stop for good: answer what waits, close the socket, end every thread."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
            owner = self._owner
        parked = self._readers.stop()
        if owner is not None:
            self._inbox.put(inputs.Shutdown())
            self._inbox.put(_STOP)
            owner.join(timeout=10)
        for sock in list(self._sockets.values()):
            if sock.thread is not None:
                sock.thread.join(timeout=self.config.close_timeout)
            sock.abort()
            if sock.thread is not None:
                sock.thread.join(timeout=5)
        for thread in parked:
            thread.join(timeout=5)

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
        if request is not None:
            self._host.answered(request, errors.client_closed())

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
            _, seq, key, fire = heapq.heappop(self._timers)
            if self._armed.get(key) == seq:
                del self._armed[key]
                fire()

    def _arm(self, key: object, delay: float, fire: Callable[[], None]) -> None:
        seq = next(self._seq)
        self._armed[key] = seq
        heapq.heappush(self._timers, (self._clock() + delay, seq, key, fire))

    def _feed(self, event: Any) -> None:
        try:
            actions = self._machine.handle(event)
        except Exception:
            log.exception("unexpected internal error in the connection state machine (input %s)", type(event).__name__)
            return
        if log.isEnabledFor(logging.DEBUG):  # asked per input (a cached lookup), so DEBUG turned on later counts
            log.debug("%s -> %s: %s", type(event).__name__, self._machine.state.value,
                      [type(a).__name__ for a in actions])
        released: _Socket | None = None
        for action in actions:
            try:
                released = self._perform(action) or released
            except Exception:
                log.exception("unexpected internal error performing %s", type(action).__name__)
        self._sync_background(event)
        if isinstance(event, inputs.SignOut):
            # here, after the sign-out retired every socket opened before it (a socket opened
            # by an earlier connect would otherwise clear the flag and its reader park)
            self._readers.sign_out()
        if released is not None:
            released.release()  # only now may its events follow connected()

    def _timer_due(self, timer: type[inputs.TimerInput]) -> None:
        self._feed(timer())

    def _sync_background(self, event: Any) -> None:
        """Follow the machine's window, unless a newer word from the app is still on its way."""
        with self._lock:
            if isinstance(event, inputs.AppState):
                self._app_states_pending -= 1
            if self._app_states_pending == 0:
                self._background = self._machine.background

    def _perform(self, action: inputs.Action) -> _Socket | None:
        """Do one action; returns the socket whose reader may go on, for ``Established``."""
        if isinstance(action, inputs.Emit):
            self._host.status_changed(action.change)
        elif isinstance(action, inputs.Answer):
            for request in action.requests:
                self._host.answered(request, action.error)
        elif isinstance(action, inputs.StartTimer):
            self._arm(action.timer, action.delay, functools.partial(self._timer_due, action.timer))
        elif isinstance(action, inputs.CancelTimer):
            self._armed.pop(action.timer, None)
        elif isinstance(action, inputs.Open):
            self._open(action.gen)
        elif isinstance(action, inputs.SendPing):
            self._ping(action.gen)
        elif isinstance(action, inputs.Established):
            sock = self._sockets.get(action.gen)
            self._host.established(sock.settings_hash if sock else None)
            return sock
        elif isinstance(action, inputs.ReportError):
            self._host.connection_error(action.error)
        elif isinstance(action, inputs.RefreshJwt):
            self._host.refresh_jwt(action.ticket)
        else:
            self._retire(action)
        return None

    def _retire(self, action: inputs.Abort | inputs.Close | inputs.Release) -> None:
        sock = self._sockets.get(action.gen)
        if sock is None:
            return
        if isinstance(action, inputs.Abort):
            sock.abort()
            return
        sock.start_close()
        if isinstance(action, inputs.Release):
            self._arm(_ReleaseDeadline(action.gen), self.config.close_timeout, sock.abort)

    def _ping(self, gen: int) -> None:
        sock = self._sockets.get(gen)
        if sock is None:
            return
        sock.pinged = True
        if not sock.send(protocol.PING_TEXT, wait=0):
            log.debug("keep-alive skipped: the socket is busy writing")

    def _open(self, gen: int) -> None:
        sock = _Socket(gen)
        with self._lock:
            self._sockets[gen] = sock
            live = sum(not s.retired for s in self._sockets.values())
            self._max_live_sockets = max(self._max_live_sockets, live)
        self._readers.run(sock)

    # ------------------------------------------------------------------ reader threads

    def _read(self, sock: _Socket) -> Any:
        """Open and read one socket; returns the input saying how it ended (for the owner)."""
        try:
            outcome = self._handshake(sock)
            if outcome is None:
                outcome = self._read_frames(sock)
            return outcome
        except Exception as exc:  # a bug of ours must not leave the machine waiting
            log.exception("unexpected internal error in the socket reader")
            return inputs.Closed(sock.gen, None, "", errors.connection_failed(type(exc).__name__))
        finally:
            sock.leave_gate()
            sock.end()
            ws = sock.ws
            if ws is not None:
                # the outcome is decided: a failure to close (some websocket-client versions
                # let the OS's error through) changes nothing and must not lose it
                with contextlib.suppress(SocketFailure), _translate_errors():
                    ws.shutdown()
            with self._lock:
                self._sockets.pop(sock.gen, None)
                self._skipped += sock.skipped

    def _handshake(self, sock: _Socket) -> Any:
        """Open the socket and send the auth frame; None on success, else the failure input."""
        try:
            target = self._host.socket_target()
        except CometChatException as exc:
            # settings the server sent that name no usable socket stay so however long we wait
            return inputs.Failed(sock.gen, exc, fatal=exc.errorCode == errors.ERROR_INVALID_SERVER_SETTINGS)
        gate = sockets.gate_for(target.url)  # a few at a time to one server, until the auth reply
        if not gate.enter(sock.ticket, lambda: sock.phase is not Phase.OPENING):
            return inputs.Closed(sock.gen, None, "", errors.aborted())
        sock.gate = gate
        # the TLS options belong to the constructor: connect() would silently ignore them
        sslopt = {"context": target.ssl_context} if target.ssl_context is not None else None
        ws = websocket.WebSocket(sslopt=sslopt, skip_utf8_validation=True, enable_multithread=False)
        sock.ws = ws
        if sock.phase is not Phase.OPENING:  # aborted before this thread got going: open nothing
            return inputs.Closed(sock.gen, None, "", errors.aborted())
        try:
            with _translate_errors():
                stream = sockets.open_stream(target.url, self.config.connect_timeout, target.ssl_context)
                if sock.phase is not Phase.OPENING:  # aborted while the TCP connection opened
                    if stream is not None:
                        stream.close()
                    return inputs.Closed(sock.gen, None, "", errors.aborted())
                ws.connect(target.url, timeout=self.config.connect_timeout, suppress_origin=True, socket=stream)
                ws.settimeout(None)  # from here on the machine's timers decide (a closed socket raises)
        except SocketFailure as failure:
            return failure.failed(sock.gen)
        if sock.phase is not Phase.OPENING:  # aborted while connecting: close before authenticating
            return inputs.Closed(sock.gen, None, "", errors.aborted())
        if not sock.send(target.auth_frame):
            return inputs.Closed(sock.gen, None, "", errors.connection_failed("could not send the auth frame"))
        return None

    def _read_frames(self, sock: _Socket) -> Any:
        """Read until the socket ends; returns the ``Closed`` input describing how. Frames that
        one socket read completed are decoded and handed over together, in order."""
        ws = sock.ws
        assert ws is not None
        if ws.sock is None:
            return inputs.Closed(sock.gen, None, "", errors.aborted())
        reader = frames.FrameReader(ws.sock)
        accepted = False
        gen = sock.gen
        decode = protocol.decode_event  # a message frame stays its JSON object
        while True:
            try:
                with _translate_errors():
                    messages = reader.read()
            except SocketFailure as failure:
                return failure.closed(gen)
            if sock.pinged:
                sock.pinged = False
                self._inbox.put(inputs.FrameArrived(gen))
            if accepted:
                self._host.arriving()  # events are likely: let the dispatch thread start waking
            events: list[protocol.Inbound] = []
            for opcode, data in messages:
                if opcode != frames.OPCODE_TEXT:
                    if opcode == frames.OPCODE_CLOSE:
                        self._hand_over(events)  # what came before the close still counts
                        return self._closed_by_peer(sock, data)
                    if opcode == frames.OPCODE_PING:
                        sock.send(data, _ABNF.OPCODE_PONG, wait=self.config.close_timeout)
                    continue
                try:
                    frame = decode(data)
                except protocol.ProtocolError as exc:
                    log.warning("skipping a malformed frame: %s", exc)
                    sock.skipped += 1
                    continue
                if accepted:
                    if type(frame) is dict or self._wanted(frame):
                        events.append(frame)
                    continue
                accepted = self._on_auth_reply(sock, frame)
                if sock.phase is not Phase.LIVE and accepted:  # disconnected while the owner took it in
                    return inputs.Closed(gen, None, "", errors.aborted())
            self._hand_over(events)

    def _closed_by_peer(self, sock: _Socket, data: bytes) -> inputs.Closed:
        code = struct.unpack("!H", data[:2])[0] if len(data) >= 2 else None
        valid = len(data) != 1 and (code is None or _sendable_close_code(code)) and _utf8(data[2:])
        if sock.phase in (Phase.OPENING, Phase.LIVE):  # answer a close we did not start
            answer = (data[:2] or struct.pack("!H", _CLOSE_NORMAL)) if valid else struct.pack("!H", _CLOSE_PROTOCOL)
            sock.send(answer, _ABNF.OPCODE_CLOSE, wait=0)
        if not valid:
            return inputs.Closed(sock.gen, None, "", errors.connection_failed(
                f"the server sent a malformed close frame ({data[:8].hex()})"))
        return inputs.Closed(sock.gen, code, data[2:].decode("utf-8"))

    @staticmethod
    def _wanted(frame: protocol.Inbound) -> bool:
        """Whether the client's events need this frame (keep-alive answers and late auth
        replies are the driver's; a server's complaint is logged here)."""
        if isinstance(frame, protocol.ErrorFrame):
            log.warning("the server refused a frame: %s %s", frame.code, frame.message)
            return False
        return not isinstance(frame, (protocol.Pong, protocol.AuthReply))

    def _hand_over(self, events: list[protocol.Inbound]) -> None:
        if not events:
            return
        try:
            self._host.inbound(events)
        except Exception:
            log.exception("unexpected internal error handling %d inbound frames", len(events))

    def _on_auth_reply(self, sock: _Socket, frame: protocol.Inbound) -> bool:
        """Pass the auth reply to the owner; True once accepted (and released, or stopped)."""
        if not isinstance(frame, protocol.AuthReply):
            return False  # nothing counts before the auth reply
        sock.leave_gate()
        if not frame.ok:
            error = CometChatException(
                frame.error_code or errors.WS_AUTH_FAIL, frame.message or "The server refused the socket's credentials."
            )
            self._inbox.put(inputs.AuthRefused(sock.gen, error))
            return False
        sock.settings_hash = frame.settings_hash
        self._inbox.put(inputs.AuthAccepted(sock.gen, self._host.settings_current(frame.settings_hash)))
        sock.released.wait()
        return True
