"""The breaks that attacking the dev server found (issue 11), each shown closed.

Every test here failed before its fix: poisoned text (1), a reader that never reads (2),
headers and bodies that never finish and sockets that never authenticate (3), frames that
broke the decoder (5), values that made a 500 (6), NaN stored (7), oversized frames and a
junk Host (9); and repeated failed authentication, which is now slowed.
"""

from __future__ import annotations

import json
import logging
import math
import socket
import time
import unittest
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from cometchat.testing import DevServerMixin, scaled, waitFor
from helpers import (ErrorLog, http_exchange, http_head, http_status, logged_in, new_guid, of_type, RawClient,
                     read_http_response, reliability, SourceAdapter, strict_text)

ALICE, BOB, CAROL = "cometchat-uid-1", "cometchat-uid-2", "cometchat-uid-3"
PING = '{"action":"ping","ack":"true"}'


def typing(client: RawClient, receiver: str, metadata_json: str) -> str:
    """A typing frame written by hand, so the metadata can hold what json.dumps would escape."""
    return ('{"receiver":"%s","receiverType":"user","type":"typing_indicator",'
            '"body":{"action":"started","user":{"uid":"%s"},"metadata":%s}}' % (receiver, client.uid, metadata_json))


class Connected(DevServerMixin):
    def connect(self, uid: str) -> RawClient:
        client = RawClient(self.server, uid)  # type: ignore[attr-defined]
        client.connect()
        self.addCleanup(client.close)  # type: ignore[attr-defined]
        return client

    def still_served(self, client: RawClient) -> None:
        """The session answers a ping (its writer lives)."""
        client.send(PING)
        client.frame(where=lambda f: f.get("action") == "pong")


class PoisonTextTest(Connected, unittest.TestCase):
    """Break 1: a lone surrogate used to be stored and relayed, and killed the receiver's writer."""

    def test_a_lone_surrogate_in_a_message_is_refused_and_the_receiver_keeps_its_stream(self) -> None:
        alice, bob = self.connect(ALICE), self.connect(BOB)
        body = b'{"receiver":"%s","receiverType":"user","category":"message","type":"text","text":"\\ud800"}' % BOB.encode()
        status, answer = alice.rest("POST", "messages", raw=body, headers={"Content-Type": "application/json"})
        self.assertEqual((status, answer["error"]["code"]), (400, "ERR_BAD_REQUEST"))
        self.assertIn("surrogate", answer["error"]["message"])
        self.still_served(bob)
        status, _ = alice.rest("POST", "messages", {"receiver": BOB, "receiverType": "user", "category": "message",
                                                    "type": "text", "text": "after \U0001F600"})
        self.assertEqual(status, 200)
        self.assertEqual(bob.frame(where=of_type("message"))["body"]["data"]["text"], "after \U0001F600")
        reliability.count("attacks", 1)

    def test_a_lone_surrogate_in_typing_metadata_gets_an_error_frame(self) -> None:
        alice, bob = self.connect(ALICE), self.connect(BOB)
        alice.send(typing(alice, BOB, '{"m":"\\udfff"}'))
        self.assertEqual(alice.frame(where=of_type("error"))["body"]["code"], "ERR_BAD_FRAME")
        bob.no_frame(0.3, where=of_type("typing_indicator"))
        alice.send(typing(alice, BOB, '{"m":"ok"}'))  # the same frame, valid, still goes through
        self.assertEqual(bob.frame(where=of_type("typing_indicator"))["body"]["metadata"], {"m": "ok"})
        self.still_served(bob)
        reliability.count("attacks", 1)

    def test_a_session_whose_frame_cannot_be_written_is_closed_not_left_silent(self) -> None:
        bob = self.connect(BOB)
        self.server.push(BOB, '{"type":"raw","text":"\ud800"}')  # only a bug of ours could queue this
        event = bob.next_event()
        self.assertEqual((event.kind, event.data), ("close", 1011))
        waitFor(lambda: not self.server.sessions(BOB))


