"""Threads and re-entrancy: a storm of calls, SDK calls from callbacks, slow listeners, close()."""

from __future__ import annotations

import logging
import random
import threading
import time
import unittest
from concurrent.futures import Future
from typing import Any
from unittest import mock

from cometchat import CometChatClient, CometChatConnectionDelegate, ConnectionStatus
from cometchat.testing import DevServerMixin, EventRecorder, scaled, settingsFor, waitFor
from cometchat.transport import connection, frames
from helpers import error_of, fast, ok, statuses


class StormTest(DevServerMixin, unittest.TestCase):
    def test_twenty_threads_calling_connect_and_disconnect_for_ten_seconds(self) -> None:
        client = self.newClient("cometchat-uid-1", builder=fast())
        errors = EventRecorder()
        client.addConnectionListener("errors", errors)
        answers: dict[int, int] = {}
        futures: list[Future[Any]] = []
        lock = threading.Lock()
        counter = iter(range(10**9))
        stop = time.monotonic() + 10.0

        def storm(seed: int) -> None:
            rng = random.Random(seed)
            pause = threading.Event()
            while time.monotonic() < stop:
                with lock:
                    call = next(counter)
                    answers[call] = 0

                def answered(*_: Any, call: int = call) -> None:
                    with lock:
                        answers[call] += 1

                method = client.connect if rng.random() < 0.5 else client.disconnect
                futures.append(method(onSuccess=answered, onError=answered))
                pause.wait(rng.uniform(0, 0.02))

        threads = [threading.Thread(target=storm, args=(n,), name=f"test-storm-{n}") for n in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for future in futures:
            future.exception(timeout=scaled(15))  # every call has its answer...
        self.assertTrue(client.flush(scaled(15)))
        self.assertGreater(len(answers), 1000)
        self.assertEqual({n for n in answers.values()}, {1})  # ...exactly once
        self.assertLessEqual(client.statistics().maxLiveSockets, 1)
        # once things settle (a failed attempt may still be retrying), the status and the server agree
        waitFor(lambda: client.statistics().state in ("idle", "connected"),
                message=f"never settled; connection errors: {errors.names()}")
        if client.getConnectionStatus is ConnectionStatus.connected:
            waitFor(lambda: len(self.server.sessions("cometchat-uid-1")) == 1)
        else:
            self.assertEqual(client.getConnectionStatus, ConnectionStatus.disconnected)
            waitFor(lambda: not self.server.sessions("cometchat-uid-1"),
                    message=f"sessions left: {self.server.sessions('cometchat-uid-1')}; errors: {errors.events}")
        ok(client.disconnect())
        ok(client.connect())
        waitFor(lambda: len(self.server.sessions("cometchat-uid-1")) == 1)


class ReentrancyTest(DevServerMixin, unittest.TestCase):
    def test_disconnect_inside_connected(self) -> None:
        client = self.newClient("cometchat-uid-2", builder=fast())
        outcome: list[Any] = []
        done = threading.Event()

        class Listener(CometChatConnectionDelegate):
            def connected(self) -> None:
                outcome.append(client.disconnect().result(timeout=scaled(10)))
                done.set()

        client.addConnectionListener("l", Listener())
        ok(client.connect())
        self.assertTrue(done.wait(scaled(10)))
        self.assertEqual(outcome, [None])
        self.assertEqual(client.getConnectionStatus, ConnectionStatus.disconnected)

    def test_connect_inside_disconnected(self) -> None:
        client = self.newClient("cometchat-uid-3", builder=fast())
        recorder = EventRecorder()
        reconnected = threading.Event()

        class Listener(CometChatConnectionDelegate):
            def disconnected(self) -> None:
                if not reconnected.is_set():
                    reconnected.set()
                    client.connect(onSuccess=recorder.callback("inner.ok"))

        client.addConnectionListener("l", Listener())
        client.addConnectionListener("r", recorder)
        ok(client.connect())
        ok(client.disconnect())
        recorder.waitFor("inner.ok")
        self.assertEqual(statuses(recorder), ["connecting", "connected", "disconnected", "connecting", "connected"])



class SlowListenerTest(DevServerMixin, unittest.TestCase):
    server_options = {"idle_timeout": 1.0}  # a client that stops pinging is closed within 1 s

    def test_a_listener_sleeping_three_seconds_does_not_stop_the_keepalive(self) -> None:
        client = self.newClient("cometchat-uid-4", builder=fast(ping=0.3, pong=0.3))
        recorder = EventRecorder()
        slept = threading.Event()

        class Sleeper(CometChatConnectionDelegate):
            def connected(self) -> None:
                time.sleep(3)  # the slow app code under test
                slept.set()

        client.addConnectionListener("sleeper", Sleeper())
        client.addConnectionListener("r", recorder)
        ok(client.connect())
        session = self.server.sessions("cometchat-uid-4")[0]["id"]
        self.assertTrue(slept.wait(scaled(10)))
        self.assertTrue(client.flush(scaled(5)))
        self.assertEqual(statuses(recorder), ["connecting", "connected"])
        self.assertEqual([s["id"] for s in self.server.sessions("cometchat-uid-4")], [session])


class LifecycleTest(DevServerMixin, unittest.TestCase):
    def test_close_returns_the_thread_count_to_what_it_was(self) -> None:
        before = set(threading.enumerate())
        client = CometChatClient(appId=self.server.app_id, appSettings=settingsFor(self.server, builder=fast()))
        ok(client.login(UID="cometchat-uid-5", authKey=self.server.auth_key))
        recorder = EventRecorder()
        client.addConnectionListener("r", recorder)
        ok(client.connect())
        self.server.drop_connections("cometchat-uid-5")
        recorder.waitFor("connected", count=2)
        names = {t.name for t in threading.enumerate() if t not in before}
        self.assertLessEqual({"cometchat-owner", "cometchat-reader", "cometchat-callbacks", "cometchat-rest"}, names)
        for thread in set(threading.enumerate()) - before:
            self.assertTrue(thread.daemon, thread.name)
        client.close()
        self.assertEqual(set(threading.enumerate()) - before, set())
        waitFor(lambda: not self.server.sessions("cometchat-uid-5"))

    def test_a_connect_after_a_disconnect_reads_on_the_same_reader_thread(self) -> None:
        def readers() -> set[threading.Thread]:
            return {t for t in threading.enumerate() if t.name == "cometchat-reader"}

        before = readers()
        client = self.newClient("cometchat-uid-2", builder=fast())
        ok(client.connect())
        mine = readers() - before
        self.assertEqual(len(mine), 1)
        for _ in range(3):
            ok(client.disconnect())
            self.assertIn("cometchat-reader", client.statistics().threads)  # parked, waiting for the next socket
            ok(client.connect())
            self.assertEqual(readers() - before, mine)
        client.close()
        self.assertEqual(readers() - before, set())

    def test_logout_stops_the_socket_threads(self) -> None:
        def readers() -> int:
            return sum(t.name == "cometchat-reader" for t in threading.enumerate())

        before = readers()
        # a reader whose socket ends waits this long for the next one: only sign-out ends it sooner
        with mock.patch.object(connection, "READER_LINGER", 3600.0):
            client = self.newClient("cometchat-uid-1", builder=fast())
        ok(client.connect())
        self.assertEqual(readers(), before + 1)
        ok(client.disconnect())
        ok(client.connect())  # the parked reader takes the new socket
        self.assertEqual(readers(), before + 1)
        ok(client.logout())
        waitFor(lambda: readers() == before)
        waitFor(lambda: not self.server.sessions("cometchat-uid-1"))
        # a socket still opening when the app signs out: its reader must not park either
        ok(client.login(UID="cometchat-uid-1", authKey=self.server.auth_key))
        client.connect()
        ok(client.logout())
        waitFor(lambda: readers() == before)


class ReaderTest(DevServerMixin, unittest.TestCase):
    def test_a_bug_of_ours_in_the_reader_is_logged_with_its_traceback(self) -> None:
        real_read, calls = frames.FrameReader.read, []

        def buggy(reader: frames.FrameReader) -> Any:
            calls.append(reader)
            if len(calls) == 1:
                raise AttributeError("a bug of ours")  # once: the retry reads for real
            return real_read(reader)

        client = self.newClient("cometchat-uid-3", builder=fast())
        recorder = EventRecorder()
        client.addConnectionListener("r", recorder)
        with mock.patch.object(frames.FrameReader, "read", buggy), self.assertLogs("cometchat", "ERROR") as logs:
            self.assertEqual(error_of(client.connect()).errorCode, "WS_CONNECTION_FAIL")
            recorder.waitFor("connected")  # the machine is not left waiting: the retry connects
        [record] = logs.records
        self.assertEqual(record.getMessage(), "unexpected internal error in the socket reader")
        self.assertIsNotNone(record.exc_info)
        self.assertEqual(str(record.exc_info[1]), "a bug of ours")  # type: ignore[index]

    def test_debug_turned_on_after_the_connection_is_built_shows_the_machine_at_work(self) -> None:
        logger = logging.getLogger("cometchat")
        self.addCleanup(logger.setLevel, logger.level)
        logger.setLevel(logging.INFO)  # whatever level the test run logs at
        client = self.newClient("cometchat-uid-3", builder=fast())
        ok(client.connect())  # the connection exists, built while DEBUG was off
        ok(client.disconnect())
        with self.assertLogs("cometchat", "DEBUG") as logs:
            ok(client.connect())
        self.assertTrue(any("Connect -> connecting" in line for line in logs.output), logs.output)


if __name__ == "__main__":
    unittest.main()
