"""Groups end to end: the group calls and lists, every authorization rule with the server's
code, the group listener's callbacks (positional, in Swift's order) reaching exactly the
sessions they should, and group messages, typing and receipts fanned out exactly once."""

from __future__ import annotations

import threading
import unittest
from typing import Any

from cometchat import (
    BannedGroupMembersRequest,
    CometChat,
    CometChatException,
    ConversationRequest,
    ConversationType,
    CustomMessage,
    Group,
    GroupMember,
    GroupMemberScopeType,
    GroupMembersRequest,
    GroupsRequest,
    GroupType,
    MemberScope,
    MessagesRequest,
    ReceiverType,
    TextMessage,
    TransientMessage,
    TypingIndicator,
)
from cometchat.testing import EventRecorder, resetDefaultClient, scaled, settingsFor
from helpers import PeopleMixin, error_of, new_guid, ok

ALICE, BOB, CAROL, DAVE, EVE = (f"cometchat-uid-{n}" for n in range(1, 6))


class GroupsCase(PeopleMixin, unittest.TestCase):
    """A client (and a recorder) per user; ``live`` ones are connected."""

    def group(self, owner: str = ALICE, kind: GroupType = GroupType.public, *, members: dict[str, Any] | None = None,
              password: str | None = None, prefix: str = "g") -> str:
        """A new group owned by ``owner`` with ``members`` ({uid: scope}) added; its guid."""
        guid = new_guid(prefix)
        ok(self.client(owner).createGroup(group=Group(guid=guid, name=f"Group {guid}", groupType=kind,
                                                      password=password)))
        if members:
            outcome = ok(self.client(owner).addMembersToGroup(
                guid=guid, groupMembers=[GroupMember(UID=uid, groupMemberScope=scope) for uid, scope in members.items()]))
            self.assertEqual(set(outcome.values()), {"success"})
        return guid

    def code(self, future: Any) -> str:
        return error_of(future).errorCode  # type: ignore[no-any-return]


