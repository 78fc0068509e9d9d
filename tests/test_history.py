"""Message history, threads, edits, deletes and receipts, through the SDK against a DevServer."""

from __future__ import annotations

import threading
import time
import unittest
from concurrent.futures import Future
from typing import Any

from cometchat import (
    ActionMessage,
    ActionType,
    BaseMessage,
    CometChatClient,
    CometChatException,
    CustomMessage,
    MessagesRequest,
    ReceiverType,
)
from cometchat.testing import DevServerMixin, EventRecorder, scaled
from helpers import error_of, ok, text

ALICE, BOB, CAROL = "cometchat-uid-1", "cometchat-uid-2", "cometchat-uid-3"


class HistoryMixin(DevServerMixin):
    def send(self, client: CometChatClient, to: str, body: str, **fields: Any) -> BaseMessage:
        return ok(client.sendTextMessage(message=text(to, body, **fields)))  # type: ignore[no-any-return]

    def history(self, client: CometChatClient, **labels: Any) -> MessagesRequest:
        builder = MessagesRequest.MessageRequestBuilder(client=client)
        for label, value in labels.items():
            builder = builder.set(**{label: value})
        return builder.build()

    def all_previous(self, request: MessagesRequest) -> list[BaseMessage]:
        pages: list[list[BaseMessage]] = []
        while True:
            page = ok(request.fetchPrevious())
            if not page:
                break
            pages.insert(0, page)
        return [m for page in pages for m in page]