class SlowReaderTest(Connected, unittest.TestCase):
    """Break 2: a session that never reads used to grow the server without bound."""

    server_options = {"max_outbox_bytes": 256 * 1024}

    def test_a_reader_that_never_reads_is_closed_with_4004_and_memory_stays_bounded(self) -> None:
        alice, bob = self.connect(ALICE), self.connect(BOB)
        self.server.clear_logs()
        chunk = "x" * (60 * 1024)
        frame = json.dumps({"receiver": BOB, "receiverType": "user", "type": "transient_message",
                            "body": {"user": {"uid": ALICE}, "data": {"blob": chunk}}})
        peak = 0
        for sent in range(1, 2001):  # at most ~120 MiB; the old server kept every byte of it
            alice.send(frame)
            if sent % 20 == 0:
                sockets = self.server.open_sockets()
                peak = max([peak] + [s["outboxBytes"] for s in sockets if s["uid"] == BOB])
                if self.server.connections("overflow", BOB):
                    break
        self.assertTrue(self.server.connections("overflow", BOB), "the slow reader was never closed")
        self.assertLessEqual(peak, 256 * 1024)
        codes = []
        while True:  # bob reads at last: what the kernel held, then the close
            event = bob.next_event(timeout=15)
            if event.kind != "text":
                codes.append(event.data)
                break
        self.assertEqual(codes, [4004])
        self.still_served(alice)
        reliability.count("faults", 1)

    def outbox(self, uid: str) -> dict[str, int]:
        (session,) = [s for s in self.server.open_sockets() if s["uid"] == uid]
        return {"now": session["outboxBytes"], "peak": session["outboxPeak"]}

    def test_blast_keeps_pace_with_a_reader_that_keeps_reading(self) -> None:
        """A blast's frames count in the bound like any other (they used to bypass it, so this
        could not fail): it makes them at most half the bound ahead of the socket."""
        carol = self.connect(CAROL)
        self.server.clear_logs()
        count = 20000  # ~1.2 MB of frames, well over the outbox bound
        self.assertEqual(self.server.blast(CAROL, '{"type":"blasted","n":{n},"pad":"%s"}' % ("p" * 40), count), 1)
        self.assertEqual([carol.frame()["n"] for _ in range(count)], list(range(1, count + 1)))
        self.assertEqual(self.server.connections("overflow"), [])
        peak = self.outbox(CAROL)["peak"]  # counted: half the bound was made ahead, and never more
        self.assertTrue(128 * 1024 <= peak < 128 * 1024 + 100, peak)

    def test_a_reader_that_stops_during_a_blast_is_closed_by_what_else_is_queued(self) -> None:
        alice, bob = self.connect(ALICE), self.connect(BOB)
        self.server.clear_logs()
        pad = "p" * 8000  # 3,000 frames of ~8 KB: far more than the kernel holds for a reader that stopped
        self.assertEqual(self.server.blast(BOB, '{"type":"blasted","n":{n},"pad":"%s"}' % pad, 3000), 1)
        waitFor(lambda: self.outbox(BOB)["now"] >= 120 * 1024)  # the blast's half of the bound, made ahead
        self.assertEqual(self.server.connections("overflow"), [])  # which alone never closes it
        chunk = json.dumps({"receiver": BOB, "receiverType": "user", "type": "transient_message",
                            "body": {"user": {"uid": ALICE}, "data": {"blob": "x" * (60 * 1024)}}})
        for _ in range(3):  # 180 KiB: under the bound, but not on top of what the blast holds
            alice.send(chunk)
        waitFor(lambda: self.server.connections("overflow", BOB))
        while True:  # bob reads at last: what the kernel held, then the close
            event = bob.next_event(timeout=15)
            if event.kind != "text":
                break
            self.assertEqual(event.data["type"], "blasted")  # the transients were dropped with the rest
        self.assertEqual((event.kind, event.data), ("close", 4004))
        self.still_served(alice)
        reliability.count("faults", 1)


    def test_a_close_queued_behind_a_blast_ends_it_and_goes_out_with_its_code(self) -> None:
        bob = self.connect(BOB)
        pad = "p" * 8000
        self.assertEqual(self.server.blast(BOB, '{"type":"blasted","n":{n},"pad":"%s"}' % pad, 3000), 1)
        waitFor(lambda: self.outbox(BOB)["now"] >= 120 * 1024)  # bob reads nothing yet: the burst waits
        self.server.expire_jwts(BOB)  # the server closes his session (4001) behind the burst
        blasted = 0
        while True:
            event = bob.next_event(timeout=15)
            if event.kind != "text":
                break
            blasted += 1
        self.assertEqual((event.kind, event.data), ("close", 4001))  # the close's own code, not a reset
        self.assertLess(blasted, 3000)  # the rest of the burst was not made for a closing session
        reliability.count("faults", 1)


