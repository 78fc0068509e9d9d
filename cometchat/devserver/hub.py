"""The dev server's WebSocket side: authentication, relays, presence, keep-alive.

Every socket gets a ``Session`` with an outbox drained by one writer task, so frames reach
each client in the order the server produced them, and a delayed pong never holds back the
frames behind it. The server, not the client, decides who a frame is from: ``sender``,
``deviceId`` and ``body.user`` of every relayed frame come from the authenticated session.

The outbox is bounded by bytes (``Limits.max_outbox_bytes``): a receiver that falls that far
behind is closed with ``CLOSE_TOO_SLOW`` (4004) and reconnects; what it missed stays
fetchable. A session whose writer fails is closed, never left open and silent. A frame the
protocol module refuses (not strict JSON, a lone surrogate, too deep) is answered with an
error frame; nothing a client sends can end its handler with a traceback.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import socket
import struct
import time
from typing import TYPE_CHECKING, Any, Iterator

import attrs
from aiohttp import WSMsgType, web

from ..transport import protocol

if TYPE_CHECKING:
    from .backend import Backend

log = logging.getLogger("cometchat.devserver")

#: aiohttp's own cap, far above ours (``Limits.max_frame_bytes``): below it we read the whole
#: frame and close cleanly with 1009; above it aiohttp closes with 1009 and the guard's
#: lingering close lets the client read it instead of a reset caused by unread bytes.
_READ_LIMIT = 4 * 1024 * 1024

CLOSE_AUTH = 4001  #: auth missing, late, refused, or credentials withdrawn
CLOSE_SETTINGS = 4002  #: the app's settings changed; reconnect and fetch them
CLOSE_IDLE = 4003  #: nothing received for ``idle_timeout``
CLOSE_TOO_SLOW = 4004  #: the client fell ``max_outbox_bytes`` behind; reconnect and fetch what it missed
CLOSE_INTERNAL = 1011  #: the server could not encode a frame for this session
CLOSE_TRY_AGAIN_LATER = 1013  #: too many failed authentications; the reason is the wait in seconds
#: how long a close frame queued behind unsent data may take before the socket is cut
CLOSE_GRACE = 10.0


@attrs.frozen
class RawFrame:
    """A frame the protocol would never send (binary, text that is not UTF-8), or, with
    ``cut``, the first bytes of a frame and then a reset: the test kit's hostile server."""

    opcode: WSMsgType
    data: bytes
    cut: bool = False


