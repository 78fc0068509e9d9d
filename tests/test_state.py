"""The connection state machine without sockets: every cell of its table, with a fake clock."""

from __future__ import annotations

import random
import unittest
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from cometchat.exceptions import CometChatException
from cometchat.models import ConnectionStatus
from cometchat.transport.inputs import (
    Abort,
    Answer,
    AppState,
    AuthAccepted,
    AuthRefused,
    CancelTimer,
    BackgroundLapsed,
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
    StartTimer,
)
from cometchat.transport.state import ANY_STATE, TRANSITIONS, ConnectionMachine, MachineConfig, State
from cometchat.transport.table import transition_table

TIMER_NAMES = {ConnectTimedOut: "connect", PingDue: "ping", PongOverdue: "pong", RetryDue: "retry",
               CloseOverdue: "close", BackgroundLapsed: "background"}

NET = CometChatException("WS_CONNECTION_FAIL", "refused", {"cause": "refused"})
REFUSED = CometChatException("AUTH_ERR_INVALID_JWT", "bad jwt")


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def make(auto: bool = False, **config: Any) -> tuple[ConnectionMachine, FakeClock]:
    clock = FakeClock()
    machine = ConnectionMachine(MachineConfig(auto_connect=auto, **config), clock=clock, rng=random.Random(7))
    return machine, clock


def summary(action: Any) -> str:
    if isinstance(action, Emit):
        return f"emit:{action.change.current.value}"
    if isinstance(action, Answer):
        outcome = action.error.errorCode if action.error else "ok"
        return f"answer:{','.join(map(str, action.requests))}:{outcome}"
    if isinstance(action, StartTimer):
        return f"start:{TIMER_NAMES[action.timer]}"
    if isinstance(action, CancelTimer):
        return f"cancel:{TIMER_NAMES[action.timer]}"
    if isinstance(action, ReportError):
        return f"error:{action.error.errorCode}"
    if isinstance(action, RefreshJwt):
        return f"refresh:{action.ticket}"
    names = {Open: "open", Abort: "abort", Close: "close", Release: "release", SendPing: "send_ping",
             Established: "established"}
    return f"{names[type(action)]}:{action.gen}"


def feed(machine: ConnectionMachine, *events: Any) -> list[str]:
    out: list[str] = []
    for event in events:
        out += [summary(a) for a in machine.handle(event)]
    return out


# How to reach each state; the live socket is generation 1 wherever there is one.
SETUP: dict[State, list[Any]] = {
    State.SIGNED_OUT: [],
    State.IDLE: [SignIn()],
    State.CONNECTING: [SignIn(), Connect(1)],
    State.CONNECTED: [SignIn(), Connect(1), AuthAccepted(1)],
    State.THROTTLED: [ModeChanged("LIMITED_TRANSIENT"), SignIn(), Connect(1), AuthAccepted(1)],
    State.WAITING: [SignIn(), Connect(1), Failed(1, NET)],
    State.CLOSING: [SignIn(), Connect(1), AuthAccepted(1), Disconnect(2)],
}

ALL_TIMERS = ["cancel:connect", "cancel:ping", "cancel:pong", "cancel:retry", "cancel:close", "cancel:background"]
FAILED = ["cancel:connect", "abort:1", "error:WS_CONNECTION_FAIL", "emit:disconnected",
          "answer:1:WS_CONNECTION_FAIL", "start:retry"]
DROPPED = ["cancel:ping", "cancel:pong", "emit:disconnected", "start:retry"]
NO_SOCKET = ["answer:9:NO_WEBSOCKET_CONNECTION"]

