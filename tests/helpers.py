"""Shared pieces of the SDK tests (the one home for them besides ``cometchat.testing``): fast
timings, the status callbacks, Future helpers, proxied clients."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

from cometchat import AppSettings, AppSettingsBuilder, CometChatClient, CometChatException
from cometchat.testing import DevServerMixin, FaultProxy, scaled

STATUS_EVENTS = ("connecting", "connected", "disconnected", "onfeatureThrottled")


def fast(builder: AppSettingsBuilder | None = None, **overrides: Any) -> AppSettingsBuilder:
    """A builder whose connection timings run a test in milliseconds, not minutes."""
    timings = dict(connect=3.0, ping=1.0, pong=0.6, initial=0.05, maximum=0.3, reset=10.0, close=0.5, window=30.0)
    timings.update(overrides)
    builder = builder or AppSettings.AppSettingsBuilder().setInMemoryStorage()
    return (
        builder.setConnectTimeout(timings["connect"])
        .setPingInterval(timings["ping"])
        .setPongTimeout(timings["pong"])
        .setReconnectBackoff(initial=timings["initial"], maximum=timings["maximum"], resetAfter=timings["reset"])
        .setCloseTimeout(timings["close"])
        .setBackgroundWindow(timings["window"])
    )


def statuses(recorder: Any) -> list[str]:
    """The status callbacks a recorder saw, in order."""
    return recorder.names(*STATUS_EVENTS)


def error_of(future: Future[Any]) -> CometChatException:
    """The CometChatException a Future failed with (within a scaled deadline)."""
    error = future.exception(timeout=scaled(10))
    assert isinstance(error, CometChatException), error
    return error


def ok(future: Future[Any]) -> Any:
    """A Future's result (within a scaled deadline)."""
    return future.result(timeout=scaled(10))


class ProxiedMixin(DevServerMixin):
    """Clients that reach the server through a FaultProxy, to slow or break the link."""

    def proxied_client(self, uid: str | None = None, **overrides: Any) -> tuple[CometChatClient, FaultProxy]:
        proxy = FaultProxy(self.server.url).start()
        self.addCleanup(proxy.stop)  # type: ignore[attr-defined]
        client = self.newClient(uid, builder=fast(**overrides), via=proxy)
        return client, proxy
