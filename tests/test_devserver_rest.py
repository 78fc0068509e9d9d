"""The dev server's REST API, spoken by hand: every endpoint's success and error paths."""

from __future__ import annotations

import sqlite3
import unittest

import requests

from cometchat.testing import DevServerMixin, scaled
from helpers import RawClient

SETTINGS_KEYS = {
    "CHAT_HOST", "CHAT_WSS_PORT", "CHAT_USE_SSL", "CLIENT_API_HOST", "ADMIN_API_HOST", "CHAT_API_VERSION",
    "APP_VERSION", "MODE", "REGION", "ANALYTICS_PING_DISABLED", "settingsHash",
}


class AdminApiTest(DevServerMixin, unittest.TestCase):
    def setUp(self) -> None:
        self.admin = RawClient(self.server, "cometchat-uid-1")

    def test_seeded_users_have_names_avatars_and_two_roles(self) -> None:
        roles = set()
        for n in range(1, 6):
            status, body = self.admin.rest("POST", f"users/cometchat-uid-{n}/auth_tokens", admin=True)
            self.assertEqual(status, 200)
            user = body["data"]
            self.assertTrue(user["name"])
            self.assertTrue(user["avatar"].startswith("https://"))
            roles.add(user["role"])
        self.assertGreaterEqual(len(roles), 2)

    def test_mint_returns_the_user_and_a_long_random_token(self) -> None:
        _, first = self.admin.rest("POST", "users/cometchat-uid-2/auth_tokens", admin=True)
        _, second = self.admin.rest("POST", "users/cometchat-uid-2/auth_tokens", admin=True)
        token = first["data"]["authToken"]
        self.assertEqual(first["data"]["uid"], "cometchat-uid-2")
        self.assertGreaterEqual(len(token) * 4, 128)  # hex digits
        self.assertNotEqual(token, second["data"]["authToken"])

    def test_tokens_are_stored_hashed(self) -> None:
        _, body = self.admin.rest("POST", "users/cometchat-uid-3/auth_tokens", admin=True)
        token = body["data"]["authToken"]
        with sqlite3.connect(self.server.db_path) as conn:
            stored = [row[0] for row in conn.execute("SELECT token_hash FROM auth_tokens")]
        self.assertTrue(stored)
        self.assertNotIn(token, stored)

    def test_mint_for_an_unknown_user(self) -> None:
        status, body = self.admin.rest("POST", "users/nobody-here/auth_tokens", admin=True)
        self.assertEqual((status, body["error"]["code"]), (404, "ERR_UID_NOT_FOUND"))

    def test_admin_credentials_are_checked_in_order(self) -> None:
        cases = [
            ({"appId": ""}, "AUTH_ERR_EMPTY_APPID"),
            ({"appId": "someone-else"}, "AUTH_ERR_INVALID_APPID"),
            ({"apiKey": ""}, "AUTH_ERR_EMPTY_APIKEY"),
            ({"apiKey": "wrong-key"}, "AUTH_ERR_APIKEY_NOT_FOUND"),
        ]
        for headers, code in cases:
            with self.subTest(code=code):
                status, body = self.admin.rest("POST", "users/cometchat-uid-1/auth_tokens", admin=True,
                                               headers=headers)
                self.assertEqual((status, body["error"]["code"]), (401, code))

    def test_create_user(self) -> None:
        status, body = self.admin.rest(
            "POST", "users", {"uid": "new-user_1", "name": "New", "role": "vip", "metadata": {"a": 1},
                              "tags": ["x"]}, admin=True)
        self.assertEqual(status, 200)
        self.assertEqual(
            {k: body["data"][k] for k in ("uid", "name", "role", "metadata", "tags")},
            {"uid": "new-user_1", "name": "New", "role": "vip", "metadata": {"a": 1}, "tags": ["x"]},
        )
        status, body = self.admin.rest("POST", "users", {"uid": "new-user_1", "name": "Again"}, admin=True)
        self.assertEqual((status, body["error"]["code"]), (409, "ERR_UID_ALREADY_EXISTS"))

    def test_create_user_validates_the_uid_and_the_name(self) -> None:
        for uid in ("has space", "semi;colon", "", "x" * 101):
            with self.subTest(uid=uid):
                status, body = self.admin.rest("POST", "users", {"uid": uid, "name": "N"}, admin=True)
                self.assertEqual((status, body["error"]["code"]), (400, "ERR_INVALID_UID"))
        status, body = self.admin.rest("POST", "users", {"uid": "nameless"}, admin=True)
        self.assertEqual((status, body["error"]["code"], body["error"]["details"]), (400, "ERR_BAD_REQUEST",
                                                                                    {"field": "name"}))

    def test_add_friends(self) -> None:
        status, body = self.admin.rest(
            "POST", "users/cometchat-uid-4/friends", {"accepted": ["cometchat-uid-5", "ghost"]}, admin=True)
        self.assertEqual(status, 200)
        self.assertEqual(body["data"]["accepted"], {"cometchat-uid-5": {"success": True},
                                                    "ghost": {"success": False}})


