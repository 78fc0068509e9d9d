"""Connection faults for real: drops, half-open links, throttling, auth, the background window."""

from __future__ import annotations

import threading
import time
import unittest

from cometchat import ConnectionStatus
from cometchat.testing import DevServerMixin, EventRecorder, scaled, waitFor
from helpers import ProxiedMixin, error_of, fast, ok, statuses


class DropTest(ProxiedMixin, unittest.TestCase):
    def watch(self, client) -> EventRecorder:  # type: ignore[no-untyped-def]
        recorder = EventRecorder()
        client.addConnectionListener("r", recorder)
        return recorder

    def test_a_server_drop_reconnects_without_repeating_a_state(self) -> None:
        client = self.newClient("cometchat-uid-1", builder=fast())
        recorder = self.watch(client)
        ok(client.connect())
        self.server.drop_connections("cometchat-uid-1")
        recorder.waitFor("connected", count=2)
        self.assertEqual(statuses(recorder), ["connecting", "connected", "disconnected", "connecting", "connected"])
        waitFor(lambda: len(self.server.sessions("cometchat-uid-1")) == 1)

    def test_a_cut_link_reconnects(self) -> None:
        client, proxy = self.proxied_client("cometchat-uid-2")
        recorder = self.watch(client)
        ok(client.connect())
        proxy.cut()
        recorder.waitFor("connected", count=2)
        self.assertEqual(statuses(recorder)[-3:], ["disconnected", "connecting", "connected"])

    def test_manual_mode_reconnects_too_but_not_after_disconnect(self) -> None:
        client = self.newClient("cometchat-uid-3", builder=fast())
        recorder = self.watch(client)
        ok(client.connect())
        self.server.drop_connections("cometchat-uid-3", code=1011)
        recorder.waitFor("connected", count=2)
        ok(client.disconnect())
        self.server.clear_logs()
        with self.assertRaises(AssertionError):
            waitFor(lambda: self.server.connections("upgrade"), timeout=1.5)

    def test_disconnect_during_the_wait_opens_no_socket_ever_after(self) -> None:
        client, proxy = self.proxied_client("cometchat-uid-4", initial=1.0, maximum=2.0)
        recorder = self.watch(client)
        ok(client.connect())
        with proxy.down():
            recorder.waitFor("disconnected")
            recorder.waitFor("onConnectionError")  # the immediate retry failed: now it waits 0.5-1 s
            ok(client.disconnect())
        waitFor(lambda: not self.server.open_sockets())  # sockets of earlier tests are gone
        accepted = proxy.accepted
        with self.assertRaises(AssertionError):
            waitFor(lambda: self.server.open_sockets() or proxy.accepted > accepted, timeout=3.0)
        self.assertEqual(client.getConnectionStatus, ConnectionStatus.disconnected)

    def test_a_failed_attempt_reports_and_keeps_trying_until_it_connects(self) -> None:
        client, proxy = self.proxied_client("cometchat-uid-5", initial=0.1, maximum=0.2)
        recorder = self.watch(client)
        with proxy.down():
            error = error_of(client.connect(onError=recorder.callback("connect.error")))
            self.assertEqual(error.errorCode, "WS_CONNECTION_FAIL")
            self.assertIn("cause", error.details)
            recorder.waitFor("connect.error")
            self.assertEqual(recorder.names("onConnectionError", "disconnected", "connect.error"),
                             ["onConnectionError", "disconnected", "connect.error"])
            recorder.waitFor("onConnectionError", count=2)
        recorder.waitFor("connected")


class HalfOpenTest(ProxiedMixin, unittest.TestCase):
    def test_a_blackholed_link_is_found_dead_within_ping_interval_plus_pong_timeout(self) -> None:
        client, proxy = self.proxied_client("cometchat-uid-1", ping=0.5, pong=0.5)
        recorder = EventRecorder()
        client.addConnectionListener("r", recorder)
        ok(client.connect())
        with proxy.blackhole():
            started = time.monotonic()
            recorder.waitFor("disconnected", timeout=0.5 + 0.5 + 2.0)
            found = time.monotonic() - started
        self.assertLessEqual(found, 0.5 + 0.5 + scaled(1.0))
        recorder.waitFor("connected", count=2)

    def test_late_pongs_behind_a_stream_of_frames_do_not_trip_the_keepalive(self) -> None:
        client = self.newClient("cometchat-uid-2", builder=fast(ping=0.3, pong=0.3))
        recorder = EventRecorder()
        client.addConnectionListener("r", recorder)
        ok(client.connect())
        self.server.delay_pongs(0.8)  # every pong now comes after the pong timeout
        self.addCleanup(self.server.delay_pongs, 0)
        stop = threading.Event()

        def stream() -> None:
            while not stop.wait(0.05):
                self.server.push("cometchat-uid-2", {"type": "burst", "at": time.time()})

        pusher = threading.Thread(target=stream, name="test-pusher", daemon=True)
        pusher.start()
        try:
            with self.assertRaises(AssertionError):
                recorder.waitFor("disconnected", timeout=2.0)
        finally:
            stop.set()
            pusher.join()
        # and the check can fail: with nothing else arriving in time, a late pong is a dead link
        self.server.delay_pongs(5)
        recorder.waitFor("disconnected", timeout=5.0)


