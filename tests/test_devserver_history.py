"""The dev server's users / history / conversations endpoints, spoken to by hand: the official JS
SDK's exact request lines (ios-surface-next 1.2, 2.1, 3.1) get the shapes the spec gives, and
every endpoint refuses callers who are not a party to what they ask for (each refusal counted
as an attack for tests/RELIABILITY.md: this file is one of the standing suites)."""

from __future__ import annotations

import json
import unittest
from typing import Any

import requests

from cometchat.testing import DevServerMixin, scaled
from helpers import logged_in, RawClient, reliability

ALICE, BOB, CAROL = "cometchat-uid-1", "cometchat-uid-2", "cometchat-uid-3"


class Raw(RawClient):
    def get(self, line: str) -> tuple[int, dict[str, Any]]:
        """``GET <line>`` exactly as written (the query is not re-encoded)."""
        response = requests.get(f"{self.base}/v3.0/{line}", timeout=scaled(10), headers=self.headers())
        return response.status_code, response.json()


class JsRequestLinesTest(DevServerMixin, unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.server.create_user("bob", "Bob", tags=["t 1"])
        cls.server.create_user("alice", "Alice")
        cls.alice = Raw(cls.server, "alice")
        cls.alice.login()
        cls.bob = Raw(cls.server, "bob")
        cls.bob.login()
        cls.ids = [int(cls.bob.say("alice", f"m{n}", tags=["t1"])["id"]) for n in range(12)]

    def test_users_list_with_every_filter(self) -> None:
        line = ("users?per_page=2&searchKey=ab%20c&status=available&hideBlockedUsers=1&roles=r1,r2&tags=t%201,t2"
                "&friendsOnly=1&withTags=1&uids=u1,u2&sortBy=name&sortOrder=desc&searchIn=uid,name&page=1")
        status, body = self.alice.get(line)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["data"], [])
        self.assertEqual(set(body["meta"]["pagination"]), {"total", "count", "per_page", "current_page",
                                                           "total_pages"})
        status, body = self.alice.get("users?per_page=2&tags=t%201,t2&page=1")
        self.assertEqual([u["uid"] for u in body["data"]], ["bob"])
        self.assertEqual(body["meta"]["pagination"]["per_page"], 2)

    def test_history_lines(self) -> None:
        first = ("users/bob/messages?per_page=3&hideMessagesFromBlockedUsers=1&hideReplies=true&hideDeleted=1"
                 "&affix=prepend&categories=message,custom&types=text,image&tags=t1&withTags=1"
                 "&withThreadSubscribed=true")
        status, body = self.alice.get(first)
        self.assertEqual(status, 200, body)
        page = body["data"]
        self.assertEqual([int(m["id"]) for m in page], self.ids[-3:])  # the newest 3, oldest first
        self.assertEqual(page[0]["tags"], ["t1"])
        cursor = body["meta"]["cursor"]
        self.assertEqual((int(cursor["id"]), cursor["affix"]), (self.ids[-3], "prepend"))
        status, body = self.alice.get(f"{first}&id={cursor['id']}&sentAt={cursor['sentAt']}")
        self.assertEqual([int(m["id"]) for m in body["data"]], self.ids[-6:-3])  # exclusive: no repeats
        status, body = self.alice.get(f"users/bob/messages?per_page=30&id={self.ids[5]}&affix=append"
                                      "&withThreadSubscribed=true")
        self.assertEqual([int(m["id"]) for m in body["data"] if int(m["id"]) in self.ids], self.ids[6:])
        self.assertNotIn("cursor", body.get("meta", {}))  # a short page is the end
        status, body = self.alice.get(f"users/bob/messages?per_page=30&sentAt={body['data'][0]['sentAt'] - 1}"
                                      "&affix=append&withThreadSubscribed=true")
        self.assertEqual(status, 200)
        status, body = self.alice.get("users/bob/messages?per_page=30&onlyUpdates=1&updatedAt=1700000000"
                                      "&affix=append&withThreadSubscribed=true")
        self.assertEqual((status, body["data"]), (200, []))  # nothing was edited
        status, body = self.alice.get("users/bob/messages?per_page=30&onlyUpdates=1&affix=append")
        self.assertEqual((status, body["error"]["code"]), (400, "ERR_BAD_REQUEST"))  # updates after when?
        status, body = self.alice.get("messages?per_page=30&searchKey=m1&affix=prepend&withThreadSubscribed=true")
        self.assertEqual({m["data"]["text"] for m in body["data"]}, {"m1", "m10", "m11"})

    def test_a_first_page_holding_everything_says_it_is_the_only_page(self) -> None:
        status, body = self.alice.get("users/bob/messages?per_page=50&affix=prepend&withThreadSubscribed=true")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["meta"]["pagination"]["total_pages"], 1)  # the official SDKs stop asking
        self.assertNotIn("cursor", body["meta"])
        status, body = self.alice.get("users/bob/messages?per_page=3&affix=prepend&withThreadSubscribed=true")
        self.assertNotIn("pagination", body["meta"])  # more pages: not counted, the cursor leads
        self.assertIn("cursor", body["meta"])

    def test_a_thread_line(self) -> None:
        parent = self.ids[0]
        reply = self.bob.say("alice", "in the thread", parentMessageId=parent)
        self.assertEqual(reply["parentId"], parent)
        status, body = self.alice.get(f"messages/{parent}/thread?per_page=30&affix=prepend&withThreadSubscribed=true")
        self.assertEqual([m["id"] for m in body["data"]], [reply["id"]])
        status, body = self.alice.get(f"users/bob/messages?per_page=1&id={parent + 1}&affix=prepend")
        self.assertEqual(body["data"][0]["replyCount"], 1)

    def test_unread_count_lines(self) -> None:
        status, body = self.alice.get("messages?unread=1&count=1&hideMessagesFromBlockedUsers=0")
        self.assertEqual(status, 200)
        counts = {(e["entityId"], e["entityType"]): e["count"] for e in body["data"]}
        self.assertGreaterEqual(counts[("bob", "user")], len(self.ids))
        status, body = self.alice.get("users/bob/messages?hideMessagesFromBlockedUsers=0&unread=1&count=1&uid=bob")
        self.assertEqual(body["data"][0]["entityId"], "bob")
        status, body = self.alice.get("messages?hideMessagesFromBlockedUsers=0&receiverType=group&unread=1&count=1")
        self.assertEqual(body["data"], [])

    def test_conversations_line(self) -> None:
        line = ("conversations?per_page=30&conversationType=user&searchKey=bo&withUserAndGroupTags=true&tags=archived"
                "&withTags=true&userTags=ut&groupTags=gt&includeBlockedUsers=true&withBlockedInfo=true&unread=true&page=1")
        status, body = self.alice.get(line)
        self.assertEqual((status, body["data"]), (200, []))  # no conversation tagged archived
        status, body = self.alice.get("conversations?per_page=30&conversationType=user&searchKey=bo&page=1")
        conversation = body["data"][0]
        self.assertEqual(conversation["conversationId"], "alice_user_bob")
        self.assertEqual(conversation["conversationWith"]["uid"], "bob")
        self.assertGreater(conversation["unreadMessageCount"], 0)
        self.assertIn("lastMessage", conversation)
        self.assertEqual(body["meta"]["pagination"]["current_page"], 1)


