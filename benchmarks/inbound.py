"""Inbound throughput: message frames/s through the SDK against the raw websocket-client reader.

    python -m benchmarks.inbound [--messages 20000] [--rounds 5]

The dev server runs in a child process and generates the frames itself (the ``blast``
control: a pre-encoded message frame of the server's shape, numbered), so the source outruns
both readers. The raw reader is websocket-client at its fastest correct setting
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

from .common import ROUNDS, Countdown, alternate, cli, median, raw_and_sdk, server

RAW_UID, SDK_UID = "cometchat-uid-1", "cometchat-uid-3"
#: Below this raw rate the source or the machine is the bottleneck and no ratio is trusted.
MIN_RAW_RATE = 25_000


def template(uid: str) -> str:
    """A message frame as the server pushes it (with the entities the SDK reads); ``{n}`` is
    the message id."""
    body = {
        "id": "ID", "conversationId": f"cometchat-uid-2_user_{uid}", "sender": "cometchat-uid-2",
        "receiver": uid, "receiverType": "user", "type": "text", "category": "message",
        "sentAt": 1700000000, "updatedAt": 1700000000,
        "data": {"text": "benchmark message", "entities": {
            "sender": {"entity": {"uid": "cometchat-uid-2", "name": "George Alan", "role": "default",
                                  "status": "online"}, "entityType": "user"},
            "receiver": {"entity": {"uid": uid, "name": "Reader", "role": "default"}, "entityType": "user"}}},
    }
    frame = {"appId": "bench", "receiver": uid, "receiverType": "user", "deviceId": "bench", "type": "message",
             "sender": "cometchat-uid-2", "body": body}
    return json.dumps(frame).replace('"ID"', '"{n}"')


class Reader(CometChatMessageDelegate, Countdown):
    """Reads what an app's list view would of each message, on the dispatch thread."""

    last: tuple[Any, ...] = ()

    def onTextMessageReceived(self, textMessage: Any) -> None:
        self.last = (textMessage.text, textMessage.sender.uid, textMessage.sender.name, textMessage.id,
                     textMessage.sentAt)
        self.tick()


def run(messages: int = 20000, rounds: int = ROUNDS) -> dict[str, Any]:
    with server() as dev:
        reader = Reader()
        ws, client = raw_and_sdk(dev, RAW_UID, SDK_UID, reader)
        next_id = 1

        def burst(uid: str, finish: Any) -> float:
            nonlocal next_id
            first, next_id = next_id, next_id + messages
            began = time.perf_counter()
            dev.blast(uid, template(uid), messages, first)
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
    }


def main(argv: list[str] | None = None) -> int:
    return cli(__doc__, argv, {"messages": 20000, "rounds": ROUNDS},
               lambda a: run(5000 if a.quick else a.messages, a.rounds))

if __name__ == "__main__":
    sys.exit(main())
