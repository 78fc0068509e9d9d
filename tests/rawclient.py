"""A user speaking the protocol by hand with requests and websocket-client.

The server tests use it so that they exercise the wire itself, not our SDK: what passes here
is what any client (the official JS SDK included) would see.
"""

from __future__ import annotations

import json
import socket
import ssl
import struct
import uuid
from typing import Any, Callable
from urllib.parse import urlsplit

import requests
import websocket

from cometchat.devserver import DevServer
from cometchat.testing import scaled
from helpers import SourceAdapter


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
