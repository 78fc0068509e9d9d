"""Inbound throughput: message frames/s through the SDK against the raw websocket-client reader.

    python -m benchmarks.inbound [--messages 20000] [--rounds 5]

The dev server runs in a child process and generates the frames itself (the ``blast``
control: a pre-encoded message frame, numbered), so the source outruns both readers. The frame
is a real one: at the start a text message is sent over REST to each reader and the frame the
server pushes is captured (``common.message_template``), so the benchmark reads exactly what
the server sends (every user field, its separators) and cannot drift from it. The raw reader is websocket-client at its fastest correct setting
(``skip_utf8_validation=True``) doing ``recv()`` + ``json.loads``, the least any real reader
does; a ``recv()``-only round is reported beside it. The SDK parses each frame, builds a
``TextMessage`` with its sender and receiver ``User`` and delivers it on its default dispatch
queue to a listener that reads ``text``, ``sender.uid``, ``sender.name``, ``id`` and
``sentAt``. Rounds alternate between the readers; ``throughput_ratio`` is the median over the
rounds of the SDK's rate over the raw (``recv`` + ``json.loads``) rate of the same round,
trusted only when the raw reader's median rate reached ``MIN_RAW_RATE`` frames/s.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from cometchat import CometChatMessageDelegate

from .common import ROUNDS, Countdown, alternate, cli, median, message_template, raw_and_sdk, server

RAW_UID, SDK_UID = "cometchat-uid-1", "cometchat-uid-3"
#: Below this raw rate the source or the machine is the bottleneck and no ratio is trusted.
MIN_RAW_RATE = 25_000


class Reader(CometChatMessageDelegate, Countdown):
    """Reads what an app's list view would of each message, on the dispatch thread."""

    last: tuple[Any, ...] = ()

    def onTextMessageReceived(self, textMessage: Any) -> None:
        self.last = (textMessage.text, textMessage.sender.uid, textMessage.sender.name, textMessage.id,
                     textMessage.sentAt)
        self.tick()


def run(messages: int = 20000, rounds: int = ROUNDS) -> dict[str, Any]:
    with server() as dev:
        # each reader's frames are a real push to it, captured before the SDK connects
        templates = {uid: message_template(dev, uid) for uid in (RAW_UID, SDK_UID)}
        reader = Reader()
        ws, client = raw_and_sdk(dev, RAW_UID, SDK_UID, reader)
        next_id = 1

        def burst(uid: str, finish: Any) -> float:
            nonlocal next_id
            first, next_id = next_id, next_id + messages
            began = time.perf_counter()
            dev.blast(uid, templates[uid], messages, first)
            finish()
            return messages / (time.perf_counter() - began)

        def recv_only() -> None:
            recv = ws.recv
            for _ in range(messages):
                recv()

        def recv_and_parse() -> None:
            recv, loads = ws.recv, json.loads
            for _ in range(messages):
                loads(recv())

        def raw_recv() -> float:
            return burst(RAW_UID, recv_only)

        def raw_json() -> float:
            return burst(RAW_UID, recv_and_parse)

        def sdk() -> float:
            reader.expect(messages)
            rate = burst(SDK_UID, lambda: reader.done.wait(600))
            if reader.count != messages:
                raise RuntimeError(f"the SDK delivered {reader.count} of {messages}")
            return rate

        try:
            raw_json(), sdk()  # warm up
            recv_rates, json_rates, sdk_rates = alternate(rounds, raw_recv, raw_json, sdk)
        finally:
            client.close()
            ws.close()
    raw_rate, sdk_rate = median(json_rates), median(sdk_rates)
    ratio = median(sdk / raw for sdk, raw in zip(sdk_rates, json_rates))  # each round against its neighbour
    trusted = raw_rate >= MIN_RAW_RATE
    return {
        "throughput_ratio": round(ratio, 3) if trusted else None,
        "inbound_sdk_per_s": round(sdk_rate),
        "inbound_raw_json_per_s": round(raw_rate),
        "inbound_raw_recv_per_s": round(median(recv_rates)),
        "inbound_ratio_untrusted": None if trusted else round(ratio, 3),
        "inbound_rounds": rounds,
        "inbound_messages": messages,
        "inbound_frame_bytes": len(templates[SDK_UID].replace("{n}", str(next_id)).encode()),
    }


def main(argv: list[str] | None = None) -> int:
    return cli(__doc__, argv, {"messages": 20000, "rounds": ROUNDS},
               lambda a: run(5000 if a.quick else a.messages, a.rounds))

if __name__ == "__main__":
    sys.exit(main())
