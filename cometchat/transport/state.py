"""The connection state machine, sans-I/O: inputs in, actions out.

Rule 1 (as in h11): everything that decides what the connection does lives in this file.
The machine never touches a socket, a thread or a real clock. ``handle(input)`` returns the
actions to perform, in order; ``connection.py`` performs them on real sockets and timers
and feeds back what happened. Time comes from the injected ``clock``, jitter from the
injected ``random.Random``, so every path runs in tests with a fake clock. The inputs and
actions themselves are in ``inputs.py``.

Transitions are data: ``TRANSITIONS`` maps (state, input class) to the handler that runs;
each handler's docstring is its cell of the table (``table.py`` renders the README's
connection table from them, and a test keeps the two equal). A pair missing from the table
is ignored, and socket news tagged with a generation other than the live one is dropped
before the table is consulted.

Public status: ``connecting``; ``connected``; ``featureThrottled`` for THROTTLED and for a
wait the server imposed; ``disconnected`` for everything else. The same status is never
emitted twice in a row.
"""

from __future__ import annotations

import enum
import random
from typing import Any, Callable, ClassVar

import attrs

from .. import exceptions as errors
from ..exceptions import (
    CometChatException,
    aborted,
    already_connected,
    client_closed,
    closed_error,
    connection_failed,
    no_websocket,
    not_logged_in,
)
from ..models import ConnectionStateChange, ConnectionStatus
from ..numbers import retry_after as seconds_to_wait
from .inputs import (
    TIMERS,
    Abort,
    Action,
    Answer,
    AppState,
    AuthAccepted,
    AuthRefused,
    BackgroundLapsed,
    CancelTimer,
    Close,
    Closed,
    CloseOverdue,
    Connect,
    ConnectTimedOut,
    Disconnect,
    Emit,
    Established,
    Failed,
    FrameArrived,
    Input,
    JwtRefreshed,
    ModeChanged,
    Open,
    Ping,
    PingDue,
    PongOverdue,
    RefreshJwt,
    Release,
    ReportError,
    RetryDue,
    SendPing,
    Shutdown,
    SignIn,
    SignOut,
    SocketNews,
    StartTimer,
)

__all__ = ["State", "MachineConfig", "ConnectionMachine", "Counters", "Backoff", "TRANSITIONS", "ANY_STATE"]

THROTTLING_MODES = ("LIMITED_TRANSIENT", "NO_TRANSIENT")
CLOSE_TRY_AGAIN_LATER = 1013
CLOSE_AUTH = 4001


class State(enum.Enum):
    #: nobody logged in, or a login still in flight
    SIGNED_OUT = "signed_out"
    #: logged in without a socket: never connected, closed by the app, or auth refused
    IDLE = "idle"
    #: a socket is opening (TCP, TLS, upgrade, auth reply), or its JWT is being refreshed
    CONNECTING = "connecting"
    #: the server accepted the auth frame
    CONNECTED = "connected"
    #: connected, with features limited by the app's MODE
    THROTTLED = "throttled"
    #: a retry is scheduled
    WAITING = "waiting"
    #: the app's disconnect() is closing the socket
    CLOSING = "closing"


@attrs.frozen(kw_only=True)
class MachineConfig:
    auto_connect: bool = True
    connect_timeout: float = 10.0
    ping_interval: float = 15.0
    pong_timeout: float = 5.0
    backoff_initial: float = 1.0
    backoff_maximum: float = 30.0
    backoff_reset_after: float = 10.0
    close_timeout: float = 2.0
    background_window: float = 30.0


_LINK_TIMERS = (PingDue, PongOverdue)
_LINKED = (State.CONNECTED, State.THROTTLED)
_UNLINKED = (State.SIGNED_OUT, State.IDLE, State.CONNECTING, State.WAITING, State.CLOSING)
_SIGNED_IN = tuple(state for state in State if state is not State.SIGNED_OUT)

Handler = Callable[[Any, Any], None]


