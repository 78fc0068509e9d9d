"""Shared pieces of the SDK tests (the one home for them besides ``cometchat.testing``): fast
timings, the status callbacks, Future helpers, proxied clients, the raw protocol client that
speaks to a DevServer by hand, messages made by hand, and GUI test support."""

from __future__ import annotations

import atexit
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
import ssl
import struct
import subprocess
import tempfile
import threading
import unittest
import uuid
from concurrent.futures import Future
from typing import Any, Callable
from urllib.parse import urlsplit

import requests
import websocket
from requests.adapters import HTTPAdapter

from cometchat import (AppSettings, AppSettingsBuilder, CometChatClient, CometChatException, ReceiverType,
                       TextMessage)
from cometchat.devserver import DevServer
from cometchat.testing import DevServerMixin, EventRecorder, FaultProxy, scaled, waitFor

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


def text(to: str, body: str = "hello", **fields: Any) -> TextMessage:
    """A text message to a user, with any other fields set as an app sets them."""
    message = TextMessage(receiverUid=to, text=body, receiverType=ReceiverType.user)
    for name, value in fields.items():
        setattr(message, name, value)
    return message


def form_part(name: str | bytes, value: str | bytes, *, filename: str | bytes | None = None,
              content_type: str | None = None, extra: bytes = b"", boundary: str = "XyZ") -> bytes:
    """One part of a multipart/form-data body, made by hand (bytes where a test wants them wrong)."""
    def raw(item: str | bytes) -> bytes:
        return item.encode("utf-8", "surrogateescape") if isinstance(item, str) else item

    disposition = b'form-data; name="' + raw(name) + b'"' + (b'; filename="' + raw(filename) + b'"'
                                                              if filename is not None else b"")
    head = b"--" + boundary.encode() + b"\r\nContent-Disposition: " + disposition + b"\r\n"
    if content_type is not None:
        head += b"Content-Type: " + raw(content_type) + b"\r\n"
    return head + extra + b"\r\n" + raw(value) + b"\r\n"


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
                        pushed_message(uid, 1, sentAt="soon", data="text")],
        "missing fields": [{"type": "message"}, {"type": "typing_indicator", "receiver": uid},
                           {"type": "receipts", "body": {}}, {"type": "message", "body": {"id": "3"}},
                           {"action": None}],
        "nulls": [{"type": None}, {"type": "message", "body": None}, pushed_message(uid, 2, id=None),
                  dict(receipt, body=None), {"type": "presence", "body": {"action": "offline", "user": None}}],
        "non-finite and huge numbers": [
            '{"type":"message","body":{"id":NaN}}', '{"type":"message","body":{"id":Infinity}}',
            '{"type":"receipts","receiver":"%s","receiverType":"user","body":{"action":"read","messageId":"1",'
            '"user":{"uid":"x"},"timestamp":1e400}}' % uid,
            '{"type":"receipts","receiver":"%s","receiverType":"user","body":{"action":"read","messageId":"1",'
            '"user":{"uid":"x"},"timestamp":"\u00b2"}}' % uid,
            '{"type":"message","body":{"id":"\u00b2","category":"message","type":"text","text":"x"}}',
            '{"type":"message","body":{"id":%s}}' % ("9" * 5000),
            json.dumps(pushed_message(uid, 3, sentAt=10**40, id="99999999999999999999999999999999999"))],
        "deep nesting": [deep, '{"type":"message","body":%s}' % deep],
        "60 KiB text": [json.dumps(pushed_message(uid, 4, data={"text": "x" * 61440}))[:-3], "y" * 61440],
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


# --------------------------------------------------------------------------- the raw protocol client

class Event:
    """What a socket produced: a text frame, a close frame, or a dropped connection."""

    def __init__(self, kind: str, data: Any = None) -> None:
        self.kind = kind
        self.data = data

    def __repr__(self) -> str:
        return f"Event({self.kind!r}, {self.data!r})"


def close_code(frame_data: bytes) -> int | None:
    return struct.unpack("!H", frame_data[:2])[0] if len(frame_data) >= 2 else None


def of_type(kind: str) -> Callable[[dict[str, Any]], bool]:
    """A ``where`` for ``frame``/``no_frame``: frames of this ``type``."""
    return lambda frame: frame.get("type") == kind


def logged_in(server: Any, *uids: str, kind: Any = None) -> list[Any]:
    """A client of ``kind`` (``RawClient`` unless told) per uid, each logged in."""
    clients = [(kind or RawClient)(server, uid) for uid in uids]
    for client in clients:
        client.login()
    return clients


