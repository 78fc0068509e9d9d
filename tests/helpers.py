"""Shared pieces of the SDK tests (the one home for them besides ``cometchat.testing``): fast
timings, the status callbacks, Future helpers, proxied clients."""

from __future__ import annotations

import base64
import contextlib
import http.server
import itertools
import json
import logging
import os
import re
import shutil
import socket
import tempfile
import threading
import unittest
from concurrent.futures import Future
from typing import Any, Callable

import requests
from requests.adapters import HTTPAdapter

from cometchat import AppSettings, AppSettingsBuilder, CometChatClient, CometChatException
from cometchat.testing import DevServerMixin, EventRecorder, FaultProxy, scaled

STATUS_EVENTS = ("connecting", "connected", "disconnected", "onfeatureThrottled")


_guids = itertools.count(1)


def new_guid(prefix: str = "g") -> str:
    """A group id no other test of this run uses."""
    return f"{prefix}-{next(_guids)}"


def files_in(server: Any) -> list[str]:
    """The uploaded files a dev server keeps (the folder beside its database, as the README says)."""
    return sorted(os.listdir(os.path.splitext(server.db_path)[0] + "-files"))


def scratch_dir(test: unittest.TestCase, prefix: str = "cometchat-test-") -> str:
    """A private temporary directory removed when the test ends (saved sessions hold secrets)."""
    path = tempfile.mkdtemp(prefix=prefix)
    test.addCleanup(shutil.rmtree, path, True)
    return path


def fast(builder: AppSettingsBuilder | None = None, **overrides: Any) -> AppSettingsBuilder:
    """A builder whose connection timings run a test in milliseconds, not minutes."""
    timings = dict(connect=3.0, ping=1.0, pong=0.6, initial=0.05, maximum=0.3, reset=10.0, close=0.5, window=30.0)
    timings.update(overrides)
    builder = builder or AppSettings.AppSettingsBuilder().setInMemoryStorage()
    return (
        builder.setConnectTimeout(timings["connect"])
        .setPingInterval(timings["ping"])
        .setPongTimeout(timings["pong"])
        .setReconnectBackoff(initial=timings["initial"], maximum=timings["maximum"], resetAfter=timings["reset"])
        .setCloseTimeout(timings["close"])
        .setBackgroundWindow(timings["window"])
    )


def statuses(recorder: Any) -> list[str]:
    """The status callbacks a recorder saw, in order."""
    return recorder.names(*STATUS_EVENTS)


def error_of(future: Future[Any]) -> CometChatException:
    """The CometChatException a Future failed with (within a scaled deadline)."""
    error = future.exception(timeout=scaled(10))
    assert isinstance(error, CometChatException), error
    return error


def ok(future: Future[Any]) -> Any:
    """A Future's result (within a scaled deadline)."""
    return future.result(timeout=scaled(10))


def pushed_message(uid: str, n: int, sender: str = "cometchat-uid-2", **extra: Any) -> dict[str, Any]:
    """A message frame as the server would push it, made by hand."""
    body = {
        "id": str(n), "conversationId": f"{sender}_user_{uid}", "sender": sender, "receiver": uid,
        "receiverType": "user", "type": "text", "category": "message", "sentAt": 1700000000 + n,
        "data": {"text": f"m{n}", "entities": {
            "sender": {"entity": {"uid": sender, "name": "Pusher"}, "entityType": "user"},
            "receiver": {"entity": {"uid": uid, "name": "Target"}, "entityType": "user"}}},
    }
    body.update(extra)
    return {"appId": "x", "receiver": uid, "receiverType": "user", "deviceId": "pushed", "type": "message",
            "sender": sender, "body": body}


