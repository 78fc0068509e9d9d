"""Security rules, one test each (issue 11's standing suite): nobody reads another's
conversations or events, in one-to-one conversations or in groups (a non-member, a kicked
member and a banned user alike), nor uploads into them, nor reacts to or hears the reactions
of a conversation they are not in; a private group answers an outsider as a missing one; a credential of one app fails
in another; expired and revoked JWTs are refused. (Counted where they live: the history
endpoints' party refusals, ``test_devserver_history.PartiesOnlyTest``; every group endpoint
refusing a non-member, ``test_devserver_groups``; receipts and relays, ``test_devserver_socket``;
failed authentication slowed with 429, ``test_attacks_server.AuthThrottleTest`` and
``test_attacks_sdk``; TLS certificates verified, ``test_tls``; no secret in a log or repr:
``test_secrets``.)
"""

from __future__ import annotations

import itertools
import json
import unittest
from typing import Any, ClassVar
from urllib.parse import quote

from cometchat.devserver import DevServer
from cometchat.testing import DevServerMixin, waitFor
from helpers import files_in, logged_in, new_guid, of_type, RawClient, reliability

ALICE, BOB, CAROL, DAVE, EVE = (f"cometchat-uid-{n}" for n in range(1, 6))
THUMBS_UP, PARTY, HEART = "\N{THUMBS UP SIGN}", "\N{PARTY POPPER}", "\N{HEAVY BLACK HEART}"


def message(sender: RawClient, to: str, text: str) -> dict:
    status, body = sender.rest("POST", "messages", {"receiver": to, "receiverType": "user", "category": "message",
                                                    "type": "text", "text": text})
    assert status == 200, body
    return body["data"]  # type: ignore[no-any-return]


def group_text(guid: str, text: str, **extra: Any) -> dict[str, Any]:
    """The body of a text message to a group."""
    return dict({"receiver": guid, "receiverType": "group", "category": "message", "type": "text",
                 "data": {"text": text}}, **extra)


def refusal(client: RawClient, method: str, path: str, body: Any = None) -> tuple[int, str]:
    """(status, error code) of a call: ``(200, "")`` when it was served."""
    status, answer = client.rest(method, path, body)
    return status, (answer.get("error") or {}).get("code", "")


def in_group(client: RawClient, kind: str, guid: str, body: dict[str, Any]) -> dict[str, Any]:
    """A frame of ``kind`` (typing_indicator, transient_message, receipts) addressed to a group."""
    return {"appId": client.server.app_id, "receiver": guid, "receiverType": "group", "deviceId": client.session_id,
            "sender": client.uid, "type": kind, "body": dict(body, user={"uid": client.uid})}


def reactions_of(client: RawClient, message_id: Any) -> dict[str, int]:
    """A message's reaction counts as ``client`` (a party) sees them."""
    return {r["reaction"]: r["count"] for r in client.ok("GET", f"messages/{message_id}").get("reactions", [])}


_markers = itertools.count(1)


def heard(server: DevServer, client: RawClient) -> list[tuple[Any, ...]]:
    """Every frame the server had queued for ``client`` until now, as (type, sender, action,
    receiver): a marker pushed to it now comes behind them all, so what arrives before the
    marker is all it was sent."""
    marker = {"type": "test-marker", "n": next(_markers)}
    assert server.push(client.uid, marker) >= 1, f"{client.uid} has no socket"
    frames = []
    while (frame := client.frame()) != marker:
        body: dict[str, Any] = frame["body"] if isinstance(frame.get("body"), dict) else {}
        frames.append((frame.get("type"), frame.get("sender"), body.get("action") or body.get("data", {}).get("action"),
                       frame.get("receiver")))
    return frames


def react(emoji: str) -> str:
    return quote(emoji, safe="")


