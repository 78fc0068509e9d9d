"""Helpers for tests of code that uses cometchat: ours and yours.

- ``DevServerMixin``: a local ``DevServer`` per ``unittest.TestCase`` class, and
  ``self.newClient(uid)`` for fresh in-memory clients closed after each test.
- ``FaultProxy``: a loopback TCP proxy that cuts, blackholes, delays and flaps connections.
- ``EventRecorder``: a listener of every kind, recording each callback with its thread
  (``recorder_class(kinds)`` makes one for another table of listener kinds).
- ``waitFor`` / ``scaled``: deadlines multiplied by ``COMETCHAT_TEST_TIMEOUT_SCALE``.
- ``clientFor`` / ``settingsFor`` / ``resetDefaultClient``.
"""

from .clients import clientFor, resetDefaultClient, settingsFor
from .mixin import DevServerMixin
from .proxy import FaultProxy
from .recorder import EventRecorder, RecordedEvent, recorder_class
from .timing import TIMEOUT_SCALE, scaled, waitFor

__all__ = [
    "DevServerMixin",
    "EventRecorder",
    "FaultProxy",
    "RecordedEvent",
    "TIMEOUT_SCALE",
    "clientFor",
    "recorder_class",
    "resetDefaultClient",
    "scaled",
    "settingsFor",
    "waitFor",
]