# (state, input class) -> (steps before, the input, the state after, the actions)
EXPECTED: dict[tuple[State, type], tuple[list[Any], Any, State, list[str]]] = {
    (State.SIGNED_OUT, Connect): ([], Connect(9), State.SIGNED_OUT, ["answer:9:ERROR_USER_NOT_LOGGED_IN"]),
    (State.SIGNED_OUT, Disconnect): ([], Disconnect(9), State.SIGNED_OUT, ["answer:9:ok"]),
    (State.IDLE, Connect): ([], Connect(9), State.CONNECTING, ["emit:connecting", "open:1", "start:connect"]),
    (State.IDLE, Disconnect): ([], Disconnect(9), State.IDLE, ["answer:9:ok"]),
    (State.CONNECTING, Connect): ([], Connect(9), State.CONNECTING, []),
    (State.CONNECTING, Disconnect): ([], Disconnect(9), State.IDLE,
                                       ["cancel:connect", "abort:1", "emit:disconnected", "answer:9:ok",
                                        "answer:1:ERROR_CONNECTION_ABORTED"]),
    (State.CONNECTED, Connect): ([], Connect(9), State.CONNECTED,
                                   ["answer:9:ERROR_WEBSOCKETS_ALLREADY_IN_CONNECTED_STATE"]),
    (State.THROTTLED, Connect): ([], Connect(9), State.THROTTLED,
                                   ["answer:9:ERROR_WEBSOCKETS_ALLREADY_IN_CONNECTED_STATE"]),
    (State.CONNECTED, Disconnect): ([], Disconnect(9), State.CLOSING,
                                      ["cancel:ping", "cancel:pong", "close:1", "start:close", "emit:disconnected"]),
    (State.THROTTLED, Disconnect): ([], Disconnect(9), State.CLOSING,
                                      ["cancel:ping", "cancel:pong", "close:1", "start:close", "emit:disconnected"]),
    (State.WAITING, Connect): ([], Connect(9), State.CONNECTING,
                                 ["cancel:retry", "emit:connecting", "open:2", "start:connect"]),
    (State.WAITING, Disconnect): ([], Disconnect(9), State.IDLE, ["cancel:retry", "answer:9:ok"]),
    (State.CLOSING, Connect): ([], Connect(9), State.CLOSING, []),
    (State.CLOSING, Disconnect): ([], Disconnect(9), State.CLOSING, []),
    (State.CONNECTED, Ping): ([], Ping(9), State.CONNECTED, ["send_ping:1", "start:pong"]),
    (State.THROTTLED, Ping): ([], Ping(9), State.THROTTLED, ["send_ping:1", "start:pong"]),
    (State.SIGNED_OUT, Ping): ([], Ping(9), State.SIGNED_OUT, NO_SOCKET),
    (State.IDLE, Ping): ([], Ping(9), State.IDLE, NO_SOCKET),
    (State.CONNECTING, Ping): ([], Ping(9), State.CONNECTING, NO_SOCKET),
    (State.WAITING, Ping): ([], Ping(9), State.WAITING, NO_SOCKET),
    (State.CLOSING, Ping): ([], Ping(9), State.CLOSING, NO_SOCKET),
    (State.SIGNED_OUT, SignIn): ([], SignIn(), State.IDLE, []),
    (State.IDLE, SignOut): ([], SignOut(), State.SIGNED_OUT, ALL_TIMERS),
    (State.CONNECTING, SignOut): ([], SignOut(), State.SIGNED_OUT,
                                     ["release:1", *ALL_TIMERS, "emit:disconnected",
                                      "answer:1:ERROR_USER_NOT_LOGGED_IN"]),
    (State.CONNECTED, SignOut): ([], SignOut(), State.SIGNED_OUT, ["release:1", *ALL_TIMERS, "emit:disconnected"]),
    (State.THROTTLED, SignOut): ([], SignOut(), State.SIGNED_OUT, ["release:1", *ALL_TIMERS, "emit:disconnected"]),
    (State.WAITING, SignOut): ([], SignOut(), State.SIGNED_OUT, ALL_TIMERS),
    (State.CLOSING, SignOut): ([], SignOut(), State.SIGNED_OUT, ["release:1", *ALL_TIMERS, "answer:2:ok"]),
    (State.CONNECTING, AuthAccepted): ([], AuthAccepted(1), State.CONNECTED,
                                          ["cancel:connect", "emit:connected", "established:1", "answer:1:ok",
                                           "start:ping"]),
    (State.CONNECTING, AuthRefused): ([], AuthRefused(1, REFUSED), State.CONNECTING,
                                         ["cancel:connect", "abort:1", "refresh:1"]),
    (State.CONNECTING, JwtRefreshed): ([AuthRefused(1, REFUSED)], JwtRefreshed(1), State.CONNECTING,
                                          ["open:2", "start:connect"]),
    (State.CONNECTING, Failed): ([], Failed(1, NET), State.WAITING, FAILED),
    (State.CONNECTING, Closed): ([], Closed(1, 1011, "server error"), State.WAITING, FAILED),
    (State.CONNECTING, ConnectTimedOut): ([], ConnectTimedOut(), State.WAITING, FAILED),
    (State.CONNECTED, Closed): ([], Closed(1, None), State.WAITING, DROPPED),
    (State.THROTTLED, Closed): ([], Closed(1, None), State.WAITING, DROPPED),
    (State.CONNECTED, FrameArrived): ([], FrameArrived(1), State.CONNECTED, ["cancel:pong"]),
    (State.THROTTLED, FrameArrived): ([], FrameArrived(1), State.THROTTLED, ["cancel:pong"]),
    (State.CONNECTED, PingDue): ([], PingDue(), State.CONNECTED,
                                      ["send_ping:1", "start:pong", "start:ping"]),
    (State.THROTTLED, PingDue): ([], PingDue(), State.THROTTLED,
                                      ["send_ping:1", "start:pong", "start:ping"]),
    (State.CONNECTED, PongOverdue): ([], PongOverdue(), State.WAITING, ["abort:1", *DROPPED]),
    (State.THROTTLED, PongOverdue): ([], PongOverdue(), State.WAITING, ["abort:1", *DROPPED]),
    (State.WAITING, RetryDue): ([], RetryDue(), State.CONNECTING,
                                     ["emit:connecting", "open:2", "start:connect"]),
    (State.CLOSING, Closed): ([], Closed(1, 1000), State.IDLE, ["cancel:close", "answer:2:ok"]),
    (State.CLOSING, CloseOverdue): ([], CloseOverdue(), State.IDLE, ["cancel:close", "abort:1", "answer:2:ok"]),
}


