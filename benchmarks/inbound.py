"""Inbound speed and memory: the SDK against the fastest raw websocket-client reader.

    python benchmarks/inbound.py [--messages 20000] [--rounds 5]

Both readers use the same dev server (in a child process, so it does not share our GIL) in
the same run, as two users, and receive the same message frames, which the server generates
itself (``DevServer.blast``) so it outruns any reader. The raw reader only calls ``recv()``
with UTF-8 validation off (websocket-client at its fastest); a second raw round adds
``json.loads``, the least any real reader does. The SDK parses each frame, builds a
``TextMessage`` with its sender and receiver ``User`` and delivers it to a listener on its
dispatch thread. Absolute times on shared machines are noise, so the results are ratios, with
rounds alternating between the readers. Memory is the Python allocation peak (tracemalloc,
in rounds of their own) while each reader takes in a burst.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
import tracemalloc
from typing import Any, Callable

import requests
import websocket

from cometchat import CometChatMessageDelegate
from cometchat.devserver import DevServer
from cometchat.testing import clientFor

RAW_UID, SDK_UID = "cometchat-uid-1", "cometchat-uid-3"


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


class RawReader:
    """websocket-client at its fastest: authenticate by hand, then nothing but ``recv()``."""

    def __init__(self, server: DevServer) -> None:
        admin = {"appId": server.app_id, "apiKey": server.auth_key}
        minted = requests.post(f"{server.url}/v3.0/users/{RAW_UID}/auth_tokens", headers=admin, timeout=10)
        headers = {"appId": server.app_id, "authToken": minted.json()["data"]["authToken"], "resource": "raw"}
        me = requests.put(f"{server.url}/v3.0/me", headers=headers, json={"deviceId": "raw"}, timeout=10).json()
        settings = me["data"]["settings"]
        url = f"ws://{settings['CHAT_HOST']}:{settings['CHAT_WSS_PORT']}/"
        self.ws = websocket.create_connection(url, skip_utf8_validation=True, timeout=60)
        self.ws.send(json.dumps({"appId": server.app_id, "deviceId": "raw", "type": "auth", "sender": RAW_UID,
                                 "body": {"auth": me["data"]["jwt"], "deviceId": "raw"}}))
        assert json.loads(self.ws.recv())["body"]["status"] == "OK"

    def receive(self, count: int) -> None:
        recv = self.ws.recv
        for _ in range(count):
            recv()

    def receive_and_parse(self, count: int) -> None:
        """What any real reader does at the least: recv() and json.loads()."""
        recv, loads = self.ws.recv, json.loads
        for _ in range(count):
            loads(recv())

    def close(self) -> None:
        self.ws.close()


class Counter(CometChatMessageDelegate):
    """Counts deliveries on the SDK's dispatch thread; sets ``done`` at the target."""

    def __init__(self) -> None:
        self.count = 0
        self.target = 0
        self.done = threading.Event()

    def expect(self, target: int) -> None:
        self.count, self.target = 0, target
        self.done.clear()

    def onTextMessageReceived(self, textMessage: Any) -> None:
        self.count += 1
        if self.count >= self.target:
            self.done.set()


def timed(start: Callable[[], Any], finish: Callable[[], Any], *, memory: bool) -> tuple[float, int]:
    """Seconds from ``start`` to the end of ``finish``; with ``memory``, the allocation peak
    as well (tracemalloc slows Python down, so those rounds are not timed)."""
    if memory:
        tracemalloc.start()
    began = time.perf_counter()
    start()
    finish()
    elapsed = time.perf_counter() - began
    peak = tracemalloc.get_traced_memory()[1] if memory else 0
    if memory:
        tracemalloc.stop()
    return elapsed, peak


def run(messages: int, rounds: int) -> dict[str, Any]:
    with DevServer(process=True, idle_timeout=600) as server:
        raw = RawReader(server)
        client = clientFor(server, SDK_UID)
        counter = Counter()
        client.addMessageListener("counter", counter)
        client.connect().result(30)
        times: dict[str, list[float]] = {"raw": [], "raw+json": [], "sdk": []}
        peaks: dict[str, int] = {}
        next_id = 1

        def round_of(reader: str, memory: bool) -> None:
            nonlocal next_id
            uid = SDK_UID if reader == "sdk" else RAW_UID
            first, next_id = next_id, next_id + messages
            counter.expect(messages)
            finish = {
                "raw": lambda: raw.receive(messages),
                "raw+json": lambda: raw.receive_and_parse(messages),
                "sdk": lambda: counter.done.wait(600),
            }[reader]
            elapsed, peak = timed(lambda: server.blast(uid, template(uid), messages, first), finish, memory=memory)
            if memory:
                peaks[reader] = peak
            else:
                times[reader].append(elapsed)

        try:
            for _ in range(rounds):  # alternate, so a noisy moment hits every reader alike
                for reader in times:
                    round_of(reader, memory=False)
            round_of("raw", memory=True)
            round_of("sdk", memory=True)
        finally:
            client.close()
            raw.close()
    raw_us, json_us, sdk_us = (statistics.median(times[r]) / messages * 1e6 for r in ("raw", "raw+json", "sdk"))
    return {
        "messages per burst": messages,
        "rounds": rounds,
        "raw us/message": round(raw_us, 1),
        "raw+json us/message": round(json_us, 1),
        "sdk us/message": round(sdk_us, 1),
        "time ratio sdk/raw": round(sdk_us / raw_us, 2),
        "time ratio sdk/raw+json": round(sdk_us / json_us, 2),
        "raw peak KiB": round(peaks["raw"] / 1024),
        "sdk peak KiB": round(peaks["sdk"] / 1024),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    for key, value in run(args.messages, args.rounds).items():
        print(f"{key:>20}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