class GroupCallsTest(GroupsCase):
    def test_create_get_update_delete(self) -> None:
        alice = self.client(ALICE)
        guid = new_guid()
        group = Group(guid=guid, name="Hikers", groupType=CometChat.groupType.public, password=None)
        group.icon = "https://example.test/hikers.png"  # settable, as in Swift
        group.groupDescription = "weekend walks"
        group.tags = ["outdoors"]
        group.metadata = {"level": 2}
        created = ok(alice.createGroup(group=group))
        self.assertEqual((created.guid, created.name, created.groupType, created.owner), (guid, "Hikers",
                                                                                        GroupType.public, ALICE))
        self.assertEqual((created.icon, created.groupDescription, created.tags, created.metadata),
                         ("https://example.test/hikers.png", "weekend walks", ["outdoors"], {"level": 2}))
        self.assertTrue(created.hasJoined)
        self.assertEqual((created.scope, created.membersCount), (GroupMemberScopeType.admin, 1))

        seen_by_bob = ok(self.client(BOB).getGroup(GUID=guid))
        self.assertEqual((seen_by_bob.name, seen_by_bob.hasJoined, seen_by_bob.scope), ("Hikers", False, None))

        created.name = "Hill walkers"
        updated = ok(alice.updateGroup(group=created))
        self.assertEqual((updated.name, updated.icon), ("Hill walkers", "https://example.test/hikers.png"))
        self.assertEqual(ok(self.client(BOB).getGroup(GUID=guid)).name, "Hill walkers")

        self.assertIsInstance(ok(alice.deleteGroup(GUID=guid)), str)
        self.assertEqual(self.code(alice.getGroup(GUID=guid)), "ERR_GUID_NOT_FOUND")
        self.assertEqual(ok(alice.createGroup(group=Group(guid=guid, name="again"))).name, "again")  # free again

    def test_the_request_the_official_sdk_sends(self) -> None:
        guid = new_guid()
        group = Group(guid=guid, name="Wire", groupType=GroupType.password, password="s3cret")
        group.tags = ["t"]
        self.assertEqual(group.toWire(request=True), {  # the body of POST groups (ios-surface-next 4.2)
            "hasJoined": False, "membersCount": 0, "isBanned": False, "guid": guid, "type": "password", "name": "Wire",
            "tags": ["t"], "password": "s3cret"})
        ok(self.client(ALICE).createGroup(group=group))
        fetched = ok(self.client(BOB).getGroup(GUID=guid))
        self.assertIsNone(fetched.password)  # never sent back
        request = (GroupsRequest.GroupsRequestBuilder(limit=7, client=self.client(ALICE))
                   .set(searchKeyword="wi").set(joinedOnly=True).set(tags=["t"]).withTags(True).build())
        self.assertEqual([g.guid for g in ok(request.fetchNext())], [guid])
        line = self.server.requests("GET", "/v3.0/groups")[-1]["query"]
        self.assertEqual(line, "per_page=7&searchKey=wi&hasJoined=1&tags=t&withTags=1&page=1")

    def test_an_update_changes_only_what_it_sets(self) -> None:
        alice, bob = self.client(ALICE), self.client(BOB)
        private = self.group(ALICE, GroupType.private)
        renamed = ok(alice.updateGroup(group=Group(guid=private, name="Renamed")))
        self.assertEqual((renamed.name, renamed.groupType), ("Renamed", GroupType.private))  # still private
        self.assertEqual(self.code(bob.getGroup(GUID=private)), "ERR_GUID_NOT_FOUND")
        secret = self.group(ALICE, GroupType.password, password="pw")
        self.assertEqual(ok(alice.updateGroup(group=Group(guid=secret, name="Still secret"))).groupType,
                         GroupType.password)
        self.assertEqual(self.code(bob.joinGroup(GUID=secret, groupType=GroupType.password, password="x")),
                         "ERR_WRONG_GROUP_PASS")
        emptied = Group(guid=secret, groupType=GroupType.password, password="")
        self.assertEqual(self.code(alice.updateGroup(group=emptied)), "ERR_EMPTY_GROUP_PASS")
        public = self.group(ALICE)
        self.assertEqual(self.code(alice.updateGroup(group=Group(guid=public, groupType=GroupType.password))),
                         "ERR_EMPTY_GROUP_PASS")  # a password group without a password: refused
        ok(alice.updateGroup(group=Group(guid=public, groupType=GroupType.password, password="new")))
        self.assertTrue(ok(bob.joinGroup(GUID=public, groupType=GroupType.password, password="new")).hasJoined)

    def test_a_deleted_guid_starts_empty_when_used_again(self) -> None:
        guid = self.group(ALICE, GroupType.private, members={BOB: GroupMemberScopeType.participant})
        ok(self.client(ALICE).sendTextMessage(message=TextMessage(receiverUid=guid, text="the launch code is 1234",
                                                                  receiverType=ReceiverType.group)))
        history = MessagesRequest.MessageRequestBuilder(client=self.client(BOB)).set(guid=guid).build()
        self.assertEqual(len(ok(history.fetchPrevious())), 2)  # bob was added, then the message
        ok(self.client(ALICE).deleteGroup(GUID=guid))
        ok(self.client(CAROL).createGroup(group=Group(guid=guid, name="new owner")))
        reused = MessagesRequest.MessageRequestBuilder(client=self.client(CAROL)).set(guid=guid).build()
        self.assertEqual(ok(reused.fetchPrevious()), [])
        listed = ok(ConversationRequest.ConversationRequestBuilder(limit=50, client=self.client(CAROL)).build()
                    .fetchNext())
        self.assertNotIn(guid, [getattr(c.conversationWith, "guid", None) for c in listed])

    def test_group_lists_page_and_filter(self) -> None:
        prefix = new_guid("list")
        guids = [self.group(BOB, prefix=prefix) for _ in range(3)]
        hidden = self.group(BOB, GroupType.private, prefix=prefix)
        request = GroupsRequest.GroupsRequestBuilder(limit=2, client=self.client(CAROL)).set(
            searchKeyword=prefix).build()
        pages = [ok(request.fetchNext()) for _ in range(3)]
        in_order = sorted(guids)  # by name ("Group <guid>")
        self.assertEqual([[g.guid for g in page] for page in pages], [in_order[:2], in_order[2:], []])
        self.assertNotIn(hidden, [g.guid for page in pages for g in page])  # private: members only
        mine = GroupsRequest.GroupsRequestBuilder(limit=10, client=self.client(BOB)).set(searchKeyword=prefix).build()
        self.assertEqual(len(ok(mine.fetchNext())), 4)
        joined = ok(self.client(BOB).getJoinedGroups())
        self.assertTrue(set(guids + [hidden]) <= set(joined))
        self.assertFalse(set(guids) & set(ok(self.client(CAROL).getJoinedGroups())))
        too_many = GroupsRequest.GroupsRequestBuilder(limit=101, client=self.client(BOB)).build()
        self.assertEqual(self.code(too_many.fetchNext()), "ERROR_SET_LIMIT_EXCEEDED")

    def test_joined_groups_page_past_a_hundred(self) -> None:
        joiner = self.server.create_user(new_guid("joiner"))["uid"]
        client = self.client(joiner)
        mine = {ok(client.createGroup(group=Group(guid=new_guid("many"), name="many"))).guid for _ in range(101)}
        self.server.clear_logs()
        joined = ok(client.getJoinedGroups())
        self.assertEqual(len(joined), 101)  # each once
        self.assertEqual(set(joined), mine)
        pages = [r["query"] for r in self.server.requests("GET", "/v3.0/groups")]
        self.assertEqual(pages, ["per_page=100&hasJoined=1&page=1", "per_page=100&hasJoined=1&page=2"])

    def test_join_and_leave(self) -> None:
        guid = self.group(ALICE)
        bob = self.client(BOB)
        joined = ok(bob.joinGroup(GUID=guid, groupType=GroupType.public, password=None))
        self.assertEqual((joined.guid, joined.hasJoined, joined.membersCount), (guid, True, 2))
        self.assertEqual(joined.scope, GroupMemberScopeType.participant)
        self.assertGreater(joined.joinedAt, 0)
        self.assertEqual(self.code(bob.joinGroup(GUID=guid, groupType=GroupType.public)), "ERR_ALREADY_JOINED")
        self.assertIsInstance(ok(bob.leaveGroup(GUID=guid)), str)
        self.assertEqual(self.code(bob.leaveGroup(GUID=guid)), "ERR_NOT_A_MEMBER")
        self.assertEqual(ok(self.client(ALICE).getGroup(GUID=guid)).membersCount, 1)

    def test_password_and_private_groups(self) -> None:
        secret = self.group(ALICE, GroupType.password, password="open sesame")
        bob = self.client(BOB)
        self.assertEqual(self.code(bob.joinGroup(GUID=secret, groupType=GroupType.password)), "ERR_EMPTY_GROUP_PASS")
        self.assertEqual(self.code(bob.joinGroup(GUID=secret, groupType=GroupType.password, password="nope")),
                         "ERR_WRONG_GROUP_PASS")
        self.assertTrue(ok(bob.joinGroup(GUID=secret, groupType=GroupType.password, password="open sesame")).hasJoined)
        private = self.group(ALICE, GroupType.private)
        # to an outsider a private group answers exactly as a missing one: its guid reveals nothing
        for guid in (private, "no-such-group"):
            self.assertEqual(self.code(bob.getGroup(GUID=guid)), "ERR_GUID_NOT_FOUND")
            self.assertEqual(self.code(bob.joinGroup(GUID=guid, groupType=GroupType.private)), "ERR_GUID_NOT_FOUND")
        ok(self.client(ALICE).addMembersToGroup(guid=private, groupMembers=[GroupMember(UID=BOB)]))
        self.assertTrue(ok(bob.getGroup(GUID=private)).hasJoined)  # joined only by being added
        self.assertEqual(self.code(self.client(ALICE).createGroup(group=Group(
            guid=new_guid(), name="no pass", groupType=GroupType.password))), "ERR_EMPTY_GROUP_PASS")

    def test_create_with_members_and_add_members(self) -> None:
        guid = new_guid()
        result = ok(self.client(ALICE).createGroupWithMembers(
            group=Group(guid=guid, name="Team"),
            members=[GroupMember(UID=BOB, groupMemberScope=GroupMemberScopeType.moderator),
                     GroupMember(UID="nobody-here")],
            banMembers=[EVE]))
        self.assertEqual(result["group"].guid, guid)
        self.assertEqual(result["group"].membersCount, 2)
        self.assertEqual(result["members"][BOB], "success")
        self.assertEqual(result["members"][EVE], "success")
        self.assertNotEqual(result["members"]["nobody-here"], "success")  # the reason, in words
        added = ok(self.client(BOB).addMembersToGroup(
            guid=guid, groupMembers=[GroupMember(UID=CAROL), GroupMember(UID=ALICE),
                                     GroupMember(UID=DAVE, groupMemberScope=GroupMemberScopeType.admin)],
            bannedUIDs=[]))
        self.assertEqual(added[CAROL], "success")
        self.assertIn("already", added[ALICE])
        self.assertEqual(added[DAVE], "Only an admin adds a member as admin.")  # a moderator adds participants only
        self.assertIn("banned", ok(self.client(ALICE).addMembersToGroup(
            guid=guid, groupMembers=[GroupMember(UID=EVE)]))[EVE])

    def test_member_lists(self) -> None:
        guid = self.group(ALICE, members={BOB: GroupMemberScopeType.moderator, CAROL: GroupMemberScopeType.participant})
        ok(self.client(ALICE).banGroupMember(UID=DAVE, GUID=guid))
        request = GroupMembersRequest.GroupMembersRequestBuilder(guid=guid, client=self.client(CAROL)).set(
            limit=10).build()
        members = ok(request.fetchNext())
        self.assertEqual({m.uid: m.scope for m in members}, {ALICE: GroupMemberScopeType.admin,
                                                               BOB: GroupMemberScopeType.moderator,
                                                               CAROL: GroupMemberScopeType.participant})
        self.assertTrue(all(isinstance(m, GroupMember) and m.joinedAt > 0 for m in members))
        self.assertEqual(ok(request.fetchNext()), [])
        moderators = GroupMembersRequest.GroupMembersRequestBuilder(guid=guid, client=self.client(CAROL)).set(
            scopes=["moderator"]).build()
        self.assertEqual([m.uid for m in ok(moderators.fetchNext())], [BOB])
        by_enum = GroupMembersRequest.GroupMembersRequestBuilder(guid=guid, client=self.client(CAROL)).set(
            scopes=[GroupMemberScopeType.admin, GroupMemberScopeType.moderator]).build()
        self.assertEqual({m.uid for m in ok(by_enum.fetchNext())}, {ALICE, BOB})
        search = GroupMembersRequest.GroupMembersRequestBuilder(guid=guid, client=self.client(CAROL)).set(
            searchKeyword="nancy").build()
        self.assertEqual([m.uid for m in ok(search.fetchNext())], [CAROL])
        banned = BannedGroupMembersRequest.BannedGroupMembersRequestBuilder(guid=guid, client=self.client(BOB)).build()
        self.assertEqual([m.uid for m in ok(banned.fetchNext())], [DAVE])
        as_participant = BannedGroupMembersRequest.BannedGroupMembersRequestBuilder(
            guid=guid, client=self.client(CAROL)).build()
        self.assertEqual(self.code(as_participant.fetchNext()), "ERR_GROUP_NO_MODERATOR_SCOPE")
        outsider = GroupMembersRequest.GroupMembersRequestBuilder(guid=guid, client=self.client(EVE)).build()
        self.assertEqual(self.code(outsider.fetchNext()), "ERR_NOT_A_MEMBER")
        bad = GroupMembersRequest.GroupMembersRequestBuilder(guid="no spaces", client=self.client(EVE)).build()
        self.assertEqual(self.code(bad.fetchNext()), "ERROR_INVALID_GUID")

    def test_banned_members_filtered_by_the_scope_they_had(self) -> None:
        guid = self.group(ALICE, members={BOB: GroupMemberScopeType.moderator, CAROL: GroupMemberScopeType.participant})
        alice = self.client(ALICE)
        for uid in (BOB, CAROL, DAVE):  # dave was never a member: banned as a participant
            ok(alice.banGroupMember(UID=uid, GUID=guid))

        def banned(*scopes: Any) -> dict[str, Any]:
            builder = BannedGroupMembersRequest.BannedGroupMembersRequestBuilder(guid=guid, client=alice)
            if scopes:
                builder = builder.set(scopes=list(scopes))
            return {m.uid: m.scope for m in ok(builder.build().fetchNext())}

        self.assertEqual(banned(), {BOB: GroupMemberScopeType.moderator, CAROL: GroupMemberScopeType.participant,
                                    DAVE: GroupMemberScopeType.participant})
        self.assertEqual(banned("moderator"), {BOB: GroupMemberScopeType.moderator})
        self.assertEqual(set(banned(GroupMemberScopeType.participant)), {CAROL, DAVE})
        self.assertEqual(banned("admin"), {})

    def test_group_tags_come_back_from_the_list_only_when_asked(self) -> None:
        guid = new_guid("tagged")
        group = Group(guid=guid, name="Tagged")
        group.tags = ["outdoors"]
        ok(self.client(ALICE).createGroup(group=group))

        def listed(with_tags: bool | None) -> Group:
            builder = GroupsRequest.GroupsRequestBuilder(limit=5, client=self.client(BOB)).set(searchKeyword=guid)
            if with_tags is not None:
                builder = builder.withTags(with_tags)
            found = ok(builder.build().fetchNext())
            self.assertEqual([g.guid for g in found], [guid])
            return found[0]  # type: ignore[no-any-return]

        self.assertEqual(listed(True).tags, ["outdoors"])
        self.assertEqual(listed(None).tags, [])
        self.assertEqual(listed(False).tags, [])
        self.assertEqual(ok(self.client(BOB).getGroup(GUID=guid)).tags, ["outdoors"])  # one group: always

    def test_the_models_read_the_wires_names(self) -> None:
        """``isBanned`` is ``isBannedFromGroup``; the wire's ``protected`` is a password group."""
        guid = self.group(ALICE, members={BOB: GroupMemberScopeType.participant})
        self.assertFalse(ok(self.client(BOB).getGroup(GUID=guid)).isBannedFromGroup)
        ok(self.client(ALICE).banGroupMember(UID=BOB, GUID=guid))
        self.assertTrue(ok(self.client(BOB).getGroup(GUID=guid)).isBannedFromGroup)
        self.assertFalse(ok(self.client(CAROL).getGroup(GUID=guid)).isBannedFromGroup)
        secret = self.group(ALICE, GroupType.password, password="pw")
        self.assertEqual(ok(self.client(BOB).getGroup(GUID=secret)).groupType, GroupType.password)
        # the dev server always says "password"; a server saying "protected" (as the official SDK
        # accepts) is read the same: a member action naming such a group, pushed by hand
        heard = self.live(CAROL)
        action = {"id": "900001", "conversationId": f"group_{secret}", "sender": ALICE, "receiver": secret,
                  "receiverType": "group", "type": "groupMember", "category": "action", "sentAt": 1700000000,
                  "data": {"action": "joined", "entities": {
                      "by": {"entity": {"uid": ALICE, "name": "Andrew Joseph"}, "entityType": "user"},
                      "on": {"entity": {"uid": ALICE, "name": "Andrew Joseph"}, "entityType": "user"},
                      "for": {"entity": {"guid": secret, "name": "Secret", "type": "protected", "isBanned": True},
                              "entityType": "group"}}}}
        self.server.push(CAROL, {"appId": self.server.app_id, "type": "message", "sender": ALICE, "receiver": secret,
                                 "receiverType": "group", "deviceId": "pushed", "body": action})
        _, _, group = heard.waitFor("onGroupMemberJoined").args
        self.assertEqual((group.guid, group.groupType, group.isBannedFromGroup), (secret, GroupType.password, True))

    def test_bad_input_is_refused_locally(self) -> None:
        alice = self.client(ALICE)
        before = len(self.server.requests())
        self.assertEqual(self.code(alice.getGroup(GUID="")), "ERROR_INVALID_GUID")
        self.assertEqual(self.code(alice.joinGroup(GUID="has space", groupType=GroupType.public)),
                         "ERROR_INVALID_GUID")
        self.assertEqual(self.code(alice.joinGroup(GUID="g", groupType="club")), "ERROR_INVALID_PARAMETER")
        self.assertEqual(self.code(alice.createGroup(group="g")), "ERROR_INVALID_PARAMETER")  # type: ignore[arg-type]
        self.assertEqual(self.code(alice.kickGroupMember(UID="", GUID="g")), "ERROR_INVALID_UID")
        self.assertEqual(self.code(alice.updateGroupMemberScope(UID=BOB, GUID="g", scope="owner")),  # type: ignore[arg-type]
                         "ERROR_INVALID_PARAMETER")
        self.assertEqual(self.code(alice.addMembersToGroup(guid="g", groupMembers=[BOB])),  # type: ignore[list-item]
                         "ERROR_INVALID_PARAMETER")
        odd = GroupMember(UID=BOB)
        odd.scope = None  # type: ignore[assignment]
        self.assertEqual(self.code(alice.addMembersToGroup(guid="g", groupMembers=[odd])), "ERROR_INVALID_PARAMETER")
        self.assertEqual(self.code(alice.getGroup(GUID="trailing\n")), "ERROR_INVALID_GUID")
        self.assertEqual(len(self.server.requests()), before)  # nothing reached the server

    def test_bad_values_given_to_models_and_builders_raise_at_once_with_a_code(self) -> None:
        group = Group(guid="g", name="G")

        def retype() -> None:
            group.groupType = "weird"  # type: ignore[assignment]

        made: list[Any] = [
            lambda: GroupMember(UID=BOB, groupMemberScope="owner"),
            lambda: GroupMember(UID=5),  # type: ignore[arg-type]
            lambda: Group(guid="g", groupType="weird"),  # type: ignore[arg-type]
            retype,
            lambda: GroupMembersRequest.GroupMembersRequestBuilder(guid=5),  # type: ignore[arg-type]
            lambda: BannedGroupMembersRequest.BannedGroupMembersRequestBuilder(guid=None),  # type: ignore[arg-type]
            lambda: GroupsRequest.GroupsRequestBuilder(limit=10, client="not a client"),
            lambda: MessagesRequest.MessageRequestBuilder(client=object()),
        ]
        for n, make in enumerate(made):
            with self.subTest(n=n):
                with self.assertRaises(CometChatException) as caught:
                    make()
                self.assertEqual(caught.exception.errorCode, "ERROR_INVALID_PARAMETER")
        self.assertIsNone(group.groupType)  # the refused value was not kept
        # the values they take: the enums, their wire values, a client
        self.assertEqual(Group(guid="g", groupType="protected").groupType, GroupType.password)
        self.assertEqual(GroupMember(UID=BOB, groupMemberScope="admin").scope, GroupMemberScopeType.admin)
        guid = self.group(ALICE)
        members = ok(GroupMembersRequest.GroupMembersRequestBuilder(guid=guid, client=self.client(ALICE))
                     .build().fetchNext())
        self.assertEqual([m.uid for m in members], [ALICE])

    def test_swift_style_from_callbacks(self) -> None:
        """Log in, then join in onSuccess, then send in the join's onSuccess, as a Swift app does."""
        guid = self.group(ALICE)
        resetDefaultClient()
        self.addCleanup(resetDefaultClient)
        done = threading.Event()
        outcome: dict[str, Any] = {}

        def sent(message: TextMessage) -> None:
            outcome["message"] = message
            done.set()

        def joined(group: Group) -> None:
            outcome["group"] = group
            CometChat.sendTextMessage(message=TextMessage(receiverUid=group.guid, text="hello all",
                                                          receiverType=CometChat.ReceiverType.group),
                                      onSuccess=sent, onError=lambda e: done.set())

        def logged_in(user: Any) -> None:
            CometChat.joinGroup(GUID=guid, groupType=CometChat.groupType.public, password=None,
                                onSuccess=joined, onError=lambda e: done.set())

        CometChat.init(appId=self.server.app_id, appSettings=settingsFor(self.server))
        CometChat.login(UID=DAVE, authKey=self.server.auth_key, onSuccess=logged_in, onError=lambda e: done.set())
        self.assertTrue(done.wait(scaled(10)))
        self.assertTrue(outcome["group"].hasJoined)
        self.assertEqual((outcome["message"].receiverUid, outcome["message"].receiverType), (guid, ReceiverType.group))