class ReadingTest(DevServerMixin, unittest.TestCase):
    def test_nobody_reads_a_conversation_they_are_not_in(self) -> None:
        alice, bob, carol = logged_in(self.server, ALICE, BOB, CAROL)
        private = message(alice, BOB, "between alice and bob")
        mine = message(carol, ALICE, "carol to alice")
        for path in (f"users/{ALICE}/messages", f"users/{BOB}/messages", "messages?id=0&affix=append"):
            status, body = carol.rest("GET", path)
            self.assertEqual(status, 200)
            ids = [m["id"] for m in body["data"]]
            self.assertNotIn(private["id"], ids, path)
        self.assertIn(mine["id"], [m["id"] for m in carol.rest("GET", f"users/{ALICE}/messages")[1]["data"]])
        self.assertIn(private["id"], [m["id"] for m in bob.rest("GET", f"users/{ALICE}/messages")[1]["data"]])
        reliability.count("attacks", 3)

    def test_nobody_uploads_into_a_thread_of_a_conversation_they_are_not_in(self) -> None:
        alice, bob, carol = logged_in(self.server, ALICE, BOB, CAROL)
        private = message(alice, BOB, "a thread between alice and bob")
        files = [("sneaky.txt", b"not for you", "text/plain")]
        before = files_in(self.server)
        for to in (ALICE, BOB):
            answer = carol.upload(to, files, kind="file", path=f"messages/{private['id']}/thread")
            self.assertEqual((answer.status_code, answer.json()["error"]["code"]), (404, "ERR_MESSAGE_NOT_FOUND"))
        self.assertEqual(files_in(self.server), before)
        answer = bob.upload(ALICE, files, kind="file", path=f"messages/{private['id']}/thread")  # a party may
        self.assertEqual((answer.status_code, answer.json()["data"]["parentId"]), (200, int(private["id"])))
        reliability.count("attacks", 2)

    def test_nobody_hears_events_not_meant_for_them(self) -> None:
        alice, bob, carol = (RawClient(self.server, uid) for uid in (ALICE, BOB, CAROL))
        for client in (alice, bob, carol):
            client.connect()
            self.addCleanup(client.close)
        message(alice, BOB, "for bob")
        alice.send({"type": "typing_indicator", "receiver": BOB, "receiverType": "user",
                    "body": {"action": "started", "user": {"uid": ALICE}}})
        bob.frame(where=lambda f: f.get("type") == "message")
        bob.frame(where=lambda f: f.get("type") == "typing_indicator")  # bob hears both...
        carol.no_frame(0.5, where=lambda f: f.get("type") in ("message", "typing_indicator"))  # ...carol neither
        reliability.count("attacks", 1)


def connected(test: unittest.TestCase, *clients: RawClient) -> None:
    """Open each client's socket for this test."""
    for client in clients:
        client.connect()
        test.addCleanup(client.close)


