"""The dev server fed garbage (issue 11's standing suite): every REST endpoint with malformed
bodies, path values and query values, and the socket with the hostile server's own garbage.

Always a JSON error envelope, never a 500, never a dead handler, and other users keep being
served throughout. Endpoints come from the server itself (the ``routes`` control), so each
endpoint a later issue adds joins this suite without being named here.
"""

from __future__ import annotations

import json
import re
import socket
import unittest
import urllib.parse

import requests

from cometchat.testing import DevServerMixin, scaled
from helpers import (form_part, garbage, http_exchange, http_head, new_guid, RawClient, read_http_response,
                     reliability, strict_text)

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
    # ids too large for SQLite, or too long for int(), in every field that takes a message id
    b'{"messageId":100000000000000000000}', b'{"messageId":"' + b"9" * 5000 + b'"}',
    b'{"messageId":"9223372036854775808","id":100000000000000000000}',
    b'{"receiver":"cometchat-uid-3","receiverType":"user","category":"message","type":"text","text":"x",'
    b'"parentMessageId":100000000000000000000}',
    b'{"receiver":"cometchat-uid-3","receiverType":"user","category":"message","type":"text","text":"x",'
    b'"quotedMessageId":"100000000000000000000"}',
    b'{"receiver":"cometchat-uid-3","receiverType":"user","category":"message","type":"text","text":"x",'
    b'"parentMessageId":"' + b"9" * 5000 + b'","quotedMessageId":9223372036854775808}',
]
QUERIES = ["per_page=\u00b2", "page=-1", "id=\u00b2", "affix=sideways", "per_page=0", "id=-5",
           "per_page=99999999999999999999", "id=1e3", "page=%00", "affix=append&id=%FF", "limit=\u00b2",
           "limit=-1&affix=prepend&id=0", "id=100000000000000000000&affix=append", "sentAt=" + "9" * 5000]
PATH_VALUES = ["\u00b2", "%00", "..%2F..%2Fetc", "x" * 300, "' OR 1=1 --", "%F0%9F%98%80", "%ED%A0%80", "{uid}",
               "100000000000000000000", "9" * 5000]
#: header values that are not text: aiohttp hands them on as lone surrogates
HEADER_BYTES = [b"\xff\xfe", b"\xed\xa0\x80\xff", b"caf\xe9"]
HEADER_NAMES = ["appId", "apiKey", "authToken", "resource", "sdk", "Content-Type", "Host", "Accept", "X-Fuzz"]


_FIELDS = form_part(b"type", b"file") + form_part(b"receiverType", b"user") + form_part(b"category", b"message") \
    + form_part(b"receiver", PEER.encode())