class SlowRequestTest(DevServerMixin, unittest.TestCase):
    """Break 3: requests whose headers or body never finish."""

    server_options = {"header_timeout": 0.5, "body_timeout": 0.5}

    def open(self, source: str = "127.0.0.2") -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.server.port), timeout=scaled(10),
                                        source_address=(source, 0))
        self.addCleanup(sock.close)
        return sock

    def test_headers_that_never_finish_get_408_and_the_connection_closes(self) -> None:
        with self.assertLogs("cometchat.devserver", "WARNING") as logs:
            for _ in range(2):  # (an address no other test of the class uses: its first line is ours)
                sock = self.open("127.0.0.11")
                sock.sendall(b"GET /v3.0/me HTTP/1.1\r\nHost: x\r\n")  # ... and never the blank line
                status, body, closed = read_http_response(sock, scaled(10))
                self.assertEqual((status, body["error"]["code"], closed), (408, "ERR_REQUEST_TIMEOUT", True))
        self.assertEqual(len(logs.output), 1, logs.output)  # one line, then quiet for that address
        self.assertIn("slow headers", logs.output[0])
        self.assertNotIn("Traceback", logs.output[0])
        reliability.count("attacks", 2)

    def test_a_preflight_leaves_its_kept_alive_connection_quiet_and_usable(self) -> None:
        """A browser's preflight was answered before the header timer was stopped, so its idle
        kept-alive connection got an unprompted 408 (and a log line) a moment later."""
        late = self.open("127.0.0.13")  # the timer works on this server: a head that never ends gets its 408
        late.sendall(b"GET /v3.0/me HTTP/1.1\r\nHost: x\r\n")
        with self.assertLogs("cometchat.devserver", "WARNING") as logs:
            preflight = self.open("127.0.0.12")
            preflight.sendall(http_head("OPTIONS", "/v3.0/messages", {"Origin": "http://app.test",
                                                                       "Access-Control-Request-Method": "POST"}))
            preflight.settimeout(scaled(10))
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = preflight.recv(4096)
                self.assertTrue(chunk, "the preflight's connection closed")
                head += chunk
            self.assertTrue(head.startswith(b"HTTP/1.1 204"), head)
            self.assertEqual(read_http_response(late, scaled(10))[0], 408)  # opened first, it times out first
        self.assertEqual(len(logs.output), 1, logs.output)  # that one's line; none for the preflight
        preflight.settimeout(scaled(1))  # past the preflight's own header timeout: still nothing comes
        with self.assertRaises(socket.timeout):
            self.fail(f"unprompted on the preflight's connection: {preflight.recv(4096)!r}")
        preflight.sendall(http_head("GET", "/"))  # and the connection still serves a request
        status, body, closed = read_http_response(preflight, scaled(10))
        self.assertEqual((status, body["data"]["server"], closed), (200, "cometchat-devserver", False))

    def credentials(self) -> dict[str, str]:
        alice = RawClient(self.server, ALICE)
        alice.login()
        return {"appId": self.server.app_id, "authToken": alice.token or ""}

    def test_a_body_that_stops_arriving_gets_408(self) -> None:
        sock = self.open()
        headers = dict(self.credentials(), **{"Content-Length": "100"})
        sock.sendall(http_head("POST", "/v3.0/messages", headers) + b'{"receiver"')
        status, body, closed = read_http_response(sock, scaled(10))
        self.assertEqual((status, body["error"]["code"], closed), (408, "ERR_REQUEST_TIMEOUT", True))
        reliability.count("attacks", 1)

    def test_a_slow_body_that_keeps_coming_is_read_to_its_end(self) -> None:
        sock = self.open("127.0.0.3")
        payload = b'{"receiver":"x","receiverType":"user"}'
        sock.sendall(http_head("POST", "/v3.0/messages", dict(self.credentials(), **{"Content-Length": str(len(payload))})))
        for n in range(0, len(payload), 4):  # ~2 s in all: well over both timeouts, never a 0.5 s pause
            sock.sendall(payload[n:n + 4])
            time.sleep(0.2)  # the attack's own pacing, not a synchronisation
        status, body, _ = read_http_response(sock, scaled(10))
        self.assertEqual((status, body["error"]["details"]), (400, {"field": "category"}))  # read, then judged


class UnauthenticatedCapTest(DevServerMixin, unittest.TestCase):
    """Break 3: sockets that never authenticate (their head never starts: a header timeout far
    beyond the test, so that they stay until the test closes them)."""

    server_options = {"header_timeout": 120.0, "max_unauthenticated_per_address": 5}

    def open(self, source: str) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.server.port), timeout=scaled(10),
                                        source_address=(source, 0))
        self.addCleanup(sock.close)
        return sock

    def test_sockets_that_never_authenticate_are_capped_per_address_and_others_are_served(self) -> None:
        # no wait needed: the server accepts connections in the order they were made, so these
        # five are counted before the sixth is looked at
        idle = [self.open("127.0.0.4") for _ in range(5)]
        with self.assertLogs("cometchat.devserver", "WARNING") as logs:
            status, body, closed = read_http_response(self.open("127.0.0.4"), scaled(10))
            self.assertEqual((status, body["error"]["code"], closed), (429, "ERR_TOO_MANY_CONNECTIONS", True))
            for _ in range(3):  # refused again and again: one log line, no traceback
                self.assertEqual(read_http_response(self.open("127.0.0.4"), scaled(10))[0], 429)
        self.assertEqual(len(logs.output), 1)
        self.assertNotIn("Traceback", logs.output[0])
        alice = RawClient(self.server, ALICE)  # another address is served meanwhile
        self.assertEqual(alice.connect()["body"]["status"], "OK")
        alice.close()
        self.assertEqual(http_status(self.open("127.0.0.4"), scaled(10)), 429)  # the five still hold it
        idle[0].close()  # a place frees up once one of them goes ...
        waitFor(lambda: http_status(self.open("127.0.0.4"), scaled(10)) != 429)
        self.assertEqual(http_status(self.open("127.0.0.4"), scaled(10)), 429)  # ... and only one
        reliability.count("attacks", 1)

    def test_a_connection_that_authenticates_no_longer_counts(self) -> None:
        held = [RawClient(self.server, ALICE, source="127.0.0.5") for _ in range(6)]
        for client in held:  # six authenticated sockets from one address, cap 5
            self.assertEqual(client.connect()["body"]["status"], "OK")
            self.addCleanup(client.close)


