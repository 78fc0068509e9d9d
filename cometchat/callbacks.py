"""How results and events reach app code: in order, in bursts, on the client's dispatch queue.

Every callback of a client (onSuccess, onError, every listener method) goes through one
``CallbackPipe``. Items are appended in the order things happened, from whichever SDK thread
saw them, and handed to the dispatch queue in bursts: one queue task drains everything
waiting, which costs far less than a task per event. No SDK lock is held while app code runs.

``Reply`` answers one call: it queues the app's callback, then resolves the call's Future at
once, so the Future never waits for the queue to be pumped. Whatever the rest of the SDK must
know before the app hears of a result (a login's user, say) is set up before ``succeed``.

``Notifier`` is what the client's parts hold: replies, listener calls and plain posts, all
through the one pipe, so everything reaches the app in the order it happened. It also carries
the ``EventCounters`` that ``client.statistics()`` reports of the event stream.
"""

from __future__ import annotations

import collections
import logging
import threading
from concurrent.futures import Future
from typing import Any, Callable, Generic, TypeVar

import attrs

from .dispatch import DispatchQueue, run_user_code
from .exceptions import CometChatException
from .listeners import Listeners

T = TypeVar("T")
log = logging.getLogger("cometchat")

#: Most callbacks one queue task runs before yielding to other work on that queue (a GUI loop).
_BURST = 500


class _Batch(list[Any]):
    """The items ``post_batched`` gathered for one call (a list; its type marks it)."""