_FILE = form_part(b"files[]", b"hello", extra=b"Content-Type: text/plain\r\n", filename=b"a.txt")
_END = b"--XyZ--\r\n"
_MULTIPART = "multipart/form-data; boundary=XyZ"
#: (Content-Type, body) of multipart sends gone wrong
MULTIPART_BODIES: list[tuple[str | bytes, bytes]] = [
    ("multipart/form-data; boundary=AbC", _FIELDS + _FILE + _END),  # the wrong boundary
    ("multipart/form-data", _FIELDS + _FILE + _END),  # none at all
    ("multipart/form-data; boundary=", _FIELDS + _FILE + _END),
    (b"multipart/form-data; boundary=\xff", _FIELDS + _FILE + _END),
    (_MULTIPART, _FIELDS + _FILE[:40]),  # truncated in a file
    (_MULTIPART, _FIELDS + b'--XyZ\r\nContent-Disposition: form-data; name="x"'),  # ... in a part's head
    (_MULTIPART, _FIELDS + _FILE),  # no closing boundary
    (_MULTIPART, _FIELDS + b"--XyZ\r\nX-Long: " + b"a" * 70000 + b"\r\n\r\nv\r\n" + _END),  # huge part headers
    (_MULTIPART, _FIELDS + b"--XyZ\r\n" + b"X-H: v\r\n" * 5000 + b"\r\nv\r\n" + _END),
    (_MULTIPART, _FIELDS + _FILE + form_part(b"data", b"\xff\xfe{") + _END),  # data not UTF-8
    (_MULTIPART, _FIELDS + _FILE + form_part(b"data", b'{"text":"\\ud800"}') + _END),
    (_MULTIPART, _FIELDS + _FILE + form_part(b"data", b'{"a":' * 200) + _END),
    (_MULTIPART, _FIELDS + _FILE + form_part(b"\xff\xfe", b"\xfe") + _END),  # a name that is not UTF-8
    (_MULTIPART, _FIELDS + _FILE + form_part(b"muid", b"\xff") + _END),
    (_MULTIPART, _FIELDS + form_part(b"files[]", b"x", filename=b"\xff\xfe\xed\xa0\x80.png") + _END),
    (_MULTIPART, _FIELDS + form_part(b"files[]", b"x", extra=b"Content-Type: \xff/\xfe\r\n", filename=b"a.png")
     + _END),
    (_MULTIPART, _FIELDS + b"--XyZ\r\n\r\nno disposition\r\n" + _FILE + _END),
    (_MULTIPART, _FIELDS + form_part(b"files[]", b"--In\r\n\r\nx\r\n--In--",
                                     extra=b"Content-Type: multipart/mixed; boundary=In\r\n") + _END),
    (_MULTIPART, _FIELDS + form_part(b"files[]", b"!!", extra=b"Content-Transfer-Encoding: base64\r\n",
                                     filename=b"a") + _END),
    (_MULTIPART, _END), (_MULTIPART, b""), (_MULTIPART, b"\x00" * 1000),
]


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

    def targets(self, template: str) -> dict[str, str]:
        """Real values for the template's placeholders, so each handler meets the garbage past
        its lookups: a message and a group of the fuzzing user's, made afresh for each endpoint
        (the fuzz deletes them), an uploaded file of theirs (JSON, so that every answer parses), an emoji."""
        fuzzer = RawClient(self.server, FUZZER)
        fuzzer.login()
        sent = fuzzer.ok("POST", "messages", {"receiver": PEER, "receiverType": "user", "category": "message",
                                              "type": "text", "text": "fuzz me"})
        values = {"{token}": "not-a-token", "{reaction}": "\N{THUMBS UP SIGN}", "{id}": str(sent["id"]),
                  "{parent}": str(sent["id"]),
                  # the fuzzer's own tokens (the peer's must live); else the other party, a group member
                  "{uid}": FUZZER if "/auth_tokens" in template else PEER}
        if "{guid}" in template:
            guid = new_guid("fuzz")
            fuzzer.ok("POST", "groups", {"guid": guid, "name": "Fuzz", "type": "public", "members":
                                         {"participants": [PEER]}})
            values["{guid}"] = guid
        if "{name}" in template:
            sent = requests.post(f"{self.server.url}/v3.0/messages", headers=fuzzer.headers(), timeout=scaled(10),
                                 files=[("type", (None, "file")), ("receiverType", (None, "user")),
                                        ("category", (None, "message")), ("files[]", ("fuzz.json", b"{}", "application/json")),
                                        ("receiver", (None, PEER))])
            url = sent.json()["data"]["data"]["attachments"][0]["url"]
            values["{token}"], values["{name}"] = url.split("/media/")[1].split("/")
        return values

    def paths(self, template: str) -> list[str]:
        """The template with real values, then with each placeholder in turn a garbage one."""
        if template.startswith("/_dev/"):  # controls act on everyone: only harmless ones, and unknown names
            return ["/_dev/routes", "/_dev/requests", "/_dev/no-such-control", "/_dev/%C2%B2"]
        if "{" not in template:
            return [template]
        values = self.targets(template)
        placeholders = re.findall(r"\{[a-z]+\}", template)
        self.assertTrue(set(placeholders) <= set(values), f"no value for a placeholder of {template}")

        def fill(given: dict[str, str]) -> str:
            return re.sub(r"\{[a-z]+\}", lambda m: given[m.group(0)], template)

        return [fill(values)] + [fill(dict(values, **{p: v})) for p in placeholders for v in PATH_VALUES]

    def check(self, response: requests.Response, what: str) -> None:
        self.assertLess(response.status_code, 500, f"{what}: {response.status_code} {response.text[:200]}")
        if response.status_code == 200 and "/media/" in response.url:  # the uploaded file itself, served back
            self.assertEqual(response.headers["Content-Disposition"], "attachment; filename*=UTF-8''fuzz.json", what)
            return
        body = response.json()
        self.assertTrue("data" in body or ("error" in body and body["error"].get("code")), f"{what}: {body}")
        strict_text(self, body)

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
                if method == "POST" and template.endswith(("/messages", "/thread")):
                    tried += self.send_bad_multiparts(self.paths(template)[0], headers)
                self.still_served()
        reliability.count("inputs", tried)

    def send_bad_multiparts(self, path: str, headers: dict[str, str]) -> int:
        """Garbage multipart sends: each a JSON answer (a few are fine uploads), none a 500."""
        sent = dict(headers, Connection="close")
        for content_type, body in MULTIPART_BODIES:
            raw = http_head("POST", path, dict(sent, **{"Content-Type": content_type,
                                                        "Content-Length": str(len(body))})) + body
            status, answer, _ = http_exchange(self.server.port, raw)
            what = f"POST {path} {content_type!r} {body[:60]!r}"
            self.assertLess(status, 500, f"{what}: {answer}")
            self.assertTrue("data" in answer or answer["error"].get("code"), f"{what}: {answer}")
            strict_text(self, answer)
        return len(MULTIPART_BODIES)

    def test_header_values_that_are_not_text_get_a_json_error_on_every_endpoint(self) -> None:
        """Bytes that are not UTF-8 in each header, on every endpoint (sent from another address,
        as the apiKey ones count as failed authentications there)."""
        tried = 0
        for method, template in self.endpoints():
            path = self.paths(template)[0]
            token = self.server.auth_token(FUZZER)
            valid: dict[str, str | bytes] = {
                "appId": self.server.app_id, "apiKey": self.server.auth_key, "authToken": token, "resource": "fuzz",
                "sdk": "python@fuzz", "Content-Type": "application/json", "Host": f"127.0.0.1:{self.server.port}",
                "Accept": "application/json", "X-Fuzz": "x", "Connection": "close", "Content-Length": "2"}
            for name in HEADER_NAMES:
                for value in HEADER_BYTES:
                    what = f"{method} {path} {name}: {value!r}"
                    raw = http_head(method, urllib.parse.quote(path, safe="/%'"), dict(valid, **{name: value}))
                    status, answer, _ = http_exchange(self.server.port, raw + b"{}", source="127.0.0.10")
                    strict_text(self, answer)
                    if name.lower() in ("appid", "apikey", "authtoken"):  # a wrong credential, or one not needed
                        self.assertLess(status, 500, f"{what}: {answer}")
                        self.assertTrue(status == 200 or answer["error"]["code"].startswith(("ERR_", "AUTH_ERR_")),
                                        f"{what}: {answer}")
                    else:
                        self.assertEqual((status, answer["error"]["code"]), (400, "ERR_BAD_REQUEST"), what)
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
