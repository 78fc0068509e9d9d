"""The dev server's limits, and the gate that enforces those that span connections.

Every limit is a field of ``Limits``, so it is at once a ``DevServer`` argument and a flag of
``python -m cometchat.devserver`` (``--max-outbox-bytes``, ...), each with the help text below.
The defaults admit the test suite and 500 clients from one address; they refuse what the
attacks of issue 11 did (a reader that never reads, requests whose headers never end, sockets
that never authenticate, password guessing). The socket's ``auth_timeout`` and ``idle_timeout``
are ``DevServer`` arguments and flags of their own, held to the same rule (``check_positive``).
Internal constants, not limits: how long a closing socket lingers (``guard.LINGER_SECONDS``,
``hub.CLOSE_GRACE``), how many entries the request and socket logs keep, and how many keys the
failure trackers remember (``_MAX_TRACKED``).

``Gate`` keeps what spans connections, per remote address: connections that have not
authenticated yet, and recent failed authentications per (uid, address). Refusals are logged
as one line each, at most one line per address and reason every few seconds.
"""

from __future__ import annotations

import collections
import logging
import math
import resource
import time
from typing import Any, Callable

import attrs

log = logging.getLogger("cometchat.devserver")

__all__ = ["LIMIT_NAMES", "Limits", "Gate", "default_unauthenticated_cap", "limit_flags", "add_limit_arguments", "limits_from",
           "check_positive"]

_QUIET_FOR = 10.0  #: seconds between two log lines for the same address and reason
_MAX_TRACKED = 10000  #: (uid, address) pairs remembered for failed authentication


def default_unauthenticated_cap() -> int:
    """Half the process's descriptor limit, at most 1024 (at least 64): 500 clients from one
    address never have that many sockets waiting to authenticate at once, and a flood from one
    address cannot take the descriptors that everyone else needs."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return 1024
    return max(64, min(1024, soft // 2))


def _limit(default: Any, help: str, *, factory: Callable[[], Any] | None = None) -> Any:
    if factory is not None:
        return attrs.field(factory=factory, metadata={"help": help})
    return attrs.field(default=default, metadata={"help": help})


@attrs.frozen(kw_only=True)
class Limits:
    """What the server refuses beyond; the help texts are the CLI's."""

    max_frame_bytes: int = _limit(
        64 * 1024, "socket frames above this many UTF-8 bytes close the socket with 1009 (default 65536)"
    )
    max_body_bytes: int = _limit(1024 * 1024, "REST bodies above this get 413 (default 1048576)")
    max_json_depth: int = _limit(100, "JSON nested deeper than this is refused, in bodies and frames (default 100)")
    max_outbox_bytes: int = _limit(
        4 * 1024 * 1024,
        "a socket whose unsent frames exceed this many bytes is closed with 4004 (default 4194304)",
    )
    header_timeout: float = _limit(10.0, "seconds a request's headers may take to arrive (default 10)")
    body_timeout: float = _limit(10.0, "seconds a request body may pause between two reads (default 10)")
    max_unauthenticated_per_address: int = _limit(
        0,
        "connections one address may hold open before authenticating (default: half the descriptor"
        " limit, at most 1024)",
        factory=default_unauthenticated_cap,
    )
    auth_failures: int = _limit(
        20, "failed authentications of one uid from one address before 429 (default 20 per window)"
    )
    auth_failure_window: float = _limit(60.0, "the window, in seconds, that auth_failures counts over (default 60)")
    group_password_failures: int = _limit(
        5, "wrong passwords of one password group by one user before 429 (default 5 per window)"
    )
    group_password_failure_window: float = _limit(
        60.0, "the window, in seconds, that group_password_failures counts over (default 60)"
    )
    file_size_max: int = _limit(
        100 * 1024 * 1024,
        "bytes of the uploaded files of one message together, the app setting file.size.max (default"
        " 104857600); a multipart body may be this large plus max_form_field_bytes + 64 KiB for its"
        " fields and part headers, a JSON one max_body_bytes",
    )
    file_count_max: int = _limit(10, "files per media message, the app setting file.count.max (default 10)")
    max_form_field_bytes: int = _limit(
        1024 * 1024, "bytes of a multipart message's plain fields together, its files aside: 413 (default 1048576)"
    )
    max_form_fields: int = _limit(50, "plain fields of a multipart message besides its files: 400 (default 50)")

    def __attrs_post_init__(self) -> None:
        """Refuse at once what the CLI would refuse (a child server started with it would fail
        only when its flags are parsed): not a positive number, or not whole where it must be."""
        for field in attrs.fields(type(self)):
            check_positive(field.name, getattr(self, field.name), whole=_whole(field))