class Session:
    """One WebSocket, authenticated or not."""

    _ids = itertools.count(1)

    def __init__(self, ws: web.WebSocketResponse, request: web.Request, hub: Hub) -> None:
        self.id = next(self._ids)
        self.ws = ws
        self.hub = hub
        self.transport = request.transport
        self.remote = request.remote
        self.max_outbox = hub.backend.config.limits.max_outbox_bytes
        self.queued_bytes = 0
        self.uid: str | None = None
        self.device_id: str | None = None
        self.persistent_device_id: str | None = None
        self.token_id: int | None = None
        self.user: dict[str, Any] = {}
        self.presence: str | None = None
        self.roles: frozenset[str] = frozenset()
        self.authenticated = False
        self.connected_at = time.time()
        self.closing = False
        self._outbox: asyncio.Queue[Any] = asyncio.Queue()
        self._writer = asyncio.ensure_future(self._write())

    def send(self, text: str) -> None:
        """Queue a text frame; frames go out in the order they were queued. A session that has
        fallen ``max_outbox_bytes`` behind is closed with 4004 instead."""
        if self.closing:
            return
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:  # the edge refuses such text; reaching here is a bug of ours
            log.error("session %s: a frame for %s is not valid UTF-8; closing the session", self.id, self.uid)
            self.close(CLOSE_INTERNAL, "unencodable frame")
            return
        self.queued_bytes += len(data)
        if self.queued_bytes > self.max_outbox:
            self._overflow()
            return
        self._outbox.put_nowait(data)

    def send_raw(self, frame: RawFrame) -> None:
        if not self.closing:
            self._outbox.put_nowait(frame)

    def send_lazily(self, frames: Iterator[str]) -> None:
        """Queue frames made only as the writer gets to them (the controls' bursts), in order."""
        if not self.closing:
            self._outbox.put_nowait(frames)

    def close(self, code: int, reason: str) -> None:
        """Queue a close frame behind what is already queued."""
        if self.closing:
            return
        self.closing = True
        self._outbox.put_nowait((code, reason))

    def _overflow(self) -> None:
        """Too far behind: drop what is queued and close with 4004 (cut if even that cannot go)."""
        behind = self.queued_bytes
        while not self._outbox.empty():
            self._outbox.get_nowait()
        self.queued_bytes = 0
        self.hub.backend.gate.refuse(
            self.remote or "?", "slow reader", f"session {self.id} ({self.uid}) fell {behind} bytes behind"
        )
        self.hub.backend.log_connection("overflow", self.uid)
        self.close(CLOSE_TOO_SLOW, "too slow: reconnect and fetch what you missed")
        asyncio.get_running_loop().call_later(CLOSE_GRACE, self._cut_if_open)

    def _cut_if_open(self) -> None:
        if not self.ws.closed:
            self.abort()

    def abort(self) -> None:
        """Cut the TCP connection with a reset: no close frame, no FIN."""
        sock = self.transport.get_extra_info("socket") if self.transport else None
        if sock is not None:
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
        if self.transport is not None:
            self.transport.abort()

    async def _write(self) -> None:
        try:
            await self._write_all()
        except asyncio.CancelledError:
            raise
        except (ConnectionError, RuntimeError):  # the link went away; the reader sees it too
            self.abort()
        except Exception as exc:  # never leave a socket open that nobody writes to
            log.warning("session %s: writing failed (%s: %s); closing it", self.id, type(exc).__name__, exc)
            self.abort()

    async def _write_all(self) -> None:
        while True:
            item = await self._outbox.get()
            if isinstance(item, bytes):
                self.queued_bytes -= len(item)
                await self.ws.send_frame(item, WSMsgType.TEXT)
            elif isinstance(item, tuple):
                await self.ws.close(code=item[0], message=item[1].encode())
                return
            elif isinstance(item, RawFrame):
                if await self._write_raw(item):
                    return
            else:
                for text in item:
                    await self.ws.send_frame(text.encode("utf-8"), WSMsgType.TEXT)

    async def _write_raw(self, frame: RawFrame) -> bool:
        """Send a raw frame; True when it was a cut (the session is over)."""
        if not frame.cut:
            await self.ws.send_frame(frame.data, frame.opcode)
            return False
        if self.transport is not None:  # a frame header announcing 1000 bytes, 3 of them, then a reset
            self.transport.write(b"\x81\x7e\x03\xe8" + frame.data[:3])
        await asyncio.sleep(0.05)
        self.abort()
        return True

    async def stop_writer(self) -> None:
        """Let a queued close frame (and what is before it) go out, then stop writing."""
        if self.closing:
            await asyncio.wait({self._writer}, timeout=2.0)
        self._writer.cancel()

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "uid": self.uid,
            "deviceId": self.device_id,
            "persistentDeviceId": self.persistent_device_id,
            "authenticated": self.authenticated,
            "presenceSubscription": self.presence,
            "roles": sorted(self.roles),
            "remote": self.remote,
            "connectedAt": self.connected_at,
            "outboxBytes": self.queued_bytes,
        }


