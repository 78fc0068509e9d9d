"""Reactions and mentions through the SDK against a DevServer: adding and removing, the events
reaching exactly the sessions they should (once), the reaction lists paging both ways, folding
events into a message, and mentions marking the messages that mention me."""

from __future__ import annotations

import unittest
from typing import Any

from cometchat import (
    CometChat,
    CometChatException,
    ConversationType,
    File,
    Group,
    MediaMessage,
    MessagesRequest,
    MessageType,
    Reaction,
    ReactionAction,
    ReactionCount,
    ReactionEvent,
    ReactionsRequest,
    ReactionsRequestBuilder,
    ReceiverType,
    TextMessage,
    User,
)
from cometchat.testing import EventRecorder, scaled
from helpers import PeopleMixin, error_of, new_guid, ok

ALICE, BOB, CAROL, DAVE = (f"cometchat-uid-{n}" for n in range(1, 5))
THUMBS_UP, PARTY = "\N{THUMBS UP SIGN}", "\N{PARTY POPPER}"


class Case(PeopleMixin, unittest.TestCase):
    def say(self, sender: str, to: str, text: str, receiver_type: ReceiverType = ReceiverType.user) -> TextMessage:
        return ok(self.client(sender).sendTextMessage(  # type: ignore[no-any-return]
            message=TextMessage(receiverUid=to, text=text, receiverType=receiver_type)))


