"""A small Tk chat: conversations with unread counts, history, live messages, edits and deletes,
and groups with their member events.

    python samples/tk_chat.py

It runs against a local CometChat-compatible server it starts itself (with a public group,
"Hikers", and a password group, "Night hikers", whose password is "moonlight"). Log in as one
user, pick a conversation on the left (or a user under "Chat with" and Open): its history
shows, "Load older" pages back, and what arrives, is edited or is deleted shows live. Pick a
group under "Groups" to join it (a password group asks for its password) and chat there; who
joins, leaves, is added, kicked, banned or unbanned, and whose scope changes, shows in the
chat as it happens.
Select one of your own messages to edit (type the new text, then Edit) or delete it; select
any message and press the thumb to react. "File..." sends a picture or file (its progress
shows in the status); a message that mentions you (``<@uid:...>``) is marked with "@".

Every SDK callback is delivered on the Tk thread through ``TkDispatchQueue``, so the handlers
below touch widgets directly, with no locks and no ``after`` juggling of their own.
"""

from __future__ import annotations

import mimetypes
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
    CometChatGroupDelegate,
    Conversation,
    ConversationRequest,
    Group,
    GroupsRequest,
    GroupType,
    MediaMessage,
    MessagesRequest,
    MessageType,
    ReactionAction,
    ReactionEvent,
    ReceiverType,
    TextMessage,
    TkDispatchQueue,
    TypingIndicator,
)

USERS = [f"cometchat-uid-{n}" for n in range(1, 6)]
THUMBS_UP = "\N{THUMBS UP SIGN}"
PAGE = 20


