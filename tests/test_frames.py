"""The SDK's own WebSocket frame reader, over real sockets: whole messages out of any split
of the bytes, fragments joined around control frames, RFC 6455's rules for a client; the
read-ahead socket of the upgrade, and the gate that opens a few sockets at a time."""

from __future__ import annotations

import os
import socket
import struct
import threading
import unittest
from unittest import mock

from websocket import WebSocketConnectionClosedException, WebSocketPayloadException, WebSocketProtocolException

from cometchat.transport.frames import (
    OPCODE_BINARY,
    OPCODE_CLOSE,
    OPCODE_CONT,
    OPCODE_PING,
    OPCODE_PONG,
    OPCODE_TEXT,
    MAX_MESSAGE,
    FrameReader,
)
from cometchat.transport.sockets import OpeningGate, ReadAheadSocket, gate_for, open_stream


def frame(opcode: int, payload: bytes, *, fin: bool = True, rsv: int = 0, mask: bytes | None = None) -> bytes:
    """One frame as a server (or, with ``mask``, a client) would write it."""
    head = bytes([(0x80 if fin else 0) | rsv << 4 | opcode])
    bit = 0x80 if mask is not None else 0
    size = len(payload)
    if size < 126:
        head += bytes([bit | size])
    elif size < 65536:
        head += bytes([bit | 126]) + struct.pack("!H", size)
    else:
        head += bytes([bit | 127]) + struct.pack("!Q", size)
    if mask is None:
        return head + payload
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