class ClientApiTest(DevServerMixin, unittest.TestCase):
    def setUp(self) -> None:
        self.alice = RawClient(self.server, "cometchat-uid-1")
        self.alice.login()
        self.bob = RawClient(self.server, "cometchat-uid-2")
        self.bob.login()

    def tearDown(self) -> None:
        self.alice.close()
        self.bob.close()

    def test_put_me_returns_user_token_jwt_channel_and_settings(self) -> None:
        me = self.alice.me
        self.assertEqual(me["uid"], "cometchat-uid-1")
        self.assertEqual(me["status"], "online")
        self.assertEqual(me["authToken"], self.alice.token)  # echoed: saves the JS SDK a second PUT
        self.assertEqual(me["jwt"].count("."), 2)
        self.assertIsInstance(me["wsChannel"], dict)
        self.assertLessEqual(SETTINGS_KEYS, set(me["settings"]))

    def test_settings_point_back_at_the_host_the_client_used(self) -> None:
        settings = self.alice.me["settings"]
        self.assertEqual(settings["CHAT_HOST"], "127.0.0.1")
        self.assertEqual(settings["CHAT_WSS_PORT"], str(self.server.port))
        self.assertEqual(settings["CLIENT_API_HOST"], f"127.0.0.1:{self.server.port}")
        self.assertEqual(settings["ADMIN_API_HOST"], f"127.0.0.1:{self.server.port}")
        self.assertEqual((settings["CHAT_API_VERSION"], settings["APP_VERSION"], settings["MODE"]),
                         ("v3.0", 4, "DEFAULT"))
        self.assertIs(settings["ANALYTICS_PING_DISABLED"], True)
        self.assertIs(settings["CHAT_USE_SSL"], False)
        status, body = self.alice.rest("GET", "settings", headers={"Host": "chat.example.test:8443"})
        self.assertEqual(status, 200)
        self.assertEqual((body["data"]["CHAT_HOST"], body["data"]["CHAT_WSS_PORT"]), ("chat.example.test", "8443"))

    def test_get_me_gives_a_fresh_jwt(self) -> None:
        status, body = self.alice.rest("GET", "me")
        self.assertEqual(status, 200)
        self.assertNotEqual(body["data"]["jwt"], self.alice.me["jwt"])
        self.assertEqual(body["data"]["settings"]["settingsHash"], self.alice.me["settings"]["settingsHash"])

    def test_client_credentials(self) -> None:
        for headers, code in (({"authToken": ""}, "AUTH_ERR_EMPTY_AUTH_TOKEN"),
                              ({"authToken": "not-a-token"}, "AUTH_ERR_AUTH_TOKEN_NOT_FOUND"),
                              ({"appId": "nope"}, "AUTH_ERR_INVALID_APPID")):
            with self.subTest(code=code):
                status, body = self.alice.rest("GET", "me", headers=headers)
                self.assertEqual((status, body["error"]["code"]), (401, code))

    def test_delete_me_logs_the_device_out_and_closes_its_sockets(self) -> None:
        self.alice.connect()
        old_jwt = self.alice.me["jwt"]
        status, body = self.alice.rest("DELETE", "me")
        self.assertEqual(status, 200)
        self.assertIn("data", body)
        self.assertEqual(self.alice.next_event().data, 4001)
        stranger = RawClient(self.server, "cometchat-uid-1")
        stranger.me = self.alice.me
        reply = stranger.connect(jwt=old_jwt)
        self.assertEqual(reply["body"]["status"], "ERROR")
        stranger.close()

    def test_user_sessions_echoes_the_session_id(self) -> None:
        status, body = self.alice.rest("POST", "user_sessions", {"sessionId": "abc123", "data": {}})
        self.assertEqual((status, body["data"]), (200, {"sessionId": "abc123"}))

    def test_list_and_get_users(self) -> None:
        status, body = self.alice.rest("GET", "users?per_page=2&page=2")
        self.assertEqual(status, 200)
        self.assertEqual(len(body["data"]), 2)
        pagination = body["meta"]["pagination"]
        self.assertEqual((pagination["per_page"], pagination["current_page"]), (2, 2))
        self.assertGreaterEqual(pagination["total"], 5)
        status, body = self.alice.rest("GET", "users/cometchat-uid-3")
        self.assertEqual((status, body["data"]["name"]), (200, "Nancy Grace"))
        status, body = self.alice.rest("GET", "users/ghost")
        self.assertEqual((status, body["error"]["code"]), (404, "ERR_UID_NOT_FOUND"))

    def test_unknown_endpoint_is_an_enveloped_404(self) -> None:
        status, body = self.alice.rest("GET", "no/such/thing")
        self.assertEqual((status, body["error"]["code"]), (404, "ERR_NOT_FOUND"))

    def test_cors_preflight_is_answered(self) -> None:
        response = requests.options(
            f"{self.server.url}/v3.0/me",
            headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": "PUT",
                     "Access-Control-Request-Headers": "appid,authtoken,resource,sdk,content-type"},
            timeout=scaled(10),
        )
        self.assertEqual(response.status_code, 204)
        self.assertEqual(response.headers["Access-Control-Allow-Origin"], "*")
        allowed = response.headers["Access-Control-Allow-Headers"].lower()
        for header in ("appid", "authtoken", "apikey", "resource", "sdk", "content-type"):
            self.assertIn(header, allowed)
        status = requests.get(f"{self.server.url}/v3.0/users/cometchat-uid-1",
                              headers={"appId": self.server.app_id, "authToken": self.alice.token},
                              timeout=scaled(10))
        self.assertEqual(status.headers["Access-Control-Allow-Origin"], "*")