class ReactionsTest(Case):
    def test_add_and_remove_answer_the_message_with_its_reactions(self) -> None:
        message = self.say(ALICE, BOB, "react")
        bob = self.client(BOB)
        reacted = ok(bob.addReaction(messageId=message.id, reaction=THUMBS_UP))
        self.assertEqual(reacted.id, message.id)
        self.assertEqual(reacted.getReactions(), [ReactionCount(reaction=THUMBS_UP, count=1, reactedByMe=True)])
        both = ok(self.client(ALICE).addReaction(messageId=message.id, reaction=THUMBS_UP))
        self.assertEqual(both.reactions, [ReactionCount(reaction=THUMBS_UP, count=2, reactedByMe=True)])
        left = ok(bob.removeReaction(messageId=message.id, reaction=THUMBS_UP))
        self.assertEqual(left.reactions, [ReactionCount(reaction=THUMBS_UP, count=1, reactedByMe=False)])
        history = ok(MessagesRequest.MessageRequestBuilder(client=bob).set(uid=ALICE).build().fetchPrevious())
        self.assertEqual(next(m for m in history if m.id == message.id).reactions[0].count, 1)
        self.assertEqual(error_of(bob.removeReaction(messageId=message.id, reaction=THUMBS_UP)).errorCode,
                         "ERR_REACTION_NOT_FOUND")
        self.assertEqual(error_of(self.client(CAROL).addReaction(messageId=message.id, reaction=PARTY)).errorCode,
                         "ERR_MESSAGE_NOT_FOUND")  # not her conversation
        self.assertEqual(error_of(bob.addReaction(messageId=0, reaction=PARTY)).errorCode, "ERROR_INVALID_MESSAGEID")
        before = len(self.server.requests())
        for wrong in (" ", ".", "..", " .. ", "\ud83d"):  # dots would resolve away in the URL
            with self.subTest(reaction=wrong):
                self.assertEqual(error_of(bob.addReaction(messageId=message.id, reaction=wrong)).errorCode,
                                 "ERROR_INVALID_PARAMETER")
                self.assertEqual(error_of(bob.removeReaction(messageId=message.id, reaction=wrong)).errorCode,
                                 "ERROR_INVALID_PARAMETER")
                with self.assertRaises(CometChatException):
                    ReactionsRequestBuilder(client=bob).set(reaction=wrong)
        self.assertEqual(len(self.server.requests()), before)  # nothing went out

    def test_events_reach_the_conversation_once_and_nobody_else(self) -> None:
        alice, bob, carol = self.live(ALICE), self.live(BOB), self.live(CAROL)
        bob_elsewhere = EventRecorder()
        other_session = self.newClient(BOB)
        other_session.addMessageListener("test", bob_elsewhere)
        ok(other_session.connect())
        message = self.say(ALICE, BOB, "events")
        ok(self.client(BOB).addReaction(messageId=message.id, reaction=THUMBS_UP))
        ok(self.client(BOB).addReaction(messageId=message.id, reaction=THUMBS_UP))  # the same: no event
        ok(self.client(BOB).removeReaction(messageId=message.id, reaction=THUMBS_UP))
        for recorder in (alice, bob_elsewhere):
            added = recorder.waitFor("onMessageReactionAdded").arg
            removed = recorder.waitFor("onMessageReactionRemoved").arg
            self.assertIsInstance(added, ReactionEvent)
            self.assertEqual((added.reaction.reaction, added.reaction.messageId, added.reaction.reactedBy.uid),
                             (THUMBS_UP, message.id, BOB))
            self.assertEqual((added.receiverId, added.receiverType, added.conversationId, added.parentMessageId),
                             (ALICE, ReceiverType.user, message.conversationId, 0))
            self.assertEqual(removed.reaction.reaction, THUMBS_UP)
        self.assertEqual(bob.of("onMessageReactionAdded"), [])  # the session that reacted hears no echo
        self.say(ALICE, CAROL, "a later one for carol")
        carol.waitFor("onTextMessageReceived")
        self.assertEqual(carol.names("onMessageReactionAdded", "onMessageReactionRemoved"), [])
        self.client(ALICE).flush(scaled(5))
        self.assertEqual(len(alice.of("onMessageReactionAdded")), 1)  # once, though added twice

    def test_group_members_react_and_hear_it(self) -> None:
        guid = new_guid("react")
        ok(self.client(ALICE).createGroup(group=Group(guid=guid, name=guid)))
        ok(self.client(BOB).joinGroup(GUID=guid, groupType=CometChat.groupType.public))
        alice, dave = self.live(ALICE), self.live(DAVE)
        message = self.say(ALICE, guid, "in the group", ReceiverType.group)
        ok(self.client(BOB).addReaction(messageId=message.id, reaction=PARTY))
        event = alice.waitFor("onMessageReactionAdded").arg
        self.assertEqual((event.receiverId, event.receiverType), (guid, ReceiverType.group))
        self.assertEqual(error_of(self.client(DAVE).addReaction(messageId=message.id, reaction=PARTY)).errorCode,
                         "ERR_MESSAGE_NOT_FOUND")
        self.say(ALICE, DAVE, "marker")
        dave.waitFor("onTextMessageReceived")
        self.assertEqual(dave.of("onMessageReactionAdded"), [])

    def test_the_list_pages_both_ways(self) -> None:
        message = self.say(ALICE, BOB, "many")
        for uid in (ALICE, BOB):
            for emoji in (THUMBS_UP, PARTY, "ok"):
                ok(self.client(uid).addReaction(messageId=message.id, reaction=emoji))
        request = ReactionsRequestBuilder(client=self.client(ALICE)).set(messageId=message.id).set(limit=4).build()
        first, second, end = ok(request.fetchNext()), ok(request.fetchNext()), ok(request.fetchNext())
        self.assertEqual((len(first), len(second), end), (4, 2, []))
        everything = first + second
        self.assertTrue(all(isinstance(r, Reaction) for r in everything))
        self.assertEqual(len({r.id for r in everything}), 6)
        self.assertEqual({(r.reaction, r.uid) for r in everything},
                         {(e, u) for e in (THUMBS_UP, PARTY, "ok") for u in (ALICE, BOB)})
        self.assertEqual(everything[0].reactedBy.uid, ALICE)
        # each answer's meta.previous / meta.next go back as they are (as the JS SDK does): back
        # from the last page fetched is the page before it
        self.assertEqual([r.id for r in ok(request.fetchPrevious())], [r.id for r in first])
        self.assertEqual(ok(request.fetchPrevious()), [])
        newest = ReactionsRequestBuilder(client=self.client(BOB)).set(messageId=message.id).set(limit=4).build()
        self.assertEqual([r.id for r in ok(newest.fetchPrevious())], [r.id for r in everything[2:]])
        self.assertEqual([r.id for r in ok(newest.fetchPrevious())], [r.id for r in everything[:2]])
        only = ReactionsRequest.ReactionsRequestBuilder(client=self.client(BOB)).set(messageId=message.id).set(
            reaction="ok").build()
        self.assertEqual({r.uid for r in ok(only.fetchNext())}, {ALICE, BOB})
        line = self.server.requests("GET", f"/v3.0/messages/{message.id}/reactions/ok")[-1]["query"]
        self.assertEqual(line, "limit=10&affix=append")

    def test_request_rules(self) -> None:
        alice = self.client(ALICE)
        no_id = ReactionsRequestBuilder(client=alice).build()
        self.assertEqual(error_of(no_id.fetchNext()).errorCode, "SET_MESSAGE_ID_IS_COMPULSORY")
        too_many = ReactionsRequestBuilder(client=alice).set(messageId=1).set(limit=101).build()
        self.assertEqual(error_of(too_many.fetchNext()).errorCode, "ERROR_SET_LIMIT_EXCEEDED")
        busy = ReactionsRequestBuilder(client=alice).set(messageId=self.say(ALICE, BOB, "x").id).build()
        first = busy.fetchNext()
        self.assertEqual(error_of(busy.fetchPrevious()).errorCode, "REQUEST_IN_PROGRESS")
        ok(first)
        with self.assertRaises(TypeError):
            ReactionsRequestBuilder().set(limit=1, messageId=2)

    def test_folding_events_into_a_message_matches_the_server(self) -> None:
        alice = self.live(ALICE)
        message = self.say(ALICE, BOB, "fold")
        held = ok(MessagesRequest.MessageRequestBuilder(client=self.client(ALICE)).set(uid=BOB).set(
            limit=1).build().fetchPrevious())[-1]
        ok(self.client(ALICE).addReaction(messageId=message.id, reaction=THUMBS_UP))
        ok(self.client(BOB).addReaction(messageId=message.id, reaction=THUMBS_UP))
        ok(self.client(BOB).addReaction(messageId=message.id, reaction=PARTY))
        ok(self.client(BOB).removeReaction(messageId=message.id, reaction=PARTY))
        mine = Reaction(messageId=message.id, reaction=THUMBS_UP, uid=ALICE, reactedBy=User(uid=ALICE))
        client = self.client(ALICE)
        self.assertIs(client.updateMessageWithReactionInfo(baseMessage=held, messageReaction=mine,
                                                           action=ReactionAction.REACTION_ADDED), held)
        alice.waitFor("onMessageReactionRemoved")
        for event in alice.of("onMessageReactionAdded"):
            client.updateMessageWithReactionInfo(baseMessage=held, messageReaction=event.arg.reaction,
                                                 action=CometChat.ReactionAction.REACTION_ADDED)
        for event in alice.of("onMessageReactionRemoved"):
            client.updateMessageWithReactionInfo(baseMessage=held, messageReaction=event.arg.reaction,
                                                 action=ReactionAction.REACTION_REMOVED)
        from_server = ok(client.addReaction(messageId=message.id, reaction=THUMBS_UP)).reactions  # a no-op add
        self.assertEqual(held.reactions, from_server)
        self.assertEqual(held.reactions, [ReactionCount(reaction=THUMBS_UP, count=2, reactedByMe=True)])
        other = Reaction(messageId=message.id + 1000, reaction="x", uid=BOB)
        client.updateMessageWithReactionInfo(baseMessage=held, messageReaction=other,
                                             action=ReactionAction.REACTION_ADDED)
        self.assertEqual(len(held.reactions), 1)  # another message's reaction changes nothing
        for wrong in (dict(action="sideways"), dict(messageReaction="+1"), dict(baseMessage="a message")):
            arguments: dict[str, Any] = dict(baseMessage=held, messageReaction=mine,
                                             action=ReactionAction.REACTION_ADDED)
            arguments.update(wrong)
            with self.assertRaises(CometChatException) as caught:
                client.updateMessageWithReactionInfo(**arguments)
            self.assertEqual(caught.exception.errorCode, "ERROR_INVALID_PARAMETER")


