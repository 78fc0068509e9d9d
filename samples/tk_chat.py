"""A small Tk chat: conversations with unread counts, history, live messages, edits and deletes.

    python samples/tk_chat.py

It runs against a local CometChat-compatible server it starts itself. Log in as one user, pick
a conversation on the left (or a user under "Chat with" and Open): its history shows, "Load
older" pages back, and what arrives, is edited or is deleted shows live. Select one of your
own messages to edit (type the new text, then Edit) or delete it.

Every SDK callback is delivered on the Tk thread through ``TkDispatchQueue``, so the handlers
below touch widgets directly, with no locks and no ``after`` juggling of their own.
"""

from __future__ import annotations

import sys
import tkinter as tk
from typing import Any

from cometchat import (
    ActionMessage,
    AppSettings,
    BaseMessage,
    CometChatClient,
    CometChatConnectionDelegate,
    CometChatMessageDelegate,
    Conversation,
    ConversationRequest,
    MessagesRequest,
    ReceiverType,
    TextMessage,
    TkDispatchQueue,
    TypingIndicator,
)

USERS = [f"cometchat-uid-{n}" for n in range(1, 6)]
PAGE = 20


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
        self.rows: list[int] = []  #: the message id shown on each row of the messages list
        self.mine: set[int] = set()  #: ids of the rows that are my own messages
        self.conversation_peers: list[str] = []  #: the uid on each row of the conversations list
        self.history: MessagesRequest | None = None
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
        self.open_button = tk.Button(top, text="Open", command=self.open_conversation)
        self.open_button.pack(side="left")
        self.connect_button = tk.Button(top, text="Connect", command=self.connect)
        self.connect_button.pack(side="left", padx=(8, 0))
        self.disconnect_button = tk.Button(top, text="Disconnect", command=self.disconnect)
        self.disconnect_button.pack(side="left")
        self.status_label = tk.Label(top, textvariable=self.status, width=24, anchor="w")
        self.status_label.pack(side="left", padx=8)
        middle = tk.Frame(self.root)
        middle.pack(fill="both", expand=True, padx=6)
        self.conversations = tk.Listbox(middle, width=28, height=16, exportselection=False)
        self.conversations.pack(side="left", fill="y")
        self.conversations.bind("<<ListboxSelect>>", self._conversation_picked)
        right = tk.Frame(middle)
        right.pack(side="left", fill="both", expand=True, padx=(6, 0))
        self.older_button = tk.Button(right, text="Load older", command=self.load_older)
        self.older_button.pack(fill="x")
        self.messages = tk.Listbox(right, width=60, height=14, exportselection=False)
        self.messages.pack(fill="both", expand=True)
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
        self.edit_button = tk.Button(bottom, text="Edit", command=self.edit_selected)
        self.edit_button.pack(side="left")
        self.delete_button = tk.Button(bottom, text="Delete", command=self.delete_selected)
        self.delete_button.pack(side="left")

    def _indicator(self) -> TypingIndicator:
        return TypingIndicator(receiverID=self.peer.get(), receiverType=ReceiverType.user)

    def _error(self, error: Any) -> None:
        self.status.set(f"! {error.errorCode}")

    # ------------------------------------------------------------------ buttons

    def login(self) -> None:
        self.status.set("logging in...")
        self.client.login(UID=self.me.get(), authKey=self.server.auth_key, onSuccess=self._logged_in,
                          onError=self._error)

    def _logged_in(self, user: Any) -> None:
        self.status.set(f"{user.name}: disconnected")
        self.refresh_conversations()

    def connect(self) -> None:
        self.client.connect(onError=self._error)

    def disconnect(self) -> None:
        self.client.disconnect()

    def refresh_conversations(self) -> None:
        request = ConversationRequest.ConversationRequestBuilder(limit=30, client=self.client).build()
        request.fetchNext(onSuccess=self._show_conversations, onError=self._error)

    def _show_conversations(self, conversations: list[Conversation]) -> None:
        self.conversations.delete(0, "end")
        self.conversation_peers = []
        for conversation in conversations:
            with_ = conversation.conversationWith
            unread = f"  ({conversation.unreadMessageCount})" if conversation.unreadMessageCount else ""
            self.conversations.insert("end", f"{with_.name}{unread}")
            self.conversation_peers.append(with_.uid)

    def _conversation_picked(self, event: Any) -> None:
        picked = self.conversations.curselection()
        if picked:
            self.peer.set(self.conversation_peers[picked[0]])
            self.open_conversation()

    def open_conversation(self) -> None:
        """Show the newest page of history with the peer, and mark the conversation read."""
        self.messages.delete(0, "end")
        self.rows, self.mine = [], set()
        self.history = (MessagesRequest.MessageRequestBuilder(client=self.client).set(uid=self.peer.get())
                        .set(limit=PAGE).hideReplies(hide=True).build())
        self.load_older()
        self.client.markConversationAsRead(conversationWithId=self.peer.get(), receiverType=ReceiverType.user,
                                           onSuccess=lambda _: self.refresh_conversations(), onError=self._error)

    def load_older(self) -> None:
        if self.history is not None:
            self.history.fetchPrevious(onSuccess=self._prepend, onError=self._error)

    def send(self) -> None:
        text = self.entry.get().strip()
        if not text:
            return
        self.entry.delete(0, "end")
        self.client.endTyping(indicator=self._indicator())
        message = TextMessage(receiverUid=self.peer.get(), text=text, receiverType=ReceiverType.user)
        self.client.sendTextMessage(message=message, onSuccess=self._append, onError=self._error)

    def _selected_own_message(self) -> int | None:
        picked = self.messages.curselection()
        message_id = self.rows[picked[0]] if picked else None
        return message_id if message_id in self.mine else None

    def edit_selected(self) -> None:
        message_id, text = self._selected_own_message(), self.entry.get().strip()
        if message_id is None or not text:
            return
        self.entry.delete(0, "end")
        edited = TextMessage(receiverUid=self.peer.get(), text=text, receiverType=ReceiverType.user)
        edited.id = message_id
        self.client.editMessage(edited, onSuccess=self._replace, onError=self._error)

    def delete_selected(self) -> None:
        message_id = self._selected_own_message()
        if message_id is not None:
            self.client.deleteMessage(message_id, onSuccess=self._replace, onError=self._error)

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

    # ------------------------------------------------------------------ the messages list

    def _line(self, message: BaseMessage) -> str:
        me = self.client.getLoggedInUser()
        who = "me" if me is not None and message.senderUid == me.uid else (message.sender.name if message.sender else "?")
        if message.deletedAt:
            return f"{who}: (message deleted)"
        edited = " (edited)" if message.editedAt else ""
        return f"{who}: {getattr(message, 'text', message.stringValue())}{edited}"

    def _remember(self, message: BaseMessage) -> None:
        me = self.client.getLoggedInUser()
        if me is not None and message.senderUid == me.uid:
            self.mine.add(message.id)

    def _prepend(self, messages: list[BaseMessage]) -> None:
        shown = [m for m in messages if not isinstance(m, ActionMessage)]  # edits show in the message itself
        for position, message in enumerate(shown):
            self.messages.insert(position, self._line(message))
            self._remember(message)
        self.rows[:0] = [m.id for m in shown]

    def _append(self, message: BaseMessage) -> None:
        self.messages.insert("end", self._line(message))
        self.rows.append(message.id)
        self._remember(message)

    def _replace(self, message: BaseMessage) -> None:
        if message.id in self.rows:
            row = self.rows.index(message.id)
            selected = row in self.messages.curselection()
            self.messages.delete(row)
            self.messages.insert(row, self._line(message))
            if selected:
                self.messages.selection_set(row)

    # ------------------------------------------------------------------ SDK callbacks (Tk thread)

    def connectionStateChanged(self, change: Any) -> None:
        user = self.client.getLoggedInUser()
        self.status.set(f"{user.name if user else ''}: {change.current.value}")

    def onTextMessageReceived(self, textMessage: TextMessage) -> None:
        self.typing.set("")
        if textMessage.senderUid == self.peer.get() and not textMessage.parentMessageId:
            self._append(textMessage)
            self.client.markAsRead(baseMessage=textMessage)
        else:
            self.refresh_conversations()  # someone else: their unread count moves

    def onMessageEdited(self, message: BaseMessage) -> None:
        self._replace(message)

    def onMessageDeleted(self, message: BaseMessage) -> None:
        self._replace(message)

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
