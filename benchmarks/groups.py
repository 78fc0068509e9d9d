"""Group fan-out: how fast 1,000 messages reach every session of a 50-member group.

    python -m benchmarks.groups [--members 50] [--messages 1000] [--json]

One dev server (in a child process). Five members post ``--messages`` messages to the group
over REST (plain requests, the same senders for every run); the clock stops when every member
session has received every message (a member's receiving session is not the one that posted,
so it hears its own posts too, as another device of the same user would). The receivers are, in turn,
SDK clients (a message listener counting ``onTextMessageReceived``) and raw websocket-client
sockets (a thread each, reading frames): ``group_fanout_msgs_per_s`` is the SDK's figure,
``group_fanout_ratio`` the SDK's over the raw one's. Beside them, the same messages one-to-one
(the same five senders, one receiver) give ``one_to_one_msgs_per_s`` and its ratio, from the
same run.
Each receiver also checks that it got every message exactly once.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

import websocket

from cometchat import CometChatClient, Group, GroupMember
from cometchat.devserver import DevServer
from cometchat.testing import clientFor

from .common import RawUser, cli, server

SENDERS = 5


class Counter:
    """Message ids heard by one receiver; ``done`` once it has all it expects."""

    def __init__(self, expected: set[int]) -> None:
        self.expected = expected
        self.seen: list[int] = []
        self.lock = threading.Lock()
        self.done = threading.Event()

    def heard(self, message_id: int) -> None:
        with self.lock:
            self.seen.append(message_id)
            if len(self.seen) >= len(self.expected):
                self.done.set()

    def check(self, who: str) -> None:
        if sorted(self.seen) != sorted(self.expected):
            raise RuntimeError(f"{who} did not get each message exactly once "
                               f"({len(self.seen)} heard, {len(self.expected)} expected)")


class Poster:
    """A member that posts over REST, logged in by hand."""

    def __init__(self, server: DevServer, uid: str) -> None:
        self.user = RawUser(server, uid)
        self.uid = uid
        self.url = f"{server.url}/v3.0/messages"

    def post(self, receiver: str, receiver_type: str, text: str) -> int:
        body: dict[str, Any] = {"receiver": receiver, "receiverType": receiver_type, "category": "message",
                                "type": "text", "data": {"text": text}}
        answer = self.user.http.post(self.url, headers=self.user.headers, json=body, timeout=60).json()
        return int(answer["data"]["id"])


class RawReceiver:
    """A raw websocket-client session reading message frames on its own thread."""

    def __init__(self, server: DevServer, uid: str) -> None:
        self.ws = RawUser(server, uid).open()  # the auth frame the SDK sends, its reply read
        self.counter: Counter | None = None
        threading.Thread(target=self._read, name="raw-receiver", daemon=True).start()

    def _read(self) -> None:
        while True:
            try:
                frame = json.loads(self.ws.recv())
            except (websocket.WebSocketException, OSError, ValueError):
                return
            if frame.get("type") == "message" and frame["body"].get("category") == "message" \
                    and self.counter is not None:
                self.counter.heard(int(frame["body"]["id"]))

    def close(self) -> None:
        self.ws.close()


class SdkReceiver:
    """An SDK client whose message listener counts what it hears."""

    def __init__(self, server: DevServer, uid: str) -> None:
        self.client: CometChatClient = clientFor(server, uid)
        self.counter: Counter | None = None
        self.client.addMessageListener("bench", self)
        self.client.connect().result(timeout=60)

    def onTextMessageReceived(self, textMessage: Any) -> None:
        if self.counter is not None:
            self.counter.heard(textMessage.id)

    def close(self) -> None:
        self.client.close()


def timed_round(posters: list[Poster], receivers: dict[str, Any], receiver: str, receiver_type: str,
                messages: int) -> float:
    """Seconds from the first post until every receiver heard every message meant for it."""
    by_poster = {p.uid: p for p in posters}
    plan = [posters[n % len(posters)].uid for n in range(messages)]
    # ids are not known before the posts; count arrivals first, check the ids after
    counters = {uid: Counter(set(range(messages))) for uid in receivers}
    for uid, r in receivers.items():
        r.counter = counters[uid]
    started = time.perf_counter()
    with ThreadPoolExecutor(len(posters)) as pool:
        def post_all(uid: str) -> list[tuple[str, int]]:
            return [(uid, by_poster[uid].post(receiver, receiver_type, f"m{n}")) for n, s in enumerate(plan)
                    if s == uid]

        sent = [pair for batch in pool.map(post_all, by_poster) for pair in batch]
    for uid, counter in counters.items():
        if not counter.done.wait(120):
            raise RuntimeError(f"{uid} heard {len(counter.seen)} of {len(counter.expected)}")
    elapsed = time.perf_counter() - started
    for uid, counter in counters.items():  # now the ids are known: each exactly once
        counter.expected = {mid for _, mid in sent}
        counter.check(uid)
    return elapsed


def with_receivers(server: DevServer, uids: list[str], make: Callable[[DevServer, str], Any],
                   run: Callable[[dict[str, Any]], float]) -> float:
    receivers = {uid: make(server, uid) for uid in uids}
    try:
        return run(receivers)
    finally:
        for r in receivers.values():
            r.close()


def run(members: int = 50, messages: int = 1000) -> dict[str, Any]:
    uids = [f"bench-member-{n}" for n in range(members)]
    with server() as dev:
        for uid in uids:
            dev.create_user(uid)
        owner = clientFor(dev, uids[0])
        try:
            owner.createGroup(group=Group(guid="bench", name="bench")).result(timeout=60)
            owner.addMembersToGroup(guid="bench", groupMembers=[GroupMember(UID=u) for u in uids[1:]]).result(
                timeout=120)
        finally:
            owner.close()
        posters = [Poster(dev, uid) for uid in uids[:SENDERS]]

        def group_round(receivers: dict[str, Any]) -> float:
            return timed_round(posters, receivers, "bench", "group", messages)

        def one_to_one_round(receivers: dict[str, Any]) -> float:
            return timed_round(posters, receivers, uids[-1], "user", messages)

        raw_group = with_receivers(dev, uids, RawReceiver, group_round)
        sdk_group = with_receivers(dev, uids, SdkReceiver, group_round)
        raw_one = with_receivers(dev, uids[-1:], RawReceiver, one_to_one_round)
        sdk_one = with_receivers(dev, uids[-1:], SdkReceiver, one_to_one_round)
    return {
        "group_fanout_msgs_per_s": round(messages / sdk_group, 1),
        "group_fanout_msgs_per_s_raw": round(messages / raw_group, 1),
        "group_fanout_ratio": round(raw_group / sdk_group, 3),
        "group_fanout_deliveries_per_s": round(messages * (members - 1) / sdk_group, 1),
        "one_to_one_msgs_per_s": round(messages / sdk_one, 1),
        "one_to_one_msgs_per_s_raw": round(messages / raw_one, 1),
        "one_to_one_ratio": round(raw_one / sdk_one, 3),
        "group_members": members,
        "group_messages": messages,
    }


def main(argv: list[str] | None = None) -> int:
    return cli(__doc__, argv, {"members": 50, "messages": 1000},
               lambda a: run(min(a.members, 20), min(a.messages, 200)) if a.quick else run(a.members, a.messages),
               flags=("json",))


if __name__ == "__main__":
    sys.exit(main())