class MentionsTest(Case):
    def test_a_mention_of_me_marks_the_message_and_the_conversation(self) -> None:
        bob = self.live(BOB)
        sent = self.say(ALICE, BOB, f"<@uid:{BOB}> and <@uid:{CAROL}>, look")
        self.assertEqual([u.uid for u in sent.getMentionedUsers()], [BOB, CAROL])
        self.assertFalse(sent.hasMentionedMe())  # alice sent it; she is not mentioned
        received = bob.waitFor("onTextMessageReceived").arg
        self.assertTrue(received.hasMentionedMe())
        self.assertEqual({u.name for u in received.mentionedUsers}, {"George Alan", "Nancy Grace"})
        plain = self.say(ALICE, BOB, "no mention")
        self.assertFalse(bob.waitFor("onTextMessageReceived", 2).arg.hasMentionedMe())
        history = ok(MessagesRequest.MessageRequestBuilder(client=self.client(BOB)).set(uid=ALICE).build()
                     .fetchPrevious())
        self.assertEqual([m.hasMentionedMe() for m in history[-2:]], [True, False])
        self.assertEqual(history[-1].id, plain.id)
        as_carol = ok(MessagesRequest.MessageRequestBuilder(client=self.client(CAROL)).build().fetchPrevious())
        self.assertEqual(as_carol, [])  # (carol is mentioned but not a party: she does not see it)
        conversation = ok(self.client(BOB).getConversation(conversationWith=ALICE,
                                                           conversationType=ConversationType.user))
        self.assertEqual(conversation.unreadMentionsCount, 1)
        self.assertTrue(conversation.lastMessage is not None and not conversation.lastMessage.hasMentionedMe())
        ok(self.client(BOB).markConversationAsRead(conversationWithId=ALICE, receiverType=ReceiverType.user))
        self.assertEqual(ok(self.client(BOB).getConversation(conversationWith=ALICE, conversationType="user"))
                         .unreadMentionsCount, 0)

    def test_mention_details_when_asked(self) -> None:
        self.server.create_user("mention-vip", "Vip", tags=["vip"])
        self.say(ALICE, BOB, "<@uid:mention-vip> joins us")
        plain = ok(MessagesRequest.MessageRequestBuilder(client=self.client(BOB)).set(uid=ALICE).set(
            limit=1).build().fetchPrevious())[-1]
        self.assertEqual(plain.mentionedUsers[0].tags, [])
        tagged = ok(MessagesRequest.MessageRequestBuilder(client=self.client(BOB)).set(uid=ALICE).set(limit=1)
                    .mentionsWithTagInfo(True).mentionsWithBlockedInfo(True).build().fetchPrevious())[-1]
        self.assertEqual(tagged.mentionedUsers[0].tags, ["vip"])
        line = self.server.requests("GET", f"/v3.0/users/{ALICE}/messages")[-1]["query"]
        self.assertIn("mentionsWithTagInfo=1&mentionsWithBlockedInfo=1", line)  # as the JS SDK sends them

    def test_a_mention_in_a_media_caption(self) -> None:
        sender, receiver = "caption-sender", "caption-receiver"  # a conversation of their own
        self.server.create_user(sender, "Sender")
        self.server.create_user(receiver, "Receiver")
        heard = self.live(receiver)
        message = MediaMessage(receiverUid=receiver, receiverType=ReceiverType.user, messageType=MessageType.image,
                               files=[File(name="look.png", data=b"\x89PNG look")])
        message.caption = f"<@uid:{receiver}> look at this"
        sent = ok(self.client(sender).sendMediaMessage(message=message))
        self.assertEqual([u.uid for u in sent.getMentionedUsers()], [receiver])
        self.assertFalse(sent.hasMentionedMe())  # the sender's own message
        received = heard.waitFor("onMediaMessageReceived").arg
        self.assertEqual(received.id, sent.id)
        self.assertTrue(received.hasMentionedMe())
        self.assertEqual([u.name for u in received.mentionedUsers], ["Receiver"])
        conversation = ok(self.client(receiver).getConversation(conversationWith=sender,
                                                                conversationType=ConversationType.user))
        self.assertEqual(conversation.unreadMentionsCount, 1)

    def test_mentions_with_blocked_info_say_whom_i_blocked(self) -> None:
        ok(self.client(BOB).blockUsers([CAROL]))
        self.addCleanup(lambda: ok(self.client(BOB).unblockUsers([CAROL])))
        self.say(ALICE, BOB, f"<@uid:{CAROL}> and <@uid:{DAVE}>")
        latest = ok(MessagesRequest.MessageRequestBuilder(client=self.client(BOB)).set(uid=ALICE).set(limit=1)
                    .mentionsWithBlockedInfo(True).build().fetchPrevious())[-1]
        self.assertEqual({u.uid: u.blockedByMe for u in latest.mentionedUsers}, {CAROL: True, DAVE: False})


if __name__ == "__main__":
    unittest.main()
