"""A hostile server drives the SDK: garbage between valid messages, and the breaks of issue 11
seen from the SDK (a frame that killed its reader, a slow reader closed with 4004, a REST 429).

The hostile server is the dev server's test controls: ``push_raw`` sends frames the protocol
never would (binary, text that is not UTF-8, half a frame and a reset), ``greet`` sends frames
before the auth reply, ``push_many`` the rest. After each kind of garbage the next valid
message still arrives, in order, on the same socket, and no SDK thread dies or logs an error.
"""

from __future__ import annotations

import json
import logging
import unittest
from typing import Any

from cometchat import (
    AppSettings,
    CometChatException,
    ReceiverType,
    TextMessage,
    TransientMessage,
    TypingIndicator,
)
from cometchat.testing import DevServerMixin, EventRecorder, FaultProxy, waitFor
from helpers import (ErrorLog, RewritingProxy, b64, error_of, fast, garbage, ok, pushed_message,
                     reliability, with_settings)

ALICE, BOB, CAROL = "cometchat-uid-1", "cometchat-uid-2", "cometchat-uid-3"


class HostileServerTest(DevServerMixin, unittest.TestCase):
    """One client stays connected through every kind of garbage."""

    def setUp(self) -> None:
        self.alice = self.newClient(ALICE, builder=fast(ping=30, pong=30))
        self.events = EventRecorder()
        self.alice.addMessageListener("r", self.events)
        self.alice.addConnectionListener("r", self.events)
        ok(self.alice.connect())
        self.next_id = 5_000_000

    def valid(self) -> dict[str, Any]:
        self.next_id += 1
        return pushed_message(ALICE, self.next_id)

    def delivered_ids(self) -> list[int]:
        return [e.arg.id for e in self.events.events if e.name == "onTextMessageReceived"]

    def test_a_message_whose_id_is_no_id_is_skipped_and_the_next_arrives(self) -> None:
        skipped = self.alice.statistics().framesSkipped
        for bad_id in (2**63, -5, "9" * 40):
            with self.subTest(id=bad_id):
                bad = pushed_message(ALICE, 1, id=bad_id)
                valid = self.valid()
                delivered = len(self.delivered_ids())  # counted before the push: it may arrive at once
                self.server.push_many(ALICE, [bad, valid])  # one socket read: the valid one must survive
                self.events.waitFor("onTextMessageReceived", count=delivered + 1)
                self.assertEqual(self.delivered_ids()[-1], self.next_id)
        self.assertNotIn(2**63, self.delivered_ids())
        self.assertTrue(waitFor(lambda: self.alice.statistics().framesSkipped == skipped + 3, 5))
        reliability.count("inputs", 3)

    def test_after_each_kind_of_garbage_the_next_valid_message_arrives_in_order(self) -> None:
        generation = self.alice.statistics().generation
        threads = set(self.alice.statistics().threads)
        expected: list[int] = []
        inputs = 0
        with self.assertNoLogs("cometchat", logging.ERROR):
            for kind, frames in garbage(ALICE).items():
                with self.subTest(kind=kind):
                    for frame in frames:  # each bad frame, then a valid one right behind it
                        valid = self.valid()
                        if isinstance(frame, dict) and len(frame) == 1 and set(frame) <= {"binary", "invalid_utf8", "text"}:
                            self.server.push_raw(ALICE, [frame, {"text": json.dumps(valid)}])
                        else:
                            self.server.push_many(ALICE, [frame, valid])
                        expected.append(self.next_id)
                        inputs += 1
                    self.events.waitFor("onTextMessageReceived", count=len(expected))
                    self.assertEqual(self.delivered_ids(), expected)
        stats = self.alice.statistics()
        self.assertEqual((stats.generation, stats.state), (generation, "connected"))  # never dropped
        self.assertLessEqual(threads, set(stats.threads))  # no thread died
        reliability.count("inputs", inputs)
        reliability.count("messages", len(expected))

    def test_odd_shapes_inside_a_message_are_read_leniently_and_cost_nothing_after_them(self) -> None:
        odd = [dict(type="image", data={"attachments": 5}),
               dict(type="file", data={"attachments": [5, {"url": 7}, None], "url": ["x"]}),
               dict(reactions=5), dict(reactions=[{"reaction": 5}, 3]),
               dict(data={"text": "x", "mentions": "bob"}), dict(data={"text": "x", "mentions": {"bob": 5}}),
               dict(quotedMessage=5, tags="x", metadata=[], parentId=[])]
        expected: list[int] = []
        with self.assertNoLogs("cometchat", logging.ERROR):
            for body in odd:
                self.next_id += 1
                frame = pushed_message(ALICE, self.next_id)
                frame["body"].update(body)
                if body.get("type") is None:
                    expected.append(self.next_id)  # a text message whose extras are garbage still arrives
                valid = self.valid()
                self.server.push_many(ALICE, [frame, valid])  # one socket read: the valid one must survive
                expected.append(self.next_id)
                self.events.waitFor("onTextMessageReceived", count=len(expected))
            self.assertEqual(self.delivered_ids(), expected)
        media = [e.arg for e in self.events.events if e.name == "onMediaMessageReceived"]
        self.assertEqual([(m.attachments, m.attachment) for m in media], [(None, None), (None, None)])
        for message in (e.arg for e in self.events.events if e.name == "onTextMessageReceived"):
            self.assertEqual((message.reactions, message.mentionedUsers, message.quotedMessage),
                             ([], [], None))

    def assert_the_next_message_arrives(self) -> None:
        """A valid message pushed now is the first (and only) one delivered."""
        self.server.push_many(ALICE, [self.valid()])
        self.events.waitFor("onTextMessageReceived")
        self.assertEqual(self.delivered_ids(), [self.next_id])

    def last_drop_reason(self) -> str:
        """The reason of the last change away from connected, as connection listeners saw it."""
        drops = [e.arg for e in self.events.of("connectionStateChanged") if e.arg.previous.value == "connected"]
        return str(getattr(drops[-1].reason, "errorDescription", drops[-1].reason))

    def test_a_header_announcing_a_huge_message_fails_the_socket_at_once(self) -> None:
        # without the header check the reader would wait for 1 TiB until the 30 s pong deadline
        huge = b"\x81\x7f" + (1 << 40).to_bytes(8, "big") + b"{"
        self.server.push_raw(ALICE, [{"wire": b64(huge)}])
        self.events.waitFor("connected", count=2)
        self.assertIn("larger than", self.last_drop_reason())
        self.assert_the_next_message_arrives()
        reliability.count("attacks", 1)

    def test_a_malformed_close_frame_is_a_failed_socket_and_the_next_message_arrives(self) -> None:
        self.events.waitFor("connected")  # the first connect's event may trail connect()'s onSuccess
        # one byte; code 1005, which no frame may carry; a reason that is not UTF-8
        for close in (b"\x88\x01\x03", b"\x88\x02\x03\xed", b"\x88\x03\x03\xe8\xff"):
            with self.subTest(close=close.hex()):
                connected = len(self.events.of("connected"))
                self.server.push_raw(ALICE, [{"wire": b64(close)}])
                self.events.waitFor("connected", count=connected + 1)
                self.assertIn("malformed close frame", self.last_drop_reason())
        self.assert_the_next_message_arrives()
        reliability.count("attacks", 2)

    def test_a_close_in_the_middle_of_a_frame_is_a_drop_and_the_next_message_arrives(self) -> None:
        first = self.valid()
        self.server.push_raw(ALICE, [{"text": json.dumps(first)}, {"cut": True}])
        self.events.waitFor("connected", count=2)
        second = self.valid()
        self.server.push_many(ALICE, [second])
        self.events.waitFor("onTextMessageReceived", count=2)
        self.assertEqual(self.delivered_ids(), [first["body"]["id"] and int(first["body"]["id"]), self.next_id])
        reliability.count("faults", 1)

    def test_frames_before_the_auth_reply_are_ignored(self) -> None:
        ok(self.alice.disconnect())
        early = self.valid()
        self.server.greet([{"text": json.dumps(early)}, {"binary": b64(b"\x01")}, {"text": "{nope"},
                           {"text": '{"type":"auth","body":{"status":"OK"}}'}])
        try:
            ok(self.alice.connect())
        finally:
            self.server.greet([])
        later = self.valid()
        self.server.push_many(ALICE, [later])
        self.events.waitFor("onTextMessageReceived")
        self.assertEqual(self.delivered_ids(), [self.next_id])  # nothing counts before the auth reply
        reliability.count("inputs", 4)


