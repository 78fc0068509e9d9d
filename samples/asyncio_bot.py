"""An asyncio echo bot: every SDK callback arrives on the bot's own event loop.

    python samples/asyncio_bot.py

The bot's client gets an ``AsyncioDispatchQueue``, so ``onTextMessageReceived`` runs on the
loop and may create tasks and await SDK Futures (through ``asyncio.wrap_future``) like any
other coroutine code. ``main`` starts a local server, runs the bot, sends it a message as
another user and prints the answer.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from cometchat import (
    AppSettings,
    AsyncioDispatchQueue,
    CometChatClient,
    CometChatConnectionDelegate,
    CometChatMessageDelegate,
    ReceiverType,
    TextMessage,
)

BOT, USER = "cometchat-uid-5", "cometchat-uid-1"


class Connected(CometChatConnectionDelegate):
    """An asyncio.Event set on connected(): the callback already runs on the loop."""

    def __init__(self) -> None:
        self.event = asyncio.Event()

    def connected(self) -> None:
        self.event.set()


async def log_in_and_connect(client: CometChatClient, uid: str, auth_key: str) -> None:
    """Auto mode: login opens the socket; wait for connected()."""
    connected = Connected()
    client.addConnectionListener("await-connected", connected)
    try:
        await asyncio.wrap_future(client.login(UID=uid, authKey=auth_key))
        await asyncio.wait_for(connected.event.wait(), 10)
    finally:
        client.removeConnectionListener("await-connected")


def client_on_this_loop(server: Any) -> CometChatClient:
    """A client whose callbacks run on the running event loop."""
    settings = (
        AppSettings.AppSettingsBuilder()
        .setRegion(region=server.region)
        .overrideClientHost(server.url)
        .overrideAdminHost(server.url)
        .setInMemoryStorage()
        .setDispatchQueue(AsyncioDispatchQueue())
        .build()
    )
    return CometChatClient(appId=server.app_id, appSettings=settings)


class EchoBot(CometChatMessageDelegate):
    """Answers every text message with "Echo: <text>"."""

    def __init__(self, client: CometChatClient) -> None:
        self.client = client
        self.tasks: set[asyncio.Task[None]] = set()

    def onTextMessageReceived(self, textMessage: TextMessage) -> None:  # on the loop
        task = asyncio.get_running_loop().create_task(self.answer(textMessage))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def answer(self, message: TextMessage) -> None:
        reply = TextMessage(receiverUid=message.senderUid, text=f"Echo: {message.text}",
                            receiverType=ReceiverType.user)
        await asyncio.wrap_future(self.client.sendTextMessage(message=reply))


async def start_bot(server: Any, uid: str = BOT) -> EchoBot:
    """Log the bot in (auto mode connects it) and wait until it is connected."""
    client = client_on_this_loop(server)
    bot = EchoBot(client)
    client.addMessageListener("bot", bot)
    await log_in_and_connect(client, uid, server.auth_key)
    return bot


async def ask(server: Any, text: str, bot_uid: str = BOT, timeout: float = 10.0) -> str:
    """Send ``text`` to the bot as another user; return the bot's answer."""
    client = client_on_this_loop(server)
    answer: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    class Inbox(CometChatMessageDelegate):
        def onTextMessageReceived(self, textMessage: TextMessage) -> None:  # on the loop
            if not answer.done():
                answer.set_result(textMessage.text)

    client.addMessageListener("inbox", Inbox())
    try:
        await log_in_and_connect(client, USER, server.auth_key)
        message = TextMessage(receiverUid=bot_uid, text=text, receiverType=ReceiverType.user)
        await asyncio.wrap_future(client.sendTextMessage(message=message))
        return await asyncio.wait_for(answer, timeout)
    finally:
        client.close()


async def demo(server: Any) -> str:
    bot = await start_bot(server)
    try:
        return await ask(server, "Hello, bot!")
    finally:
        bot.client.close()


def main() -> int:
    from cometchat.devserver import DevServer

    with DevServer() as server:
        print(asyncio.run(demo(server)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