class AuthorizationTest(GroupsCase):
    """One test per rule: the refusal and the server's code, and that the same call by someone
    allowed succeeds."""

    def setUp(self) -> None:
        super().setUp()
        # alice owns; bob is an admin, carol a moderator, dave and eve participants
        self.guid = self.group(ALICE, members={BOB: GroupMemberScopeType.admin, CAROL: GroupMemberScopeType.moderator,
                                               DAVE: GroupMemberScopeType.participant,
                                               EVE: GroupMemberScopeType.participant})

    def test_participants_cannot_kick_or_ban(self) -> None:
        dave = self.client(DAVE)
        self.assertEqual(self.code(dave.kickGroupMember(UID=EVE, GUID=self.guid)), "ERR_GROUP_NO_MODERATOR_SCOPE")
        self.assertEqual(self.code(dave.banGroupMember(UID=EVE, GUID=self.guid)), "ERR_GROUP_NO_MODERATOR_SCOPE")
        self.assertEqual(self.code(dave.unbanGroupMember(UID=EVE, GUID=self.guid)), "ERR_GROUP_NO_MODERATOR_SCOPE")
        self.assertEqual(self.code(dave.addMembersToGroup(guid=self.guid, groupMembers=[GroupMember(UID="x")])),
                         "ERR_GROUP_NO_MODERATOR_SCOPE")

    def test_moderators_kick_and_ban_participants_only(self) -> None:
        carol = self.client(CAROL)
        self.assertIsInstance(ok(carol.kickGroupMember(UID=EVE, GUID=self.guid)), str)
        self.assertIsInstance(ok(carol.banGroupMember(UID=DAVE, GUID=self.guid)), str)
        self.assertEqual(self.code(carol.banGroupMember(UID=DAVE, GUID=self.guid)), "ERR_ALREADY_BANNED")
        self.assertIsInstance(ok(carol.unbanGroupMember(UID=DAVE, GUID=self.guid)), str)
        self.assertEqual(self.code(carol.unbanGroupMember(UID=DAVE, GUID=self.guid)), "ERR_NOT_A_BANNED_USER")
        self.assertEqual(self.code(carol.kickGroupMember(UID=BOB, GUID=self.guid)), "ERR_GROUP_NO_SCOPE_CLEARANCE")
        self.assertEqual(self.code(carol.kickGroupMember(UID=EVE, GUID=self.guid)), "ERR_NOT_A_MEMBER")

    def test_only_admins_change_scopes_update_and_delete(self) -> None:
        carol = self.client(CAROL)
        self.assertEqual(self.code(carol.updateGroupMemberScope(UID=DAVE, GUID=self.guid, scope=MemberScope.moderator)),
                         "ERR_GROUP_NO_ADMIN_SCOPE")
        self.assertEqual(self.code(carol.updateGroup(group=Group(guid=self.guid, name="mine now"))),
                         "ERR_GROUP_NO_ADMIN_SCOPE")
        self.assertEqual(self.code(carol.deleteGroup(GUID=self.guid)), "ERR_GROUP_NO_ADMIN_SCOPE")
        bob = self.client(BOB)
        self.assertIsInstance(ok(bob.updateGroupMemberScope(UID=DAVE, GUID=self.guid,
                                                            scope=CometChat.MemberScope.moderator)), str)
        self.assertEqual(self.code(bob.updateGroupMemberScope(UID=DAVE, GUID=self.guid, scope=MemberScope.moderator)),
                         "ERR_SAME_SCOPE")
        self.assertEqual(ok(bob.updateGroup(group=Group(guid=self.guid, name="renamed"))).name, "renamed")
        self.assertIsInstance(ok(bob.deleteGroup(GUID=self.guid)), str)

    def test_nobody_acts_on_the_owner_or_on_themselves(self) -> None:
        bob = self.client(BOB)
        self.assertEqual(self.code(bob.kickGroupMember(UID=ALICE, GUID=self.guid)), "ERR_GROUP_NO_SCOPE_CLEARANCE")
        self.assertEqual(self.code(bob.banGroupMember(UID=ALICE, GUID=self.guid)), "ERR_GROUP_NO_SCOPE_CLEARANCE")
        self.assertEqual(self.code(bob.updateGroupMemberScope(UID=ALICE, GUID=self.guid, scope=MemberScope.participant)),
                         "ERR_GROUP_NO_SCOPE_CLEARANCE")
        self.assertEqual(self.code(bob.kickGroupMember(UID=BOB, GUID=self.guid)), "ERR_GROUP_NO_SELF_ACTION")
        self.assertEqual(self.code(bob.banGroupMember(UID=BOB, GUID=self.guid)), "ERR_GROUP_NO_SELF_ACTION")
        self.assertEqual(self.code(bob.updateGroupMemberScope(UID=BOB, GUID=self.guid, scope=MemberScope.moderator)),
                         "ERR_GROUP_NO_SELF_ACTION")
        self.assertEqual(self.code(self.client(ALICE).updateGroupMemberScope(
            UID=ALICE, GUID=self.guid, scope=MemberScope.moderator)), "ERR_GROUP_NO_SELF_ACTION")  # the owner too
        self.assertEqual(self.code(self.client(ALICE).transferGroupOwnership(UID=ALICE, GUID=self.guid)),
                         "ERR_GROUP_NO_SELF_ACTION")  # to oneself: nothing to transfer
        self.assertEqual(ok(self.client(BOB).getGroup(GUID=self.guid)).owner, ALICE)
        # the owner may act on an admin
        self.assertIsInstance(ok(self.client(ALICE).updateGroupMemberScope(
            UID=BOB, GUID=self.guid, scope=MemberScope.participant)), str)

    def test_nobody_acts_on_an_equal(self) -> None:
        ok(self.client(ALICE).updateGroupMemberScope(UID=DAVE, GUID=self.guid, scope=MemberScope.admin))
        self.assertEqual(self.code(self.client(BOB).kickGroupMember(UID=DAVE, GUID=self.guid)),
                         "ERR_GROUP_NO_SCOPE_CLEARANCE")  # an admin (not the owner) on an admin
        ok(self.client(ALICE).updateGroupMemberScope(UID=EVE, GUID=self.guid, scope=MemberScope.moderator))
        self.assertEqual(self.code(self.client(CAROL).banGroupMember(UID=EVE, GUID=self.guid)),
                         "ERR_GROUP_NO_SCOPE_CLEARANCE")  # a moderator on a moderator
        self.assertIsInstance(ok(self.client(BOB).kickGroupMember(UID=EVE, GUID=self.guid)), str)  # above: allowed

    def test_only_the_owner_transfers_and_must_before_leaving(self) -> None:
        alice = self.client(ALICE)
        self.assertEqual(self.code(alice.leaveGroup(GUID=self.guid)), "ERR_GROUP_OWNER_CANNOT_LEAVE")
        self.assertEqual(self.code(self.client(BOB).transferGroupOwnership(UID=CAROL, GUID=self.guid)),
                         "ERR_GROUP_NO_CLEARANCE")
        outsider = self.server.create_user(new_guid("outsider"))["uid"]
        self.assertEqual(self.code(alice.transferGroupOwnership(UID=outsider, GUID=self.guid)), "ERR_NOT_A_MEMBER")
        self.assertEqual(ok(alice.transferGroupOwnership(UID=DAVE, GUID=self.guid)),
                         f"Ownership transferred to user {DAVE} for the group with guid {self.guid}.")
        now = ok(self.client(DAVE).getGroup(GUID=self.guid))
        self.assertEqual((now.owner, now.scope), (DAVE, GroupMemberScopeType.admin))
        self.assertIsInstance(ok(alice.leaveGroup(GUID=self.guid)), str)

    def test_a_uid_nobody_has_is_not_found_and_one_outside_the_group_is_no_member(self) -> None:
        alice = self.client(ALICE)
        calls = {
            "kick": lambda uid: alice.kickGroupMember(UID=uid, GUID=self.guid),
            "ban": lambda uid: alice.banGroupMember(UID=uid, GUID=self.guid),
            "scope": lambda uid: alice.updateGroupMemberScope(UID=uid, GUID=self.guid, scope=MemberScope.moderator),
            "transfer": lambda uid: alice.transferGroupOwnership(UID=uid, GUID=self.guid),
            "unban": lambda uid: alice.unbanGroupMember(UID=uid, GUID=self.guid),
        }
        outsider = self.server.create_user(new_guid("outsider"))["uid"]
        for name, call in calls.items():
            with self.subTest(call=name):
                self.assertEqual(self.code(call("nobody-here")), "ERR_UID_NOT_FOUND")
                if name not in ("ban", "unban"):  # a user outside the group can be banned from it
                    self.assertEqual(self.code(call(outsider)), "ERR_NOT_A_MEMBER")

    def test_non_members_are_refused(self) -> None:
        ok(self.client(EVE).leaveGroup(GUID=self.guid))
        eve = self.client(EVE)
        self.assertEqual(self.code(eve.sendTextMessage(message=TextMessage(
            receiverUid=self.guid, text="let me in", receiverType=ReceiverType.group))), "ERR_NOT_A_MEMBER")
        history = MessagesRequest.MessageRequestBuilder(client=eve).set(guid=self.guid).set(limit=5).build()
        self.assertEqual(self.code(history.fetchPrevious()), "ERR_NOT_A_MEMBER")
        self.assertEqual(self.code(eve.getConversation(conversationWith=self.guid,
                                                       conversationType=ConversationType.group)), "ERR_NOT_A_MEMBER")
        self.assertEqual(self.code(eve.getUnreadMessageCountForGroup(self.guid)), "ERR_NOT_A_MEMBER")
        self.assertEqual(self.code(eve.kickGroupMember(UID=DAVE, GUID=self.guid)), "ERR_NOT_A_MEMBER")
        # the same calls by a member succeed
        dave = self.client(DAVE)
        ok(dave.sendTextMessage(message=TextMessage(receiverUid=self.guid, text="hi", receiverType=ReceiverType.group)))
        self.assertEqual(ok(dave.getUnreadMessageCountForGroup(self.guid)), {self.guid: 0})
        self.assertEqual(ok(self.client(CAROL).getUnreadMessageCountForGroup(self.guid)), {self.guid: 1})


