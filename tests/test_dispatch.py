"""Dispatch queues, the callback pipe and the REST worker: order, threads, errors, bursts."""

from __future__ import annotations

import threading
import unittest
from typing import Any

from cometchat import DispatchQueue, MainDispatchQueue
from cometchat.callbacks import CallbackPipe, Reply
from cometchat.exceptions import CometChatException
from cometchat.testing import scaled, waitFor
from cometchat.worker import RestWorker


class DispatchQueueTest(unittest.TestCase):
    def setUp(self) -> None:
        self.queue = DispatchQueue("test-queue")
        self.addCleanup(self.queue.close)

    def test_runs_in_order_on_its_own_named_daemon_thread(self) -> None:
        seen: list[tuple[int, str, bool]] = []
        done = threading.Event()
        for n in range(100):
            self.queue.async_(lambda n=n: seen.append((n, threading.current_thread().name,
                                                       threading.current_thread().daemon)))
        self.queue.async_(done.set)
        self.assertTrue(done.wait(scaled(5)))
        self.assertEqual([n for n, _, _ in seen], list(range(100)))
        self.assertEqual({(name, daemon) for _, name, daemon in seen}, {("cometchat-test-queue", True)})

    def test_sync_returns_and_raises(self) -> None:
        self.assertEqual(self.queue.sync(lambda: 41 + 1), 42)
        with self.assertRaises(ZeroDivisionError):
            self.queue.sync(lambda: 1 / 0)

    def test_sync_from_its_own_thread_raises_instead_of_deadlocking(self) -> None:
        def inner() -> str:
            try:
                self.queue.sync(lambda: None)
            except RuntimeError as exc:
                return str(exc)
            return "no error"

        self.assertIn("deadlock", self.queue.sync(inner))

    def test_a_raising_task_is_logged_and_the_queue_goes_on(self) -> None:
        with self.assertLogs("cometchat", "ERROR") as logs:
            self.queue.async_(lambda: 1 / 0)
            self.assertEqual(self.queue.sync(lambda: "alive"), "alive")
        self.assertIn("error in the app's code", logs.output[0])

    def test_close_stops_the_thread(self) -> None:
        self.queue.sync(lambda: None)
        self.queue.close()
        self.assertNotIn("cometchat-test-queue", [t.name for t in threading.enumerate()])
        with self.assertRaises(RuntimeError):
            self.queue.async_(lambda: None)


class MainQueueTest(unittest.TestCase):
    def test_tasks_wait_for_the_app_to_pump(self) -> None:
        main = MainDispatchQueue()
        ran: list[str] = []
        main.async_(lambda: ran.append(threading.current_thread().name))
        main.async_(lambda: ran.append(threading.current_thread().name))
        self.assertEqual(ran, [])
        self.assertEqual(main.runPending(), 2)
        self.assertEqual(ran, [threading.current_thread().name] * 2)
        self.assertEqual(main.runPending(), 0)

    def test_run_pending_waits_for_the_first_task(self) -> None:
        main = MainDispatchQueue()
        timer = threading.Timer(0.05, lambda: main.async_(lambda: None))
        timer.start()
        self.assertEqual(main.runPending(timeout=scaled(5)), 1)
        timer.join()

    def test_sync_on_the_pumping_thread_raises(self) -> None:
        main = MainDispatchQueue()
        with self.assertRaises(RuntimeError):
            main.sync(lambda: None)  # this test runs on the main thread, which pumps

    def test_the_shared_main_queue(self) -> None:
        self.assertIsInstance(DispatchQueue.main, MainDispatchQueue)


class CountingQueue(DispatchQueue):
    def __init__(self) -> None:
        super().__init__("counting")
        self.tasks = 0

    def async_(self, fn):  # type: ignore[no-untyped-def]
        self.tasks += 1
        super().async_(fn)


