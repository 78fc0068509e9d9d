"""The benchmark runner's contract (``python -m benchmarks``), checked without running a benchmark:
``--json`` prints exactly the keys the performance issue lists (and those later issues added),
and a target is judged as the issue says. Speed itself is never asserted in tests."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
import unittest
from types import ModuleType
from typing import Any
from unittest import mock

RUNNER = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks", "__main__.py")

#: issue 10's keys, in its order, then the ones later issues added
ISSUE_KEYS = ("throughput_ratio", "latency_p50_overhead_ms", "latency_p99_overhead_ms", "connect_ratio",
              "first_connect_ratio", "dead_link_default_s", "dead_link_tuned_s", "threads_per_client",
              "rss_per_client_kib", "idle_cpu_pct", "scale_clients", "scale_connect_ratio", "scale_msgs_per_s",
              "send_ratio")
LATER_KEYS = ("history_page_scaling", "group_fanout_msgs_per_s")


def runner() -> ModuleType:
    """The runner loaded from its file (the benchmarks are not an installed package)."""
    spec = importlib.util.spec_from_file_location("benchmarks_runner", RUNNER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class JsonKeysTest(unittest.TestCase):
    def setUp(self) -> None:
        self.runner = runner()

    def run_main(self, results: dict[str, Any], *argv: str) -> tuple[str, mock.MagicMock]:
        """``main(argv)`` with every benchmark replaced by ``results``; what it printed."""
        out = io.StringIO()
        with mock.patch.object(self.runner, "run", return_value=(results, [])) as ran, \
                contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            self.assertEqual(self.runner.main(list(argv)), 0)
        return out.getvalue(), ran

    def test_the_keys_are_the_issues_and_each_has_a_row_in_the_table(self) -> None:
        self.assertEqual(self.runner.KEYS, ISSUE_KEYS + LATER_KEYS)
        self.assertEqual(list(self.runner.FIGURES), list(self.runner.KEYS))

    def test_json_prints_one_object_with_exactly_those_keys(self) -> None:
        results = {key: n for n, key in enumerate(ISSUE_KEYS + LATER_KEYS)}
        results.update(inbound_sdk_per_s=1, dead_link_trials=5)  # details stay out of --json
        del results["send_ratio"]  # a part that failed: its key is there, as null
        printed, ran = self.run_main(results, "--json", "--no-write")
        self.assertEqual(ran.call_args.args[0], self.runner.PARTS)  # every part, none run here
        obj = json.loads(printed)
        self.assertEqual(list(obj), list(ISSUE_KEYS + LATER_KEYS))
        self.assertEqual(obj, {key: results.get(key) for key in ISSUE_KEYS + LATER_KEYS})

    def test_a_dead_link_target_is_met_only_by_the_worst_trial(self) -> None:
        base = {"dead_link_trials": 5, "dead_link_default_s": 14.0, "dead_link_tuned_s": 1.1}

        def met(worst_default: float, worst_tuned: float) -> list[bool]:
            table = self.runner.table(dict(base, dead_link_default_worst_s=worst_default,
                                           dead_link_tuned_worst_s=worst_tuned))
            rows = [line for line in table.splitlines() if line.startswith("| `dead_link_")]
            self.assertEqual(len(rows), 2)
            self.assertIn("| 14.0 |", rows[0])  # the medians are what is shown
            self.assertIn("| 1.1 |", rows[1])
            return [row.endswith("| yes |") for row in rows]

        self.assertEqual(met(19.9, 1.6), [True, True])
        self.assertEqual(met(20.5, 1.6), [False, True])
        self.assertEqual(met(19.9, 1.7), [True, False])


if __name__ == "__main__":
    unittest.main()
