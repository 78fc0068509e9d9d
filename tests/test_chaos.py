"""Chaos soak (issue 11's standing suite): three users chat while their links are cut and
blackholed every 0.5-3 s and the server is restarted twice on the same database file.

``COMETCHAT_CHAOS_SECONDS`` sets the length (60 by default). With missed-message recovery on,
every message reaches each of its two users (its receiver, and its sender's other session)
exactly once and in order; no thread or descriptor leaks; nothing is logged at ERROR; once the
faults stop, everyone is connected again within the backoff bound.

Each user has two clients, both through its own ``FaultProxy`` (the link under attack): one
receives, one sends. A send that fails (cut, or the server restarting) is sent again as the
same message, as an app would; its muid stays, so a send cut after the server stored it is
stored once all the same (issue 11, item 10), and nobody hears it twice.
"""

from __future__ import annotations

import gc
import logging
import os
import random
import threading
import time
import unittest

from cometchat import AppSettings, CometChatClient, CometChatException, ReceiverType, TextMessage
from cometchat.devserver import DevServer
from cometchat.testing import EventRecorder, FaultProxy, clientFor, scaled, waitFor
from helpers import ErrorLog, fast, ok, reliability, scratch_dir

USERS = ("cometchat-uid-1", "cometchat-uid-2", "cometchat-uid-3")
SECONDS = float(os.environ.get("COMETCHAT_CHAOS_SECONDS", "60"))
BACKOFF_MAX = 1.0  #: the receivers' backoff maximum: the bound on reconnecting once faults stop


def open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


class Chaos:
    """Runs the faults: a cut or a blackhole of one link every 0.5-3 s, and two restarts."""

    def __init__(self, test: ChaosSoakTest, proxies: list[FaultProxy]) -> None:
        self.test = test
        self.proxies = proxies
        self.rng = random.Random(1103)
        self.stop = threading.Event()
        self.faults = 0
        self.restarts = 0
        self.thread = threading.Thread(target=self.run, name="chaos", daemon=True)

    def run(self) -> None:
        started = time.monotonic()
        restarts = [started + SECONDS / 3, started + 2 * SECONDS / 3]
        while not self.stop.wait(self.rng.uniform(0.5, 3.0)):
            if restarts and time.monotonic() >= restarts[0]:
                restarts.pop(0)
                self.test.restart_server()
                self.restarts += 1
            else:
                self.fault(self.rng.choice(self.proxies))
            self.faults += 1

    def fault(self, proxy: FaultProxy) -> None:
        if self.rng.random() < 0.5:
            proxy.cut()
            return
        with proxy.blackhole():
            self.stop.wait(self.rng.uniform(0.2, 1.5))