def _cells(states: tuple[State, ...], kind: type, handler: Handler) -> dict[tuple[State, type], Handler]:
    """The same handler for ``kind`` in each of ``states``."""
    return {(state, kind): handler for state in states}


class Backoff:
    """Retry delays: at once (0 to min(0.5 s, initial)) after an established link drops, then
    ``initial`` doubling to ``maximum``, each times uniform(0.5, 1.0). ``reset()`` after a
    stable connection brings back the immediate retry."""

    def __init__(self, initial: float, maximum: float, rng: random.Random) -> None:
        self._initial = initial
        self._maximum = maximum
        self._rng = rng
        self._failures = 0
        self._fresh = True

    def reset(self) -> None:
        self._failures = 0
        self._fresh = True

    def after_drop(self) -> float:
        if self._fresh:
            self._fresh = False
            return self._rng.uniform(0.0, min(0.5, self._initial))
        return self.next()

    def next(self) -> float:
        delay = min(self._maximum, self._initial * 2**self._failures) * self._rng.uniform(0.5, 1.0)
        self._failures = min(self._failures + 1, 32)
        self._fresh = False
        return delay


@attrs.define
class Counters:
    """What the machine has done since it was made, for ``client.statistics()`` (plain ints:
    only the owner thread writes them)."""

    #: sockets opened (each attempt's, and the one a JWT refresh opens again)
    attempts: int = 0
    #: links the server accepted
    established: int = 0
    #: established links lost without the app asking (a close from the server, a dead link)
    drops: int = 0
    #: attempts the machine started by itself when a wait after a drop or a failure ran out
    retries: int = 0