class TransitionTableTest(unittest.TestCase):
    def test_every_cell_of_the_table_has_a_case(self) -> None:
        self.assertEqual(set(EXPECTED), set(TRANSITIONS))

    def test_every_cell(self) -> None:
        for (state, kind), (before, event, after, actions) in EXPECTED.items():
            with self.subTest(state=state.value, input=kind.__name__):
                machine, _ = make()
                feed(machine, *SETUP[state])
                self.assertIs(machine.state, state)
                feed(machine, *before)
                self.assertIs(type(event), kind)
                self.assertEqual(feed(machine, event), actions)
                self.assertIs(machine.state, after)

    def test_every_cell_is_documented(self) -> None:
        rows = transition_table()
        self.assertEqual(len(rows), len(TRANSITIONS))
        for state_name, kind, doc in rows:
            self.assertTrue(doc, f"{state_name}/{kind} has no description")


class BehaviourTest(unittest.TestCase):
    def test_connected_only_after_the_auth_reply(self) -> None:
        machine, _ = make()
        self.assertNotIn("emit:connected", feed(machine, SignIn(), Connect(1)))
        self.assertIs(machine.status, ConnectionStatus.connecting)
        self.assertIn("emit:connected", feed(machine, AuthAccepted(1)))

    def test_joined_connects_share_the_attempts_outcome(self) -> None:
        machine, _ = make()
        feed(machine, SignIn(), Connect(1), Connect(2), Connect(3))
        self.assertIn("answer:1,2,3:ok", feed(machine, AuthAccepted(1)))
        machine, _ = make()
        feed(machine, SignIn(), Connect(1), Connect(2))
        self.assertIn("answer:1,2:WS_CONNECTION_FAIL", feed(machine, Failed(1, NET)))

    def test_auto_mode_connects_on_sign_in(self) -> None:
        machine, _ = make(auto=True)
        self.assertEqual(feed(machine, SignIn()), ["emit:connecting", "open:1", "start:connect"])

    def test_connect_during_closing_starts_after_the_close_and_gets_its_result(self) -> None:
        machine, _ = make()
        feed(machine, *SETUP[State.CLOSING], Connect(9))
        self.assertEqual(feed(machine, Closed(1, 1000)),
                         ["cancel:close", "answer:2:ok", "emit:connecting", "open:2", "start:connect"])
        self.assertIn("answer:9:ok", feed(machine, AuthAccepted(2)))

    def test_a_disconnect_during_closing_cancels_a_queued_connect(self) -> None:
        machine, _ = make()
        feed(machine, *SETUP[State.CLOSING], Connect(9))
        self.assertEqual(feed(machine, Disconnect(10)), ["answer:9:ERROR_CONNECTION_ABORTED"])
        self.assertEqual(feed(machine, Closed(1, 1000)), ["cancel:close", "answer:2,10:ok"])
        self.assertIs(machine.state, State.IDLE)

    def test_auth_refused_twice_is_terminal(self) -> None:
        machine, _ = make()
        feed(machine, SignIn(), Connect(1), AuthRefused(1, REFUSED), JwtRefreshed(1))
        actions = feed(machine, AuthRefused(2, REFUSED))
        self.assertEqual(actions, ["cancel:connect", "abort:2", "error:WS_AUTH_FAIL", "emit:disconnected",
                                   "answer:1:WS_AUTH_FAIL"])
        self.assertIs(machine.state, State.IDLE)
        self.assertNotIn("start:retry", actions)

    def test_an_untrusted_certificate_is_terminal(self) -> None:
        machine, _ = make()
        feed(machine, SignIn(), Connect(1))
        untrusted = CometChatException("ERROR_CERTIFICATE_NOT_TRUSTED", "not trusted")
        actions = feed(machine, Failed(1, untrusted, fatal=True))
        self.assertEqual(actions, ["cancel:connect", "abort:1", "error:ERROR_CERTIFICATE_NOT_TRUSTED",
                                   "emit:disconnected", "answer:1:ERROR_CERTIFICATE_NOT_TRUSTED"])
        self.assertIs(machine.state, State.IDLE)  # no retry is scheduled
        self.assertEqual(feed(machine, Connect(2))[:2], ["emit:connecting", "open:2"])  # the app may try again

    def test_a_close_4001_while_connecting_counts_as_refused(self) -> None:
        machine, _ = make()
        self.assertEqual(feed(machine, SignIn(), Connect(1))[-1], "start:connect")
        self.assertEqual(feed(machine, Closed(1, 4001, "auth")), ["cancel:connect", "abort:1", "refresh:1"])

    def test_refresh_outcomes(self) -> None:
        machine, _ = make()
        feed(machine, SignIn(), Connect(1), AuthRefused(1, REFUSED))
        offline = CometChatException("ERROR_INTERNET_UNAVAILABLE", "offline")
        self.assertIn("start:retry", feed(machine, JwtRefreshed(1, offline)))
        machine, _ = make()
        feed(machine, SignIn(), Connect(1), AuthRefused(1, REFUSED))
        unknown = CometChatException("AUTH_ERR_AUTH_TOKEN_NOT_FOUND", "gone")
        self.assertIn("answer:1:AUTH_ERR_AUTH_TOKEN_NOT_FOUND", feed(machine, JwtRefreshed(1, unknown)))
        self.assertIs(machine.state, State.IDLE)

    def test_a_late_refresh_after_disconnect_is_ignored(self) -> None:
        machine, _ = make()
        feed(machine, SignIn(), Connect(1), AuthRefused(1, REFUSED), Disconnect(2), Connect(3))
        self.assertEqual(feed(machine, JwtRefreshed(1)), [])

    def test_stale_generations_are_dropped(self) -> None:
        machine, _ = make(backoff_initial=0.1)
        feed(machine, SignIn(), Connect(1), Failed(1, NET), RetryDue())  # now gen 2
        for stale in (AuthAccepted(1), Closed(1, None), Failed(1, NET), FrameArrived(1), AuthRefused(1, REFUSED)):
            with self.subTest(stale=stale):
                self.assertEqual(machine.handle(stale), [])
        self.assertIs(machine.state, State.CONNECTING)

    def test_throttled_upgrade_waits_for_retry_after(self) -> None:
        machine, _ = make()
        feed(machine, SignIn(), Connect(1))
        actions = machine.handle(Failed(1, NET, throttled=True, retry_after=3.0))
        emit = next(a for a in actions if isinstance(a, Emit))
        self.assertEqual((emit.change.current, emit.change.retryIn), (ConnectionStatus.featureThrottled, 3.0))
        self.assertIn(StartTimer(RetryDue, 3.0), actions)
        self.assertEqual(feed(machine, RetryDue())[:2], ["emit:connecting", "open:2"])

    def test_close_1013_waits_for_the_numeric_reason(self) -> None:
        machine, _ = make()
        feed(machine, *SETUP[State.CONNECTED])
        actions = machine.handle(Closed(1, 1013, "4"))
        self.assertIn(StartTimer(RetryDue, 4.0), actions)
        self.assertIs(machine.status, ConnectionStatus.featureThrottled)

    def test_mode_throttling(self) -> None:
        machine, _ = make()
        feed(machine, ModeChanged("NO_TRANSIENT"), SignIn(), Connect(1))
        actions = feed(machine, AuthAccepted(1))
        self.assertLess(actions.index("emit:connected"), actions.index("emit:featureThrottled"))
        self.assertEqual(feed(machine, ModeChanged("DEFAULT")), ["emit:connected"])
        self.assertEqual(feed(machine, ModeChanged("LIMITED_TRANSIENT")), ["emit:featureThrottled"])
        self.assertIs(machine.state, State.THROTTLED)

    def test_shutdown_answers_what_waits(self) -> None:
        machine, _ = make()
        feed(machine, SignIn(), Connect(1))
        self.assertIn("answer:1:ERROR_CLIENT_CLOSED", feed(machine, Shutdown()))
        self.assertEqual(set(ANY_STATE), {Shutdown, AppState, ModeChanged, BackgroundLapsed})