class KeptBoundedTest(Connected, unittest.TestCase):
    """What the server keeps about what it refused: a client that never logged in used to grow
    it by ~1.2 GB with 2,000 auth frames whose 60 KB sender was kept in the socket log and the
    failure tracker, and 8 KB request lines were kept whole in the request log."""

    def junk_auth(self, sender: str) -> tuple[str, int]:
        """An auth frame from ``sender`` with a junk JWT: (the reply's error code, the close code)."""
        client = RawClient(self.server, ALICE)
        client.login()
        client.open()
        self.addCleanup(client.close)
        client.send(client.auth_frame(jwt="junk", sender=sender))
        reply = client.next_event()
        return reply.data["body"]["errorCode"], client.next_event().data

    def test_an_auth_frame_whose_sender_is_not_a_uid_is_refused_before_anything_keeps_it(self) -> None:
        self.server.clear_logs()
        # a valid uid with a junk JWT is a failed authentication of that uid, and logged as one
        self.assertEqual(self.junk_auth("cometchat-uid-4"), ("AUTH_ERR_INVALID_JWT", 4001))
        self.assertEqual(len(self.server.connections("auth_fail", "cometchat-uid-4")), 1)
        senders = ["s" * 60000, "a b", "../x", "\u00e9", "x" * 101, "x:y"]
        with self.assertLogs("cometchat.devserver", "WARNING") as logs:
            for sender in senders:
                with self.subTest(sender=sender[:20]):
                    self.assertEqual(self.junk_auth(sender), ("ERR_BAD_FRAME", 4001))
        self.assertEqual(len(logs.output), 1, logs.output)  # one line, then quiet for the address
        self.assertIn("not a uid", logs.output[0])
        failures = self.server.connections("auth_fail")
        self.assertEqual([c["uid"] for c in failures], ["cometchat-uid-4"] + [None] * len(senders))
        reliability.count("attacks", len(senders))

    def test_failed_authentications_for_paths_that_are_not_uids_are_tracked_as_one(self) -> None:
        """The failure tracker keeps 10,000 (uid, address) pairs: it no longer keeps an 8 KB path
        segment as a uid. Every such failure counts for one key, so the 21st is throttled."""
        statuses = []
        for n in range(21):
            raw = http_head("POST", f"/v3.0/users/{n}{'u' * 5000}/auth_tokens",
                            {"appId": self.server.app_id, "apiKey": "wrong", "Content-Length": "0",
                             "Connection": "close"})
            statuses.append(http_exchange(self.server.port, raw, source="127.0.0.14")[0])
        self.assertEqual(statuses, [401] * 20 + [429])
        reliability.count("attacks", 21)

    def test_the_request_log_keeps_a_bounded_entry_per_request(self) -> None:
        self.server.clear_logs()
        path, query = "/v3.0/" + "p" * 5000, "q=" + "y" * 3000
        status, answer, _ = http_exchange(self.server.port, http_head("GET", f"{path}?{query}", {
            "appId": self.server.app_id, "resource": "r" * 3000, "sdk": "s" * 3000}))
        self.assertEqual((status, answer["error"]["code"]), (404, "ERR_NOT_FOUND"))
        (entry,) = self.server.requests("GET")
        self.assertTrue(path.startswith(entry["path"][:-1]) and len(entry["path"]) <= 257, len(entry["path"]))
        self.assertTrue(query.startswith(entry["query"][:-1]) and len(entry["query"]) <= 513, len(entry["query"]))
        self.assertEqual((len(entry["resource"]), len(entry["sdk"])), (101, 101))
        alice = RawClient(self.server, ALICE)  # an ordinary request is kept as it came
        alice.login()
        self.assertEqual(alice.rest("GET", f"users/{BOB}/messages?per_page=5&affix=prepend")[0], 200)
        entry = self.server.requests("GET", f"/v3.0/users/{BOB}/messages")[-1]
        self.assertEqual((entry["query"], entry["resource"]), ("per_page=5&affix=prepend", alice.session_id))
        reliability.count("attacks", 1)

    def test_an_auth_token_in_a_path_is_neither_logged_nor_kept(self) -> None:
        alice = RawClient(self.server, ALICE)
        alice.login()
        token = alice.token or ""
        self.server.clear_logs()
        status, _ = alice.rest("DELETE", f"users/{ALICE}/auth_tokens/{token}", admin=True)
        self.assertEqual(status, 200)
        status, _ = alice.rest("DELETE", f"users/{ALICE}/auth_tokens/{token}", admin=True)  # gone now: 404
        self.assertEqual(status, 404)
        kept = self.server.requests("DELETE")
        self.assertEqual([(r["path"], r["status"]) for r in kept],
                         [(f"/v3.0/users/{ALICE}/auth_tokens/<token>", 200),
                          (f"/v3.0/users/{ALICE}/auth_tokens/<token>", 404)])
        self.assertNotIn(token, json.dumps(self.server.requests()))
        reliability.count("attacks", 1)


class DecodeAttackTest(Connected, unittest.TestCase):
    """Break 5 (server side): frames that used to end the client's handler with a traceback."""

    FRAMES = [
        '{"type":"receipts","receiver":"%s","receiverType":"user","body":{"action":"read","messageId":"1",'
        '"user":{"uid":"x"},"timestamp":"\u00b2"}}' % BOB,
        '{"type":"typing_indicator","receiver":"%s","receiverType":"user","body":{"action":"started",'
        '"user":{"uid":"x"},"metadata":{"n":Infinity}}}' % BOB,
        '{"type":"typing_indicator","receiver":"%s","receiverType":"user","body":{"action":"started",'
        '"user":{"uid":"x"},"metadata":{"n":NaN}}}' % BOB,
        '{"type":"typing_indicator","receiver":"%s","receiverType":"user","body":{"action":"started",'
        '"user":{"uid":"x"},"metadata":{"n":1e400}}}' % BOB,
        "[" * 10000 + "]" * 10000,
        '{"type":"typing_indicator","receiver":"%s","receiverType":"user","body":{"action":"started",'
        '"user":{"uid":"x"},"metadata":%s}}' % (BOB, "[" * 150 + "]" * 150),
        # message ids too large for SQLite used to end in ERR_INTERNAL and a traceback per frame
        *('{"type":"receipts","receiver":"%s","receiverType":"user","body":{"action":"read","messageId":%s,'
          '"user":{"uid":"x"}}}' % (BOB, huge) for huge in ('"100000000000000000000"', "100000000000000000000",
                                                            '"%s"' % ("9" * 5000), str(2**63))),
    ]

    def test_every_bad_frame_gets_an_error_frame_and_the_session_lives(self) -> None:
        alice, bob = self.connect(ALICE), self.connect(BOB)
        with self.assertLogs("cometchat.devserver", "WARNING") as logs:
            for frame in self.FRAMES:
                with self.subTest(frame=frame[:60]):
                    alice.send(frame)
                    self.assertEqual(alice.frame(where=of_type("error"))["body"]["code"], "ERR_BAD_FRAME")
        self.assertEqual(len(logs.output), 1, logs.output)  # logged once, then quiet for that address
        self.assertIn("bad frame", logs.output[0])
        self.assertNotIn("Traceback", logs.output[0])
        self.still_served(alice)
        bob.no_frame(0.3, where=of_type("typing_indicator"))
        reliability.count("inputs", len(self.FRAMES))