class SdkBreaksTest(DevServerMixin, unittest.TestCase):
    server_options = {"max_outbox_bytes": 256 * 1024, "auth_failures": 3, "auth_failure_window": 30.0}

    def test_break_5_a_malformed_frame_is_skipped_and_the_message_behind_it_is_not_lost(self) -> None:
        alice = self.newClient(ALICE, builder=fast(ping=30, pong=30))
        events = EventRecorder()
        alice.addMessageListener("r", events)
        ok(alice.connect())
        generation = alice.statistics().generation
        bad = ['{"type":"receipts","receiver":"%s","receiverType":"user","body":{"action":"read","messageId":"1",'
               '"user":{"uid":"x"},"timestamp":"\u00b2"}}' % ALICE, '{"type":"message","body":{"id":Infinity}}',
               '{"type":"message","body":{"id":NaN}}', '{"type":"message","body":{"sentAt":1e400}}',
               "[" * 10000 + "]" * 10000]
        frames: list[Any] = []
        for n, frame in enumerate(bad):
            frames += [frame, pushed_message(ALICE, 6_000_000 + n)]
        with self.assertNoLogs("cometchat", logging.ERROR):
            self.server.push_many(ALICE, frames)
            events.waitFor("onTextMessageReceived", count=len(bad))
        self.assertEqual([e.arg.id for e in events.events], [6_000_000 + n for n in range(len(bad))])
        self.assertEqual(alice.statistics().generation, generation)  # no drop, no reconnect
        reliability.count("inputs", len(bad))

    def test_break_2_a_receiver_that_falls_behind_is_closed_4004_reconnects_and_recovers(self) -> None:
        builder = fast(AppSettings.AppSettingsBuilder().setInMemoryStorage().recoverMissedMessages(True),
                       ping=30, pong=30)
        with FaultProxy(self.server.url) as proxy:
            bob = self.newClient(BOB, builder=builder, via=proxy)
            heard = EventRecorder()
            bob.addMessageListener("r", heard)
            bob.addConnectionListener("r", heard)
            ok(bob.connect())
            alice = self.newClient(ALICE, builder=fast(ping=30, pong=30))
            ok(alice.connect())
            blob = {"blob": "x" * 60 * 1024}
            self.server.clear_logs()
            with proxy.blackhole():  # bob stops reading, as far as the server can tell
                for _ in range(2000):
                    alice.sendTransientMessage(message=TransientMessage(receiverID=BOB, receiverType=ReceiverType.user,
                                                                        data=blob))
                    if self.server.connections("overflow", BOB):
                        break
                waitFor(lambda: self.server.connections("overflow", BOB), timeout=20)
                missed = ok(alice.sendTextMessage(message=TextMessage(receiverUid=BOB, text="while you were slow",
                                                                      receiverType=ReceiverType.user)))
            heard.waitFor("disconnected", timeout=30)
            [change] = [e.arg for e in heard.events
                        if e.name == "connectionStateChanged" and e.arg.current.value == "disconnected"][:1]
            self.assertEqual(change.reason.details.get("code"), 4004)
            heard.waitFor("connected", count=2, timeout=30)
            got = heard.waitFor("onTextMessageReceived", timeout=30).arg
        self.assertEqual((got.id, got.text), (missed.id, "while you were slow"))
        self.assertEqual([e.arg.id for e in heard.events if e.name == "onTextMessageReceived"], [missed.id])
        reliability.count("faults", 1)
        reliability.count("messages", 1)

    def test_a_rest_429_is_a_clear_exception_carrying_the_wait(self) -> None:
        client = self.newClient()
        for _ in range(3):
            self.assertEqual(error_of(client.login(UID=CAROL, authKey="wrong-key")).errorCode,
                             "AUTH_ERR_APIKEY_NOT_FOUND")
        error = error_of(client.login(UID=CAROL, authKey=self.server.auth_key))
        self.assertIsInstance(error, CometChatException)
        self.assertEqual(error.errorCode, "ERROR_TOO_MANY_REQUESTS")
        self.assertTrue(1 <= error.details["retryAfter"] <= 30, error.details)
        self.assertEqual((error.details["status"], error.details["serverCode"]), (429, "ERR_TOO_MANY_REQUESTS"))
        self.assertIn(f"{error.details['retryAfter']:g} s", error.errorDescription)
        reliability.count("attacks", 1)

    def test_bad_text_and_metadata_are_refused_locally_with_a_code(self) -> None:
        alice = self.newClient(ALICE, builder=fast(ping=30, pong=30))
        ok(alice.connect())
        error = error_of(alice.sendTextMessage(message=TextMessage(receiverUid=BOB, text="bad \ud800",
                                                                   receiverType=ReceiverType.user)))
        self.assertEqual(error.errorCode, "INVALID_MESSAGE_TEXT")
        with self.assertLogs("cometchat", logging.WARNING) as logs:  # fire and forget: logged, never raised
            alice.startTyping(indicator=TypingIndicator(receiverID=BOB, receiverType=ReceiverType.user,
                                                        metadata={"m": "\udc00"}))
            alice.sendTransientMessage(message=TransientMessage(receiverID=BOB, receiverType=ReceiverType.user,
                                                                data={"n": float("nan")}))
        self.assertEqual(sum("ERROR_INVALID_PAYLOAD" in line for line in logs.output), 2)
        reliability.count("inputs", 3)


