"""Quickstart: CometChat's manual-connection story, step by step, with every callback shown.

    python samples/quickstart.py

With no arguments it starts a local CometChat-compatible server (``cometchat.devserver``) and
runs against it. With ``COMETCHAT_APP_ID``, ``COMETCHAT_REGION`` and ``COMETCHAT_AUTH_KEY`` in
the environment it runs the same story against that real CometChat app (users
``cometchat-uid-1`` and ``cometchat-uid-2``, which CometChat creates in every new app); with only
some of them set it says which are missing and stops.

Each callback line names the thread it ran on: callbacks arrive on the SDK's dispatch queue
(``cometchat-callbacks``), never on the thread that made the call.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from typing import Any, Iterator

from cometchat import (
    AppSettings,
    CometChat,
    CometChatClient,
    CometChatConnectionDelegate,
    CometChatMessageDelegate,
    CometChatUserDelegate,
    ReceiverType,
    TextMessage,
    TypingIndicator,
)

ALICE, BOB = "cometchat-uid-1", "cometchat-uid-2"
TIMEOUT = 10.0


_print_lock = threading.Lock()


def show(text: str) -> None:
    """One whole line at a time, whichever thread prints it."""
    with _print_lock:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()


def callback(name: str, detail: str = "") -> None:
    show(f"    [{threading.current_thread().name}] {name}{'(' + detail + ')' if detail else '()'}")


class Story:
    """Waits for callbacks by name, so every step starts after the previous one finished."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._seen: dict[str, int] = {}

    def saw(self, name: str) -> None:
        with self._cond:
            self._seen[name] = self._seen.get(name, 0) + 1
            self._cond.notify_all()

    def wait(self, name: str, count: int = 1, timeout: float = TIMEOUT) -> None:
        with self._cond:
            if not self._cond.wait_for(lambda: self._seen.get(name, 0) >= count, timeout):
                raise TimeoutError(f"{name} did not happen within {timeout:g}s")

    def count(self, name: str) -> int:
        with self._cond:
            return self._seen.get(name, 0)


class AliceListener(CometChatConnectionDelegate, CometChatMessageDelegate, CometChatUserDelegate):
    """Everything Alice's app hears, printed with the thread it arrived on."""

    def __init__(self, story: Story) -> None:
        self.story = story

    def _note(self, name: str, detail: str = "") -> None:
        callback(name, detail)
        self.story.saw(name)

    def connecting(self) -> None:
        self._note("connecting")

    def connected(self) -> None:
        self._note("connected")

    def disconnected(self) -> None:
        self._note("disconnected")

    def onfeatureThrottled(self) -> None:
        self._note("onfeatureThrottled")

    def onConnectionError(self, error: Any) -> None:
        self._note("onConnectionError", error.errorCode)

    def onTextMessageReceived(self, textMessage: TextMessage) -> None:
        self._note("onTextMessageReceived", f"{textMessage.sender.name}: {textMessage.text!r}")

    def onTypingStarted(self, typingDetails: TypingIndicator) -> None:
        self._note("onTypingStarted", typingDetails.sender.uid)

    def onTypingEnded(self, typingDetails: TypingIndicator) -> None:
        self._note("onTypingEnded", typingDetails.sender.uid)

    def onUserOnline(self, user: Any) -> None:
        self._note("onUserOnline", user.uid)

    def onUserOffline(self, user: Any) -> None:
        self._note("onUserOffline", user.uid)


class ConfigurationError(Exception):
    """The environment names a real app only in part."""


@contextlib.contextmanager
def backend() -> Iterator[dict[str, Any]]:
    """A real CometChat app from the environment, or a local dev server."""
    real = {k: os.environ.get(f"COMETCHAT_{k.upper()}") for k in ("app_id", "region", "auth_key")}
    missing = [f"COMETCHAT_{k.upper()}" for k, v in real.items() if not v]
    if missing and len(missing) < len(real):  # a real app was meant: never fall back silently
        raise ConfigurationError(
            f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set; set all of COMETCHAT_APP_ID,"
            " COMETCHAT_REGION and COMETCHAT_AUTH_KEY to use your app, or none of them to use a local server"
        )
    if not missing:
        show(f"Using the CometChat app {real['app_id']} in region {real['region']}")
        yield dict(real, host=None)
        return
    from cometchat.devserver import DevServer

    with DevServer() as server:
        show(f"Started a local CometChat server at {server.url} (app {server.app_id})")
        yield {"app_id": server.app_id, "region": server.region, "auth_key": server.auth_key, "host": server.url}


def settings_for(config: dict[str, Any]) -> AppSettings:
    builder = (
        AppSettings.AppSettingsBuilder()
        .setRegion(region=config["region"])
        .subscribePresenceForAllUsers()
        .autoEstablishSocketConnection(False)  # manual mode: the app decides when to connect
        .setInMemoryStorage()  # the sample leaves nothing behind
    )
    if config["host"]:
        builder = builder.overrideClientHost(config["host"]).overrideAdminHost(config["host"])
    return builder.build()