class RestValuesTest(Connected, unittest.TestCase):
    """Breaks 6 and 7: values that made a 500, and NaN stored."""

    def test_query_values_that_isdigit_accepts_but_int_refuses(self) -> None:
        alice = self.connect(ALICE)
        for path in ("users?per_page=\u00b2", "users?page=\u0663", f"users/{BOB}/messages?id=\u00b2",
                     "messages?id=\u00b2&affix=append", "messages?id=99999999999999999999999&affix=append",
                     f"users/{BOB}/messages?per_page=1%00"):
            with self.subTest(path=path):
                status, body = alice.rest("GET", path)
                self.assertEqual((status, body["error"]["code"]), (400, "ERR_BAD_REQUEST"))
        reliability.count("inputs", 6)

    def test_a_body_nested_100000_deep(self) -> None:
        alice = self.connect(ALICE)
        deep = b'{"receiver":' + b"[" * 100000 + b"]" * 100000 + b"}"
        for path, admin in (("messages", False), ("users", True)):
            status, body = alice.rest("POST", path, raw=deep, admin=admin, headers={"Content-Type": "application/json"})
            self.assertEqual((status, body["error"]["code"]), (400, "ERR_BAD_REQUEST"))
        reliability.count("inputs", 2)

    def test_controls_check_their_argument_types(self) -> None:
        headers = {"appId": self.server.app_id, "apiKey": self.server.auth_key}
        for name, args in (("blast", {"uid": BOB, "template": "{n}", "count": "5"}),
                           ("blast", {"uid": BOB, "template": "{n}", "count": True}),
                           ("push", {"uid": 7, "frame": "x"}), ("delay_pongs", {"seconds": "soon"}),
                           ("drop_connections", {"code": 99999})):
            with self.subTest(name=name, args=args):
                response = requests.post(f"{self.server.url}/_dev/{name}", json=args, headers=headers,
                                         timeout=scaled(10))
                self.assertEqual((response.status_code, response.json()["error"]["code"]), (400, "ERR_BAD_REQUEST"))
        reliability.count("inputs", 5)

    def test_nan_and_infinity_are_refused_on_the_way_in(self) -> None:
        alice = self.connect(ALICE)
        for number in (b"NaN", b"Infinity", b"-Infinity", b"1e400"):
            body = (b'{"receiver":"%s","receiverType":"user","category":"custom","type":"t","customData":{"n":%s}}'
                    % (BOB.encode(), number))
            status, answer = alice.rest("POST", "messages", raw=body, headers={"Content-Type": "application/json"})
            self.assertEqual((status, answer["error"]["code"]), (400, "ERR_BAD_REQUEST"), number)
        response = requests.get(f"{self.server.url}/v3.0/users/{BOB}/messages", timeout=scaled(10),
                                headers={"appId": self.server.app_id, "authToken": alice.token or ""})
        json.loads(response.text, parse_constant=lambda name: self.fail(f"history holds {name}"))
        reliability.count("inputs", 4)


