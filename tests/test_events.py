"""Real-time events between real clients: messages, typing, receipts, presence, transient
messages, echo rules, ordering, and frames fed by hand."""

from __future__ import annotations

import json
import time
import unittest
from typing import Any

import attrs

from cometchat import (
    AppSettings,
    CometChatClient,
    CustomMessage,
    MessageCategory,
    MessageType,
    ReceiptType,
    ReceiverType,
    TextMessage,
    TransientMessage,
    TypingIndicator,
    User,
    UserStatus,
)
from cometchat.testing import DevServerMixin, EventRecorder, scaled, waitFor
from helpers import error_of, fast, ok, pushed_message, text

ALICE, BOB, CAROL, DAVE = "cometchat-uid-1", "cometchat-uid-2", "cometchat-uid-3", "cometchat-uid-4"


class Pair(DevServerMixin):
    """Two connected users, each with a recorder on every kind of listener."""

    def connected(self, uid: str, builder: Any = None) -> tuple[CometChatClient, EventRecorder]:
        client = self.newClient(uid, builder=builder or fast())  # type: ignore[attr-defined]
        recorder = EventRecorder()
        client.addMessageListener("r", recorder)
        client.addUserListener("r", recorder)
        client.addConnectionListener("r", recorder)
        ok(client.connect())
        return client, recorder