def step(n: int, text: str) -> None:
    CometChat.flush(TIMEOUT)  # let the previous step's callbacks print first
    show(f"\n{n}. {text}")


def run(config: dict[str, Any]) -> None:
    story = Story()
    listener = AliceListener(story)
    settings = settings_for(config)

    step(1, "CometChat.init in manual mode (autoEstablishSocketConnection(False))")
    CometChat.addConnectionListener("quickstart", listener)
    CometChat.addMessageListener("quickstart", listener)
    CometChat.addUserListener("quickstart", listener)
    CometChat.init(appId=config["app_id"], appSettings=settings,
                   onSuccess=lambda ok: callback("init.onSuccess", str(ok))).result(TIMEOUT)

    step(2, f"CometChat.login(UID={ALICE!r}, ...)")
    alice = CometChat.login(UID=ALICE, authKey=config["auth_key"],
                            onSuccess=lambda u: callback("login.onSuccess", u.name)).result(TIMEOUT)
    show(f"    logged in as {alice.name}; no socket is open in manual mode")

    step(3, "the status before connect")
    show(f"    CometChat.getConnectionStatus.value == {CometChat.getConnectionStatus.value!r}")

    step(4, "CometChat.connect()")
    CometChat.connect(onSuccess=lambda: callback("connect.onSuccess")).result(TIMEOUT)
    story.wait("connected")
    CometChat.flush(TIMEOUT)
    show(f"    status: {CometChat.getConnectionStatus.value!r}")

    step(5, "CometChat.connect() again, while connected")
    failed = CometChat.connect(onError=lambda e: callback("connect.onError", e.errorCode))
    error = failed.exception(TIMEOUT)
    CometChat.flush(TIMEOUT)
    show(f"    refused: {error.errorCode}: {error.errorDescription}")

    step(6, f"another user ({BOB}) logs in and connects: presence, typing, a message")
    bob = CometChatClient(appId=config["app_id"], appSettings=settings)
    try:
        bob.login(UID=BOB, authKey=config["auth_key"]).result(TIMEOUT)
        bob.connect().result(TIMEOUT)
        story.wait("onUserOnline")
        indicator = TypingIndicator(receiverID=ALICE, receiverType=ReceiverType.user)
        bob.startTyping(indicator=indicator)
        story.wait("onTypingStarted")
        bob.sendTextMessage(message=TextMessage(receiverUid=ALICE, text=f"Hello {alice.name}!",
                                                receiverType=ReceiverType.user)).result(TIMEOUT)
        story.wait("onTextMessageReceived")
        bob.endTyping(indicator=indicator)
        story.wait("onTypingEnded")

        step(7, "CometChat.disconnect()")
        CometChat.disconnect(onSuccess=lambda: callback("disconnect.onSuccess")).result(TIMEOUT)
        story.wait("disconnected")
        CometChat.flush(TIMEOUT)
        show(f"    status: {CometChat.getConnectionStatus.value!r}")

        step(8, "while disconnected, nothing is received")
        bob.sendTextMessage(message=TextMessage(receiverUid=ALICE, text="Are you there?",
                                                receiverType=ReceiverType.user)).result(TIMEOUT)
        CometChat.flush(2.0)
        try:
            story.wait("onTextMessageReceived", count=2, timeout=2.0)
        except TimeoutError:
            show("    (nothing arrived in 2 s, as expected)")
        else:
            raise RuntimeError("a message arrived while disconnected")

        step(9, f"CometChat.connect() again, then {BOB} closes his app")
        CometChat.connect(onSuccess=lambda: callback("connect.onSuccess")).result(TIMEOUT)
        story.wait("connected", count=2)
        CometChat.flush(TIMEOUT)
        show(f"    {BOB}'s last socket closes, so the server tells the subscribed users he went offline:")
    finally:
        bob.close()
    story.wait("onUserOffline")

    step(10, "CometChat.logout()")
    CometChat.logout(onSuccess=lambda message: callback("logout.onSuccess", message)).result(TIMEOUT)
    story.wait("disconnected", count=2)
    CometChat.flush(TIMEOUT)
    show(f"    status: {CometChat.getConnectionStatus.value!r}")
    show("\nDone: every callback above ran on 'cometchat-callbacks', never on the main thread.")


def main(argv: list[str] | None = None) -> int:
    try:
        with backend() as config:
            run(config)
    except ConfigurationError as exc:
        sys.stderr.write(f"Quickstart: {exc}\n")
        return 2
    except Exception as exc:
        sys.stderr.write(f"\nQuickstart failed: {type(exc).__name__}: {exc}\n")
        return 1
    finally:
        CometChat.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
