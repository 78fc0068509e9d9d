"""CometChatClient: the object behind the ``CometChat`` facade.

The client is the hall: it builds the parts that own the work and hands each Swift-named
call to the one that owns it.

- ``Session`` (``session.py``): init's storage and REST client, login and logout, the saved
  session, ``GET me``;
- ``Realtime`` (``realtime.py``): the socket, inbound events, missed-message recovery;
- ``Messaging`` (``messaging.py``): sends, edits, deletes, typing, receipts, transient messages;
- ``Users`` (``users.py``): users, blocks, profiles;
- ``Conversations`` (``conversations.py``): conversations, unread counts;
- ``Groups`` (``groups.py``): groups, membership, scopes, bans;
- ``Media`` (``media.py``): media messages, uploaded on ``UploadThreads`` of their own;
- ``Reactions`` (``reactions.py``): adding, removing and folding in reactions;
- ``RestWorker`` (``worker.py``): every network call, in order, off the caller's thread;
- ``Notifier`` (``callbacks.py``): every callback, in order, on the dispatch queue.

Every public method returns at once, and callback-style methods also return a
``concurrent.futures.Future`` resolved as soon as the result is known. The listener members
(``addMessageListener`` and the rest) come from the table in ``listeners.py``; the request
builders (``paging/``) find the parts they need through ``services.py``. Clients are
independent: several users can live in one process, each in its own client.
"""

from __future__ import annotations

import copy
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, Callable, TypeAlias

from . import exceptions as errors
from . import services, validation
from .callbacks import CallbackPipe, Notifier, Reply
from .conversations import Conversations
from .dispatch import DispatchQueue
from .exceptions import CometChatException
from .listeners import LISTENER_KINDS, Listeners, install_listener_members
from .messaging import Messaging
from .models import (
    ActionEntityType,
    ActionType,
    ApplicationState,
    BaseMessage,
    Blocked,
    ConnectionStatus,
    Conversation,
    ConversationType,
    ConversationUpdateSettings,
    CustomMessage,
    Group,
    GroupMember,
    GroupMemberScopeType,
    GroupType,
    MediaMessage,
    MemberScope,
    MessageCategory,
    MessageReceipt,
    MessageType,
    Reaction,
    ReactionAction,
    ReceiverType,
    SortOrder,
    TextMessage,
    TransientMessage,
    TypingIndicator,
    User,
    UserStatus,
)
from .groups import Groups
from .media import Media
from .parts import Callback
from .reactions import Reactions
from .realtime import Realtime
from .session import Lifecycle, Session
from .settings import AppSettings
from .statistics import ClientStatistics, collect_statistics
from .users import Users
from .worker import RestWorker, UploadThreads

if TYPE_CHECKING:
    # the listener members are made from the table at import (``install_listener_members``);
    # type checkers read them from the stub that .ci/stubgen.py writes from the result
    from ._surface import ListenerMembers
else:
    ListenerMembers = object

__all__ = ["CometChatClient"]


