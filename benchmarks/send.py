"""Sending: ``sendTextMessage`` to onSuccess against a raw ``requests.Session().post``.

    python -m benchmarks.send [--rounds 5] [--per-round 20]

The raw baseline posts the very body the SDK sends (``POST messages``, the same headers) on
one keep-alive ``requests.Session``, with nothing built per call. The SDK is timed from
``sendTextMessage`` to its onSuccess on the dispatch queue. Rounds alternate;
``send_ratio`` is the median SDK time over the median raw time.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any

from cometchat import ReceiverType, TextMessage
from cometchat.testing import clientFor
from cometchat.transport import protocol

from .common import ROUNDS, RawUser, cli, median, server

SENDER, RECEIVER = "cometchat-uid-1", "cometchat-uid-2"


def run(rounds: int = ROUNDS, per_round: int = 20) -> dict[str, Any]:
    with server() as dev:
        raw = RawUser(dev, SENDER)
        url = f"{dev.url}/v3.0/messages"
        client = clientFor(dev, SENDER)

        def body() -> dict[str, Any]:
            return protocol.build_message_request(protocol.MessageRequest(
                receiver=RECEIVER, receiver_type="user", category="message", type="text", text="benchmark",
                muid=f"raw-{time.perf_counter_ns()}"))

        def raw_send() -> float:
            payload = body()
            began = time.perf_counter()
            response = raw.http.post(url, json=payload, headers=raw.headers, timeout=30)
            elapsed = time.perf_counter() - began
            if response.status_code != 200:
                raise RuntimeError(f"the raw send failed: {response.text}")
            return elapsed

        def sdk_send() -> float:
            done = threading.Event()
            stamp: list[float] = []

            def sent(message: Any) -> None:
                stamp.append(time.perf_counter())
                done.set()

            message = TextMessage(receiverUid=RECEIVER, text="benchmark", receiverType=ReceiverType.user)
            began = time.perf_counter()
            client.sendTextMessage(message=message, onSuccess=sent, onError=lambda e: done.set())
            if not done.wait(30) or not stamp:
                raise RuntimeError("sendTextMessage failed")
            return stamp[0] - began

        try:
            for _ in range(3):
                raw_send(), sdk_send()  # warm up both paths
            raw_times: list[float] = []
            sdk_times: list[float] = []
            for _ in range(rounds):
                raw_times += [raw_send() for _ in range(per_round)]
                sdk_times += [sdk_send() for _ in range(per_round)]
        finally:
            client.close()
    raw_ms, sdk_ms = median(raw_times) * 1000, median(sdk_times) * 1000
    return {"send_ratio": round(sdk_ms / raw_ms, 3), "send_raw_ms": round(raw_ms, 3),
            "send_sdk_ms": round(sdk_ms, 3), "send_rounds": rounds, "send_per_round": per_round}


def main(argv: list[str] | None = None) -> int:
    return cli(__doc__, argv, {"rounds": ROUNDS, "per-round": 20},
               lambda a: run(a.rounds, 8 if a.quick else a.per_round))

if __name__ == "__main__":
    sys.exit(main())
