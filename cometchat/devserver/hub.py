"""The dev server's WebSocket side: authentication, relays, presence, keep-alive.

Every socket gets a ``Session`` with an outbox drained by one writer task, so frames reach
each client in the order the server produced them, and a delayed pong never holds back the
frames behind it. The server, not the client, decides who a frame is from: ``sender``,
``deviceId`` and ``body.user`` of every relayed frame come from the authenticated session.

The outbox is bounded by bytes (``Limits.max_outbox_bytes``): a receiver that falls that far
behind is closed with ``CLOSE_TOO_SLOW`` (4004) and reconnects; what it missed stays
fetchable. The controls' bursts count too, made at most half the bound ahead of the socket. A session whose writer fails is closed, never left open and silent. A frame the
protocol module refuses (not strict JSON, a lone surrogate, too deep) is answered with an
error frame; nothing a client sends can end its handler with a traceback.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import logging
import socket
import struct
import time
from typing import TYPE_CHECKING, Any, Iterator

import attrs
from aiohttp import WSMsgType, web

from ..transport import protocol
from . import keys
from .edge import shown_reason

if TYPE_CHECKING:
    from .backend import Backend

log = logging.getLogger("cometchat.devserver")

#: aiohttp's own cap, at least this and never below ours (``Limits.max_frame_bytes``, which it
#: follows upwards): below it we read the whole frame and close cleanly with 1009; above it
#: aiohttp closes with 1009 and the guard's lingering close lets the client read it instead of
#: a reset caused by unread bytes.
_READ_LIMIT = 4 * 1024 * 1024


def _over(text: str, limit: int) -> bool:
    """Whether a text frame is over ``limit`` bytes in UTF-8 (the limit counts bytes, not
    characters); it is encoded only when its length in characters cannot tell."""
    if len(text) > limit:
        return True
    if len(text) * 4 <= limit or text.isascii():
        return False
    return len(text.encode("utf-8", "surrogatepass")) > limit

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
    #: ``data`` goes onto the TCP stream as it is (any bytes: a malformed frame, a bare header)
    wire: bool = False


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
        self.queued_bytes = 0  #: bytes of frames made for this socket and not yet handed to it
        self.peak_bytes = 0  #: the most ``queued_bytes`` has been (``outboxPeak``)
        self._overflowed = False
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
        if self._count(len(data)):
            self._outbox.put_nowait(data)

    def _count(self, size: int) -> bool:
        """Count ``size`` more bytes queued: False, and the session closing with 4004, when that
        takes it over ``max_outbox_bytes``."""
        self.queued_bytes += size
        if self.queued_bytes > self.max_outbox:
            self._overflow()
            return False
        self.peak_bytes = max(self.peak_bytes, self.queued_bytes)
        return True

    def send_raw(self, frame: RawFrame) -> None:
        if not self.closing:
            self._outbox.put_nowait(frame)

    def send_lazily(self, frames: Iterator[str]) -> None:
        """Queue a burst (the controls' ``blast`` and ``push_many``), in order: frames made as the
        writer gets to them, at most half of ``max_outbox_bytes`` ahead of the socket, and counted
        in the outbox like any other (``_write_burst``)."""
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
        pending_close = None
        while not self._outbox.empty():
            item = self._outbox.get_nowait()
            if isinstance(item, tuple):
                pending_close = item  # a close already on its way goes out still, with its own code
        self.queued_bytes = 0
        self._overflowed = True  # a burst being written stops too
        self.hub.backend.gate.refuse(
            self.remote or "?", "slow reader", f"session {self.id} ({self.uid}) fell {behind} bytes behind"
        )
        self.hub.backend.log_connection("overflow", self.uid)
        if pending_close is not None:
            self._outbox.put_nowait(pending_close)
        else:
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
                await self._write_burst(item)

    async def _write_burst(self, frames: Iterator[str]) -> None:
        """Write a burst: its frames are made ahead of the socket, at most half of
        ``max_outbox_bytes`` (at least one frame), and counted as queued until written. A reader
        that keeps reading is never closed by a burst of any size; one that stopped holds the
        burst's half, and what else is queued for it closes it with 4004 once over the bound."""
        ahead: collections.deque[bytes] = collections.deque()
        made, room, exhausted = 0, self.max_outbox // 2, False
        while not self.closing:  # a close queued behind the burst ends it
            while not exhausted and (made < room or not ahead):
                text = next(frames, None)
                if text is None:
                    exhausted = True
                elif self._count(len(data := text.encode("utf-8"))):
                    ahead.append(data)
                    made += len(data)
                else:
                    return  # over the bound: the close is queued, and what was made is dropped
            if not ahead:
                return
            data = ahead.popleft()
            made -= len(data)
            self.queued_bytes -= len(data)
            await self.ws.send_frame(data, WSMsgType.TEXT)
            if self._overflowed:  # what else was queued took the session over the bound meanwhile
                return
        for data in ahead:  # made but not written: no longer queued
            self.queued_bytes -= len(data)

    async def _write_raw(self, frame: RawFrame) -> bool:
        """Send a raw frame; True when it was a cut (the session is over)."""
        if frame.wire:
            if self.transport is not None:
                self.transport.write(frame.data)
            return False
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
            "outboxPeak": self.peak_bytes,
        }