class MessagesTest(Pair, unittest.TestCase):
    def setUp(self) -> None:
        self.alice, self.alice_events = self.connected(ALICE)
        self.bob, self.bob_events = self.connected(BOB)

    def test_a_text_message_arrives_with_every_field(self) -> None:
        message = text(BOB, "hi bob")
        message.metaData = {"mood": "happy"}
        message.tags = ["greeting"]
        sent = ok(self.alice.sendTextMessage(message=message))
        self.assertIsInstance(sent, TextMessage)
        self.assertGreater(sent.id, 0)
        got = self.bob_events.waitFor("onTextMessageReceived").arg
        self.assertIsInstance(got, TextMessage)
        self.assertEqual((got.id, got.text, got.senderUid, got.receiverUid), (sent.id, "hi bob", ALICE, BOB))
        self.assertEqual((got.receiverType, got.messageType, got.messageCategory),
                         (ReceiverType.user, MessageType.text, MessageCategory.message))
        self.assertIsInstance(got.sender, User)
        self.assertEqual((got.sender.uid, got.sender.name), (ALICE, "Andrew Joseph"))
        self.assertEqual((got.receiver.uid, got.receiver.name), (BOB, "George Alan"))
        self.assertEqual(got.conversationId, f"{ALICE}_user_{BOB}")
        self.assertGreater(got.sentAt, 1_600_000_000)
        self.assertEqual((got.metaData, got.tags), ({"mood": "happy"}, ["greeting"]))
        self.assertTrue(got.muid)
        self.assertEqual(got.muid, sent.muid)
        self.assertEqual(self.bob_events.waitFor("onTextMessageReceived").thread, "cometchat-callbacks")
        self.assertEqual(self.bob.getLastDeliveredMessageId(), got.id)

    def test_a_custom_message_arrives(self) -> None:
        custom = CustomMessage(receiverUid=BOB, receiverType=ReceiverType.user, customData={"lat": 51.5},
                               type="location", subType="pin")
        custom.metaData = {"k": 1}
        sent = ok(self.alice.sendCustomMessage(message=custom))
        got = self.bob_events.waitFor("onCustomMessageReceived").arg
        self.assertIsInstance(got, CustomMessage)
        self.assertEqual((got.id, got.customData, got.type, got.subType, got.metaData),
                         (sent.id, {"lat": 51.5}, "location", "pin", {"k": 1}))
        self.assertEqual((got.messageCategory, got.sender.uid), (MessageCategory.custom, ALICE))

    def test_no_echo_to_the_sending_session_but_the_same_users_other_session_gets_it(self) -> None:
        alice_phone, phone_events = self.connected(ALICE)
        sent = ok(self.alice.sendTextMessage(message=text(BOB)))
        self.assertEqual(phone_events.waitFor("onTextMessageReceived").arg.id, sent.id)
        self.bob_events.waitFor("onTextMessageReceived")
        self.assertTrue(self.alice.flush(scaled(5)))
        self.assertEqual(self.alice_events.of("onTextMessageReceived"), [])
        del alice_phone

    def test_nothing_arrives_after_disconnect(self) -> None:
        ok(self.bob.disconnect())
        ok(self.alice.sendTextMessage(message=text(BOB, "into the void")))
        with self.assertRaises(AssertionError):
            self.bob_events.waitFor("onTextMessageReceived", timeout=1.0)

    def test_sending_needs_no_socket(self) -> None:
        ok(self.alice.disconnect())
        sent = ok(self.alice.sendTextMessage(message=text(BOB, "over REST")))
        self.assertEqual(self.bob_events.waitFor("onTextMessageReceived").arg.id, sent.id)

    def test_removed_listeners_hear_nothing_more(self) -> None:
        self.bob.removeMessageListener("r")
        ok(self.alice.sendTextMessage(message=text(BOB)))
        waitFor(lambda: self.server.sessions(BOB))
        self.assertTrue(self.bob.flush(scaled(5)))
        with self.assertRaises(AssertionError):
            self.bob_events.waitFor("onTextMessageReceived", timeout=1.0)

    def test_a_listener_removed_inside_a_burst_hears_no_more_of_it(self) -> None:
        heard: list[int] = []
        bob = self.bob

        class Leaver:
            def onTextMessageReceived(self, message: TextMessage) -> None:
                heard.append(message.id)
                bob.removeMessageListener("leaver")

        self.bob.addMessageListener("leaver", Leaver())
        template = json.dumps(pushed_message(BOB, 0, sender=ALICE)).replace('"0"', '"{n}"')
        self.assertEqual(self.server.blast(BOB, template, 300, start=1000), 1)  # one burst, read in batches
        self.bob_events.waitFor("onTextMessageReceived", count=300, timeout=30)  # the others hear all 300
        self.assertEqual([e.arg.id for e in self.bob_events.of("onTextMessageReceived")], list(range(1000, 1300)))
        self.assertEqual(heard, [1000])

    def test_the_weak_message_delegate(self) -> None:
        delegate = EventRecorder()
        self.bob.messagedelegate = delegate
        ok(self.alice.sendTextMessage(message=text(BOB)))
        delegate.waitFor("onTextMessageReceived")
        del delegate
        self.assertIsNone(self.bob.messagedelegate)

    def test_two_hundred_messages_arrive_in_order(self) -> None:
        sent = [self.alice.sendTextMessage(message=text(BOB, f"n{n}")) for n in range(200)]
        ids = [ok(future).id for future in sent]
        self.assertEqual(ids, sorted(ids))
        self.bob_events.waitFor("onTextMessageReceived", count=200, timeout=30)
        got = [e.arg for e in self.bob_events.of("onTextMessageReceived")]
        self.assertEqual([m.text for m in got], [f"n{n}" for n in range(200)])
        self.assertEqual([m.id for m in got], ids)

    def test_validation_before_any_request(self) -> None:
        self.server.clear_logs()
        cases = [
            (self.alice.sendTextMessage, text(""), "INVALID_RECEIVER_ID"),
            (self.alice.sendTextMessage, TextMessage(receiverUid=BOB, text="x", receiverType="planet"),
             "INVALID_RECEIVER_TYPE"),
            (self.alice.sendTextMessage, text(BOB, "   "), "INVALID_MESSAGE_TEXT"),
            (self.alice.sendTextMessage, "not a message", "ERROR_INVALID_MESSAGE"),
            (self.alice.sendCustomMessage, CustomMessage(receiverUid=BOB, customData="x", type="t"),
             "INVALID_CUSTOM_DATA"),
            (self.alice.sendCustomMessage, CustomMessage(receiverUid=BOB, customData={}, type=""),
             "INVALID_MESSAGE_TYPE"),
            (self.alice.sendTextMessage, text(BOB, "tagged", tags="holiday"), "ERROR_INVALID_PAYLOAD"),
            (self.alice.sendTextMessage, text(BOB, "tagged", tags=["a", 1]), "ERROR_INVALID_PAYLOAD"),
            (self.alice.sendCustomMessage, CustomMessage(receiverUid=BOB, customData={}, type="t", tags="x"),
             "ERROR_INVALID_PAYLOAD"),
            (self.alice.sendTextMessage, text(BOB, "meta", metaData=["not", "a", "dict"]), "ERROR_INVALID_PAYLOAD"),
        ]
        for send, message, code in cases:
            with self.subTest(code=code):
                self.assertEqual(error_of(send(message=message)).errorCode, code)
        self.assertEqual(self.server.requests("POST", "/v3.0/messages"), [])

    def test_a_receiver_type_assigned_as_a_string_after_building_is_still_read(self) -> None:
        message = TextMessage(receiverUid="nobody", text="re-addressed", receiverType=ReceiverType.group)
        message.receiverUid, message.receiverType = BOB, "user"  # as an app re-addresses a draft
        sent = ok(self.alice.sendTextMessage(message=message))
        got = self.bob_events.waitFor("onTextMessageReceived").arg
        self.assertEqual((got.id, got.text, got.receiverType), (sent.id, "re-addressed", ReceiverType.user))
        message.receiverType = "planet"
        self.assertEqual(error_of(self.alice.sendTextMessage(message=message)).errorCode, "INVALID_RECEIVER_TYPE")

    def test_server_errors_pass_through(self) -> None:
        error = error_of(self.alice.sendTextMessage(message=text("nobody-at-all")))
        self.assertEqual(error.errorCode, "ERR_UID_NOT_FOUND")

    def test_a_forgotten_token_on_send_logs_the_user_out(self) -> None:
        carol = self.newClient(CAROL, builder=fast())
        recorder = EventRecorder()
        carol.addLoginListener("r", recorder)
        self.server.delete_auth_tokens(CAROL)
        self.assertEqual(error_of(carol.sendTextMessage(message=text(BOB))).errorCode,
                         "AUTH_ERR_AUTH_TOKEN_NOT_FOUND")
        recorder.waitFor("onLogoutSuccess")
        self.assertIsNone(carol.getLoggedInUser())