class ErrorLog(logging.Handler):
    """Every ERROR (or worse) that the SDK or the server logs."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class ProxiedMixin(DevServerMixin):
    """Clients that reach the server through a FaultProxy, to slow or break the link."""

    def proxied_client(self, uid: str | None = None, **overrides: Any) -> tuple[CometChatClient, FaultProxy]:
        proxy = FaultProxy(self.server.url).start()
        self.addCleanup(proxy.stop)  # type: ignore[attr-defined]
        client = self.newClient(uid, builder=fast(**overrides), via=proxy)
        return client, proxy


# --------------------------------------------------------------------------- raw HTTP, by hand


class SourceAdapter(HTTPAdapter):
    """A requests adapter whose connections leave from ``source`` (another loopback address),
    so a test can play a second machine."""

    def __init__(self, source: str) -> None:
        self._source = source
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self._source, 0)
        super().init_poolmanager(*args, **kwargs)


def http_head(method: str, path: str, headers: dict[str, str | bytes] | None = None) -> bytes:
    """A request's head; a ``bytes`` value goes on the wire as it is (requests refuses bytes
    that are not Latin-1 text), and a ``Host`` or ``Content-Type`` given replaces the default one."""
    given = dict(headers or {})
    lines = [f"{method} {path} HTTP/1.1".encode(), b"Host: " + _as_bytes(given.pop("Host", "127.0.0.1")),
             b"Content-Type: " + _as_bytes(given.pop("Content-Type", "application/json"))]
    lines += [name.encode() + b": " + _as_bytes(value) for name, value in given.items()]
    return b"\r\n".join(lines) + b"\r\n\r\n"


def _as_bytes(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode()


def http_exchange(port: int, raw: bytes, source: str | None = None) -> tuple[int, Any, bool]:
    """Send ``raw`` (a whole request) on a fresh connection to 127.0.0.1:``port`` (from the
    loopback address ``source``) and read the answer, as ``read_http_response``."""
    with socket.create_connection(("127.0.0.1", port), timeout=scaled(10),
                                  source_address=(source, 0) if source else None) as sock:
        sock.sendall(raw)
        return read_http_response(sock, scaled(10))


def read_http_response(sock: socket.socket, timeout: float) -> tuple[int, Any, bool]:
    """(status, JSON body, whether the server closed the connection after it)."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError(f"the connection closed without an answer: {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))  # type: ignore[union-attr]
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    sock.settimeout(min(timeout, scaled(1.0)))  # a close comes with the answer, or not at all
    try:
        closed = sock.recv(1) == b""
    except (socket.timeout, ConnectionError):
        closed = False
    return status, json.loads(body[:length]), closed


