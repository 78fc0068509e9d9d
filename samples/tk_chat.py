"""A small Tk chat window: pick a user, connect, chat, see who is typing.

    python samples/tk_chat.py

It runs against a local CometChat-compatible server it starts itself. Every SDK callback is
delivered on the Tk thread through ``TkDispatchQueue``, so the handlers below touch widgets
directly, with no locks and no ``after`` juggling of their own.
"""

from __future__ import annotations

import sys
import tkinter as tk
from typing import Any

from cometchat import (
    AppSettings,
    CometChatClient,
    CometChatConnectionDelegate,
    CometChatMessageDelegate,
    ReceiverType,
    TextMessage,
    TkDispatchQueue,
    TypingIndicator,
)

USERS = [f"cometchat-uid-{n}" for n in range(1, 6)]


class ChatWindow(CometChatConnectionDelegate, CometChatMessageDelegate):
    """The window and its SDK client; ``server`` is anything with url, app_id, auth_key, region."""

    def __init__(self, root: tk.Tk, server: Any) -> None:
        self.root = root
        self.server = server
        self.queue = TkDispatchQueue(root)  # callbacks on this (the Tk) thread
        settings = (
            AppSettings.AppSettingsBuilder()
            .setRegion(region=server.region)
            .overrideClientHost(server.url)
            .overrideAdminHost(server.url)
            .autoEstablishSocketConnection(False)
            .setInMemoryStorage()
            .setDispatchQueue(self.queue)
            .build()
        )
        self.client = CometChatClient(appId=server.app_id, appSettings=settings)
        self.client.addConnectionListener("window", self)
        self.client.addMessageListener("window", self)
        self.me = tk.StringVar(value=USERS[0])
        self.peer = tk.StringVar(value=USERS[1])
        self.status = tk.StringVar(value="logged out")
        self.typing = tk.StringVar(value="")
        self._build()
        root.protocol("WM_DELETE_WINDOW", self.close)

    # ------------------------------------------------------------------ layout

    def _build(self) -> None:
        self.root.title("CometChat (Tk)")
        top = tk.Frame(self.root)
        top.pack(fill="x", padx=6, pady=4)
        tk.Label(top, text="Me").pack(side="left")
        tk.OptionMenu(top, self.me, *USERS).pack(side="left")
        self.login_button = tk.Button(top, text="Log in", command=self.login)
        self.login_button.pack(side="left")
        tk.Label(top, text="Chat with").pack(side="left", padx=(8, 0))
        tk.OptionMenu(top, self.peer, *USERS).pack(side="left")
        self.connect_button = tk.Button(top, text="Connect", command=self.connect)
        self.connect_button.pack(side="left", padx=(8, 0))
        self.disconnect_button = tk.Button(top, text="Disconnect", command=self.disconnect)
        self.disconnect_button.pack(side="left")
        self.status_label = tk.Label(top, textvariable=self.status, width=16, anchor="w")
        self.status_label.pack(side="left", padx=8)
        self.messages = tk.Listbox(self.root, width=70, height=14)
        self.messages.pack(fill="both", expand=True, padx=6)
        self.typing_label = tk.Label(self.root, textvariable=self.typing, anchor="w", fg="grey")
        self.typing_label.pack(fill="x", padx=6)
        bottom = tk.Frame(self.root)
        bottom.pack(fill="x", padx=6, pady=4)
        self.entry = tk.Entry(bottom)
        self.entry.pack(side="left", fill="x", expand=True)
        self.entry.bind("<KeyRelease>", self._typed)
        self.entry.bind("<Return>", lambda event: self.send())
        self.send_button = tk.Button(bottom, text="Send", command=self.send)
        self.send_button.pack(side="left")

    def _indicator(self) -> TypingIndicator:
        return TypingIndicator(receiverID=self.peer.get(), receiverType=ReceiverType.user)

    # ------------------------------------------------------------------ buttons

    def login(self) -> None:
        self.status.set("logging in...")
        self.client.login(UID=self.me.get(), authKey=self.server.auth_key,
                          onSuccess=lambda user: self.status.set(f"{user.name}: disconnected"),
                          onError=lambda error: self.status.set(error.errorCode))

    def connect(self) -> None:
        self.client.connect(onError=lambda error: self.messages.insert("end", f"! {error.errorCode}"))

    def disconnect(self) -> None:
        self.client.disconnect()

    def send(self) -> None:
        text = self.entry.get().strip()
        if not text:
            return
        self.entry.delete(0, "end")
        self.client.endTyping(indicator=self._indicator())
        message = TextMessage(receiverUid=self.peer.get(), text=text, receiverType=ReceiverType.user)
        self.client.sendTextMessage(message=message,
                                    onSuccess=lambda sent: self.messages.insert("end", f"me: {sent.text}"),
                                    onError=lambda error: self.messages.insert("end", f"! {error.errorCode}"))

    def _typed(self, event: Any) -> None:
        if self.client.getConnectionStatus.value == "connected" and self.entry.get():
            self.client.startTyping(indicator=self._indicator())

    def close(self) -> None:
        """On the Tk thread: stop the client, forget the window, then destroy it (Tk objects
        must die on the Tk thread, not later in some other thread's garbage collection)."""
        self.client.removeConnectionListener("window")
        self.client.removeMessageListener("window")
        self.client.close()
        self.queue.close()
        self.root.destroy()

    # ------------------------------------------------------------------ SDK callbacks (Tk thread)

    def connectionStateChanged(self, change: Any) -> None:
        user = self.client.getLoggedInUser()
        self.status.set(f"{user.name if user else ''}: {change.current.value}")

    def onTextMessageReceived(self, textMessage: TextMessage) -> None:
        self.typing.set("")
        self.messages.insert("end", f"{textMessage.sender.name}: {textMessage.text}")

    def onTypingStarted(self, typingDetails: TypingIndicator) -> None:
        self.typing.set(f"{typingDetails.sender.name} is typing...")

    def onTypingEnded(self, typingDetails: TypingIndicator) -> None:
        self.typing.set("")


def build(root: tk.Tk, server: Any) -> ChatWindow:
    """The window on ``root``, talking to ``server`` (for tests and for ``main``)."""
    return ChatWindow(root, server)


def main() -> int:
    from cometchat.devserver import DevServer

    with DevServer() as server:
        root = tk.Tk()
        build(root, server)
        root.mainloop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