class TypingReceiptsTransientTest(Pair, unittest.TestCase):
    def setUp(self) -> None:
        self.alice, self.alice_events = self.connected(ALICE)
        self.bob, self.bob_events = self.connected(BOB)

    def test_typing_started_once_until_ended_with_metadata(self) -> None:
        indicator = TypingIndicator(receiverID=BOB, receiverType=ReceiverType.user, metadata={"draft": 1})
        self.assertIsNone(self.alice.startTyping(indicator=indicator))
        self.alice.startTyping(indicator=indicator)  # no second "started"
        self.alice.endTyping(indicator=indicator)
        self.alice.endTyping(indicator=indicator)  # no second "ended"
        self.alice.startTyping(indicator=indicator)
        self.bob_events.waitFor("onTypingStarted", count=2)
        self.assertTrue(self.bob.flush(scaled(5)))
        self.assertEqual(self.bob_events.names("onTypingStarted", "onTypingEnded"),
                         ["onTypingStarted", "onTypingEnded", "onTypingStarted"])
        got = self.bob_events.waitFor("onTypingStarted").arg
        self.assertIsInstance(got, TypingIndicator)
        self.assertEqual((got.receiverID, got.receiverType, got.metadata), (BOB, ReceiverType.user, {"draft": 1}))
        self.assertEqual((got.sender.uid, got.sender.name), (ALICE, "Andrew Joseph"))

    def test_delivered_and_read_receipts_both_ways_with_timestamps(self) -> None:
        to_bob = ok(self.alice.sendTextMessage(message=text(BOB, "one")))
        received = self.bob_events.waitFor("onTextMessageReceived").arg
        before = int(time.time()) - 1
        self.assertIsNone(ok(self.bob.markAsDelivered(baseMessage=received, onSuccess=lambda: None)))
        self.assertIsNone(self.bob.markAsRead(baseMessage=received))  # fire and forget
        delivered = self.alice_events.waitFor("onMessagesDelivered").arg
        read = self.alice_events.waitFor("onMessagesRead").arg
        for receipt, kind in ((delivered, ReceiptType.delivered), (read, ReceiptType.read)):
            self.assertEqual((receipt.messageId, receipt.receiptType, receipt.receiverType),
                             (str(to_bob.id), kind, ReceiverType.user))
            self.assertEqual(receipt.sender.uid, BOB)
            self.assertGreaterEqual(receipt.timeStamp, before)
        self.assertEqual((delivered.deliveredAt, delivered.readAt), (delivered.timeStamp, 0))
        self.assertEqual((read.readAt, read.deliveredAt), (read.timeStamp, 0))
        # the other way, with the Swift messageId form
        to_alice = ok(self.bob.sendTextMessage(message=text(ALICE, "two")))
        self.alice_events.waitFor("onTextMessageReceived")
        ok(self.alice.markAsRead(messageId=to_alice.id, receiverId=BOB, receiverType=ReceiverType.user,
                                 messageSender=BOB, onSuccess=lambda: None))
        receipt = self.bob_events.waitFor("onMessagesRead").arg
        self.assertEqual((receipt.messageId, receipt.sender.uid), (str(to_alice.id), ALICE))

    def test_receipt_errors(self) -> None:
        message = ok(self.alice.sendTextMessage(message=text(BOB)))
        bad = [
            (dict(messageId=0, receiverId=ALICE, receiverType="user", messageSender=ALICE), "ERROR_INVALID_MESSAGEID"),
            (dict(messageId=5, receiverId="", receiverType="user", messageSender=ALICE), "INVALID_RECEIVER_ID"),
            (dict(messageId=5, receiverId=ALICE, receiverType="room", messageSender=ALICE), "INVALID_RECEIVER_TYPE"),
            (dict(messageId=5, receiverId=ALICE, receiverType="user", messageSender=""), "ERROR_INVALID_SENDER_ID"),
        ]
        for kwargs, code in bad:
            with self.subTest(code=code):
                self.assertEqual(error_of(self.bob.markAsRead(onError=lambda e: None, **kwargs)).errorCode, code)
        ok(self.bob.disconnect())
        self.assertEqual(error_of(self.bob.markAsDelivered(baseMessage=message, onError=lambda e: None)).errorCode,
                         "NO_WEBSOCKET_CONNECTION")
        with self.assertLogs("cometchat", "WARNING"):
            self.assertIsNone(self.bob.markAsDelivered(baseMessage=message))

    def test_transient_messages(self) -> None:
        self.alice.sendTransientMessage(message=TransientMessage(receiverID=BOB, receiverType=ReceiverType.user,
                                                                 data={"emoji": "wave"}))
        got = self.bob_events.waitFor("onTransisentMessageReceived").arg
        self.assertIsInstance(got, TransientMessage)
        self.assertEqual((got.data, got.sender.uid, got.receiverID), ({"emoji": "wave"}, ALICE, BOB))

    def test_socket_sends_while_disconnected_are_logged_not_raised(self) -> None:
        ok(self.alice.disconnect())
        with self.assertLogs("cometchat", "WARNING") as logs:
            self.alice.startTyping(indicator=TypingIndicator(receiverID=BOB, receiverType=ReceiverType.user))
            self.alice.sendTransientMessage(message=TransientMessage(receiverID=BOB, data={}))
        self.assertEqual(sum("NO_WEBSOCKET_CONNECTION" in line for line in logs.output), 2)