class CometChatClient(ListenerMembers):
    """One CometChat app and (at most) one logged-in user.

    ``CometChatClient()`` then ``client.init(appId=..., appSettings=...)``, or
    ``CometChatClient(appId=..., appSettings=...)``, which initialises at once and raises
    ``CometChatException`` on bad input. ``close()`` stops every thread of the client.
    """

    # Swift's nested enums (``CometChat.ReceiverType.user``), usable as types too
    ConnectionStatus: TypeAlias = ConnectionStatus
    ReceiverType: TypeAlias = ReceiverType
    UserStatus: TypeAlias = UserStatus
    MessageType: TypeAlias = MessageType
    MessageCategory: TypeAlias = MessageCategory
    applicationState: TypeAlias = ApplicationState
    ConversationType: TypeAlias = ConversationType
    SortOrder: TypeAlias = SortOrder
    Blocked: TypeAlias = Blocked
    actionType: TypeAlias = ActionType
    ActionEntityType: TypeAlias = ActionEntityType
    groupType: TypeAlias = GroupType
    GroupMemberScopeType: TypeAlias = GroupMemberScopeType
    MemberScope: TypeAlias = MemberScope
    ReactionAction: TypeAlias = ReactionAction

    #: the kinds of listener this client calls (``listeners.LISTENER_KINDS``)
    _listener_kinds = LISTENER_KINDS
    #: whether, without a storage setting, the session is saved to the user's data directory
    #: (the facade's client does; a client of your own keeps it in memory)
    _persistent_by_default = False

    def __init__(self, appId: str | None = None, appSettings: AppSettings | None = None) -> None:
        self._own_queue = DispatchQueue("cometchat-callbacks")
        self._pipe = CallbackPipe(self._own_queue)
        self._listeners = Listeners(self._listener_kinds)
        self._build_parts(Notifier(self._pipe, self._listeners))
        if appId is not None or appSettings is not None:
            error = self._initialise(appId, appSettings)
            if error is not None:
                raise error

    def _build_parts(self, notifier: Notifier) -> None:
        """Each part gets its collaborators here; request builders find theirs through ``services``."""
        self._notifier = notifier
        self._worker = RestWorker()
        self._session = Session(notifier, self._worker)
        self._realtime = Realtime(self._session, notifier, self._worker)
        self._messaging = Messaging(self._session, self._realtime, notifier, self._worker)
        self._users = Users(self._session, notifier, self._worker)
        self._conversations = Conversations(self._session, notifier, self._worker)
        self._groups = Groups(self._session, notifier, self._worker)
        self._uploads = UploadThreads()
        self._media = Media(self._session, self._realtime, notifier, self._worker, self._uploads)
        self._reactions = Reactions(self._session, notifier, self._worker)
        services.register(self, services.Services(self._session, self._worker, notifier))

    def __repr__(self) -> str:
        user = self._session.user
        return f"CometChatClient(appId={self._session.app_id!r}, user={user.uid if user else None!r})"

    def _answer(self, onSuccess: Callback | None, onError: Callback | None,
                error: CometChatException | None, run: Callable[[Reply[Any]], None]) -> Future[Any]:
        """A callback-style call: fail with ``error``, or let ``run`` answer the reply."""
        reply = self._notifier.reply(onSuccess, onError)
        if error is not None:
            reply.fail(error)
        else:
            run(reply)
        return reply.future

    # ------------------------------------------------------------------ init

    @property
    def isInitialised(self) -> bool:
        return self._session.lifecycle is Lifecycle.READY

    def init(self, *, appId: str, appSettings: AppSettings, onSuccess: Callback | None = None,
             onError: Callback | None = None) -> Future[bool]:
        """Set the app up; restores a saved session of the same app (no network)."""
        error = self._initialise(appId, appSettings)
        return self._answer(onSuccess, onError, error, lambda reply: reply.succeed(True, True))

    def _initialise(self, app_id: Any, settings: Any) -> CometChatException | None:
        if self._session.lifecycle is Lifecycle.CLOSED:
            return errors.client_closed()
        return validation.init_error(app_id, settings) or self._configure(app_id, settings)

    def _configure(self, app_id: str, settings: AppSettings) -> CometChatException | None:
        """Set every part up for the app; a saved session is announced once all are ready."""
        self._realtime.close()  # a new init brings new connection settings
        try:
            self._session.configure(app_id, settings, self._persistent_by_default)
        except CometChatException as exc:
            return exc
        self._pipe.queue = settings.dispatchQueue or self._own_queue
        self._realtime.configure(settings)
        self._session.restore()
        return None

    # ------------------------------------------------------------------ login and logout

    def login(self, *, UID: str | None = None, authKey: str | None = None, apiKey: str | None = None,
              authToken: str | None = None, onSuccess: Callback | None = None,
              onError: Callback | None = None) -> Future[User]:
        """``login(UID=, authKey=)``, ``login(UID=, apiKey=)`` or ``login(authToken=)``."""
        key = authKey if authKey is not None else apiKey
        error = self._session.refusal(needs_user=False) or validation.login_error(UID, key, authToken)
        return self._answer(onSuccess, onError, error, lambda reply: self._session.login(reply, UID, key, authToken))

    def logout(self, *, onSuccess: Callback | None = None, onError: Callback | None = None) -> Future[str]:
        """Log out here at once, then tell the server; onError only if the server could not be told."""
        return self._answer(onSuccess, onError, self._session.refusal(needs_user=False), self._session.logout)

    def getLoggedInUser(self) -> User | None:
        """The logged-in user, from memory (never the network); None when logged out. The
        app gets its own copy each time: changing it changes nothing in the SDK."""
        user = self._session.user
        return copy.deepcopy(user) if user is not None else None

    def getUserAuthToken(self) -> str | None:
        saved = self._session.current
        return None if saved is None else saved.auth_token

    # ------------------------------------------------------------------ connection

    def connect(self, *, onSuccess: Callback | None = None, onError: Callback | None = None) -> Future[None]:
        """Open the WebSocket (manual mode); see the connection table in the README."""
        return self._answer(onSuccess, onError, self._session.refusal(needs_user=False), self._realtime.connect)

    def disconnect(self, *, onSuccess: Callback | None = None, onError: Callback | None = None) -> Future[None]:
        """Close the WebSocket; nothing reconnects until ``connect()`` (or a new login)."""
        return self._answer(onSuccess, onError, self._session.refusal(needs_user=False), self._realtime.disconnect)

    def ping(self, *, onSuccess: Callback | None = None, onError: Callback | None = None) -> Future[None]:
        """A keep-alive: onSuccess when the server answers within pongTimeout; extends a
        background window."""
        return self._answer(onSuccess, onError, self._session.refusal(needs_user=False), self._realtime.ping)

    @property
    def getConnectionStatus(self) -> ConnectionStatus:
        """The current status (never None): ``disconnected`` before any attempt and once
        logged out (at once, before the socket has finished closing)."""
        return self._realtime.status

    def configureServices(self, forState: ApplicationState) -> None:
        """Tell the SDK the app went to the background or came back (opens / ends the window)."""
        self._realtime.app_state(ApplicationState(forState).value)

    def backgroundTaskEnabled(self) -> bool:
        """True while a background window keeps the socket alive."""
        return self._realtime.background_active

    # ------------------------------------------------------------------ messages

    def sendTextMessage(self, *, message: TextMessage, onSuccess: Callback | None = None,
                        onError: Callback | None = None) -> Future[TextMessage]:
        """Send over REST (with or without a socket); onSuccess gets the stored message."""
        return self._messaging.send(message, TextMessage, onSuccess, onError)

    def sendCustomMessage(self, *, message: CustomMessage, onSuccess: Callback | None = None,
                          onError: Callback | None = None) -> Future[CustomMessage]:
        return self._messaging.send(message, CustomMessage, onSuccess, onError)

    def sendMediaMessage(self, *, message: MediaMessage, onSuccess: Callback | None = None,
                         onError: Callback | None = None, onProgress: Callback | None = None) -> Future[MediaMessage]:
        """A local file is uploaded as it is read (``onProgress(sentBytes, totalBytes)``, a Python
        extension, at most ten times a second); an ``attachment`` online already goes as is."""
        return self._media.send(message, onSuccess, onError, onProgress)

    def sendTransientMessage(self, *, message: TransientMessage) -> None:
        """Relay a message that is never stored (fire and forget; errors are logged)."""
        self._messaging.send_transient(message)

    def startTyping(self, *, indicator: TypingIndicator) -> None:
        """Tell the receiver you are typing: sent once until ``endTyping`` (fire and forget)."""
        self._messaging.typing(indicator, "started")

    def endTyping(self, *, indicator: TypingIndicator) -> None:
        self._messaging.typing(indicator, "ended")

    def markAsDelivered(self, *, baseMessage: BaseMessage | None = None, messageId: int | None = None,
                        receiverId: str | None = None, receiverType: ReceiverType | str | None = None,
                        messageSender: str | None = None, onSuccess: Callback | None = None,
                        onError: Callback | None = None) -> Future[None] | None:
        """A delivered receipt, for ``baseMessage`` or by ``messageId``/``receiverId``/
        ``receiverType``/``messageSender``. With callbacks it returns a Future; without, it is
        fire and forget (errors are logged)."""
        return self._messaging.receipt("delivered", baseMessage, messageId, receiverId, receiverType,
                                       messageSender, onSuccess, onError)

    def markAsRead(self, *, baseMessage: BaseMessage | None = None, messageId: int | None = None,
                   receiverId: str | None = None, receiverType: ReceiverType | str | None = None,
                   messageSender: str | None = None, onSuccess: Callback | None = None,
                   onError: Callback | None = None) -> Future[None] | None:
        """A read receipt; the same forms as ``markAsDelivered``."""
        return self._messaging.receipt("read", baseMessage, messageId, receiverId, receiverType,
                                       messageSender, onSuccess, onError)

    def getLastDeliveredMessageId(self) -> int:
        """The id of the last message delivered to the listeners (0 if none yet)."""
        return self._realtime.last_delivered

    def editMessage(self, message: BaseMessage, *, onSuccess: Callback | None = None,
                    onError: Callback | None = None) -> Future[BaseMessage]:
        """Only the sender edits; onSuccess gets the edited message. Receivers hear ``onMessageEdited``."""
        return self._messaging.edit(message, onSuccess, onError)

    def edit(self, *, message: BaseMessage, onSuccess: Callback | None = None,
             onError: Callback | None = None) -> Future[BaseMessage]:
        return self._messaging.edit(message, onSuccess, onError)

    def deleteMessage(self, messageId: int, *, onSuccess: Callback | None = None,
                      onError: Callback | None = None) -> Future[BaseMessage]:
        """Only the sender deletes; onSuccess gets the deleted message. Receivers hear ``onMessageDeleted``."""
        return self._messaging.delete(messageId, onSuccess, onError)

    def delete(self, *, messageId: int, onSuccess: Callback | None = None,
               onError: Callback | None = None) -> Future[BaseMessage]:
        return self._messaging.delete(messageId, onSuccess, onError)

    def getMessageReceipts(self, messageId: int, *, onSuccess: Callback | None = None,
                           onError: Callback | None = None) -> Future[list[MessageReceipt]]:
        return self._messaging.receipts(messageId, onSuccess, onError)

    def markAsUnread(self, *, baseMessage: BaseMessage, onSuccess: Callback | None = None,
                     onError: Callback | None = None) -> Future[Conversation]:
        """This message and what follows are unread again (for you); the Future gives the conversation."""
        return self._conversations.mark_unread(baseMessage, onSuccess, onError)

    def markMessageAsUnread(self, *, baseMessage: BaseMessage, receiverType: ReceiverType,
                            onSuccess: Callback | None = None,
                            onError: Callback | None = None) -> Future[Conversation]:
        """``markAsUnread`` under its newer documented name; onSuccess gets the conversation."""
        return self._conversations.mark_unread(baseMessage, onSuccess, onError, receiverType, with_conversation=True)

    def getUnreadMessageCount(self, *, hideMessagesFromBlockedUsers: bool = False, onSuccess: Callback | None = None,
                              onError: Callback | None = None) -> Future[dict[str, Any]]:
        """``{"user": {uid: n}, "group": {guid: n}}``: conversations with unread messages."""
        return self._conversations.unread_counts("all", None, hideMessagesFromBlockedUsers, onSuccess, onError)

    def getUnreadMessageCountForAllUsers(self, *, hideMessagesFromBlockedUsers: bool = False,
                                         onSuccess: Callback | None = None,
                                         onError: Callback | None = None) -> Future[dict[str, Any]]:
        return self._conversations.unread_counts("users", None, hideMessagesFromBlockedUsers, onSuccess, onError)

    def getUnreadMessageCountForAllGroups(self, *, hideMessagesFromBlockedUsers: bool = False,
                                          onSuccess: Callback | None = None,
                                          onError: Callback | None = None) -> Future[dict[str, Any]]:
        return self._conversations.unread_counts("groups", None, hideMessagesFromBlockedUsers, onSuccess, onError)

    def getUnreadMessageCountForUser(self, uid: str, *, hideMessagesFromBlockedUsers: bool = False,
                                     onSuccess: Callback | None = None,
                                     onError: Callback | None = None) -> Future[dict[str, Any]]:
        """``{uid: n}`` (``n`` may be 0)."""
        return self._conversations.unread_counts("user", uid, hideMessagesFromBlockedUsers, onSuccess, onError)

    def getUnreadMessageCountForGroup(self, guid: str, *, hideMessagesFromBlockedUsers: bool = False,
                                      onSuccess: Callback | None = None,
                                      onError: Callback | None = None) -> Future[dict[str, Any]]:
        return self._conversations.unread_counts("group", guid, hideMessagesFromBlockedUsers, onSuccess, onError)

    def getConversationUpdateSettings(self) -> ConversationUpdateSettings:
        """Whether replies, custom messages and group actions move a conversation (local)."""
        return self._conversations.update_settings()

    # ------------------------------------------------------------------ users

    def getUser(self, *, UID: str, onSuccess: Callback | None = None,
                onError: Callback | None = None) -> Future[User]:
        return self._users.get_user(UID, onSuccess, onError)

    def blockUsers(self, users: list[str], *, onSuccess: Callback | None = None,
                   onError: Callback | None = None) -> Future[dict[str, str]]:
        """``{uid: "success" | "fail"}``; nothing live passes between you and a blocked user."""
        return self._users.block(users, True, onSuccess, onError)

    def unblockUsers(self, users: list[str], *, onSuccess: Callback | None = None,
                     onError: Callback | None = None) -> Future[dict[str, str]]:
        return self._users.block(users, False, onSuccess, onError)

    def updateCurrentUserDetails(self, *, user: User, onSuccess: Callback | None = None,
                                 onError: Callback | None = None) -> Future[User]:
        """The logged-in user's profile (``PUT me``); ``getLoggedInUser()`` then gives the new one."""
        return self._users.update_current_user(user, onSuccess, onError)

    def createUser(self, *, user: User, authKey: str | None = None, apiKey: str | None = None,
                   onSuccess: Callback | None = None, onError: Callback | None = None) -> Future[User]:
        """With the app's key, on the admin host (needs ``init``, not a login)."""
        key = authKey if authKey is not None else apiKey
        return self._users.save_user(user, key, True, onSuccess, onError)

    def updateUser(self, *, user: User, authKey: str | None = None, apiKey: str | None = None,
                   onSuccess: Callback | None = None, onError: Callback | None = None) -> Future[User]:
        key = authKey if authKey is not None else apiKey
        return self._users.save_user(user, key, False, onSuccess, onError)

    # ------------------------------------------------------------------ conversations

    def getConversation(self, *, conversationWith: str, conversationType: ConversationType,
                        onSuccess: Callback | None = None, onError: Callback | None = None) -> Future[Conversation]:
        return self._conversations.get(conversationWith, conversationType, onSuccess, onError)

    def tagConversation(self, *, conversationWith: str, conversationType: ConversationType, tags: list[str],
                        onSuccess: Callback | None = None, onError: Callback | None = None) -> Future[Conversation]:
        """Your own tags on the conversation (the other party does not see them)."""
        return self._conversations.tag(conversationWith, conversationType, tags, onSuccess, onError)

    def deleteConversation(self, *, conversationWith: str, conversationType: ConversationType,
                           onSuccess: Callback | None = None, onError: Callback | None = None) -> Future[str]:
        """For you only; a new message brings the conversation back."""
        return self._conversations.delete(conversationWith, conversationType, onSuccess, onError)

    def markConversationAsRead(self, *, conversationWithId: str, receiverType: ReceiverType,
                               onSuccess: Callback | None = None, onError: Callback | None = None) -> Future[str]:
        return self._conversations.mark(conversationWithId, receiverType, "read", onSuccess, onError)

    def markConversationAsDelivered(self, *, conversationWithId: str, receiverType: ReceiverType,
                                    onSuccess: Callback | None = None,
                                    onError: Callback | None = None) -> Future[str]:
        return self._conversations.mark(conversationWithId, receiverType, "delivered", onSuccess, onError)

    def getConversationFromMessage(self, baseMessage: BaseMessage) -> Conversation:
        """The conversation a message is in, from the message alone (no unread count or tags)."""
        return self._conversations.from_message(baseMessage)

    # ------------------------------------------------------------------ reactions

    def addReaction(self, *, messageId: int, reaction: str, onSuccess: Callback | None = None,
                    onError: Callback | None = None) -> Future[BaseMessage]:
        """The message answers with its ``reactions``; the conversation hears ``onMessageReactionAdded``."""
        return self._reactions.react(messageId, reaction, True, onSuccess, onError)

    def removeReaction(self, *, messageId: int, reaction: str, onSuccess: Callback | None = None,
                       onError: Callback | None = None) -> Future[BaseMessage]:
        return self._reactions.react(messageId, reaction, False, onSuccess, onError)

    def updateMessageWithReactionInfo(self, *, baseMessage: BaseMessage, messageReaction: Reaction,
                                      action: ReactionAction) -> BaseMessage:
        """Fold a reaction event into a message you hold (local; the message is updated in place)."""
        return self._reactions.fold(baseMessage, messageReaction, action)  # type: ignore[no-any-return]

    # ------------------------------------------------------------------ groups

    def createGroup(self, *, group: Group, onSuccess: Callback | None = None,
                    onError: Callback | None = None) -> Future[Group]:
        """You are its owner (an admin); set the group's fields (``group.icon = ...``) first."""
        return self._groups.create(group, None, None, onSuccess, onError, with_members=False)

    def createGroupWithMembers(self, *, group: Group, members: list[GroupMember], banMembers: list[str],
                               onSuccess: Callback | None = None,
                               onError: Callback | None = None) -> Future[dict[str, Any]]:
        """``{"group": Group, "members": {uid: "success" | <why not>}}``."""
        return self._groups.create(group, members, banMembers, onSuccess, onError, with_members=True)

    def getGroup(self, *, GUID: str, onSuccess: Callback | None = None,
                 onError: Callback | None = None) -> Future[Group]:
        return self._groups.get(GUID, onSuccess, onError)

    def updateGroup(self, *, group: Group, onSuccess: Callback | None = None,
                    onError: Callback | None = None) -> Future[Group]:
        """Admins only; sends the fields that are set."""
        return self._groups.update(group, onSuccess, onError)

    def deleteGroup(self, *, GUID: str, onSuccess: Callback | None = None,
                    onError: Callback | None = None) -> Future[str]:
        return self._groups.delete(GUID, onSuccess, onError)

    def getJoinedGroups(self, *, onSuccess: Callback | None = None,
                        onError: Callback | None = None) -> Future[list[str]]:
        """The guids of every group you are a member of."""
        return self._groups.joined_guids(onSuccess, onError)

    def joinGroup(self, *, GUID: str, groupType: GroupType, password: str | None = None,
                  onSuccess: Callback | None = None, onError: Callback | None = None) -> Future[Group]:
        """Public groups, and password groups with their password; a private group only adds."""
        return self._groups.join(GUID, groupType, password, onSuccess, onError)

    def leaveGroup(self, *, GUID: str, onSuccess: Callback | None = None,
                   onError: Callback | None = None) -> Future[str]:
        """The owner hands the ownership on first (``transferGroupOwnership``)."""
        return self._groups.leave(GUID, onSuccess, onError)

    def addMembersToGroup(self, *, guid: str, groupMembers: list[GroupMember], bannedUIDs: list[str] | None = None,
                          onSuccess: Callback | None = None,
                          onError: Callback | None = None) -> Future[dict[str, str]]:
        """``{uid: "success" | <why not>}``: each member is added (or banned) on their own."""
        return self._groups.add_members(guid, groupMembers, bannedUIDs, onSuccess, onError)

    def kickGroupMember(self, *, UID: str, GUID: str, onSuccess: Callback | None = None,
                        onError: Callback | None = None) -> Future[str]:
        return self._groups.kick(UID, GUID, onSuccess, onError)

    def banGroupMember(self, *, UID: str, GUID: str, onSuccess: Callback | None = None,
                       onError: Callback | None = None) -> Future[str]:
        return self._groups.ban(UID, GUID, onSuccess, onError)

    def unbanGroupMember(self, *, UID: str, GUID: str, onSuccess: Callback | None = None,
                         onError: Callback | None = None) -> Future[str]:
        return self._groups.unban(UID, GUID, onSuccess, onError)

    def updateGroupMemberScope(self, *, UID: str, GUID: str, scope: MemberScope, onSuccess: Callback | None = None,
                               onError: Callback | None = None) -> Future[str]:
        return self._groups.change_scope(UID, GUID, scope, onSuccess, onError)

    def transferGroupOwnership(self, *, UID: str, GUID: str, onSuccess: Callback | None = None,
                               onError: Callback | None = None) -> Future[str]:
        """Only the owner; ``UID`` (a member) becomes the owner, you stay an admin."""
        return self._groups.transfer(UID, GUID, onSuccess, onError)

    # ------------------------------------------------------------------ Python extensions

    def statistics(self) -> ClientStatistics:
        """A frozen snapshot of this client (state, sockets, threads, listeners, counters)."""
        threads = (*self._worker.threads(), *self._uploads.threads(), *self._own_queue.activeThreads())
        return collect_statistics(self._session, self._realtime, self._listeners, self._notifier.counters, threads)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every callback queued so far has run; False if ``timeout`` passed first."""
        return self._pipe.flush(timeout)

    def close(self) -> None:
        """Stop every thread of this client. The saved session stays (this is not a logout)."""
        if not self._session.begin_close():
            return
        self._worker.invalidate()
        self._uploads.close(timeout=5)
        self._realtime.close()  # before the REST worker it may still be using
        self._own_queue.close(timeout=5)  # pending callbacks still run; they may ask for a save
        self._worker.close(timeout=5)
        self._session.release()


install_listener_members(CometChatClient)