class CallbackPipe:
    """An ordered, batching hand-off from SDK threads to one dispatch queue."""

    def __init__(self, queue: DispatchQueue) -> None:
        self.queue = queue
        self._lock = threading.Lock()
        self._items: collections.deque[tuple[Callable[..., Any], tuple[Any, ...]]] = collections.deque()
        self._scheduled = False
        #: the batch at the tail of the queue, still taking items (see ``post_batched``)
        self._open: list[Any] | None = None
        self._open_fn: Callable[[list[Any]], Any] | None = None
        self._drained = threading.Event()  #: set while nothing waits to be run
        self._drained.set()

    def post(self, fn: Callable[..., Any], *args: Any) -> None:
        """Queue ``fn(*args)`` behind everything posted before it."""
        with self._lock:
            self._items.append((fn, args))
            self._open = None
            if self._scheduled:
                return
            self._scheduled = True
            self._drained.clear()
        self._schedule()

    def post_batched(self, fn: Callable[[list[Any]], Any], item: Any) -> None:
        """Queue ``item`` for ``fn([..., item])``: items posted one after another for the same
        ``fn``, with nothing else between them, reach it in one call (one queue hop for a
        burst of messages), still in order with everything else."""
        with self._lock:
            batch = self._open
            if batch is not None and self._open_fn == fn and len(batch) < _BURST:
                batch.append(item)
                return
            self._open, self._open_fn = _Batch([item]), fn
            self._items.append((fn, (self._open,)))
            if self._scheduled:
                return
            self._scheduled = True
            self._drained.clear()
        self._schedule()

    def wake(self) -> None:
        """Wake the SDK's own dispatch thread now, because callbacks are about to be posted: its
        wake-up then overlaps the work of making them (at a few messages a second, the thread
        wakes on a cold core while the reader builds the message). A queue the app pumps is
        left alone; if nothing is posted after all, the thread finds the queue empty."""
        if type(self.queue) is not DispatchQueue:
            return
        with self._lock:
            if self._scheduled:
                return
            self._scheduled = True
            self._drained.clear()
        self._schedule()

    def settle(self, timeout: float) -> None:
        """Give the SDK's own dispatch thread up to ``timeout`` seconds to run what waits.

        The reader calls it after each burst it handed over. Messages waiting between two
        threads outlive garbage collections, get promoted to the oldest generation and make
        the collector traverse the whole heap (measured: about 8 us a message in a burst);
        taken in at once, they die young. A slow listener costs the reader at most
        ``timeout`` a burst, never a missed keep-alive. Queues the app pumps itself (the main
        queue, GUI and asyncio adapters) are not waited for.
        """
        if self._scheduled and type(self.queue) is DispatchQueue:
            self._drained.wait(timeout)

    def _schedule(self) -> None:
        try:
            self.queue.async_(self._drain)
        except RuntimeError as exc:  # a closed queue (or loop) must not take an SDK thread down
            with self._lock:
                self._scheduled = False
            log.error("callbacks cannot be delivered: %s", exc)

    def _drain(self) -> None:
        ran = 0  # callbacks run: a batch counts as the items in it
        while ran < _BURST:
            with self._lock:
                items = self._items
                if not items:
                    self._scheduled = False
                    self._drained.set()
                    return
                fn, args = items.popleft()
                if not items:
                    self._open = None  # taken: no longer open to more items
            run_user_code(fn, *args)
            ran += len(args[0]) if args and type(args[0]) is _Batch else 1
        self._schedule()  # more waiting: let the queue breathe, then go on

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until everything posted so far has run; False if ``timeout`` passed first.

        Raises:
            RuntimeError: called from the dispatch queue itself, where it would wait forever.
        """
        if self.queue.isCurrent():
            raise RuntimeError("flush() cannot wait from inside a callback on the same queue")
        done = threading.Event()
        self.post(done.set)
        return done.wait(timeout)


class Reply(Generic[T]):
    """The answer to one callback-style call: its onSuccess/onError and its Future."""

    def __init__(
        self,
        pipe: CallbackPipe,
        onSuccess: Callable[..., Any] | None,
        onError: Callable[[CometChatException], Any] | None,
    ) -> None:
        self.pipe = pipe
        self.onSuccess = onSuccess
        self.onError = onError
        self.future: Future[T] = Future()
        self._lock = threading.Lock()
        self._answered = False

    def _claim(self) -> bool:
        """Only the first answer counts, whichever thread gives it."""
        with self._lock:
            first, self._answered = not self._answered, True
        return first

    def succeed(self, value: T, *callback_args: Any) -> None:
        """Queue ``onSuccess(*callback_args)``, then resolve the Future with ``value``."""
        if not self._claim():
            return
        if self.onSuccess is not None:
            self.pipe.post(self.onSuccess, *callback_args)
        self.future.set_result(value)

    def fail(self, error: CometChatException) -> None:
        """Queue ``onError(error)``, then fail the Future with it."""
        if not self._claim():
            return
        if self.onError is not None:
            self.pipe.post(self.onError, error)
        self.future.set_exception(error)


@attrs.define
class EventCounters:
    """What became of inbound events, for ``client.statistics()``. Plain ints: each has one
    writer at a time (the event router under its lock; the dispatch queue, which runs one
    callback at a time)."""

    #: frames that decoded but could not be read as the event they claim to be, skipped
    frames_skipped: int = 0
    #: messages handed to the listeners (new, edited, deleted, group actions)
    messages_delivered: int = 0


class Notifier:
    """How a client's parts reach app code: replies, listener calls, anything else in order."""

    def __init__(self, pipe: CallbackPipe, listeners: Listeners) -> None:
        self.pipe = pipe
        self.listeners = listeners
        self.counters = EventCounters()

    def reply(self, onSuccess: Callable[..., Any] | None, onError: Callable[..., Any] | None) -> Reply[Any]:
        return Reply(self.pipe, onSuccess, onError)

    def emit(self, kind: str, method: str, *args: Any) -> None:
        """Call ``method(*args)`` on every listener of ``kind``, on the dispatch queue."""
        self.pipe.post(self.listeners[kind].call, method, *args)

    def post(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn(*args)`` on the dispatch queue, behind everything already queued."""
        self.pipe.post(fn, *args)

    def post_batched(self, fn: Callable[[list[Any]], Any], item: Any) -> None:
        """Hand ``item`` to ``fn`` on the dispatch queue, in one call with the items posted
        right before it for the same ``fn`` (see ``CallbackPipe.post_batched``)."""
        self.pipe.post_batched(fn, item)
