"""What no request can carry is refused before anything is sent, with the code of what it is.

A body JSON cannot carry (``NaN``, an infinity, a lone surrogate, an object of no JSON type)
is ``ERROR_INVALID_PAYLOAD``, and so are tags that are not a list of strings and metadata that
is not a dict, on messages, users and groups alike (a string given as tags went out one letter
per tag). Text parameters holding a lone surrogate are ``ERROR_INVALID_PARAMETER`` (the
builders' setters raise it at once), or the code of that parameter (a receiver id). They used
to fail as "No Internet Connection" or as an SDK bug.
"""

from __future__ import annotations

import math
import unittest
from concurrent.futures import Future
from typing import Any, Callable

from cometchat import (
    BannedGroupMembersRequest,
    BlockedUserRequest,
    CometChat,
    CometChatException,
    ConversationRequest,
    ConversationType,
    CustomMessage,
    File,
    Group,
    GroupMembersRequest,
    GroupsRequest,
    GroupType,
    MediaMessage,
    MessagesRequest,
    ReactionsRequestBuilder,
    ReceiverType,
    TextMessage,
    User,
    UsersRequest,
)
from cometchat.testing import DevServerMixin
from helpers import error_of, new_guid, ok

ALICE, BOB = "cometchat-uid-1", "cometchat-uid-2"
LONE = "bad \ud800 text"  # a lone surrogate: not Unicode, so neither UTF-8 nor a URL can carry it
UNSENDABLE = [math.nan, math.inf, -math.inf, object(), {1, 2}]  # what JSON cannot carry


