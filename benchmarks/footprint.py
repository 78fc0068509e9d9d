"""What a connected client costs while it does nothing: threads, memory, CPU.

    python -m benchmarks.footprint [--clients 200] [--idle-clients 50] [--idle-seconds 30]

After one warm-up client (so imports and process-wide caches are not counted), ``--clients``
logged-in clients connect (five seeded users, several sessions each) and are left alone until
their REST workers have gone idle. ``threads_per_client`` is the growth of the process's
thread count over the number of clients (the target is at most 3: owner, reader,
callbacks), and ``rss_per_client_kib`` the growth of resident memory over the number of
clients. Then all but ``--idle-clients`` close and ``idle_cpu_pct`` is the CPU the process
uses (``time.process_time``: user + system, percent of one core) over ``--idle-seconds`` with those clients idle
and connected (keep-alive pings included).
"""

from __future__ import annotations

import gc
import sys
import threading
import time
from typing import Any

from cometchat import CometChatClient
from cometchat.testing import clientFor

from .common import cli, raise_fd_limit, rss_kib, server, wait_until

#: The REST worker's idle exit is 2 s; give it that and a margin before counting threads.
_SETTLE = 3.0


def connected_clients(dev: Any, count: int) -> list[CometChatClient]:
    clients = [clientFor(dev, f"cometchat-uid-{1 + n % 5}") for n in range(count)]
    for future in [client.connect() for client in clients]:
        future.result(60)
    return clients


def run(clients: int = 200, idle_clients: int = 50, idle_seconds: float = 30.0) -> dict[str, Any]:
    raise_fd_limit()
    with server() as dev:
        warm = connected_clients(dev, 1)
        time.sleep(_SETTLE)
        gc.collect()
        threads_before, rss_before = threading.active_count(), rss_kib()
        fleet = connected_clients(dev, clients)
        time.sleep(_SETTLE)  # let every REST worker exit, as an idle client's does
        wait_until(lambda: all("cometchat-rest" not in c.statistics().threads for c in fleet), 30, "idle workers")
        gc.collect()
        threads_after, rss_after = threading.active_count(), rss_kib()
        per_client_threads = max(len(c.statistics().threads) for c in fleet)
        for client in fleet[idle_clients:]:
            client.close()
        idle = fleet[:idle_clients]
        time.sleep(_SETTLE)
        before, began = time.process_time(), time.monotonic()
        time.sleep(idle_seconds)
        cpu, elapsed = time.process_time() - before, time.monotonic() - began
        connected = sum(c.getConnectionStatus.value == "connected" for c in idle)
        for client in idle + warm:
            client.close()
    return {
        "threads_per_client": round((threads_after - threads_before) / clients, 2),
        "rss_per_client_kib": round((rss_after - rss_before) / clients, 1),
        "idle_cpu_pct": round(100 * cpu / elapsed, 3),
        "footprint_clients": clients,
        "footprint_max_threads_one_client": per_client_threads,
        "idle_clients": idle_clients,
        "idle_clients_connected": connected,
        "idle_seconds": idle_seconds,
    }


def main(argv: list[str] | None = None) -> int:
    return cli(__doc__, argv, {"clients": 200, "idle-clients": 50, "idle-seconds": 30.0},
               lambda a: run(min(a.clients, 100), a.idle_clients, 5.0) if a.quick
               else run(a.clients, a.idle_clients, a.idle_seconds))

if __name__ == "__main__":
    sys.exit(main())