class ThrottledModeTest(Pair, unittest.TestCase):
    def test_receipts_and_typing_are_refused_locally_under_a_throttling_mode(self) -> None:
        alice, alice_events = self.connected(ALICE)
        bob, bob_events = self.connected(BOB)
        message = ok(alice.sendTextMessage(message=text(BOB)))
        self.server.set_mode("LIMITED_TRANSIENT")
        self.addCleanup(self.server.set_mode, "DEFAULT")
        bob_events.waitFor("onfeatureThrottled")
        error = error_of(bob.markAsRead(baseMessage=message, onError=lambda e: None))
        self.assertEqual(error.errorCode, "RECEIPTS_TEMPORARILY_BLOCKED")
        alice_events.waitFor("onfeatureThrottled")
        alice.startTyping(indicator=TypingIndicator(receiverID=BOB, receiverType=ReceiverType.user))
        alice.sendTransientMessage(message=TransientMessage(receiverID=BOB, data={"still": "allowed"}))
        self.assertEqual(bob_events.waitFor("onTransisentMessageReceived").arg.data, {"still": "allowed"})
        self.assertEqual(bob_events.of("onTypingStarted"), [])


class PresenceTest(Pair, unittest.TestCase):
    def watcher(self, uid: str, builder: Any) -> EventRecorder:
        return self.connected(uid, builder=fast(builder))[1]

    def come_and_go(self, uid: str) -> None:
        visitor = self.newClient(uid, builder=fast())
        ok(visitor.connect())
        ok(visitor.disconnect())

    def assertHearsOnlineAndOffline(self, events: EventRecorder, uid: str) -> None:
        online = events.waitFor("onUserOnline").arg
        offline = events.waitFor("onUserOffline").arg
        self.assertEqual((online.uid, online.status), (uid, UserStatus.online))
        self.assertEqual((offline.uid, offline.status), (uid, UserStatus.offline))
        self.assertGreater(offline.lastActiveAt, 1_600_000_000)

    def test_all_users(self) -> None:
        events = self.watcher(ALICE, AppSettings.AppSettingsBuilder().setInMemoryStorage()
                              .subscribePresenceForAllUsers())
        self.come_and_go(BOB)
        self.assertHearsOnlineAndOffline(events, BOB)

    def test_roles_inside_and_outside(self) -> None:
        moderators = self.watcher(BOB, AppSettings.AppSettingsBuilder().setInMemoryStorage()
                                  .subcribePresenceForRoles(roles=["moderator"]))
        admins = self.watcher(CAROL, AppSettings.AppSettingsBuilder().setInMemoryStorage()
                              .subscribePresenceForRoles(roles=["admin"]))
        self.come_and_go(DAVE)  # a moderator
        self.assertHearsOnlineAndOffline(moderators, DAVE)
        with self.assertRaises(AssertionError):
            admins.waitFor("onUserOnline", timeout=1.0)

    def test_friends(self) -> None:
        self.server.add_friends("cometchat-uid-5", [ALICE])
        friend = self.watcher(ALICE, AppSettings.AppSettingsBuilder().setInMemoryStorage()
                              .subscribePresenceForFriends())
        stranger = self.watcher(BOB, AppSettings.AppSettingsBuilder().setInMemoryStorage()
                                .subscribePresenceForFriends())
        self.come_and_go("cometchat-uid-5")
        self.assertHearsOnlineAndOffline(friend, "cometchat-uid-5")
        with self.assertRaises(AssertionError):
            stranger.waitFor("onUserOnline", timeout=1.0)

    def test_no_subscription_no_presence(self) -> None:
        silent = self.watcher(ALICE, AppSettings.AppSettingsBuilder().setInMemoryStorage())
        self.come_and_go(BOB)
        with self.assertRaises(AssertionError):
            silent.waitFor("onUserOnline", timeout=1.0)


