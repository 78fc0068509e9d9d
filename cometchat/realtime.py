"""The realtime part: one client's WebSocket, its events, and missed-message recovery.

``Realtime`` stands between the socket driver (``transport/connection.py``), which knows
sockets and timers but not users, and the rest of the client. It is the driver's
``ConnectionHost``: it hands the driver the socket URL and auth frame of the logged-in user,
fetches a fresh JWT when the server refuses one, tells the connection listeners about status
changes, and passes inbound frames to the ``EventRouter``. It answers ``connect`` /
``disconnect`` / ``ping`` calls, which the driver only knows as numbered requests.

As a ``SessionObserver`` it hears of logins and logouts before the app does. It keeps the
last delivered message id (saved with the session, a write coalescing many deliveries) and,
with ``recoverMissedMessages(True)``, fetches what arrived while the link was down before
any live event is delivered.
"""

from __future__ import annotations

import functools
import itertools
import logging
import threading
import time
from typing import Any, Callable

from . import exceptions as errors
from .__version__ import __version__
from .callbacks import Notifier, Reply
from .dispatch import run_user_code
from .events import EventRouter
from .exceptions import CometChatException
from .models import ConnectionStateChange, ConnectionStatus
from .session import Session
from .settings import AppSettings
from .storage import SavedSession
from .transport import endpoints, hosts, protocol, tls
from .transport.connection import Connection, ConnectionStatistics, SocketTarget
from .transport.state import MachineConfig
from .worker import RestWorker

log = logging.getLogger("cometchat")

__all__ = ["Realtime", "THROTTLING_MODES"]

#: App settings' MODEs under which typing and receipts are refused locally.
THROTTLING_MODES = ("LIMITED_TRANSIENT", "NO_TRANSIENT")
_RECOVERY_PAGE = 100
#: How long the reader lets the dispatch thread take in a burst before reading on (seconds).
_SETTLE = 0.002
#: How long deliveries coalesce into one save of the last delivered id (seconds); the id in
#: memory moves at once, close saves at once.
_SAVE_DELAY = 0.5

_STATUS_CALLBACKS = {
    ConnectionStatus.connecting: "connecting",
    ConnectionStatus.connected: "connected",
    ConnectionStatus.disconnected: "disconnected",
    ConnectionStatus.featureThrottled: "onfeatureThrottled",
}


def machine_config(settings: AppSettings) -> MachineConfig:
    return MachineConfig(
        auto_connect=settings.autoEstablishSocketConnection,
        connect_timeout=settings.connectTimeout,
        ping_interval=settings.pingInterval,
        pong_timeout=settings.pongTimeout,
        backoff_initial=settings.reconnectBackoffInitial,
        backoff_maximum=settings.reconnectBackoffMaximum,
        backoff_reset_after=settings.reconnectBackoffResetAfter,
        close_timeout=settings.closeTimeout,
        background_window=settings.backgroundWindow,
    )


