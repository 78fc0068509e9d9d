"""Connection management against a real DevServer: the seed story, the modes, every table
cell that needs a socket."""

from __future__ import annotations

import unittest

from cometchat import (
    AppSettings,
    CometChat,
    CometChatClient,
    CometChatConnectionDelegate,
    ConnectionStatus,
    ReceiverType,
    TextMessage,
)
from cometchat.testing import DevServerMixin, EventRecorder, FaultProxy, scaled, settingsFor, waitFor
from helpers import error_of, fast, ok, ProxiedMixin, scratch_dir, statuses


class SeedStoryTest(DevServerMixin, unittest.TestCase):
    def test_manual_mode_step_by_step(self) -> None:
        uid = "cometchat-uid-1"
        client = self.newClient(builder=fast())
        recorder = EventRecorder()
        client.addConnectionListener("story", recorder)

        ok(client.login(UID=uid, authKey=self.server.auth_key))
        self.assertEqual(self.server.sessions(uid), [])  # manual mode: login opens no socket
        self.assertEqual(client.getConnectionStatus.value, "disconnected")

        ok(client.connect(onSuccess=recorder.callback("connect.ok")))
        recorder.waitFor("connect.ok")
        self.assertEqual(recorder.names("connecting", "connected", "connect.ok"),
                         ["connecting", "connected", "connect.ok"])
        self.assertEqual(client.getConnectionStatus.value, "connected")
        self.assertEqual(len(self.server.sessions(uid)), 1)

        again = error_of(client.connect(onError=recorder.callback("connect.error")))
        self.assertEqual(again.errorCode, "ERROR_WEBSOCKETS_ALLREADY_IN_CONNECTED_STATE")
        self.assertEqual(again.errorDescription, "Web sockets connect called while web sockets are already connected")
        self.assertEqual(recorder.waitFor("connect.error").arg, again)

        bob = self.newClient("cometchat-uid-2", builder=fast())
        client.addMessageListener("story", recorder)
        hello = TextMessage(receiverUid=uid, text="hello from bob", receiverType=ReceiverType.user)
        ok(bob.sendTextMessage(message=hello))
        self.assertEqual(recorder.waitFor("onTextMessageReceived").arg.text, "hello from bob")

        ok(client.disconnect(onSuccess=recorder.callback("disconnect.ok")))
        recorder.waitFor("disconnect.ok")
        self.assertEqual(statuses(recorder)[-1], "disconnected")
        self.assertEqual(client.getConnectionStatus.value, "disconnected")
        waitFor(lambda: not self.server.sessions(uid))
        unheard = TextMessage(receiverUid=uid, text="nobody hears this", receiverType=ReceiverType.user)
        ok(bob.sendTextMessage(message=unheard))
        with self.assertRaises(AssertionError):
            recorder.waitFor("onTextMessageReceived", count=2, timeout=1.0)

        ok(client.connect())
        self.assertEqual(client.getConnectionStatus, ConnectionStatus.connected)
        ok(client.logout())
        self.assertEqual(client.getConnectionStatus.value, "disconnected")
        waitFor(lambda: not self.server.sessions(uid))
        recorder.waitFor("disconnected", count=2)
        self.assertEqual(statuses(recorder),
                         ["connecting", "connected", "disconnected", "connecting", "connected", "disconnected"])


class PreconditionTest(DevServerMixin, unittest.TestCase):
    def test_not_initialised(self) -> None:
        client = CometChatClient()
        self.addCleanup(client.close)
        for call in (client.connect, client.disconnect, client.ping):
            self.assertEqual(error_of(call()).errorCode, "COMETCHAT_INITIALIZATION_NOT_DONE")
        self.assertEqual(client.getConnectionStatus, ConnectionStatus.disconnected)

    def test_nobody_logged_in(self) -> None:
        client = self.newClient()
        self.assertEqual(error_of(client.connect()).errorCode, "ERROR_USER_NOT_LOGGED_IN")
        self.assertIsNone(ok(client.disconnect()))
        self.assertEqual(error_of(client.ping()).errorCode, "NO_WEBSOCKET_CONNECTION")

    def test_a_login_in_flight_counts_as_not_logged_in(self) -> None:
        with FaultProxy(self.server.url) as proxy, proxy.delay(0.2):
            client = self.newClient(builder=fast(), via=proxy)
            login = client.login(UID="cometchat-uid-2", authKey=self.server.auth_key)
            self.assertEqual(error_of(client.connect()).errorCode, "ERROR_USER_NOT_LOGGED_IN")
            ok(login)
            self.assertIsNone(ok(client.connect()))

    def test_the_facade_status_is_never_none(self) -> None:
        self.assertIsInstance(CometChat.getConnectionStatus, ConnectionStatus)