class GroupOutsidersTest(DevServerMixin, unittest.TestCase):
    """Three outsiders of a group: carol was never a member, dave was kicked, eve was banned.
    What a member (bob) is served, they are refused; what a member hears, they don't."""

    guid: ClassVar[str]
    alice: ClassVar[RawClient]
    bob: ClassVar[RawClient]
    carol: ClassVar[RawClient]
    dave: ClassVar[RawClient]
    eve: ClassVar[RawClient]
    before: ClassVar[dict[str, Any]]
    reply: ClassVar[dict[str, Any]]
    after: ClassVar[dict[str, Any]]
    theirs: ClassVar[dict[str, dict[str, Any]]]

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.alice, cls.bob, cls.carol, cls.dave, cls.eve = logged_in(cls.server, ALICE, BOB, CAROL, DAVE, EVE)
        cls.guid = guid = new_guid("sec")
        cls.alice.ok("POST", "groups", {"guid": guid, "name": guid, "type": "public",
                                        "members": {"participants": [BOB, DAVE, EVE]}})
        cls.before = cls.alice.ok("POST", "messages", group_text(guid, "before they left"))
        cls.reply = cls.alice.ok("POST", f"messages/{cls.before['id']}/thread",
                                 group_text(guid, "a reply", parentMessageId=cls.before["id"]))
        cls.theirs = {client.uid: client.ok("POST", "messages", group_text(guid, f"{client.uid} was here"))
                      for client in (cls.dave, cls.eve)}
        cls.bob.ok("POST", f"messages/{cls.before['id']}/reactions/{react(THUMBS_UP)}")
        cls.dave.ok("POST", f"messages/{cls.before['id']}/reactions/{react(PARTY)}")  # while a member
        cls.alice.ok("DELETE", f"groups/{guid}/members/{DAVE}")
        cls.alice.ok("POST", f"groups/{guid}/bannedusers/{EVE}")
        cls.after = cls.alice.ok("POST", "messages", group_text(guid, "after they left"))

    @property
    def outsiders(self) -> tuple[RawClient, ...]:
        return self.carol, self.dave, self.eve

    def test_outsiders_read_nothing_of_the_group(self) -> None:
        guid, ids = self.guid, (self.before["id"], self.reply["id"], self.after["id"], self.theirs[DAVE]["id"])
        refused = [
            (f"groups/{guid}/messages?per_page=100", (403, "ERR_NOT_A_MEMBER")),
            (f"groups/{guid}/messages?unread=1&count=1", (403, "ERR_NOT_A_MEMBER")),
            (f"groups/{guid}/conversation", (403, "ERR_NOT_A_MEMBER")),
            (f"groups/{guid}/members", (403, "ERR_NOT_A_MEMBER")),
            *((f"messages/{message_id}", (404, "ERR_MESSAGE_NOT_FOUND")) for message_id in ids),
            (f"messages/{self.before['id']}/thread", (404, "ERR_MESSAGE_NOT_FOUND")),
        ]
        for path, _ in refused:
            self.assertEqual(refusal(self.bob, "GET", path), (200, ""), path)  # a member is served each
        # the lists across every conversation: a member finds the group in each, outsiders in none
        lists: dict[str, Any] = {
            "messages?per_page=100&affix=prepend": lambda data: [m["id"] for m in data if m["receiver"] == guid],
            "messages?unread=1&count=1": lambda data: [e for e in data if e["entityId"] == guid],
            "messages?receiverType=group&unread=1&count=1": lambda data: [e for e in data if e["entityId"] == guid],
            "conversations?per_page=50": lambda data: [c for c in data if c["conversationId"] == f"group_{guid}"],
            "conversations?per_page=50&conversationType=group":
                lambda data: [c for c in data if c["conversationId"] == f"group_{guid}"],
        }
        for path, ours in lists.items():
            self.assertTrue(ours(self.bob.ok("GET", path)), path)
        for outsider in self.outsiders:
            for path, expected in refused:
                with self.subTest(uid=outsider.uid, path=path):
                    self.assertEqual(refusal(outsider, "GET", path), expected)
            for path, ours in lists.items():
                with self.subTest(uid=outsider.uid, path=path):
                    self.assertEqual(ours(outsider.ok("GET", path)), [])
        reliability.count("attacks", len(self.outsiders) * (len(refused) + len(lists)))

    def test_outsiders_send_nothing_into_the_group(self) -> None:
        guid, parent = self.guid, self.before["id"]
        for outsider in self.outsiders:
            own = self.theirs.get(outsider.uid, self.before)["id"]  # dave's and eve's own, from when they were in
            attempts = [
                ("POST", "messages", group_text(guid, f"sneaky {outsider.uid}"), (403, "ERR_NOT_A_MEMBER")),
                ("POST", f"messages/{parent}/thread", group_text(guid, f"sneaky {outsider.uid}", parentMessageId=parent),
                 (403, "ERR_NOT_A_MEMBER")),
                ("PUT", f"messages/{own}", {"text": "sneaky rewrite"}, (404, "ERR_MESSAGE_NOT_FOUND")),
                ("DELETE", f"messages/{own}", None, (404, "ERR_MESSAGE_NOT_FOUND")),
                ("POST", f"groups/{guid}/conversation/read", None, (403, "ERR_NOT_A_MEMBER")),
                ("POST", f"groups/{guid}/conversation/delivered", None, (403, "ERR_NOT_A_MEMBER")),
            ]
            for method, path, body, expected in attempts:
                with self.subTest(uid=outsider.uid, method=method, path=path):
                    self.assertEqual(refusal(outsider, method, path, body), expected)
        # a member's send goes through the same door; nothing of the outsiders' was stored or changed
        self.bob.ok("POST", "messages", group_text(guid, "from a member"))
        history = self.bob.ok("GET", f"groups/{guid}/messages?per_page=100&categories=message")
        texts = [m["data"].get("text", "") for m in history]
        self.assertIn("from a member", texts)
        self.assertEqual([t for t in texts if "sneaky" in t], [])
        self.assertEqual([m["id"] for m in self.bob.ok("GET", f"messages/{parent}/thread")], [self.reply["id"]])
        for uid, sent in self.theirs.items():
            kept = self.bob.ok("GET", f"messages/{sent['id']}")
            self.assertEqual((kept["data"]["text"], kept.get("deletedAt", 0)), (f"{uid} was here", 0))
        reliability.count("attacks", len(self.outsiders) * len(attempts))

    def test_outsiders_upload_nothing_into_the_group(self) -> None:
        """A multipart send (files written to disk as they arrive) is refused like any send, and
        leaves no file behind."""
        guid, parent = self.guid, self.before["id"]
        files = [("sneaky.txt", b"not for you", "text/plain")]
        before = files_in(self.server)
        for outsider in self.outsiders:
            for path in ("messages", f"messages/{parent}/thread"):
                with self.subTest(uid=outsider.uid, path=path):
                    answer = outsider.upload(guid, files, receiver_type="group", kind="file", path=path)
                    self.assertEqual((answer.status_code, answer.json()["error"]["code"]), (403, "ERR_NOT_A_MEMBER"))
                    self.assertEqual(files_in(self.server), before)
        answer = self.bob.upload(guid, files, receiver_type="group", kind="file")  # a member's goes through
        self.assertEqual(answer.status_code, 200, answer.text)
        history = self.bob.ok("GET", f"groups/{guid}/messages?per_page=100&types=file")
        self.assertEqual([m["sender"] for m in history], [BOB])
        reliability.count("attacks", 2 * len(self.outsiders))

    def test_outsiders_cannot_type_transient_or_receipt_into_the_group(self) -> None:
        guid = self.guid
        connected(self, self.alice, self.bob, *self.outsiders)

        def frames(client: RawClient) -> list[tuple[dict[str, Any], str]]:
            """What ``client`` sends into the group, with the error an outsider gets for each."""
            return [
                (in_group(client, "typing_indicator", guid, {"action": "started"}), "ERR_NOT_A_MEMBER"),
                (in_group(client, "transient_message", guid, {"data": {"psst": client.uid}}), "ERR_NOT_A_MEMBER"),
                (in_group(client, "receipts", guid, {"action": "delivered", "messageId": str(self.after["id"]),
                                                     "messageSender": ALICE}), "ERR_RECEIPT_NOT_ALLOWED"),
                (in_group(client, "receipts", guid, {"action": "read", "messageId": str(self.before["id"]),
                                                     "messageSender": ALICE}), "ERR_RECEIPT_NOT_ALLOWED"),
            ]

        for outsider in self.outsiders:
            for frame, code in frames(outsider):
                with self.subTest(uid=outsider.uid, frame=frame["type"], body=frame["body"]):
                    outsider.send(frame)
                    self.assertEqual(outsider.frame(where=of_type("error"))["body"]["code"], code)
        # all refused before bob sends the same: alice's first frame of each kind is bob's
        for frame, _ in frames(self.bob)[:3]:
            self.bob.send(frame)
        for kind in ("typing_indicator", "transient_message", "receipts"):
            self.assertEqual(self.alice.frame(where=of_type(kind))["sender"], BOB, kind)
        reliability.count("attacks", len(self.outsiders) * len(frames(self.bob)))

    def test_outsiders_hear_nothing_of_the_group(self) -> None:
        guid = new_guid("sec-live")
        self.alice.ok("POST", "groups", {"guid": guid, "name": guid, "type": "public",
                                         "members": {"participants": [BOB, DAVE, EVE]}})
        daves = self.dave.ok("POST", "messages", group_text(guid, "dave's"))
        eves = self.eve.ok("POST", "messages", group_text(guid, "eve's"))
        self.alice.ok("DELETE", f"groups/{guid}/members/{DAVE}")
        self.alice.ok("POST", f"groups/{guid}/bannedusers/{EVE}")
        connected(self, self.alice, self.bob, *self.outsiders)
        # a message: members hear it
        sent = self.alice.ok("POST", "messages", group_text(guid, "for members"))
        self.bob.frame(where=lambda f: of_type("message")(f) and f["body"]["id"] == sent["id"])
        # receipts over REST: bob's reaches alice; alice's names eve's message, the newest from the others
        self.bob.ok("POST", f"groups/{guid}/conversation/delivered")
        receipts = [self.alice.frame(where=of_type("receipts"))["body"]["action"] for _ in range(2)]
        self.assertEqual(receipts, ["delivered", "deliveredToAll"])  # bob is the only member left to deliver
        self.alice.ok("POST", f"groups/{guid}/conversation/read")
        # receipts, typing and transient messages on the socket: of alice's message (to alice), of
        # dave's and eve's (to nobody: they have left); bob's frames are handled in order
        for message in (sent, daves, eves):
            self.bob.send(in_group(self.bob, "receipts", guid, {"action": "read", "messageId": str(message["id"]),
                                                                "messageSender": message["sender"]}))
        self.bob.send(in_group(self.bob, "typing_indicator", guid, {"action": "started"}))
        self.bob.send(in_group(self.bob, "transient_message", guid, {"data": {"live": True}}))
        read = [self.alice.frame(where=of_type("receipts")) for _ in range(2)]
        self.assertEqual([(r["sender"], r["body"]["action"], r["body"]["messageId"]) for r in read],
                         [(BOB, "read", str(sent["id"])), (BOB, "readByAll", str(sent["id"]))])
        self.assertEqual(self.alice.frame(where=of_type("typing_indicator"))["sender"], BOB)
        self.assertEqual(self.alice.frame(where=of_type("transient_message"))["sender"], BOB)
        # actions after they left: a scope change, an edit
        self.alice.ok("PUT", f"groups/{guid}/members/{BOB}", {"scope": "moderator"})
        self.alice.ok("PUT", f"messages/{sent['id']}", {"text": "edited"})
        actions = [self.bob.frame(where=lambda f: of_type("message")(f) and f["body"]["category"] == "action")
                   for _ in range(2)]
        self.assertEqual([a["body"]["data"]["action"] for a in actions], ["scopeChanged", "edited"])
        for outsider in self.outsiders:
            with self.subTest(uid=outsider.uid):
                self.assertEqual(heard(self.server, outsider), [])
        reliability.count("attacks", len(self.outsiders) * 7)  # message, 2 receipt kinds, typing, transient, 2 actions

    def test_a_private_group_answers_outsiders_as_a_missing_one(self) -> None:
        private, missing = new_guid("sec-private"), new_guid("sec-missing")
        self.alice.ok("POST", "groups", {"guid": private, "name": "hidden", "type": "private",
                                         "members": {"participants": [BOB, DAVE]}})
        self.alice.ok("DELETE", f"groups/{private}/members/{DAVE}")

        def calls(guid: str) -> list[tuple[str, str, Any]]:
            return [("GET", f"groups/{guid}", None), ("POST", f"groups/{guid}/members", {}),
                    ("GET", f"groups/{guid}/members", None), ("GET", f"groups/{guid}/messages", None),
                    ("GET", f"groups/{guid}/conversation", None), ("POST", "messages", group_text(guid, "knock"))]

        for method, path, body in calls(private):  # it exists for a member
            self.assertNotEqual(refusal(self.bob, method, path, body)[1], "ERR_GUID_NOT_FOUND", path)
        search = f"groups?per_page=100&searchKey={private}"
        self.assertEqual([g["guid"] for g in self.bob.ok("GET", search)], [private])
        connected(self, self.carol, self.dave)
        for outsider in (self.carol, self.dave):  # never a member; kicked
            for (method, path, body), (_, other, other_body) in zip(calls(private), calls(missing)):
                with self.subTest(uid=outsider.uid, method=method, path=path):
                    status, answer = outsider.rest(method, path, body)
                    missing_status, missing_answer = outsider.rest(method, other, other_body)
                    self.assertEqual((status, answer["error"]["code"]), (404, "ERR_GUID_NOT_FOUND"))
                    self.assertEqual((status, json.dumps(answer).replace(private, "?")),
                                     (missing_status, json.dumps(missing_answer).replace(missing, "?")))
            self.assertEqual(outsider.ok("GET", search), [])
            errors = []
            for guid in (private, missing):
                outsider.send(in_group(outsider, "typing_indicator", guid, {"action": "started"}))
                errors.append(json.dumps(outsider.frame(where=of_type("error"))["body"]).replace(guid, "?"))
            self.assertEqual(errors[0], errors[1])
            self.assertIn("ERR_GUID_NOT_FOUND", errors[0])
        reliability.count("attacks", 2 * (len(calls(private)) + 2))

    def test_outsiders_cannot_add_remove_or_list_the_groups_reactions(self) -> None:
        before = self.before["id"]
        base = f"messages/{before}/reactions"
        self.assertEqual(reactions_of(self.bob, before), {THUMBS_UP: 1, PARTY: 1})  # dave's, from when he was in
        attempts = [("POST", f"{base}/{react(HEART)}"), ("DELETE", f"{base}/{react(THUMBS_UP)}"),
                    ("DELETE", f"{base}/{react(PARTY)}"), ("GET", base), ("GET", f"{base}/{react(PARTY)}")]
        self.assertEqual(refusal(self.bob, "GET", base), (200, ""))  # a member lists them
        self.assertEqual(refusal(self.bob, "GET", f"{base}/{react(PARTY)}"), (200, ""))
        for outsider in self.outsiders:
            for method, path in attempts:
                with self.subTest(uid=outsider.uid, method=method, path=path):
                    self.assertEqual(refusal(outsider, method, path), (404, "ERR_MESSAGE_NOT_FOUND"))
        self.assertEqual(reactions_of(self.bob, before), {THUMBS_UP: 1, PARTY: 1})  # nothing added or removed
        reliability.count("attacks", len(self.outsiders) * len(attempts))

    def test_outsiders_hear_no_reactions_in_the_group(self) -> None:
        connected(self, self.alice, *self.outsiders)
        path = f"messages/{self.after['id']}/reactions/{react(HEART)}"
        self.bob.ok("POST", path)
        self.bob.ok("DELETE", path)
        for action in ("message_reaction_added", "message_reaction_removed"):
            self.assertEqual(self.alice.frame(where=of_type("reaction"))["body"]["action"], action)
        for outsider in self.outsiders:
            with self.subTest(uid=outsider.uid):
                self.assertEqual(heard(self.server, outsider), [])
        reliability.count("attacks", len(self.outsiders) * 2)