class HugeIdTest(Connected, unittest.TestCase):
    """Break 6, reopened: an id too large for SQLite (or too long for int()) was a 500."""

    HUGE = [10**20, "100000000000000000000", "9" * 5000, 2**63, -1, "\u00b2", 1e3, True]

    def test_message_ids_in_a_send_are_whole_numbers_below_2_63(self) -> None:
        alice = self.connect(ALICE)
        send = {"receiver": BOB, "receiverType": "user", "category": "message", "type": "text", "text": "hi"}
        for field in ("parentMessageId", "quotedMessageId"):
            for huge in self.HUGE:
                with self.subTest(field=field, huge=str(huge)[:30]):
                    status, answer = alice.rest("POST", "messages", dict(send, **{field: huge}))
                    self.assertEqual((status, answer["error"]["code"], answer["error"]["details"]),
                                     (400, "ERR_BAD_REQUEST", {"field": field}))
            status, answer = alice.rest("POST", "messages", dict(send, **{field: 2**63 - 1}))  # the largest id
            self.assertEqual((status, answer["error"]["code"]), (404, "ERR_MESSAGE_NOT_FOUND"))
        reliability.count("inputs", 2 * len(self.HUGE))

    def test_a_message_id_in_a_mark_as_unread(self) -> None:
        alice = self.connect(ALICE)
        sent = alice.ok("POST", "messages", {"receiver": BOB, "receiverType": "user", "category": "message",
                                             "type": "text", "text": "hi"})
        for huge in self.HUGE:
            with self.subTest(huge=str(huge)[:30]):
                status, answer = alice.rest("DELETE", f"users/{BOB}/conversation/read", {"messageId": huge})
                self.assertEqual((status, answer["error"]["code"], answer["error"]["details"]),
                                 (400, "ERR_BAD_REQUEST", {"field": "messageId"}))
        status, answer = alice.rest("DELETE", f"users/{BOB}/conversation/read", {"messageId": 2**63 - 1})
        self.assertEqual((status, answer["error"]["code"]), (404, "ERR_MESSAGE_NOT_FOUND"))
        self.assertEqual(alice.rest("DELETE", f"users/{BOB}/conversation/read", {"messageId": sent["id"]})[0], 200)
        reliability.count("inputs", len(self.HUGE))

    def test_message_ids_in_paths(self) -> None:
        alice = self.connect(ALICE)
        for path in ("messages/100000000000000000000", "messages/9223372036854775808/thread",
                     f"messages/{'9' * 5000}/reactions"):
            with self.subTest(path=path[:40]):
                status, answer = alice.rest("GET", path)
                self.assertEqual((status, answer["error"]["code"]), (400, "ERR_BAD_REQUEST"))
        status, answer = alice.rest("GET", "messages/9223372036854775807")  # 19 digits: the largest id
        self.assertEqual((status, answer["error"]["code"]), (404, "ERR_MESSAGE_NOT_FOUND"))
        reliability.count("inputs", 3)


class EdgeOfTheProtocolTest(Connected, unittest.TestCase):
    """Break 9: frames over 4 MiB, and the Host header."""

    def test_a_frame_over_4_mib_is_answered_with_close_1009_not_a_reset(self) -> None:
        alice = self.connect(ALICE)
        assert alice.ws is not None
        try:
            alice.ws.send("x" * (5 * 1024 * 1024))
        except OSError:
            pass  # the server may stop reading before the last byte; what matters is what we read
        event = alice.next_event(timeout=10)
        self.assertEqual((event.kind, event.data), ("close", 1009))
        reliability.count("inputs", 1)

    def test_a_frame_over_64_kib_still_gets_1009(self) -> None:
        alice = self.connect(ALICE)
        alice.send("x" * (64 * 1024 + 1))
        self.assertEqual(alice.next_event().data, 1009)

    def test_the_frame_limit_counts_bytes_not_characters(self) -> None:
        alice, bob = self.connect(ALICE), self.connect(BOB)
        alice.send(typing(alice, BOB, json.dumps({"m": "\U0001F600" * 4000}, ensure_ascii=False)))  # 16 KB
        self.assertEqual(len(bob.frame(where=of_type("typing_indicator"))["body"]["metadata"]["m"]), 4000)
        # 20,000 characters under the 65,536-byte limit, 80,000 bytes over it
        alice.send(typing(alice, BOB, json.dumps({"m": "\U0001F600" * 20000}, ensure_ascii=False)))
        event = alice.next_event()
        self.assertEqual((event.kind, event.data), ("close", 1009))
        bob.no_frame(0.3, where=of_type("typing_indicator"))
        reliability.count("inputs", 1)

    def test_settings_take_only_a_valid_host_and_port(self) -> None:
        alice = RawClient(self.server, ALICE)
        alice.login()
        for host in ("chat.example.test:8443", "[::1]:3000", "10.0.0.7", "localhost"):
            with self.subTest(host=host):
                self.assertEqual(alice.rest("GET", "settings", headers={"Host": host})[0], 200)
        for host in ("a:\u00b2", "a:99999", "a:0", "a:-1", "evil host", "a/b", "[::1", "[nope]:80", "a:80:80",
                     "x" * 300, "a..b", "-a.b"):
            with self.subTest(host=host):
                status, body = alice.rest("GET", "settings", headers={"Host": host})
                self.assertEqual((status, body["error"]["code"]), (400, "ERR_BAD_REQUEST"))
        reliability.count("inputs", 16)