def _encoded(frame: protocol.Frame) -> str | None:
    """The frame's text for a push made after something was stored (a message, a receipt, a
    reaction): None, and one error line, if it cannot be encoded. The edge refuses what could
    cause that, so it is a bug of ours; it must not turn into a failed answer for what is stored."""
    try:
        return protocol.encode(frame)
    except protocol.ProtocolError as exc:
        log.error("could not encode a %s frame to push; it is not delivered live: %s", type(frame).__name__, exc)
        return None


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
        read_limit = max(_READ_LIMIT, backend.config.limits.max_frame_bytes + 1)  # aiohttp refuses one of exactly its cap
        ws = web.WebSocketResponse(max_msg_size=read_limit, timeout=5.0)
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
        if _over(msg.data, limits.max_frame_bytes):
            session.close(1009, "frame too large")
            return False
        try:
            frame = protocol.decode(msg.data, max_depth=limits.max_json_depth)
        except protocol.ProtocolError as exc:
            self._bad_frame(session, str(exc))
            return self._refuse(session, "ERR_BAD_FRAME", str(exc))
        if not isinstance(frame, protocol.AuthRequest):
            return self._refuse(session, "AUTH_ERR_NO_AUTH", "the first frame must be auth")
        if not keys.is_uid(frame.sender):  # refused before anything keeps it: a sender can be 64 KiB
            self._bad_frame(session, "the auth frame's sender is not a uid")
            backend.log_connection("auth_fail", None)
            return self._refuse(session, "ERR_BAD_FRAME", "sender must be a uid (1-100 letters, digits, _ and -)")
        address = session.remote or "?"
        wait = backend.gate.throttled(frame.sender, address)
        if wait is not None:
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
            if msg.type == WSMsgType.TEXT and _over(msg.data, self.backend.config.limits.max_frame_bytes):
                session.close(1009, "frame too large")
                return
            if msg.type == WSMsgType.TEXT:
                await self._on_text_safely(session, msg.data)
            elif msg.type == WSMsgType.BINARY:
                self._bad_frame(session, "a binary frame")
                self._complain(session, "ERR_BAD_FRAME", "binary frames are not part of the protocol")
            else:  # CLOSE, CLOSING, CLOSED, ERROR (1009 for an oversized frame)
                return

    # ------------------------------------------------------------------ inbound frames

    def _bad_frame(self, session: Session, why: str) -> None:
        """Log a frame refused as malformed: one line per address, then quiet for a while."""
        self.backend.gate.refuse(session.remote or "?", "bad frame",
                                 f"session {session.id} ({session.uid}): {shown_reason(why, 'malformed')}")

    def _complain(self, session: Session, code: str, message: str) -> None:
        session.send(protocol.encode(protocol.ErrorFrame(code=code, message=message)))

    async def _on_text_safely(self, session: Session, text: str) -> None:
        """``_on_text``, where a bug of ours costs one frame and one log line, not the session."""
        try:
            await self._on_text(session, text)
        except Exception:
            log.exception("internal error handling a frame from session %s", session.id)
            self._complain(session, "ERR_INTERNAL", "the server failed to handle this frame")

    async def _on_text(self, session: Session, text: str) -> None:
        try:
            frame = protocol.decode(text, max_depth=self.backend.config.limits.max_json_depth)
        except protocol.ProtocolError as exc:
            self._bad_frame(session, str(exc))
            self._complain(session, "ERR_BAD_FRAME", str(exc))
            return
        if isinstance(frame, protocol.Ping):
            self._pong(session)
        elif isinstance(frame, protocol.ReceiptFrame):
            await self._receipt(session, frame)
        elif isinstance(frame, (protocol.TypingFrame, protocol.TransientFrame)):
            await self._relay(session, frame)
        else:
            self._complain(session, "ERR_FRAME_NOT_ALLOWED", f"clients may not send {type(frame).__name__}")

    def _pong(self, session: Session) -> None:
        delay = self.backend.pong_delay
        if delay > 0:
            asyncio.get_running_loop().call_later(delay, session.send, protocol.PONG_TEXT)
        else:
            session.send(protocol.PONG_TEXT)

    def _stamped(self, session: Session, frame: Any) -> Any:
        """The frame as the server relays it: who it is from is the server's to say."""
        return attrs.evolve(frame, app_id=self.backend.app.app_id, sender=session.uid, device_id=session.device_id,
                            user=session.user)

    async def _relay(self, session: Session, frame: Any) -> None:
        """Typing and transient messages: to the other user, or to the group's other members."""
        uid = session.uid
        if uid is None:
            return
        text = protocol.encode(self._stamped(session, frame))
        if frame.receiver_type == "user":
            targets = [frame.receiver]
        else:
            targets = await self._members_for(session, frame.receiver)
        for target in targets:
            if self.backend.blocked_between(uid, target):
                continue  # nothing live passes between users who blocked each other
            for peer in self.by_uid.get(target, ()):
                if peer is not session:
                    peer.send(text)

    async def _members_for(self, session: Session, guid: str) -> list[str]:
        """The group's members, if the session's user is one (else an error frame and nobody)."""
        app_id = self.backend.app.app_id
        def find(s: Any) -> tuple[bool, list[str]]:
            row = s.group_row(app_id, guid)
            return row is not None and s.visible_to(app_id, row, session.uid), s.member_uids(app_id, guid)

        exists, members = await self.backend.db.run(find)
        if not exists:
            self._complain(session, "ERR_GUID_NOT_FOUND", f"there is no group {guid}")
        elif session.uid not in members:
            self._complain(session, "ERR_NOT_A_MEMBER", f"not a member of the group {guid}")
        else:
            return list(members)
        return []

    async def _receipt(self, session: Session, frame: protocol.ReceiptFrame) -> None:
        """A receipt counts only for a message its sender received; it moves their read position
        and reaches the message's sender. ``deliveredToAll`` / ``readByAll`` come only from here,
        once every member of a group got the message."""
        uid = session.uid
        app_id = self.backend.app.app_id
        message_id = protocol.parse_id(frame.message_id)  # the parser let only ids through
        if frame.action not in ("delivered", "read") or not message_id or uid is None:
            self._complain(session, "ERR_RECEIPT_NOT_ALLOWED", "clients send delivered or read receipts by message id")
            return
        now = int(time.time())

        def record(s: Any) -> Any:
            row = s.visible_message(app_id, uid, message_id)
            addressed = row is not None and frame.receiver == (row["receiver"] if row["receiver_type"] == "group"
                                                               else row["sender"])
            if row is None or row["sender"] == uid or not addressed:
                return None, (), False
            s.record_receipt(app_id, row["conv_key"], uid, frame.action, message_id, now)
            return row, s.completed_for_all(app_id, row, frame.action), s.sender_hears_receipts(app_id, row)

        row, everyone, heard = await self.backend.db.run(record)
        if row is None:
            self._complain(session, "ERR_RECEIPT_NOT_ALLOWED", f"no message {message_id} for you to {frame.action}")
            return
        if not heard:  # counted, but its sender has left the group
            return
        stamped = attrs.evolve(self._stamped(session, frame), message_sender=row["sender"], timestamp=now)
        self._send_receipt(stamped, row["sender"], uid, everyone)

    def _send_receipt(self, frame: protocol.ReceiptFrame, to_uid: str, from_uid: str, to_all: Any) -> None:
        """A receipt to the message's sender, then the ``deliveredToAll`` / ``readByAll`` it
        completed (``to_all``: the kinds, "delivered" or "read")."""
        text = _encoded(frame)
        if text is None:
            return
        self._to(to_uid, from_uid, text)
        for kind in to_all:
            whole = _encoded(attrs.evolve(frame, action="deliveredToAll" if kind == "delivered" else "readByAll"))
            if whole is not None:
                self._to(to_uid, from_uid, whole)

    def _to(self, uid: str, from_uid: str, text: str) -> None:
        """Send ``text`` to every session of ``uid``, unless one of the two blocked the other."""
        if self.backend.blocked_between(uid, from_uid):
            return
        for peer in self.by_uid.get(uid, ()):
            peer.send(text)

    def is_online(self, uid: str) -> bool:
        return uid in self.by_uid

    def online_uids(self) -> list[str]:
        return list(self.by_uid)

    # ------------------------------------------------------------------ outbound events

    def deliver_to(self, uids: Any, body: dict[str, Any], resource: str | None, *, blocks: bool = False) -> None:
        """Push a message (or action) to every session of each of ``uids`` (a group's members, or
        a conversation's two parties); with ``blocks``, not to those who blocked its sender or
        whom it blocked (the sender's own sessions always get it)."""
        frame = protocol.MessageFrame(app_id=self.backend.app.app_id, receiver=body["receiver"],
                                      receiver_type=body["receiverType"], device_id=resource, sender=body["sender"],
                                      body=body)
        text = _encoded(frame)
        if text is None:
            return
        for uid in set(uids):
            if blocks and uid != body["sender"] and self.backend.blocked_between(uid, body["sender"]):
                continue
            for peer in self.by_uid.get(uid, ()):
                peer.send(text)

    def push_frame(self, frame: protocol.Frame, from_uid: str, uids: Any) -> None:
        """Send ``frame`` to every session of each of ``uids`` but those blocked from ``from_uid``."""
        text = _encoded(frame)
        if text is None:
            return
        for uid in set(uids):
            self._to(uid, from_uid, text)

    def push_receipt(self, reader: dict[str, Any], to_uid: str, message_id: int, action: str, at: int,
                     resource: str | None, *, receiver: str, receiver_type: str, to_all: tuple[str, ...] = ()) -> None:
        """A receipt made over REST (a conversation marked read or delivered), as the socket relays
        one; ``to_all`` names the ``deliveredToAll`` / ``readByAll`` it completed in a group."""
        frame = protocol.ReceiptFrame(
            app_id=self.backend.app.app_id, receiver=receiver, receiver_type=receiver_type, device_id=resource,
            sender=reader["uid"], message_sender=to_uid, action=action, message_id=str(message_id),
            user=dict(reader, status="online"), timestamp=at,
        )
        self._send_receipt(frame, to_uid, reader["uid"], to_all)

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
        text = _encoded(frame)
        if text is None:
            return
        friends: set[str] | None = None
        for peer in list(self.sockets):
            if not peer.authenticated or peer.uid == uid or peer.presence is None:
                continue
            if peer.uid is not None and backend.blocked_between(uid, peer.uid):
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