class AutoModeTest(DevServerMixin, unittest.TestCase):
    def test_login_connects_logout_disconnects(self) -> None:
        client = self.newClient(builder=fast(), auto=True)
        recorder = EventRecorder()
        client.addConnectionListener("r", recorder)
        ok(client.login(UID="cometchat-uid-3", authKey=self.server.auth_key))
        recorder.waitFor("connected")
        self.assertEqual(len(self.server.sessions("cometchat-uid-3")), 1)
        ok(client.logout())
        recorder.waitFor("disconnected")
        waitFor(lambda: not self.server.sessions("cometchat-uid-3"))
        self.assertEqual(statuses(recorder), ["connecting", "connected", "disconnected"])

    def test_init_with_a_saved_session_restores_and_connects(self) -> None:
        path = scratch_dir(self)
        builder = fast(AppSettings.AppSettingsBuilder().setStoragePath(path))
        first = CometChatClient(appId=self.server.app_id, appSettings=settingsFor(self.server, auto=True,
                                                                                builder=builder))
        ok(first.login(UID="cometchat-uid-4", authKey=self.server.auth_key))
        first.close()
        waitFor(lambda: not self.server.sessions("cometchat-uid-4"))
        recorder = EventRecorder()
        second = CometChatClient()
        self.addCleanup(second.close)
        second.addConnectionListener("before-init", recorder)  # survives init
        ok(second.init(appId=self.server.app_id, appSettings=settingsFor(self.server, auto=True, builder=builder)))
        self.assertEqual(second.getLoggedInUser().uid, "cometchat-uid-4")
        recorder.waitFor("connected")
        self.assertEqual(len(self.server.sessions("cometchat-uid-4")), 1)

    def test_manual_init_with_a_saved_session_opens_no_socket(self) -> None:
        path = scratch_dir(self)
        builder = fast(AppSettings.AppSettingsBuilder().setStoragePath(path))
        first = CometChatClient(appId=self.server.app_id, appSettings=settingsFor(self.server, builder=builder))
        ok(first.login(UID="cometchat-uid-5", authKey=self.server.auth_key))
        first.close()
        second = CometChatClient(appId=self.server.app_id, appSettings=settingsFor(self.server, builder=builder))
        self.addCleanup(second.close)
        recorder = EventRecorder()
        second.addConnectionListener("r", recorder)
        self.assertEqual(second.getLoggedInUser().uid, "cometchat-uid-5")
        with self.assertRaises(AssertionError):
            recorder.waitFor("connecting", timeout=0.5)
        self.assertEqual(self.server.sessions("cometchat-uid-5"), [])


