"""Fresh SDK clients for tests: in-memory storage, pointed at a local server."""

from __future__ import annotations

from typing import Any

from ..client import CometChatClient
from ..cometchat import replaceDefaultClient
from ..settings import AppSettings, AppSettingsBuilder
from .timing import scaled

__all__ = ["settingsFor", "clientFor", "resetDefaultClient"]


def settingsFor(
    server: Any, *, auto: bool = False, builder: AppSettingsBuilder | None = None, via: Any = None
) -> AppSettings:
    """Settings pointing at ``server`` (a ``DevServer``, or anything with ``url`` and ``region``).

    Manual mode unless ``auto``; in-memory storage unless the builder you pass says otherwise.
    ``via`` (a ``FaultProxy``) routes REST and the socket through that proxy, so a test can
    break the client's network.
    """
    builder = builder or AppSettings.AppSettingsBuilder().setInMemoryStorage()
    url = via.url if via is not None else server.url
    return (
        builder.setRegion(region=server.region)
        .overrideClientHost(url)
        .overrideAdminHost(url)
        .autoEstablishSocketConnection(auto)
        .build()
    )


def clientFor(
    server: Any,
    uid: str | None = None,
    *,
    auto: bool = False,
    builder: AppSettingsBuilder | None = None,
    via: Any = None,
    timeout: float = 10.0,
) -> CometChatClient:
    """A new initialised client for ``server``, logged in as ``uid`` when given."""
    settings = settingsFor(server, auto=auto, builder=builder, via=via)
    client = CometChatClient(appId=server.app_id, appSettings=settings)
    if uid is not None:
        client.login(UID=uid, authKey=server.auth_key).result(timeout=scaled(timeout))
    return client


def resetDefaultClient() -> None:
    """Close the client behind ``CometChat`` and start a fresh one (between tests)."""
    replaceDefaultClient()