class ThrottleTest(DevServerMixin, unittest.TestCase):
    def test_429_with_retry_after_throttles_and_waits(self) -> None:
        client = self.newClient("cometchat-uid-3", builder=fast())
        recorder = EventRecorder()
        client.addConnectionListener("r", recorder)
        self.server.clear_logs()
        self.server.refuse_upgrades(429, retry_after=1)
        try:
            error = error_of(client.connect())
            self.assertEqual((error.errorCode, error.details["status"], error.details["retryAfter"]),
                             ("WS_CONNECTION_FAIL", 429, 1.0))
            recorder.waitFor("onfeatureThrottled")
            self.assertEqual(client.getConnectionStatus.value, "featureThrottled")
            change = [e.arg for e in recorder.of("connectionStateChanged")][-1]
            self.assertEqual((change.current, change.retryIn), (ConnectionStatus.featureThrottled, 1.0))
            waitFor(lambda: len(self.server.connections("refused")) >= 2, timeout=5)
        finally:
            self.server.accept_upgrades()
        refused = [c["at"] for c in self.server.connections("refused")]
        self.assertGreaterEqual(refused[1] - refused[0], 1.0 - 0.05)
        recorder.waitFor("connected")
        # the README: a 429 gives onfeatureThrottled(), not disconnected(), however many times
        seen = statuses(recorder)
        self.assertEqual(seen[:2], ["connecting", "onfeatureThrottled"])
        self.assertNotIn("disconnected", seen)

    def test_a_refusal_that_is_not_a_throttle_gives_disconnected(self) -> None:
        # the other side of the 429 test: the listener hears disconnected() when it should
        client = self.newClient("cometchat-uid-2", builder=fast())
        recorder = EventRecorder()
        client.addConnectionListener("r", recorder)
        self.server.refuse_upgrades(500)
        try:
            self.assertEqual(error_of(client.connect()).errorCode, "WS_CONNECTION_FAIL")
            recorder.waitFor("disconnected")
            self.assertEqual(statuses(recorder)[:2], ["connecting", "disconnected"])
            self.assertNotIn("onfeatureThrottled", statuses(recorder))
        finally:
            self.server.accept_upgrades()

    def test_a_throttling_mode_gives_connected_then_feature_throttled(self) -> None:
        client = self.newClient("cometchat-uid-4", builder=fast())
        recorder = EventRecorder()
        client.addConnectionListener("r", recorder)
        ok(client.connect())
        self.server.clear_logs()
        self.server.set_mode("LIMITED_TRANSIENT")
        try:
            recorder.waitFor("onfeatureThrottled")
            self.assertEqual(statuses(recorder)[-2:], ["connected", "onfeatureThrottled"])
            self.assertEqual(client.getConnectionStatus, ConnectionStatus.featureThrottled)
            self.assertEqual(len(self.server.requests("GET", "/v3.0/me")), 1)  # the new settingsHash
            self.assertEqual(error_of(client.connect()).errorCode, "ERROR_WEBSOCKETS_ALLREADY_IN_CONNECTED_STATE")
        finally:
            self.server.set_mode("DEFAULT")
        recorder.waitFor("connected", count=3)
        waitFor(lambda: len(self.server.requests("GET", "/v3.0/me")) == 2)
        client.flush(scaled(5))
        self.assertEqual(client.getConnectionStatus, ConnectionStatus.connected)
        self.assertEqual(statuses(recorder)[-3:], ["disconnected", "connecting", "connected"])


