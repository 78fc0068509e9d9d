"""Delivery latency at a steady 200 messages/s: the SDK's listener against the raw reader.

    python -m benchmarks.latency [--rounds 5] [--messages 1000] [--rate 200]

A pacer process pushes message frames at ``--rate`` to one user through the dev server's
``push`` control: a real push of the server, captured at the start (``frame_template``), with
the pacer's stamp in its metadata. That user has two sessions, which the server sends every frame to: a raw
reader in a process of its own (websocket-client, ``skip_utf8_validation=True``, ``recv()`` +
``json.loads``) and the SDK in this process (a listener on the default dispatch queue). Each
notes when every message reached it on ``time.monotonic()`` (system-wide on Linux, so the
processes' clocks are one clock), and the latency from the pacer's stamp (taken just before
the push). Both readers see the very same messages, so whatever the pacer, the server and the
machine do to a frame on its way counts for both alike. ``latency_p50_overhead_ms`` and
``latency_p99_overhead_ms`` are the SDK's percentile minus the raw reader's over the same
messages, medians over the rounds. Stricter, and reported beside them: the percentiles of the
per-message differences (SDK arrival minus raw arrival of the same message), whose tails also
hold every moment the machine's scheduler made one reader wait and not the other.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from types import SimpleNamespace
from typing import Any

import requests

from cometchat import CometChatMessageDelegate
from cometchat.testing import clientFor

from .common import ROUNDS, Countdown, RawUser, cli, median, message_template, percentile, server

UID = "cometchat-uid-3"


def frame_template(dev: Any, uid: str) -> str:
    """A real message frame to ``uid`` (captured: ``common.message_template``) with ``{n}`` for
    the id and ``{t}`` for the pacer's stamp, a number in the message's metadata (``t``)."""
    return message_template(dev, uid, metadata={"t": "{t}"}).replace('"{t}"', "{t}")


def pace() -> None:
    """The pacer process: one line of JSON per burst on stdin, one line back when done."""
    http = requests.Session()
    for line in sys.stdin:
        order = json.loads(line)
        http.headers.update({"appId": order["app_id"], "apiKey": order["api_key"]})
        url, interval = f"{order['url']}/_dev/push", 1.0 / order["rate"]
        template = order["template"]
        due = time.monotonic()
        for n in range(order["start"], order["start"] + order["count"]):
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            due += interval
            frame = template.replace("{n}", str(n)).replace("{t}", repr(time.monotonic()))
            http.post(url, json={"uid": order["uid"], "frame": frame}, timeout=30)
        print("done", flush=True)


def read_raw() -> None:
    """The raw reader process: the server (JSON) on the first line, then a count per round;
    answers each count with {message id: [arrival, stamp]}."""
    where = json.loads(sys.stdin.readline())
    ws = RawUser(SimpleNamespace(**where), where["uid"]).open()  # type: ignore[arg-type]
    print("ready", flush=True)
    recv, loads, clock = ws.recv, json.loads, time.monotonic
    for line in sys.stdin:
        arrivals = {}
        for _ in range(int(line)):
            obj = loads(recv())
            arrivals[obj["body"]["id"]] = [clock(), obj["body"]["data"]["metadata"]["t"]]
        print(json.dumps(arrivals), flush=True)
    ws.close()


class Stamps(CometChatMessageDelegate, Countdown):
    """Notes when each message reached the listener, on the dispatch thread."""

    def expect(self, target: int) -> None:
        self.arrivals: dict[int, tuple[float, float]] = {}
        super().expect(target)

    def onTextMessageReceived(self, textMessage: Any) -> None:
        self.arrivals[textMessage.id] = (time.monotonic(), textMessage.metaData["t"])
        self.tick()


def _child(role: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "benchmarks.latency", f"--{role}"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)


def _say(proc: subprocess.Popen[str], line: str) -> None:
    assert proc.stdin is not None
    proc.stdin.write(line + "\n")
    proc.stdin.flush()


def _hear(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    return proc.stdout.readline()


def run(rounds: int = ROUNDS, messages: int = 1000, rate: float = 200.0) -> dict[str, Any]:
    pacer, raw = _child("pacer"), _child("raw-reader")
    try:
        with server() as dev:
            template = frame_template(dev, UID)  # before either reader connects: neither has seen its id
            _say(raw, json.dumps({"url": dev.url, "app_id": dev.app_id, "auth_key": dev.auth_key, "uid": UID}))
            if _hear(raw).strip() != "ready":
                raise RuntimeError("the raw reader did not connect")
            stamps = Stamps()
            client = clientFor(dev, UID)
            client.addMessageListener("stamps", stamps)
            client.connect().result(30)
            order = {"url": dev.url, "app_id": dev.app_id, "api_key": dev.auth_key, "uid": UID, "rate": rate,
                     "template": template, "count": messages}

            def one_round(first: int) -> list[float]:
                stamps.expect(messages)
                _say(raw, str(messages))
                _say(pacer, json.dumps(dict(order, start=first)))
                if not stamps.done.wait(120):
                    raise RuntimeError("the SDK missed messages")
                _hear(pacer)
                got = {int(k): v for k, v in json.loads(_hear(raw)).items()}
                overheads = sorted(stamps.arrivals[n][0] - got[n][0] for n in got)
                raw_latency = sorted(arrival - stamp for arrival, stamp in got.values())
                sdk_latency = sorted(arrival - stamp for arrival, stamp in stamps.arrivals.values())
                return [percentile(v, q) * 1000 for v in (overheads, raw_latency, sdk_latency) for q in (0.5, 0.99)]

            try:
                one_round(1)  # warm up
                rows = [one_round(1 + messages * (r + 1)) for r in range(rounds)]
            finally:
                client.close()
    finally:
        for proc in (pacer, raw):
            if proc.stdin is not None:
                proc.stdin.close()
            proc.wait(30)
    return {
        "latency_p50_overhead_ms": round(median(r[4] - r[2] for r in rows), 3),
        "latency_p99_overhead_ms": round(median(r[5] - r[3] for r in rows), 3),
        "latency_pair_p50_ms": round(median(r[0] for r in rows), 3),
        "latency_pair_p99_ms": round(median(r[1] for r in rows), 3),
        "latency_raw_p50_ms": round(median(r[2] for r in rows), 3),
        "latency_raw_p99_ms": round(median(r[3] for r in rows), 3),
        "latency_sdk_p50_ms": round(median(r[4] for r in rows), 3),
        "latency_sdk_p99_ms": round(median(r[5] for r in rows), 3),
        "latency_rounds": rounds,
        "latency_messages": messages,
        "latency_rate": rate,
    }


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if "--pacer" in args:
        pace()
        return 0
    if "--raw-reader" in args:
        read_raw()
        return 0
    return cli(__doc__, argv, {"rounds": ROUNDS, "messages": 1000, "rate": 200.0},
               lambda a: run(a.rounds, 150 if a.quick else a.messages, a.rate))


if __name__ == "__main__":
    sys.exit(main())