class FrameReaderTest(unittest.TestCase):
    def setUp(self) -> None:
        self.server, self.client = socket.socketpair()
        self.addCleanup(self.server.close)
        self.addCleanup(self.client.close)
        self.reader = FrameReader(self.client)

    def read_all(self, count: int) -> list[tuple[int, bytes]]:
        got: list[tuple[int, bytes]] = []
        while len(got) < count:
            got += self.reader.read()
        return got

    def test_many_frames_of_every_length_form_in_one_read(self) -> None:
        payloads = [b"", b"x" * 125, b"y" * 126, b"z" * 65535, b"w" * 65536, "é ü 😀".encode()]
        self.server.sendall(b"".join(frame(OPCODE_TEXT, p) for p in payloads))
        self.assertEqual(self.read_all(len(payloads)), [(OPCODE_TEXT, p) for p in payloads])

    def test_bytes_split_anywhere_give_the_same_messages(self) -> None:
        wire = b"".join(frame(OPCODE_TEXT, f"message {n}".encode() * n) for n in range(1, 40))
        sender = threading.Thread(target=lambda: [self.server.sendall(wire[i:i + 7]) for i in range(0, len(wire), 7)])
        sender.start()
        got = self.read_all(39)
        sender.join()
        self.assertEqual(got, [(OPCODE_TEXT, f"message {n}".encode() * n) for n in range(1, 40)])

    def test_fragments_are_joined_and_control_frames_between_them_come_first(self) -> None:
        self.server.sendall(frame(OPCODE_TEXT, b"hel", fin=False) + frame(OPCODE_PING, b"are you there")
                            + frame(OPCODE_CONT, b"lo ", fin=False) + frame(OPCODE_CONT, b"world")
                            + frame(OPCODE_BINARY, b"\x00\x01") + frame(OPCODE_PONG, b""))
        self.assertEqual(self.read_all(4), [(OPCODE_PING, b"are you there"), (OPCODE_TEXT, b"hello world"),
                                            (OPCODE_BINARY, b"\x00\x01"), (OPCODE_PONG, b"")])

    def test_a_close_frame_comes_out_in_order_with_its_payload(self) -> None:
        self.server.sendall(frame(OPCODE_TEXT, b"last words") + frame(OPCODE_CLOSE, struct.pack("!H", 4003) + b"idle"))
        self.assertEqual(self.read_all(2), [(OPCODE_TEXT, b"last words"),
                                            (OPCODE_CLOSE, struct.pack("!H", 4003) + b"idle")])

    def test_a_masked_frame_is_unmasked(self) -> None:
        self.server.sendall(frame(OPCODE_TEXT, b"masked payload", mask=b"\x01\x02\x03\x04"))
        self.assertEqual(self.read_all(1), [(OPCODE_TEXT, b"masked payload")])

    def test_protocol_violations_raise(self) -> None:
        cases = {
            "reserved bit": frame(OPCODE_TEXT, b"x", rsv=4),
            "unknown opcode": frame(0x3, b"x"),
            "fragmented control frame": frame(OPCODE_PING, b"x", fin=False),
            "long control frame": frame(OPCODE_PING, b"x" * 126),
            "continuation of nothing": frame(OPCODE_CONT, b"x"),
            "message inside a message": frame(OPCODE_TEXT, b"a", fin=False) + frame(OPCODE_TEXT, b"b"),
        }
        for name, wire in cases.items():
            with self.subTest(name):
                server, client = socket.socketpair()
                with server, client:
                    server.sendall(wire)
                    with self.assertRaises(WebSocketProtocolException):
                        FrameReader(client).read()

    def test_a_header_alone_decides_what_it_can(self) -> None:
        """Each of these is refused from its header, with none of the payload sent: a reader
        that waited for the payload would block here (the socket has a timeout to show it)."""
        header_only = {
            "reserved bit": (WebSocketProtocolException, bytes([0x80 | 0x40 | OPCODE_TEXT, 126]) + struct.pack("!H", 500)),
            "unknown opcode": (WebSocketProtocolException, bytes([0x83, 100])),
            "long ping": (WebSocketProtocolException, bytes([0x80 | OPCODE_PING, 126]) + struct.pack("!H", 200)),
            "top bit of a 64-bit length": (WebSocketProtocolException, b"\x81\x7f" + struct.pack("!Q", 1 << 63)),
            "1 TiB text": (WebSocketPayloadException, b"\x81\x7f" + struct.pack("!Q", 1 << 40)),
            "just over the limit": (WebSocketPayloadException, b"\x82\x7f" + struct.pack("!Q", MAX_MESSAGE + 1)),
        }
        for name, (error, wire) in header_only.items():
            with self.subTest(name):
                server, client = socket.socketpair()
                with server, client:
                    client.settimeout(5)
                    server.sendall(wire)
                    with self.assertRaises(error):
                        FrameReader(client).read()

    def test_fragments_count_towards_the_limit_together(self) -> None:
        reader = FrameReader(self.client, max_message=1000)
        self.server.sendall(frame(OPCODE_TEXT, b"a" * 600, fin=False) + frame(OPCODE_CONT, b"b" * 400))
        self.assertEqual(reader.read(), [(OPCODE_TEXT, b"a" * 600 + b"b" * 400)])  # exactly the limit
        self.server.sendall(frame(OPCODE_TEXT, b"a" * 600, fin=False) + frame(OPCODE_CONT, b"b" * 401))
        with self.assertRaises(WebSocketPayloadException):
            reader.read()

    def test_messages_before_a_violation_come_out_first(self) -> None:
        self.server.sendall(frame(OPCODE_TEXT, b"one") + frame(OPCODE_TEXT, b"two") + frame(0x3, b"bad")
                            + frame(OPCODE_TEXT, b"never"))
        self.assertEqual(self.reader.read(), [(OPCODE_TEXT, b"one"), (OPCODE_TEXT, b"two")])
        with self.assertRaises(WebSocketProtocolException):
            self.reader.read()
        with self.assertRaises(WebSocketProtocolException):  # the socket is done: it stays refused
            self.reader.read()

    def test_a_large_message_in_small_reads_comes_out_whole(self) -> None:
        payload = os.urandom(3 * 1024 * 1024 + 7)
        wire = frame(OPCODE_BINARY, payload) + frame(OPCODE_TEXT, b"after")
        sender = threading.Thread(target=self.server.sendall, args=(wire,), name="test-sender")
        sender.start()
        self.addCleanup(sender.join)
        self.assertEqual(self.read_all(2), [(OPCODE_BINARY, payload), (OPCODE_TEXT, b"after")])

    def test_the_peer_closing_the_connection_raises(self) -> None:
        self.server.sendall(frame(OPCODE_TEXT, b"partial")[:4])
        self.server.close()
        with self.assertRaises(WebSocketConnectionClosedException):
            self.reader.read()

    def test_a_shutdown_wakes_a_blocked_read(self) -> None:
        outcome: list[BaseException] = []

        def read() -> None:
            try:
                self.reader.read()
            except (WebSocketConnectionClosedException, OSError) as exc:
                outcome.append(exc)

        reading = threading.Thread(target=read)
        reading.start()
        self.client.shutdown(socket.SHUT_RDWR)
        reading.join(10)
        self.assertFalse(reading.is_alive())
        self.assertEqual(len(outcome), 1)


