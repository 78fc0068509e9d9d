"""History page time at depth: does a page cost the same with 100,000 messages as with 1,000?

    python -m benchmarks.history [--small 1000] [--large 100000] [--rounds 7]

One dev server (in a child process) holds two conversations, one of ``--small`` messages and
one of ``--large``; the SDK pages through each with ``MessagesRequest`` (30 a page, from the
middle of the conversation back, as "load older" does). The figure is the median page time
of the large conversation over the small one's (``history_page_scaling``): an indexed keyset
page should stay near 1, and the target is at most 2.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from cometchat import CometChatClient, MessagesRequest
from cometchat.testing import clientFor

from .common import alternate, cli, median, server

READER, SMALL_PEER, LARGE_PEER = "cometchat-uid-1", "cometchat-uid-2", "cometchat-uid-3"


def page_time(client: CometChatClient, peer: str, around: int, pages: int) -> float:
    """Median seconds of one 30-message page, paging back from message ``around``."""
    request = MessagesRequest.MessageRequestBuilder(client=client).set(uid=peer).set(limit=30).set(
        messageID=around).build()
    times = []
    for _ in range(pages):
        started = time.perf_counter()
        page = request.fetchPrevious().result(timeout=60)
        times.append(time.perf_counter() - started)
        if len(page) != 30:
            raise RuntimeError(f"a short page ({len(page)}) in the middle of the conversation")
    return median(times)


def run(small: int = 1000, large: int = 100_000, rounds: int = 7, pages: int = 10) -> dict[str, Any]:
    with server() as dev:
        small_ids = dev.seed_messages(SMALL_PEER, READER, small)
        large_ids = dev.seed_messages(LARGE_PEER, READER, large)
        client = clientFor(dev, READER)
        try:
            page_time(client, SMALL_PEER, small_ids[1], 2)  # warm up both paths
            page_time(client, LARGE_PEER, large_ids[1], 2)
            small_times, large_times = alternate(
                rounds, lambda: page_time(client, SMALL_PEER, (small_ids[0] + small_ids[1]) // 2, pages),
                lambda: page_time(client, LARGE_PEER, (large_ids[0] + large_ids[1]) // 2, pages))
        finally:
            client.close()
    small_ms, large_ms = median(small_times) * 1000, median(large_times) * 1000
    return {"history_page_ms_small": round(small_ms, 3), "history_page_ms_large": round(large_ms, 3),
            "history_page_scaling": round(large_ms / small_ms, 3), "history_small": small,
            "history_large": large}


def main(argv: list[str] | None = None) -> int:
    return cli(__doc__, argv, {"small": 1000, "large": 100_000, "rounds": 7},
               lambda a: run(a.small, min(a.large, 20_000), 5) if a.quick else run(a.small, a.large, a.rounds),
               flags=("json",))

if __name__ == "__main__":
    sys.exit(main())