class AuthTest(DevServerMixin, unittest.TestCase):
    def test_expired_jwts_cost_one_refresh_and_a_reconnect(self) -> None:
        client = self.newClient("cometchat-uid-1", builder=fast())
        recorder = EventRecorder()
        client.addConnectionListener("r", recorder)
        ok(client.connect())
        self.server.clear_logs()
        self.server.expire_jwts("cometchat-uid-1")
        recorder.waitFor("connected", count=2)
        self.assertEqual(len(self.server.requests("GET", "/v3.0/me")), 1)
        self.assertEqual([c["event"] for c in self.server.connections(uid="cometchat-uid-1")], ["auth_fail", "auth_ok"])

    def test_revoked_credentials_fail_after_exactly_two_attempts_then_silence(self) -> None:
        client = self.newClient("cometchat-uid-2", builder=fast())
        recorder = EventRecorder()
        client.addConnectionListener("r", recorder)
        ok(client.connect())
        self.server.clear_logs()
        self.server.revoke_auth_tokens("cometchat-uid-2")
        error = recorder.waitFor("onConnectionError").arg
        self.assertEqual(error.errorCode, "WS_AUTH_FAIL")
        self.assertEqual(len(self.server.connections("auth_fail", "cometchat-uid-2")), 2)
        self.assertEqual(client.getConnectionStatus, ConnectionStatus.disconnected)
        with self.assertRaises(AssertionError):
            waitFor(lambda: len(self.server.connections("upgrade")) > 2, timeout=1.5)
        self.assertEqual(client.getLoggedInUser().uid, "cometchat-uid-2")  # still logged in
        # the app acts: a new login registers the device again and connects
        ok(client.logout())
        ok(client.login(UID="cometchat-uid-2", authKey=self.server.auth_key))
        self.assertIsNone(ok(client.connect()))

    def test_a_token_the_server_forgot_logs_the_user_out(self) -> None:
        client = self.newClient("cometchat-uid-3", builder=fast())
        recorder = EventRecorder()
        client.addConnectionListener("r", recorder)
        client.addLoginListener("r", recorder)
        ok(client.connect())
        self.server.delete_auth_tokens("cometchat-uid-3")
        recorder.waitFor("onLogoutSuccess")
        self.assertIsNone(client.getLoggedInUser())
        self.assertEqual(client.getConnectionStatus, ConnectionStatus.disconnected)
        self.assertEqual(error_of(client.connect()).errorCode, "ERROR_USER_NOT_LOGGED_IN")


class BackgroundWindowTest(DevServerMixin, unittest.TestCase):
    def test_the_window_closes_the_socket_after_it_lapses(self) -> None:
        client = self.newClient("cometchat-uid-4", builder=fast(window=0.6))
        recorder = EventRecorder()
        client.addConnectionListener("r", recorder)
        ok(client.connect())
        client.configureServices(client.applicationState.didEnterBackground)
        waitFor(client.backgroundTaskEnabled)
        recorder.waitFor("disconnected")
        self.assertFalse(client.backgroundTaskEnabled())
        with self.assertRaises(AssertionError):
            recorder.waitFor("connecting", count=2, timeout=1.0)
        waitFor(lambda: not self.server.sessions("cometchat-uid-4"))

    def test_pings_keep_the_window_open(self) -> None:
        client = self.newClient("cometchat-uid-5", builder=fast(window=0.6))
        recorder = EventRecorder()
        client.addConnectionListener("r", recorder)
        ok(client.connect())
        client.configureServices(client.applicationState.didEnterBackground)
        deadline = time.monotonic() + 2.0
        pause = threading.Event()
        while time.monotonic() < deadline:
            ok(client.ping())
            pause.wait(0.2)  # the app's ping cadence, the thing under test
        self.assertEqual(statuses(recorder), ["connecting", "connected"])
        self.assertTrue(client.backgroundTaskEnabled())

    def test_becoming_active_reconnects_in_auto_mode(self) -> None:
        client = self.newClient(builder=fast(window=0.4), auto=True)
        recorder = EventRecorder()
        client.addConnectionListener("r", recorder)
        ok(client.login(UID="cometchat-uid-1", authKey=self.server.auth_key))
        recorder.waitFor("connected")
        client.configureServices(client.applicationState.willResignActive)
        client.configureServices(client.applicationState.didEnterBackground)
        recorder.waitFor("disconnected")
        client.configureServices(client.applicationState.didBecomeActive)
        recorder.waitFor("connected", count=2)


if __name__ == "__main__":
    unittest.main()
