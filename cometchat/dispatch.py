"""Dispatch queues: where the SDK runs your callbacks (Swift's ``DispatchQueue``).

A queue runs the callables given to ``async_`` one at a time, in order. The default queue of a
client is a daemon thread named ``cometchat-callbacks``; ``DispatchQueue.main`` is pumped by
the app itself with ``runPending()``, which suits console programs and tests. GUI toolkits and
asyncio get adapters that hand the work to their own loop.

A callable that raises is logged on the ``cometchat`` logger as an error in user code, and the
queue goes on with the next one.
"""

from __future__ import annotations

import collections
import logging
import threading
from concurrent.futures import Future
from typing import Any, Callable, ClassVar, TypeVar

__all__ = ["DispatchQueue", "MainDispatchQueue"]

log = logging.getLogger("cometchat")
T = TypeVar("T")


def run_user_code(fn: Callable[[], Any]) -> None:
    """Run a user callback; an exception is the app's bug, logged, never the SDK's problem."""
    try:
        fn()
    except Exception:
        log.exception("a callback raised an exception (this is an error in the app's code)")


class DispatchQueue:
    """A serial queue served by one daemon thread, started on first use.

    ``DispatchQueue("worker")`` runs its tasks on a thread named ``cometchat-worker``.
    """

    main: ClassVar[MainDispatchQueue]

    def __init__(self, label: str) -> None:
        if not isinstance(label, str) or not label:
            raise TypeError("a DispatchQueue needs a non-empty label")
        self.label = label
        self._tasks: collections.deque[Callable[[], Any]] = collections.deque()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.label!r})"

    @property
    def threadName(self) -> str:
        return self.label if self.label.startswith("cometchat-") else f"cometchat-{self.label}"

    def async_(self, fn: Callable[[], Any]) -> None:
        """Run ``fn`` later on this queue, after everything queued before it."""
        with self._cond:
            if self._closed:
                raise RuntimeError(f"{self!r} is closed")
            self._tasks.append(fn)
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name=self.threadName, daemon=True)
                self._thread.start()
            else:
                self._cond.notify()

    def sync(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` on this queue and wait for its result (or exception).

        Raises:
            RuntimeError: called from this queue's own thread, where waiting would deadlock.
        """
        if self.isCurrent():
            raise RuntimeError(f"sync() called on {self!r} from its own thread would deadlock")
        future: Future[T] = Future()

        def task() -> None:
            try:
                future.set_result(fn())
            except BaseException as exc:
                future.set_exception(exc)

        self.async_(task)
        return future.result()

    def isCurrent(self) -> bool:
        """True when called from the thread this queue runs its tasks on."""
        return self._thread is not None and threading.current_thread() is self._thread

    def close(self, timeout: float | None = 5.0) -> None:
        """Run what is queued, then stop the thread (not waiting for it from itself)."""
        with self._cond:
            self._closed = True
            thread = self._thread
            self._cond.notify()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _serve(self) -> None:
        while True:
            with self._cond:
                while not self._tasks and not self._closed:
                    self._cond.wait()
                if not self._tasks:
                    return
                task = self._tasks.popleft()
            run_user_code(task)


class MainDispatchQueue(DispatchQueue):
    """The app's own thread: tasks wait until the app calls ``runPending()``.

    For console programs and tests: whichever thread pumps the queue runs the callbacks.
    """

    def __init__(self, label: str = "main") -> None:
        super().__init__(label)
        self._pumping: threading.Thread | None = None

    def async_(self, fn: Callable[[], Any]) -> None:
        with self._cond:
            self._tasks.append(fn)
            self._cond.notify_all()

    def isCurrent(self) -> bool:
        return threading.current_thread() is (self._pumping or threading.main_thread())

    def runPending(self, timeout: float = 0.0) -> int:
        """Run every task queued so far; wait up to ``timeout`` seconds for the first one.

        Returns how many tasks ran.
        """
        with self._cond:
            if not self._tasks and timeout > 0:
                self._cond.wait_for(lambda: bool(self._tasks), timeout)
            batch = list(self._tasks)
            self._tasks.clear()
        previous, self._pumping = self._pumping, threading.current_thread()
        try:
            for task in batch:
                run_user_code(task)
        finally:
            self._pumping = previous
        return len(batch)

    def close(self, timeout: float | None = 5.0) -> None:
        """The main queue belongs to the app; closing it does nothing."""


DispatchQueue.main = MainDispatchQueue()
