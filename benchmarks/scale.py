"""Many clients in one process: connecting 500 of them, then 5,000 messages among them.

    python -m benchmarks.scale [--clients 500] [--messages 10] [--rounds 5]

One dev server (another process) and ``--clients`` users. Every client is created and logged
in first (not timed). A round times ``connect()`` on every client until all are connected;
the raw baseline is 16 threads opening and authenticating as many websocket-client sockets
(``skip_utf8_validation=True``) to the same server, the same users, the same auth frame.
Rounds alternate (SDK, then raw; each disconnects or closes everything before the next);
``scale_connect_ratio`` is the median SDK time over the median raw time. Then every client
sends ``--messages`` text messages to the next user; each must reach that user's listener
exactly once (checked by id), and ``scale_msgs_per_s`` is the messages over the time from the
first send to the last delivery. The benchmark raises its own file-descriptor limit.
"""

from __future__ import annotations

import collections
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from cometchat import AppSettings, CometChatClient, CometChatMessageDelegate, ReceiverType, TextMessage
from cometchat.testing import settingsFor

from .common import ROUNDS, RawUser, cli, median, raise_fd_limit, server

RAW_THREADS = 16


class Inbox(CometChatMessageDelegate):
    """Every message id one client received, across all clients (for exactly-once)."""

    def __init__(self, owner: str, board: Board) -> None:
        self.owner = owner
        self.board = board

    def onTextMessageReceived(self, textMessage: Any) -> None:
        self.board.got(self.owner, textMessage.id)


class Board:
    def __init__(self, expected: int) -> None:
        self.lock = threading.Lock()
        self.ids: dict[str, list[int]] = collections.defaultdict(list)
        self.count = 0
        self.expected = expected
        self.done = threading.Event()

    def got(self, owner: str, message_id: int) -> None:
        with self.lock:
            self.ids[owner].append(message_id)
            self.count += 1
            if self.count >= self.expected:
                self.done.set()


def uid_of(n: int) -> str:
    return f"scale-user-{n}"


def run(clients: int = 500, messages: int = 10, rounds: int = ROUNDS) -> dict[str, Any]:
    limit = raise_fd_limit()
    # 500 clients' threads in one process on a loaded machine can leave a send's body unread
    # for seconds: the server's slow-body guard is not what this measures
    with server(header_timeout=120, body_timeout=120) as dev, ThreadPoolExecutor(RAW_THREADS) as pool:
        list(pool.map(lambda n: dev.create_user(uid_of(n), name=f"Scale {n}"), range(clients)))
        settings: AppSettings = settingsFor(dev)
        fleet = [CometChatClient(appId=dev.app_id, appSettings=settings) for _ in range(clients)]
        for login in [c.login(UID=uid_of(n), authKey=dev.auth_key) for n, c in enumerate(fleet)]:
            login.result(120)
        raws = list(pool.map(lambda n: RawUser(dev, uid_of(n)), range(clients)))
        board = Board(clients * messages)
        for n, client in enumerate(fleet):
            client.addMessageListener("inbox", Inbox(uid_of(n), board))

        def sdk_round() -> float:
            began = time.perf_counter()
            for future in [c.connect() for c in fleet]:
                future.result(120)
            elapsed = time.perf_counter() - began
            for future in [c.disconnect() for c in fleet]:
                future.result(120)
            return elapsed

        def raw_round() -> float:
            slices = [raws[i::RAW_THREADS] for i in range(RAW_THREADS)]
            began = time.perf_counter()
            opened = list(pool.map(lambda users: [u.open() for u in users], slices))
            elapsed = time.perf_counter() - began
            for sockets in opened:
                for ws in sockets:
                    ws.close()
            return elapsed

        try:
            sdk_times, raw_times = [], []
            for _ in range(rounds):
                sdk_times.append(sdk_round())
                raw_times.append(raw_round())
            for connected in [c.connect() for c in fleet]:
                connected.result(120)
            began = time.perf_counter()
            sends = [fleet[n].sendTextMessage(message=TextMessage(
                receiverUid=uid_of((n + 1) % clients), text=f"{n}-{k}", receiverType=ReceiverType.user))
                for k in range(messages) for n in range(clients)]
            sent_ids = collections.defaultdict(list)
            for sending in sends:
                sent = sending.result(300)
                sent_ids[sent.receiverUid].append(sent.id)
            if not board.done.wait(300):
                raise RuntimeError(f"only {board.count} of {clients * messages} messages were delivered")
            elapsed = time.perf_counter() - began
            for client in fleet:
                client.flush(30)
            exact = all(sorted(board.ids[uid]) == sorted(ids) for uid, ids in sent_ids.items())
            exact = exact and board.count == clients * messages
        finally:
            for client in fleet:
                client.close()
    if not exact:
        raise RuntimeError("a message was lost or delivered twice")
    sdk_s, raw_s = median(sdk_times), median(raw_times)
    return {
        "scale_clients": clients,
        "scale_connect_ratio": round(sdk_s / raw_s, 3),
        "scale_msgs_per_s": round(clients * messages / elapsed),
        "scale_connect_sdk_s": round(sdk_s, 3),
        "scale_connect_raw_s": round(raw_s, 3),
        # the first round starts every reader thread; later ones find them parked
        "scale_connect_first_round_ratio": round(sdk_times[0] / raw_times[0], 3),
        "scale_messages": clients * messages,
        "scale_exactly_once": exact,
        "scale_rounds": rounds,
        "scale_fd_limit": limit,
    }


def main(argv: list[str] | None = None) -> int:
    return cli(__doc__, argv, {"clients": 500, "messages": 10, "rounds": ROUNDS},
               lambda a: run(min(a.clients, 100) if a.quick else a.clients, a.messages, a.rounds))

if __name__ == "__main__":
    sys.exit(main())