class BackoffTest(unittest.TestCase):
    def delays(self, machine: ConnectionMachine, actions: list[Any]) -> list[float]:
        return [a.delay for a in actions if isinstance(a, StartTimer) and a.timer is RetryDue]

    def test_failures_double_from_initial_to_maximum_with_jitter(self) -> None:
        machine, _ = make(backoff_initial=1.0, backoff_maximum=30.0)
        feed(machine, SignIn(), Connect(1))
        delays = []
        for gen in range(1, 10):
            delays += self.delays(machine, machine.handle(Failed(gen, NET)))
            machine.handle(RetryDue())
        for n, delay in enumerate(delays):
            nominal = min(30.0, 2.0**n)
            self.assertGreaterEqual(delay, nominal * 0.5)
            self.assertLessEqual(delay, nominal)
        self.assertGreater(len(set(delays)), 5)  # jittered, not lock-step

    def test_the_same_seed_gives_the_same_sequence(self) -> None:
        def run() -> list[float]:
            machine, _ = make()
            feed(machine, SignIn(), Connect(1))
            out = []
            for gen in range(1, 6):
                out += self.delays(machine, machine.handle(Failed(gen, NET)))
                machine.handle(RetryDue())
            return out

        self.assertEqual(run(), run())

    def test_first_retry_after_a_drop_is_immediate_then_backoff(self) -> None:
        machine, clock = make(backoff_initial=1.0)
        feed(machine, *SETUP[State.CONNECTED])
        first = self.delays(machine, machine.handle(Closed(1, None)))[0]
        self.assertLessEqual(first, 0.5)
        feed(machine, RetryDue(), AuthAccepted(2))
        clock.now += 3  # not stable yet
        second = self.delays(machine, machine.handle(Closed(2, None)))[0]
        self.assertGreaterEqual(second, 0.5)

    def test_ten_stable_seconds_bring_back_the_immediate_retry(self) -> None:
        machine, clock = make(backoff_initial=1.0)
        feed(machine, SignIn(), Connect(1))
        for gen in range(1, 5):  # a few failures first
            machine.handle(Failed(gen, NET))
            machine.handle(RetryDue())
        feed(machine, AuthAccepted(5))
        clock.now += 10
        self.assertLessEqual(self.delays(machine, machine.handle(Closed(5, None)))[0], 0.5)

    def test_immediate_jitter_never_exceeds_the_initial_delay(self) -> None:
        machine, _ = make(backoff_initial=0.05)
        feed(machine, *SETUP[State.CONNECTED])
        self.assertLessEqual(self.delays(machine, machine.handle(Closed(1, None)))[0], 0.05)