class HeaderBytesTest(Connected, unittest.TestCase):
    """Header values that are not UTF-8 (aiohttp hands them on as lone surrogates) used to be a
    500 with a traceback: after the message was stored, so it never went out live."""

    server_options = {"auth_failures": 3, "auth_failure_window": 60.0}

    def send(self, client: RawClient, headers: dict[str, str | bytes], muid: str) -> tuple[int, Any, bool]:
        body = json.dumps({"receiver": BOB, "receiverType": "user", "category": "message", "type": "text",
                           "text": "hello", "muid": muid}).encode()
        sent = dict({"appId": self.server.app_id, "authToken": client.token or ""}, **headers,
                    **{"Content-Length": str(len(body))})
        return http_exchange(self.server.port, http_head("POST", "/v3.0/messages", sent) + body)

    def test_a_resource_that_is_not_utf8_is_refused_before_anything_is_stored(self) -> None:
        alice, bob = self.connect(ALICE), self.connect(BOB)
        errors = ErrorLog()
        logging.getLogger("cometchat").addHandler(errors)
        self.addCleanup(logging.getLogger("cometchat").removeHandler, errors)
        with self.assertLogs("cometchat.devserver", "WARNING") as logs:
            status, answer, _ = self.send(alice, {"resource": b"\xed\xa0\x80\xff"}, "muid-bad-resource")
        self.assertEqual((status, answer["error"]["code"], answer["error"]["details"]),
                         (400, "ERR_BAD_REQUEST", {"field": "resource"}))
        strict_text(self, answer)
        self.assertEqual(len(logs.output), 1)  # one line, no traceback
        self.assertNotIn("Traceback", logs.output[0])
        # the same send with a valid resource is the first of its muid: stored now, and live
        status, answer, _ = self.send(alice, {"resource": alice.session_id}, "muid-bad-resource")
        self.assertEqual(status, 200, answer)
        self.assertEqual(bob.frame(where=of_type("message"))["body"]["id"], answer["data"]["id"])
        self.assertEqual(errors.records, [])
        reliability.count("attacks", 1)

    def test_credentials_that_are_not_ascii_are_wrong_credentials(self) -> None:
        alice = RawClient(self.server, ALICE)
        alice.login()
        app = self.server.app_id
        for token in (b"\xff\xfe", "\u00e9t\u00e9".encode()):
            with self.subTest(token=token):
                status, answer, _ = http_exchange(self.server.port, http_head(
                    "GET", "/v3.0/me", {"appId": app, "authToken": token}))
                self.assertEqual((status, answer["error"]["code"]), (401, "AUTH_ERR_AUTH_TOKEN_NOT_FOUND"))
        status, answer, _ = http_exchange(self.server.port, http_head(
            "GET", "/v3.0/me", {"appId": b"\xff", "authToken": alice.token or ""}))
        self.assertEqual((status, answer["error"]["code"]), (401, "AUTH_ERR_INVALID_APPID"))
        strict_text(self, answer)
        mint = f"/v3.0/users/{CAROL}/auth_tokens"
        for _ in range(3):  # each one a failed authentication of CAROL from this address
            status, answer, _ = http_exchange(self.server.port, http_head(
                "POST", mint, {"appId": app, "apiKey": b"\xff\xfe", "Content-Length": "0"}), source="127.0.0.9")
            self.assertEqual((status, answer["error"]["code"]), (401, "AUTH_ERR_APIKEY_NOT_FOUND"))
        status, answer, _ = http_exchange(self.server.port, http_head(
            "POST", mint, {"appId": app, "apiKey": self.server.auth_key, "Content-Length": "0"}), source="127.0.0.9")
        self.assertEqual((status, answer["error"]["code"]), (429, "ERR_TOO_MANY_REQUESTS"))
        reliability.count("attacks", 3)


class BigFrameLimitTest(Connected, unittest.TestCase):
    """A ``max_frame_bytes`` above aiohttp's 4 MiB read cap used to have no effect."""

    server_options = {"max_frame_bytes": 6 * 1024 * 1024}

    def test_a_limit_above_4_mib_takes_effect(self) -> None:
        alice = self.connect(ALICE)
        alice.send('{"action":"ping","ack":"true","pad":"%s"}' % ("p" * (5 * 1024 * 1024)))  # 5 MiB: under it
        event = alice.next_event(timeout=15)
        self.assertEqual((event.kind, event.data.get("action")), ("text", "pong"))
        alice.send('{"action":"ping","ack":"true","pad":"%s"}' % ("\u00e9" * (3 * 1024 * 1024 + 1)))  # 6 MiB + 2 bytes
        event = alice.next_event(timeout=15)
        self.assertEqual((event.kind, event.data), ("close", 1009))
        reliability.count("inputs", 2)


class LogoutAndTokenTest(Connected, unittest.TestCase):
    """Item 8: logout ends the device's session, not the token; deleting the token ends it."""

    def test_after_delete_me_the_jwts_are_dead_but_the_token_logs_in_again(self) -> None:
        alice = self.connect(ALICE)
        self.assertEqual(alice.rest("DELETE", "me")[0], 200)
        self.assertEqual(alice.next_event().data, 4001)
        status, body = alice.rest("GET", "me")  # the token is the app's: still good for REST
        self.assertEqual(status, 200)
        alice.close()
        self.assertEqual(alice.connect(jwt=body["data"]["jwt"])["body"]["status"], "ERROR")  # no socket rights
        alice.close()
        status, body = alice.rest("PUT", "me", {"deviceId": alice.device_id})  # a new login
        self.assertEqual(alice.connect(jwt=body["data"]["jwt"])["body"]["status"], "OK")

    def test_deleting_a_token_ends_it_and_its_sockets(self) -> None:
        alice, other = self.connect(ALICE), self.connect(ALICE)
        status, body = alice.rest("DELETE", f"users/{ALICE}/auth_tokens/{alice.token}", admin=True)
        self.assertEqual(status, 200, body)
        self.assertEqual(alice.next_event().data, 4001)
        self.still_served(other)  # another token of the same user lives on
        status, body = alice.rest("GET", "me")
        self.assertEqual((status, body["error"]["code"]), (401, "AUTH_ERR_AUTH_TOKEN_NOT_FOUND"))
        status, body = alice.rest("DELETE", f"users/{ALICE}/auth_tokens/{alice.token}", admin=True)
        self.assertEqual((status, body["error"]["code"]), (404, "AUTH_ERR_AUTH_TOKEN_NOT_FOUND"))
        self.assertEqual(alice.rest("DELETE", f"users/{ALICE}/auth_tokens", admin=True)[0], 200)  # flush
        self.assertEqual(other.next_event().data, 4001)
        self.assertEqual(other.rest("GET", "me")[0], 401)
        reliability.count("attacks", 1)


