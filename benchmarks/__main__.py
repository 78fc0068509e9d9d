"""Every benchmark, side by side with its raw baseline: ``python -m benchmarks``.

    python -m benchmarks [--quick] [--json] [--repeat N] [--only NAME,...] [--no-write]

Each benchmark runs in a process of its own (so threads, memory and the GIL of one never
touch another), against its own dev server in yet another process. The dead-link benchmark
mostly waits on timers, so it runs in the background meanwhile. The result is a table (and,
with ``--json``, one JSON object with the issue's keys only), and ``benchmarks/RESULTS.md``
is written: the machine, the versions, the date, the load, the table, and what was tried
(``benchmarks/TRIED.md``). ``--quick`` takes under a minute with smaller sizes (the table
says which); a full run takes about three on two cores, and ``--repeat 3`` reports each
figure's median over three full runs.
"""

from __future__ import annotations

import argparse
import datetime
import json
import operator
import os
import platform
import statistics
import subprocess
import sys
import time
from importlib import metadata
from typing import Any, Callable

HERE = os.path.dirname(os.path.abspath(__file__))
#: in the order they run; ``deadlink`` starts first and runs in the background
PARTS = ("deadlink", "inbound", "latency", "connect", "send", "footprint", "scale", "history", "groups")

#: the issue's keys, in its order: exactly what ``--json`` prints
KEYS = ("throughput_ratio", "latency_p50_overhead_ms", "latency_p99_overhead_ms", "connect_ratio",
        "first_connect_ratio", "dead_link_default_s", "dead_link_tuned_s", "threads_per_client",
        "rss_per_client_kib", "idle_cpu_pct", "scale_clients", "scale_connect_ratio", "scale_msgs_per_s",
        "send_ratio", "history_page_scaling", "group_fanout_msgs_per_s")


Check = Callable[[Any, dict[str, Any]], bool]


def _target(compare: Callable[[Any, Any], bool], limit: float, judged: str | None = None) -> Check:
    """The check of a target: the figure's value against ``limit``, or, with ``judged``, the
    value of that other result key (a figure reported as a median but met only if its worst is)."""
    def check(value: Any, results: dict[str, Any]) -> bool:
        if judged is not None:
            value = results.get(judged)
        return value is not None and bool(compare(value, limit))
    return check


def _reported(value: Any, results: dict[str, Any]) -> bool:
    return value is not None