class ReactionsTest(DevServerMixin, unittest.TestCase):
    """Only the two parties of a one-to-one conversation react to its messages, list their
    reactions and hear them."""

    def test_a_non_party_cannot_add_remove_or_list_reactions(self) -> None:
        alice, bob, carol = logged_in(self.server, ALICE, BOB, CAROL)
        private = message(alice, BOB, "react between us")
        base = f"messages/{private['id']}/reactions"
        bob.ok("POST", f"{base}/{react(THUMBS_UP)}")
        attempts = [("POST", f"{base}/{react(HEART)}"), ("DELETE", f"{base}/{react(THUMBS_UP)}"), ("GET", base),
                    ("GET", f"{base}/{react(THUMBS_UP)}")]
        self.assertEqual(refusal(alice, "GET", base), (200, ""))  # a party lists them
        self.assertEqual(refusal(alice, "GET", f"{base}/{react(THUMBS_UP)}"), (200, ""))
        for method, path in attempts:
            with self.subTest(method=method, path=path):
                self.assertEqual(refusal(carol, method, path), (404, "ERR_MESSAGE_NOT_FOUND"))
        self.assertEqual(reactions_of(alice, private["id"]), {THUMBS_UP: 1})  # nothing added or removed
        reliability.count("attacks", len(attempts))

    def test_a_non_party_hears_no_reactions(self) -> None:
        alice, bob, carol = logged_in(self.server, ALICE, BOB, CAROL)
        connected(self, alice, carol)
        private = message(alice, BOB, "react where carol can't hear")
        path = f"messages/{private['id']}/reactions/{react(THUMBS_UP)}"
        bob.ok("POST", path)
        bob.ok("DELETE", path)
        for action in ("message_reaction_added", "message_reaction_removed"):
            self.assertEqual(alice.frame(where=of_type("reaction"))["body"]["action"], action)
        self.assertEqual(heard(self.server, carol), [])
        reliability.count("attacks", 2)