class BadSettingsTest(DevServerMixin, unittest.TestCase):
    """App settings whose socket host or port is none: one clear error, no retry, no traceback."""

    def test_a_socket_port_that_is_no_port_is_reported_once_and_not_retried(self) -> None:
        for port in ("abc", "99999"):
            with self.subTest(port=port):
                proxy = RewritingProxy(self.server.url, with_settings(CHAT_WSS_PORT=port)).start()
                self.addCleanup(proxy.stop)
                client = self.newClient(BOB, builder=fast(initial=0.05, maximum=0.05), via=proxy)
                heard = EventRecorder()
                client.addConnectionListener("r", heard)
                errors = ErrorLog()
                logging.getLogger("cometchat").addHandler(errors)
                self.addCleanup(logging.getLogger("cometchat").removeHandler, errors)
                error = error_of(client.connect())
                self.assertEqual(error.errorCode, "ERROR_INVALID_SERVER_SETTINGS")
                self.assertEqual(error.details, {"setting": "CHAT_WSS_PORT", "value": port})
                self.assertIn("CHAT_WSS_PORT", error.errorDescription)
                self.assertEqual(heard.waitFor("onConnectionError").arg.errorCode, "ERROR_INVALID_SERVER_SETTINGS")
                heard.waitFor("disconnected")
                stats = client.statistics()  # waiting cannot change the settings: nothing is scheduled
                self.assertEqual((stats.state, stats.connectAttempts, stats.retries), ("idle", 1, 0))
                self.assertEqual(error_of(client.connect()).errorCode, "ERROR_INVALID_SERVER_SETTINGS")  # told again
                self.assertEqual(errors.records, [])  # no internal error, no traceback
                reliability.count("attacks", 1)