class PayloadsTest(DevServerMixin, unittest.TestCase):
    def setUp(self) -> None:
        self.alice = self.newClient(ALICE)
        self.guid = new_guid("payloads")
        ok(self.alice.createGroup(group=Group(guid=self.guid, name="Payloads", groupType=GroupType.public)))
        self.sent = ok(self.alice.sendTextMessage(message=TextMessage(receiverUid=BOB, text="to edit",
                                                                      receiverType=ReceiverType.user)))
        self.server.clear_logs()

    def refused(self, call: Callable[[], Future[Any]], code: str) -> CometChatException:
        """``call`` fails with ``code`` and no request reaches the server."""
        error = error_of(call())
        self.assertEqual(error.errorCode, code, error)
        self.assertEqual(self.server.requests(), [])
        return error

    def text(self, **fields: Any) -> TextMessage:
        return TextMessage(receiverUid=BOB, text="hi", receiverType=ReceiverType.user, **fields)

    def test_tags_and_metadata_of_users_and_groups_are_checked_like_a_messages(self) -> None:
        key = self.server.auth_key
        for field, value in (("tags", "vip"), ("tags", ["vip", 1]), ("metadata", ["not", "a", "dict"])):
            with self.subTest(field=field, value=value):
                user = User(uid="payload-user", name="P")
                setattr(user, field, value)
                me = self.alice.getLoggedInUser()
                setattr(me, field, value)
                group = Group(guid=self.guid, name="Payloads")
                setattr(group, field, value)
                new_group = Group(guid=new_guid("payloads"), name="New", groupType=GroupType.public)
                setattr(new_group, field, value)
                for call in (lambda: self.alice.createUser(user=user, authKey=key),
                             lambda: self.alice.updateUser(user=user, apiKey=key),
                             lambda: self.alice.updateCurrentUserDetails(user=me),
                             lambda: self.alice.createGroup(group=new_group),
                             lambda: self.alice.createGroupWithMembers(group=new_group, members=[], banMembers=[]),
                             lambda: self.alice.updateGroup(group=group)):
                    self.assertEqual(self.refused(call, "ERROR_INVALID_PAYLOAD").details["field"], field)

    def test_tags_given_as_a_list_still_go_out_whole(self) -> None:
        me = self.alice.getLoggedInUser()
        me.tags = ["vip"]
        self.assertEqual(ok(self.alice.updateCurrentUserDetails(user=me)).tags, ["vip"])
        group = Group(guid=self.guid, name="Payloads")
        group.tags = ["vip"]
        self.assertEqual(ok(self.alice.updateGroup(group=group)).tags, ["vip"])

    def test_bodies_json_cannot_carry(self) -> None:
        key = self.server.auth_key
        for value in UNSENDABLE:
            with self.subTest(value=value):
                me = self.alice.getLoggedInUser()
                me.metadata = {"x": value}
                group = Group(guid=self.guid, name="Payloads", metadata={"x": value})
                edited = self.sent
                edited.metaData = {"x": value}
                cases = [
                    (lambda: self.alice.sendTextMessage(message=self.text(metaData={"x": value})), "metaData"),
                    (lambda: self.alice.sendCustomMessage(message=CustomMessage(
                        receiverUid=BOB, receiverType=ReceiverType.user, type="t", customData={"x": value})),
                     "customData"),
                    (lambda: self.alice.editMessage(edited), "metaData"),
                    (lambda: self.alice.updateCurrentUserDetails(user=me), "metadata"),
                    (lambda: self.alice.createUser(user=User(uid="payload-user", metadata={"x": value}),
                                                   authKey=key), "metadata"),
                    (lambda: self.alice.updateGroup(group=group), "metadata"),
                    (lambda: self.alice.createGroup(group=Group(guid=new_guid(), name="G", metadata={"x": value})),
                     "metadata"),
                ]
                for call, field in cases:
                    self.assertEqual(self.refused(call, "ERROR_INVALID_PAYLOAD").details["field"], field)

    def test_text_in_bodies_that_utf8_cannot_carry(self) -> None:
        me = self.alice.getLoggedInUser()
        me.name = LONE
        cases = [
            lambda: self.alice.updateCurrentUserDetails(user=me),
            lambda: self.alice.updateGroup(group=Group(guid=self.guid, name=LONE)),
            lambda: self.alice.sendTextMessage(message=self.text(tags=[LONE])),
            lambda: self.alice.sendCustomMessage(message=CustomMessage(
                receiverUid=BOB, receiverType=ReceiverType.user, type="t", customData={}, subType=LONE)),
            lambda: self.alice.tagConversation(conversationWith=BOB, conversationType=ConversationType.user,
                                               tags=[LONE]),
        ]
        fields = ["user", "group", "tags", "subType", "tags"]
        for n, call in enumerate(cases):
            with self.subTest(n=n):
                self.assertEqual(self.refused(call, "ERROR_INVALID_PAYLOAD").details["field"], fields[n])

    def test_text_parameters_no_request_can_carry(self) -> None:
        self.refused(lambda: self.alice.addReaction(messageId=self.sent.id, reaction="\ud83d"),
                     "ERROR_INVALID_PARAMETER")
        self.refused(lambda: self.alice.removeReaction(messageId=self.sent.id, reaction="\ud83d"),
                     "ERROR_INVALID_PARAMETER")
        self.refused(lambda: self.alice.joinGroup(GUID=self.guid, groupType=GroupType.password, password=LONE),
                     "ERROR_INVALID_PARAMETER")
        self.refused(lambda: self.alice.sendTextMessage(message=TextMessage(
            receiverUid=LONE, text="hi", receiverType=ReceiverType.user)), "INVALID_RECEIVER_ID")
        self.refused(lambda: self.alice.sendMediaMessage(message=MediaMessage(
            receiverUid=LONE, receiverType=ReceiverType.user, messageType=CometChat.MessageType.file,
            files=[File(name="a.txt", data=b"a")])), "INVALID_RECEIVER_ID")

    def test_the_builders_setters_raise_at_once(self) -> None:
        setters: list[Callable[[], Any]] = [
            lambda: MessagesRequest.MessageRequestBuilder(client=self.alice).set(searchKeyword=LONE),
            lambda: MessagesRequest.MessageRequestBuilder(client=self.alice).set(uid=LONE),
            lambda: MessagesRequest.MessageRequestBuilder(client=self.alice).setTags([LONE]),
            lambda: UsersRequest.UsersRequestBuilder(client=self.alice).set(searchKeyword=LONE),
            lambda: UsersRequest.UsersRequestBuilder(client=self.alice).set(tags=[LONE]),
            lambda: UsersRequest.UsersRequestBuilder(client=self.alice).sortBy(LONE),
            lambda: BlockedUserRequest.BlockedUserRequestBuilder(client=self.alice).set(searchKeyword=LONE),
            lambda: GroupsRequest.GroupsRequestBuilder(client=self.alice).set(searchKeyword=LONE),
            lambda: GroupMembersRequest.GroupMembersRequestBuilder(guid=self.guid).set(searchKeyword=LONE),
            lambda: BannedGroupMembersRequest.BannedGroupMembersRequestBuilder(guid=self.guid).set(
                searchKeyword=LONE),
            lambda: ConversationRequest.ConversationRequestBuilder(limit=10).setSearchKeyword(LONE),
            lambda: ConversationRequest.ConversationRequestBuilder(limit=10).setTags([LONE]),
            lambda: ReactionsRequestBuilder(client=self.alice).set(reaction=LONE),
        ]
        for n, setter in enumerate(setters):
            with self.subTest(n=n):
                with self.assertRaises(CometChatException) as caught:
                    setter()
                self.assertEqual(caught.exception.errorCode, "ERROR_INVALID_PARAMETER")
        # the same setters take valid text, emoji included
        found = ok(UsersRequest.UsersRequestBuilder(client=self.alice).set(searchKeyword="Andrew \U0001F600")
                   .build().fetchNext())
        self.assertEqual(found, [])