class ChatWindow(CometChatConnectionDelegate, CometChatMessageDelegate, CometChatGroupDelegate):
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
        self.client.addGroupListener("window", self)
        self.me = tk.StringVar(value=USERS[0])
        self.peer = tk.StringVar(value=USERS[1])
        self.status = tk.StringVar(value="logged out")
        self.typing = tk.StringVar(value="")
        self.rows: list[int] = []  #: the message id shown on each row of the messages list
        self.mine: set[int] = set()  #: ids of the rows that are my own messages
        self.shown: dict[int, BaseMessage] = {}  #: the messages on the rows, by id
        #: what is open: a user or a group, and its uid or guid
        self.target: tuple[ReceiverType, str] = (ReceiverType.user, USERS[1])
        self.conversation_targets: list[tuple[ReceiverType, str]] = []  #: one per row of the conversations list
        self.group_rows: list[Group] = []  #: one per row of the groups list
        self.history: MessagesRequest | None = None
        #: the password dialog of a password group, while it is open
        self.password_dialog: tk.Toplevel | None = None
        self.password_entry: tk.Entry | None = None
        self.password_join: tk.Button | None = None
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
        left = tk.Frame(middle)
        left.pack(side="left", fill="y")
        self.conversations = tk.Listbox(left, width=28, height=10, exportselection=False)
        self.conversations.pack(fill="y")
        self.conversations.bind("<<ListboxSelect>>", self._conversation_picked)
        tk.Label(left, text="Groups", anchor="w").pack(fill="x")
        self.groups = tk.Listbox(left, width=28, height=5, exportselection=False)
        self.groups.pack(fill="y")
        self.groups.bind("<<ListboxSelect>>", self._group_picked)
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
        self.react_button = tk.Button(bottom, text=THUMBS_UP, command=self.react_to_selected)
        self.react_button.pack(side="left")
        self.file_button = tk.Button(bottom, text="File...", command=self.pick_file)
        self.file_button.pack(side="left")

    def _indicator(self) -> TypingIndicator:
        kind, with_id = self.target
        return TypingIndicator(receiverID=with_id, receiverType=kind)

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
        self.refresh_groups()

    def connect(self) -> None:
        self.client.connect(onError=self._error)

    def disconnect(self) -> None:
        self.client.disconnect()

    def refresh_conversations(self) -> None:
        request = ConversationRequest.ConversationRequestBuilder(limit=30, client=self.client).build()
        request.fetchNext(onSuccess=self._show_conversations, onError=self._error)

    def _show_conversations(self, conversations: list[Conversation]) -> None:
        self.conversations.delete(0, "end")
        self.conversation_targets = []
        for conversation in conversations:
            with_ = conversation.conversationWith
            unread = f"  ({conversation.unreadMessageCount})" if conversation.unreadMessageCount else ""
            group = isinstance(with_, Group)
            self.conversations.insert("end", f"{'# ' if group else ''}{with_.name}{unread}")
            self.conversation_targets.append((ReceiverType.group, with_.guid) if group
                                             else (ReceiverType.user, with_.uid))

    def refresh_groups(self) -> None:
        request = GroupsRequest.GroupsRequestBuilder(limit=30, client=self.client).build()
        request.fetchNext(onSuccess=self._show_groups, onError=self._error)

    def _show_groups(self, groups: list[Group]) -> None:
        self.groups.delete(0, "end")
        self.group_rows = list(groups)
        for group in groups:
            joined = "" if group.hasJoined else "  (join)"
            self.groups.insert("end", f"# {group.name} [{group.membersCount}]{joined}")

    def _conversation_picked(self, event: Any) -> None:
        picked = self.conversations.curselection()
        if picked:
            self.open(*self.conversation_targets[picked[0]])

    def _group_picked(self, event: Any) -> None:
        """Open the group, joining it first if need be."""
        picked = self.groups.curselection()
        if not picked:
            return
        group = self.group_rows[picked[0]]
        if group.hasJoined:
            self.open(ReceiverType.group, group.guid)
        elif group.groupType is GroupType.password:
            self.ask_password(group)
        else:
            self.join(group, None)

    def join(self, group: Group, password: str | None) -> None:
        self.client.joinGroup(GUID=group.guid, groupType=group.groupType, password=password,
                              onSuccess=self._joined, onError=self._error)

    def ask_password(self, group: Group) -> None:
        """A small dialog for a password group's password; Join joins with it (a wrong one
        shows the server's code in the status, and the group can be picked again)."""
        if self.password_dialog is not None:
            self.password_dialog.destroy()
        dialog = self.password_dialog = tk.Toplevel(self.root)
        dialog.title(f"Join {group.name}")
        dialog.transient(self.root)
        tk.Label(dialog, text=f"Password for {group.name}").pack(padx=8, pady=(8, 2))
        entry = self.password_entry = tk.Entry(dialog, show="*")
        entry.pack(fill="x", padx=8)
        entry.focus_set()

        def close() -> None:
            dialog.destroy()
            self.password_dialog = self.password_entry = self.password_join = None

        def join() -> None:
            password = entry.get()
            close()
            if password:
                self.join(group, password)

        buttons = tk.Frame(dialog)
        buttons.pack(pady=8)
        self.password_join = tk.Button(buttons, text="Join", command=join)
        self.password_join.pack(side="left")
        tk.Button(buttons, text="Cancel", command=close).pack(side="left")
        entry.bind("<Return>", lambda event: join())
        dialog.protocol("WM_DELETE_WINDOW", close)

    def _joined(self, group: Group) -> None:
        self.refresh_groups()
        self.open(ReceiverType.group, group.guid)

    def open_conversation(self) -> None:
        """Open the chat with the user picked under "Chat with"."""
        self.open(ReceiverType.user, self.peer.get())

    def open(self, kind: ReceiverType, with_id: str) -> None:
        """Show the newest page of history with a user or in a group, and mark it read."""
        self.target = (kind, with_id)
        self.messages.delete(0, "end")
        self.rows, self.mine, self.shown = [], set(), {}
        builder = MessagesRequest.MessageRequestBuilder(client=self.client)
        builder = builder.set(guid=with_id) if kind is ReceiverType.group else builder.set(uid=with_id)
        self.history = builder.set(limit=PAGE).hideReplies(hide=True).build()
        self.load_older()
        self.client.markConversationAsRead(conversationWithId=with_id, receiverType=kind,
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
        kind, with_id = self.target
        message = TextMessage(receiverUid=with_id, text=text, receiverType=kind)
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
        kind, with_id = self.target
        edited = TextMessage(receiverUid=with_id, text=text, receiverType=kind)
        edited.id = message_id
        self.client.editMessage(edited, onSuccess=self._replace, onError=self._error)

    def delete_selected(self) -> None:
        message_id = self._selected_own_message()
        if message_id is not None:
            self.client.deleteMessage(message_id, onSuccess=self._replace, onError=self._error)

    def react_to_selected(self) -> None:
        picked = self.messages.curselection()
        if picked:
            self.client.addReaction(messageId=self.rows[picked[0]], reaction=THUMBS_UP, onSuccess=self._replace,
                                    onError=self._error)

    def pick_file(self) -> None:
        from tkinter import filedialog

        path = filedialog.askopenfilename(parent=self.root, title="Send a picture or file")
        if path:
            self.send_file(path)

    def send_file(self, path: str) -> None:
        """Upload ``path`` to the open chat, with its progress in the status line."""
        kind, with_id = self.target
        guessed = mimetypes.guess_type(path)[0] or ""
        message = MediaMessage(receiverUid=with_id, fileurl=path, receiverType=kind,
                               messageType=MessageType.image if guessed.startswith("image/") else MessageType.file)
        self.client.sendMediaMessage(message=message, onSuccess=self._sent_file, onError=self._error,
                                     onProgress=lambda sent, total: self.status.set(f"sending {sent * 100 // total}%"))

    def _sent_file(self, message: MediaMessage) -> None:
        self._append(message)
        self.status.set("sent")

    def _typed(self, event: Any) -> None:
        if self.client.getConnectionStatus.value == "connected" and self.entry.get():
            self.client.startTyping(indicator=self._indicator())

    def close(self) -> None:
        """On the Tk thread: stop the client, forget the window, then destroy it (Tk objects
        must die on the Tk thread, not later in some other thread's garbage collection)."""
        self.client.removeConnectionListener("window")
        self.client.removeMessageListener("window")
        self.client.removeGroupListener("window")
        self.client.close()
        self.queue.close()
        self.password_dialog = self.password_entry = self.password_join = None
        self.root.destroy()

    # ------------------------------------------------------------------ the messages list

    def _line(self, message: BaseMessage) -> str:
        if isinstance(message, ActionMessage):
            return f"* {message.message}"
        me = self.client.getLoggedInUser()
        who = "me" if me is not None and message.senderUid == me.uid else (message.sender.name if message.sender else "?")
        if message.deletedAt:
            return f"{who}: (message deleted)"
        edited = " (edited)" if message.editedAt else ""
        if isinstance(message, MediaMessage):
            name = message.attachment.fileName if message.attachment else "a file"
            body = f"[{name}]" + (f" {message.caption}" if message.caption else "")
        else:
            body = getattr(message, "text", message.stringValue())
        reactions = "".join(f"  {c.reaction}{c.count}" for c in message.reactions)
        mention = "@ " if message.hasMentionedMe() else ""
        return f"{mention}{who}: {body}{edited}{reactions}"

    def _remember(self, message: BaseMessage) -> None:
        self.shown[message.id] = message
        me = self.client.getLoggedInUser()
        if me is not None and message.senderUid == me.uid:
            self.mine.add(message.id)

    def _prepend(self, messages: list[BaseMessage]) -> None:
        # edits and deletes show in the message itself; member changes as a line of their own
        shown = [m for m in messages if not isinstance(m, ActionMessage) or isinstance(m.actionFor, Group)]
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
            self._remember(message)
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

    def _is_open(self, receiver_type: Any, receiver: str, sender: str | None) -> bool:
        """Whether a message (or typing) to ``receiver`` from ``sender`` is in the open chat."""
        kind, with_id = self.target
        if receiver_type == ReceiverType.group:
            return kind is ReceiverType.group and receiver == with_id
        return kind is ReceiverType.user and sender == with_id

    def onTextMessageReceived(self, textMessage: BaseMessage) -> None:
        self.typing.set("")
        if self._is_open(textMessage.receiverType, textMessage.receiverUid, textMessage.senderUid) \
                and not textMessage.parentMessageId:
            self._append(textMessage)
            self.client.markAsRead(baseMessage=textMessage)
        else:
            self.refresh_conversations()  # elsewhere: its unread count moves

    def onMediaMessageReceived(self, mediaMessage: MediaMessage) -> None:
        self.onTextMessageReceived(mediaMessage)  # shown as a line, like a text

    def onMessageReactionAdded(self, reactionEvent: ReactionEvent) -> None:
        self._reacted(reactionEvent, ReactionAction.REACTION_ADDED)

    def onMessageReactionRemoved(self, reactionEvent: ReactionEvent) -> None:
        self._reacted(reactionEvent, ReactionAction.REACTION_REMOVED)

    def _reacted(self, event: ReactionEvent, action: ReactionAction) -> None:
        shown = self.shown.get(event.reaction.messageId) if event.reaction else None
        if shown is not None and event.reaction is not None:
            self._replace(self.client.updateMessageWithReactionInfo(baseMessage=shown, messageReaction=event.reaction,
                                                                    action=action))

    def onMessageEdited(self, message: BaseMessage) -> None:
        self._replace(message)

    def onMessageDeleted(self, message: BaseMessage) -> None:
        self._replace(message)

    def onTypingStarted(self, typingDetails: TypingIndicator) -> None:
        sender = typingDetails.sender
        if sender is not None and self._is_open(typingDetails.receiverType, typingDetails.receiverID, sender.uid):
            self.typing.set(f"{sender.name} is typing...")

    def onTypingEnded(self, typingDetails: TypingIndicator) -> None:
        self.typing.set("")


    # group member changes: a line in the open group, and the groups list's counts move

    def _member_change(self, action: ActionMessage, group: Group) -> None:
        if self.target == (ReceiverType.group, group.guid):
            self._append(action)
        self.refresh_groups()

    def onGroupMemberJoined(self, action: ActionMessage, joinedUser: Any, joinedGroup: Group) -> None:
        self._member_change(action, joinedGroup)

    def onGroupMemberLeft(self, action: ActionMessage, leftUser: Any, leftGroup: Group) -> None:
        self._member_change(action, leftGroup)

    def onGroupMemberKicked(self, action: ActionMessage, kickedUser: Any, kickedBy: Any, kickedFrom: Group) -> None:
        self._member_change(action, kickedFrom)

    def onGroupMemberBanned(self, action: ActionMessage, bannedUser: Any, bannedBy: Any, bannedFrom: Group) -> None:
        self._member_change(action, bannedFrom)

    def onGroupMemberUnbanned(self, action: ActionMessage, unbannedUser: Any, unbannedBy: Any,
                              unbannedFrom: Group) -> None:
        self._member_change(action, unbannedFrom)

    def onGroupMemberScopeChanged(self, action: ActionMessage, scopeChangeduser: Any, scopeChangedBy: Any,
                                  scopeChangedTo: Any, scopeChangedFrom: Any, group: Group) -> None:
        self._member_change(action, group)

    def onMemberAddedToGroup(self, action: ActionMessage, addedBy: Any, addedUser: Any, addedTo: Group) -> None:
        self._member_change(action, addedTo)


def build(root: tk.Tk, server: Any) -> ChatWindow:
    """The window on ``root``, talking to ``server`` (for tests and for ``main``)."""
    return ChatWindow(root, server)


def make_group(server: Any, guid: str, name: str, owner: str = USERS[4], password: str | None = None) -> None:
    """A group to find under "Groups" (public, or a password group with ``password``),
    created as ``owner`` would."""
    from cometchat.testing import clientFor

    client = clientFor(server, owner)
    kind = GroupType.password if password else GroupType.public
    try:
        client.createGroup(group=Group(guid=guid, name=name, groupType=kind, password=password)).result(timeout=10)
    finally:
        client.close()


def main() -> int:
    from cometchat.devserver import DevServer

    with DevServer() as server:
        make_group(server, "hikers", "Hikers")
        make_group(server, "night-hikers", "Night hikers", password="moonlight")
        root = tk.Tk()
        build(root, server)
        root.mainloop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