class KeepAliveTest(unittest.TestCase):
    def test_ping_then_any_frame_keeps_the_link(self) -> None:
        machine, _ = make(ping_interval=15, pong_timeout=5)
        actions = machine.handle(AuthAccepted(1)) if False else []
        feed(machine, *SETUP[State.CONNECTED])
        actions = machine.handle(PingDue())
        self.assertEqual(actions, [SendPing(1), StartTimer(PongOverdue, 5), StartTimer(PingDue, 15)])
        self.assertEqual(machine.handle(FrameArrived(1)), [CancelTimer(PongOverdue)])
        self.assertIs(machine.state, State.CONNECTED)

    def test_no_frame_within_the_pong_timeout_is_a_dead_link(self) -> None:
        machine, _ = make()
        feed(machine, *SETUP[State.CONNECTED], PingDue())
        actions = feed(machine, PongOverdue())
        self.assertEqual(actions[0], "abort:1")
        self.assertIs(machine.state, State.WAITING)

    def test_a_user_ping_rides_on_the_keepalive_in_flight(self) -> None:
        machine, _ = make()
        feed(machine, *SETUP[State.CONNECTED], PingDue())
        self.assertEqual(feed(machine, Ping(9)), [])  # one ping on the wire is enough
        self.assertEqual(feed(machine, FrameArrived(1)), ["cancel:pong", "answer:9:ok"])

    def test_a_ping_waiting_when_the_link_dies_fails(self) -> None:
        machine, _ = make()
        feed(machine, *SETUP[State.CONNECTED], Ping(9))
        self.assertIn("answer:9:NO_WEBSOCKET_CONNECTION", feed(machine, PongOverdue()))


