"""The dev server's media, reactions and mentions spoken to by hand (ios-surface-next 2.4-2.6,
8.2, 10 items 9, 12, 13): multipart and JSON media sends, files served back at unguessable
URLs, limits that leave nothing half-stored, reactions with their frames and cursors, mentions
resolved when a message is stored, and a repeated send stored once."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import unittest
from typing import Any

from urllib.parse import quote

import requests

from cometchat.devserver import DevServer
from cometchat.testing import DevServerMixin, scaled
from helpers import files_in, form_part, logged_in, RawClient, read_http_response, reliability, scratch_dir

ALICE, BOB, CAROL = "cometchat-uid-1", "cometchat-uid-2", "cometchat-uid-3"
THUMBS_UP = "\N{THUMBS UP SIGN}"


def raw_upload(client: RawClient, body: bytes, boundary: str = "XyZ") -> requests.Response:
    headers = dict(client.headers(), **{"Content-Type": f"multipart/form-data; boundary={boundary}"})
    return requests.post(f"{client.base}/v3.0/messages", data=body, headers=headers, timeout=scaled(30))


def multipart(*parts: bytes, boundary: str = "XyZ") -> bytes:
    return b"".join(parts) + f"--{boundary}--\r\n".encode()


def check_declared_size(test: Any, client: RawClient, limit: int) -> None:
    """A multipart send declaring one byte over ``limit`` is refused before any of its body is
    read; one declaring ``limit`` is waited for (its body never comes)."""
    for declared, refused in ((limit + 1, True), (limit, False)):
        with test.subTest(declared=declared), socket.create_connection(("127.0.0.1", test.server.port)) as sock:
            headers = dict(client.headers(), **{"Content-Type": "multipart/form-data; boundary=XyZ",
                                                "Content-Length": str(declared)})
            sock.sendall(("POST /v3.0/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          + "".join(f"{name}: {value}\r\n" for name, value in headers.items()) + "\r\n").encode())
            if refused:  # no byte of the body sent: the answer comes at once
                status, body, _ = read_http_response(sock, scaled(5))
                test.assertEqual((status, body["error"]["code"]), (413, "ERR_FILE_SIZE_EXCEEDED"))
            else:
                sock.settimeout(scaled(1))
                with test.assertRaises(socket.timeout):
                    sock.recv(1)


class MediaTest(DevServerMixin, unittest.TestCase):
    server_options = {"file_size_max": 200_000, "file_count_max": 2}

    def setUp(self) -> None:
        self.alice, self.bob, self.carol = logged_in(self.server, ALICE, BOB, CAROL, kind=RawClient)

    def test_a_multipart_send_stores_the_file_and_serves_it_back(self) -> None:
        content = os.urandom(150_000)
        answer = self.alice.upload(BOB, [("holiday photo.png", content, "image/png")], caption="the beach",
                                   **{"tags[]": "trip"})
        self.assertEqual(answer.status_code, 200, answer.text)
        message = answer.json()["data"]
        self.assertEqual((message["type"], message["category"], message["data"]["text"], message["tags"]),
                         ("image", "message", "the beach", ["trip"]))
        attachment = message["data"]["attachments"][0]
        self.assertEqual({k: attachment[k] for k in ("name", "extension", "mimeType", "size")},
                         {"name": "holiday photo.png", "extension": "png", "mimeType": "image/png", "size": 150_000})
        self.assertEqual(message["data"]["url"], attachment["url"])
        served = requests.get(attachment["url"], timeout=scaled(10))
        self.assertEqual(served.status_code, 200)
        self.assertEqual(hashlib.sha256(served.content).digest(), hashlib.sha256(content).digest())
        self.assertEqual((served.headers["Content-Type"], served.headers["X-Content-Type-Options"]),
                         ("image/png", "nosniff"))
        token = attachment["url"].split("/media/")[1].split("/")[0]
        self.assertEqual(len(token), 32)  # unguessable
        for probe in ("/media/", f"/media/{token}", f"/media/{token}/other.png", f"/media/{'x' * 32}/holiday"):
            self.assertEqual(requests.get(self.server.url + probe, timeout=scaled(10)).status_code, 404, probe)
        status, body = self.bob.rest("GET", f"users/{ALICE}/messages?per_page=100&types=image,file")
        self.assertIn(message["id"], [m["id"] for m in body["data"]])
        self.assertEqual({m["type"] for m in body["data"]} - {"image", "file"}, set())
        status, body = self.bob.rest("GET", f"users/{ALICE}/messages?per_page=100&types=video")
        self.assertEqual(body["data"], [])

    def test_hosted_files_go_as_json(self) -> None:
        attachment = {"extension": "pdf", "mimeType": "application/pdf", "name": "x.pdf",
                      "url": "https://cdn.example.test/x.pdf", "size": 10}
        body = {"type": "file", "receiverType": "user", "category": "message",
                "data": {"attachments": [attachment]}, "receiver": BOB}
        message = self.alice.ok("POST", "messages", body)
        self.assertEqual(message["data"]["attachments"], [attachment])
        self.assertEqual(message["data"]["url"], attachment["url"])
        for bad in ({"name": "x.pdf"}, dict(attachment, url="javascript:alert(1)"), dict(attachment, size="big"), "x"):
            with self.subTest(attachment=bad):
                status, answer = self.alice.rest("POST", "messages", dict(body, data={"attachments": [bad]}))
                self.assertEqual((status, answer["error"]["code"]), (400, "ERR_BAD_REQUEST"))

    def test_hosted_attachments_are_within_file_count_max(self) -> None:
        hosted = [{"name": f"{n}.pdf", "url": f"https://cdn.example.test/{n}.pdf", "size": 10} for n in range(3)]
        body = {"type": "file", "receiverType": "user", "category": "message", "receiver": BOB}
        two = self.alice.ok("POST", "messages", dict(body, data={"attachments": hosted[:2]}))
        self.assertEqual(len(two["data"]["attachments"]), 2)
        status, answer = self.alice.rest("POST", "messages", dict(body, data={"attachments": hosted}))
        self.assertEqual((status, answer["error"]["code"]), (400, "ERR_FILE_COUNT_EXCEEDED"))
        status, history = self.bob.rest("GET", f"users/{ALICE}/messages?per_page=100&types=file")
        self.assertFalse([m for m in history["data"] if len(m["data"]["attachments"]) == 3])  # nothing stored

    def test_limits_and_failures_leave_nothing_behind(self) -> None:
        before = files_in(self.server)
        settings = self.alice.ok("GET", "settings")
        self.assertEqual((settings["file.size.max"], settings["file.count.max"]), (200_000, 2))
        cases = [
            ("too big", [("big.bin", os.urandom(200_001), "application/octet-stream")], {}, 413,
             "ERR_FILE_SIZE_EXCEEDED"),
            ("too many", [(f"f{n}.txt", b"x", "text/plain") for n in range(3)], {}, 400, "ERR_FILE_COUNT_EXCEEDED"),
            ("no such receiver", [("a.txt", b"hello", "text/plain")], {"to": "nobody"}, 404, "ERR_UID_NOT_FOUND"),
            ("not a media type", [("a.txt", b"hello", "text/plain")], {"kind": "sticker"}, 400, "ERR_BAD_REQUEST"),
        ]
        for name, files, options, status, code in cases:
            with self.subTest(name):
                answer = self.alice.upload(options.get("to", BOB), files, kind=options.get("kind", "file"))
                self.assertEqual((answer.status_code, answer.json()["error"]["code"]), (status, code))
                self.assertEqual(files_in(self.server), before)  # no file left
        status, body = self.bob.rest("GET", f"users/{ALICE}/messages?per_page=100&types=file")
        stored = {a["name"] for m in body["data"] for a in m["data"]["attachments"]}
        self.assertFalse(stored & {"big.bin", "f0.txt", "a.txt"})  # and no message
        # a JSON body keeps its own limit while a multipart one may be larger
        status, answer = self.alice.rest("POST", "messages", {"receiver": BOB, "receiverType": "user",
                                                              "category": "message", "type": "text",
                                                              "data": {"text": "x" * (1024 * 1024)}})
        self.assertEqual((status, answer["error"]["code"]), (413, "ERR_PAYLOAD_TOO_LARGE"))
        reliability.count("attacks", len(cases) + 1)

    def test_a_multipart_send_without_a_file_is_refused_and_stores_nothing(self) -> None:
        history = f"users/{ALICE}/messages?per_page=100"
        before = self.bob.rest("GET", history)[1]["data"]
        answer = self.alice.upload(BOB, [], kind="file", caption="where is the file?")
        self.assertEqual(answer.request.headers["Content-Type"].split(";")[0], "multipart/form-data")
        self.assertEqual((answer.status_code, answer.json()["error"]["code"]), (400, "ERR_EMPTY_MESSAGE_FILE"))
        self.assertEqual(self.bob.rest("GET", history)[1]["data"], before)
        # the same form with a file goes through
        good = self.alice.upload(BOB, [("present.txt", b"here", "text/plain")], kind="file")
        self.assertEqual(good.status_code, 200, good.text)

    def test_the_files_of_a_message_together_are_within_file_size_max(self) -> None:
        before = files_in(self.server)
        together = self.alice.upload(BOB, [("a.bin", os.urandom(120_000), "application/octet-stream"),
                                           ("b.bin", os.urandom(120_000), "application/octet-stream")], kind="file")
        self.assertEqual((together.status_code, together.json()["error"]["code"]), (413, "ERR_FILE_SIZE_EXCEEDED"))
        self.assertEqual(files_in(self.server), before)  # nothing kept of the first file either
        status, body = self.bob.rest("GET", f"users/{ALICE}/messages?per_page=100&types=file")
        self.assertFalse({a["name"] for m in body["data"] for a in m["data"]["attachments"]} & {"a.bin", "b.bin"})
        # the form's own fields come on top: a body over file_size_max whose files are within it is fine
        answer = self.alice.upload(BOB, [("c.bin", os.urandom(100_000), "application/octet-stream"),
                                         ("d.bin", os.urandom(99_000), "application/octet-stream")],
                                   kind="file", caption="x" * 60_000)
        self.assertGreater(len(answer.request.body), 200_000)
        self.assertEqual(answer.status_code, 200, answer.text)
        self.assertEqual([a["size"] for a in answer.json()["data"]["data"]["attachments"]], [100_000, 99_000])
        reliability.count("attacks", 1)

    def test_a_body_declared_larger_than_the_limit_is_refused_before_it_is_read(self) -> None:
        allowance = 1024 * 1024 + 64 * 1024  # the fields (1 MiB together) and the parts' headers
        check_declared_size(self, self.alice, 200_000 + allowance)
        reliability.count("attacks", 1)

    def test_the_files_urls_take_only_a_valid_host(self) -> None:
        """The URLs of uploaded files point back at the Host the client used: a junk one is
        refused before anything is stored, never written into a URL."""
        answer = self.alice.upload(BOB, [("via.txt", b"hello", "text/plain")], kind="file",
                                   host="chat.example.test:8443")
        self.assertEqual(answer.status_code, 200, answer.text)
        self.assertTrue(answer.json()["data"]["data"]["url"].startswith("http://chat.example.test:8443/media/"))
        before = files_in(self.server)
        for host in ("junk host/x", "a:99999", "a:\u00b2", "[::1", "a/b"):
            with self.subTest(host=host):
                answer = self.alice.upload(BOB, [("junk.txt", b"hello", "text/plain")], kind="file", host=host)
                self.assertEqual((answer.status_code, answer.json()["error"]["code"],
                                  answer.json()["error"]["details"]), (400, "ERR_BAD_REQUEST", {"field": "Host"}))
                self.assertEqual(files_in(self.server), before)
        status, body = self.bob.rest("GET", f"users/{ALICE}/messages?per_page=100&types=file")
        names = {a["name"] for m in body["data"] for a in m["data"]["attachments"]}
        self.assertEqual((status, "via.txt" in names, "junk.txt" in names), (200, True, False))
        reliability.count("attacks", 5)

    def test_malformed_multipart_is_refused_cleanly(self) -> None:
        before = files_in(self.server)
        headers = dict(self.alice.headers())
        boundary = "XyZ"
        good_file = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files[]\"; filename=\"a.txt\"\r\n"
                     "Content-Type: text/plain\r\n\r\nhello\r\n")
        bodies = {
            "no closing boundary": good_file.encode(),
            "not utf-8 field": (good_file + f"--{boundary}\r\nContent-Disposition: form-data; name=\"receiver\""
                                "\r\n\r\n").encode() + b"\xff\xfe\r\n" + f"--{boundary}--\r\n".encode(),
            "data not an object": (good_file + f"--{boundary}\r\nContent-Disposition: form-data; name=\"data\""
                                   f"\r\n\r\n[1, 2]\r\n--{boundary}--\r\n").encode(),
            "no file": (f"--{boundary}\r\nContent-Disposition: form-data; name=\"receiver\"\r\n\r\n{BOB}"
                        f"\r\n--{boundary}--\r\n").encode(),
            "garbage": b"\x00" * 1000,
        }
        for name, body in bodies.items():
            with self.subTest(name):
                answer = requests.post(f"{self.server.url}/v3.0/messages", data=body, timeout=scaled(10),
                                       headers=dict(headers, **{"Content-Type": f"multipart/form-data; boundary={boundary}"}))
                self.assertTrue(400 <= answer.status_code < 500, (answer.status_code, answer.text))
                self.assertTrue(answer.json()["error"]["code"].startswith("ERR_"))
                self.assertEqual(files_in(self.server), before)
        self.assertEqual(self.bob.rest("GET", "me")[0], 200)  # and the server serves everyone else
        reliability.count("inputs", len(bodies))

    def fields(self, to: str = BOB) -> tuple[bytes, ...]:
        return (form_part("type", "file"), form_part("receiverType", "user"), form_part("category", "message"))

    def test_what_a_part_declares_is_checked_before_anything_is_stored(self) -> None:
        before = files_in(self.server)
        junk_type = multipart(*self.fields(), form_part("files[]", b"fake png", filename="a.png",
                                                   content_type="image/\udcff\udcfe"), form_part("receiver", BOB))
        answer = raw_upload(self.alice, junk_type)
        self.assertEqual(answer.status_code, 200, answer.text)
        self.assertEqual(answer.json()["data"]["data"]["attachments"][0]["mimeType"], "image/png")  # from the name
        status, history = self.bob.rest("GET", f"users/{ALICE}/messages?per_page=100")
        self.assertEqual(status, 200)  # (a strict parser reads it: the SDK's did not, before)
        self.assertTrue(all("\\udc" not in json.dumps(m) for m in history["data"]))
        before = files_in(self.server)
        for name, data in (("NaN", '{"metadata": {"x": NaN}}'), ("a lone surrogate", '{"text": "\\ud800"}'),
                           ("deep", "[" * 50_000), ("an array", "[1, 2]")):
            with self.subTest(name):
                body = multipart(*self.fields(), form_part("data", data), form_part("files[]", b"x", filename="b.txt"),
                                 form_part("receiver", BOB))
                answer = raw_upload(self.alice, body)
                self.assertEqual((answer.status_code, answer.json()["error"]["code"]), (400, "ERR_BAD_REQUEST"))
                self.assertEqual(files_in(self.server), before)
        status, after = self.bob.rest("GET", f"users/{ALICE}/messages?per_page=100")
        self.assertEqual(len(after["data"]), len(history["data"]))  # and no message
        reliability.count("inputs", 5)

    def test_a_flood_of_parts_or_a_monster_line_is_refused_at_once(self) -> None:
        before = files_in(self.server)
        flood = multipart(*[form_part(f"f{n}", "") for n in range(5_000)])
        answer = raw_upload(self.alice, flood)
        self.assertEqual((answer.status_code, answer.json()["error"]["code"]), (400, "ERR_BAD_REQUEST"))
        long_header = (b"--XyZ\r\nContent-Disposition: form-data; name=\"x\"\r\nX-Long: " + b"a" * 20_000
                       + b"\r\n\r\nv\r\n--XyZ--\r\n")
        answer = raw_upload(self.alice, long_header)
        self.assertEqual((answer.status_code, answer.json()["error"]["code"]), (400, "ERR_BAD_REQUEST"))
        self.assertEqual(files_in(self.server), before)
        self.assertEqual(self.bob.rest("GET", "me")[0], 200)
        reliability.count("attacks", 2)

    def test_names_and_types_are_served_safely(self) -> None:
        body = multipart(*self.fields(), form_part("files[]", b"<svg onload='alert(1)'/>", filename="a%22b.svg",
                                              content_type="image/svg+xml"), form_part("receiver", BOB))
        answer = raw_upload(self.alice, body)
        attachment = answer.json()["data"]["data"]["attachments"][0]
        self.assertEqual(attachment["name"], 'a"b.svg')  # as a browser sends a quote in a name
        served = requests.get(attachment["url"], timeout=scaled(10))
        self.assertEqual(served.headers["Content-Security-Policy"], "sandbox")
        self.assertTrue(served.headers["Content-Disposition"].startswith("attachment;"))  # never shown inline
        for odd in ("..", "."):
            body = multipart(*self.fields(), form_part("files[]", b"x", filename=odd), form_part("receiver", BOB))
            self.assertEqual(raw_upload(self.alice, body).json()["data"]["data"]["attachments"][0]["name"], "file")
        reliability.count("attacks", 3)

    def test_a_deleted_message_takes_its_files_along(self) -> None:
        answer = self.alice.upload(BOB, [("gone.txt", b"soon gone", "text/plain")], kind="file")
        message = answer.json()["data"]
        url = message["data"]["url"]
        token = url.split("/media/")[1].split("/")[0]
        self.assertEqual(requests.get(url, timeout=scaled(10)).content, b"soon gone")
        self.alice.ok("DELETE", f"messages/{message['id']}")
        self.assertEqual(requests.get(url, timeout=scaled(10)).status_code, 404)
        self.assertNotIn(token, files_in(self.server))

    def test_a_muid_names_one_message(self) -> None:
        body = {"receiver": BOB, "receiverType": "user", "category": "message", "type": "text",
                "data": {"text": "to bob"}, "muid": "muid-conflict"}
        first = self.alice.ok("POST", "messages", body)
        # another receiver, or the same muid with other content (it used to answer "to bob")
        for change in ({"receiver": CAROL}, {"data": {"text": "changed"}}, {"text": "changed"},
                       {"metadata": {"m": 1}}, {"tags": ["t"]}, {"parentMessageId": first["id"]},
                       {"category": "custom", "type": "poll", "customData": {"text": "to bob"}}):
            with self.subTest(change=change):
                status, answer = self.alice.rest("POST", "messages", dict(body, **change))
                self.assertEqual((status, answer["error"]["code"], answer["error"]["details"]),
                                 (409, "ERR_MUID_ALREADY_USED", {"muid": "muid-conflict"}))
        self.assertEqual(self.alice.ok("POST", "messages", dict(body, text="to bob"))["id"], first["id"])  # the same
        history = self.bob.ok("GET", f"users/{ALICE}/messages?per_page=100")
        self.assertEqual([m["id"] for m in history if m.get("muid") == "muid-conflict"], [first["id"]])
        reliability.count("inputs", 7)

    def test_an_upload_sent_again_is_one_message_unless_its_files_differ(self) -> None:
        files = [("same.txt", b"the same file", "text/plain")]
        first = self.alice.upload(BOB, files, kind="file", muid="muid-upload")
        again = self.alice.upload(BOB, files, kind="file", muid="muid-upload")  # its answer was lost
        self.assertEqual(again.json()["data"]["id"], first.json()["data"]["id"])
        self.assertEqual(again.json()["data"]["data"]["url"], first.json()["data"]["data"]["url"])  # the first's file
        other = self.alice.upload(BOB, [("same.txt", b"another file", "text/plain")], kind="file", muid="muid-upload")
        self.assertEqual((other.status_code, other.json()["error"]["code"]), (409, "ERR_MUID_ALREADY_USED"))

    def test_a_group_deleted_takes_its_files_along(self) -> None:
        guid = "media-group"
        self.alice.ok("POST", "groups", {"guid": guid, "name": guid, "type": "public"})
        answer = self.alice.upload(guid, [("g.txt", b"group file", "text/plain")], receiver_type="group", kind="file")
        self.assertEqual(answer.status_code, 200, answer.text)
        url = answer.json()["data"]["data"]["url"]
        self.assertEqual(requests.get(url, timeout=scaled(10)).content, b"group file")
        self.alice.ok("DELETE", f"groups/{guid}")
        self.assertEqual(requests.get(url, timeout=scaled(10)).status_code, 404)
        self.assertNotIn(url.split("/")[-2], files_in(self.server))

    def test_a_repeated_send_is_stored_once(self) -> None:
        self.bob.connect()
        self.addCleanup(self.bob.close)
        body = {"receiver": BOB, "receiverType": "user", "category": "message", "type": "text",
                "data": {"text": "once"}, "muid": "muid-1"}
        first, again = self.alice.ok("POST", "messages", body), self.alice.ok("POST", "messages", body)
        self.assertEqual(again["id"], first["id"])
        marker = self.alice.say(BOB, "marker")
        frames = []
        while not frames or frames[-1] != marker["id"]:
            frames.append(self.bob.frame(where=lambda f: f.get("type") == "message")["body"]["id"])
        self.assertEqual(frames, [first["id"], marker["id"]])  # pushed once
        self.assertNotEqual(self.carol.ok("POST", "messages", dict(body, receiver=BOB))["id"], first["id"])  # muids are per sender


class FormLimitsTest(DevServerMixin, unittest.TestCase):
    """The plain fields of a multipart message are bounded by limits of the server's (they were
    fixed at 1 MiB together and 50 fields)."""

    server_options = {"max_form_field_bytes": 2000, "max_form_fields": 8, "file_size_max": 200_000}

    def setUp(self) -> None:
        self.alice, self.bob = logged_in(self.server, ALICE, BOB, kind=RawClient)

    def test_fields_over_max_form_field_bytes_or_max_form_fields_are_refused_and_leave_nothing(self) -> None:
        files = [("f.txt", b"hello", "text/plain")]
        before = files_in(self.server)
        self.assertEqual(self.alice.upload(BOB, files, kind="file", caption="x" * 500).status_code, 200)
        big = self.alice.upload(BOB, files, kind="file", caption="x" * 1500)  # in data.text and caption: 3000
        self.assertEqual((big.status_code, big.json()["error"]["code"], big.json()["error"]["details"]),
                         (413, "ERR_PAYLOAD_TOO_LARGE", {"limit": 2000}))
        # the upload sends type, receiverType, category, data and receiver: 5 fields, 3 more allowed
        extra = {f"x{n}": "v" for n in range(3)}
        self.assertEqual(self.alice.upload(BOB, files, kind="file", **extra).status_code, 200)
        many = self.alice.upload(BOB, files, kind="file", **dict(extra, x3="v"))
        self.assertEqual((many.status_code, many.json()["error"]["code"], many.json()["error"]["details"]),
                         (400, "ERR_BAD_REQUEST", {"limit": 8}))
        self.assertEqual(len(files_in(self.server)), len(before) + 2)  # the two sends that were fine
        reliability.count("attacks", 2)

    def test_the_declared_size_allows_the_configured_fields(self) -> None:
        allowance = 2000 + 64 * 1024  # the fields and the parts' headers
        check_declared_size(self, self.alice, 200_000 + allowance)
        reliability.count("attacks", 1)


class OrphanSweepTest(unittest.TestCase):
    def test_a_restart_removes_what_a_crash_mid_upload_left_and_keeps_the_rest(self) -> None:
        folder = scratch_dir(self)
        db_path = os.path.join(folder, "chat.db")
        with DevServer(db_path=db_path) as server:
            port = server.port
            alice = RawClient(server, ALICE)
            alice.login()
            kept = alice.upload(BOB, [("keep.txt", b"keep me", "text/plain")], kind="file").json()["data"]
        files_dir = os.path.join(folder, "chat-files")
        for junk in ("A" * 32 + ".part", "B" * 32):  # a write cut short; a file renamed but never committed
            with open(os.path.join(files_dir, junk), "wb") as out:
                out.write(b"half an upload")
        with DevServer(db_path=db_path, port=port):  # the same address: the stored URL is the same
            self.assertEqual(len(os.listdir(files_dir)), 1)
            self.assertEqual(requests.get(kept["data"]["url"], timeout=scaled(10)).content, b"keep me")


class ReactionsTest(DevServerMixin, unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.alice, cls.bob, cls.carol = logged_in(cls.server, ALICE, BOB, CAROL, kind=RawClient)

    def test_emoji_sequences_are_reactions_and_invisible_tricks_are_not(self) -> None:
        message = self.alice.say(BOB, "sequences")
        for emoji in ("\N{MAN}\u200d\N{WOMAN}\u200d\N{GIRL}", "\N{WAVING WHITE FLAG}\ufe0f\u200d\N{RAINBOW}",
                      "\N{WAVING BLACK FLAG}\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"):
            with self.subTest(emoji=emoji):
                self.assertIn(emoji, [r["reaction"] for r in self.bob.ok(
                    "POST", f"messages/{message['id']}/reactions/{quote(emoji, safe='')}")["reactions"]])
        for trick in ("\u202egnp", "a\u2028b", "\u0007"):
            with self.subTest(trick=trick):
                status, answer = self.bob.rest("POST", f"messages/{message['id']}/reactions/{quote(trick, safe='')}")
                self.assertEqual((status, answer["error"]["code"]), (400, "ERR_BAD_REQUEST"))

    def test_add_count_remove_and_refuse(self) -> None:
        message = self.alice.say(BOB, "react to me")
        path = f"messages/{message['id']}/reactions/%F0%9F%91%8D"
        reacted = self.bob.ok("POST", path)
        self.assertEqual(reacted["reactions"], [{"reaction": THUMBS_UP, "count": 1, "reactedByMe": True}])
        self.assertEqual(self.bob.ok("POST", path)["reactions"][0]["count"], 1)  # twice is one reaction
        self.alice.ok("POST", path)
        seen_by_alice = self.alice.ok("GET", f"messages/{message['id']}")
        self.assertEqual(seen_by_alice["reactions"], [{"reaction": THUMBS_UP, "count": 2, "reactedByMe": True}])
        self.assertEqual(self.bob.ok("DELETE", path)["reactions"], [{"reaction": THUMBS_UP, "count": 1,
                                                                    "reactedByMe": False}])
        status, answer = self.bob.rest("DELETE", path)
        self.assertEqual((status, answer["error"]["code"]), (404, "ERR_REACTION_NOT_FOUND"))
        for method in ("POST", "DELETE", "GET"):  # carol is no party: the message does not exist for her
            status, answer = self.carol.rest(method, path)
            self.assertEqual((status, answer["error"]["code"]), (404, "ERR_MESSAGE_NOT_FOUND"), method)
        status, answer = self.bob.rest("POST", f"messages/{message['id']}/reactions/{'x' * 65}")
        self.assertEqual((status, answer["error"]["code"]), (400, "ERR_BAD_REQUEST"))

    def test_frames_reach_both_parties_once(self) -> None:
        self.alice.connect()
        self.carol.connect()
        self.addCleanup(self.alice.close)
        self.addCleanup(self.carol.close)
        message = self.alice.say(BOB, "frames")
        path = f"messages/{message['id']}/reactions/%F0%9F%91%8D"
        self.bob.ok("POST", path)
        self.bob.ok("POST", path)  # nothing changes, nothing pushed
        self.bob.ok("DELETE", path)
        frames = [self.alice.frame(where=lambda f: f.get("type") == "reaction") for _ in range(2)]
        self.assertEqual([f["body"]["action"] for f in frames], ["message_reaction_added", "message_reaction_removed"])
        added = frames[0]
        self.assertEqual((added["sender"], added["receiver"], added["receiverType"]), (BOB, ALICE, "user"))
        self.assertEqual((added["body"]["messageId"], added["body"]["reaction"], added["body"]["uid"],
                          added["body"]["reactedBy"]["uid"], added["body"]["conversationId"], added["body"]["parentId"]),
                         (message["id"], THUMBS_UP, BOB, BOB, message["conversationId"], 0))
        self.alice.say(CAROL, "marker")  # carol hears this, and nothing of the reactions before it
        first = self.carol.frame(where=lambda f: f.get("type") in ("message", "reaction"))
        self.assertEqual((first["type"], first["body"]["data"]["text"]), ("message", "marker"))

    def test_lists_page_both_ways_with_the_servers_cursors(self) -> None:
        message = self.alice.say(BOB, "many reactions")
        base = f"messages/{message['id']}/reactions"
        for emoji in ("%F0%9F%91%8D", "%F0%9F%8E%89", "ok"):
            self.alice.ok("POST", f"{base}/{emoji}")
            self.bob.ok("POST", f"{base}/{emoji}")
        status, first = self.alice.rest("GET", f"{base}?limit=4&affix=append")
        self.assertEqual(len(first["data"]), 4)
        cursor = first["meta"]["next"]
        status, rest = self.alice.rest("GET", f"{base}?limit=4&affix=append&id={cursor['id']}")
        self.assertEqual(len(rest["data"]), 2)
        ids = [r["id"] for r in first["data"] + rest["data"]]
        self.assertEqual(len(set(ids)), 6)
        status, back = self.alice.rest("GET", f"{base}?limit=4&affix=prepend&id={rest['meta']['previous']['id']}")
        self.assertEqual([r["id"] for r in back["data"]], ids[:4])  # oldest first, before the cursor
        status, none = self.alice.rest("GET", f"{base}?limit=4&affix=prepend&id={ids[0]}")
        self.assertEqual((none["data"], none["meta"]), ([], {}))
        status, ok_only = self.alice.rest("GET", f"{base}/ok?limit=10")
        self.assertEqual({(r["reaction"], r["uid"]) for r in ok_only["data"]}, {("ok", ALICE), ("ok", BOB)})
        self.assertEqual(ok_only["data"][0]["reactedBy"]["uid"], ALICE)


class MentionsTest(DevServerMixin, unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.server.create_user("tagged", "Tagged One", tags=["vip"])
        cls.alice, cls.bob = RawClient(cls.server, ALICE), RawClient(cls.server, BOB)
        cls.alice.login()
        cls.bob.login()

    def test_mentions_are_resolved_and_counted(self) -> None:
        message = self.alice.say(BOB, f"hi <@uid:{BOB}>, see <@uid:tagged> and <@uid:nobody>")
        self.assertEqual(sorted(message["data"]["mentions"]), [BOB, "tagged"])  # existing users only
        self.assertNotIn("tags", message["data"]["mentions"]["tagged"])
        conversation = self.bob.ok("GET", f"users/{ALICE}/conversation")
        self.assertEqual(conversation["unreadMentionsCount"], 1)
        self.assertEqual(self.alice.ok("GET", f"users/{BOB}/conversation")["unreadMentionsCount"], 0)  # own message
        status, body = self.bob.rest("GET", f"users/{ALICE}/messages?per_page=5&mentionsWithTagInfo=true"
                                            "&mentionsWithBlockedInfo=true")
        mentioned = body["data"][-1]["data"]["mentions"]
        self.assertEqual((mentioned["tagged"]["tags"], mentioned["tagged"]["blockedByMe"]), (["vip"], False))
        self.bob.ok("POST", f"users/{ALICE}/conversation/read")
        self.assertEqual(self.bob.ok("GET", f"users/{ALICE}/conversation")["unreadMentionsCount"], 0)
        # an edit that drops the mention drops it everywhere
        again = self.alice.say(BOB, f"<@uid:{BOB}> once more")
        self.assertEqual(self.bob.ok("GET", f"users/{ALICE}/conversation")["unreadMentionsCount"], 1)
        self.alice.ok("PUT", f"messages/{again['id']}", {"text": "no mention now", "data": {"text": "no mention now"}})
        self.assertEqual(self.bob.ok("GET", f"users/{ALICE}/conversation")["unreadMentionsCount"], 0)
        self.assertNotIn("mentions", self.bob.ok("GET", f"messages/{again['id']}")["data"])

    def test_a_mention_in_a_reply_counts_in_its_thread(self) -> None:
        self.server.create_user("threads-a", "A")
        self.server.create_user("threads-b", "B")
        a, b = RawClient(self.server, "threads-a"), RawClient(self.server, "threads-b")
        a.login()
        b.login()
        parent = a.say("threads-b", "parent")
        a.ok("POST", f"messages/{parent['id']}/thread", {"receiver": "threads-b", "receiverType": "user",
                                                         "category": "message", "type": "text",
                                                         "data": {"text": "<@uid:threads-b> in a reply"}})
        conversation = b.ok("GET", "users/threads-a/conversation")
        self.assertEqual((conversation["unreadMessageCount"], conversation["unreadMentionsCount"]), (1, 0))

    def test_a_client_cannot_forge_mentions(self) -> None:
        message = self.alice.ok("POST", "messages", {
            "receiver": BOB, "receiverType": "user", "category": "message", "type": "text",
            "data": {"text": "no real mention", "mentions": {BOB: {"uid": BOB, "name": "Forged"}}}})
        self.assertNotIn("mentions", message["data"])
        reliability.count("attacks", 1)


if __name__ == "__main__":
    unittest.main()
