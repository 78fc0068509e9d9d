"""The REST worker: a client's network calls, one at a time, in the order they were made.

Two sends from one thread reach the server in that order because one thread
(``cometchat-rest``) makes every REST call of a client. It starts when there is work and
ends after ``idle_exit`` seconds without any, so an idle client holds no thread for it. A task
may be submitted with a delay (bookkeeping that many events coalesce into); close runs it
at once.

``run(reply, work)`` answers the call's ``Reply`` with whatever ``work`` raises; a task
queued before ``invalidate()`` (the client closed, or re-initialised with another app) is
answered ``ERROR_CLIENT_CLOSED`` instead of running against the wrong app.

Uploads go elsewhere (``UploadThreads``): one thread each, for as long as it takes, so a big
file never holds up the sends and the JWT refresh queued on the REST worker behind it.
"""

from __future__ import annotations

import collections
import heapq
import itertools
import logging
import threading
import time
from typing import Any, Callable

from . import exceptions as errors
from .callbacks import Reply
from .exceptions import CometChatException

log = logging.getLogger("cometchat")

__all__ = ["RestWorker", "UploadThreads", "answering"]


def answering(reply: Reply[Any], work: Callable[[], None]) -> None:
    """Run ``work``; if it raises, the caller still gets an answer (the error, or
    ``ERROR_INTERNAL`` for a bug of ours, which is logged)."""
    try:
        work()
    except CometChatException as exc:
        reply.fail(exc)
    except Exception as exc:
        log.exception("internal error in a REST task")
        reply.fail(errors.internal(exc))


class RestWorker:
    """A serial queue of network work with a thread that exists only while there is work."""

    def __init__(self, name: str = "cometchat-rest", idle_exit: float = 2.0) -> None:
        self._name = name
        self._idle_exit = idle_exit
        self._tasks: collections.deque[Callable[[], Any]] = collections.deque()
        self._later: list[tuple[float, int, Callable[[], Any]]] = []  #: (due, sequence, task), a heap
        self._sequence = itertools.count()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._generation = 0
        self._closed = False

    def submit(self, task: Callable[[], Any], delay: float = 0.0) -> None:
        """Run ``task`` after everything queued before it (with ``delay``, not before that many
        seconds have passed, or at close, whichever comes first); what it raises is logged."""
        with self._cond:
            if self._closed:
                raise RuntimeError("the REST worker is closed")
            if delay > 0:
                heapq.heappush(self._later, (time.monotonic() + delay, next(self._sequence), task))
            else:
                self._tasks.append(task)
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name=self._name, daemon=True)
                self._thread.start()
            else:
                self._cond.notify()

    def run(self, reply: Reply[Any], work: Callable[[], None]) -> None:
        """Run ``work`` on the worker; it answers ``reply``, and so does anything it raises."""
        generation = self._generation

        def task() -> None:
            if self._closed or generation != self._generation:
                reply.fail(CometChatException(errors.ERROR_CLIENT_CLOSED,
                                              "This client has been closed or re-initialised."))
                return
            answering(reply, work)

        try:
            self.submit(task)
        except RuntimeError:
            reply.fail(errors.client_closed())

    def invalidate(self) -> None:
        """Tasks queued so far answer ``ERROR_CLIENT_CLOSED`` instead of running."""
        with self._cond:
            self._generation += 1

    def threads(self) -> tuple[threading.Thread, ...]:
        thread = self._thread
        return (thread,) if thread is not None and thread.is_alive() else ()

    def close(self, timeout: float = 5.0) -> None:
        """Run what is queued, then let the thread end (not waiting for it from itself)."""
        with self._cond:
            self._closed = True
            self._generation += 1
            thread = self._thread
            self._cond.notify()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _next(self) -> Callable[[], Any] | None:
        """The next task, or None when the thread should end (closed, or idle too long)."""
        with self._cond:
            while True:
                now = time.monotonic()
                while self._later and (self._closed or self._later[0][0] <= now):
                    self._tasks.append(heapq.heappop(self._later)[2])
                if self._tasks:
                    return self._tasks.popleft()
                if self._closed:
                    break
                wait = min(self._idle_exit, self._later[0][0] - now) if self._later else self._idle_exit
                if not self._cond.wait(wait) and not self._later and not self._tasks:
                    break  # idle for idle_exit with nothing to come
            self._thread = None  # the next submit starts a fresh thread
            return None

    def _serve(self) -> None:
        while True:
            task = self._next()
            if task is None:
                return
            try:
                task()
            except Exception:  # a bug of ours must not end the worker
                log.exception("internal error in a REST task")


class UploadThreads:
    """Uploads, each on a daemon thread (``cometchat-upload-N``) while there are any: at most
    ``limit`` at once, the rest queued in order. Each upload gets an event that ``cancel_all``
    sets (logout) and ``close`` sets before it waits, within one deadline, for the threads."""

    def __init__(self, limit: int = 4) -> None:
        self._limit = limit
        self._lock = threading.Lock()
        self._queue: collections.deque[tuple[Reply[Any], Callable[[threading.Event], None], threading.Event]] = \
            collections.deque()
        self._threads: set[threading.Thread] = set()
        self._cancels: set[threading.Event] = set()
        self._count = 0
        self._closed = False

    def start(self, reply: Reply[Any], work: Callable[[threading.Event], None]) -> None:
        """Run ``work(cancelled)`` on an upload thread; it (or what it raises) answers ``reply``."""
        cancelled = threading.Event()
        with self._lock:
            if self._closed:
                reply.fail(errors.client_closed())
                return
            self._queue.append((reply, work, cancelled))
            self._cancels.add(cancelled)
            if len(self._threads) >= self._limit:
                return  # a running thread takes it next
            self._count += 1
            thread = threading.Thread(target=self._serve, name=f"cometchat-upload-{self._count}", daemon=True)
            self._threads.add(thread)
        thread.start()

    def _serve(self) -> None:
        while True:
            with self._lock:
                if not self._queue:
                    self._threads.discard(threading.current_thread())
                    return
                reply, work, cancelled = self._queue.popleft()
            try:
                if cancelled.is_set():
                    reply.fail(cancelled_upload())
                else:
                    answering(reply, lambda: work(cancelled))
            finally:
                with self._lock:
                    self._cancels.discard(cancelled)

    def cancel_all(self) -> None:
        with self._lock:
            for cancelled in self._cancels:
                cancelled.set()

    def threads(self) -> tuple[threading.Thread, ...]:
        with self._lock:
            return tuple(t for t in self._threads if t.is_alive())

    def close(self, timeout: float = 5.0) -> None:
        """Cancel every upload and wait for their threads, ``timeout`` in all."""
        with self._lock:
            self._closed = True
            waiting, self._queue = list(self._queue), collections.deque()
        for reply, _, _ in waiting:
            reply.fail(cancelled_upload())  # never started: answered now
        self.cancel_all()
        deadline = time.monotonic() + timeout
        for thread in self.threads():
            if thread is not threading.current_thread():
                thread.join(max(0.0, deadline - time.monotonic()))


def cancelled_upload() -> CometChatException:
    return CometChatException(errors.ERROR_UPLOAD_FAILED, "The upload was cancelled (logout or close).",
                              {"cause": "cancelled"})
