"""What every benchmark shares: the raw baseline client, the server, medians and load.

The raw baseline is websocket-client at its fastest correct setting
(``skip_utf8_validation=True``) and a plain ``requests.Session``: what an app that spoke the
protocol by hand would do, with nothing of the SDK in the way. Logging in by hand (mint an
auth token, ``PUT me``) happens before anything is timed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import sys
import threading
import time
import uuid
from typing import Any, Callable, Iterable, TypeVar

import requests
import websocket

from cometchat.devserver import DevServer
from cometchat.transport import protocol

T = TypeVar("T")

#: At least this many alternating rounds before a ratio is reported.
ROUNDS = 5


class RawUser:
    """One user logged in by hand: an auth token, a JWT, the socket URL and a requests session."""

    def __init__(self, server: DevServer, uid: str, http: requests.Session | None = None) -> None:
        self.server = server
        self.uid = uid
        self.session_id = f"RAW-{uuid.uuid4()}"
        self.http = http or requests.Session()
        admin = {"appId": server.app_id, "apiKey": server.auth_key}
        minted = self.http.post(f"{server.url}/v3.0/users/{uid}/auth_tokens", headers=admin,
                                json={"deviceId": self.session_id}, timeout=30)
        self.headers = {"appId": server.app_id, "authToken": minted.json()["data"]["authToken"],
                        "resource": self.session_id}
        me = self.http.put(f"{server.url}/v3.0/me", headers=self.headers, json={"deviceId": self.session_id},
                           timeout=30).json()["data"]
        settings = me["settings"]
        self.url = f"ws://{settings['CHAT_HOST']}:{settings['CHAT_WSS_PORT']}/"
        # the frame the SDK sends, field for field, so the server does the same work for both
        self.auth_frame = protocol.encode(protocol.AuthRequest(
            app_id=server.app_id, sender=uid, device_id=self.session_id, jwt=me["jwt"],
            params={"appInfo": {"version": "raw", "apiVersion": "v3.0", "origin": None,
                                "uts": int(time.time() * 1000)},
                    "userAgent": "raw", "deviceId": self.session_id, "platform": "python"}))

    def open(self) -> websocket.WebSocket:
        """A raw socket, open and authenticated: connect, send auth, read the reply."""
        ws = websocket.create_connection(self.url, skip_utf8_validation=True, timeout=60)
        ws.send(self.auth_frame)
        reply = json.loads(ws.recv())
        if reply.get("body", {}).get("status") != "OK":
            raise RuntimeError(f"the raw socket was refused: {reply}")
        return ws


#: who sends the captured message frames (``message_template``)
TEMPLATE_SENDER = "cometchat-uid-2"


def message_template(server: DevServer, uid: str, metadata: dict[str, Any] | None = None,
                     ws: websocket.WebSocket | None = None) -> str:
    """A message frame exactly as the dev server pushes it to ``uid``, with ``{n}`` where the
    message id goes: a text message sent over REST (from ``TEMPLATE_SENDER``, with
    ``metadata`` if given) and captured on a raw socket of ``uid`` (``ws``, or one opened and
    closed here). Made at the start of a benchmark, so its frames are always the server's
    real ones: every user field, the server's separators, whatever the server adds later.

    Capture before the SDK client of ``uid`` connects: it must not have seen the real id."""
    own = ws is None
    reader = RawUser(server, uid).open() if ws is None else ws
    try:
        sender = RawUser(server, TEMPLATE_SENDER)
        body: dict[str, Any] = {"receiver": uid, "receiverType": "user", "category": "message", "type": "text",
                                "data": {"text": "benchmark message"}}
        if metadata is not None:
            body["data"]["metadata"] = metadata
        sent = sender.http.post(f"{server.url}/v3.0/messages", headers=sender.headers, json=body, timeout=30)
        message_id = str(sent.json()["data"]["id"])
        while True:
            text = reader.recv()
            frame = json.loads(text)
            if frame.get("type") == "message" and str(frame.get("body", {}).get("id")) == message_id:
                break
    finally:
        if own:
            reader.close()
    # the id as the frame spells it, once: a template that could number something else is refused
    spelled = re.findall(r'"id"\s*:\s*"?' + message_id + r'"?', text)
    if len(spelled) != 1:
        raise RuntimeError(f"the message id appears {len(spelled)} times in the captured frame: {text}")
    return text.replace(spelled[0], spelled[0].replace(message_id, "{n}"))


def median(values: Iterable[float]) -> float:
    return statistics.median(list(values))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def alternate(rounds: int, *steps: Callable[[], T]) -> list[list[T]]:
    """Run the steps in turns, ``rounds`` times, so a noisy moment hits each alike; the
    results per step, in order."""
    results: list[list[T]] = [[] for _ in steps]
    for _ in range(rounds):
        for index, step in enumerate(steps):
            results[index].append(step())
    return results


def raise_fd_limit(wanted: int = 65536) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = min(wanted, hard) if hard != resource.RLIM_INFINITY else wanted
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def rss_kib() -> int:
    """This process's resident memory, from /proc (Linux) or the peak (elsewhere)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    except OSError:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak // 1024 if sys.platform == "darwin" else peak


def server(**kwargs: Any) -> DevServer:
    """A dev server in a child process, so it never shares our GIL."""
    kwargs.setdefault("idle_timeout", 600)
    return DevServer(process=True, **kwargs)


def emit(result: dict[str, Any]) -> None:
    """How a benchmark module run as ``--part`` hands its figures to ``python -m benchmarks``."""
    print("BENCHMARK-RESULT " + json.dumps(result), flush=True)


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.01)


def cli(doc: str | None, argv: list[str] | None, options: dict[str, Any],
        measure: Callable[[argparse.Namespace], dict[str, Any]], flags: tuple[str, ...] = ()) -> int:
    """A benchmark module's command line: ``--name value`` for each of ``options`` (its
    default's type), ``--quick`` and ``--part`` (one result line for ``python -m benchmarks``),
    plus the store-true ``flags``; prints what ``measure(args)`` returns."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    for name, default in options.items():
        parser.add_argument(f"--{name}", type=type(default), default=default)
    for flag in ("quick", "part", *flags):
        parser.add_argument(f"--{flag}", action="store_true")
    args = parser.parse_args(argv)
    result = measure(args)
    if args.part:
        emit(result)
    elif getattr(args, "json", False):
        print(json.dumps(result))
    else:
        width = max(map(len, result))
        for key, value in result.items():
            print(f"{key:>{width}}: {value}")
    return 0


class Countdown:
    """Counts what a listener received on the dispatch thread; ``done`` at the target."""

    def __init__(self) -> None:
        self.count = 0
        self.target = 0
        self.done = threading.Event()

    def expect(self, target: int) -> None:
        self.count, self.target = 0, target
        self.done.clear()

    def tick(self) -> None:
        self.count += 1
        if self.count >= self.target:
            self.done.set()


def raw_and_sdk(dev: DevServer, raw_uid: str, sdk_uid: str, listener: Any) -> tuple[websocket.WebSocket, Any]:
    """A raw socket of one user, and a connected SDK client of another with ``listener``
    on its messages: the two readers of the inbound benchmarks."""
    from cometchat.testing import clientFor

    ws = RawUser(dev, raw_uid).open()
    client = clientFor(dev, sdk_uid)
    client.addMessageListener("benchmark", listener)
    client.connect().result(30)
    return ws, client