#: key -> (what it is, how it was measured against what, the target, its check of (value, results))
FIGURES: dict[str, tuple[str, Callable[[dict[str, Any]], str], str, Check]] = {
    "throughput_ratio": (
        "inbound TextMessages/s to a listener, over raw recv()+json.loads",
        lambda r: f"SDK {r['inbound_sdk_per_s']:,}/s; raw {r['inbound_raw_json_per_s']:,}/s "
                  f"(recv() alone {r['inbound_raw_recv_per_s']:,}/s); {r['inbound_messages']:,}-message bursts "
                  f"of {r['inbound_frame_bytes']:,}-byte frames captured from the server",
        ">= 0.75 (aim 0.85)", _target(operator.ge, 0.75)),
    "latency_p50_overhead_ms": (
        "delivery latency over raw at 200 msg/s, p50 (ms)",
        lambda r: f"SDK {r['latency_sdk_p50_ms']} ms; raw {r['latency_raw_p50_ms']} ms (the same "
                  f"{r['latency_messages']:,} messages a round); per-message difference p50 "
                  f"{r['latency_pair_p50_ms']} ms",
        "<= 0.3", _target(operator.le, 0.3)),
    "latency_p99_overhead_ms": (
        "the same, p99 (ms)",
        lambda r: f"SDK {r['latency_sdk_p99_ms']} ms; raw {r['latency_raw_p99_ms']} ms; per-message "
                  f"difference p99 {r['latency_pair_p99_ms']} ms",
        "<= 1", _target(operator.le, 1.0)),
    "connect_ratio": (
        "connect() to onSuccess (connected before), over raw open+auth",
        lambda r: f"SDK {r['connect_sdk_ms']} ms; raw {r['connect_raw_ms']} ms",
        "<= 1.2", _target(operator.le, 1.2)),
    "first_connect_ratio": (
        "first connect() of a fresh client, over raw",
        lambda r: f"SDK {r['first_connect_sdk_ms']} ms; raw {r['connect_raw_ms']} ms",
        "<= 1.5", _target(operator.le, 1.5)),
    "dead_link_default_s": (
        "dead link noticed, default keep-alive (s, median)",
        lambda r: f"worst of {r['dead_link_trials']}: {r['dead_link_default_worst_s']} s",
        "worst <= 20", _target(operator.le, 20.0, "dead_link_default_worst_s")),
    "dead_link_tuned_s": (
        "dead link noticed, ping 1 s / pong 0.5 s (s, median)",
        lambda r: f"worst of {r['dead_link_trials']}: {r['dead_link_tuned_worst_s']} s",
        "worst <= 1.6", _target(operator.le, 1.6, "dead_link_tuned_worst_s")),
    "threads_per_client": (
        "threads per connected, idle client",
        lambda r: f"{r['footprint_clients']} clients; at most {r['footprint_max_threads_one_client']} in one client",
        "<= 3", _target(operator.le, 3.0)),
    "rss_per_client_kib": (
        "resident memory per connected client (KiB)",
        lambda r: f"RSS growth over {r['footprint_clients']} clients",
        "<= 200", _target(operator.le, 200.0)),
    "idle_cpu_pct": (
        "CPU of idle connected clients (% of a core)",
        lambda r: f"{r['idle_clients']} clients ({r['idle_clients_connected']} connected), {r['idle_seconds']} s",
        "< 1", _target(operator.lt, 1.0)),
    "scale_clients": (
        "clients in one process (scale test)",
        lambda r: f"{r['scale_messages']:,} messages, exactly once: {r['scale_exactly_once']}",
        "500", _target(operator.ge, 500)),
    "scale_connect_ratio": (
        "all clients connected, over 16 raw threads opening as many sockets",
        lambda r: f"SDK {r['scale_connect_sdk_s']} s; raw {r['scale_connect_raw_s']} s; "
                  f"first round alone {r['scale_connect_first_round_ratio']}",
        "<= 1.5", _target(operator.le, 1.5)),
    "scale_msgs_per_s": (
        "messages/s, every client sending to the next",
        lambda r: f"{r['scale_messages']:,} messages, first send to last delivery",
        "(reported)", _reported),
    "send_ratio": (
        "sendTextMessage to onSuccess, over a raw requests.Session().post",
        lambda r: f"SDK {r['send_sdk_ms']} ms; raw {r['send_raw_ms']} ms",
        "<= 1.3", _target(operator.le, 1.3)),
    "history_page_scaling": (
        "history page time at depth, large over small",
        lambda r: f"{r['history_page_ms_large']} ms at {r['history_large']:,} vs "
                  f"{r['history_page_ms_small']} ms at {r['history_small']:,}",
        "<= 2", _target(operator.le, 2.0)),
    "group_fanout_msgs_per_s": (
        "group messages/s reaching every member (SDK receivers)",
        lambda r: f"{r['group_members']} members, {r['group_messages']:,} messages; raw receivers "
                  f"{r['group_fanout_msgs_per_s_raw']}/s (ratio {r['group_fanout_ratio']}); one-to-one "
                  f"{r['one_to_one_msgs_per_s']}/s, raw {r['one_to_one_msgs_per_s_raw']}/s",
        "(reported)", _reported),
}


def _start(part: str, quick: bool) -> subprocess.Popen[str]:
    args = [sys.executable, "-m", f"benchmarks.{part}", "--part"] + (["--quick"] if quick else [])
    return subprocess.Popen(args, stdout=subprocess.PIPE, text=True, cwd=os.path.dirname(HERE))


def _finish(part: str, proc: subprocess.Popen[str]) -> dict[str, Any]:
    out, _ = proc.communicate()
    for line in out.splitlines():
        if line.startswith("BENCHMARK-RESULT "):
            result: dict[str, Any] = json.loads(line.split(" ", 1)[1])
            return result
    raise RuntimeError(f"benchmark {part} failed (exit {proc.returncode})")


