"""The dev server's WebSocket: auth, keep-alive, relays, presence, and every test control.

The refusals (a forged or someone else's JWT, a spoofed sender, receipts for what one did not
receive, relays and presence outside their audience) are counted as attacks for
tests/RELIABILITY.md: this file is one of the standing suites."""

from __future__ import annotations

import time
import unittest
from typing import Any

import requests
import websocket

from cometchat.devserver import DevServer
from cometchat.testing import DevServerMixin, scaled, waitFor
from helpers import of_type, RawClient, reliability


class SocketAuthTest(DevServerMixin, unittest.TestCase):
    # scaled like every deadline the tests wait on, so a pause of 0.7 s (scaled) stays inside it
    server_options = {"auth_timeout": scaled(0.5), "idle_timeout": scaled(1.5)}

    def setUp(self) -> None:
        self.alice = RawClient(self.server, "cometchat-uid-1")

    def tearDown(self) -> None:
        self.alice.close()

    def test_valid_jwt_gets_the_exact_ok_reply(self) -> None:
        reply = self.alice.connect()
        self.assertEqual(reply["type"], "auth")
        self.assertEqual((reply["body"]["status"], reply["body"]["code"]), ("OK", "200"))
        self.assertEqual(reply["body"]["settingsHash"], self.alice.me["settings"]["settingsHash"])
        self.assertEqual([s["deviceId"] for s in self.server.sessions("cometchat-uid-1")], [self.alice.session_id])

    def test_bad_jwt_gets_an_error_reply_then_close_4001(self) -> None:
        self.alice.login()
        reply = self.alice.connect(jwt=self.alice.me["jwt"][:-4] + "AAAA")
        self.assertEqual(reply["body"]["status"], "ERROR")
        self.assertEqual(reply["body"]["code"], "401")
        self.assertEqual(reply["body"]["errorCode"], "AUTH_ERR_INVALID_JWT")
        self.assertEqual(self.alice.next_event().data, 4001)
        self.assertEqual(self.server.sessions("cometchat-uid-1"), [])
        reliability.count("attacks")

    def test_someone_elses_jwt_is_refused(self) -> None:
        bob = RawClient(self.server, "cometchat-uid-2")
        bob.login()
        self.alice.login()
        self.alice.open()
        self.alice.send(self.alice.auth_frame(jwt=bob.me["jwt"]))  # sender alice, JWT of bob
        self.assertEqual(self.alice.frame()["body"]["status"], "ERROR")
        reliability.count("attacks")

    def test_no_auth_in_time_closes_4001(self) -> None:
        self.alice.login()
        self.alice.open()
        self.assertEqual(self.alice.next_event(timeout=5).data, 4001)

    def test_first_frame_must_be_auth(self) -> None:
        self.alice.login()
        self.alice.open()
        self.alice.send({"action": "ping", "ack": "true"})
        self.assertEqual(self.alice.frame()["body"]["status"], "ERROR")
        self.assertEqual(self.alice.next_event().data, 4001)

    def test_ping_gets_pong(self) -> None:
        self.alice.connect()
        self.alice.send('{"action":"ping","ack":"true"}')
        self.assertEqual(self.alice.frame(), {"action": "pong"})

    def test_silent_session_is_closed_after_the_idle_timeout(self) -> None:
        self.alice.connect()
        started = time.monotonic()
        self.assertEqual(self.alice.next_event(timeout=10).data, 4003)
        self.assertGreaterEqual(time.monotonic() - started, 1.0)

    def test_pings_keep_a_session_open(self) -> None:
        self.alice.connect()
        for _ in range(3):  # 3 x 0.7 s > the 1.5 s idle timeout (both scaled)
            self.alice.no_frame(0.7)
            self.alice.send('{"action":"ping","ack":"true"}')
            self.assertEqual(self.alice.frame(), {"action": "pong"})

    def test_malformed_frame_gets_an_error_and_the_session_survives(self) -> None:
        self.alice.connect()
        self.alice.send("{this is not json")
        error = self.alice.frame()
        self.assertEqual((error["type"], error["body"]["code"]), ("error", "ERR_BAD_FRAME"))
        self.alice.send({"type": "typing_indicator", "receiver": "x", "receiverType": "user", "body": {}})
        self.assertEqual(self.alice.frame()["body"]["code"], "ERR_BAD_FRAME")
        self.alice.send('{"action":"ping","ack":"true"}')
        self.assertEqual(self.alice.frame(), {"action": "pong"})

    def test_frames_over_64_kib_are_refused_with_1009(self) -> None:
        self.alice.connect()
        self.alice.send("x" * (64 * 1024 + 1))
        self.assertEqual(self.alice.next_event().data, 1009)