class GroupEventsTest(GroupsCase):
    """Each action reaches every member session and the user it happened to, and nobody else."""

    def test_each_action_reaches_exactly_the_right_sessions(self) -> None:
        """The actor's own session made the change and hears no echo (as with messages); every
        other member session and the user it happened to hear it."""
        guid = self.group(ALICE, members={BOB: GroupMemberScopeType.participant})
        alice, bob, carol, dave = self.live(ALICE), self.live(BOB), self.live(CAROL), self.live(DAVE)  # dave: no member

        ok(self.client(CAROL).joinGroup(GUID=guid, groupType=GroupType.public))
        for recorder in (alice, bob):
            action, joined_user, joined_group = recorder.waitFor("onGroupMemberJoined").args
            self.assertEqual((action.action, joined_user.uid, joined_group.guid, joined_group.membersCount),
                             (CometChat.actionType.joined, CAROL, guid, 3))
            self.assertEqual(action.message, "Nancy Grace joined")

        ok(self.client(ALICE).updateGroupMemberScope(UID=CAROL, GUID=guid, scope=MemberScope.moderator))
        for recorder in (bob, carol):
            action, changed, by, to, old, group = recorder.waitFor("onGroupMemberScopeChanged").args
            self.assertEqual((changed.uid, by.uid, to, old, group.guid),
                             (CAROL, ALICE, GroupMemberScopeType.moderator, GroupMemberScopeType.participant, guid))
            self.assertEqual((action.newScope, action.oldScope), (to, old))
            self.assertEqual(to, "moderator")  # Swift passes strings; the enum is one

        ok(self.client(CAROL).kickGroupMember(UID=BOB, GUID=guid))
        for recorder in (alice, bob):  # bob, kicked, hears it too
            action, kicked, kicked_by, kicked_from = recorder.waitFor("onGroupMemberKicked").args
            self.assertEqual((kicked.uid, kicked_by.uid, kicked_from.guid, kicked_from.membersCount),
                             (BOB, CAROL, guid, 2))

        ok(self.client(CAROL).banGroupMember(UID=BOB, GUID=guid))
        for recorder in (alice, bob):  # bob was no longer a member, but it happened to him
            action, banned, banned_by, banned_from = recorder.waitFor("onGroupMemberBanned").args
            self.assertEqual((banned.uid, banned_by.uid, banned_from.guid), (BOB, CAROL, guid))

        ok(self.client(ALICE).unbanGroupMember(UID=BOB, GUID=guid))
        for recorder in (bob, carol):
            action, unbanned, unbanned_by, unbanned_from = recorder.waitFor("onGroupMemberUnbanned").args
            self.assertEqual((unbanned.uid, unbanned_by.uid, unbanned_from.guid), (BOB, ALICE, guid))

        ok(self.client(ALICE).addMembersToGroup(guid=guid, groupMembers=[GroupMember(UID=BOB)]))
        for recorder in (bob, carol):
            action, added_by, added_user, added_to = recorder.waitFor("onMemberAddedToGroup").args  # Swift's order
            self.assertEqual((added_by.uid, added_user.uid, added_to.guid, added_to.membersCount),
                             (ALICE, BOB, guid, 3))

        ok(self.client(BOB).leaveGroup(GUID=guid))
        for recorder in (alice, carol):
            action, left_user, left_group = recorder.waitFor("onGroupMemberLeft").args
            self.assertEqual((left_user.uid, left_group.guid, left_group.membersCount), (BOB, guid, 2))

        # each heard each action once, and not their own
        self.assertEqual(alice.names(*_GROUP_EVENTS), ["onGroupMemberJoined", "onGroupMemberKicked",
                                                       "onGroupMemberBanned", "onGroupMemberLeft"])
        self.assertEqual(carol.names(*_GROUP_EVENTS), ["onGroupMemberScopeChanged", "onGroupMemberUnbanned",
                                                       "onMemberAddedToGroup", "onGroupMemberLeft"])
        # dave, not a member, heard none of it; once he joins, he hears what follows
        ok(self.client(DAVE).joinGroup(GUID=guid, groupType=GroupType.public))
        ok(self.client(CAROL).leaveGroup(GUID=guid))
        self.assertEqual(dave.waitFor("onGroupMemberLeft").args[1].uid, CAROL)
        self.assertEqual(dave.names(*_GROUP_EVENTS), ["onGroupMemberLeft"])

    def test_another_session_of_the_actor_hears_the_action(self) -> None:
        guid = self.group(ALICE, members={BOB: GroupMemberScopeType.participant})
        alice_elsewhere = EventRecorder()
        other = self.newClient(ALICE)
        other.addGroupListener("test", alice_elsewhere)
        ok(other.connect())
        ok(self.client(ALICE).kickGroupMember(UID=BOB, GUID=guid))
        self.assertEqual(alice_elsewhere.waitFor("onGroupMemberKicked").args[1].uid, BOB)

    def test_actions_come_back_from_history(self) -> None:
        guid = self.group(ALICE, members={BOB: GroupMemberScopeType.participant})
        ok(self.client(ALICE).kickGroupMember(UID=BOB, GUID=guid))
        history = ok(MessagesRequest.MessageRequestBuilder(client=self.client(ALICE)).set(guid=guid).set(
            limit=10).build().fetchPrevious())
        self.assertEqual([m.action for m in history], [CometChat.actionType.added, CometChat.actionType.kicked])
        self.assertEqual(history[1].actionOn.uid, BOB)
        self.assertEqual(history[1].actionFor.guid, guid)
        only_messages = ok(MessagesRequest.MessageRequestBuilder(client=self.client(ALICE)).set(guid=guid).set(
            categories=["message"]).build().fetchPrevious())
        self.assertEqual(only_messages, [])

    def test_an_action_has_the_actor_as_sender_and_the_group_as_receiver_live_and_from_history(self) -> None:
        """The server's action objects carry by/on/for, not sender/receiver entities: the
        actor (with their name) is the sender and the group the receiver, so the app can show
        who did it and file it under the group's conversation."""
        guid = self.group(ALICE, members={BOB: GroupMemberScopeType.participant})
        bob = self.live(BOB)
        ok(self.client(ALICE).kickGroupMember(UID=BOB, GUID=guid))
        live = bob.waitFor("onGroupMemberKicked").args[0]
        stored = ok(MessagesRequest.MessageRequestBuilder(client=self.client(ALICE)).set(guid=guid).set(
            limit=10).build().fetchPrevious())[-1]
        for where, action in (("live", live), ("history", stored)):
            with self.subTest(where=where):
                self.assertEqual((action.id, action.action), (live.id, CometChat.actionType.kicked))
                self.assertEqual((action.sender.uid, action.sender.name, action.senderUid),
                                 (ALICE, "Andrew Joseph", ALICE))
                self.assertEqual((type(action.receiver), action.receiver.guid, action.receiverUid),
                                 (Group, guid, guid))
                self.assertIsNot(action.sender, action.actionBy)  # each field the app's own object
                conversation = self.client(BOB).getConversationFromMessage(action)
                self.assertEqual(conversation.conversationType, ConversationType.group)
                self.assertEqual(conversation.conversationWith.guid, guid)

    def test_the_facade_group_listener_hears_and_stops_hearing(self) -> None:
        guid = self.group(ALICE)
        resetDefaultClient()
        self.addCleanup(resetDefaultClient)
        CometChat.init(appId=self.server.app_id, appSettings=settingsFor(self.server))
        ok(CometChat.login(UID=ALICE, authKey=self.server.auth_key))
        ok(CometChat.connect())
        listener, delegate = EventRecorder(), EventRecorder()
        CometChat.addGroupListener("facade", listener)
        CometChat.groupdelegate = delegate
        self.assertIs(CometChat.groupdelegate, delegate)
        ok(self.client(BOB).joinGroup(GUID=guid, groupType=GroupType.public))
        for heard in (listener, delegate):
            self.assertEqual(heard.waitFor("onGroupMemberJoined").args[1].uid, BOB)
        CometChat.removeGroupListener("facade")
        ok(self.client(CAROL).joinGroup(GUID=guid, groupType=GroupType.public))
        self.assertEqual(delegate.waitFor("onGroupMemberJoined", 2).args[1].uid, CAROL)  # it did arrive...
        self.assertTrue(CometChat.flush(scaled(10)))
        self.assertEqual(len(listener.of("onGroupMemberJoined")), 1)  # ...but not to the removed listener


