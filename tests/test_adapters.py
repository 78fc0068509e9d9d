"""Dispatch adapters: callbacks on the GUI or loop thread, in order, none lost in a burst."""

from __future__ import annotations

import asyncio
import gc
import threading
import time
import unittest

from cometchat import AsyncioDispatchQueue, QtDispatchQueue, TkDispatchQueue
from cometchat.callbacks import CallbackPipe
from cometchat.testing import scaled
from helpers import qt_core, tk_root

BURST = 1000


def burst_from_another_thread(post) -> threading.Thread:  # type: ignore[no-untyped-def]
    thread = threading.Thread(target=lambda: [post(n) for n in range(BURST)], name="test-producer")
    thread.start()
    return thread


class TkAdapterTest(unittest.TestCase):
    def test_a_burst_runs_on_the_tk_thread_in_order(self) -> None:
        root = tk_root()
        self.addCleanup(gc.collect)  # Tk objects must be finalised on the Tk thread
        self.addCleanup(root.destroy)
        queue = TkDispatchQueue(root)
        self.addCleanup(queue.close)
        seen: list[tuple[int, threading.Thread]] = []
        producer = burst_from_another_thread(
            lambda n: queue.async_(lambda n=n: seen.append((n, threading.current_thread()))))
        deadline = time.monotonic() + scaled(20)
        while len(seen) < BURST and time.monotonic() < deadline:
            root.update()  # the Tk loop, pumped by hand
        producer.join()
        self.assertEqual([n for n, _ in seen], list(range(BURST)))
        self.assertEqual({thread for _, thread in seen}, {threading.current_thread()})
        self.assertTrue(queue.isCurrent())
        with self.assertRaises(RuntimeError):
            queue.sync(lambda: None)  # from its own thread


class AsyncioAdapterTest(unittest.TestCase):
    def test_a_burst_runs_on_the_loop_in_order(self) -> None:
        async def scenario() -> tuple[list[int], set[threading.Thread], bool]:
            queue = AsyncioDispatchQueue()
            done = asyncio.Event()
            seen: list[int] = []
            threads: set[threading.Thread] = set()

            def note(n: int) -> None:
                seen.append(n)
                threads.add(threading.current_thread())
                if len(seen) == BURST:
                    done.set()

            pipe = CallbackPipe(queue)
            producer = burst_from_another_thread(lambda n: pipe.post(note, n))
            await asyncio.wait_for(done.wait(), scaled(20))
            producer.join()
            return seen, threads, queue.isCurrent()

        seen, threads, current = asyncio.run(scenario())
        self.assertEqual(seen, list(range(BURST)))
        self.assertEqual(threads, {threading.current_thread()})
        self.assertTrue(current)

    def test_a_closed_loop_is_a_clear_error(self) -> None:
        loop = asyncio.new_event_loop()
        queue = AsyncioDispatchQueue(loop)
        loop.close()
        with self.assertRaises(RuntimeError) as caught:
            queue.async_(lambda: None)
        self.assertIn("closed", str(caught.exception))
        with self.assertLogs("cometchat", "ERROR"):
            CallbackPipe(queue).post(print, "lost")  # an SDK thread posting is not taken down


class QtAdapterTest(unittest.TestCase):
    def test_a_burst_runs_on_the_gui_thread_in_order(self) -> None:
        QtCore = qt_core()
        app = QtCore.QCoreApplication.instance() or QtCore.QCoreApplication([])
        queue = QtDispatchQueue()
        seen: list[tuple[int, threading.Thread]] = []
        producer = burst_from_another_thread(
            lambda n: queue.async_(lambda n=n: seen.append((n, threading.current_thread()))))
        deadline = time.monotonic() + scaled(20)
        while len(seen) < BURST and time.monotonic() < deadline:
            app.processEvents()  # the Qt loop, pumped by hand
        producer.join()
        self.assertEqual([n for n, _ in seen], list(range(BURST)))
        self.assertEqual({thread for _, thread in seen}, {threading.current_thread()})
        queue.close()  # the bridge is deleted on this (the GUI) thread...
        app.processEvents()  # ...when the loop next runs
        gc.collect()
        with self.assertRaises(RuntimeError):
            queue.async_(lambda: None)


if __name__ == "__main__":
    unittest.main()
