"""Shared pieces of the SDK tests: fast timings and the status callbacks."""

from __future__ import annotations

from typing import Any

from cometchat import AppSettings, AppSettingsBuilder

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