_GROUP_EVENTS = {"onGroupMemberJoined", "onGroupMemberLeft", "onGroupMemberKicked", "onGroupMemberBanned",
                 "onGroupMemberUnbanned", "onGroupMemberScopeChanged", "onMemberAddedToGroup"}


class GroupMessagingTest(GroupsCase):
    def test_messages_typing_and_receipts_in_a_group(self) -> None:
        guid = self.group(ALICE, members={BOB: GroupMemberScopeType.participant, CAROL: GroupMemberScopeType.participant})
        alice, bob, carol, dave = self.live(ALICE), self.live(BOB), self.live(CAROL), self.live(DAVE)
        sent = ok(self.client(ALICE).sendTextMessage(message=TextMessage(
            receiverUid=guid, text="hello group", receiverType=ReceiverType.group)))
        for recorder in (bob, carol):
            got = recorder.waitFor("onTextMessageReceived").arg
            self.assertEqual((got.id, got.text, got.receiverUid, got.receiverType), (sent.id, "hello group", guid,
                                                                                      ReceiverType.group))
            self.assertEqual(got.receiver.guid, guid)

        self.client(BOB).startTyping(indicator=TypingIndicator(receiverID=guid, receiverType=ReceiverType.group))
        for recorder in (alice, carol):
            typing = recorder.waitFor("onTypingStarted").arg
            self.assertEqual((typing.sender.uid, typing.receiverID, typing.receiverType), (BOB, guid, ReceiverType.group))

        # receipts: each member's reaches alice; the last one completes "to all"
        ok(self.client(BOB).markAsDelivered(baseMessage=sent, onSuccess=lambda: None))
        self.assertEqual(alice.waitFor("onMessagesDelivered").arg.sender.uid, BOB)
        ok(self.client(CAROL).markAsDelivered(baseMessage=sent, onSuccess=lambda: None))
        to_all = alice.waitFor("onMessagesDeliveredToAll").arg
        self.assertEqual((to_all.messageId, to_all.receiverId, to_all.receiverType), (str(sent.id), guid,
                                                                                     ReceiverType.group))
        ok(self.client(BOB).markAsRead(baseMessage=sent, onSuccess=lambda: None))
        self.assertEqual(alice.waitFor("onMessagesRead").arg.sender.uid, BOB)
        ok(self.client(CAROL).markConversationAsRead(conversationWithId=guid, receiverType=ReceiverType.group))
        self.assertEqual(alice.waitFor("onMessagesReadByAll").arg.messageId, str(sent.id))

        # dave, no member, got nothing of it; after joining, he does
        ok(self.client(DAVE).joinGroup(GUID=guid, groupType=GroupType.public))
        later = ok(self.client(ALICE).sendTextMessage(message=TextMessage(
            receiverUid=guid, text="welcome dave", receiverType=ReceiverType.group)))
        self.assertEqual(dave.waitFor("onTextMessageReceived").arg.id, later.id)
        self.assertEqual([e.arg.id for e in dave.of("onTextMessageReceived")], [later.id])
        self.assertEqual(dave.of("onTypingStarted"), [])
        self.assertEqual(len(alice.of("onMessagesDeliveredToAll")), 1)  # once
        self.assertEqual(len(alice.of("onMessagesReadByAll")), 1)

    def test_custom_and_transient_messages_in_a_group(self) -> None:
        guid = self.group(ALICE, members={BOB: GroupMemberScopeType.participant, CAROL: GroupMemberScopeType.participant})
        alice, bob, carol, dave = self.live(ALICE), self.live(BOB), self.live(CAROL), self.live(DAVE)  # dave: no member
        poll = CustomMessage(receiverUid=guid, receiverType=ReceiverType.group, customData={"q": "lunch?"},
                             type="poll", subType="yesno")
        sent = ok(self.client(ALICE).sendCustomMessage(message=poll))
        for recorder in (bob, carol):
            got = recorder.waitFor("onCustomMessageReceived").arg
            self.assertIsInstance(got, CustomMessage)
            self.assertEqual((got.id, got.customData, got.type, got.subType, got.receiverUid, got.receiverType,
                              got.sender.uid), (sent.id, {"q": "lunch?"}, "poll", "yesno", guid, ReceiverType.group,
                                                ALICE))
        self.client(BOB).sendTransientMessage(message=TransientMessage(
            receiverID=guid, receiverType=ReceiverType.group, data={"live": "cheering"}))
        for recorder in (alice, carol):
            live = recorder.waitFor("onTransisentMessageReceived").arg  # Swift's spelling
            self.assertEqual((live.sender.uid, live.receiverID, live.receiverType, live.data),
                             (BOB, guid, ReceiverType.group, {"live": "cheering"}))
        # dave, no member, got neither: a message to him now arrives, and nothing of the group's before it
        ok(self.client(ALICE).sendTextMessage(message=TextMessage(receiverUid=DAVE, text="just to you",
                                                                  receiverType=ReceiverType.user)))
        self.assertEqual(dave.waitFor("onTextMessageReceived").arg.text, "just to you")
        self.assertEqual((dave.of("onCustomMessageReceived"), dave.of("onTransisentMessageReceived")), ([], []))

    def test_banned_users_hear_nothing_more(self) -> None:
        guid = self.group(ALICE, members={BOB: GroupMemberScopeType.participant, EVE: GroupMemberScopeType.participant})
        bob, eve = self.live(BOB), self.live(EVE)
        self.client(ALICE).sendTextMessage(message=TextMessage(receiverUid=guid, text="before",
                                                               receiverType=ReceiverType.group))
        self.assertEqual(eve.waitFor("onTextMessageReceived").arg.text, "before")
        ok(self.client(ALICE).banGroupMember(UID=EVE, GUID=guid))
        eve.waitFor("onGroupMemberBanned")
        ok(self.client(ALICE).sendTextMessage(message=TextMessage(receiverUid=guid, text="after",
                                                                  receiverType=ReceiverType.group)))
        ok(self.client(ALICE).sendTextMessage(message=TextMessage(receiverUid=guid, text="last",
                                                                  receiverType=ReceiverType.group)))
        self.assertEqual(bob.waitFor("onTextMessageReceived", 3).arg.text, "last")
        self.assertEqual(self.code(self.client(EVE).joinGroup(GUID=guid, groupType=GroupType.public)),
                         "ERR_BANNED_GROUPMEMBER")
        ok(self.client(ALICE).unbanGroupMember(UID=EVE, GUID=guid))
        ok(self.client(EVE).joinGroup(GUID=guid, groupType=GroupType.public))
        ok(self.client(ALICE).sendTextMessage(message=TextMessage(receiverUid=guid, text="welcome back",
                                                                  receiverType=ReceiverType.group)))
        self.assertEqual(eve.waitFor("onTextMessageReceived", 2).arg.text, "welcome back")
        self.assertEqual([e.arg.text for e in eve.of("onTextMessageReceived")], ["before", "welcome back"])

    def test_a_kicked_member_hears_nothing_more(self) -> None:
        guid = self.group(ALICE, members={BOB: GroupMemberScopeType.participant, CAROL: GroupMemberScopeType.participant})
        self.live(ALICE)  # typing goes over alice's socket
        bob, carol = self.live(BOB), self.live(CAROL)
        ok(self.client(ALICE).kickGroupMember(UID=CAROL, GUID=guid))
        carol.waitFor("onGroupMemberKicked")
        self.client(ALICE).startTyping(indicator=TypingIndicator(receiverID=guid, receiverType=ReceiverType.group))
        ok(self.client(ALICE).sendTextMessage(message=TextMessage(receiverUid=guid, text="after the kick",
                                                                  receiverType=ReceiverType.group)))
        bob.waitFor("onTypingStarted")
        self.assertEqual(bob.waitFor("onTextMessageReceived").arg.text, "after the kick")
        ok(self.client(ALICE).sendTextMessage(message=TextMessage(receiverUid=CAROL, text="just to you",
                                                                  receiverType=ReceiverType.user)))
        # a later frame to carol arrives, and nothing of the group's came before it
        self.assertEqual(carol.waitFor("onTextMessageReceived").arg.text, "just to you")
        self.assertEqual(carol.of("onTypingStarted"), [])
        self.assertEqual([e.arg.text for e in carol.of("onTextMessageReceived")], ["just to you"])

    def test_history_conversations_and_unread_counts_include_groups(self) -> None:
        guid = self.group(ALICE, members={BOB: GroupMemberScopeType.participant})
        for text in ("one", "two", "three"):
            ok(self.client(ALICE).sendTextMessage(message=TextMessage(receiverUid=guid, text=text,
                                                                      receiverType=ReceiverType.group)))
        bob = self.client(BOB)
        history = ok(MessagesRequest.MessageRequestBuilder(client=bob).set(guid=guid).set(
            categories=["message"]).set(limit=2).build().fetchPrevious())
        self.assertEqual([m.text for m in history], ["two", "three"])
        self.assertEqual(ok(bob.getUnreadMessageCountForGroup(guid)), {guid: 3})
        self.assertEqual(ok(bob.getUnreadMessageCountForAllGroups())[guid], 3)
        self.assertEqual(ok(bob.getUnreadMessageCount())["group"][guid], 3)
        listed = ok(ConversationRequest.ConversationRequestBuilder(limit=50, client=bob).setConversationType(
            ConversationType.group).build().fetchNext())
        mine = next(c for c in listed if c.conversationWith.guid == guid)
        self.assertIsInstance(mine.conversationWith, Group)
        self.assertEqual((mine.unreadMessageCount, mine.lastMessage.text, mine.conversationId),
                         (3, "three", f"group_{guid}"))
        ok(bob.markConversationAsRead(conversationWithId=guid, receiverType=ReceiverType.group))
        self.assertEqual(ok(bob.getUnreadMessageCountForGroup(guid)), {guid: 0})
        found = ok(bob.getConversation(conversationWith=guid, conversationType=ConversationType.group))
        self.assertEqual((found.unreadMessageCount, found.conversationWith.name), (0, f"Group {guid}"))


