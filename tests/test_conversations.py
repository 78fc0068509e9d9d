"""Conversations: the list with unread counts, one conversation, tags, deletion for oneself, read
state, and the five unread-count calls moving with receipts and markAsUnread."""

from __future__ import annotations

import unittest
from typing import Any

from cometchat import (
    CometChat,
    CometChatClient,
    Conversation,
    ConversationRequest,
    ConversationType,
    Group,
    MessagesRequest,
    ReceiverType,
    TextMessage,
)
from cometchat.testing import DevServerMixin, EventRecorder, clientFor, scaled, waitFor
from helpers import error_of, ok

ALICE, BOB, CAROL, DAVE = (f"cometchat-uid-{n}" for n in range(1, 5))


class ConversationsTest(DevServerMixin, unittest.TestCase):
    def setUp(self) -> None:
        # a fresh server state per test would be slow; each test uses its own pair of users
        self.clients: dict[str, CometChatClient] = {}

    def client(self, uid: str) -> CometChatClient:
        if uid not in self.clients:
            self.clients[uid] = self.newClient(uid)
        return self.clients[uid]

    def send(self, sender: str, to: str, body: str) -> TextMessage:
        return ok(self.client(sender).sendTextMessage(  # type: ignore[no-any-return]
            message=TextMessage(receiverUid=to, text=body, receiverType=ReceiverType.user)))

    def conversations(self, uid: str, **setup: Any) -> list[Conversation]:
        builder = ConversationRequest.ConversationRequestBuilder(limit=50, client=self.client(uid))
        for method, value in setup.items():
            builder = getattr(builder, method)(value)
        return ok(builder.build().fetchNext())  # type: ignore[no-any-return]

    def test_the_list_is_most_recent_first_with_unread_counts(self) -> None:
        self.send(BOB, ALICE, "one from bob")
        self.send(BOB, ALICE, "two from bob")
        self.send(CAROL, ALICE, "one from carol")
        listed = self.conversations(ALICE)
        self.assertEqual([c.conversationWith.uid for c in listed[:2]], [CAROL, BOB])
        carol, bob = listed[0], listed[1]
        self.assertEqual((carol.unreadMessageCount, bob.unreadMessageCount), (1, 2))
        self.assertEqual(bob.lastMessage.text, "two from bob")  # type: ignore[union-attr]
        self.assertEqual(bob.conversationType, ConversationType.user)
        self.assertEqual(bob.conversationId, f"{ALICE}_user_{BOB}")
        self.assertEqual(self.conversations(BOB)[0].unreadMessageCount, 0)  # bob's own messages are not unread

    def test_paging_filters_and_limits(self) -> None:
        self.send(DAVE, CAROL, "hi carol")
        self.send(DAVE, BOB, "hi bob")
        request = ConversationRequest.ConversationRequestBuilder(limit=1, client=self.client(DAVE)).build()
        pages = [ok(request.fetchNext()) for _ in range(2)]
        self.assertEqual([[c.conversationWith.uid for c in page] for page in pages[:2]], [[BOB], [CAROL]])
        self.assertEqual(self.conversations(DAVE, setConversationType=ConversationType.group), [])
        self.assertGreaterEqual(len(self.conversations(DAVE, setConversationType=ConversationType.user)), 2)
        self.assertEqual([c.conversationWith.uid for c in self.conversations(DAVE, setSearchKeyword="nancy")], [CAROL])
        too_many = ConversationRequest.ConversationRequestBuilder(limit=51, client=self.client(DAVE)).build()
        self.assertEqual(error_of(too_many.fetchNext()).errorCode, "ERROR_SET_LIMIT_EXCEEDED")
        blocked_info = ConversationRequest.ConversationRequestBuilder(limit=5, client=self.client(DAVE))
        self.assertTrue(callable(getattr(blocked_info, "with")))  # Swift's with(blockedInfo:)
        self.assertGreaterEqual(len(ok(blocked_info.with_(blockedInfo=True).build().fetchNext())), 2)

    def test_a_second_fetch_in_flight_is_refused(self) -> None:
        self.send(BOB, DAVE, "one")
        self.send(CAROL, DAVE, "two")
        request = ConversationRequest.ConversationRequestBuilder(limit=1, client=self.client(DAVE)).build()
        first, second = request.fetchNext(), request.fetchNext()
        self.assertEqual(error_of(second).errorCode, "REQUEST_IN_PROGRESS")
        self.assertEqual(len(ok(first)), 1)
        self.assertEqual(len(ok(request.fetchNext())), 1)  # free again once answered

    def test_get_tag_and_delete_for_oneself(self) -> None:
        self.send(ALICE, DAVE, "hello dave")
        alice = self.client(ALICE)
        found = ok(alice.getConversation(conversationWith=DAVE, conversationType=ConversationType.user))
        self.assertEqual(found.conversationWith.uid, DAVE)
        tagged = ok(alice.tagConversation(conversationWith=DAVE, conversationType=ConversationType.user,
                                          tags=["archived"]))
        self.assertEqual(tagged.tags, ["archived"])
        self.assertEqual([c.conversationWith.uid for c in self.conversations(ALICE, setTags=["archived"])], [DAVE])
        dave_sees = ok(self.client(DAVE).getConversation(conversationWith=ALICE, conversationType="user"))
        self.assertEqual(dave_sees.tags, [])  # tags are the caller's own
        self.assertEqual(ok(alice.deleteConversation(conversationWith=DAVE, conversationType=ConversationType.user)),
                         "Conversation deleted successfully.")
        self.assertNotIn(DAVE, [c.conversationWith.uid for c in self.conversations(ALICE)])
        gone = error_of(alice.getConversation(conversationWith=DAVE, conversationType=ConversationType.user))
        self.assertEqual(gone.errorCode, "ERR_CONVERSATION_NOT_FOUND")
        self.assertEqual(ok(MessagesRequest.MessageRequestBuilder(client=alice).set(uid=DAVE).build().fetchPrevious()),
                         [])  # the messages are gone from alice's view...
        self.assertIn(ALICE, [c.conversationWith.uid for c in self.conversations(DAVE)])  # ...not from dave's
        self.send(DAVE, ALICE, "still there?")
        back = ok(alice.getConversation(conversationWith=DAVE, conversationType=ConversationType.user))
        self.assertEqual((back.lastMessage.text, back.unreadMessageCount), ("still there?", 1))  # type: ignore[union-attr]

    def test_bad_input(self) -> None:
        alice = self.client(ALICE)
        self.assertEqual(error_of(alice.getConversation(conversationWith=BOB, conversationType="room")).errorCode,
                         "INVALID_CONVERSATION_TYPE")
        self.assertEqual(error_of(alice.getConversation(conversationWith="", conversationType="user")).errorCode,
                         "ERROR_INVALID_UID")
        self.assertEqual(error_of(alice.tagConversation(conversationWith=BOB, conversationType="user",
                                                        tags="x")).errorCode, "ERROR_INVALID_PARAMETER")

    def test_a_bad_guid_is_a_bad_guid(self) -> None:
        """A group's id is checked as a guid (ERROR_INVALID_GUID, as the README says), a user's
        as a uid, in every conversation call and the unread count of one group."""
        alice = self.client(ALICE)
        self.server.clear_logs()
        for kind, code in ((ConversationType.group, "ERROR_INVALID_GUID"), (ReceiverType.group, "ERROR_INVALID_GUID"),
                           (ConversationType.user, "ERROR_INVALID_UID"), (ReceiverType.user, "ERROR_INVALID_UID")):
            calls = [
                lambda: alice.getConversation(conversationWith="a b", conversationType=kind),
                lambda: alice.tagConversation(conversationWith="a b", conversationType=kind, tags=["t"]),
                lambda: alice.deleteConversation(conversationWith="a b", conversationType=kind),
                lambda: alice.markConversationAsRead(conversationWithId="a b", receiverType=kind),
                lambda: alice.markConversationAsDelivered(conversationWithId="a b", receiverType=kind),
            ]
            for n, call in enumerate(calls):
                with self.subTest(kind=kind, n=n):
                    self.assertEqual(error_of(call()).errorCode, code)
        self.assertEqual(error_of(alice.getUnreadMessageCountForGroup("a b")).errorCode, "ERROR_INVALID_GUID")
        self.assertEqual(error_of(alice.getUnreadMessageCountForUser("a b")).errorCode, "ERROR_INVALID_UID")
        self.assertEqual(self.server.requests(), [])

    def test_read_delivered_unread_and_the_counts(self) -> None:
        first = self.send(CAROL, BOB, "first")
        second = self.send(CAROL, BOB, "second")
        bob = self.client(BOB)
        self.assertEqual(ok(bob.getUnreadMessageCountForUser(CAROL)), {CAROL: 2})
        self.assertEqual(ok(bob.getUnreadMessageCountForAllUsers())[CAROL], 2)
        self.assertEqual(ok(bob.getUnreadMessageCount())["user"][CAROL], 2)
        self.assertEqual(ok(bob.getUnreadMessageCountForAllGroups()), {})
        # a read receipt over the socket moves the count...
        ok(bob.connect())
        ok(bob.markAsRead(baseMessage=first, onSuccess=lambda: None))
        waitFor(lambda: ok(bob.getUnreadMessageCountForUser(CAROL)) == {CAROL: 1})
        # ...markAsUnread moves it back...
        self.assertEqual(ok(bob.markAsUnread(baseMessage=first)).unreadMessageCount, 2)
        self.assertEqual(ok(bob.getUnreadMessageCountForUser(CAROL)), {CAROL: 2})
        heard: list[Any] = []
        ok(bob.markAsUnread(baseMessage=second, onSuccess=lambda *args: heard.append(args)))
        again = ok(bob.markMessageAsUnread(baseMessage=first, receiverType=ReceiverType.user,
                                          onSuccess=lambda *args: heard.append(args)))
        self.assertTrue(bob.flush(5))
        self.assertEqual(heard, [(), (again,)])  # Swift's markAsUnread hears nothing; the newer name, the conversation
        self.assertEqual(again.unreadMessageCount, 2)
        self.assertEqual(error_of(bob.markMessageAsUnread(baseMessage=first, receiverType="room")).errorCode,
                         "INVALID_CONVERSATION_TYPE")
        # ...and reading the conversation clears it and tells carol
        carol_heard = EventRecorder()
        carol = self.client(CAROL)
        carol.addMessageListener("heard", carol_heard)
        ok(carol.connect())
        self.assertEqual(ok(bob.markConversationAsRead(conversationWithId=CAROL, receiverType=ReceiverType.user)),
                         "Conversation marked as read successfully.")
        self.assertEqual(carol_heard.waitFor("onMessagesRead").arg.messageId, str(second.id))
        self.assertEqual(ok(bob.getUnreadMessageCountForUser(CAROL)), {CAROL: 0})
        self.assertNotIn(CAROL, ok(bob.getUnreadMessageCount())["user"])
        ok(bob.markConversationAsDelivered(conversationWithId=CAROL, receiverType=ReceiverType.user))

    def test_local_helpers(self) -> None:
        sent = self.send(ALICE, CAROL, "local")
        conversation = self.client(ALICE).getConversationFromMessage(sent)
        self.assertEqual((conversation.conversationWith.uid, conversation.lastMessage.id), (CAROL, sent.id))
        self.assertEqual(conversation.conversationType, CometChat.ConversationType.user)
        draft = TextMessage(receiverUid="a-group", text="draft")
        draft.receiverType = "group"  # assigned as a string after the message was built
        self.assertEqual(self.client(ALICE).getConversationFromMessage(draft).conversationType,
                         CometChat.ConversationType.group)
        settings = self.client(ALICE).getConversationUpdateSettings()
        self.assertTrue(settings.shouldUpdateOnMessageReplies())
        self.assertEqual(CometChat.ConversationType.group.value, "group")