class RelayTest(DevServerMixin, unittest.TestCase):
    def setUp(self) -> None:
        self.alice = RawClient(self.server, "cometchat-uid-1")
        self.alice.connect()
        self.bob = RawClient(self.server, "cometchat-uid-2")
        self.bob.connect()
        self.alice_phone = RawClient(self.server, "cometchat-uid-1")
        self.alice_phone.connect()

    def tearDown(self) -> None:
        for client in (self.alice, self.bob, self.alice_phone):
            client.close()

    def typing(self, client: RawClient, receiver: str, **extra: object) -> dict:
        frame = {"appId": self.server.app_id, "receiver": receiver, "receiverType": "user",
                 "deviceId": client.session_id, "type": "typing_indicator", "sender": client.uid,
                 "body": {"action": "started", "user": {"uid": client.uid}, "metadata": {"k": 1}}}
        frame.update(extra)
        return frame

    def test_typing_reaches_the_receiver_stamped_by_the_server(self) -> None:
        self.alice.send(self.typing(self.alice, "cometchat-uid-2"))
        got = self.bob.frame(where=of_type("typing_indicator"))
        self.assertEqual((got["sender"], got["receiver"], got["deviceId"]),
                         ("cometchat-uid-1", "cometchat-uid-2", self.alice.session_id))
        self.assertEqual(got["body"]["action"], "started")
        self.assertEqual(got["body"]["metadata"], {"k": 1})
        self.assertEqual(got["body"]["user"]["name"], "Andrew Joseph")
        self.alice_phone.no_frame(0.3, where=of_type("typing_indicator"))

    def test_a_spoofed_sender_is_overwritten(self) -> None:
        forged = self.typing(self.alice, "cometchat-uid-2", sender="cometchat-uid-5", deviceId="forged",
                             appId="other-app")
        forged["body"]["user"] = {"uid": "cometchat-uid-5", "name": "Not Me"}
        self.alice.send(forged)
        got = self.bob.frame(where=of_type("typing_indicator"))
        self.assertEqual((got["sender"], got["deviceId"], got["appId"]),
                         ("cometchat-uid-1", self.alice.session_id, self.server.app_id))
        self.assertEqual(got["body"]["user"]["uid"], "cometchat-uid-1")
        reliability.count("attacks")

    def receipt(self, message_id: str, action: str = "read", receiver: str = "cometchat-uid-1") -> dict[str, Any]:
        return {"appId": self.server.app_id, "receiver": receiver, "receiverType": "user",
                "deviceId": self.bob.session_id, "type": "receipts", "sender": "cometchat-uid-2",
                "messageSender": receiver,
                "body": {"action": action, "messageId": message_id, "user": {"uid": "cometchat-uid-2"}}}

    def sent_to_bob(self) -> str:
        status, body = self.alice.rest("POST", "messages", {"receiver": "cometchat-uid-2", "receiverType": "user",
                                                            "category": "message", "type": "text", "text": "hi"})
        self.assertEqual(status, 200, body)
        return str(body["data"]["id"])

    def test_receipts_are_relayed_with_a_server_timestamp(self) -> None:
        before = int(time.time())
        message_id = self.sent_to_bob()
        self.bob.send(self.receipt(message_id))
        for client in (self.alice, self.alice_phone):
            got = client.frame(where=of_type("receipts"))
            self.assertEqual((got["body"]["action"], got["body"]["messageId"]), ("read", message_id))
            self.assertGreaterEqual(got["body"]["timestamp"], before)
            self.assertEqual(got["messageSender"], "cometchat-uid-1")

    def test_a_receipt_must_name_a_message_its_sender_received(self) -> None:
        message_id = self.sent_to_bob()
        refused = [
            self.receipt("999999"),  # no such message
            self.receipt(message_id, "readByAll"),  # only the server says that
            self.receipt(message_id, "deliveredToAll"),  # ... or that
            self.receipt(message_id, receiver="cometchat-uid-3"),  # not the message's sender
        ]
        for frame in refused:
            with self.subTest(frame=frame["body"]):
                self.bob.send(frame)
                self.assertEqual(self.bob.frame(where=of_type("error"))["body"]["code"], "ERR_RECEIPT_NOT_ALLOWED")
        # alice's own message: she cannot receipt it to herself
        self.alice.send(dict(self.receipt(message_id), sender="cometchat-uid-1"))
        self.assertEqual(self.alice.frame(where=of_type("error"))["body"]["code"], "ERR_RECEIPT_NOT_ALLOWED")
        self.alice.no_frame(0.3, where=of_type("receipts"))
        self.bob.send(self.receipt(message_id))  # the same channel carries a valid one
        self.assertEqual(self.alice.frame(where=of_type("receipts"))["body"]["messageId"], message_id)
        reliability.count("attacks", len(refused) + 1)

    def test_transient_messages_are_relayed(self) -> None:
        self.bob.send({"receiver": "cometchat-uid-1", "receiverType": "user", "type": "transient_message",
                       "body": {"user": {"uid": "cometchat-uid-2"}, "data": {"emoji": "wave"}}})
        got = self.alice.frame(where=of_type("transient_message"))
        self.assertEqual((got["sender"], got["body"]["data"]), ("cometchat-uid-2", {"emoji": "wave"}))

    def test_typing_to_a_missing_group_is_refused(self) -> None:
        frame = self.typing(self.alice, "group-1", receiverType="group")
        self.alice.send(frame)
        self.assertEqual(self.alice.frame(where=of_type("error"))["body"]["code"], "ERR_GUID_NOT_FOUND")

    def test_messages_reach_the_receiver_and_all_sender_sessions_with_the_resource_as_device(self) -> None:
        status, body = self.alice.rest("POST", "messages", {"receiver": "cometchat-uid-2", "receiverType": "user",
                                                            "category": "message", "type": "text", "text": "yo"})
        self.assertEqual(status, 200)
        for client in (self.bob, self.alice_phone, self.alice):
            got = client.frame(where=of_type("message"))
            self.assertEqual(got["body"]["id"], body["data"]["id"])
            # the sending session recognises its own echo by this id and drops it
            self.assertEqual(got["deviceId"], self.alice.session_id)
            self.assertEqual(got["body"]["data"]["entities"]["sender"]["entity"]["uid"], "cometchat-uid-1")

    def test_nothing_reaches_other_users(self) -> None:
        carol = RawClient(self.server, "cometchat-uid-3")
        carol.connect()
        try:
            self.alice.send(self.typing(self.alice, "cometchat-uid-2"))
            self.bob.frame(where=of_type("typing_indicator"))
            carol.no_frame(0.3, where=of_type("typing_indicator"))
        finally:
            carol.close()
        reliability.count("attacks")


