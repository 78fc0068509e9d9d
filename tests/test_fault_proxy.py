"""FaultProxy itself: each fault does what it says, against a plain TCP echo server."""

from __future__ import annotations

import socket
import threading
import time
import unittest

from cometchat.testing import FaultProxy, scaled, waitFor


class EchoServer:
    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.address = self.sock.getsockname()
        self.accepted = 0
        threading.Thread(target=self._serve, name="test-echo", daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self._echo, args=(conn,), name="test-echo-conn", daemon=True).start()

    def _echo(self, conn: socket.socket) -> None:
        with conn:
            try:
                while data := conn.recv(4096):
                    conn.sendall(data)
            except OSError:
                pass

    def close(self) -> None:
        self.sock.close()


class FaultProxyTest(unittest.TestCase):
    def setUp(self) -> None:
        self.echo = EchoServer()
        self.addCleanup(self.echo.close)
        self.proxy = FaultProxy(self.echo.address).start()
        self.addCleanup(self.proxy.stop)

    def dial(self) -> socket.socket:
        conn = socket.create_connection((self.proxy.host, self.proxy.port), timeout=scaled(5))
        self.addCleanup(conn.close)
        return conn

    def roundtrip(self, conn: socket.socket, data: bytes) -> bytes:
        conn.sendall(data)
        got = b""
        while len(got) < len(data):
            chunk = conn.recv(4096)
            if not chunk:
                break
            got += chunk
        return got

    def test_passes_bytes_both_ways(self) -> None:
        conn = self.dial()
        self.assertEqual(self.roundtrip(conn, b"hello" * 10000), b"hello" * 10000)
        self.assertEqual(self.proxy.connections, 1)

    def test_cut_resets_live_connections(self) -> None:
        conn = self.dial()
        self.roundtrip(conn, b"x")
        self.assertEqual(self.proxy.cut(), 1)
        with self.assertRaises(ConnectionResetError):
            conn.recv(10)
        self.assertEqual(self.roundtrip(self.dial(), b"again"), b"again")

    def test_down_refuses_until_the_block_ends(self) -> None:
        with self.proxy.down():
            with self.assertRaises(ConnectionResetError):  # at connect or at the first read
                self.dial().recv(10)
        self.assertEqual(self.roundtrip(self.dial(), b"up"), b"up")

    def test_blackhole_stalls_bytes_without_closing(self) -> None:
        conn = self.dial()
        self.roundtrip(conn, b"warm")
        with self.proxy.blackhole():
            conn.sendall(b"held")
            conn.settimeout(scaled(0.3))
            with self.assertRaises(socket.timeout):
                conn.recv(10)
            self.assertEqual(self.proxy.connections, 1)
        conn.settimeout(scaled(5))
        self.assertEqual(conn.recv(10), b"held")

    def test_delay_holds_bytes_in_order(self) -> None:
        conn = self.dial()
        with self.proxy.delay(0.2):
            started = time.monotonic()
            self.assertEqual(self.roundtrip(conn, b"abcdef"), b"abcdef")
            self.assertGreaterEqual(time.monotonic() - started, 0.4)  # 0.2 each way

    def test_flap_alternates_service_and_resets(self) -> None:
        resets = 0
        served = 0
        with self.proxy.flap(up=0.1, down=0.1):
            deadline = time.monotonic() + scaled(5)
            while (resets < 2 or served < 2) and time.monotonic() < deadline:
                try:
                    conn = socket.create_connection((self.proxy.host, self.proxy.port), timeout=scaled(2))
                    with conn:
                        if self.roundtrip(conn, b"p") == b"p":
                            served += 1
                        else:
                            resets += 1
                except OSError:
                    resets += 1
        self.assertGreaterEqual(resets, 2)
        self.assertGreaterEqual(served, 2)

    def test_closing_one_side_closes_the_other(self) -> None:
        conn = self.dial()
        self.roundtrip(conn, b"x")
        conn.shutdown(socket.SHUT_WR)
        self.assertEqual(conn.recv(10), b"")
        waitFor(lambda: self.proxy.connections == 0)

    def test_stop_leaves_no_thread(self) -> None:
        def proxy_threads() -> int:
            return sum(t.name == "cometchat-faultproxy" for t in threading.enumerate())

        before = proxy_threads()
        proxy = FaultProxy(self.echo.address).start()
        self.assertEqual(proxy_threads(), before + 1)
        proxy.stop()
        self.assertEqual(proxy_threads(), before)


if __name__ == "__main__":
    unittest.main()
