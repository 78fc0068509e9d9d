"""What goes into the connection state machine and what comes out of it (as h11's ``_events.py``).

Inputs are small frozen values: the app's commands (``Connect``, ``Disconnect``, ...), news
from a socket (tagged with its generation ``gen``), and timers. A timer is an input class of
its own: the machine arms ``StartTimer(PingDue, 15.0)`` and, when it is due, the driver feeds
``PingDue()`` back. Actions are what the machine asks the driver to do, in order.

Nothing here does I/O; ``state.py`` decides, ``connection.py`` performs.
"""

from __future__ import annotations

from typing import Union

import attrs

from ..exceptions import CometChatException
from ..models import ConnectionStateChange

__all__ = [
    "Input",
    "SocketNews",
    "TimerInput",
    "SignIn",
    "SignOut",
    "Shutdown",
    "Connect",
    "Disconnect",
    "Ping",
    "AppState",
    "ModeChanged",
    "AuthAccepted",
    "AuthRefused",
    "Failed",
    "Closed",
    "FrameArrived",
    "JwtRefreshed",
    "ConnectTimedOut",
    "PingDue",
    "PongOverdue",
    "RetryDue",
    "CloseOverdue",
    "BackgroundLapsed",
    "TIMERS",
    "Action",
    "Open",
    "SendPing",
    "Close",
    "Abort",
    "Release",
    "StartTimer",
    "CancelTimer",
    "RefreshJwt",
    "Emit",
    "ReportError",
    "Answer",
    "Established",
]

# --------------------------------------------------------------------------- commands


@attrs.frozen
class SignIn:
    """A user is logged in (login, or a session restored by init)."""


@attrs.frozen
class SignOut:
    """The user logged out (or was logged out)."""


@attrs.frozen
class Shutdown:
    """The client is closing for good."""


@attrs.frozen
class Connect:
    """``connect()``; ``request`` identifies the call to answer (None: the SDK's own)."""

    request: int | None = None


@attrs.frozen
class Disconnect:
    request: int | None = None


@attrs.frozen
class Ping:
    request: int | None = None


@attrs.frozen
class AppState:
    """``configureServices(state)``: didEnterBackground, didBecomeActive, willResignActive."""

    state: str


@attrs.frozen
class ModeChanged:
    """The app settings' MODE, as last fetched."""

    mode: str


# --------------------------------------------------------------------------- socket news


@attrs.frozen
class SocketNews:
    """News from socket generation ``gen``; the machine drops news of any other generation."""

    gen: int


@attrs.frozen
class AuthAccepted(SocketNews):
    """The server accepted the auth frame; ``settings_current`` False when its settingsHash
    says our MODE is stale (a ``ModeChanged`` follows once fresh settings are fetched)."""

    settings_current: bool = True


@attrs.frozen
class AuthRefused(SocketNews):
    error: CometChatException


@attrs.frozen
class Failed(SocketNews):
    """The socket never opened: refused, timed out, TLS, or an HTTP error on the upgrade.

    ``throttled``: the server said wait (``retry_after`` seconds, if it said how long).
    ``fatal``: waiting cannot heal it (an untrusted certificate): report, and stop trying.
    """

    error: CometChatException
    throttled: bool = False
    retry_after: float | None = None
    fatal: bool = False


@attrs.frozen
class Closed(SocketNews):
    """The socket ended: a close frame (``code``), or a drop (``code`` None)."""

    code: int | None = None
    reason: str = ""
    error: CometChatException | None = None


@attrs.frozen
class FrameArrived(SocketNews):
    """A frame of any kind arrived after a ping was sent."""


@attrs.frozen
class JwtRefreshed:
    """The answer to ``RefreshJwt(ticket)``: ``error`` None when a fresh JWT is in place."""

    ticket: int
    error: CometChatException | None = None


# --------------------------------------------------------------------------- timers


@attrs.frozen
class TimerInput:
    """A timer that came due; each kind of timer is its own class."""


@attrs.frozen
class ConnectTimedOut(TimerInput):
    """The attempt took longer than the connect timeout."""


@attrs.frozen
class PingDue(TimerInput):
    """Time for the next keep-alive."""


@attrs.frozen
class PongOverdue(TimerInput):
    """No frame of any kind since the last ping, within the pong timeout."""


@attrs.frozen
class RetryDue(TimerInput):
    """The backoff wait is over."""


@attrs.frozen
class CloseOverdue(TimerInput):
    """The close handshake took longer than the close timeout."""


@attrs.frozen
class BackgroundLapsed(TimerInput):
    """The background window ran out without a ping."""


#: Every timer the machine uses.
TIMERS: tuple[type[TimerInput], ...] = (ConnectTimedOut, PingDue, PongOverdue, RetryDue, CloseOverdue, BackgroundLapsed)

Input = Union[
    SignIn, SignOut, Shutdown, Connect, Disconnect, Ping, AppState, ModeChanged, AuthAccepted, AuthRefused,
    Failed, Closed, FrameArrived, JwtRefreshed, TimerInput,
]

# --------------------------------------------------------------------------- actions


@attrs.frozen
class Open:
    """Open socket generation ``gen`` and send the auth frame."""

    gen: int


@attrs.frozen
class SendPing:
    gen: int


@attrs.frozen
class Close:
    """Start the close handshake; ``Closed`` or ``CloseOverdue`` follows."""

    gen: int


@attrs.frozen
class Abort:
    """Shut the socket down at once, no handshake."""

    gen: int


@attrs.frozen
class Release:
    """Close the socket in the background (handshake, then abort) and forget it."""

    gen: int


@attrs.frozen
class StartTimer:
    """Arm ``timer`` (re-arming it if it runs): ``timer()`` is fed back after ``delay`` seconds."""

    timer: type[TimerInput]
    delay: float


@attrs.frozen
class CancelTimer:
    timer: type[TimerInput]


@attrs.frozen
class RefreshJwt:
    """Fetch a fresh JWT (``GET me``); answer with ``JwtRefreshed(ticket)``."""

    ticket: int


@attrs.frozen
class Emit:
    """Tell the connection listeners about a public status change."""

    change: ConnectionStateChange


@attrs.frozen
class ReportError:
    """``onConnectionError(error)``."""

    error: CometChatException


@attrs.frozen
class Answer:
    """Answer these ``connect`` / ``disconnect`` / ``ping`` calls (``error`` None: success)."""

    requests: tuple[int, ...]
    error: CometChatException | None = None


@attrs.frozen
class Established:
    """The link of generation ``gen`` is up: what depends on it may start."""

    gen: int


Action = Union[
    Open, SendPing, Close, Abort, Release, StartTimer, CancelTimer, RefreshJwt, Emit, ReportError, Answer, Established
]