class PartiesOnlyTest(DevServerMixin, unittest.TestCase):
    """Every endpoint of this tier refuses a caller who is not a party (a test per refusal)."""

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.alice, cls.bob, cls.carol = logged_in(cls.server, ALICE, BOB, CAROL, kind=Raw)
        cls.private = cls.alice.say(BOB, "between alice and bob")

    def refused(self, client: Raw, method: str, path: str, body: Any = None) -> dict[str, Any]:
        status, answer = client.rest(method, path, body)
        self.assertIn(status, (403, 404), answer)
        reliability.count("attacks")
        return answer["error"]  # type: ignore[no-any-return]

    def test_a_party_is_served_and_carol_is_not(self) -> None:
        message = self.private["id"]
        self.assertEqual(self.bob.rest("GET", f"messages/{message}")[0], 200)  # the same call works for a party
        self.assertEqual(self.refused(self.carol, "GET", f"messages/{message}")["code"], "ERR_MESSAGE_NOT_FOUND")
        self.assertEqual(self.refused(self.carol, "GET", f"messages/{message}/thread")["code"], "ERR_MESSAGE_NOT_FOUND")
        self.assertEqual(self.refused(self.carol, "PUT", f"messages/{message}", {"text": "mine now"})["code"],
                         "ERR_MESSAGE_NOT_FOUND")
        self.assertEqual(self.refused(self.carol, "DELETE", f"messages/{message}", {"id": message})["code"],
                         "ERR_MESSAGE_NOT_FOUND")
        reply = {"receiver": BOB, "receiverType": "user", "category": "message", "type": "text", "text": "sneaky",
                 "parentMessageId": int(message)}
        self.assertEqual(self.refused(self.carol, "POST", f"messages/{message}/thread", reply)["code"],
                         "ERR_MESSAGE_NOT_FOUND")
        quoting = {"receiver": BOB, "receiverType": "user", "category": "message", "type": "text", "text": "q",
                   "quotedMessageId": int(message)}
        self.assertEqual(self.refused(self.carol, "POST", "messages", quoting)["code"], "ERR_MESSAGE_NOT_FOUND")
        self.assertEqual(self.refused(self.carol, "DELETE", f"users/{ALICE}/conversation/read",
                                      {"messageId": message})["code"], "ERR_MESSAGE_NOT_FOUND")

    def test_only_the_sender_edits_or_deletes(self) -> None:
        message = self.private["id"]
        self.assertEqual(self.refused(self.bob, "PUT", f"messages/{message}", {"text": "edited by bob"})["code"],
                         "ERR_NOT_THE_SENDER")
        self.assertEqual(self.refused(self.bob, "DELETE", f"messages/{message}", {"id": message})["code"],
                         "ERR_NOT_THE_SENDER")

    def test_no_conversation_with_someone_never_talked_to(self) -> None:
        self.assertEqual(self.alice.rest("GET", f"users/{BOB}/conversation")[0], 200)
        for method, suffix, body in (("GET", "", None), ("PUT", "", {"tags": ["x"]}), ("DELETE", "", None),
                                     ("POST", "/read", None), ("POST", "/delivered", None)):
            with self.subTest(method=method, suffix=suffix):
                error = self.refused(self.carol, method, f"users/{ALICE}/conversation{suffix}", body)
                self.assertEqual(error["code"], "ERR_CONVERSATION_NOT_FOUND")

    def test_a_uid_containing_user_does_not_open_another_conversation(self) -> None:
        # "a" + "b_user_c" and "a_user_b" + "c" share the display id a_user_b_user_c
        for uid in ("a", "b_user_c", "a_user_b", "c"):
            self.server.create_user(uid, uid)
        a, a_user_b = Raw(self.server, "a"), Raw(self.server, "a_user_b")
        a.login()
        a_user_b.login()
        secret = a.say("b_user_c", "private to a and b_user_c")
        status, body = a_user_b.rest("GET", "users/c/messages")
        self.assertEqual(status, 200)
        self.assertNotIn(secret["id"], [m["id"] for m in body["data"]])
        reliability.count("attacks")
        self.assertEqual(self.refused(a_user_b, "GET", f"messages/{secret['id']}")["code"], "ERR_MESSAGE_NOT_FOUND")
        status, body = a.rest("GET", "users/b_user_c/messages")
        self.assertEqual([m["id"] for m in body["data"]], [secret["id"]])

    def test_an_edit_is_an_action_message_pushed_to_both_parties(self) -> None:
        message = self.alice.say(BOB, "to be edited")
        self.bob.connect()
        self.alice.connect()
        status, action = self.alice.rest("PUT", f"messages/{message['id']}", {"text": "edited", "data": {"text": "edited"}})
        self.assertEqual(status, 200, action)
        action = action["data"]
        self.assertEqual((action["category"], action["data"]["action"]), ("action", "edited"))
        self.assertEqual(action["data"]["entities"]["on"]["entity"]["data"]["text"], "edited")
        for client in (self.bob, self.alice):
            frame = client.frame(where=lambda f: f.get("type") == "message" and f["body"]["category"] == "action")
            self.assertEqual(frame["body"]["id"], action["id"])
        self.bob.close()
        self.alice.close()


