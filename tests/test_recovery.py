"""Missed-message recovery: across drops and restarts, every message exactly once, in order."""

from __future__ import annotations

import threading
import unittest
from typing import Any

from cometchat import AppSettings, CometChatClient, ReceiverType, TextMessage
from cometchat.testing import DevServerMixin, EventRecorder, FaultProxy, scaled, settingsFor, waitFor
from helpers import fast, ok, scratch_dir

ALICE, BOB = "cometchat-uid-1", "cometchat-uid-2"


def text(to: str, body: str) -> TextMessage:
    return TextMessage(receiverUid=to, text=body, receiverType=ReceiverType.user)


class RecoveryTest(DevServerMixin, unittest.TestCase):
    def sender(self) -> CometChatClient:
        return self.newClient(ALICE, builder=fast())  # type: ignore[no-any-return]

    def receiver(self, *, via: Any = None, path: str | None = None, uid: str = BOB) -> tuple[CometChatClient, EventRecorder]:
        base = AppSettings.AppSettingsBuilder()
        base = base.setStoragePath(path) if path else base.setInMemoryStorage()
        builder = fast(base.recoverMissedMessages(True))
        client = CometChatClient(appId=self.server.app_id, appSettings=settingsFor(self.server, builder=builder,
                                                                                 via=via))
        self.addCleanup(client.close)
        recorder = EventRecorder()
        client.addMessageListener("r", recorder)
        client.addConnectionListener("r", recorder)
        if client.getLoggedInUser() is None:
            ok(client.login(UID=uid, authKey=self.server.auth_key))
        return client, recorder

    def received(self, recorder: EventRecorder) -> list[str]:
        return [e.arg.text for e in recorder.of("onTextMessageReceived")]

    def test_drops_in_the_middle_of_a_stream_lose_and_repeat_nothing(self) -> None:
        alice = self.sender()
        proxy = FaultProxy(self.server.url).start()
        self.addCleanup(proxy.stop)
        bob, events = self.receiver(via=proxy)
        ok(bob.connect())
        events.waitFor("connected")
        sent: list[str] = []
        faults = {20: proxy.cut, 40: lambda: self.server.drop_connections(BOB), 55: proxy.cut}
        for n in range(70):
            if n in faults:
                waitFor(lambda: bob.getConnectionStatus.value == "connected")  # hit a live link
                faults[n]()
            ok(alice.sendTextMessage(message=text(BOB, f"s{n}")))
            sent.append(f"s{n}")
        events.waitFor("onTextMessageReceived", count=70, timeout=30)
        self.assertTrue(bob.flush(scaled(5)))
        events.waitFor("connected", count=4)  # the first link and one after each fault
        self.assertEqual(self.received(events), sent)

    def test_messages_sent_while_disconnected_arrive_on_reconnect(self) -> None:
        alice = self.sender()
        bob, events = self.receiver()
        ok(bob.connect())
        ok(alice.sendTextMessage(message=text(BOB, "before")))
        events.waitFor("onTextMessageReceived")
        ok(bob.disconnect())
        for n in range(3):
            ok(alice.sendTextMessage(message=text(BOB, f"while away {n}")))
        mine = ok(bob.sendTextMessage(message=text(ALICE, "bob wrote this while away")))
        ok(bob.connect())
        events.waitFor("onTextMessageReceived", count=4)
        self.assertTrue(bob.flush(scaled(5)))
        self.assertEqual(self.received(events), ["before", "while away 0", "while away 1", "while away 2"])
        self.assertGreater(mine.id, 0)

    def test_a_restarted_client_on_the_same_storage_catches_up(self) -> None:
        alice = self.sender()
        path = scratch_dir(self)
        first, events = self.receiver(path=path)
        ok(first.connect())
        ok(alice.sendTextMessage(message=text(BOB, "seen")))
        events.waitFor("onTextMessageReceived")
        self.assertTrue(first.flush(scaled(5)))
        last = first.getLastDeliveredMessageId()
        first.close()
        for n in range(5):
            ok(alice.sendTextMessage(message=text(BOB, f"missed {n}")))
        second, later = self.receiver(path=path)
        self.assertEqual(second.getLastDeliveredMessageId(), last)
        ok(second.connect())
        later.waitFor("onTextMessageReceived", count=5)
        self.assertTrue(second.flush(scaled(5)))
        self.assertEqual(self.received(later), [f"missed {n}" for n in range(5)])
        self.assertGreater(second.getLastDeliveredMessageId(), last)

    def test_live_messages_during_recovery_wait_their_turn(self) -> None:
        alice = self.sender()
        bob, events = self.receiver()
        ok(bob.connect())
        ok(alice.sendTextMessage(message=text(BOB, "first")))
        events.waitFor("onTextMessageReceived")
        ok(bob.disconnect())
        for n in range(150):  # more than one page of history
            ok(alice.sendTextMessage(message=text(BOB, f"old {n}")))
        stop = threading.Event()
        live: list[str] = []

        def keep_sending() -> None:
            n = 0
            while not stop.is_set() and n < 30:
                live.append(f"live {n}")
                ok(alice.sendTextMessage(message=text(BOB, f"live {n}")))
                n += 1

        ok(bob.connect())
        pusher = threading.Thread(target=keep_sending, name="test-live-sender")
        pusher.start()
        pusher.join(timeout=scaled(60))
        stop.set()
        expected = ["first"] + [f"old {n}" for n in range(150)] + live
        events.waitFor("onTextMessageReceived", count=len(expected), timeout=30)
        self.assertTrue(bob.flush(scaled(5)))
        self.assertEqual(self.received(events), expected)

    def test_recovery_is_off_by_default(self) -> None:
        alice = self.sender()
        bob = self.newClient(BOB, builder=fast())
        events = EventRecorder()
        bob.addMessageListener("r", events)
        ok(bob.connect())
        ok(bob.disconnect())
        ok(alice.sendTextMessage(message=text(BOB, "missed for good")))
        ok(bob.connect())
        with self.assertRaises(AssertionError):
            events.waitFor("onTextMessageReceived", timeout=1.0)
        waitFor(lambda: self.server.sessions(BOB))


if __name__ == "__main__":
    unittest.main()
