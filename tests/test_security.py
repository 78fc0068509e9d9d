"""Security rules, one test each (issue 11's standing suite): nobody reads another's
conversations or events, a credential of one app fails in another, expired and revoked JWTs
are refused. (Failed authentication slowed with 429: ``test_attacks_server.AuthThrottleTest``
and ``test_attacks_sdk``; TLS certificates verified: ``test_tls``; no secret in a log or repr:
``test_secrets``.)
"""

from __future__ import annotations

import unittest

from cometchat.devserver import DevServer
from cometchat.testing import DevServerMixin, waitFor
from helpers import reliability
from rawclient import RawClient, logged_in

ALICE, BOB, CAROL = "cometchat-uid-1", "cometchat-uid-2", "cometchat-uid-3"


def message(sender: RawClient, to: str, text: str) -> dict:
    status, body = sender.rest("POST", "messages", {"receiver": to, "receiverType": "user", "category": "message",
                                                    "type": "text", "text": text})
    assert status == 200, body
    return body["data"]  # type: ignore[no-any-return]


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