class Realtime:
    """One client's socket and everything that flows over it; see the module docstring."""

    def __init__(self, session: Session, notifier: Notifier, worker: RestWorker) -> None:
        self._session = session
        self._notifier = notifier
        self._worker = worker
        self._lock = threading.Lock()
        self._connection: Connection | None = None
        self._requests = itertools.count(1)
        self._replies: dict[int, Reply[Any]] = {}
        self._last_delivered: int | None = None
        self._save_pending = False
        self._router = EventRouter(notifier, session, self._delivered)
        session.add_observer(self)

    # ------------------------------------------------------------------ set up and tear down

    def configure(self, settings: AppSettings) -> None:
        """A connection for these settings (init); the previous one, if any, is closed first."""
        self.close()
        self._connection = Connection(machine_config(settings), self)

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()

    # ------------------------------------------------------------------ the app's calls

    def connect(self, reply: Reply[Any]) -> None:
        self._request(reply, Connection.connect)

    def disconnect(self, reply: Reply[Any]) -> None:
        self._request(reply, Connection.disconnect)

    def ping(self, reply: Reply[Any]) -> None:
        self._request(reply, Connection.ping)

    def _request(self, reply: Reply[Any], command: Callable[[Connection, int], None]) -> None:
        """Number the call, remember its reply, and hand the number to the driver."""
        connection = self._connection
        if connection is None:
            reply.fail(errors.not_initialised())
            return
        request = next(self._requests)
        with self._lock:
            self._replies[request] = reply
        command(connection, request)

    def app_state(self, state: str) -> None:
        if self._connection is not None:
            self._connection.app_state(state)

    @property
    def background_active(self) -> bool:
        connection = self._connection
        return connection is not None and connection.background_active

    @property
    def status(self) -> ConnectionStatus:
        """``disconnected`` when nobody is logged in (at once, before the socket has closed)."""
        connection = self._connection
        if connection is None or self._session.current is None:
            return ConnectionStatus.disconnected
        return connection.status

    @property
    def last_delivered(self) -> int:
        return self._last_delivered or 0

    def statistics(self) -> ConnectionStatistics | None:
        connection = self._connection
        return connection.statistics() if connection is not None else None

    # ------------------------------------------------------------------ frames out (messaging)

    def is_established(self) -> bool:
        connection = self._connection
        return connection is not None and connection.is_established()

    def send(self, frame: protocol.Frame) -> bool:
        """Send a frame on the live socket; False when there is none."""
        connection = self._connection
        return connection is not None and connection.send(protocol.encode(frame))

    def mark_seen(self, message_id: int) -> None:
        """A message this client sent: never deliver it back to this client."""
        self._router.mark_seen(message_id)

    # ------------------------------------------------------------------ SessionObserver

    def signed_in(self, saved: SavedSession) -> None:
        """A user is in: the connection learns the app's MODE, and connects in auto mode."""
        with self._lock:
            self._last_delivered = saved.last_delivered_message_id
        connection = self._connection
        if connection is not None:
            connection.mode_changed(str(saved.settings.get("MODE", "DEFAULT")))
            connection.sign_in()

    def signed_out(self) -> None:
        with self._lock:
            self._last_delivered = None
        if self._connection is not None:
            self._connection.sign_out()

    def settings_changed(self, settings: dict[str, Any]) -> None:
        if self._connection is not None:
            self._connection.mode_changed(str(settings.get("MODE", "DEFAULT")))

    # ------------------------------------------------------------------ ConnectionHost

    def socket_target(self) -> SocketTarget:
        saved, settings, base = self._session.current, self._session.settings, self._session.client_base
        if saved is None or settings is None or base is None:
            raise errors.not_logged_in()
        url = hosts.socket_url(saved.settings, base)  # raises when the settings are not usable
        context = settings.sslContext or (tls.default_context() if url.startswith("wss://") else None)
        return SocketTarget(url, protocol.encode(self._auth_request(saved, settings)), context)

    def _auth_request(self, saved: SavedSession, settings: AppSettings) -> protocol.AuthRequest:
        return protocol.AuthRequest(
            app_id=saved.app_id,
            sender=saved.user["uid"],
            device_id=self._session.session_id,
            jwt=saved.jwt,
            presence_subscription=settings.presenceSubscription,
            roles=settings.roles,
            params={
                "appInfo": {
                    "version": __version__,
                    "apiVersion": saved.settings.get("CHAT_API_VERSION", hosts.API_VERSION),
                    "origin": None,
                    "uts": int(time.time() * 1000),
                },
                "userAgent": f"cometchat-python/{__version__}",
                "deviceId": self._session.device_id,
                "platform": "python",
            },
        )

    def refresh_jwt(self, ticket: int) -> None:
        """``GET me`` on the REST worker, then tell the connection how it went."""

        def refresh() -> None:
            try:
                self._session.refresh()
                error = None
            except CometChatException as exc:
                error = exc
            connection = self._connection
            if connection is not None:
                connection.jwt_refreshed(ticket, error)

        self._worker.submit(refresh)

    def status_changed(self, change: ConnectionStateChange) -> None:
        log.info("connection %s -> %s", change.previous.value, change.current.value)
        # who hears it is decided on the dispatch queue, as for every event: a listener added
        # before the queue gets to it (an app that pumps its own loop) hears it too
        self._notifier.post(self._deliver_status, change)

    def _deliver_status(self, change: ConnectionStateChange) -> None:
        """On the dispatch queue: the Swift callback for the new status, then the Python
        extension, listener by listener."""
        method = _STATUS_CALLBACKS[change.current]
        for listener in self._notifier.listeners["Connection"].snapshot():
            for name, args in ((method, ()), ("connectionStateChanged", (change,))):
                fn = getattr(listener, name, None)
                if callable(fn):
                    run_user_code(fn, *args)

    def connection_error(self, error: CometChatException) -> None:
        log.info("connection error %s: %s", error.errorCode, error.errorDescription)
        self._notifier.emit("Connection", "onConnectionError", error)

    def answered(self, request: int, error: CometChatException | None) -> None:
        with self._lock:
            reply = self._replies.pop(request, None)
        if reply is None:
            return
        if error is None:
            reply.succeed(None)
        else:
            reply.fail(error)

    def settings_current(self, settings_hash: str | None) -> bool:
        """Whether the settings we hold are the ones the server's auth reply names."""
        saved = self._session.current
        return saved is None or not settings_hash or settings_hash == saved.settings.get("settingsHash")

    def established(self, settings_hash: str | None) -> None:
        """A link is up (the reader waits meanwhile): start missed-message recovery, and fetch
        the app's settings if the server says they changed."""
        settings = self._session.settings
        if settings is not None and settings.recoverMissedMessages:
            ticket = self._router.hold()  # before the reader may hand over a live frame
            self._worker.submit(lambda: self._recover_missed(ticket))
        if not self.settings_current(settings_hash):
            self._worker.submit(self._refetch_settings)

    def _refetch_settings(self) -> None:
        try:
            self._session.refresh()
        except CometChatException as exc:
            log.info("could not fetch the changed app settings: %s", exc.errorCode)

    def arriving(self) -> None:
        self._notifier.pipe.wake()

    def inbound(self, frames: list[protocol.Inbound]) -> None:
        self._router.inbound(frames)
        self._notifier.pipe.settle(_SETTLE)

    # ------------------------------------------------------------------ delivery bookkeeping

    def _delivered(self, message_id: int) -> None:
        """A message's id is now the last delivered: on the dispatch queue once the listeners
        had it, or on the REST worker when recovery, with nothing known yet, takes the newest
        message as its baseline. Saved soon (one save for every delivery within
        ``_SAVE_DELAY``, so a stream of messages does not wake the REST worker for each)."""
        with self._lock:
            known = self._last_delivered
            if self._session.current is None or (known is not None and known >= message_id):
                return  # (0 still counts when nothing was known: it is the baseline of recovery)
            self._last_delivered = message_id
            if self._save_pending:
                return
            self._save_pending = True
        try:
            self._worker.submit(self._save_delivered, delay=_SAVE_DELAY)
        except RuntimeError:
            pass  # closed meanwhile

    def _save_delivered(self) -> None:
        """On the REST worker: one write for every delivery since the last one."""
        with self._lock:
            self._save_pending = False
            latest = self._last_delivered
        if latest is not None:
            self._session.record_delivered(latest)

    def _recover_missed(self, ticket: int) -> None:
        """On the REST worker: page through what arrived while the link was down (the history
        path a ``MessagesRequest`` takes)."""
        try:
            cursor = self._last_delivered
            if cursor is None:
                latest = endpoints.list_messages(self._session, _recovery_query("prepend", None, 1))
                self._delivered(latest.items[-1].id if latest.items else 0)
                return
            while True:
                page = _again_if_unreachable(functools.partial(
                    endpoints.list_messages, self._session, _recovery_query("append", cursor)))
                self._router.recovered(page.items)
                if not page.items or "cursor" not in page.meta:
                    return
                cursor = max(message.id for message in page.items)
        except CometChatException as exc:
            log.warning("could not recover the messages missed while disconnected: %s", exc)
        finally:
            self._router.release(ticket)


def _recovery_query(affix: str, after: int | None, count: int = _RECOVERY_PAGE) -> list[tuple[str, Any]]:
    return [("per_page", count), ("affix", affix), ("withTags", 1), ("id", after)]


def _again_if_unreachable(fetch: Callable[[], Any], tries: int = 3) -> Any:
    """``fetch()``, tried again at once when the server could not be reached: a link that has just
    come back often leaves a pooled REST connection that died with the old one, and a recovery
    given up leaves a gap in the messages for good."""
    for attempt in range(tries):
        try:
            return fetch()
        except CometChatException as exc:
            if exc.errorCode != errors.ERROR_INTERNET_UNAVAILABLE or attempt == tries - 1:
                raise
    raise AssertionError("unreachable")