class RawClient:
    def __init__(
        self,
        server: DevServer,
        uid: str,
        *,
        base_url: str | None = None,
        verify: Any = True,
        ssl_context: ssl.SSLContext | None = None,
        source: str | None = None,
    ) -> None:
        self.server = server
        self.source = source  #: another loopback address to connect from, to play a second machine
        self.uid = uid
        self.base = base_url or server.url
        self.session_id = f"PY-test-{uuid.uuid4()}"
        self.device_id = f"{server.app_id}_{uuid.uuid4()}_1"
        self.verify = verify
        self.ssl_context = ssl_context
        self.token: str | None = None
        self.me: dict[str, Any] = {}
        self.ws: websocket.WebSocket | None = None

    # ------------------------------------------------------------------ REST

    def rest(self, method: str, path: str, body: Any = None, *, admin: bool = False,
             headers: dict[str, str] | None = None, raw: bytes | None = None) -> tuple[int, dict[str, Any]]:
        sent = {"appId": self.server.app_id, "resource": self.session_id, "sdk": "python@test"}
        if admin:
            sent["apiKey"] = self.server.auth_key
        elif self.token:
            sent["authToken"] = self.token
        sent.update(headers or {})
        with requests.Session() as http:
            if self.source is not None:
                http.mount("http://", SourceAdapter(self.source))
            response = http.request(
                method, f"{self.base}/v3.0/{path}", json=body if raw is None else None, data=raw,
                headers=sent, timeout=scaled(10), verify=self.verify,
            )
        return response.status_code, response.json()

    def upload(self, to: str, files: list[tuple[str, bytes, str]], *, receiver_type: str = "user",
               kind: str = "image", caption: str | None = None, host: str | None = None,
               path: str = "messages", **fields: str) -> requests.Response:
        """A multipart ``POST messages`` (or ``path``: a thread's) as the JS SDK builds it (its
        field order), with ``files`` as (name, content, type); ``host`` replaces the ``Host`` header."""
        data: dict[str, Any] = {"text": caption} if caption else {}
        parts: list[tuple[str, Any]] = [("type", (None, kind)), ("receiverType", (None, receiver_type)),
                                        ("category", (None, "message")), ("data", (None, json.dumps(data)))]
        parts += [("files[]", (name, content, mime)) for name, content, mime in files]
        if caption:
            parts.append(("caption", (None, caption)))
        parts += [(key, (None, value)) for key, value in fields.items()]
        parts.append(("receiver", (None, to)))
        headers = dict(self.headers(), **({"Host": host} if host is not None else {}))
        return requests.post(f"{self.base}/v3.0/{path}", files=parts, headers=headers, timeout=scaled(30))

    def login(self) -> dict[str, Any]:
        status, body = self.rest("POST", f"users/{self.uid}/auth_tokens", {"deviceId": self.device_id}, admin=True)
        assert status == 200, body
        self.token = body["data"]["authToken"]
        status, body = self.rest("PUT", "me", {"platform": "python", "deviceId": self.device_id})
        assert status == 200, body
        self.me = body["data"]
        return self.me

    def headers(self) -> dict[str, str]:
        """A logged-in user's REST headers, for requests made by hand (multipart, exact lines)."""
        return {"appId": self.server.app_id, "authToken": self.token or "", "resource": self.session_id}

    def ok(self, method: str, path: str, body: Any = None) -> Any:
        """``rest`` that must succeed; its ``data``."""
        status, answer = self.rest(method, path, body)
        assert status == 200, answer
        return answer["data"]

    def say(self, to: str, text: str, receiver_type: str = "user", **extra: Any) -> dict[str, Any]:
        """Send a text message (a reply in a thread with ``parentMessageId=``); the stored message."""
        body = dict({"receiver": to, "receiverType": receiver_type, "category": "message", "type": "text",
                     "data": {"text": text}, "text": text}, **extra)
        path = f"messages/{extra['parentMessageId']}/thread" if "parentMessageId" in extra else "messages"
        return self.ok("POST", path, body)  # type: ignore[no-any-return]

    # ------------------------------------------------------------------ socket

    def socket_url(self) -> str:
        settings = self.me["settings"]
        scheme = "wss" if self.base.startswith("https") else "ws"
        return f"{scheme}://{settings['CHAT_HOST']}:{settings['CHAT_WSS_PORT']}/"

    def open(self, url: str | None = None) -> websocket.WebSocket:
        sslopt = {"context": self.ssl_context} if self.ssl_context else None
        url = url or self.socket_url()
        sock = None
        if self.source is not None:
            parts = urlsplit(url)
            sock = socket.create_connection((parts.hostname, parts.port), timeout=scaled(10),
                                            source_address=(self.source, 0))
        self.ws = websocket.create_connection(url, timeout=scaled(10), sslopt=sslopt, socket=sock)
        return self.ws

    def auth_frame(self, jwt: str | None = None, presence: str | None = None, roles: tuple[str, ...] = (),
                   sender: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"auth": jwt or self.me["jwt"], "deviceId": self.session_id,
                                "params": {"deviceId": self.device_id, "platform": "python"}}
        if presence:
            body["presenceSubscription"] = presence
        if roles:
            body["roles"] = list(roles)
        return {"appId": self.server.app_id, "deviceId": self.session_id, "type": "auth",
                "sender": sender or self.uid, "body": body}

    def connect(self, presence: str | None = None, roles: tuple[str, ...] = (), jwt: str | None = None,
                url: str | None = None) -> dict[str, Any]:
        """Open the socket, authenticate, and return the auth reply."""
        if not self.me:
            self.login()
        self.open(url)
        self.send(self.auth_frame(jwt, presence, roles))
        event = self.next_event()
        assert event.kind == "text", event
        return event.data  # type: ignore[no-any-return]

    def send(self, frame: Any) -> None:
        assert self.ws is not None
        self.ws.send(frame if isinstance(frame, str) else json.dumps(frame))

    def next_event(self, timeout: float = 5.0) -> Event:
        """The next frame, close, or drop; raises ``socket.timeout`` if none comes in time."""
        assert self.ws is not None
        self.ws.settimeout(scaled(timeout))
        try:
            opcode, frame = self.ws.recv_data_frame(True)
        except websocket.WebSocketTimeoutException:
            raise socket.timeout("no frame in time") from None
        except (websocket.WebSocketConnectionClosedException, ConnectionError, OSError) as exc:
            return Event("dropped", exc)
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            return Event("close", close_code(frame.data))
        if opcode == websocket.ABNF.OPCODE_TEXT:
            return Event("text", json.loads(frame.data))
        return self.next_event(timeout)

    def frame(self, timeout: float = 5.0, where: Callable[[dict[str, Any]], bool] | None = None) -> dict[str, Any]:
        """The next text frame (that satisfies ``where``), skipping others."""
        while True:
            event = self.next_event(timeout)
            assert event.kind == "text", f"expected a frame, got {event}"
            if where is None or where(event.data):
                return event.data  # type: ignore[no-any-return]

    def no_frame(self, window: float, where: Callable[[dict[str, Any]], bool] | None = None) -> None:
        """Assert that no (matching) frame arrives within ``window`` (scaled) seconds."""
        try:
            while True:
                event = self.next_event(window)
                if event.kind != "text":
                    return
                assert where is not None and not where(event.data), f"unexpected frame {event.data}"
        except socket.timeout:
            return

    def close(self) -> None:
        if self.ws is not None:
            try:
                self.ws.close(timeout=1)
            except Exception:
                pass
            self.ws.shutdown()  # the socket too, when the close handshake failed (the server closed first)
            self.ws = None


