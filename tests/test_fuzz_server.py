"""The dev server fed garbage (issue 11's standing suite): every REST endpoint with malformed
bodies, path values and query values, and the socket with the hostile server's own garbage.

Always a JSON error envelope, never a 500, never a dead handler, and other users keep being
served throughout. Endpoints come from the server itself (the ``routes`` control), so each
endpoint a later issue adds joins this suite without being named here.
"""

from __future__ import annotations

import json
import socket
import unittest

import requests

from cometchat.testing import DevServerMixin, scaled
from helpers import read_http_response, reliability
from rawclient import RawClient
from test_attacks_sdk import garbage

FUZZER, CANARY, PEER = "fuzzer", "cometchat-uid-2", "cometchat-uid-3"

BODIES: list[bytes] = [
    b"", b"{", b"[]", b"null", b'"s"', b"42", b"1e400", b"NaN", b'{"a":NaN}', b'{"a":-Infinity}',
    b"[" * 5000 + b"]" * 5000, b'{"text":"\\ud800"}', b'{"a":' + b"9" * 5000 + b"}", b"\xff\xfe\x00",
    b'{"receiver":7,"receiverType":[],"category":{},"type":null,"text":[]}',
    b'{"receiver":"cometchat-uid-2","receiverType":"user","category":"message","type":"text","text":"x","tags":"t",'
    b'"metadata":"m","data":[]}',
    b'{"receiver":"cometchat-uid-2","receiverType":"user","category":"custom","type":"t","customData":[1]}',
    b'{"uid":null,"name":5,"metadata":"m","tags":{}}', b'{"uid":"ok-uid","name":"N","tags":[1,2]}',
    b'{"accepted":"x"}', b'{"accepted":[1,null]}', b'{"deviceId":{},"sessionId":[]}',
    b'{"receiver":"' + b"r" * 70000 + b'"}', json.dumps({"k" * 1000: ["v"] * 1000}).encode(),
]
QUERIES = ["per_page=\u00b2", "page=-1", "id=\u00b2", "affix=sideways", "per_page=0", "id=-5",
           "per_page=99999999999999999999", "id=1e3", "page=%00", "affix=append&id=%FF"]
PATH_VALUES = ["\u00b2", "%00", "..%2F..%2Fetc", "x" * 300, "' OR 1=1 --", "%F0%9F%98%80", "%ED%A0%80", "{uid}"]