class BackgroundWindowTest(unittest.TestCase):
    def test_the_window_closes_the_socket_when_it_lapses(self) -> None:
        machine, _ = make(background_window=30)
        feed(machine, *SETUP[State.CONNECTED])
        self.assertEqual(feed(machine, AppState("didEnterBackground")), ["start:background"])
        self.assertTrue(machine.background)
        self.assertEqual(feed(machine, AppState("willResignActive")), [])
        actions = feed(machine, BackgroundLapsed())
        self.assertIn("close:1", actions)
        self.assertFalse(machine.background)
        feed(machine, Closed(1, 1000))
        self.assertIs(machine.state, State.IDLE)

    def test_each_ping_extends_the_window(self) -> None:
        machine, _ = make(background_window=30)
        feed(machine, *SETUP[State.CONNECTED], AppState("didEnterBackground"))
        self.assertIn(StartTimer(BackgroundLapsed, 30), machine.handle(Ping(9)))

    def test_becoming_active_reconnects_in_auto_mode_only(self) -> None:
        for auto, expected in ((True, State.CONNECTING), (False, State.IDLE)):
            with self.subTest(auto=auto):
                machine, _ = make(auto=auto)
                feed(machine, SignIn())
                if not auto:
                    feed(machine, Connect(1))
                feed(machine, AuthAccepted(1), AppState("didEnterBackground"), BackgroundLapsed(),
                     Closed(1, 1000), AppState("didBecomeActive"))
                self.assertIs(machine.state, expected)

    def test_becoming_active_before_the_lapse_just_ends_the_window(self) -> None:
        machine, _ = make(auto=True)
        feed(machine, SignIn(), AuthAccepted(1), AppState("didEnterBackground"))
        self.assertEqual(feed(machine, AppState("didBecomeActive")), ["cancel:background"])
        self.assertIs(machine.state, State.CONNECTED)