# --------------------------------------------------------------------------- GUI test support

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

_xvfb: subprocess.Popen | None = None


def unavailable(reason: str) -> None:
    """Skip a GUI test whose toolkit or display is missing; in CI that is a failure."""
    if IN_CI:
        raise AssertionError(f"GUI test cannot run in CI: {reason}")
    raise unittest.SkipTest(reason)


def ensure_display() -> None:
    """Use $DISPLAY, or start one Xvfb for this test process."""
    global _xvfb
    if os.environ.get("DISPLAY"):
        return
    if shutil.which("Xvfb") is None:
        unavailable("no $DISPLAY and no Xvfb (apt-get install xvfb)")
    display = f":{90 + os.getpid() % 500}"
    _xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    atexit.register(_xvfb.terminate)
    socket_path = f"/tmp/.X11-unix/X{display[1:]}"
    try:
        waitFor(lambda: os.path.exists(socket_path) or _xvfb.poll() is not None, timeout=10)
    except AssertionError:
        pass
    if not os.path.exists(socket_path):
        unavailable("Xvfb did not start")
    os.environ["DISPLAY"] = display


def tk_root():  # type: ignore[no-untyped-def]
    try:
        import tkinter
    except ImportError:
        unavailable("tkinter is not installed")
    ensure_display()
    try:
        return tkinter.Tk()
    except tkinter.TclError as exc:
        unavailable(f"Tk cannot open a window: {exc}")


def qt_core():  # type: ignore[no-untyped-def]
    try:
        from PySide6 import QtCore
    except ImportError:
        unavailable("PySide6-Essentials is not installed (pip install -e '.[qt]')")
    return QtCore
