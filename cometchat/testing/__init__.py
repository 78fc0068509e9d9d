"""Helpers for tests of code that uses cometchat: ours and yours.

``DevServerMixin`` runs a local server per test class, ``FaultProxy`` breaks the network on
purpose, and ``scaled`` / ``waitFor`` keep every deadline generous on slow machines
(``COMETCHAT_TEST_TIMEOUT_SCALE``).
"""

from .mixin import DevServerMixin
from .proxy import FaultProxy
from .timing import TIMEOUT_SCALE, scaled, waitFor

__all__ = ["DevServerMixin", "FaultProxy", "TIMEOUT_SCALE", "scaled", "waitFor"]