class PushedFramesTest(Pair, unittest.TestCase):
    def setUp(self) -> None:
        self.alice, self.events = self.connected(ALICE)

    def test_five_thousand_pushed_frames_arrive_in_order(self) -> None:
        frames: list[Any] = []
        for n in range(5000):
            if n % 10 == 5:
                frames.append({"appId": "x", "receiver": ALICE, "receiverType": "user", "deviceId": "pushed",
                               "type": "typing_indicator", "sender": BOB,
                               "body": {"action": "started", "user": {"uid": BOB}, "metadata": {"n": n}}})
            else:
                frames.append(pushed_message(ALICE, 1_000_000 + n))
        self.assertEqual(self.server.push_many(ALICE, frames), 1)
        self.events.waitFor("onTextMessageReceived", count=4500, timeout=60)
        self.events.waitFor("onTypingStarted", count=500, timeout=60)
        order = []
        for event in self.events.events:
            if event.name == "onTextMessageReceived":
                order.append(event.arg.id - 1_000_000)
            elif event.name == "onTypingStarted":
                order.append(event.arg.metadata["n"])
        self.assertEqual(order, list(range(5000)))
        self.assertEqual({e.thread for e in self.events.events if e.name == "onTextMessageReceived"},
                         {"cometchat-callbacks"})

    def test_malformed_and_unknown_frames_are_logged_and_skipped(self) -> None:
        with self.assertLogs("cometchat", "WARNING") as logs:
            self.server.push_many(ALICE, [
                "{not json",
                {"type": "typing_indicator", "receiver": ALICE, "receiverType": "user", "body": {"action": "x"}},
                {"type": "message", "body": {"id": "nope", "category": "message", "type": "text"}},
                {"type": "reaction", "body": {"reaction": "+1"}},
                pushed_message(ALICE, 2_000_001),
            ])
            got = self.events.waitFor("onTextMessageReceived").arg
        self.assertEqual(got.id, 2_000_001)
        self.assertGreaterEqual(len(logs.output), 3)
        self.assertEqual(self.alice.getConnectionStatus.value, "connected")  # never fatal

    def test_edited_and_deleted_messages(self) -> None:
        original = pushed_message(ALICE, 3_000_001)["body"]
        edited = dict(original, data=dict(original["data"], text="fixed"), editedAt=1700000100, editedBy=BOB)
        for n, (action, inner) in enumerate((("edited", edited), ("deleted", dict(original, deletedAt=1700000200,
                                                                                   deletedBy=BOB)))):
            self.server.push(ALICE, pushed_message(
                ALICE, 3_000_010 + n, type="message", category="action",
                data={"action": action, "entities": {
                    "by": {"entity": {"uid": BOB}, "entityType": "user"},
                    "on": {"entity": inner, "entityType": "message"},
                    "for": {"entity": {"uid": ALICE}, "entityType": "user"}}}))
        changed = self.events.waitFor("onMessageEdited").arg
        self.assertIsInstance(changed, TextMessage)
        self.assertEqual((changed.id, changed.text, changed.editedBy, changed.editedAt),
                         (3_000_001, "fixed", BOB, 1700000100))
        gone = self.events.waitFor("onMessageDeleted").arg
        self.assertEqual((gone.id, gone.deletedAt, gone.deletedBy), (3_000_001, 1700000200, BOB))

    def test_to_all_receipts(self) -> None:
        for action in ("deliveredToAll", "readByAll"):
            self.server.push(ALICE, {"type": "receipts", "receiver": "group-1", "receiverType": "group",
                                     "sender": BOB, "deviceId": "x",
                                     "body": {"action": action, "messageId": 77, "user": {"uid": BOB},
                                              "timestamp": 1700000003}})
        to_all = self.events.waitFor("onMessagesDeliveredToAll").arg
        by_all = self.events.waitFor("onMessagesReadByAll").arg
        self.assertEqual((to_all.receiptType, to_all.messageId, to_all.receiverType, to_all.deliveredAt),
                         (ReceiptType.deliveredToAll, "77", ReceiverType.group, 1700000003))
        self.assertEqual((by_all.receiptType, by_all.readAt), (ReceiptType.readByAll, 1700000003))

    def test_every_delivery_hands_the_app_its_own_objects(self) -> None:
        tagged = {"entity": {"uid": BOB, "name": "Pusher", "tags": ["a"], "metadata": {"k": 1}}, "entityType": "user"}
        frames = []
        for n in (5_000_001, 5_000_002):
            frame = pushed_message(ALICE, n, tags=["t"], metadata={"m": n})
            frame["body"]["data"]["entities"]["sender"] = tagged
            frames.append(frame)
        self.server.push_many(ALICE, frames)
        self.events.waitFor("onTextMessageReceived", count=2)
        first, second = (e.arg for e in self.events.of("onTextMessageReceived")[:2])
        first.sender.name = "Changed"
        first.sender.tags.append("mine")
        first.tags.append("mine")
        first.metaData["mine"] = True
        self.assertIsNot(first.sender, second.sender)
        self.assertIsNot(first.receiver, second.receiver)
        self.assertEqual((second.sender.name, second.sender.tags, second.tags), ("Pusher", ["a"], ["t"]))
        self.assertEqual(second.metaData, {"m": 5_000_002})

    def test_a_message_with_the_servers_full_users_reads_every_field(self) -> None:
        # a frame of the dev server's shape (every user field, no optional message field)
        # and one whose fields are of the wrong types, read leniently as absent
        full = {"uid": BOB, "name": "Bob", "avatar": "https://a.example/b.png", "link": "https://b.example",
                "role": "vip", "metadata": {"k": 1}, "status": "online", "statusMessage": "here",
                "lastActiveAt": 1700000500, "tags": ["x", 5, "y"], "hasBlockedMe": True, "blockedByMe": False,
                "deactivatedAt": "1700000600"}
        odd = {"uid": ALICE, "name": 5, "avatar": None, "role": ["r"], "metadata": [1], "status": "",
               "lastActiveAt": "soon", "tags": "x", "hasBlockedMe": "yes", "deactivatedAt": True}
        frames = []
        for n in (7_000_001, 7_000_002):
            frame = pushed_message(ALICE, n, updatedAt=1700000000 + n)
            frame["body"]["data"]["entities"] = {"sender": {"entity": dict(full), "entityType": "user"},
                                                 "receiver": {"entity": dict(odd), "entityType": "user"}}
            frames.append(frame)
        self.server.push_many(ALICE, frames)
        self.events.waitFor("onTextMessageReceived", count=2)
        first, second = (e.arg for e in self.events.of("onTextMessageReceived")[:2])
        expected_sender = User(uid=BOB, name="Bob", avatar="https://a.example/b.png", link="https://b.example",
                               role="vip", metadata={"k": 1}, status=UserStatus.online, statusMessage="here",
                               lastActiveAt=1700000500, tags=["x", "y"], hasBlockedMe=True, blockedByMe=False,
                               deactivatedAt=1700000600)
        self.assertEqual(first.sender, expected_sender)
        self.assertEqual(first.receiver, User(uid=ALICE))  # every field of the wrong type reads as its default
        # the message's fields the frame lacks are exactly a new TextMessage's defaults
        made = TextMessage(receiverUid=ALICE, text="m7000001", receiverType=ReceiverType.user)
        carried = {"receiverUid", "text", "id", "senderUid", "sender", "receiver", "conversationId", "sentAt",
                   "updatedAt", "rawMessage"}
        for field in attrs.fields(TextMessage):
            if field.name not in carried:
                self.assertEqual(getattr(first, field.name), getattr(made, field.name), field.name)
        self.assertEqual((first.id, first.text, first.senderUid, first.conversationId, first.sentAt, first.updatedAt),
                         (7_000_001, "m7000001", BOB, f"{BOB}_user_{ALICE}", 1707000001, 1707000001))
        # and no two deliveries share anything the app may change
        for name in ("reactions", "mentionedUsers"):
            self.assertIsNot(getattr(first, name), getattr(second, name), name)
        self.assertIsNot(first.sender.tags, second.sender.tags)
        self.assertIsNot(first.receiver.tags, second.receiver.tags)

    def test_a_duplicate_message_is_delivered_once(self) -> None:
        self.server.push_many(ALICE, [pushed_message(ALICE, 4_000_001)] * 3 + [pushed_message(ALICE, 4_000_002)])
        self.events.waitFor("onTextMessageReceived", count=2)
        self.assertTrue(self.alice.flush(scaled(5)))
        self.assertEqual([e.arg.id for e in self.events.of("onTextMessageReceived")], [4_000_001, 4_000_002])


if __name__ == "__main__":
    unittest.main()