def run(parts: tuple[str, ...], quick: bool, say: Callable[[str], None]) -> tuple[dict[str, Any], list[str]]:
    results: dict[str, Any] = {}
    failures: list[str] = []
    background = _start("deadlink", quick) if "deadlink" in parts else None
    for part in parts:
        if part == "deadlink":
            continue
        began = time.monotonic()
        say(f"running {part} ...")
        try:
            results.update(_finish(part, _start(part, quick)))
        except RuntimeError as exc:
            failures.append(str(exc))
        say(f"  {part}: {time.monotonic() - began:.0f} s")
    if background is not None:
        try:
            results.update(_finish("deadlink", background))
        except RuntimeError as exc:
            failures.append(str(exc))
    return results, failures


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _cpu() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def combine(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One result from several runs: the median of every number all runs gave, the last run's
    value of anything else."""
    combined = dict(runs[-1])
    for key in combined:
        values = [run.get(key) for run in runs]
        numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
        if len(numbers) == len(values):
            middle = statistics.median(numbers)
            combined[key] = round(middle, 3) if isinstance(middle, float) else middle
    return combined


def table(results: dict[str, Any], runs: list[dict[str, Any]] | None = None) -> str:
    several = runs is not None and len(runs) > 1
    rows = ["| figure | value | measured as | target | met |" + (" each run |" if several else ""),
            "|---|---|---|---|---|" + ("---|" if several else "")]
    for key, (what, detail, target, check) in FIGURES.items():
        value = results.get(key)
        try:
            how = detail(results)
        except (KeyError, TypeError):
            how = "not measured"
        shown = "untrusted" if value is None and key == "throughput_ratio" and "inbound_sdk_per_s" in results else value
        row = f"| `{key}`: {what} | {shown} | {how} | {target} | {'yes' if check(value, results) else '**no**'} |"
        if several:
            row += " " + ", ".join(str(run.get(key)) for run in runs or []) + " |"
        rows.append(row)
    return "\n".join(rows)


def report(results: dict[str, Any], runs: list[dict[str, Any]], quick: bool, load: tuple[float, float],
           elapsed: float) -> str:
    from cometchat.__version__ import __version__
    from cometchat.transport import jsonfast

    when = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    lines = [
        "# Benchmark results",
        "",
        "Written by `python -m benchmarks`" + (" --quick" if quick else "") + "; do not edit by hand (what was tried",
        "lives in `benchmarks/TRIED.md` and is copied below). Every ratio is the SDK against a raw baseline",
        "on the same dev server (in another process) in the same run; medians of alternating rounds.",
        "",
        f"- date: {when}; {'quick run (smaller sizes, see the table)' if quick else 'full run'}"
        f"{f', {len(runs)} runs (each value is the median of the runs; each run is in the last column)' if len(runs) > 1 else ''}"
        f", {elapsed:.0f} s",
        f"- machine: {platform.machine()}, {os.cpu_count()} cores ({_cpu()}), {platform.system()} {platform.release()}",
        f"- load average (1 min) before / after: {load[0]:.2f} / {load[1]:.2f}",
        f"- Python {platform.python_version()}; cometchat-python {__version__}; websocket-client "
        f"{_version('websocket-client')}; requests {_version('requests')}; aiohttp {_version('aiohttp')}; "
        f"attrs {_version('attrs')}; JSON parser: {jsonfast.BACKEND} (msgspec {_version('msgspec')})",
        "",
        table(results, runs),
        "",
    ]
    if results.get("throughput_ratio") is None and "inbound_raw_json_per_s" in results:
        lines += [f"The raw reader reached only {results['inbound_raw_json_per_s']:,} frames/s (under 25,000), "
                  "so the inbound ratio is not trusted; it was "
                  f"{results.get('inbound_ratio_untrusted')}.", ""]
    with open(os.path.join(HERE, "TRIED.md"), encoding="utf-8") as handle:
        lines.append(handle.read().rstrip() + "\n")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, under a minute")
    parser.add_argument("--json", action="store_true", help="print one JSON object with the issue's keys")
    parser.add_argument("--only", help=f"comma-separated parts of {', '.join(PARTS)}")
    parser.add_argument("--no-write", action="store_true", help="do not write benchmarks/RESULTS.md")
    parser.add_argument("--repeat", type=int, default=1, help="run everything N times; report each figure's median")
    args = parser.parse_args(argv)
    parts = tuple(p for p in PARTS if not args.only or p in args.only.split(","))

    def say(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    began, load_before = time.monotonic(), os.getloadavg()[0]
    runs: list[dict[str, Any]] = []
    failures: list[str] = []
    for number in range(args.repeat):
        if args.repeat > 1:
            say(f"run {number + 1} of {args.repeat}")
        result, failed = run(parts, args.quick, say)
        runs.append(result)
        failures += failed
    results = combine(runs)
    elapsed, load_after = time.monotonic() - began, os.getloadavg()[0]
    if args.json:
        print(json.dumps({key: results.get(key) for key in KEYS}))
    else:
        print(table(results, runs))
    if not args.no_write and not args.only:
        with open(os.path.join(HERE, "RESULTS.md"), "w", encoding="utf-8") as handle:
            handle.write(report(results, runs, args.quick, (load_before, load_after), elapsed))
    for failure in failures:
        say(failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