class SeedTest(DevServerMixin, unittest.TestCase):
    def test_seeded_messages_page_like_sent_ones(self) -> None:
        first, last = self.server.seed_messages(CAROL, ALICE, 50)
        self.assertEqual(last - first, 49)
        alice = Raw(self.server, ALICE)
        alice.login()
        status, body = alice.get(f"users/{CAROL}/messages?per_page=10&affix=prepend&id={last - 9}&sentAt=99999999999")
        self.assertEqual([int(m["id"]) for m in body["data"]], list(range(last - 19, last - 9)))
        status, body = alice.get(f"users/{CAROL}/conversation")
        self.assertEqual((body["data"]["unreadMessageCount"], int(body["data"]["lastMessage"]["id"])), (50, last))
        with self.assertRaises(ValueError):
            self.server.seed_messages(CAROL, "nobody-here", 5)


class BadInputTest(DevServerMixin, unittest.TestCase):
    def test_bad_values_are_json_400s_naming_the_field(self) -> None:
        alice = Raw(self.server, ALICE)
        alice.login()
        bad = (("messages?per_page=0", "per_page"), ("messages?id=abc", "id"),
               ("messages?affix=sideways", "affix"), ("users?status=asleep", "status"),
               ("conversations?per_page=51", "per_page"), ("messages?unread=maybe", "unread"),
               ("blockedusers?direction=up", "direction"), ("messages/x/thread", "parent"))
        for path, field in bad:
            with self.subTest(path=path):
                status, body = alice.rest("GET", path)
                self.assertEqual((status, body["error"]["details"]["field"]), (400, field))
        status, body = alice.rest("POST", "blockedusers", {"blockedUids": "bob"})
        self.assertEqual((status, body["error"]["code"]), (400, "ERR_BAD_REQUEST"))
        status, body = alice.rest("PUT", "me", {"name": ""})
        self.assertEqual((status, body["error"]["details"]["field"]), (400, "name"))
        self.assertEqual(json.loads(json.dumps(body))["error"]["code"], "ERR_BAD_REQUEST")
        reliability.count("inputs", len(bad) + 2)


if __name__ == "__main__":
    unittest.main()
