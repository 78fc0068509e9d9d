"""Connect time: ``connect()`` to onSuccess against a raw websocket-client socket.

    python -m benchmarks.connect [--rounds 5] [--per-round 10]

The raw baseline opens a websocket-client socket (``skip_utf8_validation=True``), sends the
auth frame and reads the reply: the least any client does before it may say "connected".
``connect_ratio`` times ``connect()`` to its onSuccess for a client that connected before
(it disconnects between attempts); ``first_connect_ratio`` times the first ``connect()`` of a
fresh, logged-in client (manual mode; the login is not timed) in a warm process, which is
where building a TLS context per client once cost 33 ms. Rounds alternate between raw and
SDK; each ratio is the median SDK time over the median raw time.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any

from cometchat import CometChatClient
from cometchat.testing import clientFor

from .common import ROUNDS, RawUser, alternate, cli, median, server

UID = "cometchat-uid-1"


def timed_connect(client: CometChatClient) -> float:
    """Seconds from ``connect()`` to its onSuccess (on the dispatch queue)."""
    done = threading.Event()
    stamp: list[float] = []

    def succeeded() -> None:
        stamp.append(time.perf_counter())
        done.set()

    began = time.perf_counter()
    client.connect(onSuccess=succeeded)
    if not done.wait(30):
        raise RuntimeError("connect() did not succeed")
    return stamp[0] - began


def run(rounds: int = ROUNDS, per_round: int = 10) -> dict[str, Any]:
    with server() as dev:
        raw = RawUser(dev, UID)
        again = clientFor(dev, UID)
        fresh: list[CometChatClient] = []

        def raw_connect() -> float:
            began = time.perf_counter()
            ws = raw.open()
            elapsed = time.perf_counter() - began
            ws.close()
            return elapsed

        def sdk_again() -> float:
            elapsed = timed_connect(again)
            again.disconnect().result(10)
            return elapsed

        def sdk_first() -> float:
            client = clientFor(dev, UID)  # logged in, never connected
            fresh.append(client)
            elapsed = timed_connect(client)
            client.close()
            return elapsed

        try:
            raw_connect(), sdk_again(), sdk_first()  # warm the process up
            raw_times, again_times, first_times = alternate(rounds * per_round, raw_connect, sdk_again, sdk_first)
        finally:
            again.close()
            for client in fresh:
                client.close()
    raw_ms, again_ms, first_ms = (median(t) * 1000 for t in (raw_times, again_times, first_times))
    return {
        "connect_ratio": round(again_ms / raw_ms, 3),
        "first_connect_ratio": round(first_ms / raw_ms, 3),
        "connect_raw_ms": round(raw_ms, 3),
        "connect_sdk_ms": round(again_ms, 3),
        "first_connect_sdk_ms": round(first_ms, 3),
        "connect_rounds": rounds,
        "connect_per_round": per_round,
    }


def main(argv: list[str] | None = None) -> int:
    return cli(__doc__, argv, {"rounds": ROUNDS, "per-round": 10},
               lambda a: run(a.rounds, 4 if a.quick else a.per_round))

if __name__ == "__main__":
    sys.exit(main())
