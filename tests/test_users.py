"""Users: lists with every filter, one user, profiles, admin calls, blocking and where it shows."""

from __future__ import annotations

import unittest
from typing import Any

from cometchat import (
    BlockedUserRequest,
    CometChat,
    CometChatClient,
    CometChatException,
    ConversationRequest,
    MessagesRequest,
    ReceiverType,
    SortOrder,
    TextMessage,
    TypingIndicator,
    User,
    UserStatus,
    UsersRequest,
)
from cometchat.testing import DevServerMixin, EventRecorder, scaled, settingsFor, waitFor
from helpers import error_of, ok

ALICE, BOB, CAROL, DAVE, ERIN = (f"cometchat-uid-{n}" for n in range(1, 6))


def uids(users: list[User]) -> list[str]:
    return [u.uid for u in users]


class UsersListTest(DevServerMixin, unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.server.create_user("zed-tagged", "Zed", tags=["vip"], role="moderator")

    def setUp(self) -> None:
        self.alice = self.newClient(ALICE)

    def fetch_all(self, builder: Any) -> list[User]:
        request = builder.build()
        found: list[User] = []
        while page := ok(request.fetchNext()):
            found += page
        return found

    def builder(self, limit: int = 30) -> Any:
        return UsersRequest.UsersRequestBuilder(limit=limit, client=self.alice)

    def test_pages_of_two_cover_everyone_once(self) -> None:
        everyone = self.fetch_all(self.builder(2))
        self.assertEqual(len(everyone), 6)
        self.assertEqual(len(set(uids(everyone))), 6)

    def test_filters(self) -> None:
        self.assertEqual(uids(self.fetch_all(self.builder().set(searchKeyword="NANCY"))), [CAROL])
        self.assertEqual(uids(self.fetch_all(self.builder().set(searchKeyword="uid-4").searchIn(["uid"]))), [DAVE])
        self.assertEqual(self.fetch_all(self.builder().set(searchKeyword="uid-4").searchIn(["name"])), [])
        self.assertEqual(set(uids(self.fetch_all(self.builder().set(roles=["moderator"])))),
                         {ALICE, DAVE, "zed-tagged"})
        self.assertEqual(set(uids(self.fetch_all(self.builder().set(role="moderator")))), {ALICE, DAVE, "zed-tagged"})
        self.assertEqual(uids(self.fetch_all(self.builder().set(tags=["vip"]))), ["zed-tagged"])
        self.assertEqual(set(uids(self.fetch_all(self.builder().set(UIDs=[BOB, ERIN])))), {BOB, ERIN})
        by_name = self.fetch_all(self.builder().sortBy("name").sortOrder(SortOrder.desc))
        self.assertEqual(by_name[0].name, "Zed")
        self.assertEqual([u.name for u in by_name], sorted([u.name for u in by_name], key=str.lower, reverse=True))

    def test_tags_come_back_only_when_asked(self) -> None:
        self.assertEqual([u.tags for u in self.fetch_all(self.builder().set(UIDs=["zed-tagged"]).withTags(True))],
                         [["vip"]])
        self.assertEqual([u.tags for u in self.fetch_all(self.builder().set(UIDs=["zed-tagged"]))], [[]])
        self.assertEqual([u.tags for u in self.fetch_all(self.builder().set(tags=["vip"]))], [[]])  # filtered, not shown
        self.assertEqual(ok(self.alice.getUser(UID="zed-tagged")).tags, ["vip"])  # one user: always

    def test_status_and_the_default_order_put_online_users_first(self) -> None:
        bob = self.newClient(BOB)
        ok(bob.connect())
        online = self.fetch_all(self.builder().set(status=UserStatus.online))
        self.assertEqual(uids(online), [BOB])
        self.assertEqual(online[0].status, UserStatus.online)
        self.assertNotIn(BOB, uids(self.fetch_all(self.builder().set(status=UserStatus.offline))))
        self.assertEqual(self.fetch_all(self.builder())[0].uid, BOB)

    def test_friends_only(self) -> None:
        self.server.add_friends(ALICE, [ERIN])
        self.assertEqual(uids(self.fetch_all(self.builder().friendsOnly(True))), [ERIN])

    def test_a_second_fetch_in_flight_is_refused(self) -> None:
        request = self.builder(2).build()
        first, second = request.fetchNext(), request.fetchNext()
        self.assertEqual(error_of(second).errorCode, "REQUEST_IN_PROGRESS")
        self.assertEqual(len(ok(first)), 2)
        self.assertEqual(len(ok(request.fetchNext())), 2)  # free again once answered: the next page

    def test_wrong_types_raise_at_once_and_big_limits_fail_the_fetch(self) -> None:
        with self.assertRaises(CometChatException) as caught:
            self.builder().set(status="sleeping")
        self.assertEqual(caught.exception.errorCode, "ERROR_INVALID_PARAMETER")
        with self.assertRaises(CometChatException):
            self.builder().set(tags="vip")  # a list, not a string
        with self.assertRaises(CometChatException):
            UsersRequest.UsersRequestBuilder(limit=0)
        self.assertEqual(error_of(self.builder(101).build().fetchNext()).errorCode, "ERROR_SET_LIMIT_EXCEEDED")


class OneUserTest(DevServerMixin, unittest.TestCase):
    def test_get_user(self) -> None:
        alice = self.newClient(ALICE)
        user = ok(alice.getUser(UID=BOB))
        self.assertEqual((user.uid, user.name), (BOB, "George Alan"))
        self.assertEqual(error_of(alice.getUser(UID="nobody-here")).errorCode, "ERR_UID_NOT_FOUND")
        self.assertEqual(error_of(alice.getUser(UID="has space")).errorCode, "ERROR_INVALID_UID")

    def test_update_current_user_details(self) -> None:
        erin = self.newClient(ERIN)
        me = erin.getLoggedInUser()
        me.name = "Erin Renamed"
        me.avatar = "https://example.invalid/erin.png"
        me.metadata = {"team": "blue"}
        updated = ok(erin.updateCurrentUserDetails(user=me))
        self.assertEqual((updated.name, updated.metadata), ("Erin Renamed", {"team": "blue"}))
        self.assertEqual(erin.getLoggedInUser().avatar, "https://example.invalid/erin.png")
        seen_by_others = ok(self.newClient(ALICE).getUser(UID=ERIN))
        self.assertEqual(seen_by_others.name, "Erin Renamed")

    def test_the_logged_in_user_is_the_apps_own_copy(self) -> None:
        alice = self.newClient(ALICE)
        mine = alice.getLoggedInUser()
        mine.name = "changed locally"
        mine.tags.append("local")
        self.assertEqual(alice.getLoggedInUser().name, "Andrew Joseph")
        self.assertEqual(alice.getLoggedInUser().tags, [])

    def test_the_updated_user_is_the_apps_own_copy(self) -> None:
        erin = self.newClient(ERIN)
        me = erin.getLoggedInUser()
        me.name = "Erin Updated"
        updated = ok(erin.updateCurrentUserDetails(user=me))
        self.assertEqual(erin.getLoggedInUser().name, "Erin Updated")
        updated.name = "changed locally"
        updated.tags.append("local")
        self.assertEqual((erin.getLoggedInUser().name, erin.getLoggedInUser().tags), ("Erin Updated", []))

    def test_login_and_update_user_results_share_nothing_with_the_sdk(self) -> None:
        self.server.create_user("meta-user", "Meta", metadata={"k": 1})
        client = self.newClient()
        logged_in = ok(client.login(UID="meta-user", authKey=self.server.auth_key))
        logged_in.metadata["k"] = 99  # the app changes what it got...
        self.assertEqual(client.getLoggedInUser().metadata, {"k": 1})  # ...and the SDK's user is its own
        mine = client.getLoggedInUser()
        mine.metadata["k"] = 7
        self.assertEqual(client.getLoggedInUser().metadata, {"k": 1})
        updated = ok(client.updateUser(user=User(uid="meta-user", name="Meta 2", metadata={"k": 2}),
                                       apiKey=self.server.auth_key))
        updated.metadata["k"] = 42
        self.assertEqual((client.getLoggedInUser().name, client.getLoggedInUser().metadata), ("Meta 2", {"k": 2}))

    def test_create_and_update_user_with_the_key_before_any_login(self) -> None:
        client = self.newClient()  # initialised, nobody logged in
        newbie = User(uid="newbie", name="Newbie")
        newbie.avatar = "https://example.invalid/newbie.png"
        newbie.tags = ["fresh"]
        created = ok(client.createUser(user=newbie, authKey=self.server.auth_key))
        self.assertEqual((created.uid, created.avatar, created.tags), ("newbie", newbie.avatar, ["fresh"]))
        newbie.name = "Newbie Renamed"
        self.assertEqual(ok(client.updateUser(user=newbie, apiKey=self.server.auth_key)).name, "Newbie Renamed")
        self.assertEqual(error_of(client.createUser(user=newbie, authKey="")).errorCode, "INVALID_AUTH_KEY")
        self.assertEqual(error_of(client.createUser(user=newbie, authKey="k\u20ac")).errorCode, "INVALID_AUTH_KEY")
        self.assertEqual(error_of(client.updateUser(user=newbie, apiKey="k\ud800")).errorCode, "INVALID_AUTH_KEY")
        self.assertEqual(error_of(client.createUser(user=newbie, authKey=self.server.auth_key)).errorCode,
                         "ERR_UID_ALREADY_EXISTS")
        self.assertEqual(ok(client.login(UID="newbie", authKey=self.server.auth_key)).name, "Newbie Renamed")


class BlockingTest(DevServerMixin, unittest.TestCase):
    def setUp(self) -> None:
        self.alice = self.newClient(ALICE, builder=settings_with_presence())
        self.bob = self.newClient(BOB, builder=settings_with_presence())
        self.heard = EventRecorder()
        self.alice.addMessageListener("heard", self.heard)
        self.alice.addUserListener("heard", self.heard)
        ok(self.alice.connect())
        ok(self.bob.connect())

    def tearDown(self) -> None:
        ok(self.alice.unblockUsers([BOB]))

    def hi(self, body: str) -> TextMessage:
        return ok(self.bob.sendTextMessage(message=TextMessage(receiverUid=ALICE, text=body,
                                                               receiverType=ReceiverType.user)))

    def test_a_blocked_user_disappears_where_the_spec_says(self) -> None:
        before = self.hi("before the block")
        self.heard.waitFor("onTextMessageReceived")
        self.assertEqual(ok(self.alice.blockUsers([BOB, "nobody-here"])), {BOB: "success", "nobody-here": "fail"})
        self.assertTrue(ok(self.alice.getUser(UID=BOB)).blockedByMe)
        self.assertTrue(ok(self.bob.getUser(UID=ALICE)).hasBlockedMe)
        during = self.hi("during the block")
        self.bob.startTyping(indicator=TypingIndicator(receiverID=ALICE, receiverType=ReceiverType.user))
        # nothing live from bob reaches alice: show the same path works for carol first
        carol = self.newClient(CAROL)
        ok(carol.sendTextMessage(message=TextMessage(receiverUid=ALICE, text="from carol",
                                                     receiverType=ReceiverType.user)))
        self.assertEqual(self.heard.waitFor("onTextMessageReceived", count=2).arg.text, "from carol")
        self.assertTrue(self.alice.flush(scaled(5)))
        self.assertEqual([e.arg.text for e in self.heard.of("onTextMessageReceived")], ["before the block", "from carol"])
        self.assertEqual(self.heard.of("onTypingStarted"), [])
        # history shows it unless asked to hide it; lists hide bob when asked
        everything = ok(MessagesRequest.MessageRequestBuilder(client=self.alice).set(uid=BOB).build().fetchPrevious())
        self.assertEqual([m.id for m in everything][-2:], [before.id, during.id])
        hidden = ok(MessagesRequest.MessageRequestBuilder(client=self.alice).set(uid=BOB)
                    .hideMessagesFromBlockedUsers(True).build().fetchPrevious())
        self.assertNotIn(during.id, [m.id for m in hidden])
        users = ok(UsersRequest.UsersRequestBuilder(client=self.alice).hideBlockedUsers(True).build().fetchNext())
        self.assertNotIn(BOB, uids(users))
        conversations = ok(ConversationRequest.ConversationRequestBuilder(limit=30, client=self.alice).build().fetchNext())
        self.assertNotIn(BOB, [c.conversationWith.uid for c in conversations])
        with_blocked = ok(ConversationRequest.ConversationRequestBuilder(limit=30, client=self.alice)
                          .include(blockedUsers=True).build().fetchNext())
        self.assertIn(BOB, [c.conversationWith.uid for c in with_blocked])

    def test_blocked_lists_by_direction(self) -> None:
        ok(self.alice.blockUsers([BOB]))
        mine = ok(BlockedUserRequest.BlockedUserRequestBuilder(client=self.alice)
                  .set(direction=CometChat.Blocked.byMe).build().fetchNext())
        self.assertEqual([(u.uid, u.blockedByMe) for u in mine], [(BOB, True)])
        theirs = ok(BlockedUserRequest.BlockedUserRequestBuilder(client=self.bob)
                    .set(direction=CometChat.Blocked.me).build().fetchNext())
        self.assertEqual([(u.uid, u.hasBlockedMe) for u in theirs], [(ALICE, True)])
        self.assertEqual(ok(BlockedUserRequest.BlockedUserRequestBuilder(client=self.bob)
                            .set(direction=CometChat.Blocked.byMe).build().fetchNext()), [])
        self.assertEqual(ok(self.alice.unblockUsers([BOB])), {BOB: "success"})
        again = self.hi("after the block")
        self.assertEqual(self.heard.waitFor("onTextMessageReceived").arg.id, again.id)

    def online(self, uid: str) -> Any:
        return waitFor(lambda: [e for e in self.heard.of("onUserOnline") if e.arg.uid == uid])

    def test_presence_of_a_blocked_user_is_not_relayed(self) -> None:
        erin = self.newClient(ERIN, builder=settings_with_presence())
        ok(erin.connect())
        self.online(ERIN)  # presence flows...
        ok(self.alice.blockUsers([ERIN]))
        ok(erin.disconnect())
        dave = self.newClient(DAVE, builder=settings_with_presence())
        ok(dave.connect())
        self.online(DAVE)
        self.assertTrue(self.alice.flush(scaled(5)))
        self.assertEqual(self.heard.of("onUserOffline"), [])  # ...but not from erin once blocked
        ok(self.alice.unblockUsers([ERIN]))

    def test_bad_input(self) -> None:
        self.assertEqual(error_of(self.alice.blockUsers([])).errorCode, "EMPTY_USERS_LIST")
        self.assertEqual(error_of(self.alice.blockUsers("bob")).errorCode, "ERROR_INVALID_PARAMETER")
        self.assertEqual(error_of(self.alice.unblockUsers(["bad uid"])).errorCode, "ERROR_INVALID_UID")


class BlockedListTest(DevServerMixin, unittest.TestCase):
    """``BlockedUserRequest`` paging both ways, searching, and refusing what it should."""

    def setUp(self) -> None:
        self.alice = self.newClient(ALICE)
        ok(self.alice.blockUsers([BOB, CAROL, DAVE]))  # by name: George Alan, Nancy Grace, Susan Marie
        self.addCleanup(lambda: ok(self.alice.unblockUsers([BOB, CAROL, DAVE])))

    def builder(self, limit: int = 30) -> Any:
        return BlockedUserRequest.BlockedUserRequestBuilder(limit=limit, client=self.alice).set(
            direction=CometChat.Blocked.byMe)

    def test_fetch_previous_goes_back_a_page_at_a_time(self) -> None:
        request = self.builder(1).build()
        forward = [uids(ok(request.fetchNext())) for _ in range(4)]
        self.assertEqual(forward, [[BOB], [CAROL], [DAVE], []])
        back = [uids(ok(request.fetchPrevious())) for _ in range(3)]
        self.assertEqual(back, [[CAROL], [BOB], []])  # the page before the last one fetched; [] at the start
        self.assertEqual(uids(ok(request.fetchNext())), [CAROL])  # and on from there

    def test_search_keyword(self) -> None:
        self.assertEqual(uids(ok(self.builder().set(searchKeyword="nancy").build().fetchNext())), [CAROL])
        self.assertEqual(uids(ok(self.builder().set(searchKeyword="uid-4").build().fetchNext())), [DAVE])
        self.assertEqual(ok(self.builder().set(searchKeyword="nobody").build().fetchNext()), [])

    def test_a_second_fetch_in_flight_and_a_big_limit_are_refused(self) -> None:
        request = self.builder(2).build()
        first, second = request.fetchNext(), request.fetchNext()
        self.assertEqual(error_of(second).errorCode, "REQUEST_IN_PROGRESS")
        self.assertEqual(uids(ok(first)), [BOB, CAROL])
        self.assertEqual(uids(ok(request.fetchNext())), [DAVE])
        heard = EventRecorder()
        self.builder(101).build().fetchNext(onError=heard.callback("error"))
        self.assertEqual(heard.waitFor("error").arg.errorCode, "ERROR_SET_LIMIT_EXCEEDED")
        self.assertEqual(len(ok(self.builder(100).build().fetchNext())), 3)  # the maximum itself is fine


def settings_with_presence() -> Any:
    from cometchat import AppSettings

    return AppSettings.AppSettingsBuilder().setInMemoryStorage().subscribePresenceForAllUsers()


class FacadeUsersTest(DevServerMixin, unittest.TestCase):
    def test_the_swift_calls_on_the_facade(self) -> None:
        from cometchat.testing import resetDefaultClient

        resetDefaultClient()
        self.addCleanup(resetDefaultClient)
        ok(CometChat.init(appId=self.server.app_id, appSettings=settingsFor(self.server)))
        ok(CometChat.login(UID=ALICE, authKey=self.server.auth_key))
        self.assertEqual(ok(CometChat.getUser(UID=CAROL)).name, "Nancy Grace")
        request = UsersRequest.UsersRequestBuilder(limit=2).build()  # runs on the facade's client
        self.assertEqual(len(ok(request.fetchNext())), 2)
        self.assertIsInstance(CometChat.blockUsers, type(CometChatClient.blockUsers))


if __name__ == "__main__":
    unittest.main()