class ReadAheadSocketTest(unittest.TestCase):
    def test_small_reads_are_served_from_one_read_and_nothing_is_lost(self) -> None:
        server, client = socket.socketpair()
        with server, client:
            stream = ReadAheadSocket(client)
            server.sendall(b"HTTP/1.1 101 Switching Protocols\r\n\r\n" + frame(OPCODE_TEXT, b"first"))
            line = b"".join(stream.recv(1) for _ in range(36))
            self.assertEqual(line, b"HTTP/1.1 101 Switching Protocols\r\n\r\n")
            self.assertEqual(FrameReader(stream).read(), [(OPCODE_TEXT, b"first")])
            self.assertEqual(stream.fileno(), client.fileno())  # everything else is the socket's

    def test_with_a_proxy_in_the_environment_websocket_client_opens_the_socket_itself(self) -> None:
        with mock.patch.dict(os.environ, {"http_proxy": "http://proxy.invalid:3128"}):
            self.assertIsNone(open_stream("ws://127.0.0.1:1/", 1.0, None))
        with mock.patch.dict(os.environ, {"HTTPS_PROXY": "http://proxy.invalid:3128"}):
            self.assertIsNone(open_stream("wss://127.0.0.1:1/", 1.0, None))


if __name__ == "__main__":
    unittest.main()


class OpeningGateTest(unittest.TestCase):
    """A few sockets at a time open to one server; the rest wait their turn, in order."""

    def test_at_most_the_limit_inside_and_the_rest_in_turn(self) -> None:
        gate = OpeningGate(2)
        inside, most, order = [0], [0], []
        lock = threading.Lock()

        def opener(n: int) -> None:
            self.assertTrue(gate.enter(threading.Event(), lambda: False))
            with lock:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
                order.append(n)
            with lock:
                inside[0] -= 1
            gate.leave()

        threads = [threading.Thread(target=opener, args=(n,)) for n in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        self.assertEqual(sorted(order), list(range(12)))
        self.assertLessEqual(most[0], 2)
        self.assertTrue(gate.enter(threading.Event(), lambda: False))  # all slots came back
        self.assertTrue(gate.enter(threading.Event(), lambda: False))

    def test_an_abandoned_waiter_wakes_at_once_and_gives_no_slot_away(self) -> None:
        gate = OpeningGate(1)
        self.assertTrue(gate.enter(threading.Event(), lambda: False))
        ticket, result = threading.Event(), []
        waiter = threading.Thread(target=lambda: result.append(gate.enter(ticket, lambda: True)))
        waiter.start()
        ticket.set()  # what aborting the socket does
        waiter.join(10)
        self.assertEqual(result, [False])
        gate.leave()
        self.assertTrue(gate.enter(threading.Event(), lambda: False))  # the slot is free again

    def test_one_gate_per_server(self) -> None:
        self.assertIs(gate_for("ws://127.0.0.1:5000/"), gate_for("ws://127.0.0.1:5000/other"))
        self.assertIsNot(gate_for("ws://127.0.0.1:5000/"), gate_for("ws://127.0.0.1:5001/"))
        self.assertIs(gate_for("wss://example.com/"), gate_for("wss://example.com:443/"))