class PresenceTest(DevServerMixin, unittest.TestCase):
    def watcher(self, uid: str, presence: str | None, roles: tuple[str, ...] = ()) -> RawClient:
        client = RawClient(self.server, uid)
        client.connect(presence=presence, roles=roles)
        self.addCleanup(client.close)
        return client

    def come_and_go(self, uid: str) -> None:
        visitor = RawClient(self.server, uid)
        visitor.connect()
        visitor.close()

    def test_all_users_hears_online_and_offline_with_user_and_timestamp(self) -> None:
        watcher = self.watcher("cometchat-uid-1", "ALL_USERS")
        self.come_and_go("cometchat-uid-2")
        online = watcher.frame(where=of_type("presence"))
        offline = watcher.frame(where=of_type("presence"))
        self.assertEqual((online["body"]["action"], offline["body"]["action"]), ("online", "offline"))
        self.assertEqual(online["body"]["user"]["uid"], "cometchat-uid-2")
        self.assertEqual(online["body"]["user"]["status"], "online")
        self.assertEqual(offline["body"]["user"]["status"], "offline")
        self.assertIsInstance(online["body"]["timestamp"], int)

    def test_offline_only_when_the_last_session_ends(self) -> None:
        watcher = self.watcher("cometchat-uid-1", "ALL_USERS")
        first = RawClient(self.server, "cometchat-uid-3")
        first.connect()
        second = RawClient(self.server, "cometchat-uid-3")
        second.connect()
        self.assertEqual(watcher.frame(where=of_type("presence"))["body"]["action"], "online")
        first.close()
        watcher.no_frame(0.3, where=of_type("presence"))
        second.close()
        self.assertEqual(watcher.frame(where=of_type("presence"))["body"]["action"], "offline")

    def test_roles_hear_only_their_roles(self) -> None:
        moderators = self.watcher("cometchat-uid-2", "ROLES", ("moderator",))
        admins = self.watcher("cometchat-uid-3", "ROLES", ("admin",))
        self.come_and_go("cometchat-uid-4")  # a moderator
        self.assertEqual(moderators.frame(where=of_type("presence"))["body"]["user"]["uid"], "cometchat-uid-4")
        admins.no_frame(scaled(0.5), where=of_type("presence"))
        reliability.count("attacks")

    def test_friends_hear_only_friends(self) -> None:
        self.server.add_friends("cometchat-uid-5", ["cometchat-uid-1"])
        friend = self.watcher("cometchat-uid-1", "FRIENDS")
        stranger = self.watcher("cometchat-uid-2", "FRIENDS")
        self.come_and_go("cometchat-uid-5")
        self.assertEqual(friend.frame(where=of_type("presence"))["body"]["user"]["uid"], "cometchat-uid-5")
        stranger.no_frame(scaled(0.5), where=of_type("presence"))
        reliability.count("attacks")

    def test_no_subscription_hears_nothing(self) -> None:
        silent = self.watcher("cometchat-uid-1", None)
        self.come_and_go("cometchat-uid-2")
        silent.no_frame(scaled(0.5), where=of_type("presence"))