def strict_text(test: unittest.TestCase, answer: Any) -> None:
    """Fail unless ``answer`` (parsed JSON) is what a strict JSON parser accepts: ``json.loads``
    turns an escaped lone surrogate (``"\\udcff"``) into one, which UTF-8 cannot carry."""
    try:
        json.dumps(answer, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        test.fail(f"the answer holds a lone surrogate: {answer!r}")


def http_status(sock: socket.socket, timeout: float) -> int:
    """The status of a GET / sent on ``sock`` (429 when the server refused the connection)."""
    try:
        sock.sendall(http_head("GET", "/"))
    except OSError:
        pass
    return read_http_response(sock, timeout)[0]


# --------------------------------------------------------------------------- frames by hand

_BOB = "cometchat-uid-2"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def message_frame(uid: str, n: int, **body: Any) -> dict[str, Any]:
    frame = pushed_message(uid, n)
    frame["body"].update(body)
    return frame


def garbage(uid: str) -> dict[str, list[Any]]:
    """Each kind of garbage a hostile server sends, as frames for ``push_many`` (str or JSON)
    or ``push_raw`` (dicts with one of text / binary / invalid_utf8)."""
    deep = "[" * 10000 + "]" * 10000
    receipt = {"type": "receipts", "receiver": uid, "receiverType": "user", "sender": _BOB,
               "body": {"action": "read", "messageId": "5", "user": {"uid": _BOB}}}
    return {
        "non-JSON": ["{not json", "", "null", "[]", "42", '"a string"'],
        "wrong types": [{"type": 7}, {"type": "message", "body": []}, {"type": "message", "body": {"id": True}},
                        dict(receipt, body=dict(receipt["body"], action=["read"])),
                        {"type": "presence", "body": {"action": "online", "user": "bob"}},
                        message_frame(uid, 1, sentAt="soon", data="text")],
        "missing fields": [{"type": "message"}, {"type": "typing_indicator", "receiver": uid},
                           {"type": "receipts", "body": {}}, {"type": "message", "body": {"id": "3"}},
                           {"action": None}],
        "nulls": [{"type": None}, {"type": "message", "body": None}, message_frame(uid, 2, id=None),
                  dict(receipt, body=None), {"type": "presence", "body": {"action": "offline", "user": None}}],
        "non-finite and huge numbers": [
            '{"type":"message","body":{"id":NaN}}', '{"type":"message","body":{"id":Infinity}}',
            '{"type":"receipts","receiver":"%s","receiverType":"user","body":{"action":"read","messageId":"1",'
            '"user":{"uid":"x"},"timestamp":1e400}}' % uid,
            '{"type":"receipts","receiver":"%s","receiverType":"user","body":{"action":"read","messageId":"1",'
            '"user":{"uid":"x"},"timestamp":"\u00b2"}}' % uid,
            '{"type":"message","body":{"id":"\u00b2","category":"message","type":"text","text":"x"}}',
            '{"type":"message","body":{"id":%s}}' % ("9" * 5000),
            json.dumps(message_frame(uid, 3, sentAt=10**40, id="99999999999999999999999999999999999"))],
        "deep nesting": [deep, '{"type":"message","body":%s}' % deep],
        "60 KiB text": [json.dumps(message_frame(uid, 4, data={"text": "x" * 61440}))[:-3], "y" * 61440],
        "binary and non-UTF-8": [{"binary": b64(b"\x00\xff\xfe binary")}, {"invalid_utf8": b64(b'{"a":"\xff\xfe"}')},
                                 {"text": '{"type":"message","body":{"id":"9","text":"\ud800"}}'}],
        "unknown types": [{"type": "reaction", "body": {}}, {"type": "call", "sender": _BOB},
                          {"action": "dance"}, {"type": "auth", "body": {"status": "OK", "code": "200"}}],
    }


# The frames recorded in reference/wire-protocol.md (the protocol tests' golden frames)

JWT = "eyJhbGciOiJIUzI1NiJ9.e30.sig"
SESSION = "WEB-4_2_0-9f1c2d3e-1700000000000"
DEVICE = "app1_6a7b8c9d_1700000000000"

# Reference section 3.2 (the official SDK's first frame)
AUTH_FRAME = {
    "appId": "app1",
    "deviceId": SESSION,
    "type": "auth",
    "sender": "alice",
    "body": {
        "auth": JWT,
        "deviceId": SESSION,
        "presenceSubscription": "ROLES",
        "roles": ["admin", "vip"],
        "params": {
            "appInfo": {"version": "4.2.0", "apiVersion": "v3.0", "origin": None, "uts": 1700000000000},
            "userAgent": "python",
            "deviceId": DEVICE,
            "platform": "javascript",
        },
    },
}

# Reference section 4.1
MESSAGE_FRAME = {
    "appId": "app1",
    "receiver": "alice",
    "receiverType": "user",
    "deviceId": "WEB-bob-session",
    "type": "message",
    "sender": "bob",
    "body": {
        "id": "102",
        "conversationId": "alice_user_bob",
        "sender": "bob",
        "receiver": "alice",
        "receiverType": "user",
        "type": "text",
        "category": "message",
        "sentAt": 1700000001,
        "updatedAt": 1700000001,
        "data": {
            "text": "hi alice",
            "entities": {
                "sender": {"entity": {"uid": "bob", "name": "Bob"}, "entityType": "user"},
                "receiver": {"entity": {"uid": "alice", "name": "Alice"}, "entityType": "user"},
            },
        },
    },
}

# Reference section 4.2
TYPING_FRAME = {
    "appId": "app1",
    "receiver": "alice",
    "receiverType": "user",
    "deviceId": "WEB-bob-session",
    "type": "typing_indicator",
    "sender": "bob",
    "body": {"action": "started", "user": {"uid": "bob", "name": "Bob"}, "metadata": {"mood": "ok"}},
}

# Reference section 4.3 (as relayed, with the server's timestamp)
RECEIPT_FRAME = {
    "type": "receipts",
    "receiver": "bob",
    "receiverType": "user",
    "sender": "bob",
    "deviceId": "WEB-bob-session",
    "body": {"action": "read", "messageId": 101, "user": {"uid": "alice", "name": "Alice"}, "timestamp": 1700000002},
}

# Reference section 3.5 (as the client sends it: messageSender, string id, no timestamp)
OUTGOING_RECEIPT = {
    "appId": "app1",
    "receiver": "bob",
    "receiverType": "user",
    "deviceId": SESSION,
    "type": "receipts",
    "sender": "alice",
    "messageSender": "bob",
    "body": {"action": "read", "messageId": "101", "user": {"uid": "alice", "name": "Alice", "status": "online"}},
}

# Reference section 4.4
PRESENCE_FRAME = {
    "appId": "app1",
    "deviceId": "WEB-bob-session",
    "sender": "bob",
    "type": "presence",
    "body": {"action": "online", "user": {"uid": "bob", "name": "Bob"}, "timestamp": 1700000003},
}

# Reference section 3.5
TRANSIENT_FRAME = {
    "appId": "app1",
    "receiver": "bob",
    "receiverType": "user",
    "deviceId": SESSION,
    "type": "transient_message",
    "sender": "alice",
    "body": {"user": {"uid": "alice", "name": "Alice"}, "data": {"live": "reaction", "emoji": "wave"}},
}


# --------------------------------------------------------------------------- the reliability report


class Reliability:
    """Figures for tests/RELIABILITY.md: each count is appended as a JSON line to the file named
    by COMETCHAT_RELIABILITY_LOG (nothing happens without it)."""

    KINDS = ("faults", "messages", "inputs", "attacks", "losses", "duplicates")

    def count(self, kind: str, n: int = 1) -> None:
        assert kind in self.KINDS, kind
        path = os.environ.get("COMETCHAT_RELIABILITY_LOG")
        if not path or n == 0:
            return
        with _report_lock, open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps({"kind": kind, "n": n, "test": os.environ.get("PYTEST_CURRENT_TEST", "")}) + "\n")