class RestFuzzTest(DevServerMixin, unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.server.create_user(FUZZER)

    def setUp(self) -> None:
        self.canary = RawClient(self.server, CANARY)
        self.canary.connect()
        self.addCleanup(self.canary.close)
        self.peer = RawClient(self.server, PEER)
        self.peer.login()

    def endpoints(self) -> list[tuple[str, str]]:
        routes = [(r["method"], r["path"]) for r in self.server.routes()]
        return [(m, path) for m, path in routes if m not in ("HEAD", "OPTIONS") and path != "/"]

    def headers(self) -> dict[str, str]:
        """A fresh token of the fuzzing user each time (the fuzz may delete the last one), and the
        admin key: every endpoint gets past its credentials and meets the garbage itself."""
        token = self.server.auth_token(FUZZER)
        return {"appId": self.server.app_id, "apiKey": self.server.auth_key, "authToken": token,
                "resource": "fuzz", "Content-Type": "application/json"}

    def paths(self, template: str) -> list[str]:
        if template.startswith("/_dev/"):  # controls act on everyone: only harmless ones, and unknown names
            return ["/_dev/routes", "/_dev/requests", "/_dev/no-such-control", "/_dev/%C2%B2"]
        if "{" not in template:
            return [template]
        valid = template.replace("{uid}", FUZZER).replace("{token}", "not-a-token")
        return [valid] + [template.replace("{uid}", v).replace("{token}", v) for v in PATH_VALUES]

    def check(self, response: requests.Response, what: str) -> None:
        self.assertLess(response.status_code, 500, f"{what}: {response.status_code} {response.text[:200]}")
        body = response.json()
        self.assertTrue("data" in body or ("error" in body and body["error"].get("code")), f"{what}: {body}")

    def still_served(self) -> None:
        self.canary.send('{"action":"ping","ack":"true"}')
        self.canary.frame(where=lambda f: f.get("action") == "pong")
        status, body = self.peer.rest("GET", f"users/{CANARY}")
        self.assertEqual((status, body["data"]["uid"]), (200, CANARY))

    def test_every_endpoint_answers_garbage_with_a_json_error_and_keeps_serving_others(self) -> None:
        endpoints = self.endpoints()
        self.assertGreaterEqual(len(endpoints), 15)
        tried = 0
        with requests.Session() as http:
            for method, template in endpoints:
                headers = self.headers()
                for path in self.paths(template):
                    for query in [""] + QUERIES:
                        url = f"{self.server.url}{path}" + (f"?{query}" if query else "")
                        self.check(http.request(method, url, headers=headers, timeout=scaled(10)), f"{method} {url}")
                        tried += 1
                    for body in BODIES if method in ("POST", "PUT", "DELETE") else []:
                        response = http.request(method, f"{self.server.url}{path}", data=body, headers=headers,
                                                timeout=scaled(10))
                        self.check(response, f"{method} {path} {body[:40]!r}")
                        tried += 1
                self.still_served()
        reliability.count("inputs", tried)

    def test_the_socket_answers_the_hostile_servers_garbage_and_keeps_serving_others(self) -> None:
        attacker = RawClient(self.server, FUZZER)
        attacker.connect()
        self.addCleanup(attacker.close)
        sent = 0
        for kind, frames in garbage(CANARY).items():
            for frame in frames:
                if isinstance(frame, dict) and set(frame) <= {"binary", "invalid_utf8", "text"}:
                    continue  # raw frames are the server's to send; the text ones are covered below
                attacker.send(frame if isinstance(frame, str) else json.dumps(frame))
                sent += 1
            attacker.send('{"action":"ping","ack":"true"}')
            attacker.frame(where=lambda f: f.get("action") == "pong")  # the attacker's own session lives
            self.still_served()
        assert attacker.ws is not None
        attacker.ws.send_binary(b"\x00\xff")
        self.assertEqual(attacker.frame(where=lambda f: f.get("type") == "error")["body"]["code"], "ERR_BAD_FRAME")
        self.still_served()
        reliability.count("inputs", sent + 1)


class MalformedHttpTest(DevServerMixin, unittest.TestCase):
    REQUESTS = [b"GARBAGE\r\n\r\n", b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
                b"GET /\x00 HTTP/1.1\r\n\r\n", b"GET / HTTP/1.1\r\nX: " + b"a" * 20000 + b"\r\n\r\n",
                b"POST /v3.0/messages HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"]

    def test_requests_aiohttp_cannot_parse_get_a_json_400_and_one_log_line(self) -> None:
        peer = RawClient(self.server, PEER)
        peer.login()
        with self.assertLogs("cometchat.devserver", "WARNING") as logs:
            for raw in self.REQUESTS:
                with socket.create_connection(("127.0.0.1", self.server.port), timeout=scaled(10)) as sock:
                    sock.sendall(raw)
                    status, body, _ = read_http_response(sock, scaled(10))
                self.assertEqual((status, body["error"]["code"]), (400, "ERR_BAD_REQUEST"), raw[:30])
                self.assertEqual(peer.rest("GET", f"users/{CANARY}")[0], 200)  # others are served
        self.assertEqual(len(logs.output), 1)  # one line, then quiet for that address
        self.assertNotIn("Traceback", logs.output[0])
        reliability.count("inputs", len(self.REQUESTS))


if __name__ == "__main__":
    unittest.main()
