"""AppSettings and its builder, as in Swift, plus the Python extensions.

    settings = (AppSettings.AppSettingsBuilder()
                .setRegion(region="us")
                .subscribePresenceForAllUsers()
                .autoEstablishSocketConnection(False)
                .build())

The builder mutates itself and returns itself (Swift's fluent style); ``build()`` returns a
frozen ``AppSettings``. Every setter checks its value at once and raises
``CometChatException(ERROR_INVALID_SETTING)``, so a typo fails where it is made. Times are
seconds, as floats.
"""

from __future__ import annotations

import math
import os
import re
import ssl
from typing import Any, ClassVar

import attrs

from . import exceptions as errors
from .dispatch import DispatchQueue
from .exceptions import CometChatException

__all__ = ["AppSettings", "AppSettingsBuilder"]

_REGION = re.compile(r"^[a-z0-9][a-z0-9-]*\Z")
_HOST = re.compile(r"^\S+\Z")


def _invalid(what: str) -> CometChatException:
    return CometChatException(errors.ERROR_INVALID_SETTING, what)


def _seconds(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise _invalid(f"{name} must be a positive number of seconds, not {value!r}")
    return float(value)


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _invalid(f"{name} takes True or False, not {value!r}")
    return value


@attrs.frozen(kw_only=True)
class AppSettings:
    """How a client reaches CometChat and behaves; made by ``AppSettings.AppSettingsBuilder``."""

    region: str | None = None
    #: ``None`` (no presence), ``"ALL_USERS"``, ``"FRIENDS"`` or ``"ROLES"``
    presenceSubscription: str | None = None
    roles: tuple[str, ...] = ()
    autoEstablishSocketConnection: bool = True
    adminHost: str | None = None
    clientHost: str | None = None
    dispatchQueue: DispatchQueue | None = attrs.field(default=None, eq=False)
    storagePath: str | None = None
    inMemoryStorage: bool = False
    sslContext: ssl.SSLContext | None = attrs.field(default=None, eq=False, repr=False)
    connectTimeout: float = 10.0
    pingInterval: float = 15.0
    pongTimeout: float = 5.0
    reconnectBackoffInitial: float = 1.0
    reconnectBackoffMaximum: float = 30.0
    reconnectBackoffResetAfter: float = 10.0
    closeTimeout: float = 2.0
    backgroundWindow: float = 30.0
    recoverMissedMessages: bool = False

    #: Swift nests the builder in the settings class: ``AppSettings.AppSettingsBuilder()``
    AppSettingsBuilder: ClassVar[type[AppSettingsBuilder]]


class AppSettingsBuilder:
    """Swift's ``AppSettings.AppSettingsBuilder``; every method returns the builder."""

    def __init__(self) -> None:
        self._values: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"AppSettingsBuilder({self._values!r})"

    def _set(self, **values: Any) -> AppSettingsBuilder:
        self._values.update(values)
        return self

    # ------------------------------------------------------------------ Swift

    def setRegion(self, region: str) -> AppSettingsBuilder:
        """The app's region (``us``, ``eu``, ``in``, ...); lower-cased."""
        if not isinstance(region, str) or not _REGION.match(region.strip().lower()):
            raise _invalid(f"region must be a name like 'us' or 'eu', not {region!r}")
        return self._set(region=region.strip().lower())

    def subscribePresenceForAllUsers(self) -> AppSettingsBuilder:
        return self._set(presenceSubscription="ALL_USERS", roles=())

    def subscribePresenceForFriends(self) -> AppSettingsBuilder:
        return self._set(presenceSubscription="FRIENDS", roles=())

    def subcribePresenceForRoles(self, roles: list[str]) -> AppSettingsBuilder:
        """Presence of users with these roles (the Swift spelling, typo included)."""
        if isinstance(roles, str) or not isinstance(roles, (list, tuple)) or not roles:
            raise _invalid("roles must be a non-empty list of role names")
        if not all(isinstance(role, str) and role for role in roles):
            raise _invalid("every role must be a non-empty string")
        return self._set(presenceSubscription="ROLES", roles=tuple(roles))

    subscribePresenceForRoles = subcribePresenceForRoles

    def autoEstablishSocketConnection(self, enableConnection: bool) -> AppSettingsBuilder:
        """True (the default): the SDK manages the socket. False: the app calls connect()."""
        return self._set(autoEstablishSocketConnection=_flag("autoEstablishSocketConnection", enableConnection))

    def overrideAdminHost(self, adminHost: str) -> AppSettingsBuilder:
        """``host[:port]`` (https implied) or a base URL such as ``http://127.0.0.1:3000``."""
        return self._set(adminHost=self._host("overrideAdminHost", adminHost))

    def overrideClientHost(self, clientHost: str) -> AppSettingsBuilder:
        """``host[:port]`` (https implied) or a base URL such as ``http://127.0.0.1:3000``."""
        return self._set(clientHost=self._host("overrideClientHost", clientHost))

    @staticmethod
    def _host(name: str, value: Any) -> str:
        if not isinstance(value, str) or not _HOST.match(value):
            raise _invalid(f"{name} takes a host or a URL without spaces, not {value!r}")
        if "://" in value and not value.startswith(("http://", "https://")):
            raise _invalid(f"{name} takes an http:// or https:// URL, not {value!r}")
        return value

    def build(self) -> AppSettings:
        return AppSettings(**self._values)

    # ------------------------------------------------------------------ Python extensions

    def setDispatchQueue(self, queue: DispatchQueue) -> AppSettingsBuilder:
        """Run every callback on ``queue`` (a GUI adapter, ``DispatchQueue.main``, ...)."""
        if not isinstance(queue, DispatchQueue):
            raise _invalid(f"setDispatchQueue takes a DispatchQueue, not {queue!r}")
        return self._set(dispatchQueue=queue)

    def setStoragePath(self, path: str | os.PathLike[str]) -> AppSettingsBuilder:
        """Keep the saved session in this directory (created private to the user)."""
        if not isinstance(path, (str, os.PathLike)) or not os.fspath(path):
            raise _invalid(f"setStoragePath takes a directory path, not {path!r}")
        return self._set(storagePath=os.path.abspath(os.fspath(path)), inMemoryStorage=False)

    def setInMemoryStorage(self) -> AppSettingsBuilder:
        """Keep the session in memory only: nothing is written to disk."""
        return self._set(inMemoryStorage=True, storagePath=None)

    def setSSLContext(self, context: ssl.SSLContext) -> AppSettingsBuilder:
        """The TLS context for REST and the socket alike (a private CA, say)."""
        if not isinstance(context, ssl.SSLContext):
            raise _invalid(f"setSSLContext takes an ssl.SSLContext, not {context!r}")
        return self._set(sslContext=context)

    def setConnectTimeout(self, seconds: float) -> AppSettingsBuilder:
        """Longest wait for TCP, TLS, the upgrade and the auth reply together (default 10)."""
        return self._set(connectTimeout=_seconds("connectTimeout", seconds))

    def setPingInterval(self, seconds: float) -> AppSettingsBuilder:
        """Keep-alive period while connected (default 15)."""
        return self._set(pingInterval=_seconds("pingInterval", seconds))

    def setPongTimeout(self, seconds: float) -> AppSettingsBuilder:
        """The link is dead when no frame at all arrives this long after a ping (default 5)."""
        return self._set(pongTimeout=_seconds("pongTimeout", seconds))

    def setReconnectBackoff(
        self, initial: float = 1.0, maximum: float = 30.0, resetAfter: float = 10.0
    ) -> AppSettingsBuilder:
        """Retry delays: ``initial`` doubling to ``maximum`` (each x uniform(0.5, 1)), back to
        ``initial`` after ``resetAfter`` seconds of stable connection."""
        initial = _seconds("initial", initial)
        maximum = _seconds("maximum", maximum)
        if maximum < initial:
            raise _invalid("the maximum backoff must not be below the initial one")
        return self._set(
            reconnectBackoffInitial=initial,
            reconnectBackoffMaximum=maximum,
            reconnectBackoffResetAfter=_seconds("resetAfter", resetAfter),
        )

    def setCloseTimeout(self, seconds: float) -> AppSettingsBuilder:
        """Longest close handshake before the socket is aborted (default 2)."""
        return self._set(closeTimeout=_seconds("closeTimeout", seconds))

    def setBackgroundWindow(self, seconds: float) -> AppSettingsBuilder:
        """How long the socket survives in the background without a ping() (default 30)."""
        return self._set(backgroundWindow=_seconds("backgroundWindow", seconds))

    def recoverMissedMessages(self, enable: bool) -> AppSettingsBuilder:
        """After every reconnect, fetch what arrived while disconnected (default off)."""
        return self._set(recoverMissedMessages=_flag("recoverMissedMessages", enable))


AppSettings.AppSettingsBuilder = AppSettingsBuilder