class GroupFanoutTest(GroupsCase):
    """The exactly-once guarantee of the 50-member benchmark, at a size a test can afford."""

    MEMBERS = 8
    MESSAGES = 240

    def test_every_member_session_gets_every_message_once(self) -> None:
        uids = [f"fanout-{n}" for n in range(self.MEMBERS)]
        for uid in uids:
            self.server.create_user(uid)
        guid = self.group(uids[0], members={uid: GroupMemberScopeType.participant for uid in uids[1:]})
        recorders = {uid: self.live(uid) for uid in uids}
        senders = uids[:4]
        sent_ids: list[int] = []
        for n in range(self.MESSAGES):
            sender = senders[n % len(senders)]
            message = ok(self.client(sender).sendTextMessage(message=TextMessage(
                receiverUid=guid, text=f"m{n}", receiverType=ReceiverType.group)))
            sent_ids.append(message.id)
        for uid, recorder in recorders.items():
            # everyone hears every message but their own (their own session sent it)
            expected = [mid for n, mid in enumerate(sent_ids) if senders[n % len(senders)] != uid]
            recorder.waitFor("onTextMessageReceived", len(expected), timeout=30)
            self.assertTrue(self.clients[uid].flush(scaled(10)))
            got = [e.arg.id for e in recorder.of("onTextMessageReceived")]
            self.assertEqual(got, expected, uid)  # each once, in order


if __name__ == "__main__":
    unittest.main()