INPUTS = st.sampled_from([
    SignIn(), SignOut(), Connect(1), Disconnect(2), Ping(3), AuthAccepted(1), AuthAccepted(2), AuthAccepted(3),
    AuthRefused(1, REFUSED), AuthRefused(2, REFUSED), Failed(1, NET), Failed(2, NET),
    Failed(3, NET, throttled=True, retry_after=1.0), Closed(1, None), Closed(2, 1013, "2"), Closed(3, 4001),
    FrameArrived(1), FrameArrived(2), JwtRefreshed(1), JwtRefreshed(2), RetryDue(), ConnectTimedOut(),
    PingDue(), PongOverdue(), CloseOverdue(), BackgroundLapsed(),
    AppState("didEnterBackground"), AppState("didBecomeActive"), ModeChanged("LIMITED_TRANSIENT"),
    ModeChanged("DEFAULT"),
])


class InvariantTest(unittest.TestCase):
    @settings(max_examples=300, deadline=None)
    @given(st.lists(INPUTS, max_size=60), st.booleans())
    def test_no_public_state_twice_in_a_row_and_status_is_consistent(self, events: list[Any], auto: bool) -> None:
        machine, clock = make(auto=auto)
        last = ConnectionStatus.disconnected
        for event in events:
            clock.now += 1
            for action in machine.handle(event):
                if isinstance(action, Emit):
                    self.assertIs(action.change.previous, last)
                    self.assertIsNot(action.change.current, last)
                    last = action.change.current
            self.assertIs(machine.status, last)
            if machine.state in (State.SIGNED_OUT, State.IDLE, State.WAITING):
                self.assertIsNone(machine.gen, machine.state)

    @settings(max_examples=200, deadline=None)
    @given(st.lists(INPUTS, max_size=60))
    def test_every_request_is_answered_at_most_once(self, events: list[Any]) -> None:
        machine, _ = make()
        answered: list[int] = []
        numbered: list[Any] = []
        for n, event in enumerate(events, start=100):
            if isinstance(event, (Connect, Disconnect, Ping)):
                event = type(event)(n)
            numbered.append(event)
        for event in numbered + [Shutdown()]:
            for action in machine.handle(event):
                if isinstance(action, Answer):
                    answered += action.requests
        self.assertEqual(len(answered), len(set(answered)))
        asked = [e.request for e in numbered if isinstance(e, (Connect, Disconnect, Ping))]
        self.assertEqual(sorted(answered), sorted(asked))  # and all of them, once shut down


if __name__ == "__main__":
    unittest.main()