ME, TINA, PETE = "cf-me", "cf-tina", "cf-pete"
HIKERS, READERS = "cf-hikers", "cf-readers"


def with_ids(conversations: list[Conversation]) -> set[str]:
    """The uid or guid of each conversation's other side."""
    return {c.conversationWith.guid if isinstance(c.conversationWith, Group) else c.conversationWith.uid
            for c in conversations}


class ConversationFiltersTest(DevServerMixin, unittest.TestCase):
    """The list's filters (ios-surface-next 3.1, 10 item 15) over two user and two group
    conversations: one of each kind tagged, one of each not."""

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.server.create_user(ME, "Mia Viewer")
        cls.server.create_user(TINA, "Tagged Tina", tags=["vip"])
        cls.server.create_user(PETE, "Plain Pete")
        me = clientFor(cls.server, ME)
        try:
            hikers = Group(guid=HIKERS, name="Hikers")
            hikers.tags = ["outdoors"]
            for group in (hikers, Group(guid=READERS, name="Readers")):
                me.createGroup(group=group).result(scaled(10))
            for to, kind in ((HIKERS, ReceiverType.group), (READERS, ReceiverType.group), (TINA, ReceiverType.user),
                             (PETE, ReceiverType.user)):
                me.sendTextMessage(message=TextMessage(receiverUid=to, text="hello", receiverType=kind)).result(
                    scaled(10))
        finally:
            me.close()

    def setUp(self) -> None:
        self.me = self.newClient(ME)

    def listed(self, client: CometChatClient | None = None, **setup: Any) -> list[Conversation]:
        builder = ConversationRequest.ConversationRequestBuilder(limit=50, client=client or self.me)
        for method, value in setup.items():
            builder = getattr(builder, method)(**value) if isinstance(value, dict) else getattr(builder, method)(value)
        return ok(builder.build().fetchNext())  # type: ignore[no-any-return]

    def test_user_and_group_tags_each_select_conversations_of_their_kind(self) -> None:
        self.assertEqual(with_ids(self.listed()), {HIKERS, READERS, TINA, PETE})
        self.assertEqual(with_ids(self.listed(setUserTags=["vip"])), {TINA})
        self.assertEqual(with_ids(self.listed(setGroupTags=["outdoors"])), {HIKERS})
        self.assertEqual(with_ids(self.listed(setUserTags=["vip"], setGroupTags=["outdoors"])), {TINA, HIKERS})
        self.assertEqual(self.listed(setGroupTags=["nomatch"]), [])
        self.assertEqual(self.listed(setUserTags=["nomatch"]), [])

    def test_search_matches_the_users_or_the_groups_name(self) -> None:
        self.assertEqual(self.listed(setSearchKeyword="zzz"), [])
        self.assertEqual(with_ids(self.listed(setSearchKeyword="HIK")), {HIKERS})
        self.assertEqual(with_ids(self.listed(setSearchKeyword="tina")), {TINA})
        self.assertEqual(with_ids(self.listed(setSearchKeyword="a")), {READERS, TINA, PETE})  # not "Hikers"

    def test_tags_of_the_user_or_group_only_when_asked(self) -> None:
        def tags(conversations: list[Conversation]) -> dict[str, list[str]]:
            return {next(iter(with_ids([c]))): c.conversationWith.tags for c in conversations}

        self.assertEqual(tags(self.listed(withUserAndGroupTags=True)),
                         {HIKERS: ["outdoors"], READERS: [], TINA: ["vip"], PETE: []})
        self.assertEqual(tags(self.listed()), {HIKERS: [], READERS: [], TINA: [], PETE: []})
        one = ok(self.me.getConversation(conversationWith=TINA, conversationType=ConversationType.user))
        self.assertEqual(one.conversationWith.tags, ["vip"])  # one conversation: always

    def test_unread_only(self) -> None:
        self.assertEqual(self.listed(setUnread=True), [])  # all sent by me
        tina = self.newClient(TINA)
        ok(tina.sendTextMessage(message=TextMessage(receiverUid=ME, text="news", receiverType=ReceiverType.user)))
        unread = self.listed(setUnread=True)
        self.assertEqual((with_ids(unread), unread[0].unreadMessageCount), ({TINA}, 1))
        ok(self.me.markConversationAsRead(conversationWithId=TINA, receiverType=ReceiverType.user))
        self.assertEqual(self.listed(setUnread=True), [])

    def test_blocked_info_only_when_asked(self) -> None:
        ok(self.me.blockUsers([PETE]))
        self.addCleanup(lambda: ok(self.me.unblockUsers([PETE])))
        self.assertNotIn(PETE, with_ids(self.listed()))  # blocked: left out unless included

        def pete(**setup: Any) -> Any:
            return next(c.conversationWith for c in self.listed(include={"blockedUsers": True}, **setup)
                        if not isinstance(c.conversationWith, Group) and c.conversationWith.uid == PETE)

        self.assertEqual((pete().blockedByMe, pete().hasBlockedMe), (False, False))  # not asked
        self.assertEqual((pete(with_={"blockedInfo": True}).blockedByMe,
                          pete(with_={"blockedInfo": True}).hasBlockedMe), (True, False))
        from_pete = self.listed(self.newClient(PETE), include={"blockedUsers": True}, with_={"blockedInfo": True})
        me = next(c.conversationWith for c in from_pete if not isinstance(c.conversationWith, Group))
        self.assertEqual((me.uid, me.hasBlockedMe, me.blockedByMe), (ME, True, False))


if __name__ == "__main__":
    unittest.main()