class LogoutTokenTest(DevServerMixin, unittest.TestCase):
    """Item 8: what logout means for the auth token (README, "What logout ends")."""

    def test_logout_ends_the_device_session_and_the_token_logs_in_again(self) -> None:
        token = self.server.auth_token(ALICE)
        client = self.newClient(builder=fast(ping=30, pong=30))
        ok(client.login(authToken=token))
        ok(client.connect())
        self.assertEqual(len(self.server.sessions(ALICE)), 1)
        ok(client.logout())
        waitFor(lambda: not self.server.sessions(ALICE))
        self.assertIsNone(client.getUserAuthToken())
        # CometChat's auth token is the app's credential, made by its server and reused for
        # later logins on any device: logout does not revoke it ...
        self.assertEqual(ok(client.login(authToken=token)).uid, ALICE)
        ok(client.connect())
        self.assertNotEqual([s["deviceId"] for s in self.server.sessions(ALICE)], [])
        # ... deleting it through the admin API does (and the SDK then logs out locally)
        self.server.delete_auth_tokens(ALICE)
        waitFor(lambda: client.getLoggedInUser() is None)  # its JWT refresh met the unknown token
        error = error_of(client.login(authToken=token))
        self.assertEqual(error.errorCode, "AUTH_ERR_AUTH_TOKEN_NOT_FOUND")
        reliability.count("attacks", 1)


if __name__ == "__main__":
    unittest.main()