class PagingTest(HistoryMixin, unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        sender = cls.server.auth_token(ALICE)
        cls.sent_ids = [cls.server_send(sender, BOB, f"m{n}") for n in range(250)]

    @classmethod
    def server_send(cls, token: str, to: str, body: str) -> int:
        import requests

        response = requests.post(f"{cls.server.url}/v3.0/messages", timeout=scaled(10), json={
            "receiver": to, "receiverType": "user", "category": "message", "type": "text", "text": body},
            headers={"appId": cls.server.app_id, "authToken": token})
        return int(response.json()["data"]["id"])

    def test_back_and_forth_through_250_messages_each_exactly_once_in_order(self) -> None:
        bob = self.newClient(BOB)
        backwards = self.all_previous(self.history(bob, uid=ALICE, limit=30))
        self.assertEqual([m.id for m in backwards], self.sent_ids)
        self.assertEqual([m.text for m in backwards[:2]], ["m0", "m1"])  # type: ignore[attr-defined]
        forward = self.history(bob, uid=ALICE, limit=40, messageID=self.sent_ids[0])
        seen: list[int] = []
        while page := ok(forward.fetchNext()):
            seen += [m.id for m in page]
        self.assertEqual(seen, self.sent_ids[1:])  # after the first, exclusive
        self.assertEqual(ok(forward.fetchNext()), [])  # the end stays the end, without asking again

    def test_one_request_pages_back_then_forward_from_what_it_saw(self) -> None:
        bob = self.newClient(BOB)
        request = self.history(bob, uid=ALICE, limit=25, messageID=self.sent_ids[100])
        older = ok(request.fetchPrevious())
        newer = ok(request.fetchNext())
        self.assertEqual([m.id for m in older], self.sent_ids[75:100])
        self.assertEqual([m.id for m in newer], self.sent_ids[101:126])

    def test_fetch_previous_from_inside_its_callback_loads_everything(self) -> None:
        bob = self.newClient(BOB)
        request = self.history(bob, uid=ALICE, limit=100)
        loaded: list[int] = []
        done: Future[list[int]] = Future()

        def page(messages: list[BaseMessage]) -> None:  # the Swift pattern: ask again from onSuccess
            if not messages:
                done.set_result(loaded)
                return
            loaded[:0] = [m.id for m in messages]
            request.fetchPrevious(onSuccess=page, onError=done.set_exception)

        request.fetchPrevious(onSuccess=page, onError=done.set_exception)
        self.assertEqual(done.result(scaled(20)), self.sent_ids)

    def test_fetch_next_catches_up_with_what_arrived_since(self) -> None:
        carol, bob = self.newClient(CAROL), self.newClient(BOB)
        first = ok(carol.sendTextMessage(message=text(BOB, "first")))
        request = self.history(bob, uid=CAROL, limit=30)
        self.assertEqual([m.id for m in ok(request.fetchPrevious())], [first.id])
        self.assertEqual(ok(request.fetchNext()), [])  # nothing newer yet
        later = ok(carol.sendTextMessage(message=text(BOB, "later")))
        self.assertEqual([m.id for m in ok(request.fetchNext())], [later.id])  # the same request catches up
        self.assertEqual(ok(request.fetchNext()), [])
        self.assertEqual(ok(request.fetchPrevious()), [])  # the past stays done

    def test_timestamp_cursor(self) -> None:
        bob = self.newClient(BOB)
        newest = ok(self.history(bob, uid=ALICE, limit=1).fetchPrevious())[0]
        after = ok(self.history(bob, uid=ALICE, limit=5, timeStamp=newest.sentAt).fetchNext())
        self.assertEqual(after, [])  # nothing after the newest second

    def test_fetch_next_needs_a_place_to_start(self) -> None:
        bob = self.newClient(BOB)
        error = error_of(self.history(bob, uid=ALICE).fetchNext())
        self.assertEqual(error.errorCode, "NOT_ENOUGH_PARAMETERS")

    def test_a_second_fetch_in_flight_is_refused(self) -> None:
        bob = self.newClient(BOB)
        request = self.history(bob, uid=ALICE, limit=5)
        first, second = request.fetchPrevious(), request.fetchPrevious()
        self.assertEqual(error_of(second).errorCode, "REQUEST_IN_PROGRESS")
        self.assertEqual(len(ok(first)), 5)
        self.assertEqual(len(ok(request.fetchPrevious())), 5)  # free again once answered

    def test_limits_and_wrong_types(self) -> None:
        bob = self.newClient(BOB)
        recorder = EventRecorder()
        request = self.history(bob, uid=ALICE, limit=101)
        request.fetchPrevious(onError=recorder.callback("error"))
        self.assertEqual(recorder.waitFor("error").arg.errorCode, "ERROR_SET_LIMIT_EXCEEDED")
        builder = MessagesRequest.MessageRequestBuilder(client=bob)
        with self.assertRaises(CometChatException) as caught:
            builder.set(limit="30")
        self.assertEqual(caught.exception.errorCode, "ERROR_INVALID_PARAMETER")
        with self.assertRaises(CometChatException):
            builder.hideReplies(hide="yes")  # type: ignore[arg-type]
        with self.assertRaises(TypeError):
            builder.set(colour="red")
        with self.assertRaises(TypeError):
            builder.set(uid="a", limit=3)  # one label per call, as in Swift

    def test_not_logged_in(self) -> None:
        stranger = self.newClient()
        self.assertEqual(error_of(self.history(stranger, uid=ALICE).fetchPrevious()).errorCode,
                         "ERROR_USER_NOT_LOGGED_IN")


class FiltersTest(HistoryMixin, unittest.TestCase):
    def setUp(self) -> None:
        self.alice = self.newClient(ALICE)
        self.carol = self.newClient(CAROL)

    def ids(self, client: CometChatClient, build: Any) -> list[int]:
        builder = MessagesRequest.MessageRequestBuilder(client=client).set(uid=ALICE if client is self.carol else CAROL)
        return [m.id for m in self.all_previous(build(builder).build())]

    def test_types_categories_tags_search_deleted_and_replies(self) -> None:
        plain = self.send(self.alice, CAROL, "hello there")
        tagged = self.send(self.alice, CAROL, "tagged one", tags=["red"])
        custom = ok(self.alice.sendCustomMessage(message=CustomMessage(
            receiverUid=CAROL, receiverType=ReceiverType.user, customData={"x": 1}, type="poll")))
        reply = self.send(self.alice, CAROL, "a reply", parentMessageId=plain.id)
        doomed = self.send(self.alice, CAROL, "soon gone")
        ok(self.alice.deleteMessage(doomed.id))
        everything = self.ids(self.carol, lambda b: b)
        ours = [plain.id, tagged.id, custom.id, reply.id, doomed.id]
        self.assertEqual([i for i in everything if i in ours], ours)
        self.assertEqual(self.ids(self.carol, lambda b: b.set(types=["poll"])), [custom.id])
        self.assertEqual(self.ids(self.carol, lambda b: b.set(categories=["custom"])), [custom.id])
        self.assertNotIn(custom.id, self.ids(self.carol, lambda b: b.setCategory(category="message")))
        self.assertEqual(self.ids(self.carol, lambda b: b.setTags(["red"])), [tagged.id])
        self.assertEqual(self.ids(self.carol, lambda b: b.set(searchKeyword="TAGGED")), [tagged.id])
        self.assertNotIn(reply.id, self.ids(self.carol, lambda b: b.hideReplies(hide=True)))
        self.assertIn(reply.id, everything)
        self.assertNotIn(doomed.id, self.ids(self.carol, lambda b: b.hideDeletedMessages(hide=True)))
        self.assertIn(doomed.id, everything)

    def test_the_deprecated_set_type(self) -> None:
        bob = self.newClient(BOB)  # another pair than the other tests here, whose lists this would change
        self.send(self.alice, BOB, "plain text")
        survey = ok(self.alice.sendCustomMessage(message=CustomMessage(
            receiverUid=BOB, receiverType=ReceiverType.user, customData={"q": 1}, type="survey")))
        found = self.all_previous(MessagesRequest.MessageRequestBuilder(client=bob).set(uid=ALICE)
                                  .setType(type="survey").build())
        self.assertEqual([m.id for m in found], [survey.id])
        line = self.server.requests("GET", f"/v3.0/users/{ALICE}/messages")[-1]["query"]
        self.assertIn("types=survey", line)

    def test_tags_come_back_only_when_asked(self) -> None:
        self.send(self.alice, CAROL, "with tags", tags=["blue"])
        plain = self.all_previous(MessagesRequest.MessageRequestBuilder(client=self.carol).set(uid=ALICE).build())
        tagged = self.all_previous(MessagesRequest.MessageRequestBuilder(client=self.carol).set(uid=ALICE)
                                   .withTags(True).build())
        self.assertIsNone(plain[-1].tags)
        self.assertEqual(tagged[-1].tags, ["blue"])

    def test_unread_moves_with_receipts(self) -> None:
        first = self.send(self.alice, CAROL, "one")
        second = self.send(self.alice, CAROL, "two")
        unread = lambda: self.ids(self.carol, lambda b: b.set(unread=True))  # noqa: E731
        self.assertEqual(unread()[-2:], [first.id, second.id])
        ok(self.carol.connect())
        ok(self.carol.markAsRead(baseMessage=first, onSuccess=lambda: None))
        self.assertTrue(self.wait_until(lambda: unread()[-1:] == [second.id] and first.id not in unread()))

    def wait_until(self, condition: Any) -> bool:
        from cometchat.testing import waitFor

        return bool(waitFor(condition, 10))

    def test_updates_only_after_a_time(self) -> None:
        old = self.send(self.alice, CAROL, "before")
        ok(self.alice.editMessage(text(CAROL, "before, edited", id=old.id)))
        updates = (MessagesRequest.MessageRequestBuilder(client=self.carol).set(uid=ALICE)
                   .setUpdatedAfter(timeStamp=old.sentAt - 1).updatesOnly(onlyUpdates=True).build())
        found = ok(updates.fetchNext())
        self.assertIn(old.id, [m.id for m in found])
        self.assertEqual(next(m for m in found if m.id == old.id).text, "before, edited")  # type: ignore[attr-defined]

    def test_every_conversation_of_mine_without_a_uid(self) -> None:
        to_carol = self.send(self.alice, CAROL, "to carol")
        to_bob = self.send(self.alice, BOB, "to bob")
        mine = [m.id for m in self.all_previous(MessagesRequest.MessageRequestBuilder(client=self.alice).build())]
        self.assertLess(mine.index(to_carol.id), mine.index(to_bob.id))
        carols = [m.id for m in self.all_previous(MessagesRequest.MessageRequestBuilder(client=self.carol).build())]
        self.assertIn(to_carol.id, carols)
        self.assertNotIn(to_bob.id, carols)  # another pair's conversation is not carol's


class UpdatesTest(HistoryMixin, unittest.TestCase):
    """Paging through what changed after a time (``setUpdatedAfter``, ``updatesOnly``); each
    test has a conversation of its own."""

    def updates(self, reader: CometChatClient, peer: str, after: int, limit: int, only: bool) -> MessagesRequest:
        builder = (MessagesRequest.MessageRequestBuilder(client=reader).set(uid=peer).set(limit=limit)
                   .setUpdatedAfter(timeStamp=after))
        return (builder.updatesOnly(onlyUpdates=True) if only else builder).build()

    def all_next(self, request: MessagesRequest) -> list[BaseMessage]:
        found: list[BaseMessage] = []
        while page := ok(request.fetchNext()):
            found += page
        return found

    def test_updates_page_by_update_time_and_none_is_lost(self) -> None:
        alice, bob = self.newClient(ALICE), self.newClient(BOB)
        sent = [self.send(alice, BOB, f"u{n}") for n in range(6)]
        for message in reversed(sent[:4]):  # the newest message changes first, all within a second or so
            ok(alice.editMessage(text(BOB, f"{message.text} edited", id=message.id)))  # type: ignore[attr-defined]
        found = self.all_next(self.updates(bob, ALICE, sent[0].sentAt - 1, limit=2, only=True))
        self.assertEqual(sorted(m.id for m in found), [m.id for m in sent[:4]])  # each once, none lost
        self.assertTrue(all(m.text.endswith("edited") for m in found))  # type: ignore[attr-defined]

    def test_updated_after_returns_only_what_changed_or_came_after(self) -> None:
        from cometchat.testing import waitFor

        carol, bob = self.newClient(CAROL), self.newClient(BOB)
        old = [self.send(carol, BOB, f"old{n}") for n in range(4)]
        second = max(m.sentAt for m in old)
        waitFor(lambda: time.time() >= second + 1, 3)  # the next second of the server's clock
        ok(carol.editMessage(text(BOB, "old1 edited", id=old[1].id)))
        new = self.send(carol, BOB, "new")
        found = self.all_next(self.updates(bob, CAROL, second, limit=1, only=False))
        self.assertEqual([m.id for m in found if not isinstance(m, ActionMessage)], [old[1].id, new.id])
        edits = [m for m in found if isinstance(m, ActionMessage)]  # the edit itself came after, too
        self.assertEqual([m.actionOn.id for m in edits], [old[1].id])  # type: ignore[union-attr]

    def test_updates_only_needs_a_time_and_pages_forward(self) -> None:
        bob = self.newClient(BOB)
        builder = MessagesRequest.MessageRequestBuilder(client=bob).set(uid=ALICE).updatesOnly(onlyUpdates=True)
        no_time = builder.set(messageID=1).build()
        self.assertEqual(error_of(no_time.fetchNext()).errorCode, "NOT_ENOUGH_PARAMETERS")
        backwards = self.updates(bob, ALICE, 1, limit=5, only=True)
        self.assertEqual(error_of(backwards.fetchPrevious()).errorCode, "NOT_ENOUGH_PARAMETERS")
        self.assertIsInstance(ok(backwards.fetchNext()), list)  # the same request, forward, is fine


class ThreadsEditsDeletesTest(HistoryMixin, unittest.TestCase):
    def setUp(self) -> None:
        self.alice = self.newClient(ALICE)
        self.bob = self.newClient(BOB)
        self.heard = EventRecorder()
        self.bob.addMessageListener("heard", self.heard)
        ok(self.bob.connect())

    def test_a_thread(self) -> None:
        parent = self.send(self.alice, BOB, "parent")
        self.heard.waitFor("onTextMessageReceived")
        replies = [self.send(self.alice, BOB, f"reply {n}", parentMessageId=parent.id) for n in range(3)]
        live = self.heard.waitFor("onTextMessageReceived", count=4).arg
        self.assertEqual(live.parentMessageId, parent.id)
        thread = ok(MessagesRequest.MessageRequestBuilder(client=self.bob)
                    .setParentMessageId(parentMessageId=parent.id).build().fetchPrevious())
        self.assertEqual([m.id for m in thread], [r.id for r in replies])
        history = self.all_previous(MessagesRequest.MessageRequestBuilder(client=self.bob).set(uid=ALICE).build())
        stored_parent = next(m for m in history if m.id == parent.id)
        self.assertEqual((stored_parent.replyCount, stored_parent.unreadRepliesCount), (3, 3))

    def test_only_the_sender_edits_and_both_sides_hear_it(self) -> None:
        sent = self.send(self.alice, BOB, "typo")
        self.heard.waitFor("onTextMessageReceived")
        edited = ok(self.alice.editMessage(text(BOB, "fixed", id=sent.id, metaData={"v": 2})))
        self.assertEqual((edited.id, edited.text, edited.editedBy), (sent.id, "fixed", ALICE))
        self.assertGreater(edited.editedAt, 0)
        heard = self.heard.waitFor("onMessageEdited").arg
        self.assertEqual((heard.id, heard.text, heard.metaData), (sent.id, "fixed", {"v": 2}))
        refused = error_of(self.bob.edit(message=text(ALICE, "not mine", id=sent.id)))
        self.assertEqual(refused.errorCode, "ERR_NOT_THE_SENDER")
        history = self.all_previous(MessagesRequest.MessageRequestBuilder(client=self.bob).set(uid=ALICE).build())
        action = history[-1]
        self.assertIsInstance(action, ActionMessage)
        self.assertEqual(action.action, ActionType.messageEdited)  # type: ignore[attr-defined]
        self.assertEqual(action.actionBy.uid, ALICE)  # type: ignore[attr-defined]
        self.assertEqual((action.actionOn.id, action.actionOn.text), (sent.id, "fixed"))  # type: ignore[attr-defined]
        self.assertEqual(action.actionFor.uid, BOB)  # type: ignore[attr-defined]
        self.assertEqual(next(m for m in history if m.id == sent.id).text, "fixed")  # type: ignore[attr-defined]

    def test_delete(self) -> None:
        sent = self.send(self.alice, BOB, "oops")
        deleted = ok(self.alice.delete(messageId=sent.id))
        self.assertEqual((deleted.id, deleted.deletedBy), (sent.id, ALICE))
        self.assertGreater(deleted.deletedAt, 0)
        self.assertEqual(self.heard.waitFor("onMessageDeleted").arg.id, sent.id)
        self.assertEqual(error_of(self.bob.deleteMessage(sent.id)).errorCode, "ERR_NOT_THE_SENDER")
        self.assertEqual(error_of(self.alice.deleteMessage(sent.id)).errorCode, "ERR_MESSAGE_DELETED")
        self.assertEqual(error_of(self.alice.deleteMessage(0)).errorCode, "ERROR_INVALID_MESSAGEID")

    def test_a_send_repeated_after_a_lost_answer_is_stored_once(self) -> None:
        """The app sends the same message again (its answer was lost): its muid is the same, so
        the server answers with the stored message and nobody hears it twice."""
        message = text(BOB, "only once")
        first = ok(self.alice.sendTextMessage(message=message))
        again = ok(self.alice.sendTextMessage(message=message))
        self.assertEqual((again.id, again.muid), (first.id, first.muid))
        later = self.send(self.alice, BOB, "the next one")
        self.assertEqual(self.heard.waitFor("onTextMessageReceived", 2).arg.id, later.id)
        self.assertEqual([e.arg.text for e in self.heard.of("onTextMessageReceived")], ["only once", "the next one"])
        stored = self.all_previous(self.history(self.bob, uid=ALICE))
        self.assertEqual([m.text for m in stored].count("only once"), 1)
        other = ok(self.alice.sendTextMessage(message=text(BOB, "only once")))  # a new message: a new muid
        self.assertNotEqual(other.id, first.id)

    def test_the_same_object_sent_again_with_other_content_is_refused_not_answered_with_the_old(self) -> None:
        """The SDK keeps a message object's muid, so that a retry is stored once; the server used
        to answer the same object sent again with a new text with the first message, "first"."""
        message = text(BOB, "first")
        first = ok(self.alice.sendTextMessage(message=message))
        for change in ({"text": "second"}, {"metaData": {"edited": True}}, {"tags": ["late"]}):
            with self.subTest(change=change):
                changed = text(BOB, "first", **change)
                changed.muid = message.muid  # the same object, changed
                error = error_of(self.alice.sendTextMessage(message=changed))
                self.assertEqual((error.errorCode, error.details["muid"]), ("ERR_MUID_ALREADY_USED", message.muid))
        self.assertEqual(ok(self.alice.sendTextMessage(message=message)).id, first.id)  # a true repeat still is one
        message.text = "second"
        self.assertEqual(error_of(self.alice.sendTextMessage(message=message)).errorCode, "ERR_MUID_ALREADY_USED")
        stored = [m for m in self.all_previous(self.history(self.bob, uid=ALICE)) if m.muid == message.muid]
        self.assertEqual([m.text for m in stored], ["first"])  # type: ignore[attr-defined]

    def test_a_quoted_message(self) -> None:
        first = self.send(self.alice, BOB, "the original")
        quoting = self.send(self.bob, ALICE, "about that", quotedMessageId=first.id)
        self.assertEqual((quoting.quotedMessageId, quoting.quotedMessage.text), (first.id, "the original"))  # type: ignore[union-attr, attr-defined]
        history = self.all_previous(MessagesRequest.MessageRequestBuilder(client=self.alice).set(uid=BOB).build())
        self.assertEqual(history[-1].quotedMessage.id, first.id)  # type: ignore[union-attr]

    def test_receipts_of_a_message(self) -> None:
        sent = self.send(self.alice, BOB, "did you read it?")
        self.assertEqual(ok(self.alice.getMessageReceipts(sent.id)), [])
        ok(self.bob.markAsRead(baseMessage=self.heard.waitFor("onTextMessageReceived").arg, onSuccess=lambda: None))
        from cometchat.testing import waitFor

        receipts = waitFor(lambda: ok(self.alice.getMessageReceipts(sent.id)))
        self.assertEqual((receipts[0].sender.uid, receipts[0].receiptType.value), (BOB, "read"))
        self.assertGreater(receipts[0].readAt, 0)
        mine = self.all_previous(MessagesRequest.MessageRequestBuilder(client=self.alice).set(uid=BOB).build())
        self.assertGreater(next(m for m in mine if m.id == sent.id).readAt, 0)

    def test_custom_message_fields_travel(self) -> None:
        message = CustomMessage(receiverUid=BOB, receiverType=ReceiverType.user, customData={"q": "?"}, type="poll",
                                subType="yesno")
        message.conversationText = "A poll"
        message.updateConversation = True
        sent = ok(self.alice.sendCustomMessage(message=message))
        heard = self.heard.waitFor("onCustomMessageReceived").arg
        for got in (sent, heard):
            self.assertEqual((got.subType, got.conversationText, got.updateConversation), ("yesno", "A poll", True))
        self.assertEqual(heard.rawMessage["data"]["subType"], "yesno")  # where the official SDKs read it


    def carol(self) -> tuple[CometChatClient, EventRecorder]:
        """Carol, connected and heard: these tests talk to her, leaving alice and bob's
        conversation to the tests above, which read all of it."""
        carol, heard = self.newClient(CAROL), EventRecorder()
        carol.addMessageListener("heard", heard)
        ok(carol.connect())
        return carol, heard

    def test_send_notification_travels(self) -> None:
        carol, carol_heard = self.carol()
        message = CustomMessage(receiverUid=CAROL, receiverType=ReceiverType.user, customData={"n": 1}, type="nudge")
        message.sendNotification = True
        sent = ok(self.alice.sendCustomMessage(message=message))
        heard = carol_heard.waitFor("onCustomMessageReceived").arg
        quiet = ok(self.alice.sendCustomMessage(message=CustomMessage(
            receiverUid=CAROL, receiverType=ReceiverType.user, customData={"n": 2}, type="nudge")))
        later = carol_heard.waitFor("onCustomMessageReceived", 2).arg
        self.assertEqual((sent.sendNotification, heard.sendNotification, heard.rawMessage.get("sendNotification")),
                         (True, True, True))
        self.assertEqual((quiet.sendNotification, later.sendNotification), (False, False))  # unless set
        stored = self.all_previous(MessagesRequest.MessageRequestBuilder(client=carol).set(uid=ALICE).build())
        self.assertTrue(next(m for m in stored if m.id == sent.id).sendNotification)  # type: ignore[attr-defined]

    def test_a_delete_comes_back_from_history_as_an_action(self) -> None:
        carol, _ = self.carol()
        sent = self.send(self.alice, CAROL, "regrettable")
        ok(self.alice.deleteMessage(sent.id))
        history = self.all_previous(MessagesRequest.MessageRequestBuilder(client=carol).set(uid=ALICE).build())
        action = history[-1]
        self.assertIsInstance(action, ActionMessage)
        self.assertEqual(action.action, ActionType.messageDeleted)  # type: ignore[attr-defined]
        self.assertEqual(action.actionBy.uid, ALICE)  # type: ignore[attr-defined]
        self.assertEqual((action.actionOn.id, action.actionOn.deletedBy), (sent.id, ALICE))  # type: ignore[attr-defined]
        self.assertGreater(action.actionOn.deletedAt, 0)  # type: ignore[attr-defined]
        self.assertEqual(action.actionFor.uid, CAROL)  # type: ignore[attr-defined]
        self.assertGreater(next(m for m in history if m.id == sent.id).deletedAt, 0)  # the message itself, marked
        hidden = self.all_previous(MessagesRequest.MessageRequestBuilder(client=carol).set(uid=ALICE)
                                   .set(categories=["message"]).build())
        self.assertNotIn(ActionMessage, {type(m) for m in hidden})

    def test_mark_conversation_as_delivered(self) -> None:
        """The sender hears the delivery of the newest message, its receipts show it, and it
        stays unread."""
        carol, _ = self.carol()
        alice_heard = EventRecorder()
        self.alice.addMessageListener("heard", alice_heard)
        ok(self.alice.connect())
        self.send(self.alice, CAROL, "one")
        newest = self.send(self.alice, CAROL, "two")
        self.assertEqual(ok(self.alice.getMessageReceipts(newest.id)), [])
        unread_before = ok(carol.getUnreadMessageCountForUser(ALICE))[ALICE]
        self.assertGreaterEqual(unread_before, 2)
        self.assertEqual(ok(carol.markConversationAsDelivered(conversationWithId=ALICE, receiverType=ReceiverType.user)),
                         "Conversation marked as delivered successfully.")
        receipt = alice_heard.waitFor("onMessagesDelivered").arg
        self.assertEqual((receipt.messageId, receipt.sender.uid, receipt.receiptType.value),
                         (str(newest.id), CAROL, "delivered"))
        receipts = ok(self.alice.getMessageReceipts(newest.id))
        self.assertEqual([(r.sender.uid, r.receiptType.value) for r in receipts], [(CAROL, "delivered")])
        self.assertGreater(receipts[0].deliveredAt, 0)
        self.assertEqual(receipts[0].readAt, 0)
        self.assertEqual(ok(carol.getUnreadMessageCountForUser(ALICE))[ALICE], unread_before)  # delivered, not read


class WireTest(HistoryMixin, unittest.TestCase):
    """The SDK's history and unread-count requests are the official SDK's lines
    (ios-surface-next 2.1 "Observed request lines", 2.2): keys, values and their order."""

    def line(self, path: str) -> str:
        return str(self.server.requests("GET", f"/v3.0/{path}")[-1]["query"])

    def test_history_requests_are_the_official_lines(self) -> None:
        alice, bob = self.newClient(ALICE), self.newClient(BOB)
        sent = [self.send(alice, BOB, f"w{n}") for n in range(4)]
        filtered = (MessagesRequest.MessageRequestBuilder(client=bob).set(uid=ALICE).set(limit=3)
                    .hideMessagesFromBlockedUsers(True).hideReplies(True).hideDeletedMessages(True)
                    .set(categories=["message", "custom"]).set(types=["text", "image"]).setTags(["t1"])
                    .withTags(True).build())
        ok(filtered.fetchPrevious())
        self.assertEqual(self.line(f"users/{ALICE}/messages"),
                         "per_page=3&hideMessagesFromBlockedUsers=1&hideReplies=true&hideDeleted=1&affix=prepend"
                         "&categories=message,custom&types=text,image&tags=t1&withTags=1&withThreadSubscribed=true")
        plain = self.history(bob, uid=ALICE, limit=3)
        page = ok(plain.fetchPrevious())
        ok(plain.fetchPrevious())  # the cursor learned from the first page goes last
        self.assertEqual(self.line(f"users/{ALICE}/messages"),
                         f"per_page=3&affix=prepend&withThreadSubscribed=true&id={page[0].id}&sentAt={page[0].sentAt}")
        ok(self.history(bob, uid=ALICE, messageID=sent[0].id).fetchNext())
        self.assertEqual(self.line(f"users/{ALICE}/messages"),
                         f"per_page=30&id={sent[0].id}&affix=append&withThreadSubscribed=true")
        ok(self.history(bob, uid=ALICE, timeStamp=sent[0].sentAt).fetchNext())
        self.assertEqual(self.line(f"users/{ALICE}/messages"),
                         f"per_page=30&sentAt={sent[0].sentAt}&affix=append&withThreadSubscribed=true")
        ok(MessagesRequest.MessageRequestBuilder(client=bob).set(uid=ALICE).setUpdatedAfter(timeStamp=sent[0].sentAt)
           .updatesOnly(onlyUpdates=True).build().fetchNext())
        self.assertEqual(self.line(f"users/{ALICE}/messages"),
                         f"per_page=30&onlyUpdates=1&updatedAt={sent[0].sentAt}&affix=append&withThreadSubscribed=true")
        ok(MessagesRequest.MessageRequestBuilder(client=bob).setParentMessageId(sent[0].id).build().fetchPrevious())
        self.assertEqual(self.line(f"messages/{sent[0].id}/thread"), "per_page=30&affix=prepend&withThreadSubscribed=true")
        ok(self.history(bob, searchKeyword="hello world").fetchPrevious())
        self.assertEqual(self.line("messages"), "per_page=30&searchKey=hello%20world&affix=prepend&withThreadSubscribed=true")

    def test_unread_count_requests_are_the_official_lines(self) -> None:
        bob = self.newClient(BOB)
        ok(bob.getUnreadMessageCount())
        self.assertEqual(self.line("messages"), "unread=1&count=1&hideMessagesFromBlockedUsers=0")
        ok(bob.getUnreadMessageCountForAllUsers())
        self.assertEqual(self.line("messages"), "hideMessagesFromBlockedUsers=0&receiverType=user&unread=1&count=1")
        ok(bob.getUnreadMessageCountForAllGroups())
        self.assertEqual(self.line("messages"), "hideMessagesFromBlockedUsers=0&receiverType=group&unread=1&count=1")
        ok(bob.getUnreadMessageCountForUser(ALICE))
        self.assertEqual(self.line(f"users/{ALICE}/messages"), f"hideMessagesFromBlockedUsers=0&unread=1&count=1&uid={ALICE}")

    def test_a_malformed_uid_or_guid_fails_the_fetch_and_sends_nothing(self) -> None:
        bob = self.newClient(BOB)
        before = len(self.server.requests("GET"))
        self.assertEqual(error_of(self.history(bob, uid="a b/c").fetchPrevious()).errorCode, "ERROR_INVALID_UID")
        self.assertEqual(error_of(self.history(bob, guid="g?x=1").fetchPrevious()).errorCode, "ERROR_INVALID_GUID")
        self.assertEqual(error_of(self.history(bob, uid="a/b", messageID=1).fetchNext()).errorCode, "ERROR_INVALID_UID")
        self.assertEqual(len(self.server.requests("GET")), before)


class DefaultClientTest(HistoryMixin, unittest.TestCase):
    def test_a_request_runs_on_the_facades_client_unless_given_one(self) -> None:
        from cometchat import CometChat
        from cometchat.testing import resetDefaultClient, settingsFor

        resetDefaultClient()
        self.addCleanup(resetDefaultClient)
        ok(CometChat.init(appId=self.server.app_id, appSettings=settingsFor(self.server)))
        ok(CometChat.login(UID=ALICE, authKey=self.server.auth_key))
        bob = self.newClient(BOB)
        sent = self.send(bob, ALICE, "for the facade")
        found = ok(MessagesRequest.MessageRequestBuilder().set(uid=BOB).build().fetchPrevious())
        self.assertEqual(found[-1].id, sent.id)
        self.assertEqual(threading.current_thread().name, "MainThread")


if __name__ == "__main__":
    unittest.main()