def check_positive(name: str, value: Any, *, whole: bool = False) -> None:
    """Raise ValueError unless ``value`` is a positive finite number (a whole one if ``whole``):
    the rule for every limit and timeout the server is given."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive number, not {value!r}")
    if whole and not isinstance(value, int):
        raise ValueError(f"{name} must be a whole number, not {value!r}")


#: the names of the limits: ``DevServer`` keyword arguments, and (with dashes) CLI flags
LIMIT_NAMES = frozenset(field.name for field in attrs.fields(Limits))


def _whole(field: Any) -> bool:
    """Whether a limit takes whole numbers only (its annotation is ``int``)."""
    return field.type in (int, "int")


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def limit_flags(limits: Limits) -> list[str]:
    """The command-line flags that give a child server these limits."""
    flags: list[str] = []
    for field in attrs.fields(Limits):
        flags += [_flag(field.name), str(getattr(limits, field.name))]
    return flags


def add_limit_arguments(parser: Any) -> None:
    """One flag per limit on an ``argparse`` parser (``--max-outbox-bytes``, ...)."""
    group = parser.add_argument_group("limits")
    for field in attrs.fields(Limits):
        kind = int if _whole(field) else float
        group.add_argument(_flag(field.name), type=kind, default=None, help=field.metadata["help"])


def limits_from(args: Any) -> Limits:
    """``Limits`` from parsed flags; a flag not given keeps its default."""
    given = {f.name: getattr(args, f.name) for f in attrs.fields(Limits) if getattr(args, f.name) is not None}
    return Limits(**given)


class FailureWindow:
    """Failures per key in a sliding window: at most ``limit`` in ``window`` seconds, then the
    key waits until the oldest leaves the window. At most ``_MAX_TRACKED`` keys are remembered
    (the oldest forgotten first), so a flood of keys cannot grow it."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window = limit, window
        self._clock = clock
        self._failures: collections.OrderedDict[Any, collections.deque[float]] = collections.OrderedDict()

    def wait_for(self, key: Any) -> int | None:
        """Whole seconds ``key`` must wait before trying again; None when it may try."""
        times = self._recent(key)
        if times is None or len(times) < self.limit:
            return None
        return max(1, math.ceil(times[0] + self.window - self._clock()))

    def failed(self, key: Any) -> None:
        times = self._recent(key)
        if times is None:
            times = self._failures[key] = collections.deque(maxlen=self.limit)
            while len(self._failures) > _MAX_TRACKED:
                self._failures.popitem(last=False)
        times.append(self._clock())

    def forget(self, key: Any) -> None:
        self._failures.pop(key, None)

    def _recent(self, key: Any) -> collections.deque[float] | None:
        times = self._failures.get(key)
        if times is None:
            return None
        horizon = self._clock() - self.window
        while times and times[0] <= horizon:
            times.popleft()
        return times


class Gate:
    """Per-address accounting that outlives single connections; runs on the event loop."""

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self._unauthenticated: collections.Counter[str] = collections.Counter()
        self._failures = FailureWindow(limits.auth_failures, limits.auth_failure_window, clock)
        self._last_said: dict[tuple[str, str], float] = {}

    # ------------------------------------------------------------------ unauthenticated connections

    def admit(self, address: str) -> bool:
        """A new connection from ``address``: True if it may stay (it counts as unauthenticated)."""
        if self._unauthenticated[address] >= self.limits.max_unauthenticated_per_address:
            self.refuse(address, "unauthenticated", f"{self._unauthenticated[address]} connections from it have"
                        " not authenticated yet")
            return False
        self._unauthenticated[address] += 1
        return True

    def authenticated(self, address: str) -> None:
        """A counted connection proved who it is: it no longer counts."""
        self._release(address)

    def gone(self, address: str) -> None:
        """A counted connection closed before it authenticated."""
        self._release(address)

    def _release(self, address: str) -> None:
        self._unauthenticated[address] -= 1
        if self._unauthenticated[address] <= 0:
            del self._unauthenticated[address]

    # ------------------------------------------------------------------ failed authentication

    def wait_for(self, uid: str, address: str) -> int | None:
        """Seconds ``uid`` must wait before trying again from ``address``; None when it may try."""
        return self._failures.wait_for((uid, address))

    def throttled(self, uid: str, address: str) -> int | None:
        """``wait_for``, logging the refusal when ``uid`` must wait."""
        wait = self.wait_for(uid, address)
        if wait is not None:
            self.refuse(address, "authentication", f"too many failed authentications for uid {uid!r}")
        return wait

    def failed(self, uid: str, address: str) -> None:
        self._failures.failed((uid, address))

    def succeeded(self, uid: str, address: str) -> None:
        self._failures.forget((uid, address))

    # ------------------------------------------------------------------ logging

    def refuse(self, address: str, reason: str, why: str) -> None:
        """Log a refusal as one line (then quiet for that address and reason)."""
        key = (address, reason)
        now = self._clock()
        if now - self._last_said.get(key, -math.inf) < _QUIET_FOR:
            return
        self._last_said[key] = now
        if len(self._last_said) > _MAX_TRACKED:
            self._last_said.clear()
        log.warning("refused %s from %s: %s (more like it are not logged for %gs)", reason, address, why, _QUIET_FOR)
