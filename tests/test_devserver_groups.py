"""The dev server's group endpoints spoken to by hand (ios-surface-next 4.2 and 10, items
18-23): the official SDK's bodies get the spec's answer shapes, non-members are refused, and
group frames reach every member session exactly once and nobody else. Each refusal is counted
as an attack for tests/RELIABILITY.md (this file is one of the standing suites; kicked and
banned members are attacked in test_security)."""

from __future__ import annotations

import os
import sqlite3
import unittest
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from cometchat.devserver import DevServer
from cometchat.testing import DevServerMixin
from helpers import logged_in, new_guid, of_type, RawClient, reliability, scratch_dir

ALICE, BOB, CAROL, DAVE = (f"cometchat-uid-{n}" for n in range(1, 5))


class Raw(RawClient):
    def refused(self, method: str, path: str, body: Any = None) -> tuple[int, str]:
        status, answer = self.rest(method, path, body)
        assert status >= 400, answer
        return status, answer["error"]["code"]


class GroupEndpointsTest(DevServerMixin, unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.alice, cls.bob, cls.carol, cls.dave = logged_in(cls.server, ALICE, BOB, CAROL, DAVE, kind=Raw)

    def new_group(self, **fields: Any) -> str:
        guid = new_guid("srv")
        body = dict({"hasJoined": False, "membersCount": 0, "isBanned": False, "guid": guid, "name": guid,
                     "type": "public"}, **fields)
        self.alice.ok("POST", "groups", body)
        return guid

    def test_create_answers_the_group_and_the_per_uid_results(self) -> None:
        guid = new_guid("srv")
        created = self.alice.ok("POST", "groups", {
            "guid": guid, "name": "With members", "type": "password", "password": "pw", "description": "d",
            "members": {"admins": [BOB], "participants": [CAROL, "nobody"], "usersToBan": [DAVE]}})
        self.assertEqual(set(created["members"]["data"]), {"admins", "moderators", "participants", "usersToBan"})
        self.assertEqual(created["members"]["data"]["admins"], {BOB: {"success": True}})
        self.assertEqual(created["members"]["data"]["participants"]["nobody"]["error"]["code"], "ERR_UID_NOT_FOUND")
        self.assertEqual(created["members"]["data"]["usersToBan"], {DAVE: {"success": True}})
        self.assertEqual((created["owner"], created["scope"], created["membersCount"]), (ALICE, "admin", 3))
        self.assertEqual(created["description"], "d")
        self.assertNotIn("password", created)
        self.assertNotIn("password_hash", created)
        status, code = self.alice.refused("POST", "groups", {"guid": guid, "name": "again", "type": "public"})
        self.assertEqual((status, code), (409, "ERR_GUID_ALREADY_EXISTS"))
        self.assertEqual(self.alice.refused("POST", "groups", {"guid": "bad guid", "name": "x"})[1], "ERR_INVALID_GUID")
        self.assertEqual(self.alice.refused("POST", "groups", {"guid": "p1", "name": "x", "type": "password"})[1],
                         "ERR_EMPTY_GROUP_PASS")
        self.assertEqual(self.alice.refused("POST", "groups", {"guid": "t1", "name": "x", "type": "club"})[1],
                         "ERR_BAD_REQUEST")
        protected = self.alice.ok("POST", "groups", {"guid": new_guid("srv"), "name": "p", "type": "protected",
                                                     "password": "x"})
        self.assertEqual(protected["type"], "password")  # the wire's other name for it

    def test_join_answers_the_joined_action(self) -> None:
        guid = self.new_group()
        joined = self.bob.ok("POST", f"groups/{guid}/members", {"hasJoined": False, "membersCount": 0,
                                                                 "isBanned": False, "guid": guid, "name": "name",
                                                                 "type": "public"})
        self.assertEqual((joined["category"], joined["type"], joined["data"]["action"]),
                         ("action", "groupMember", "joined"))
        entities = joined["data"]["entities"]
        self.assertEqual((entities["by"]["entity"]["uid"], entities["on"]["entity"]["uid"]), (BOB, BOB))
        self.assertEqual((entities["for"]["entityType"], entities["for"]["entity"]["guid"]), ("group", guid))
        self.assertEqual(entities["for"]["entity"]["membersCount"], 2)
        self.assertEqual((joined["receiver"], joined["receiverType"], joined["conversationId"]),
                         (guid, "group", f"group_{guid}"))

    def test_a_moderator_adds_participants_only(self) -> None:
        guid = self.new_group()
        self.alice.ok("PUT", f"groups/{guid}/members", {"moderators": [BOB]})
        added = self.bob.ok("PUT", f"groups/{guid}/members", {"admins": [CAROL], "moderators": [DAVE]})
        self.assertEqual(added["admins"][CAROL]["error"]["code"], "ERR_GROUP_NO_ADMIN_SCOPE")
        self.assertEqual(added["moderators"][DAVE]["error"]["code"], "ERR_GROUP_NO_ADMIN_SCOPE")
        self.assertEqual(self.bob.ok("PUT", f"groups/{guid}/members", {"participants": [CAROL]})["participants"],
                         {CAROL: {"success": True}})

    def test_add_members_answers_all_four_keys(self) -> None:
        guid = self.new_group()
        added = self.alice.ok("PUT", f"groups/{guid}/members", {"moderators": [BOB]})
        self.assertEqual(added, {"admins": {}, "moderators": {BOB: {"success": True}}, "participants": {},
                                 "usersToBan": {}})
        again = self.alice.ok("PUT", f"groups/{guid}/members", {"participants": [BOB]})
        self.assertEqual(again["participants"][BOB]["error"]["code"], "ERR_ALREADY_JOINED")
        self.assertEqual(self.alice.refused("PUT", f"groups/{guid}/members", {"participants": "bob"})[1],
                         "ERR_BAD_REQUEST")

    def test_lists_page_with_pagination_meta(self) -> None:
        guid = self.new_group()
        self.alice.ok("PUT", f"groups/{guid}/members", {"participants": [BOB, CAROL]})
        status, body = self.bob.rest("GET", f"groups/{guid}/members?per_page=2&page=1")
        self.assertEqual(status, 200)
        self.assertEqual(len(body["data"]), 2)
        self.assertEqual(body["meta"]["pagination"], {"total": 3, "count": 2, "per_page": 2, "current_page": 1,
                                                      "total_pages": 2})
        self.assertLessEqual({m["scope"] for m in body["data"]}, {"admin", "participant"})
        status, body = self.bob.rest("GET", f"groups/{guid}/members?per_page=2&page=2&scopes=admin")
        self.assertEqual(body["data"], [])  # one admin: page 2 is empty
        status, body = self.bob.rest("GET", f"groups?per_page=5&searchKey={guid}&hasJoined=1&page=1")
        self.assertEqual([g["guid"] for g in body["data"]], [guid])
        self.assertTrue(body["data"][0]["hasJoined"])

    def test_group_history_conversation_and_counts_for_members_only(self) -> None:
        guid = self.new_group()
        self.alice.ok("PUT", f"groups/{guid}/members", {"participants": [BOB]})
        text = {"receiver": guid, "receiverType": "group", "category": "message", "type": "text",
                "data": {"text": "hi group"}}
        sent = self.alice.ok("POST", "messages", text)
        self.assertEqual((sent["receiverType"], sent["conversationId"]), ("group", f"group_{guid}"))
        status, body = self.bob.rest("GET", f"groups/{guid}/messages?per_page=30&affix=prepend&categories=message")
        self.assertEqual([m["id"] for m in body["data"]], [sent["id"]])
        status, body = self.bob.rest("GET", f"groups/{guid}/messages?hideMessagesFromBlockedUsers=0&unread=1&count=1")
        self.assertEqual(body["data"], [{"entityId": guid, "entityType": "group", "count": 1}])
        conversation = self.bob.ok("GET", f"groups/{guid}/conversation")
        self.assertEqual((conversation["conversationType"], conversation["conversationWith"]["guid"]), ("group", guid))
        # carol is no member: every one of those is refused
        for method, path, body_ in (("POST", "messages", text),
                                    ("GET", f"groups/{guid}/messages?per_page=30", None),
                                    ("GET", f"groups/{guid}/messages?unread=1&count=1", None),
                                    ("GET", f"groups/{guid}/members", None),
                                    ("GET", f"groups/{guid}/conversation", None),
                                    ("PUT", f"groups/{guid}/conversation", {"tags": ["x"]}),
                                    ("DELETE", f"groups/{guid}/conversation", None),
                                    ("POST", f"groups/{guid}/conversation/read", None),
                                    ("POST", f"groups/{guid}/conversation/delivered", None),
                                    ("DELETE", f"groups/{guid}/conversation/read", {"messageId": sent["id"]}),
                                    ("DELETE", f"groups/{guid}/members", None),
                                    ("PUT", f"groups/{guid}", {"name": "x"}),
                                    ("DELETE", f"groups/{guid}", None),
                                    ("PUT", f"groups/{guid}/members", {"participants": [CAROL]}),
                                    ("DELETE", f"groups/{guid}/members/{BOB}", None),
                                    ("PUT", f"groups/{guid}/members/{BOB}", {"scope": "admin"}),
                                    ("POST", f"groups/{guid}/bannedusers/{BOB}", None),
                                    ("DELETE", f"groups/{guid}/bannedusers/{BOB}", None),
                                    ("GET", f"groups/{guid}/bannedusers", None),
                                    ("PATCH", f"groups/{guid}/owner", {"owner": CAROL})):
            with self.subTest(method=method, path=path):
                self.assertEqual(self.carol.refused(method, path, body_), (403, "ERR_NOT_A_MEMBER"))
                reliability.count("attacks")
        status, _ = self.carol.rest("GET", f"messages/{sent['id']}")
        self.assertEqual(status, 404)
        reliability.count("attacks")

    def test_wrong_types_are_refused_cleanly(self) -> None:
        guid = self.new_group()
        self.alice.ok("PUT", f"groups/{guid}/members", {"participants": [BOB]})
        odd_values = (["public"], {}, 7, None, True, "x" * 200)
        cases = [("POST", "groups", lambda v: {"guid": new_guid("t"), "name": "n", "type": v}),
                 ("POST", "groups", lambda v: {"guid": v, "name": "n"}),
                 ("POST", "groups", lambda v: {"guid": new_guid("t"), "name": v}),
                 ("POST", "groups", lambda v: {"guid": new_guid("t"), "name": "n", "members": v}),
                 ("PUT", f"groups/{guid}", lambda v: {"type": v}),
                 ("PUT", f"groups/{guid}", lambda v: {"metadata": v, "tags": v}),
                 ("PUT", f"groups/{guid}/members", lambda v: {"admins": v}),
                 ("PUT", f"groups/{guid}/members/{BOB}", lambda v: {"scope": v}),
                 ("PATCH", f"groups/{guid}/owner", lambda v: {"owner": v}),
                 ("POST", f"groups/{guid}/members", lambda v: {"password": v})]
        for method, path, body in cases:
            for value in odd_values:
                with self.subTest(method=method, path=path, value=value):
                    status, answer = self.alice.rest(method, path, body(value))
                    self.assertLess(status, 500, answer)
                    if status >= 400:
                        self.assertTrue(answer["error"]["code"].startswith("ERR_"), answer)
        reliability.count("inputs", len(cases) * len(odd_values))
        self.assertEqual(self.alice.refused("PATCH", f"groups/{guid}/owner", {"owner": ["x"]}),
                         (400, "ERR_BAD_REQUEST"))
        self.assertEqual(self.alice.refused("POST", "groups", {"guid": "trailing\n", "name": "n"})[1],
                         "ERR_INVALID_GUID")

    def test_a_join_racing_a_ban_never_leaves_a_banned_member(self) -> None:
        with ThreadPoolExecutor(4) as pool:
            for _ in range(30):
                guid = self.new_group()
                joining = pool.submit(self.bob.rest, "POST", f"groups/{guid}/members", {"type": "public"})
                banning = pool.submit(self.alice.rest, "POST", f"groups/{guid}/bannedusers/{BOB}")
                joining.result()
                self.assertEqual(banning.result()[0], 200)
                members = {m["uid"] for m in self.alice.ok("GET", f"groups/{guid}/members")}
                banned = {m["uid"] for m in self.alice.ok("GET", f"groups/{guid}/bannedusers")}
                self.assertEqual(banned, {BOB})
                self.assertNotIn(BOB, members)
                reliability.count("attacks")  # a join meant to slip in past a ban

    def test_concurrent_joins_make_one_member_and_one_action(self) -> None:
        with ThreadPoolExecutor(3) as pool:
            for _ in range(20):
                guid = self.new_group()
                answers = list(pool.map(lambda _: self.bob.rest("POST", f"groups/{guid}/members", {"type": "public"}),
                                        range(3)))
                self.assertEqual(sorted(status for status, _ in answers), [200, 409, 409])
                history = self.alice.ok("GET", f"groups/{guid}/messages?per_page=30")
                self.assertEqual([m["data"]["action"] for m in history], ["joined"])

    def test_wrong_passwords_are_throttled(self) -> None:
        guid = self.new_group(type="password", password="right one")
        for _ in range(5):
            self.assertEqual(self.carol.refused("POST", f"groups/{guid}/members", {"password": "wrong"}),
                             (403, "ERR_WRONG_GROUP_PASS"))
        self.assertEqual(self.carol.refused("POST", f"groups/{guid}/members", {"password": "right one"}),
                         (429, "ERR_TOO_MANY_REQUESTS"))  # even the right one, for a while
        reliability.count("attacks", 6)
        self.assertEqual(self.dave.rest("POST", f"groups/{guid}/members", {"password": "right one"})[0], 200)

    def test_a_uid_nobody_has_is_not_found_before_it_is_no_member(self) -> None:
        guid = self.new_group()
        outsider = self.server.create_user(new_guid("srv-outsider"))["uid"]
        for method, path, body in (("DELETE", f"groups/{guid}/members/{{uid}}", None),
                                   ("PUT", f"groups/{guid}/members/{{uid}}", {"scope": "moderator"}),
                                   ("PATCH", f"groups/{guid}/owner", {"owner": "{uid}"}),
                                   ("POST", f"groups/{guid}/bannedusers/{{uid}}", None)):
            def ask(uid: str) -> tuple[int, str]:
                filled = None if body is None else {k: v.format(uid=uid) for k, v in body.items()}
                return self.alice.refused(method, path.format(uid=uid), filled)

            with self.subTest(method=method, path=path):
                self.assertEqual(ask("nobody-here"), (404, "ERR_UID_NOT_FOUND"))
                if method != "POST":  # a user outside the group can be banned from it
                    self.assertEqual(ask(outsider), (404, "ERR_NOT_A_MEMBER"))

    def test_unknown_group(self) -> None:
        for method, path in (("GET", "groups/none-such"), ("POST", "groups/none-such/members"),
                             ("GET", "groups/none-such/messages"), ("GET", "groups/none-such/conversation")):
            with self.subTest(method=method, path=path):
                self.assertEqual(self.bob.refused(method, path), (404, "ERR_GUID_NOT_FOUND"))


class OlderDatabaseTest(unittest.TestCase):
    def test_bans_stored_before_their_scope_was_kept_read_as_participants(self) -> None:
        """A database whose ``group_bans`` has no ``scope`` column (written before bans kept
        the banned user's scope) is brought up to date when the server starts."""
        path = os.path.join(scratch_dir(self), "old.db")
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE group_bans (app_id TEXT NOT NULL, guid TEXT NOT NULL, uid TEXT NOT NULL,"
                         " banned_by TEXT NOT NULL, banned_at INTEGER NOT NULL, PRIMARY KEY (app_id, guid, uid))")
            conn.execute("INSERT INTO group_bans VALUES ('oldapp', 'old-group', ?, ?, 1700000000)", (CAROL, ALICE))
        conn.close()
        server = DevServer(app_id="oldapp", db_path=path).start()
        self.addCleanup(server.stop)
        alice, = logged_in(server, ALICE, kind=Raw)
        alice.ok("POST", "groups", {"guid": "old-group", "name": "Old", "type": "public",
                                    "members": {"moderators": [BOB]}})
        alice.ok("POST", f"groups/old-group/bannedusers/{BOB}")
        banned = alice.ok("GET", "groups/old-group/bannedusers")
        self.assertEqual({m["uid"]: m["scope"] for m in banned}, {BOB: "moderator", CAROL: "participant"})
        moderators = alice.ok("GET", "groups/old-group/bannedusers?scopes=moderator")
        self.assertEqual([m["uid"] for m in moderators], [BOB])


class GroupFramesTest(DevServerMixin, unittest.TestCase):
    MEMBERS = 6
    MESSAGES = 120

    def test_each_message_reaches_each_member_session_once_and_no_one_else(self) -> None:
        uids = [f"raw-member-{n}" for n in range(self.MEMBERS)]
        for uid in [*uids, "raw-outsider"]:
            self.server.create_user(uid)
        clients = [Raw(self.server, uid) for uid in uids]
        outsider = Raw(self.server, "raw-outsider")
        for client in [*clients, outsider]:
            client.connect()
            self.addCleanup(client.close)
        second = Raw(self.server, uids[1])  # a member with two sessions gets it on both
        second.connect()
        self.addCleanup(second.close)
        owner = clients[0]
        guid = new_guid("frames")
        owner.ok("POST", "groups", {"guid": guid, "name": guid, "type": "public",
                                    "members": {"participants": uids[1:]}})
        sent = []
        for n in range(self.MESSAGES):
            sender = clients[n % 3]
            sent.append((sender.uid, sender.ok("POST", "messages", {
                "receiver": guid, "receiverType": "group", "category": "message", "type": "text",
                "data": {"text": f"m{n}"}})["id"]))
        for client in [*clients, second]:
            got = []
            while len(got) < self.MESSAGES:
                frame = client.frame(where=lambda f: of_type("message")(f) and f["body"]["category"] == "message")
                got.append(frame["body"]["id"])
            self.assertEqual(got, [mid for _, mid in sent], client.uid)  # every one, once, in order
        # the outsider got none: the owner's last frame has arrived everywhere else, and a
        # frame pushed to the outsider now comes first in its queue
        self.server.push("raw-outsider", {"type": "ping-marker"})
        first = outsider.frame(where=lambda f: of_type("message")(f) or f.get("type") == "ping-marker")
        self.assertEqual(first["type"], "ping-marker")
        reliability.count("attacks")

    def test_typing_and_receipts_in_a_group(self) -> None:
        uids = ["rt-a", "rt-b", "rt-c", "rt-out"]
        for uid in uids:
            self.server.create_user(uid)
        a, b, c, out = (Raw(self.server, uid) for uid in uids)
        for client in (a, b, c, out):
            client.connect()
            self.addCleanup(client.close)
        guid = new_guid("rt")
        a.ok("POST", "groups", {"guid": guid, "name": guid, "type": "public", "members": {"participants": ["rt-b",
                                                                                                          "rt-c"]}})
        message = a.ok("POST", "messages", {"receiver": guid, "receiverType": "group", "category": "message",
                                            "type": "text", "data": {"text": "hi"}})
        envelope = {"appId": self.server.app_id, "receiver": guid, "receiverType": "group", "deviceId": b.session_id,
                    "sender": "rt-b"}
        b.send(dict(envelope, type="typing_indicator", body={"action": "started", "user": {"uid": "rt-b"}}))
        for client in (a, c):
            typing = client.frame(where=lambda f: f.get("type") == "typing_indicator")
            self.assertEqual((typing["sender"], typing["receiver"]), ("rt-b", guid))
        receipt = dict(envelope, type="receipts", body={"action": "delivered", "messageId": message["id"],
                                                        "messageSender": "rt-a", "user": {"uid": "rt-b"}})
        b.send(receipt)
        got = a.frame(where=lambda f: f.get("type") == "receipts")
        self.assertEqual((got["body"]["action"], got["sender"]), ("delivered", "rt-b"))
        c.send(dict(receipt, deviceId=c.session_id, sender="rt-c",
                    body=dict(receipt["body"], user={"uid": "rt-c"})))
        actions = [a.frame(where=lambda f: f.get("type") == "receipts")["body"]["action"] for _ in range(2)]
        self.assertEqual(actions, ["delivered", "deliveredToAll"])
        # the outsider's typing in the group is refused; it saw none of the above
        out.send(dict(envelope, deviceId=out.session_id, sender="rt-out", type="typing_indicator",
                      body={"action": "started", "user": {"uid": "rt-out"}}))
        first = out.frame()
        self.assertEqual((first["type"], first["body"]["code"]), ("error", "ERR_NOT_A_MEMBER"))
        reliability.count("attacks", 2)  # its typing refused; it heard nothing of the others'

    def test_error_frames_for_a_missing_group_and_a_non_members_receipt(self) -> None:
        uids = ["ef-a", "ef-out"]
        for uid in uids:
            self.server.create_user(uid)
        member, out = (Raw(self.server, uid) for uid in uids)
        for client in (member, out):
            client.connect()
            self.addCleanup(client.close)
        guid = new_guid("ef")
        member.ok("POST", "groups", {"guid": guid, "name": guid, "type": "public"})
        message = member.ok("POST", "messages", {"receiver": guid, "receiverType": "group", "category": "message",
                                                 "type": "text", "data": {"text": "members only"}})

        def error_for(client: Raw, receiver: str, kind: str, body: dict[str, Any]) -> str:
            client.send({"appId": self.server.app_id, "receiver": receiver, "receiverType": "group",
                         "deviceId": client.session_id, "sender": client.uid, "type": kind, "body": body})
            answer = client.frame(where=of_type("error"))
            return str(answer["body"]["code"])

        typing = {"action": "started", "user": {"uid": "ef-out"}}
        self.assertEqual(error_for(out, "no-such-group", "typing_indicator", typing), "ERR_GUID_NOT_FOUND")
        transient = {"user": {"uid": "ef-out"}, "data": {"x": 1}}
        self.assertEqual(error_for(out, "no-such-group", "transient_message", transient), "ERR_GUID_NOT_FOUND")
        receipt = {"action": "read", "messageId": message["id"], "messageSender": "ef-a", "user": {"uid": "ef-out"}}
        self.assertEqual(error_for(out, guid, "receipts", receipt), "ERR_RECEIPT_NOT_ALLOWED")
        # the same receipt from a member goes through: no error, the sender hears it
        member.ok("PUT", f"groups/{guid}/members", {"participants": ["ef-out"]})
        out.send({"appId": self.server.app_id, "receiver": guid, "receiverType": "group", "deviceId": out.session_id,
                  "sender": "ef-out", "type": "receipts", "body": receipt})
        heard = member.frame(where=of_type("receipts"))
        self.assertEqual((heard["body"]["action"], heard["sender"]), ("read", "ef-out"))


if __name__ == "__main__":
    unittest.main()