class Hub:
    """All sockets of the server and the rules for who hears what."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.sockets: set[Session] = set()
        self.by_uid: dict[str, set[Session]] = {}

    # ------------------------------------------------------------------ lifecycle

    async def handle(self, request: web.Request) -> web.StreamResponse:
        backend = self.backend
        refusal = backend.refusal
        if refusal is not None:
            backend.log_connection("refused", None)
            return backend.refused_upgrade(refusal)
        backend.log_connection("upgrade", None)
        ws = web.WebSocketResponse(max_msg_size=_READ_LIMIT, timeout=5.0)
        try:
            await ws.prepare(request)
        except ConnectionError:  # the client gave up during the handshake: nothing to serve
            return web.Response(status=499)
        session = Session(ws, request, self)
        self.sockets.add(session)
        try:
            if await self._authenticate(session, request):
                await self._serve(session)
        finally:
            await self._forget(session)
        return ws

    async def _forget(self, session: Session) -> None:
        self.sockets.discard(session)
        if session.authenticated and session.uid is not None:
            peers = self.by_uid.get(session.uid, set())
            peers.discard(session)
            session.authenticated = False
            if not peers:
                self.by_uid.pop(session.uid, None)
                await self._announce(session, "offline")
        await session.stop_writer()

    async def _authenticate(self, session: Session, request: web.Request) -> bool:
        backend = self.backend
        try:
            msg = await session.ws.receive(timeout=backend.config.auth_timeout)
        except asyncio.TimeoutError:
            session.close(CLOSE_AUTH, "auth timeout")
            return False
        if msg.type != WSMsgType.TEXT:
            return False
        limits = backend.config.limits
        if len(msg.data) > limits.max_frame_bytes:
            session.close(1009, "frame too large")
            return False
        try:
            frame = protocol.decode(msg.data, max_depth=limits.max_json_depth)
        except protocol.ProtocolError as exc:
            return self._refuse(session, "ERR_BAD_FRAME", str(exc))
        if not isinstance(frame, protocol.AuthRequest):
            return self._refuse(session, "AUTH_ERR_NO_AUTH", "the first frame must be auth")
        address = session.remote or "?"
        wait = backend.gate.wait_for(frame.sender, address)
        if wait is not None:
            backend.gate.refuse(address, "authentication", f"too many failed authentications for uid {frame.sender!r}")
            return self._refuse(session, "ERR_TOO_MANY_REQUESTS", f"too many failed authentications; try again in"
                                f" {wait} s", close=(CLOSE_TRY_AGAIN_LATER, str(wait)))
        checked = await backend.check_socket_credentials(frame)
        if checked is None:
            backend.log_connection("auth_fail", frame.sender)
            backend.gate.failed(frame.sender, address)
            return self._refuse(session, "AUTH_ERR_INVALID_JWT", "the JWT is invalid, expired or revoked")
        backend.gate.succeeded(frame.sender, address)
        backend.authenticated(request)
        user, claims = checked
        session.uid = frame.sender
        session.device_id = frame.device_id
        session.token_id = claims.token_id
        params_device = frame.params.get("deviceId") if isinstance(frame.params, dict) else None
        session.persistent_device_id = params_device if isinstance(params_device, str) else claims.device_id
        session.user = dict(user, status="online")
        session.presence = frame.presence_subscription
        session.roles = frozenset(frame.roles)
        session.authenticated = True
        first = session.uid not in self.by_uid
        self.by_uid.setdefault(session.uid, set()).add(session)
        backend.log_connection("auth_ok", session.uid)
        for raw in backend.greeting:  # the hostile server's frames before the auth reply
            session.send_raw(raw)
        reply = protocol.AuthReply(status="OK", code="200", settings_hash=backend.settings_hash())
        session.send(protocol.encode(reply))
        if first:
            await self._announce(session, "online")
        return True

    def _refuse(self, session: Session, code: str, message: str, close: tuple[int, str] | None = None) -> bool:
        reply = protocol.AuthReply(status="ERROR", code="401", error_code=code, message=message)
        session.send(protocol.encode(reply))
        session.close(*(close or (CLOSE_AUTH, message[:100])))
        return False

    async def _serve(self, session: Session) -> None:
        idle = self.backend.config.idle_timeout
        while True:
            try:
                msg = await session.ws.receive(timeout=idle)
            except asyncio.TimeoutError:
                session.close(CLOSE_IDLE, "idle timeout")
                return
            if msg.type == WSMsgType.TEXT and len(msg.data) > self.backend.config.limits.max_frame_bytes:
                session.close(1009, "frame too large")
                return
            if msg.type == WSMsgType.TEXT:
                self._on_text_safely(session, msg.data)
            elif msg.type == WSMsgType.BINARY:
                self._complain(session, "ERR_BAD_FRAME", "binary frames are not part of the protocol")
            else:  # CLOSE, CLOSING, CLOSED, ERROR (1009 for an oversized frame)
                return

    # ------------------------------------------------------------------ inbound frames

    def _complain(self, session: Session, code: str, message: str) -> None:
        session.send(protocol.encode(protocol.ErrorFrame(code=code, message=message)))

    def _on_text_safely(self, session: Session, text: str) -> None:
        """``_on_text``, where a bug of ours costs one frame and one log line, not the session."""
        try:
            self._on_text(session, text)
        except Exception:
            log.exception("internal error handling a frame from session %s", session.id)
            self._complain(session, "ERR_INTERNAL", "the server failed to handle this frame")

    def _on_text(self, session: Session, text: str) -> None:
        try:
            frame = protocol.decode(text, max_depth=self.backend.config.limits.max_json_depth)
        except protocol.ProtocolError as exc:
            self._complain(session, "ERR_BAD_FRAME", str(exc))
            return
        if isinstance(frame, protocol.Ping):
            self._pong(session)
        elif isinstance(frame, (protocol.TypingFrame, protocol.ReceiptFrame, protocol.TransientFrame)):
            self._relay(session, frame)
        else:
            self._complain(session, "ERR_FRAME_NOT_ALLOWED", f"clients may not send {type(frame).__name__}")

    def _pong(self, session: Session) -> None:
        delay = self.backend.pong_delay
        if delay > 0:
            asyncio.get_running_loop().call_later(delay, session.send, protocol.PONG_TEXT)
        else:
            session.send(protocol.PONG_TEXT)

    def _relay(self, session: Session, frame: Any) -> None:
        if frame.receiver_type != "user":
            self._complain(session, "ERR_GUID_NOT_FOUND", "groups are not supported by the dev server")
            return
        stamped = attrs.evolve(
            frame,
            app_id=self.backend.app.app_id,
            sender=session.uid,
            device_id=session.device_id,
            user=session.user,
        )
        if isinstance(stamped, protocol.ReceiptFrame):
            stamped = attrs.evolve(stamped, timestamp=int(time.time()))
        text = protocol.encode(stamped)
        for peer in self.by_uid.get(frame.receiver, ()):
            if peer is not session:
                peer.send(text)

    # ------------------------------------------------------------------ outbound events

    def deliver_message(self, body: dict[str, Any], resource: str | None) -> None:
        """Push a new message to its receiver and to every session of its sender."""
        frame = protocol.MessageFrame(
            app_id=self.backend.app.app_id,
            receiver=body["receiver"],
            receiver_type=body["receiverType"],
            device_id=resource,
            sender=body["sender"],
            body=body,
        )
        text = protocol.encode(frame)
        targets = self.by_uid.get(body["receiver"], set()) | self.by_uid.get(body["sender"], set())
        for peer in targets:
            peer.send(text)

    async def _announce(self, session: Session, action: str) -> None:
        """Tell the subscribed sessions that ``session.uid`` came online or went offline."""
        backend = self.backend
        uid = session.uid
        assert uid is not None
        now = int(time.time())
        await backend.db.run(lambda s: s.touch_user(backend.app.app_id, uid, now))
        user = dict(session.user, status="online" if action == "online" else "offline", lastActiveAt=now)
        frame = protocol.PresenceFrame(
            app_id=backend.app.app_id,
            device_id=session.device_id,
            sender=uid,
            action=action,
            user=user,
            timestamp=now,
        )
        text = protocol.encode(frame)
        friends: set[str] | None = None
        for peer in list(self.sockets):
            if not peer.authenticated or peer.uid == uid or peer.presence is None:
                continue
            if peer.presence == "ROLES" and user.get("role") not in peer.roles:
                continue
            if peer.presence == "FRIENDS":
                if friends is None:
                    friends = await backend.db.run(lambda s: s.friends_of(backend.app.app_id, uid))
                if peer.uid not in friends:
                    continue
            peer.send(text)

    # ------------------------------------------------------------------ controls

    def sessions(self, uid: str | None = None) -> list[Session]:
        found = [s for s in self.sockets if s.authenticated]
        return [s for s in found if uid is None or s.uid == uid]

    def close_sessions(self, sessions: list[Session], code: int, reason: str) -> int:
        for session in sessions:
            session.close(code, reason)
        return len(sessions)

    def drop(self, uid: str | None, code: int | None) -> int:
        """Drop sockets (all, or one user's): abruptly, or with a close frame of ``code``."""
        if uid is None:
            targets = list(self.sockets)
        else:
            targets = self.sessions(uid)
        for session in targets:
            if code is None:
                session.abort()
            else:
                session.close(code, "dropped by the dev server")
        return len(targets)

    def push(self, uid: str, text: str) -> int:
        targets = self.sessions(uid)
        for session in targets:
            session.send(text)
        return len(targets)

    def push_raw(self, uid: str, frames: list[RawFrame]) -> int:
        targets = self.sessions(uid)
        for session in targets:
            for frame in frames:
                session.send_raw(frame)
        return len(targets)

    def push_lazily(self, uid: str, make: Any) -> int:
        """Queue ``make()`` (an iterator of frames) for each of the user's sessions, produced
        only as each writer gets to it: a burst of any size, bounded memory, order kept."""
        targets = self.sessions(uid)
        for session in targets:
            session.send_lazily(make())
        return len(targets)