class MessagesApiTest(DevServerMixin, unittest.TestCase):
    def setUp(self) -> None:
        self.alice = RawClient(self.server, "cometchat-uid-1")
        self.alice.login()
        self.carol = RawClient(self.server, "cometchat-uid-3")
        self.carol.login()

    def send(self, sender: RawClient, receiver: str, text: str) -> dict:
        status, body = sender.rest("POST", "messages", {"receiver": receiver, "receiverType": "user",
                                                        "category": "message", "type": "text", "text": text,
                                                        "data": {"text": text}})
        self.assertEqual(status, 200, body)
        return body["data"]  # type: ignore[no-any-return]

    def test_text_message_is_stored_with_id_conversation_and_entities(self) -> None:
        message = self.send(self.alice, "cometchat-uid-3", "hello")
        self.assertTrue(message["id"].isdigit())
        self.assertEqual(message["conversationId"], "cometchat-uid-1_user_cometchat-uid-3")
        self.assertIsInstance(message["sentAt"], int)
        self.assertEqual(message["data"]["text"], "hello")
        entities = message["data"]["entities"]
        self.assertEqual(entities["sender"]["entity"]["uid"], "cometchat-uid-1")
        self.assertEqual(entities["receiver"]["entity"]["uid"], "cometchat-uid-3")
        self.assertEqual(entities["receiver"]["entityType"], "user")

    def test_custom_message(self) -> None:
        status, body = self.alice.rest("POST", "messages", {
            "receiver": "cometchat-uid-3", "receiverType": "user", "category": "custom", "type": "location",
            "customData": {"lat": 1.0}, "data": {"customData": {"lat": 1.0}}, "subType": "pin",
            "metadata": {"m": 1}, "tags": ["t1"]})
        self.assertEqual(status, 200, body)
        message = body["data"]
        self.assertEqual((message["category"], message["type"]), ("custom", "location"))
        self.assertEqual(message["data"]["customData"], {"lat": 1.0})
        self.assertEqual((message["metadata"], message["tags"]), ({"m": 1}, ["t1"]))

    def test_message_validation(self) -> None:
        base = {"receiver": "cometchat-uid-3", "receiverType": "user", "category": "message", "type": "text"}
        cases = [
            (dict(base, text="   "), 400, "ERR_EMPTY_MESSAGE_TEXT"),
            (dict(base, text="hi", receiver="ghost"), 404, "ERR_UID_NOT_FOUND"),
            (dict(base, text="hi", receiver=""), 400, "ERR_BAD_REQUEST"),
            (dict(base, text="hi", receiverType="group", receiver="g1"), 404, "ERR_GUID_NOT_FOUND"),
            (dict(base, text="hi", receiverType="planet"), 400, "ERR_BAD_REQUEST"),
        ]
        for body, status, code in cases:
            with self.subTest(code=code, body=body):
                got_status, got = self.alice.rest("POST", "messages", body)
                self.assertEqual((got_status, got["error"]["code"]), (status, code))

    def test_malformed_and_oversized_bodies(self) -> None:
        status, body = self.alice.rest("POST", "messages", raw=b"{not json",
                                       headers={"Content-Type": "application/json"})
        self.assertEqual((status, body["error"]["code"]), (400, "ERR_BAD_REQUEST"))
        huge = b'{"text": "' + b"x" * (1024 * 1024 + 1) + b'"}'
        status, body = self.alice.rest("POST", "messages", raw=huge, headers={"Content-Type": "application/json"})
        self.assertEqual((status, body["error"]["code"]), (413, "ERR_PAYLOAD_TOO_LARGE"))

    def test_conversation_history_pages_by_id(self) -> None:
        sent = [self.send(self.alice if n % 2 else self.carol,
                          "cometchat-uid-3" if n % 2 else "cometchat-uid-1", f"m{n}") for n in range(7)]
        ids = [m["id"] for m in sent]
        status, body = self.alice.rest("GET", "users/cometchat-uid-3/messages?per_page=3&affix=prepend")
        self.assertEqual(status, 200)
        self.assertEqual([m["id"] for m in body["data"]], ids[-3:])
        self.assertEqual(body["meta"]["cursor"]["id"], ids[-3])
        status, body = self.alice.rest("GET", f"users/cometchat-uid-3/messages?id={ids[1]}&affix=append&per_page=3")
        self.assertEqual([m["id"] for m in body["data"]], ids[2:5])
        status, body = self.alice.rest("GET", f"users/cometchat-uid-3/messages?id={ids[3]}&affix=prepend&per_page=2")
        self.assertEqual([m["id"] for m in body["data"]], ids[1:3])
        status, body = self.alice.rest("GET", "users/cometchat-uid-3/messages?per_page=101")
        self.assertEqual((status, body["error"]["code"]), (400, "ERR_BAD_REQUEST"))

    def test_everything_of_mine_after_an_id(self) -> None:
        first = self.send(self.carol, "cometchat-uid-1", "before")
        later = [self.send(self.carol, "cometchat-uid-1", "to alice"),
                 self.send(self.alice, "cometchat-uid-2", "to bob"),
                 self.send(self.carol, "cometchat-uid-4", "not alice's")]
        status, body = self.alice.rest("GET", f"messages?id={first['id']}&affix=append&per_page=100")
        self.assertEqual(status, 200)
        self.assertEqual([m["id"] for m in body["data"]], [later[0]["id"], later[1]["id"]])


if __name__ == "__main__":
    unittest.main()
