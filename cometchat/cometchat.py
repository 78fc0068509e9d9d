"""CometChat: the Swift-shaped static facade.

Every member is a one-line delegation to a default ``CometChatClient`` made at import (as
requests' ``api.get`` delegates to a ``Session``), so Swift code ports line by line:

    CometChat.init(appId="APP_ID", appSettings=settings, onSuccess=..., onError=...)
    CometChat.login(UID="cometchat-uid-1", authKey="AUTH_KEY", onSuccess=..., onError=...)

Listeners may be added before ``init``; they survive it. The default client keeps its
session in a private file under the user's data directory unless the settings say
otherwise. ``cometchat.testing.resetDefaultClient()`` replaces it with a fresh one.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any, Callable

from .client import CometChatClient
from .models import ApplicationState, ConnectionStatus, MessageCategory, MessageType, ReceiverType, UserStatus

__all__ = ["CometChat", "defaultClient", "replaceDefaultClient"]

_default = CometChatClient._facade_default()


def defaultClient() -> CometChatClient:
    """The client behind ``CometChat``."""
    return _default


def replaceDefaultClient() -> CometChatClient:
    """Close the default client and put a fresh one behind ``CometChat``."""
    global _default
    _default.close()
    _default = CometChatClient._facade_default()
    return _default


def _delegate(name: str) -> Any:
    """A static method calling ``name`` on whichever client is the default at call time."""
    method: Callable[..., Any] = getattr(CometChatClient, name)

    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(_default, name)(*args, **kwargs)

    call.__qualname__ = f"CometChat.{name}"
    parameters = list(inspect.signature(method).parameters.values())[1:]  # without self
    call.__signature__ = inspect.signature(method).replace(parameters=parameters)  # type: ignore[attr-defined]
    return staticmethod(call)


def _shared(name: str) -> property:
    """A class-level property reading (and setting) ``name`` on the default client."""
    return property(
        lambda cls: getattr(_default, name),
        lambda cls, value: setattr(_default, name, value),
        doc=f"The default client's ``{name}``.",
    )


class _CometChatType(type):
    """Swift's static properties, readable (and the delegates settable) on the class itself."""

    isInitialised = property(lambda cls: _default.isInitialised)
    getConnectionStatus = property(lambda cls: _default.getConnectionStatus)
    logindelegate = _shared("logindelegate")
    connectiondelegate = _shared("connectiondelegate")
    messagedelegate = _shared("messagedelegate")
    userdelegate = _shared("userdelegate")


class CometChat(metaclass=_CometChatType):
    """The SDK, as Swift's ``CometChat`` class: every member is static."""

    ConnectionStatus = ConnectionStatus
    ReceiverType = ReceiverType
    UserStatus = UserStatus
    MessageType = MessageType
    MessageCategory = MessageCategory
    applicationState = ApplicationState

    init = _delegate("init")
    login = _delegate("login")
    logout = _delegate("logout")
    getLoggedInUser = _delegate("getLoggedInUser")
    getUserAuthToken = _delegate("getUserAuthToken")
    addLoginListener = _delegate("addLoginListener")
    removeLoginListener = _delegate("removeLoginListener")
    connect = _delegate("connect")
    disconnect = _delegate("disconnect")
    ping = _delegate("ping")
    configureServices = _delegate("configureServices")
    backgroundTaskEnabled = _delegate("backgroundTaskEnabled")
    addConnectionListener = _delegate("addConnectionListener")
    removeConnectionListener = _delegate("removeConnectionListener")
    addMessageListener = _delegate("addMessageListener")
    removeMessageListener = _delegate("removeMessageListener")
    addUserListener = _delegate("addUserListener")
    removeUserListener = _delegate("removeUserListener")
    sendTextMessage = _delegate("sendTextMessage")
    sendCustomMessage = _delegate("sendCustomMessage")
    sendTransientMessage = _delegate("sendTransientMessage")
    startTyping = _delegate("startTyping")
    endTyping = _delegate("endTyping")
    markAsDelivered = _delegate("markAsDelivered")
    markAsRead = _delegate("markAsRead")
    getLastDeliveredMessageId = _delegate("getLastDeliveredMessageId")
    flush = _delegate("flush")
    close = _delegate("close")