class TableCellsTest(ProxiedMixin, unittest.TestCase):
    def test_connecting_then_connect_joins_the_attempt(self) -> None:
        client, proxy = self.proxied_client("cometchat-uid-1")
        with proxy.delay(0.15):
            first, second = client.connect(), client.connect()
            self.assertIsNone(ok(first))
            self.assertIsNone(ok(second))
        self.assertEqual(len(self.server.sessions("cometchat-uid-1")), 1)

    def test_connecting_then_disconnect_aborts_at_once(self) -> None:
        client, proxy = self.proxied_client("cometchat-uid-2")
        recorder = EventRecorder()
        client.addConnectionListener("r", recorder)
        with proxy.blackhole():  # the handshake never completes on its own
            joined = client.connect()
            recorder.waitFor("connecting")
            self.assertIsNone(ok(client.disconnect()))
            self.assertEqual(error_of(joined).errorCode, "ERROR_CONNECTION_ABORTED")
            self.assertEqual(client.getConnectionStatus, ConnectionStatus.disconnected)
        waitFor(lambda: not self.server.open_sockets())
        self.assertTrue(client.flush(scaled(5)))
        self.assertEqual(statuses(recorder), ["connecting", "disconnected"])

    def test_connected_then_disconnect_closes_and_stays_closed(self) -> None:
        client = self.newClient("cometchat-uid-3", builder=fast())
        ok(client.connect())
        ok(client.disconnect())
        waitFor(lambda: not self.server.sessions("cometchat-uid-3"))
        with self.assertRaises(AssertionError):
            waitFor(lambda: self.server.sessions("cometchat-uid-3"), timeout=1.0)

    def test_waiting_then_connect_retries_now(self) -> None:
        client, proxy = self.proxied_client("cometchat-uid-4", initial=30.0, maximum=30.0)
        with proxy.down():
            self.assertEqual(error_of(client.connect()).errorCode, "WS_CONNECTION_FAIL")
        # the next retry is ~15-30 s away; connect() does not wait for it
        self.assertIsNone(ok(client.connect()))
        self.assertEqual(client.getConnectionStatus, ConnectionStatus.connected)

    def test_waiting_then_disconnect_cancels_the_retry(self) -> None:
        client, proxy = self.proxied_client("cometchat-uid-5", initial=0.5, maximum=0.5)
        with proxy.down():
            error_of(client.connect())
            ok(client.disconnect())
        waitFor(lambda: not self.server.open_sockets())  # sockets of earlier tests are gone
        accepted = proxy.accepted
        with self.assertRaises(AssertionError):
            waitFor(lambda: self.server.open_sockets() or proxy.accepted > accepted, timeout=3.0)

    def test_closing_then_connect_reconnects_after_the_close(self) -> None:
        client, proxy = self.proxied_client("cometchat-uid-1")
        ok(client.connect())
        with proxy.delay(0.2):  # the close handshake now takes a while
            closing = client.disconnect()
            reopened = client.connect()
            self.assertIsNone(ok(closing))
            self.assertIsNone(ok(reopened))
        self.assertEqual(client.getConnectionStatus, ConnectionStatus.connected)
        waitFor(lambda: len(self.server.sessions("cometchat-uid-1")) == 1)

    def test_closing_then_disconnect_joins_the_close(self) -> None:
        client, proxy = self.proxied_client("cometchat-uid-2")
        ok(client.connect())
        with proxy.delay(0.2):
            first, second = client.disconnect(), client.disconnect()
            self.assertIsNone(ok(first))
            self.assertIsNone(ok(second))
        self.assertEqual(client.getConnectionStatus, ConnectionStatus.disconnected)

    def test_a_dead_peer_cannot_hold_disconnect_beyond_the_close_timeout(self) -> None:
        client, proxy = self.proxied_client("cometchat-uid-3", close=0.3, ping=30.0)
        ok(client.connect())
        with proxy.blackhole():
            self.assertIsNone(client.disconnect().result(timeout=scaled(0.3 + 2.0)))

    def test_ping(self) -> None:
        client = self.newClient("cometchat-uid-4", builder=fast())
        self.assertEqual(error_of(client.ping()).errorCode, "NO_WEBSOCKET_CONNECTION")
        ok(client.connect())
        self.assertIsNone(ok(client.ping()))


class ListenerRegistryTest(DevServerMixin, unittest.TestCase):
    def test_ids_replace_removal_is_idempotent_and_the_delegate_is_weak(self) -> None:
        client = self.newClient("cometchat-uid-1", builder=fast())
        replaced, kept, delegate = EventRecorder(), EventRecorder(), EventRecorder()
        client.addConnectionListener("same", replaced)
        client.addConnectionListener("same", kept)
        client.connectiondelegate = delegate
        ok(client.connect())
        kept.waitFor("connected")
        delegate.waitFor("connected")
        self.assertEqual(replaced.events, [])
        client.removeConnectionListener("same")
        client.removeConnectionListener("same")
        del delegate
        self.assertIsNone(client.connectiondelegate)

    def test_a_listener_added_during_an_emit_hears_from_the_next_one(self) -> None:
        client = self.newClient("cometchat-uid-2", builder=fast())
        late = EventRecorder()

        class Adder(CometChatConnectionDelegate):
            def connecting(self) -> None:
                client.addConnectionListener("late", late)

        client.addConnectionListener("adder", Adder())
        ok(client.connect())
        late.waitFor("connected")
        self.assertEqual(late.names(), ["connected", "connectionStateChanged"])

    def test_state_changes_carry_previous_current_reason_and_retry(self) -> None:
        client = self.newClient("cometchat-uid-3", builder=fast())
        recorder = EventRecorder()
        client.addConnectionListener("r", recorder)
        ok(client.connect())
        self.server.drop_connections("cometchat-uid-3")
        recorder.waitFor("connected", count=2)
        changes = [e.arg for e in recorder.of("connectionStateChanged")]
        drop = changes[2]
        self.assertEqual((drop.previous, drop.current), (ConnectionStatus.connected, ConnectionStatus.disconnected))
        self.assertEqual(drop.reason.errorCode, "WS_CONNECTION_FAIL")
        self.assertIsNotNone(drop.retryIn)
        self.assertLessEqual(drop.retryIn, 0.5)


if __name__ == "__main__":
    unittest.main()
