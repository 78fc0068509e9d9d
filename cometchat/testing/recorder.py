"""EventRecorder: a listener that writes down every callback, with the thread it ran on.

The recorder hears every kind of listener in the SDK's table (``listeners.LISTENER_KINDS``):
its class is made from the table, so a new kind of listener is recorded without a change
here. ``recorder_class(kinds)`` makes one for another table.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable

import attrs

from ..listeners import LISTENER_KINDS, ListenerKind
from .timing import scaled

__all__ = ["EventRecorder", "RecordedEvent", "recorder_class"]


@attrs.frozen
class RecordedEvent:
    name: str
    args: tuple[Any, ...]
    thread: str
    at: float

    @property
    def arg(self) -> Any:
        """The first argument (most callbacks have one), or None."""
        return self.args[0] if self.args else None


class _Recorder:
    """The recording machinery; ``EventRecorder`` adds one method per callback of the table."""

    def __init__(self) -> None:
        self._events: list[RecordedEvent] = []
        self._cond = threading.Condition()

    def record(self, name: str, *args: Any) -> None:
        event = RecordedEvent(name, args, threading.current_thread().name, time.monotonic())
        with self._cond:
            self._events.append(event)
            self._cond.notify_all()

    def callback(self, name: str) -> Callable[..., None]:
        """A function that records its call under ``name`` (for onSuccess / onError)."""
        return lambda *args: self.record(name, *args)

    @property
    def events(self) -> list[RecordedEvent]:
        with self._cond:
            return list(self._events)

    def names(self, *only: str) -> list[str]:
        """Names of the events so far, in order (only those in ``only``, if given)."""
        return [e.name for e in self.events if not only or e.name in only]

    def of(self, name: str) -> list[RecordedEvent]:
        return [e for e in self.events if e.name == name]

    def clear(self) -> None:
        with self._cond:
            self._events.clear()

    def waitFor(self, name: str, count: int = 1, timeout: float = 10.0) -> RecordedEvent:
        """Wait (``timeout`` scaled) until ``name`` has happened ``count`` times; return that one.

        Raises AssertionError, listing what did happen, when the deadline passes first.
        """
        with self._cond:
            done = self._cond.wait_for(lambda: len(self._matching(name)) >= count, scaled(timeout))
            if not done:
                raise AssertionError(
                    f"{name!r} x{count} did not happen within {scaled(timeout):.1f}s; got {[e.name for e in self._events]}"
                )
            return self._matching(name)[count - 1]

    def _matching(self, name: str) -> list[RecordedEvent]:
        return [e for e in self._events if e.name == name]


def _recording(name: str) -> Callable[..., None]:
    def method(self: _Recorder, *args: Any) -> None:
        self.record(name, *args)

    method.__name__ = name
    return method


def recorder_class(kinds: tuple[ListenerKind, ...], name: str = "EventRecorder") -> type:
    """A recorder class that is every delegate of ``kinds`` and records each of their callbacks."""
    bases = (_Recorder, *(kind.protocol for kind in kinds))
    methods = {callback: _recording(callback) for kind in kinds for callback in kind.callbacks()}
    doc = """Add it as any kind of listener; use ``callback(name)`` for onSuccess / onError.

        recorder = EventRecorder()
        client.addConnectionListener("test", recorder)
        client.connect(onSuccess=recorder.callback("connect.ok"), onError=recorder.callback("connect.err"))
        recorder.waitFor("connected")
    """
    return type(name, bases, dict(methods, __doc__=doc, __module__=__name__))


EventRecorder: Any = recorder_class(LISTENER_KINDS)
