"""Fifty threads call public methods at random for 20 s under a watchdog (issue 11's standing
suite): no call hangs (no deadlock), every callback-style call is answered exactly once, no
thread dies, nothing is logged at ERROR, the same status is never reported twice in a row, a
client never holds two live sockets, and once the storm is over each client's status and the
server's sessions agree.
"""

from __future__ import annotations

import faulthandler
import logging
import random
import sys
import threading
import time
import unittest
from concurrent.futures import Future
from typing import Any, Callable

from cometchat import (
    CometChatClient,
    CustomMessage,
    ReceiverType,
    TextMessage,
    TransientMessage,
    TypingIndicator,
)
from cometchat.testing import DevServerMixin, EventRecorder, scaled, waitFor
from helpers import ErrorLog, fast, ok, reliability, statuses

USERS = ("cometchat-uid-1", "cometchat-uid-2", "cometchat-uid-3")
THREADS = 50
SECONDS = 20.0
HANG = 10.0  #: a call that has not returned after this long (scaled) is a deadlock


class Watchdog:
    """Notes every call in flight; a call in flight for longer than HANG is reported with every
    thread's stack."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.in_flight: dict[int, tuple[str, float]] = {}
        self.hung: list[str] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.watch, name="watchdog", daemon=True)

    def call(self, name: str, fn: Callable[[], Any]) -> Any:
        key = threading.get_ident()
        with self.lock:
            self.in_flight[key] = (name, time.monotonic())
        try:
            return fn()
        finally:
            with self.lock:
                del self.in_flight[key]

    def watch(self) -> None:
        while not self.stop.wait(0.5):
            now = time.monotonic()
            with self.lock:
                late = [name for name, began in self.in_flight.values() if now - began > scaled(HANG)]
            if late:
                self.hung += late
                faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
                return


class StressTest(DevServerMixin, unittest.TestCase):
    def setUp(self) -> None:
        self.errors = ErrorLog()
        logging.getLogger("cometchat").addHandler(self.errors)
        self.addCleanup(logging.getLogger("cometchat").removeHandler, self.errors)
        self.died: list[str] = []
        previous = threading.excepthook
        threading.excepthook = lambda args: self.died.append(f"{args.thread.name}: {args.exc_value!r}")
        self.addCleanup(setattr, threading, "excepthook", previous)
        self.clients = [self.newClient(uid, builder=fast()) for uid in USERS]
        self.recorders = []
        for client in self.clients:
            recorder = EventRecorder()
            client.addConnectionListener("statuses", recorder)
            self.recorders.append(recorder)
        self.answers: dict[int, int] = {}
        self.futures: list[Future[Any]] = []
        self.lock = threading.Lock()
        self.calls = 0

    def answered_once(self) -> tuple[Callable[..., None], Callable[..., None]]:
        with self.lock:
            call = self.calls
            self.calls += 1
            self.answers[call] = 0

        def answer(*_: Any) -> None:
            with self.lock:
                self.answers[call] += 1

        return answer, answer

    def actions(self, client: CometChatClient, peer: str, rng: random.Random) -> list[tuple[str, Callable[[], Any]]]:
        def cb(method: Callable[..., Future[Any]], **kwargs: Any) -> Callable[[], Any]:
            def run() -> None:
                on_success, on_error = self.answered_once()
                self.futures.append(method(onSuccess=on_success, onError=on_error, **kwargs))
            return run

        to_peer = {"receiverType": ReceiverType.user}
        indicator = TypingIndicator(receiverID=peer, **to_peer)
        listener = f"l{rng.randrange(3)}"
        state = client.applicationState.didEnterBackground if rng.random() < 0.5 else \
            client.applicationState.didBecomeActive
        return [
            ("connect", cb(client.connect)), ("connect", cb(client.connect)),
            ("disconnect", cb(client.disconnect)), ("ping", cb(client.ping)),
            ("sendTextMessage", cb(client.sendTextMessage, message=TextMessage(receiverUid=peer, text="storm",
                                                                              **to_peer))),
            ("sendCustomMessage", cb(client.sendCustomMessage, message=CustomMessage(
                receiverUid=peer, customData={"n": 1}, type="storm", **to_peer))),
            ("markAsRead", cb(client.markAsRead, messageId=rng.randrange(1, 50), receiverId=peer,
                              messageSender=peer, **to_peer)),
            ("markAsDelivered", lambda: client.markAsDelivered(messageId=1, receiverId=peer, messageSender=peer,
                                                               **to_peer)),
            ("sendTransientMessage", lambda: client.sendTransientMessage(
                message=TransientMessage(receiverID=peer, data={"x": 1}, **to_peer))),
            ("startTyping", lambda: client.startTyping(indicator=indicator)),
            ("endTyping", lambda: client.endTyping(indicator=indicator)),
            ("getConnectionStatus", lambda: client.getConnectionStatus.value),
            ("getLoggedInUser", client.getLoggedInUser), ("getUserAuthToken", client.getUserAuthToken),
            ("statistics", client.statistics), ("getLastDeliveredMessageId", client.getLastDeliveredMessageId),
            ("addMessageListener", lambda: client.addMessageListener(listener, EventRecorder())),
            ("removeMessageListener", lambda: client.removeMessageListener(listener)),
            ("configureServices", lambda: client.configureServices(state)),
            ("backgroundTaskEnabled", client.backgroundTaskEnabled),
            ("flush", lambda: client.flush(0.01)),
        ]

    def storm(self, seed: int, until: float, watchdog: Watchdog) -> None:
        rng = random.Random(seed)
        pause = threading.Event()
        while time.monotonic() < until and not watchdog.hung:
            n = rng.randrange(len(self.clients))
            client, peer = self.clients[n], USERS[(n + 1) % len(USERS)]
            name, action = rng.choice(self.actions(client, peer, rng))
            if name.startswith("send") and name != "sendTransientMessage" and rng.random() < 0.8:
                continue  # REST sends queue on one worker per client: keep that queue short
            watchdog.call(name, action)
            pause.wait(rng.uniform(0, 0.02))

    def test_fifty_threads_calling_public_methods_at_random(self) -> None:
        watchdog = Watchdog()
        watchdog.thread.start()
        until = time.monotonic() + SECONDS
        threads = [threading.Thread(target=self.storm, args=(n, until, watchdog), name=f"test-stress-{n}")
                   for n in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=SECONDS + scaled(HANG) + 5)
        watchdog.stop.set()
        self.assertEqual(watchdog.hung, [], "calls hung (stacks above)")
        self.assertFalse([t.name for t in threads if t.is_alive()])
        for future in self.futures:
            future.exception(timeout=scaled(15))  # every Future resolved...
        for client in self.clients:
            self.assertTrue(client.flush(scaled(15)))
        self.assertEqual({n for n in self.answers.values()}, {1})  # ...and every call answered exactly once
        self.assertGreater(len(self.answers), 2000)
        self.assertEqual(self.died, [])
        self.assertEqual([r.getMessage() for r in self.errors.records], [])
        for client, recorder in zip(self.clients, self.recorders):
            seen = statuses(recorder)
            self.assertFalse([a for a, b in zip(seen, seen[1:]) if a == b], f"a status twice in a row: {seen}")
            self.assertLessEqual(client.statistics().maxLiveSockets, 1)
        for uid, client in zip(USERS, self.clients):  # settled, the client and the server agree
            client.configureServices(client.applicationState.didBecomeActive)
            waitFor(lambda: client.statistics().state in ("idle", "connected"))
            want = 1 if client.getConnectionStatus.value == "connected" else 0
            waitFor(lambda: len(self.server.sessions(uid)) == want,
                    message=f"{uid}: {client.statistics().state} but sessions {self.server.sessions(uid)}")
            ok(client.connect()) if want == 0 else None
        reliability.count("inputs", len(self.answers))


if __name__ == "__main__":
    unittest.main()