class ChaosSoakTest(unittest.TestCase):
    def setUp(self) -> None:
        self.folder = scratch_dir(self, prefix="cometchat-chaos-")
        self.errors = ErrorLog()
        for name in ("cometchat", "cometchat.devserver"):
            logging.getLogger(name).addHandler(self.errors)
            self.addCleanup(logging.getLogger(name).removeHandler, self.errors)
        self.send_failures: list[str] = []
        self.threads_before = {t.ident for t in threading.enumerate()}
        gc.collect()
        self.fds_before = open_descriptors()

    # ------------------------------------------------------------------ the server and its restarts

    def start_server(self, port: int = 0) -> None:
        self.server = DevServer(port=port, app_id="chaosapp", auth_key="chaoskey",
                                db_path=os.path.join(self.folder, "chat.db"), idle_timeout=10)
        self.server.start()

    def restart_server(self) -> None:
        """Stop and start on the same port and database, whatever is in flight."""
        port = self.server.port
        self.server.stop()
        self.start_server(port)

    # ------------------------------------------------------------------ users

    def receiver(self, uid: str, proxy: FaultProxy) -> tuple[CometChatClient, EventRecorder]:
        builder = fast(AppSettings.AppSettingsBuilder().setInMemoryStorage().recoverMissedMessages(True),
                       connect=3.0, ping=1.0, pong=1.0, initial=0.1, maximum=BACKOFF_MAX, close=0.5)
        client = clientFor(self.server, uid, builder=builder, via=proxy)
        heard = EventRecorder()
        client.addMessageListener("heard", heard)
        ok(client.connect())
        return client, heard

    def send_loop(self, sender: CometChatClient, uid: str, sent: dict[tuple[str, str], int],
                  stop: threading.Event) -> None:
        others = [u for u in USERS if u != uid]
        n = 0
        while not stop.is_set():
            to = others[n % 2]
            seq = sent[(uid, to)]
            message = TextMessage(receiverUid=to, text=f"{uid}>{to}#{seq}", receiverType=ReceiverType.user)
            if not self.send(sender, message, stop):
                return
            sent[(uid, to)] = seq + 1
            n += 1
            stop.wait(0.04)

    def send(self, sender: CometChatClient, message: TextMessage, stop: threading.Event) -> bool:
        """One message, sent again (the same object, so the same muid) while the link or the
        server is down, as an app would, for up to 20 s."""
        deadline = time.monotonic() + scaled(20)
        while time.monotonic() < deadline:
            try:
                sender.sendTextMessage(message=message).result(timeout=scaled(30))
                return True
            except CometChatException as exc:
                if exc.errorCode != "ERROR_INTERNET_UNAVAILABLE":
                    self.send_failures.append(str(exc))
                    return False
            stop.wait(0.2)  # the app's pause before it tries again
        self.send_failures.append(f"{message.text} found no server for 20 s")
        return False

    # ------------------------------------------------------------------ the soak

    def test_every_message_arrives_exactly_once_in_order_through_chaos(self) -> None:
        self.start_server()
        proxies = [FaultProxy(self.server.url).start() for _ in USERS]
        receivers = [self.receiver(uid, proxy) for uid, proxy in zip(USERS, proxies)]
        senders = [clientFor(self.server, uid, builder=AppSettings.AppSettingsBuilder().setInMemoryStorage(),
                             via=proxy) for uid, proxy in zip(USERS, proxies)]
        sent = {(a, b): 0 for a in USERS for b in USERS if a != b}
        stop_sending = threading.Event()
        loops = [threading.Thread(target=self.send_loop, args=(s, uid, sent, stop_sending), name=f"send-{uid}")
                 for s, uid in zip(senders, USERS)]
        chaos = Chaos(self, proxies)
        try:
            for thread in loops:
                thread.start()
            chaos.thread.start()
            chaos.stop.wait(SECONDS)
        finally:
            chaos.stop.set()
            chaos.thread.join(timeout=30)
            stop_sending.set()
            for thread in loops:
                thread.join(timeout=30)
        self.assertEqual(self.send_failures, [])
        self.assertEqual(chaos.restarts, 2)
        faults_stopped = time.monotonic()
        for client, _ in receivers:  # everyone is back within the backoff bound
            waitFor(lambda: client.getConnectionStatus.value == "connected", timeout=BACKOFF_MAX + 4.0)
        reconnected_in = time.monotonic() - faults_stopped
        total = sum(sent.values())
        self.assertGreater(total, 100)
        try:
            self.check_every_message(receivers, sent)
        finally:
            for client, _ in receivers:
                client.close()
            for client in senders:
                client.close()
            for proxy in proxies:
                proxy.stop()
            self.server.stop()
        self.check_no_leak()
        self.assertEqual([r.getMessage() for r in self.errors.records], [])
        reliability.count("faults", chaos.faults)
        reliability.count("messages", 2 * total)
        self.assertLess(reconnected_in, scaled(BACKOFF_MAX + 4.0))

    def check_every_message(self, receivers: list[tuple[CometChatClient, EventRecorder]],
                            sent: dict[tuple[str, str], int]) -> None:
        for uid, (client, heard) in zip(USERS, receivers):
            mine = {key: count for key, count in sent.items() if uid in key}
            expected = sum(mine.values())
            heard.waitFor("onTextMessageReceived", count=expected, timeout=60)
            texts = [e.arg.text for e in heard.events if e.name == "onTextMessageReceived"]
            ids = [e.arg.id for e in heard.events if e.name == "onTextMessageReceived"]
            self.assertEqual(len(texts), len(set(texts)), f"{uid} heard a message twice")
            reliability.count("duplicates", len(texts) - len(set(texts)))
            self.assertEqual(ids, sorted(ids), f"{uid} heard messages out of order")
            for (a, b), count in mine.items():
                stream = [t for t in texts if t.startswith(f"{a}>{b}#")]
                self.assertEqual(stream, [f"{a}>{b}#{n}" for n in range(count)], f"{uid}: {a}->{b}")
            reliability.count("losses", expected - len(set(texts)))

    def check_no_leak(self) -> None:
        def leaked() -> list[str]:
            return [t.name for t in threading.enumerate() if t.ident not in self.threads_before]

        waitFor(lambda: not leaked(), timeout=15, message=f"threads leaked: {leaked()}")
        gc.collect()
        waitFor(lambda: open_descriptors() <= self.fds_before, timeout=15,
                message=f"descriptors leaked: {open_descriptors()} > {self.fds_before}")


if __name__ == "__main__":
    unittest.main()