class GroupPasswordThrottleTest(DevServerMixin, unittest.TestCase):
    """Wrong group passwords are throttled per (group, user) by limits of the server's (they were
    fixed at 5 per 60 s), and the 429 says how long to wait (it had no Retry-After)."""

    server_options = {"group_password_failures": 2, "group_password_failure_window": scaled(4.0)}

    def test_the_third_wrong_password_waits_as_retry_after_says(self) -> None:
        alice, carol, dave = logged_in(self.server, ALICE, CAROL, "cometchat-uid-4")
        guid = new_guid("throttled")
        alice.ok("POST", "groups", {"guid": guid, "name": "Locked", "type": "password", "password": "right"})
        join = f"{self.server.url}/v3.0/groups/{guid}/members"
        for _ in range(2):
            self.assertEqual(carol.rest("POST", f"groups/{guid}/members", {"password": "wrong"})[0], 403)
        refused = requests.post(join, json={"password": "right"}, headers=carol.headers(), timeout=scaled(10))
        self.assertEqual((refused.status_code, refused.json()["error"]["code"]), (429, "ERR_TOO_MANY_REQUESTS"))
        wait = int(refused.headers["Retry-After"])
        self.assertTrue(1 <= wait <= math.ceil(scaled(4.0)), wait)
        self.assertEqual(refused.json()["error"]["details"]["retryAfter"], wait)
        self.assertEqual(dave.rest("POST", f"groups/{guid}/members", {"password": "right"})[0], 200)  # another user
        waitFor(lambda: carol.rest("POST", f"groups/{guid}/members", {"password": "right"})[0] == 200, timeout=10)
        reliability.count("attacks", 3)

    def test_guesses_sent_together_are_throttled_as_one_after_another(self) -> None:
        alice, erin = logged_in(self.server, ALICE, "cometchat-uid-5")
        guid = new_guid("together")
        alice.ok("POST", "groups", {"guid": guid, "name": "Locked", "type": "password", "password": "right"})

        def guess(n: int) -> int:
            return erin.rest("POST", f"groups/{guid}/members", {"password": f"wrong {n}"})[0]

        with ThreadPoolExecutor(10) as pool:
            statuses = list(pool.map(guess, range(10)))
        self.assertEqual(statuses.count(403), 2, statuses)  # two guesses were tested, as the limit says
        self.assertEqual(statuses.count(429), 8, statuses)
        reliability.count("attacks", 10)


class AuthThrottleTest(DevServerMixin, unittest.TestCase):
    """Repeated failed authentication for one uid from one address is slowed with 429."""

    server_options = {"auth_failures": 3, "auth_failure_window": scaled(4.0)}

    def mint(self, uid: str, key: str, source: str = "127.0.0.1") -> requests.Response:
        with requests.Session() as http:
            http.mount("http://", SourceAdapter(source))
            return http.post(f"{self.server.url}/v3.0/users/{uid}/auth_tokens", timeout=scaled(10),
                             headers={"appId": self.server.app_id, "apiKey": key})

    def test_the_fourth_failure_is_answered_429_with_retry_after_even_with_the_right_key(self) -> None:
        for _ in range(3):
            self.assertEqual(self.mint(CAROL, "wrong", "127.0.0.6").status_code, 401)
        refused = self.mint(CAROL, self.server.auth_key, "127.0.0.6")
        self.assertEqual((refused.status_code, refused.json()["error"]["code"]), (429, "ERR_TOO_MANY_REQUESTS"))
        wait = int(refused.headers["Retry-After"])
        self.assertTrue(1 <= wait <= math.ceil(scaled(4.0)), wait)
        self.assertEqual(refused.json()["error"]["details"]["retryAfter"], wait)
        self.assertEqual(self.mint(BOB, self.server.auth_key, "127.0.0.6").status_code, 200)  # another uid
        self.assertEqual(self.mint(CAROL, self.server.auth_key, "127.0.0.7").status_code, 200)  # another address
        waitFor(lambda: self.mint(CAROL, self.server.auth_key, "127.0.0.6").status_code == 200, timeout=10)
        reliability.count("attacks", 1)

    def test_repeated_bad_jwts_on_the_socket_are_closed_1013_with_the_wait(self) -> None:
        client = RawClient(self.server, "cometchat-uid-4", source="127.0.0.8")
        client.login()
        for _ in range(3):
            self.assertEqual(client.connect(jwt="not.a.jwt")["body"]["status"], "ERROR")
            self.assertEqual(client.next_event().data, 4001)
            client.close()
        reply = client.connect()  # the right JWT, during the wait
        self.assertEqual(reply["body"]["errorCode"], "ERR_TOO_MANY_REQUESTS")
        self.assertEqual(client.next_event().data, 1013)
        client.close()
        waitFor(lambda: self._connects(client), timeout=10)
        reliability.count("attacks", 1)

    @staticmethod
    def _connects(client: RawClient) -> bool:
        ok = client.connect()["body"]["status"] == "OK"
        client.close()
        return ok


if __name__ == "__main__":
    unittest.main()