class ConnectionMachine:
    """One client's connection, as states and transitions; see the module docstring."""

    def __init__(self, config: MachineConfig, *, clock: Callable[[], float], rng: random.Random) -> None:
        self.config = config
        self._clock = clock
        self.backoff = Backoff(config.backoff_initial, config.backoff_maximum, rng)
        self.state = State.SIGNED_OUT
        self.status = ConnectionStatus.disconnected  #: the last public status emitted
        self.gen: int | None = None  #: the socket generation whose news counts
        self.background = False  #: a background window is running
        self.mode_throttled = False
        self._last_gen = 0
        self._connects: list[int | None] = []
        self._disconnects: list[int | None] = []
        self._pings: list[int | None] = []
        self._reopen_after_close = False
        self._refreshed = False
        self._refresh_ticket: int | None = None
        self._server_wait = False
        self._connected_at: float | None = None
        self._awaiting_frame = False
        self._lapsed = False
        self._out: list[Action] = []
        self.counters = Counters()

    # ------------------------------------------------------------------ the one entry point

    def handle(self, event: Input) -> list[Action]:
        """Feed one input; returns the actions to perform, in order."""
        self._out = []
        self._dispatch(event)
        return self._out

    def _dispatch(self, event: Input) -> None:
        if isinstance(event, SocketNews) and event.gen != self.gen:
            return  # news from a socket we no longer listen to
        handler = self.TRANSITIONS.get((self.state, type(event))) or self.ANY_STATE.get(type(event))
        if handler is not None:
            handler(self, event)

    # ------------------------------------------------------------------ helpers

    def _do(self, action: Action) -> None:
        self._out.append(action)

    def _public(self) -> ConnectionStatus:
        if self.state is State.CONNECTING:
            return ConnectionStatus.connecting
        if self.state is State.CONNECTED:
            return ConnectionStatus.connected
        if self.state is State.THROTTLED or (self.state is State.WAITING and self._server_wait):
            return ConnectionStatus.featureThrottled
        return ConnectionStatus.disconnected

    def _go(self, state: State, reason: CometChatException | None = None, retry_in: float | None = None) -> None:
        self.state = state
        status = self._public()
        if status is not self.status:
            previous, self.status = self.status, status
            self._do(Emit(ConnectionStateChange(previous, status, reason, retry_in)))

    def _answer(self, requests: list[int | None], error: CometChatException | None = None) -> None:
        wanted = tuple(r for r in requests if r is not None)
        if wanted:
            self._do(Answer(wanted, error))

    @staticmethod
    def _take(pending: list[int | None]) -> list[int | None]:
        """Everything waiting in ``pending``, which is left empty."""
        taken = pending[:]
        pending.clear()
        return taken

    def _attempt(self) -> None:
        """Start a fresh attempt (a new cycle: one JWT refresh allowed)."""
        self._refreshed = False
        self._server_wait = False
        self._go(State.CONNECTING)
        self._open()

    def _open(self) -> None:
        self._last_gen += 1
        self.gen = self._last_gen
        self.counters.attempts += 1
        self._do(Open(self.gen))
        self._do(StartTimer(ConnectTimedOut, self.config.connect_timeout))

    def _abandon(self) -> None:
        """Shut the live socket and stop listening to it."""
        if self.gen is not None:
            self._do(Abort(self.gen))
            self.gen = None

    def _end_link(self) -> None:
        """The established link is over: stop keep-alive, fail the pings waiting on it."""
        for timer in _LINK_TIMERS:
            self._do(CancelTimer(timer))
        self._awaiting_frame = False
        self._answer(self._take(self._pings), no_websocket())

    def _fail_attempt(self, error: CometChatException, *, throttled: bool = False,
                      retry_after: float | None = None) -> None:
        """An attempt failed for a network reason: report it, then wait and retry."""
        self._do(CancelTimer(ConnectTimedOut))
        self._abandon()
        self._do(ReportError(error))
        delay = retry_after if throttled and retry_after is not None else self.backoff.next()
        self._server_wait = throttled
        self._go(State.WAITING, error, delay)
        self._answer(self._take(self._connects), error)
        self._do(StartTimer(RetryDue, delay))

    def _terminal(self, error: CometChatException) -> None:
        """An attempt failed for good: report it and make no more until the app acts."""
        self._do(CancelTimer(ConnectTimedOut))
        self._abandon()
        self._refreshed = False
        self._refresh_ticket = None
        self._do(ReportError(error))
        self._go(State.IDLE, error)
        self._answer(self._take(self._connects), error)

    def _wait_after_drop(self, error: CometChatException, code: int | None, reason: str) -> None:
        self.counters.drops += 1
        now = self._clock()
        if self._connected_at is not None and now - self._connected_at >= self.config.backoff_reset_after:
            self.backoff.reset()
        self._connected_at = None
        if code == CLOSE_TRY_AGAIN_LATER:
            self._server_wait = True
            wait = seconds_to_wait(reason)
            delay = wait if wait is not None else self.backoff.next()
        else:
            delay = self.backoff.after_drop()
        self._go(State.WAITING, error, delay)
        self._do(StartTimer(RetryDue, delay))

    def _extend_window(self) -> None:
        if self.background:
            self._do(StartTimer(BackgroundLapsed, self.config.background_window))

    # ------------------------------------------------------------------ commands

    def _refuse_not_logged_in(self, event: Connect) -> None:
        """onError ERROR_USER_NOT_LOGGED_IN"""
        self._answer([event.request], not_logged_in())

    def _nothing_to_disconnect(self, event: Disconnect) -> None:
        """onSuccess, nothing happens"""
        self._answer([event.request])

    def _start(self, event: Connect) -> None:
        """open: connecting(), then connected() + onSuccess; or onConnectionError(e), disconnected(),
        onError(e)"""
        self._connects.append(event.request)
        self._attempt()

    def _join_attempt(self, event: Connect) -> None:
        """join the attempt in flight: its result answers this call too"""
        self._connects.append(event.request)

    def _already_connected(self, event: Connect) -> None:
        """onError ERROR_WEBSOCKETS_ALLREADY_IN_CONNECTED_STATE"""
        self._answer([event.request], already_connected())

    def _retry_now(self, event: Connect) -> None:
        """cancel the wait and retry now; this call gets that attempt's result"""
        self._do(CancelTimer(RetryDue))
        self._connects.append(event.request)
        self._attempt()

    def _connect_after_close(self, event: Connect) -> None:
        """a new attempt starts once the close completes; this call gets its result"""
        self._connects.append(event.request)
        self._reopen_after_close = True

    def _abort_attempt(self, event: Disconnect) -> None:
        """abort it (shut the socket down), disconnected(), onSuccess; joined connects get onError
        ERROR_CONNECTION_ABORTED"""
        self._do(CancelTimer(ConnectTimedOut))
        self._abandon()
        self._refresh_ticket = None
        self._go(State.IDLE)
        self._answer([event.request])
        self._answer(self._take(self._connects), aborted())

    def _close(self, event: Disconnect) -> None:
        """close handshake (at most closeTimeout, then abort), disconnected(), onSuccess; no
        reconnect"""
        self._end_link()
        self._connected_at = None
        assert self.gen is not None
        self._do(Close(self.gen))
        self._do(StartTimer(CloseOverdue, self.config.close_timeout))
        self._disconnects.append(event.request)
        self._go(State.CLOSING)

    def _cancel_retry(self, event: Disconnect) -> None:
        """cancel the retry, stay disconnected, onSuccess; no socket is opened afterwards"""
        self._do(CancelTimer(RetryDue))
        self._server_wait = False
        self._go(State.IDLE)
        self._answer([event.request])

    def _join_close(self, event: Disconnect) -> None:
        """join the close in flight (and cancel a connect queued behind it)"""
        self._disconnects.append(event.request)
        if self._reopen_after_close:
            self._reopen_after_close = False
            self._answer(self._take(self._connects), aborted())

    def _ping(self, event: Ping) -> None:
        """send a keep-alive; onSuccess when any frame arrives within pongTimeout"""
        self._extend_window()
        self._pings.append(event.request)
        self._send_ping()

    def _ping_refused(self, event: Ping) -> None:
        """onError NO_WEBSOCKET_CONNECTION (a background window is still extended)"""
        self._extend_window()
        self._answer([event.request], no_websocket())

    def _sign_in(self, event: SignIn) -> None:
        """idle; in auto mode, open the socket at once"""
        self._go(State.IDLE)
        if self.config.auto_connect:
            self._dispatch(Connect(None))

    def _sign_out(self, event: SignOut | Shutdown) -> None:
        """release the socket, stop every timer, answer what waits; nothing reconnects"""
        if self.gen is not None:
            self._do(Release(self.gen))
            self.gen = None
        for timer in TIMERS:
            self._do(CancelTimer(timer))
        self._refreshed = self._reopen_after_close = self._server_wait = self._awaiting_frame = False
        self._refresh_ticket = None
        self.background = self._lapsed = self.mode_throttled = False
        self._connected_at = None
        self.backoff.reset()
        self._go(State.SIGNED_OUT)
        error = not_logged_in()
        if isinstance(event, Shutdown):
            error = client_closed()
        self._answer(self._take(self._connects), error)
        self._answer(self._take(self._disconnects))
        self._answer(self._take(self._pings), no_websocket())

    def _app_state(self, event: AppState) -> None:
        """didEnterBackground opens the background window; didBecomeActive ends it and, in auto
        mode, reconnects if the window had closed the socket; willResignActive changes nothing"""
        if event.state == "didEnterBackground" and not self.background:
            self.background = True
            self._do(StartTimer(BackgroundLapsed, self.config.background_window))
        elif event.state == "didBecomeActive":
            if self.background:
                self.background = False
                self._do(CancelTimer(BackgroundLapsed))
            if self._lapsed:
                self._lapsed = False
                if self.config.auto_connect:
                    self._dispatch(Connect(None))

    def _mode_changed(self, event: ModeChanged) -> None:
        """a throttling MODE turns connected into featureThrottled, and back"""
        self.mode_throttled = event.mode in THROTTLING_MODES
        if self.state is State.CONNECTED and self.mode_throttled:
            self._go(State.THROTTLED)
        elif self.state is State.THROTTLED and not self.mode_throttled:
            self._go(State.CONNECTED)

    # ------------------------------------------------------------------ socket events

    def _accepted(self, event: AuthAccepted) -> None:
        """connected() (then onfeatureThrottled() under a throttling MODE), onSuccess, keep-alive"""
        self._do(CancelTimer(ConnectTimedOut))
        self._refreshed = False
        self._connected_at = self._clock()
        self.counters.established += 1
        self._go(State.CONNECTED)
        self._do(Established(event.gen))
        self._answer(self._take(self._connects))
        if self.mode_throttled and event.settings_current:
            self._go(State.THROTTLED)
        self._do(StartTimer(PingDue, self.config.ping_interval))

    def _auth_refused(self, event: AuthRefused) -> None:
        """refresh the JWT once (GET me) and try again; refused again: WS_AUTH_FAIL, idle"""
        if self._refreshed:
            self._terminal(CometChatException(errors.WS_AUTH_FAIL, "WS username/password not correct.",
                                  {"cause": event.error.errorDescription}))
            return
        self._refreshed = True
        self._do(CancelTimer(ConnectTimedOut))
        self._refresh_ticket = self.gen
        self._abandon()
        self._do(RefreshJwt(self._refresh_ticket))  # type: ignore[arg-type]

    def _jwt_refreshed(self, event: JwtRefreshed) -> None:
        """a fresh JWT: open again; a refusal: give up (auth); no network: wait and retry"""
        if self._refresh_ticket is None or event.ticket != self._refresh_ticket:
            return
        self._refresh_ticket = None
        if event.error is None:
            self._open()
        elif event.error.errorCode.startswith("AUTH_ERR"):
            self._terminal(event.error)
        else:
            self._fail_attempt(event.error)

    def _attempt_failed(self, event: Failed) -> None:
        """onConnectionError(e), disconnected() (featureThrottled() if the server said wait),
        onError(e), then a retry after the backoff (or Retry-After); no retry when waiting
        cannot help (an untrusted certificate)"""
        if event.fatal:
            self._terminal(event.error)
        else:
            self._fail_attempt(event.error, throttled=event.throttled, retry_after=event.retry_after)

    def _closed_while_connecting(self, event: Closed) -> None:
        """4001: an auth refusal; 1013: the server says wait; anything else: a failed attempt"""
        if event.code == CLOSE_AUTH:
            self._auth_refused(AuthRefused(event.gen, closed_error(event.code, event.reason)))
        elif event.code == CLOSE_TRY_AGAIN_LATER:
            self._fail_attempt(closed_error(event.code, event.reason), throttled=True,
                               retry_after=seconds_to_wait(event.reason))
        else:
            self._fail_attempt(event.error or closed_error(event.code, event.reason))

    def _connect_timeout(self, event: ConnectTimedOut) -> None:
        """the attempt took longer than connectTimeout: a failed attempt"""
        self._fail_attempt(connection_failed(f"no answer within {self.config.connect_timeout:g}s"))

    def _dropped(self, event: Closed) -> None:
        """an unexpected drop: disconnected(), then retry at once (1013: after the server's delay)"""
        self.gen = None
        self._end_link()
        self._wait_after_drop(event.error or closed_error(event.code, event.reason), event.code, event.reason)

    def _frame_arrived(self, event: FrameArrived) -> None:
        """the link is alive: pings waiting get onSuccess"""
        self._awaiting_frame = False
        self._do(CancelTimer(PongOverdue))
        self._answer(self._take(self._pings))

    def _keepalive(self, event: PingDue) -> None:
        """send a ping; the link is dead if no frame arrives within pongTimeout"""
        self._send_ping()
        self._do(StartTimer(PingDue, self.config.ping_interval))

    def _send_ping(self) -> None:
        if not self._awaiting_frame and self.gen is not None:
            self._awaiting_frame = True
            self._do(SendPing(self.gen))
            self._do(StartTimer(PongOverdue, self.config.pong_timeout))

    def _dead_link(self, event: PongOverdue) -> None:
        """no frame at all within pongTimeout of a ping: abort, disconnected(), retry"""
        self._abandon()
        self._end_link()
        error = connection_failed(f"no frame within {self.config.pong_timeout:g}s of a ping")
        self._wait_after_drop(error, None, "")

    def _retry(self, event: RetryDue) -> None:
        """the wait is over: connecting(), a new attempt"""
        self._attempt()
        self.counters.retries += 1  # after the attempt's count: a reader never sees more retries than attempts

    def _close_done(self, event: Closed | CloseOverdue) -> None:
        """closed: onSuccess for the disconnects; a connect queued behind the close starts now"""
        self._do(CancelTimer(CloseOverdue))
        if isinstance(event, CloseOverdue):
            self._abandon()
        self.gen = None
        self._go(State.IDLE)
        self._answer(self._take(self._disconnects))
        if self._reopen_after_close:
            self._reopen_after_close = False
            self._attempt()

    def _window_lapsed(self, event: BackgroundLapsed) -> None:
        """the background window ran out without a ping: disconnect and stay disconnected"""
        self.background = False
        if self.state in (State.CONNECTING, State.CONNECTED, State.THROTTLED, State.WAITING):
            self._lapsed = True
            self._dispatch(Disconnect(None))

    # ------------------------------------------------------------------ the table

    #: (state, input class) -> the handler; each handler's docstring is its cell of the table.
    TRANSITIONS: ClassVar[dict[tuple[State, type], Handler]] = {
        (State.SIGNED_OUT, Connect): _refuse_not_logged_in,
        (State.SIGNED_OUT, Disconnect): _nothing_to_disconnect,
        (State.IDLE, Connect): _start,
        (State.IDLE, Disconnect): _nothing_to_disconnect,
        (State.CONNECTING, Connect): _join_attempt,
        (State.CONNECTING, Disconnect): _abort_attempt,
        **_cells(_LINKED, Connect, _already_connected),
        **_cells(_LINKED, Disconnect, _close),
        (State.WAITING, Connect): _retry_now,
        (State.WAITING, Disconnect): _cancel_retry,
        (State.CLOSING, Connect): _connect_after_close,
        (State.CLOSING, Disconnect): _join_close,
        **_cells(_LINKED, Ping, _ping),
        **_cells(_UNLINKED, Ping, _ping_refused),
        (State.SIGNED_OUT, SignIn): _sign_in,
        **_cells(_SIGNED_IN, SignOut, _sign_out),
        (State.CONNECTING, AuthAccepted): _accepted,
        (State.CONNECTING, AuthRefused): _auth_refused,
        (State.CONNECTING, JwtRefreshed): _jwt_refreshed,
        (State.CONNECTING, Failed): _attempt_failed,
        (State.CONNECTING, Closed): _closed_while_connecting,
        (State.CONNECTING, ConnectTimedOut): _connect_timeout,
        **_cells(_LINKED, Closed, _dropped),
        **_cells(_LINKED, FrameArrived, _frame_arrived),
        **_cells(_LINKED, PingDue, _keepalive),
        **_cells(_LINKED, PongOverdue, _dead_link),
        (State.WAITING, RetryDue): _retry,
        (State.CLOSING, Closed): _close_done,
        (State.CLOSING, CloseOverdue): _close_done,
    }

    #: Inputs handled the same way in every state.
    ANY_STATE: ClassVar[dict[type, Handler]] = {
        Shutdown: _sign_out,
        AppState: _app_state,
        ModeChanged: _mode_changed,
        BackgroundLapsed: _window_lapsed,
    }


TRANSITIONS = ConnectionMachine.TRANSITIONS
ANY_STATE = ConnectionMachine.ANY_STATE
