"""Delivery latency at a steady 200 messages/s: the SDK's listener against the raw reader.

    python -m benchmarks.latency [--rounds 5] [--messages 400] [--rate 200]

A pacer in another process pushes message frames to a user at ``--rate`` through the dev
server's ``push`` control, stamping each with ``time.monotonic()`` (system-wide on Linux, so
comparable across processes) just before the push. The raw reader (websocket-client,
``skip_utf8_validation=True``, ``recv()`` + ``json.loads``) and the SDK (a listener on the
default dispatch queue) note when each message reaches them. The path through the server is
the same for both, so the SDK's overhead is its percentile minus the raw reader's in the
adjacent round; ``latency_p50_overhead_ms`` and ``latency_p99_overhead_ms`` are the medians
of those differences over the rounds, which alternate.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

import requests

from cometchat import CometChatMessageDelegate

from .common import ROUNDS, Countdown, cli, median, percentile, raw_and_sdk, server
from .inbound import template

RAW_UID, SDK_UID = "cometchat-uid-1", "cometchat-uid-3"


def frame_template(uid: str) -> str:
    """The inbound benchmark's frame with a ``{t}`` stamp in ``data.metadata.t``."""
    return template(uid).replace('"data": {', '"data": {"metadata": {"t": {t}}, ', 1)


def pace() -> None:
    """The pacer process: one line of JSON per burst on stdin, one line back when done."""
    http = requests.Session()
    for line in sys.stdin:
        order = json.loads(line)
        http.headers.update({"appId": order["app_id"], "apiKey": order["api_key"]})
        url, interval = f"{order['url']}/_dev/push", 1.0 / order["rate"]
        head, _, rest = order["template"].partition("{n}")
        middle, _, tail = rest.partition("{t}")
        due = time.monotonic()
        for n in range(order["start"], order["start"] + order["count"]):
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            due += interval
            frame = f"{head}{n}{middle}{time.monotonic()!r}{tail}"
            http.post(url, json={"uid": order["uid"], "frame": frame}, timeout=30)
        print("done", flush=True)


class Stamps(CometChatMessageDelegate, Countdown):
    """Notes each message's latency on the dispatch thread."""

    def expect(self, target: int) -> None:
        self.latencies: list[float] = []
        super().expect(target)

    def onTextMessageReceived(self, textMessage: Any) -> None:
        self.latencies.append(time.monotonic() - textMessage.metaData["t"])
        self.tick()


def run(rounds: int = ROUNDS, messages: int = 400, rate: float = 200.0) -> dict[str, Any]:
    pacer = subprocess.Popen([sys.executable, "-m", "benchmarks.latency", "--pacer"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    assert pacer.stdin is not None and pacer.stdout is not None
    try:
        with server() as dev:
            stamps = Stamps()
            ws, client = raw_and_sdk(dev, RAW_UID, SDK_UID, stamps)
            next_id = 1

            def order(uid: str) -> None:
                nonlocal next_id
                pacer.stdin.write(json.dumps({  # type: ignore[union-attr]
                    "url": dev.url, "app_id": dev.app_id, "api_key": dev.auth_key, "uid": uid, "rate": rate,
                    "template": frame_template(uid), "start": next_id, "count": messages}) + "\n")
                pacer.stdin.flush()  # type: ignore[union-attr]
                next_id += messages

            def raw_round() -> list[float]:
                order(RAW_UID)
                recv, loads, clock = ws.recv, json.loads, time.monotonic
                latencies = []
                for _ in range(messages):
                    obj = loads(recv())
                    latencies.append(clock() - obj["body"]["data"]["metadata"]["t"])
                pacer.stdout.readline()  # type: ignore[union-attr]
                return latencies

            def sdk_round() -> list[float]:
                stamps.expect(messages)
                order(SDK_UID)
                if not stamps.done.wait(120):
                    raise RuntimeError("the SDK missed messages")
                pacer.stdout.readline()  # type: ignore[union-attr]
                return stamps.latencies

            try:
                raw_round(), sdk_round()  # warm up
                rows = []
                for _ in range(rounds):
                    raw_l, sdk_l = raw_round(), sdk_round()
                    rows.append([percentile(v, q) * 1000 for v in (raw_l, sdk_l) for q in (0.5, 0.99)])
            finally:
                client.close()
                ws.close()
    finally:
        pacer.stdin.close()
        pacer.wait(30)
    return {
        "latency_p50_overhead_ms": round(median(r[2] - r[0] for r in rows), 3),
        "latency_p99_overhead_ms": round(median(r[3] - r[1] for r in rows), 3),
        "latency_raw_p50_ms": round(median(r[0] for r in rows), 3),
        "latency_raw_p99_ms": round(median(r[1] for r in rows), 3),
        "latency_sdk_p50_ms": round(median(r[2] for r in rows), 3),
        "latency_sdk_p99_ms": round(median(r[3] for r in rows), 3),
        "latency_rounds": rounds,
        "latency_messages": messages,
        "latency_rate": rate,
    }


def main(argv: list[str] | None = None) -> int:
    if "--pacer" in (sys.argv[1:] if argv is None else argv):
        pace()
        return 0
    return cli(__doc__, argv, {"rounds": ROUNDS, "messages": 400, "rate": 200.0},
               lambda a: run(a.rounds, 150 if a.quick else a.messages, a.rate))

if __name__ == "__main__":
    sys.exit(main())
