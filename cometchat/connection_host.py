"""The client's side of its connection: what the socket driver asks of the client.

The driver (``transport/connection.py``) knows sockets and timers, not users: it asks this
host for the socket URL and auth frame, for a fresh JWT when the server refuses one, and
hands back status changes, connection errors and inbound frames. Everything here runs on
SDK threads and reaches app code only through the client's callback pipe.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

import attrs

from . import __version__
from . import exceptions as errors
from .dispatch import run_user_code
from .exceptions import CometChatException
from .listeners import ListenerRegistry
from .models import ConnectionStateChange, ConnectionStatus
from .storage import SavedSession
from .transport import hosts, protocol, state
from .transport.connection import SocketTarget

if TYPE_CHECKING:
    from .client import CometChatClient

log = logging.getLogger("cometchat")

_STATUS_CALLBACKS = {
    ConnectionStatus.connecting: "connecting",
    ConnectionStatus.connected: "connected",
    ConnectionStatus.disconnected: "disconnected",
    ConnectionStatus.featureThrottled: "onfeatureThrottled",
}


def _deliver_status(registry: ListenerRegistry, change: ConnectionStateChange) -> None:
    """The Swift callback for the new status, then the Python extension, per listener."""
    method = _STATUS_CALLBACKS[change.current]
    for listener in registry.snapshot():
        for name, args in ((method, ()), ("connectionStateChanged", (change,))):
            fn = getattr(listener, name, None)
            if callable(fn):
                run_user_code(fn, *args)


class ClientConnectionHost:
    """Implements ``ConnectionHost`` for one ``CometChatClient``."""

    def __init__(self, client: CometChatClient) -> None:
        self.client = client

    def socket_target(self) -> SocketTarget:
        client = self.client
        session, settings, rest = client._session, client._settings, client._rest
        if session is None or settings is None or rest is None:
            raise errors.not_logged_in()
        url = hosts.socket_url(session.settings, rest.client_base)
        if url is None:
            raise state.connection_failed("the app settings name no chat host")
        frame = protocol.AuthRequest(
            app_id=session.app_id,
            sender=session.user["uid"],
            device_id=client._session_id,
            jwt=session.jwt,
            presence_subscription=settings.presenceSubscription,
            roles=settings.roles,
            params={
                "appInfo": {
                    "version": __version__,
                    "apiVersion": session.settings.get("CHAT_API_VERSION", hosts.API_VERSION),
                    "origin": None,
                    "uts": int(time.time() * 1000),
                },
                "userAgent": f"cometchat-python/{__version__}",
                "deviceId": client._device_id,
                "platform": "python",
            },
        )
        return SocketTarget(url, protocol.encode(frame), client._socket_ssl_context())

    def refresh_jwt(self, ticket: int) -> None:
        """``GET me`` on the REST worker, then tell the connection how it went."""
        client = self.client

        def refresh() -> None:
            try:
                client._refresh_me()
                error = None
            except CometChatException as exc:
                error = exc
            connection = client._connection
            if connection is not None:
                connection.jwt_refreshed(ticket, error)

        client._rest_queue.async_(refresh)

    def status_changed(self, change: ConnectionStateChange) -> None:
        log.info("connection %s -> %s", change.previous.value, change.current.value)
        self.client._pipe.post(_deliver_status, self.client._connection_listeners, change)

    def connection_error(self, error: CometChatException) -> None:
        log.info("connection error %s: %s", error.errorCode, error.errorDescription)
        self.client._emit(self.client._connection_listeners, "onConnectionError", error)

    def settings_current(self, settings_hash: str | None) -> bool:
        """Whether the settings we hold are the ones the server's auth reply names."""
        session = self.client._session
        return session is None or not settings_hash or settings_hash == session.settings.get("settingsHash")

    def established(self, settings_hash: str | None) -> None:
        """A link is up (the reader waits meanwhile): start missed-message recovery, and fetch
        the app's settings if the server says they changed."""
        client = self.client
        settings = client._settings
        if settings is not None and settings.recoverMissedMessages:
            ticket = client._events.hold()  # before the reader may hand over a live frame
            client._rest_queue.async_(lambda: client._recover_missed(ticket))
        if self.settings_current(settings_hash):
            return

        def refetch() -> None:
            try:
                client._refresh_me()
            except CometChatException as exc:
                log.info("could not fetch the changed app settings: %s", exc.errorCode)

        client._rest_queue.async_(refetch)

    def inbound(self, frame: protocol.Frame) -> None:
        self.client._events.inbound(frame)


def refreshed_session(session: SavedSession, me: dict[str, Any]) -> SavedSession:
    """``session`` with the JWT and settings of a ``GET me`` answer."""
    settings = me.get("settings")
    return attrs.evolve(
        session,
        jwt=me["jwt"],
        settings=settings if isinstance(settings, dict) else session.settings,
    )