class ControlsTest(DevServerMixin, unittest.TestCase):
    def connect(self, uid: str = "cometchat-uid-1") -> RawClient:
        client = RawClient(self.server, uid)
        client.connect()
        self.addCleanup(client.close)
        return client

    def test_sessions_and_open_sockets(self) -> None:
        client = self.connect("cometchat-uid-1")
        lurker = RawClient(self.server, "cometchat-uid-2")
        lurker.login()
        lurker.open()  # connected, never authenticated
        self.addCleanup(lurker.close)
        sessions = self.server.sessions("cometchat-uid-1")
        self.assertEqual([(s["uid"], s["deviceId"], s["persistentDeviceId"]) for s in sessions],
                         [("cometchat-uid-1", client.session_id, client.device_id)])
        waitFor(lambda: len(self.server.open_sockets()) == 2)
        self.assertEqual(sorted(s["authenticated"] for s in self.server.open_sockets()), [False, True])

    def test_drop_abruptly_sends_no_close_frame(self) -> None:
        client = self.connect()
        self.assertEqual(self.server.drop_connections("cometchat-uid-1"), 1)
        self.assertEqual(client.next_event().kind, "dropped")
        waitFor(lambda: not self.server.sessions("cometchat-uid-1"))

    def test_drop_with_a_close_code(self) -> None:
        client = self.connect()
        self.server.drop_connections(code=4321)
        self.assertEqual(client.next_event().data, 4321)

    def test_set_mode_closes_sessions_with_4002_and_changes_the_hash(self) -> None:
        client = self.connect()
        old_hash = client.me["settings"]["settingsHash"]
        self.server.set_mode("LIMITED_TRANSIENT")
        self.addCleanup(self.server.set_mode, "DEFAULT")
        self.assertEqual(client.next_event().data, 4002)
        status, body = client.rest("GET", "me")
        self.assertEqual(body["data"]["settings"]["MODE"], "LIMITED_TRANSIENT")
        self.assertNotEqual(body["data"]["settings"]["settingsHash"], old_hash)
        with self.assertRaises(ValueError):
            self.server.set_mode("TURBO")

    def test_refuse_and_accept_upgrades(self) -> None:
        client = RawClient(self.server, "cometchat-uid-1")
        client.login()
        self.server.refuse_upgrades(429, retry_after=3)
        try:
            with self.assertRaises(websocket.WebSocketBadStatusException) as caught:
                client.open()
            self.assertEqual(caught.exception.status_code, 429)
            self.assertEqual(caught.exception.resp_headers["retry-after"], "3")
            self.server.refuse_upgrades(503)
            with self.assertRaises(websocket.WebSocketBadStatusException) as caught:
                client.open()
            self.assertEqual(caught.exception.status_code, 503)
        finally:
            self.server.accept_upgrades()
        self.assertEqual(client.connect()["body"]["status"], "OK")
        client.close()
        self.assertGreaterEqual(len(self.server.connections("refused")), 2)

    def test_expire_jwts_closes_sessions_and_refuses_old_jwts_only(self) -> None:
        client = self.connect("cometchat-uid-5")
        old_jwt = client.me["jwt"]
        self.server.expire_jwts("cometchat-uid-5")
        self.assertEqual(client.next_event().data, 4001)
        self.assertEqual(client.connect(jwt=old_jwt)["body"]["status"], "ERROR")
        client.close()
        _, body = client.rest("GET", "me")
        self.assertEqual(client.connect(jwt=body["data"]["jwt"])["body"]["status"], "OK")

    def test_revoke_refuses_even_fresh_jwts_until_the_device_logs_in_again(self) -> None:
        client = self.connect("cometchat-uid-4")
        self.server.revoke_auth_tokens("cometchat-uid-4")
        self.assertEqual(client.next_event().data, 4001)
        status, body = client.rest("GET", "me")  # REST still works
        self.assertEqual(status, 200)
        self.assertEqual(client.connect(jwt=body["data"]["jwt"])["body"]["status"], "ERROR")
        client.close()
        status, body = client.rest("PUT", "me", {"deviceId": client.device_id})
        self.assertEqual(client.connect(jwt=body["data"]["jwt"])["body"]["status"], "OK")

    def test_delete_auth_tokens_makes_the_token_unknown(self) -> None:
        client = self.connect("cometchat-uid-3")
        self.server.delete_auth_tokens("cometchat-uid-3")
        self.assertEqual(client.next_event().data, 4001)
        status, body = client.rest("GET", "me")
        self.assertEqual((status, body["error"]["code"]), (401, "AUTH_ERR_AUTH_TOKEN_NOT_FOUND"))

    def test_delayed_pongs_do_not_hold_back_other_frames(self) -> None:
        client = self.connect("cometchat-uid-2")
        self.server.delay_pongs(0.5)
        self.addCleanup(self.server.delay_pongs, 0)
        sent_at = time.monotonic()
        client.send('{"action":"ping","ack":"true"}')
        self.assertEqual(self.server.push("cometchat-uid-2", {"type": "burst", "n": 1}), 1)
        self.assertEqual(client.frame()["type"], "burst")
        self.assertEqual(client.frame(), {"action": "pong"})
        self.assertGreaterEqual(time.monotonic() - sent_at, 0.5)

    def test_push_sends_raw_text_in_order(self) -> None:
        client = self.connect("cometchat-uid-1")
        for n in range(50):
            self.server.push("cometchat-uid-1", f'{{"type":"raw","n":{n}}}')
        self.assertEqual([client.frame()["n"] for _ in range(50)], list(range(50)))
        self.assertEqual(self.server.push("nobody", "x"), 0)

    def test_blast_generates_numbered_frames_in_order(self) -> None:
        client = self.connect("cometchat-uid-3")
        self.assertEqual(self.server.blast("cometchat-uid-3", '{"type":"blasted","n":{n}}', 200, start=7), 1)
        self.assertEqual([client.frame()["n"] for _ in range(200)], list(range(7, 207)))
        with self.assertRaises(ValueError):
            self.server.blast("cometchat-uid-3", "no placeholder", 5)

    def test_request_and_connection_logs(self) -> None:
        self.server.clear_logs()
        client = self.connect("cometchat-uid-1")
        client.rest("GET", "me")
        gets = self.server.requests("GET", "/v3.0/me")
        self.assertEqual([(r["uid"], r["status"]) for r in gets], [("cometchat-uid-1", 200)])
        self.assertEqual([c["event"] for c in self.server.connections(uid="cometchat-uid-1")], ["auth_ok"])

    def test_dev_controls_need_the_api_key(self) -> None:
        response = requests.post(f"{self.server.url}/_dev/sessions", json={}, timeout=scaled(10),
                                 headers={"appId": self.server.app_id, "apiKey": "wrong"})
        self.assertEqual(response.status_code, 401)
        response = requests.post(f"{self.server.url}/_dev/sessions", json={}, timeout=scaled(10),
                                 headers={"appId": self.server.app_id, "apiKey": self.server.auth_key})
        self.assertEqual(response.json(), {"data": []})
        response = requests.post(f"{self.server.url}/_dev/sessions", json={"nope": 1}, timeout=scaled(10),
                                 headers={"appId": self.server.app_id, "apiKey": self.server.auth_key})
        self.assertEqual(response.status_code, 400)


class EmbeddingTest(unittest.TestCase):
    def test_random_credentials_and_a_url_known_before_start(self) -> None:
        first, second = DevServer(), DevServer()
        try:
            self.assertNotEqual(first.app_id, second.app_id)
            self.assertNotEqual(first.auth_key, second.auth_key)
            self.assertRegex(first.url, r"^http://127\.0\.0\.1:\d+$")
            self.assertNotIn(first.auth_key, repr(first))
        finally:
            first.stop()
            second.stop()

    def test_stop_closes_every_socket(self) -> None:
        with DevServer() as server:
            client = RawClient(server, "cometchat-uid-1")
            client.connect()
        self.assertIn(client.next_event().kind, ("close", "dropped"))


if __name__ == "__main__":
    unittest.main()