_report_lock = threading.Lock()
reliability = Reliability()


class PeopleMixin(DevServerMixin):
    """A client per user, made on first use (``client(uid)``); ``live(uid)`` connects it and
    returns a recorder of its message and group events."""

    def setUp(self) -> None:
        self.clients: dict[str, CometChatClient] = {}
        self.recorders: dict[str, Any] = {}

    def client(self, uid: str) -> CometChatClient:
        if uid not in self.clients:
            self.clients[uid] = self.newClient(uid)
        return self.clients[uid]

    def live(self, uid: str) -> Any:
        if uid not in self.recorders:
            client = self.client(uid)
            recorder = EventRecorder()
            client.addGroupListener("test", recorder)
            client.addMessageListener("test", recorder)
            ok(client.connect())
            self.recorders[uid] = recorder
        return self.recorders[uid]


# --------------------------------------------------------------------------- servers that misbehave over HTTP


class RewritingProxy:
    """An HTTP proxy in front of a dev server's REST API that changes its JSON answers on their
    way back (``rewrite(method, path, answer)``), so a test can play a server sending what the
    dev server never would (app settings naming a port that is none, say)."""

    def __init__(self, target: str, rewrite: Callable[[str, str, Any], Any]) -> None:
        class Forward(http.server.BaseHTTPRequestHandler):
            def forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                headers = {name: value for name, value in self.headers.items()
                           if name.lower() not in ("host", "content-length", "connection")}
                answer = requests.request(self.command, target + self.path, headers=headers, timeout=scaled(10),
                                          data=self.rfile.read(length) if length else None)
                body, kind = answer.content, answer.headers.get("Content-Type", "application/octet-stream")
                if kind.startswith("application/json"):
                    body = json.dumps(rewrite(self.command, self.path, answer.json())).encode()
                self.send_response(answer.status_code)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = forward

            def log_message(self, *args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Forward)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> RewritingProxy:
        threading.Thread(target=self._server.serve_forever, name="test-rewriting-proxy", daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def with_settings(**changes: Any) -> Callable[[str, str, Any], Any]:
    """A ``RewritingProxy`` rewrite: the app settings of every answer that carries them changed."""
    def rewrite(method: str, path: str, answer: Any) -> Any:
        data = answer.get("data") if isinstance(answer, dict) else None
        if isinstance(data, dict) and isinstance(data.get("settings"), dict):
            data["settings"].update(changes)
        return answer
    return rewrite


class RawHttpServer:
    """A loopback HTTP server written by hand, for servers no library would play (trickling,
    oversized, stalling): each request is read whole (head and Content-Length body), then
    ``answer(n, sock, stopped)`` writes what it likes, ``n`` counting requests from 0 across
    connections, on a thread per connection. ``stop()`` sets ``stopped`` and closes the listener."""

    def __init__(self, answer: Callable[[int, socket.socket, threading.Event], None]) -> None:
        self._answer = answer
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self.stopped = threading.Event()
        self._count = itertools.count()

    def start(self) -> RawHttpServer:
        threading.Thread(target=self._accept, name="test-raw-http", daemon=True).start()
        return self

    def stop(self) -> None:
        self.stopped.set()
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes accept()
        self._listener.close()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), name="test-raw-http-conn", daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):
            while not self.stopped.is_set() and self._read_request(conn):
                self._answer(next(self._count), conn, self.stopped)

    @staticmethod
    def _read_request(conn: socket.socket) -> bool:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return False
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        match = re.search(rb"(?i)content-length: *(\d+)", head)
        length = int(match.group(1)) if match else 0
        while len(body) < length:
            chunk = conn.recv(65536)
            if not chunk:
                return False
            body += chunk
        return True


def http_answer(status: int, body: bytes, *headers: str) -> bytes:
    """A whole HTTP/1.1 answer with a Content-Length (and any ``headers`` given as lines)."""
    head = [f"HTTP/1.1 {status} X", "Content-Type: application/json", f"Content-Length: {len(body)}", *headers]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body
