"""Dispatch queues: where the SDK runs your callbacks (Swift's ``DispatchQueue``).

A queue runs the callables given to ``async_`` one at a time, in order. The default queue of a
client is a daemon thread named ``cometchat-callbacks``; ``DispatchQueue.main`` is pumped by
the app itself with ``runPending()``, which suits console programs and tests. GUI toolkits and
asyncio get adapters that hand the work to their own loop.

A callable that raises is logged on the ``cometchat`` logger as an error in user code, and the
queue goes on with the next one.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import threading
from concurrent.futures import Future
from typing import Any, Callable, ClassVar, TypeVar

__all__ = ["DispatchQueue", "MainDispatchQueue", "TkDispatchQueue", "AsyncioDispatchQueue", "QtDispatchQueue"]

log = logging.getLogger("cometchat")
T = TypeVar("T")


def run_user_code(fn: Callable[..., Any], *args: Any) -> None:
    """Run a user callback; an exception is the app's bug, logged, never the SDK's problem."""
    try:
        fn(*args)
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

    def activeThreads(self) -> tuple[threading.Thread, ...]:
        """The SDK threads serving this queue right now (a Python extension, for statistics)."""
        thread = self._thread
        return (thread,) if thread is not None and thread.is_alive() else ()

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


class TkDispatchQueue(DispatchQueue):
    """Callbacks on the Tk thread: a ``root.after`` loop drains the queue every ``interval`` ms.

    Make it on the Tk thread (it starts its loop there); Tk itself is never touched from
    another thread, so it works with any Tcl build.
    """

    def __init__(self, root: Any, interval: int = 10, label: str = "tk") -> None:
        super().__init__(label)
        self._root = root
        self._interval = interval
        self._tk_thread = threading.current_thread()
        self._after_id: Any = None
        self._pump()

    def async_(self, fn: Callable[[], Any]) -> None:
        with self._cond:
            if self._closed:
                raise RuntimeError(f"{self!r} is closed")
            self._tasks.append(fn)

    def isCurrent(self) -> bool:
        return threading.current_thread() is self._tk_thread

    def _pump(self) -> None:
        with self._cond:
            batch = list(self._tasks)
            self._tasks.clear()
        for task in batch:
            run_user_code(task)
        if not self._closed:
            self._after_id = self._root.after(self._interval, self._pump)

    def close(self, timeout: float | None = 5.0) -> None:
        """Stop the loop (call it on the Tk thread, before the root is destroyed)."""
        with self._cond:
            self._closed = True
        if self._after_id is not None and self.isCurrent():
            try:
                self._root.after_cancel(self._after_id)
            except Exception:  # the root is already gone
                pass


class AsyncioDispatchQueue(DispatchQueue):
    """Callbacks on an asyncio event loop, through ``loop.call_soon_threadsafe``.

    Make it inside the running loop, or pass ``loop``. Once the loop is closed, ``async_``
    raises ``RuntimeError`` saying so.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop | None = None, label: str = "asyncio") -> None:
        super().__init__(label)
        self.loop = loop or asyncio.get_running_loop()

    def async_(self, fn: Callable[[], Any]) -> None:
        if self.loop.is_closed():
            raise RuntimeError("the asyncio loop behind this dispatch queue is closed; its callbacks cannot run")
        self.loop.call_soon_threadsafe(run_user_code, fn)

    def isCurrent(self) -> bool:
        try:
            return asyncio.get_running_loop() is self.loop
        except RuntimeError:
            return False

    def close(self, timeout: float | None = 5.0) -> None:
        """The loop belongs to the app; closing the queue does nothing."""


def _qt_core() -> Any:
    """QtCore from whichever Qt binding is installed (PySide6 first)."""
    try:
        from PySide6 import QtCore

        return QtCore
    except ImportError:
        pass
    try:
        from PyQt6 import QtCore as PyQt6Core

        return PyQt6Core
    except ImportError:
        raise ImportError(
            "QtDispatchQueue needs Qt for Python: pip install 'cometchat-python[qt]' (PySide6-Essentials)"
        ) from None


def _qt_bridge_type() -> Any:
    """A QObject class with a queued signal, from whichever Qt binding is installed."""
    QtCore = _qt_core()
    signal = getattr(QtCore, "Signal", None) or QtCore.pyqtSignal

    base: Any = QtCore.QObject

    class Bridge(base):  # type: ignore[misc]
        call = signal(object)

        def __init__(self) -> None:
            super().__init__()
            # Queued to the thread this object lives in. The slot is a plain function, not a
            # method: a bridge that referred to itself would sit in a reference cycle, and the
            # cycle collector could then destroy the QObject on any thread, which Qt forbids.
            self.call.connect(run_user_code, QtCore.Qt.ConnectionType.QueuedConnection)

    return Bridge


class QtDispatchQueue(DispatchQueue):
    """Callbacks on the Qt GUI thread: a queued signal on a QObject that lives there.

    Make it on the GUI thread (where the QApplication or QCoreApplication runs); emitting the
    signal from any other thread queues the call onto that thread's event loop, in order.
    Needs QtCore only.
    """

    def __init__(self, label: str = "qt") -> None:
        super().__init__(label)
        self._bridge = _qt_bridge_type()()
        self._gui_thread = threading.current_thread()

    def async_(self, fn: Callable[[], Any]) -> None:
        bridge = self._bridge
        if bridge is None:
            raise RuntimeError(f"{self!r} is closed")
        bridge.call.emit(fn)

    def isCurrent(self) -> bool:
        return threading.current_thread() is self._gui_thread

    def close(self, timeout: float | None = 5.0) -> None:
        """Let Qt delete the bridge on its own thread (call it on the GUI thread)."""
        bridge, self._bridge = self._bridge, None
        if bridge is not None:
            bridge.deleteLater()