class CallbackPipeTest(unittest.TestCase):
    def test_posts_from_many_threads_keep_each_threads_order_and_come_in_bursts(self) -> None:
        queue = CountingQueue()
        self.addCleanup(queue.close)
        pipe = CallbackPipe(queue)
        seen: list[tuple[int, int]] = []
        gate = threading.Event()
        pipe.post(gate.wait, scaled(5))  # hold the queue so posts pile up

        def producer(p: int) -> None:
            for n in range(2500):
                pipe.post(seen.append, (p, n))

        threads = [threading.Thread(target=producer, args=(p,)) for p in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        gate.set()
        self.assertTrue(pipe.flush(scaled(10)))
        self.assertEqual(len(seen), 10000)
        for p in range(4):
            self.assertEqual([n for q, n in seen if q == p], list(range(2500)))
        self.assertLess(queue.tasks, 100)  # bursts, not a task per callback

    def test_batched_posts_share_one_call_and_keep_their_place_among_other_posts(self) -> None:
        queue = CountingQueue()
        self.addCleanup(queue.close)
        pipe = CallbackPipe(queue)
        seen: list[Any] = []
        gate = threading.Event()
        pipe.post(gate.wait, scaled(5))  # hold the queue so the posts pile up

        def batch(items: list[int]) -> None:
            seen.append(list(items))

        for n in range(5):
            pipe.post_batched(batch, n)
        pipe.post(seen.append, "between")
        for n in range(5, 1205):  # longer than one burst: split, still in order
            pipe.post_batched(batch, n)
        gate.set()
        self.assertTrue(pipe.flush(scaled(10)))
        self.assertEqual(seen[:2], [[0, 1, 2, 3, 4], "between"])
        self.assertEqual([n for items in seen[2:] for n in items], list(range(5, 1205)))
        self.assertLess(len(seen), 10)
        pipe.post_batched(batch, 9999)  # the queue drained: a fresh batch, run without help
        self.assertTrue(pipe.flush(scaled(10)))
        self.assertEqual(seen[-1], [9999])

    def test_one_queue_task_runs_at_most_a_burst_of_batched_items(self) -> None:
        main = MainDispatchQueue()  # a GUI loop: each runPending is one turn of the app's loop
        pipe = CallbackPipe(main)
        seen: list[int] = []
        for n in range(2000):  # four full batches, queued before the app's loop turns
            pipe.post_batched(seen.extend, n)
        turns: list[int] = []
        while len(seen) < 2000 and len(turns) < 50:
            before = len(seen)
            main.runPending()
            turns.append(len(seen) - before)
        self.assertEqual(seen, list(range(2000)))
        self.assertLessEqual(max(turns), 500, turns)  # the loop gets a turn between bursts

    def test_flush_from_inside_a_callback_raises(self) -> None:
        queue = DispatchQueue("flush-test")
        self.addCleanup(queue.close)
        pipe = CallbackPipe(queue)
        result: list[str] = []

        def inner() -> None:
            try:
                pipe.flush(1)
            except RuntimeError:
                result.append("raised")

        pipe.post(inner)
        self.assertTrue(pipe.flush(scaled(5)))
        self.assertEqual(result, ["raised"])


class ReplyTest(unittest.TestCase):
    def test_future_resolves_without_the_queue_being_pumped(self) -> None:
        main = MainDispatchQueue()
        pipe = CallbackPipe(main)
        got: list[object] = []
        reply: Reply[str] = Reply(pipe, got.append, None)
        reply.succeed("value", "callback-arg")
        self.assertEqual(reply.future.result(timeout=0), "value")
        self.assertEqual(got, [])
        main.runPending()
        self.assertEqual(got, ["callback-arg"])

    def test_only_the_first_answer_counts(self) -> None:
        main = MainDispatchQueue()
        calls: list[str] = []
        reply: Reply[None] = Reply(CallbackPipe(main), lambda: calls.append("ok"), lambda e: calls.append("err"))
        reply.succeed(None)
        reply.fail(CometChatException("X", "late"))
        main.runPending()
        self.assertEqual(calls, ["ok"])
        self.assertIsNone(reply.future.result(timeout=0))


if __name__ == "__main__":
    unittest.main()


class RestWorkerTest(unittest.TestCase):
    """The serial worker: delayed tasks come after what was queued, and close runs them at once."""

    def test_a_delayed_task_runs_after_the_queue_and_close_does_not_wait_for_its_delay(self) -> None:
        worker = RestWorker("cometchat-test-rest", idle_exit=0.1)
        order: list[str] = []
        ran = threading.Event()
        worker.submit(lambda: order.append("soon, then done"), delay=0.05)
        worker.submit(lambda: order.append("now"))
        worker.submit(ran.set, delay=0.05)
        self.assertTrue(ran.wait(scaled(5)))
        self.assertEqual(order, ["now", "soon, then done"])
        worker.submit(lambda: order.append("at close"), delay=600)
        worker.close(timeout=scaled(5))
        self.assertEqual(order[-1], "at close")
        self.assertEqual(worker.threads(), ())

    def test_the_thread_waits_for_a_delayed_task_then_ends_when_idle(self) -> None:
        worker = RestWorker("cometchat-test-rest", idle_exit=0.1)
        self.addCleanup(worker.close)
        ran = threading.Event()
        worker.submit(ran.set, delay=0.3)  # longer than idle_exit: the thread must not end first
        self.assertTrue(ran.wait(scaled(5)))
        waitFor(lambda: worker.threads() == (), timeout=5)