class CredentialsTest(DevServerMixin, unittest.TestCase):
    server_options = {"jwt_lifetime": 1}

    def test_a_credential_of_one_app_fails_in_another(self) -> None:
        alice = RawClient(self.server, ALICE)
        alice.login()
        with DevServer() as other:
            stranger = RawClient(other, ALICE)
            stranger.token = alice.token  # our token, their server
            status, body = stranger.rest("GET", "me")
            self.assertEqual((status, body["error"]["code"]), (401, "AUTH_ERR_AUTH_TOKEN_NOT_FOUND"))
            status, body = stranger.rest("POST", f"users/{ALICE}/auth_tokens", headers={"apiKey": self.server.auth_key})
            self.assertEqual((status, body["error"]["code"]), (401, "AUTH_ERR_APIKEY_NOT_FOUND"))
            stranger.login()
            jwt = alice.rest("GET", "me")[1]["data"]["jwt"]
            self.assertEqual(stranger.connect(jwt=jwt)["body"]["status"], "ERROR")  # our JWT on their socket
            stranger.close()
        reliability.count("attacks", 3)

    def test_expired_and_revoked_jwts_are_refused(self) -> None:
        alice = RawClient(self.server, ALICE)
        old = alice.login()["jwt"]

        def refused() -> bool:
            status = alice.connect(jwt=old)["body"]["status"]
            alice.close()
            return status == "ERROR"

        waitFor(refused, timeout=5, interval=0.2)  # it lived one second
        fresh = alice.rest("GET", "me")[1]["data"]["jwt"]
        self.server.revoke_auth_tokens(ALICE)
        self.assertEqual(alice.connect(jwt=fresh)["body"]["errorCode"], "AUTH_ERR_INVALID_JWT")
        alice.close()
        reliability.count("attacks", 2)


if __name__ == "__main__":
    unittest.main()
