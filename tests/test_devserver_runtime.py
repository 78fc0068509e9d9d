"""Running the dev server: restarts, TLS, proxies, the command line, a child process."""

from __future__ import annotations

import contextlib
import inspect
import io
import os
import re
import select
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from typing import Iterator

import trustme

from cometchat.devserver import DevServer
from cometchat.devserver.__main__ import parse_args
from cometchat.devserver.limits import LIMIT_NAMES, Limits, limits_from
from cometchat.testing import FaultProxy, scaled
from helpers import RawClient, reliability


class RestartTest(unittest.TestCase):
    def test_data_tokens_and_jwts_survive_a_restart_with_the_same_database(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            db = os.path.join(tmp, "chat.db")
            with DevServer(app_id="persist", auth_key="key", db_path=db) as first:
                alice = RawClient(first, "cometchat-uid-1")
                alice.login()
                status, sent = alice.rest("POST", "messages", {"receiver": "cometchat-uid-2", "receiverType": "user",
                                                               "category": "message", "type": "text", "text": "kept"})
                self.assertEqual(status, 200)
                first.create_user("survivor", "Survivor")
            with DevServer(app_id="persist", auth_key="key", db_path=db) as second:
                again = RawClient(second, "cometchat-uid-1")
                again.token, again.me = alice.token, alice.me
                status, body = again.rest("GET", "users/cometchat-uid-2/messages")
                self.assertEqual(status, 200)
                self.assertEqual([m["id"] for m in body["data"]], [sent["data"]["id"]])
                self.assertEqual(again.rest("GET", "users/survivor")[0], 200)
                # the JWT minted by the first server still opens a socket on the second
                reply = again.connect(jwt=alice.me["jwt"], url=f"ws://127.0.0.1:{second.port}/")
                self.assertEqual(reply["body"]["status"], "OK")
                again.close()


class TlsTest(unittest.TestCase):
    def test_https_and_wss_with_a_trusted_certificate(self) -> None:
        ca = trustme.CA()
        cert = ca.issue_cert("127.0.0.1", "localhost")
        server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(server_context)
        client_context = ssl.create_default_context()
        ca.configure_trust(client_context)
        with tempfile.TemporaryDirectory() as tmp, DevServer(ssl_context=server_context) as server:
            ca_file = os.path.join(tmp, "ca.pem")
            ca.cert_pem.write_to_path(ca_file)
            server.tls_verify = ca_file
            self.assertTrue(server.url.startswith("https://127.0.0.1:"))
            alice = RawClient(server, "cometchat-uid-1", verify=ca_file, ssl_context=client_context)
            me = alice.login()
            self.assertIs(me["settings"]["CHAT_USE_SSL"], True)
            self.assertTrue(alice.socket_url().startswith("wss://127.0.0.1:"))
            self.assertEqual(alice.connect()["body"]["status"], "OK")
            alice.close()
            self.assertEqual(server.create_user("tls-user")["uid"], "tls-user")


    def test_a_stalled_tls_handshake_is_closed_after_the_header_timeout(self) -> None:
        """Not after asyncio's default 60 s: each one holds a descriptor meanwhile."""
        cert = trustme.CA().issue_cert("127.0.0.1")
        server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(server_context)
        with DevServer(ssl_context=server_context, header_timeout=1) as server:
            with socket.create_connection(("127.0.0.1", server.port), timeout=scaled(10)) as sock:
                sock.sendall(b"\x16\x03\x01")  # the start of a ClientHello, and then nothing
                started = time.monotonic()
                try:
                    self.assertEqual(sock.recv(1024), b"")  # closed by the server
                except ConnectionResetError:
                    pass  # ... or reset: closed either way
                self.assertLess(time.monotonic() - started, scaled(10))
        reliability.count("attacks", 1)


class ProxyRoundTripTest(unittest.TestCase):
    def test_a_client_behind_a_proxy_is_sent_back_through_it(self) -> None:
        with DevServer() as server, FaultProxy(server.url) as proxy:
            alice = RawClient(server, "cometchat-uid-1", base_url=proxy.url)
            settings = alice.login()["settings"]
            self.assertEqual((settings["CHAT_HOST"], settings["CHAT_WSS_PORT"]), ("127.0.0.1", str(proxy.port)))
            self.assertEqual(settings["CLIENT_API_HOST"], f"127.0.0.1:{proxy.port}")
            self.assertEqual(alice.connect()["body"]["status"], "OK")
            self.assertEqual(proxy.connections, 1)
            proxy.cut()
            self.assertEqual(alice.next_event().kind, "dropped")


class ProcessModeTest(unittest.TestCase):
    def test_controls_work_across_the_process_boundary(self) -> None:
        with DevServer(process=True, idle_timeout=30) as server:
            pid = server.pid
            self.assertIsNotNone(pid)
            alice = RawClient(server, "cometchat-uid-1")
            self.addCleanup(alice.close)
            self.assertEqual(alice.connect()["body"]["status"], "OK")
            sessions = server.sessions("cometchat-uid-1")
            self.assertEqual([s["deviceId"] for s in sessions], [alice.session_id])
            self.assertEqual(server.push("cometchat-uid-1", {"type": "hello"}), 1)
            self.assertEqual(alice.frame()["type"], "hello")
            with self.assertRaises(ValueError):
                server.set_mode("TURBO")
            server.drop_connections(code=4444)
            self.assertEqual(alice.next_event().data, 4444)
        self.assertIsNone(server.pid)
        with self.assertRaises(ProcessLookupError):  # the child is gone (and reaped)
            os.kill(pid, 0)  # type: ignore[arg-type]


class LimitsSurfaceTest(unittest.TestCase):
    """Every limit is a ``DevServer`` keyword and a CLI flag (DESIGN 7), a flag takes effect in a
    child server, and a bad value is refused at once in either mode."""

    def test_every_limit_is_a_keyword_and_a_flag(self) -> None:
        keywords = inspect.signature(DevServer.__init__).parameters
        self.assertGreaterEqual(len(LIMIT_NAMES), 11)
        for name in sorted(LIMIT_NAMES):
            with self.subTest(name=name):
                self.assertEqual(keywords[name].kind, inspect.Parameter.KEYWORD_ONLY)
                self.assertIsNone(keywords[name].default)  # None keeps the default
                self.assertNotEqual(getattr(Limits(), name), 7)
                self.assertEqual(getattr(limits_from(parse_args([f"--{name.replace('_', '-')}", "7"])), name), 7)

    def test_a_flag_takes_effect_in_a_process_server(self) -> None:
        with DevServer(process=True, max_frame_bytes=1000) as server:  # given to the child as --max-frame-bytes
            alice = RawClient(server, "cometchat-uid-1")
            alice.connect()
            alice.send('{"action":"ping","ack":"true","pad":"%s"}' % ("p" * 900))
            self.assertEqual(alice.frame()["action"], "pong")
            alice.send('{"action":"ping","ack":"true","pad":"%s"}' % ("p" * 1000))  # over 1000, far under 65536
            event = alice.next_event()
            self.assertEqual((event.kind, event.data), ("close", 1009))
            alice.close()

    def test_a_bad_limit_is_refused_at_once_in_either_mode(self) -> None:
        for process in (False, True):
            for bad in ({"max_frame_bytes": 1.5}, {"file_count_max": True}, {"header_timeout": 0},
                        {"auth_failures": "20"}, {"body_timeout": float("inf")}, {"max_form_fields": 0},
                        {"group_password_failure_window": -1.0},
                        # the socket's timeouts are arguments of their own, held to the same rule
                        {"auth_timeout": 0}, {"idle_timeout": -5}, {"jwt_lifetime": float("nan")},
                        {"idle_timeout": "45"}):
                with self.subTest(process=process, **bad), self.assertRaises(ValueError):
                    DevServer(process=process, **bad)

    def test_the_command_line_refuses_a_timeout_that_is_not_positive(self) -> None:
        for flag in ("--auth-timeout", "--idle-timeout", "--jwt-lifetime"):
            with self.subTest(flag=flag), contextlib.redirect_stderr(io.StringIO()) as stderr, \
                    self.assertRaises(SystemExit):
                parse_args([flag, "0"])
            self.assertIn("must be a positive number", stderr.getvalue())
        self.assertEqual(parse_args(["--idle-timeout", "0.5"]).idle_timeout, 0.5)


class CommandLineTest(unittest.TestCase):
    def read_until(self, proc: subprocess.Popen, pattern: str, timeout: float) -> str:
        assert proc.stdout is not None
        seen = ""
        deadline = time.monotonic() + scaled(timeout)
        while not re.search(pattern, seen):
            left = deadline - time.monotonic()
            self.assertGreater(left, 0, f"no {pattern!r} in {seen!r}")
            ready, _, _ = select.select([proc.stdout], [], [], left)
            if ready:
                chunk = os.read(proc.stdout.fileno(), 4096).decode()
                self.assertTrue(chunk, f"the server exited: {seen!r}")
                seen += chunk
        return seen

    @contextlib.contextmanager
    def running(self, *args: str) -> Iterator[str]:
        """``python -m cometchat.devserver --port 0 *args``, with its banner; stopped with Ctrl-C
        (which must end it cleanly) when the block ends, killed if anything failed first."""
        proc = subprocess.Popen([sys.executable, "-m", "cometchat.devserver", "--port", "0", *args],
                                stdout=subprocess.PIPE)
        try:
            yield self.read_until(proc, r"Ctrl-C", 30)
            proc.send_signal(signal.SIGINT)
            self.read_until(proc, r"Stopped", 30)
            self.assertEqual(proc.wait(timeout=scaled(30)), 0)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            assert proc.stdout is not None
            proc.stdout.close()

    def test_starts_prints_what_an_app_needs_and_stops_on_ctrl_c(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            db = os.path.join(tmp, "cli.db")
            with self.running("--db", db, "--app-id", "cliapp", "--auth-key", "clikey", "--region", "eu") as banner:
                url = re.search(r"listening on (http://\S+)", banner).group(1)  # type: ignore[union-attr]
                for expected in ("cliapp", "clikey", "eu", "overrideClientHost"):
                    self.assertIn(expected, banner)
                server = DevServer.__new__(DevServer)  # only to reuse RawClient's helpers
                server.url, server.app_id, server.auth_key = url, "cliapp", "clikey"
                self.assertEqual(RawClient(server, "cometchat-uid-2").login()["uid"], "cometchat-uid-2")
            self.assertTrue(os.path.exists(db))

    def test_without_db_the_temporary_database_is_removed_on_exit(self) -> None:
        with self.running() as banner:
            db = re.search(r"Database: (\S+)", banner).group(1)  # type: ignore[union-attr]
            self.assertTrue(os.path.exists(db))
        self.assertFalse(os.path.exists(os.path.dirname(db)))

    def test_help_is_plain_text(self) -> None:
        done = subprocess.run([sys.executable, "-m", "cometchat.devserver", "--help"], capture_output=True,
                              text=True, timeout=scaled(30))
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("local CometChat-compatible server", done.stdout)
        self.assertNotIn("``", done.stdout)


class ShutdownTest(unittest.TestCase):
    def test_the_server_stops_accepting_before_it_drops_its_sessions(self) -> None:
        server = DevServer().start()
        try:
            alice = RawClient(server, "cometchat-uid-1")
            self.assertEqual(alice.connect()["body"]["status"], "OK")
            # a new connection is accepted while the server runs...
            socket.create_connection(("127.0.0.1", server.port), timeout=scaled(5)).close()
            stopper = threading.Thread(target=server.stop, name="test-stopper")
            stopper.start()
            self.assertEqual(alice.next_event().data, 1001)  # the server is going away...
            # ...and at that moment it already refuses newcomers, so nobody reconnects to it
            with self.assertRaises(ConnectionRefusedError):
                socket.create_connection(("127.0.0.1", server.port), timeout=scaled(5)).close()
            stopper.join(timeout=scaled(30))
        finally:
            server.stop()


if __name__ == "__main__":
    unittest.main()
