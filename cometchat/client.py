"""CometChatClient: the object behind the ``CometChat`` facade.

A client owns one app's settings, the saved session, a REST worker, the listener registries
and the pipe that carries callbacks to the dispatch queue. Every public method returns at
once: network work runs on the client's ``cometchat-rest`` thread, and every callback runs
on the dispatch queue. Callback-style methods also return a ``concurrent.futures.Future``
resolved as soon as the result is known.

Clients are independent: several users can live in one process, each in its own client.
"""

from __future__ import annotations

import logging
import ssl
import sys
import threading
import time
import uuid
from concurrent.futures import Future
from typing import Any, Callable, TypeVar

import attrs

from . import __version__, validation
from . import exceptions as errors
from .callbacks import CallbackPipe, Reply
from .connection_host import ClientConnectionHost, refreshed_session
from .dispatch import DispatchQueue, run_user_code
from .events import EventRouter
from .exceptions import CometChatException
from .listeners import ListenerRegistry
from .models import (
    ApplicationState,
    BaseMessage,
    ConnectionStatus,
    CustomMessage,
    MessageCategory,
    MessageType,
    ReceiverType,
    TextMessage,
    TransientMessage,
    TypingIndicator,
    User,
    UserStatus,
)
from .settings import AppSettings
from .storage import FileStore, MemoryStore, SavedSession, SessionStore
from .transport import protocol
from .transport.connection import Connection
from .transport.protocol import RemoteProtocolError
from .transport.rest import RestClient
from .transport.state import MachineConfig

log = logging.getLogger("cometchat")
T = TypeVar("T")

Callback = Callable[..., Any]

LOGOUT_MESSAGE = "User logged out successfully."
_THROTTLING_MODES = ("LIMITED_TRANSIENT", "NO_TRANSIENT")
_RECOVERY_PAGE = 100
_ME_ONLY = ("authToken", "jwt", "settings", "wsChannel", "fat")


def default_storage_path() -> str:
    """Where the facade's default client keeps its session: the user's data directory."""
    import platformdirs

    return platformdirs.user_data_dir("cometchat-python", appauthor=False)


def _fail(code: str, description: str, details: dict[str, Any] | None = None) -> CometChatException:
    return CometChatException(code, description, details)


def _machine_config(settings: AppSettings) -> MachineConfig:
    return MachineConfig(
        auto_connect=settings.autoEstablishSocketConnection,
        connect_timeout=settings.connectTimeout,
        ping_interval=settings.pingInterval,
        pong_timeout=settings.pongTimeout,
        backoff_initial=settings.reconnectBackoffInitial,
        backoff_maximum=settings.reconnectBackoffMaximum,
        backoff_reset_after=settings.reconnectBackoffResetAfter,
        close_timeout=settings.closeTimeout,
        background_window=settings.backgroundWindow,
    )


class CometChatClient:
    """One CometChat app and (at most) one logged-in user.

    ``CometChatClient()`` then ``client.init(appId=..., appSettings=...)``, or
    ``CometChatClient(appId=..., appSettings=...)``, which initialises at once and raises
    ``CometChatException`` on bad input. ``close()`` stops every thread of the client.
    """

    ConnectionStatus = ConnectionStatus
    ReceiverType = ReceiverType
    UserStatus = UserStatus
    MessageType = MessageType
    MessageCategory = MessageCategory
    applicationState = ApplicationState

    def __init__(self, appId: str | None = None, appSettings: AppSettings | None = None) -> None:
        self._lock = threading.RLock()
        self._persistent_by_default = False
        self._own_queue = DispatchQueue("cometchat-callbacks")
        self._pipe = CallbackPipe(self._own_queue)
        self._rest_queue = DispatchQueue("cometchat-rest")
        self._login_listeners = ListenerRegistry("Login")
        self._connection_listeners = ListenerRegistry("Connection")
        self._message_listeners = ListenerRegistry("Message")
        self._user_listeners = ListenerRegistry("User")
        self._app_id: str | None = None
        self._settings: AppSettings | None = None
        self._store: SessionStore | None = None
        self._rest: RestClient | None = None
        self._connection: Connection | None = None
        self._default_ssl: ssl.SSLContext | None = None
        self._session_id = ""
        self._device_id = ""
        self._session: SavedSession | None = None
        self._user: User | None = None
        self._login_busy = False
        self._last_delivered: int | None = None
        self._save_pending = False
        self._typing_started: set[tuple[str, str]] = set()
        self._events = EventRouter(self)
        self._epoch = 0  # bumped when the app changes or the client closes: late results are dropped
        self._closed = False
        if appId is not None or appSettings is not None:
            error = self._initialise(appId, appSettings)
            if error is not None:
                raise error

    @classmethod
    def _facade_default(cls) -> CometChatClient:
        """The client behind ``CometChat``: it saves its session to a file by default."""
        client = cls()
        client._persistent_by_default = True
        return client

    def __repr__(self) -> str:
        who = self._user.uid if self._user is not None else None
        return f"CometChatClient(appId={self._app_id!r}, user={who!r})"

    # ------------------------------------------------------------------ plumbing

    def _reply(self, onSuccess: Callback | None, onError: Callback | None) -> Reply[Any]:
        return Reply(self._pipe, onSuccess, onError)

    def _emit(self, registry: ListenerRegistry, method: str, *args: Any) -> None:
        """Call ``method(*args)`` on every listener of ``registry``, on the dispatch queue."""
        self._pipe.post(self._deliver, registry, method, args)

    @staticmethod
    def _deliver(registry: ListenerRegistry, method: str, args: tuple[Any, ...]) -> None:
        for listener in registry.snapshot():
            fn = getattr(listener, method, None)
            if callable(fn):
                run_user_code(fn, *args)

    def _setup_error(self, *, needs_user: bool) -> CometChatException | None:
        """Why nothing can be done yet: a closed client, no init, or (if needed) no user."""
        if self._closed:
            return errors.client_closed()
        if self._app_id is None:
            return errors.not_initialised()
        if needs_user and self._session is None:
            return errors.not_logged_in()
        return None

    def _precheck(self, reply: Reply[Any], *, needs_user: bool = False) -> bool:
        """Answer ``reply`` with the error that forbids the call, if any; True when allowed."""
        error = self._setup_error(needs_user=needs_user)
        if error is not None:
            reply.fail(error)
        return error is None

    def _on_rest_thread(self, reply: Reply[Any], work: Callable[[], None]) -> None:
        """Run ``work`` on the REST worker; a closed client answers at once instead."""
        epoch = self._epoch

        def task() -> None:
            if self._closed or epoch != self._epoch:
                reply.fail(_fail(errors.ERROR_CLIENT_CLOSED, "This client has been closed or re-initialised."))
                return
            try:
                work()
            except CometChatException as exc:
                reply.fail(exc)
            except Exception as exc:  # a bug of ours: the caller still gets an answer
                log.exception("internal error in a REST task")
                reply.fail(_fail(errors.ERROR_INTERNAL, "Internal SDK error.", {"cause": type(exc).__name__}))

        self._rest_queue.async_(task)

    def _call_rest(self, method: str, path: str, **kwargs: Any) -> Any:
        """A REST call as the logged-in user; a token the server forgot logs the user out."""
        session = self._session
        rest = self._rest
        if session is None or rest is None:
            raise errors.not_logged_in()
        try:
            return rest.call(method, path, auth_token=session.auth_token, **kwargs)
        except CometChatException as exc:
            if exc.errorCode == errors.AUTH_ERR_AUTH_TOKEN_NOT_FOUND:
                self._token_revoked(session)
            raise

    def _token_revoked(self, session: SavedSession) -> None:
        with self._lock:
            if self._session is not session:
                return
            log.warning("the server no longer knows this auth token: logging out locally")
            self._sign_out_locally()
        self._emit(self._login_listeners, "onLogoutSuccess")

    # ------------------------------------------------------------------ init

    @property
    def isInitialised(self) -> bool:
        return self._app_id is not None and not self._closed

    def init(
        self,
        *,
        appId: str,
        appSettings: AppSettings,
        onSuccess: Callback | None = None,
        onError: Callback | None = None,
    ) -> Future[bool]:
        """Set the app up; restores a saved session of the same app (no network)."""
        reply = self._reply(onSuccess, onError)
        error = self._initialise(appId, appSettings)
        if error is not None:
            reply.fail(error)
        else:
            reply.succeed(True, True)
        return reply.future

    def _initialise(self, app_id: Any, settings: Any) -> CometChatException | None:
        if self._closed:
            return errors.client_closed()
        error = validation.init_error(app_id, settings)
        if error is not None:
            return error
        previous = self._connection
        self._connection = None
        if previous is not None:
            previous.close()  # a new init brings new connection settings
        with self._lock:
            if self._app_id is not None and self._app_id != app_id:
                log.info("init with another app: the previous app's session is cleared locally")
                self._sign_out_locally()
                self._epoch += 1
            try:
                self._open_store(settings)
            except CometChatException as exc:
                return exc
            assert self._store is not None
            self._pipe.queue = settings.dispatchQueue or self._own_queue
            if self._app_id != app_id or self._rest is None:
                self._session_id = f"PY-{__version__}-{uuid.uuid4()}-{int(time.time() * 1000)}"
            if self._rest is not None:
                self._rest.close()
            self._rest = RestClient(
                app_id=app_id,
                region=settings.region,
                session_id=self._session_id,
                client_override=settings.clientHost,
                admin_override=settings.adminHost,
                ssl_context=settings.sslContext,
                connect_timeout=settings.connectTimeout,
            )
            self._device_id = self._store.device_id(app_id)
            self._app_id, self._settings = app_id, settings
            saved = self._store.load(app_id)
            if saved is not None and (self._session is None or self._session.app_id != app_id):
                self._adopt(saved)
            elif self._session is not None:
                self._rest.rebase(self._session.settings)
            self._connection = Connection(_machine_config(settings), ClientConnectionHost(self))
            session = self._session
        if session is not None:
            self._signed_in(session)
        return None

    def _open_store(self, settings: AppSettings) -> None:
        """Swap to the storage the settings ask for (a file store is private to one client)."""
        if self._store is not None:
            self._store.close()
            self._store = None
        path = settings.storagePath
        if path is None and not settings.inMemoryStorage and self._persistent_by_default:
            path = default_storage_path()
        self._store = FileStore(path) if path is not None else MemoryStore()

    def _adopt(self, session: SavedSession) -> None:
        """Make ``session`` the logged-in user (the lock is held)."""
        self._session = session
        self._user = User.fromWire(session.user)
        self._last_delivered = session.last_delivered_message_id
        if self._rest is not None:
            self._rest.rebase(session.settings)

    def _sign_out_locally(self) -> None:
        """Forget the user here: memory, saved session, socket (the lock is held)."""
        self._session = None
        self._user = None
        self._last_delivered = None
        self._typing_started.clear()
        if self._store is not None:
            self._store.clear()
        if self._connection is not None:
            self._connection.sign_out()

    # ------------------------------------------------------------------ login and logout

    def login(
        self,
        *,
        UID: str | None = None,
        authKey: str | None = None,
        apiKey: str | None = None,
        authToken: str | None = None,
        onSuccess: Callback | None = None,
        onError: Callback | None = None,
    ) -> Future[User]:
        """``login(UID=, authKey=)``, ``login(UID=, apiKey=)`` or ``login(authToken=)``."""
        reply = self._reply(onSuccess, onError)
        if not self._precheck(reply):
            return reply.future
        error = validation.login_error(UID, authKey if authKey is not None else apiKey, authToken)
        if error is not None:
            reply.fail(error)
            return reply.future
        key = authKey if authKey is not None else apiKey
        with self._lock:
            if self._login_busy:
                reply.fail(_fail(errors.LOGIN_IN_PROGRESS, "Please wait until the previous login request ends."))
                return reply.future
            current = self._session
            if current is not None and (
                (UID is not None and current.user.get("uid") == UID)
                or (UID is None and current.auth_token == authToken)
            ):
                user = self._user
                reply.succeed(user, user)
                self._emit(self._login_listeners, "onLoginSuccess", user)
                return reply.future
            if current is not None:
                log.info("login as another user: the current session is logged out first")
                self._sign_out_locally()
                self._forget_on_server(current)
            self._login_busy = True
        epoch = self._epoch
        self._on_rest_thread(reply, lambda: self._run_login(reply, UID, key, authToken, epoch))
        reply.future.add_done_callback(lambda _: self._login_done())
        return reply.future

    def _login_done(self) -> None:
        with self._lock:
            self._login_busy = False

    def _device_body(self) -> dict[str, Any]:
        python = ".".join(map(str, sys.version_info[:3]))
        return {
            "platform": "python",
            "deviceId": self._device_id,
            "appInfo": {"version": __version__, "apiVersion": "v3.0", "userAgent": f"cometchat-python/{__version__} "
                        f"Python/{python}"},
        }

    def _run_login(
        self, reply: Reply[User], uid: str | None, key: str | None, token: str | None, epoch: int
    ) -> None:
        rest = self._rest
        assert rest is not None
        try:
            if token is None:
                minted = rest.call("POST", f"users/{uid}/auth_tokens", admin=True, api_key=key, body=self._device_body())
                token = minted.data["authToken"]
            me = rest.call("PUT", "me", auth_token=token, body=self._device_body()).data
            session = SavedSession(
                app_id=self._app_id or "",
                user={k: v for k, v in me.items() if k not in _ME_ONLY},
                auth_token=token,  # type: ignore[arg-type]
                jwt=me["jwt"],
                settings=me.get("settings") or {},
            )
            user = User.fromWire(session.user)
        except CometChatException as exc:
            self._login_failed(reply, exc)
            return
        except (KeyError, TypeError, RemoteProtocolError) as exc:
            self._login_failed(
                reply, _fail(errors.ERROR_JSON_EXCEPTION, "The login answer is malformed.", {"missing": str(exc)})
            )
            return
        with self._lock:
            if self._closed or epoch != self._epoch:
                reply.fail(_fail(errors.ERROR_CLIENT_CLOSED, "This client has been closed or re-initialised."))
                return
            self._adopt(session)
            self._persist()
        log.info("logged in as %s", user.uid)

        def announce() -> None:
            self._emit(self._login_listeners, "onLoginSuccess", user)
            self._signed_in(session)  # a connect() made once the Future resolves comes after

        reply.succeed(user, user, before_resolving=announce)

    def _login_failed(self, reply: Reply[User], error: CometChatException) -> None:
        reply.fail(error)
        self._emit(self._login_listeners, "onLoginFailed", error)

    def _signed_in(self, session: SavedSession) -> None:
        """A user is in: the connection learns the app's MODE, and connects in auto mode."""
        connection = self._connection
        if connection is not None:
            connection.mode_changed(str(session.settings.get("MODE", "DEFAULT")))
            connection.sign_in()

    def _refresh_me(self) -> None:
        """``GET me`` (on the REST worker): a fresh JWT and the app's current settings."""
        session = self._session
        me = self._call_rest("GET", "me").data
        if not isinstance(me, dict) or not isinstance(me.get("jwt"), str):
            raise _fail(errors.ERROR_JSON_EXCEPTION, "The answer to GET me has no JWT.")
        with self._lock:
            if session is None or self._session is not session:
                return  # logged out (or in again) meanwhile
            fresh = refreshed_session(session, me)
            self._session = fresh
            self._persist()
            if self._rest is not None:
                self._rest.rebase(fresh.settings)
        mode = fresh.settings.get("MODE", "DEFAULT")
        if mode != session.settings.get("MODE", "DEFAULT") and self._connection is not None:
            self._connection.mode_changed(str(mode))

    def _persist(self) -> None:
        """Save the session with the last delivered message id (the lock is held)."""
        if self._session is not None and self._store is not None:
            self._store.save(attrs.evolve(self._session, last_delivered_message_id=self._last_delivered))

    def _save_soon(self) -> None:
        """Save on the REST worker; saves asked for meanwhile are one write."""
        with self._lock:
            self._save_pending = False
            self._persist()

    def _socket_ssl_context(self) -> ssl.SSLContext:
        """The app's SSLContext, or a verifying default one (made once)."""
        settings = self._settings
        if settings is not None and settings.sslContext is not None:
            return settings.sslContext
        if self._default_ssl is None:
            self._default_ssl = ssl.create_default_context()
        return self._default_ssl

    def _forget_on_server(self, session: SavedSession) -> None:
        """Best effort ``DELETE me`` for a session replaced by another login."""
        rest = self._rest

        def forget() -> None:
            try:
                if rest is not None:
                    rest.call("DELETE", "me", auth_token=session.auth_token)
            except CometChatException as exc:
                log.info("could not log the previous session out on the server: %s", exc.errorCode)

        self._rest_queue.async_(forget)

    def logout(self, *, onSuccess: Callback | None = None, onError: Callback | None = None) -> Future[str]:
        """Log out here at once, then tell the server; onError only if the server could not be told."""
        reply = self._reply(onSuccess, onError)
        if not self._precheck(reply):
            return reply.future
        with self._lock:
            session = self._session
            if session is None:
                reply.fail(errors.not_logged_in())
                return reply.future
            self._sign_out_locally()
        rest = self._rest
        assert rest is not None

        def tell_server() -> None:
            try:
                rest.call("DELETE", "me", auth_token=session.auth_token)
            except CometChatException as exc:
                if exc.errorCode != errors.AUTH_ERR_AUTH_TOKEN_NOT_FOUND:
                    reply.fail(exc)
                    self._emit(self._login_listeners, "onLogoutFailed", exc)
                    return
            log.info("logged out")
            reply.succeed(LOGOUT_MESSAGE, LOGOUT_MESSAGE)
            self._emit(self._login_listeners, "onLogoutSuccess")

        self._on_rest_thread(reply, tell_server)
        return reply.future

    def getLoggedInUser(self) -> User | None:
        """The logged-in user, from memory (never the network); None when logged out."""
        return self._user

    def getUserAuthToken(self) -> str | None:
        session = self._session
        return None if session is None else session.auth_token

    # ------------------------------------------------------------------ connection

    def connect(self, *, onSuccess: Callback | None = None, onError: Callback | None = None) -> Future[None]:
        """Open the WebSocket (manual mode); see the connection table in the README."""
        reply = self._reply(onSuccess, onError)
        if self._precheck(reply):
            assert self._connection is not None
            self._connection.connect(reply)
        return reply.future

    def disconnect(self, *, onSuccess: Callback | None = None, onError: Callback | None = None) -> Future[None]:
        """Close the WebSocket; nothing reconnects until ``connect()`` (or a new login)."""
        reply = self._reply(onSuccess, onError)
        if self._precheck(reply):
            assert self._connection is not None
            self._connection.disconnect(reply)
        return reply.future

    def ping(self, *, onSuccess: Callback | None = None, onError: Callback | None = None) -> Future[None]:
        """A keep-alive: onSuccess when the server answers within pongTimeout; extends a
        background window."""
        reply = self._reply(onSuccess, onError)
        if self._precheck(reply):
            assert self._connection is not None
            self._connection.ping(reply)
        return reply.future

    @property
    def getConnectionStatus(self) -> ConnectionStatus:
        """The current status (never None): ``disconnected`` before any attempt and once
        logged out (at once, before the socket has finished closing)."""
        connection = self._connection
        if connection is None or self._session is None:
            return ConnectionStatus.disconnected
        return connection.status

    def configureServices(self, forState: ApplicationState) -> None:
        """Tell the SDK the app went to the background or came back (opens / ends the window)."""
        state = ApplicationState(forState)
        if self._connection is not None:
            self._connection.app_state(state.value)

    def backgroundTaskEnabled(self) -> bool:
        """True while a background window keeps the socket alive."""
        connection = self._connection
        return connection is not None and connection.background_active

    def addConnectionListener(self, listenerId: str, listener: Any) -> None:
        self._connection_listeners.add(listenerId, listener)

    def removeConnectionListener(self, listenerId: str) -> None:
        self._connection_listeners.remove(listenerId)

    @property
    def connectiondelegate(self) -> Any:
        return self._connection_listeners.delegate

    @connectiondelegate.setter
    def connectiondelegate(self, delegate: Any) -> None:
        self._connection_listeners.delegate = delegate

    # ------------------------------------------------------------------ messages

    def sendTextMessage(
        self, *, message: TextMessage, onSuccess: Callback | None = None, onError: Callback | None = None
    ) -> Future[TextMessage]:
        """Send over REST (with or without a socket); onSuccess gets the stored message."""
        return self._send_message(message, TextMessage, onSuccess, onError)

    def sendCustomMessage(
        self, *, message: CustomMessage, onSuccess: Callback | None = None, onError: Callback | None = None
    ) -> Future[CustomMessage]:
        return self._send_message(message, CustomMessage, onSuccess, onError)

    def _send_message(
        self, message: Any, kind: type[BaseMessage], onSuccess: Callback | None, onError: Callback | None
    ) -> Future[Any]:
        reply = self._reply(onSuccess, onError)
        error = validation.message_error(message, kind)
        if error is not None:
            reply.fail(error)
            return reply.future
        if not self._precheck(reply, needs_user=True):
            return reply.future
        body = protocol.build_message_request(
            protocol.MessageRequest(
                receiver=message.receiverUid,
                receiver_type=message.receiverType.value,
                category="custom" if kind is CustomMessage else "message",
                type=message.type if kind is CustomMessage else "text",
                text=getattr(message, "text", None),
                custom_data=getattr(message, "customData", None),
                sub_type=getattr(message, "subType", None),
                metadata=message.metaData,
                tags=tuple(message.tags or ()),
                muid=message.muid or str(uuid.uuid4()),
            )
        )

        def send() -> None:
            data = self._call_rest("POST", "messages", body=body).data
            try:
                sent = BaseMessage.fromWire(data)
            except RemoteProtocolError as exc:
                raise _fail(errors.ERROR_JSON_EXCEPTION, f"The stored message is malformed: {exc.message}") from None
            self._events.mark_seen(sent.id)
            reply.succeed(sent, sent)

        self._on_rest_thread(reply, send)
        return reply.future

    def sendTransientMessage(self, *, message: TransientMessage) -> None:
        """Relay a message that is never stored (fire and forget; errors are logged)."""
        error = self._socket_error(blocked_by=("NO_TRANSIENT",))
        if error is None and not isinstance(message, TransientMessage):
            error = _fail(errors.ERROR_INVALID_MESSAGE, "message must be a TransientMessage.")
        error = error or validation.receiver_error(message.receiverID, message.receiverType)
        if error is None:
            frame = protocol.TransientFrame(
                app_id=self._app_id, receiver=message.receiverID, receiver_type=message.receiverType.value,
                device_id=self._session_id, sender=self._user.uid if self._user else None,
                user=self._me_on_the_wire(), data=message.data,
            )
            error = self._send_frame(frame)
        if error is not None:
            log.warning("sendTransientMessage failed: %s", error)

    def startTyping(self, *, indicator: TypingIndicator) -> None:
        """Tell the receiver you are typing: sent once until ``endTyping`` (fire and forget)."""
        self._typing(indicator, "started")

    def endTyping(self, *, indicator: TypingIndicator) -> None:
        self._typing(indicator, "ended")

    def _typing(self, indicator: TypingIndicator, action: str) -> None:
        error = self._socket_error(blocked_by=_THROTTLING_MODES)
        if error is None and not isinstance(indicator, TypingIndicator):
            error = _fail(errors.ERROR_INVALID_MESSAGE, "indicator must be a TypingIndicator.")
        error = error or validation.receiver_error(indicator.receiverID, indicator.receiverType)
        if error is not None:
            level = logging.DEBUG if error.errorCode == errors.RECEIPTS_TEMPORARILY_BLOCKED else logging.WARNING
            log.log(level, "typing indicator not sent: %s", error)  # under MODE throttling, a no-op
            return
        key = (indicator.receiverType.value, indicator.receiverID)
        with self._lock:
            if (key in self._typing_started) == (action == "started"):
                return  # started once until ended, ended once until started
        frame = protocol.TypingFrame(
            app_id=self._app_id, receiver=indicator.receiverID, receiver_type=indicator.receiverType.value,
            device_id=self._session_id, sender=self._user.uid if self._user else None,
            action=action, user=self._me_on_the_wire(), metadata=indicator.metadata,
        )
        error = self._send_frame(frame)
        if error is not None:
            log.warning("typing indicator not sent: %s", error)
            return
        with self._lock:
            if action == "started":
                self._typing_started.add(key)
            else:
                self._typing_started.discard(key)

    def markAsDelivered(
        self,
        *,
        baseMessage: BaseMessage | None = None,
        messageId: int | None = None,
        receiverId: str | None = None,
        receiverType: ReceiverType | str | None = None,
        messageSender: str | None = None,
        onSuccess: Callback | None = None,
        onError: Callback | None = None,
    ) -> Future[None] | None:
        """A delivered receipt, for ``baseMessage`` or by ``messageId``/``receiverId``/
        ``receiverType``/``messageSender``. With callbacks it returns a Future; without, it is
        fire and forget (errors are logged)."""
        return self._receipt("delivered", baseMessage, messageId, receiverId, receiverType, messageSender,
                             onSuccess, onError)

    def markAsRead(
        self,
        *,
        baseMessage: BaseMessage | None = None,
        messageId: int | None = None,
        receiverId: str | None = None,
        receiverType: ReceiverType | str | None = None,
        messageSender: str | None = None,
        onSuccess: Callback | None = None,
        onError: Callback | None = None,
    ) -> Future[None] | None:
        """A read receipt; the same forms as ``markAsDelivered``."""
        return self._receipt("read", baseMessage, messageId, receiverId, receiverType, messageSender,
                             onSuccess, onError)

    def _receipt(
        self, action: str, message: BaseMessage | None, message_id: Any, receiver_id: Any, receiver_type: Any,
        author: Any, onSuccess: Callback | None, onError: Callback | None,
    ) -> Future[None] | None:
        if message is not None:
            me = self._user.uid if self._user else None
            author = message.senderUid
            message_id, receiver_type = message.id, message.receiverType
            from_them = message.receiverType == ReceiverType.user and author != me
            receiver_id = author if from_them else message.receiverUid  # the other party (or the group)
        error = self._socket_error(blocked_by=_THROTTLING_MODES)
        if error is None:
            error = validation.receipt_error(message_id, receiver_id, receiver_type, author)
        if error is None:
            frame = protocol.ReceiptFrame(
                app_id=self._app_id, receiver=receiver_id, receiver_type=ReceiverType(receiver_type).value,
                device_id=self._session_id, sender=self._user.uid if self._user else None,
                message_sender=author, action=action, message_id=str(message_id), user=self._me_on_the_wire(),
            )
            error = self._send_frame(frame)
        if onSuccess is None and onError is None:
            if error is not None:
                log.warning("markAs%s failed: %s", action.capitalize(), error)
            return None
        reply: Reply[None] = self._reply(onSuccess, onError)
        if error is None:
            reply.succeed(None)
        else:
            reply.fail(error)
        return reply.future

    def getLastDeliveredMessageId(self) -> int:
        """The id of the last message delivered to the listeners (0 if none yet)."""
        return self._last_delivered or 0

    def _me_on_the_wire(self) -> dict[str, Any]:
        user = self._user
        return attrs.evolve(user, status=UserStatus.online).toWire() if user is not None else {}

    def _socket_error(self, *, blocked_by: tuple[str, ...]) -> CometChatException | None:
        """Why a frame cannot be sent now: not set up, not connected, or throttled by MODE."""
        error = self._setup_error(needs_user=True)
        if error is not None:
            return error
        session = self._session
        assert session is not None
        if self._connection is None or not self._connection.is_established():
            return errors.no_websocket()
        if session.settings.get("MODE") in blocked_by:
            return _fail(errors.RECEIPTS_TEMPORARILY_BLOCKED, "Due to high load. Receipts have been blocked for your app.")
        return None

    def _send_frame(self, frame: protocol.Frame) -> CometChatException | None:
        connection = self._connection
        if connection is not None and connection.send(protocol.encode(frame)):
            return None
        return errors.no_websocket()

    # ------------------------------------------------------------------ inbound messages

    def _deliver_message(self, method: str, message: BaseMessage, delivered_id: int) -> None:
        """On the dispatch queue: the listeners, then the last delivered id moves on."""
        self._deliver(self._message_listeners, method, (message,))
        self._note_delivered(delivered_id)

    def _note_delivered(self, message_id: int) -> None:
        with self._lock:
            if self._session is None or (self._last_delivered or 0) >= message_id:
                return
            self._last_delivered = message_id
            if self._save_pending:
                return
            self._save_pending = True
        try:
            self._rest_queue.async_(self._save_soon)
        except RuntimeError:
            pass  # closed meanwhile

    def _recover_missed(self, ticket: int) -> None:
        """On the REST worker: page through what arrived while the link was down."""
        try:
            cursor = self._last_delivered
            if cursor is None:
                latest = self._call_rest("GET", "messages", params={"affix": "prepend", "per_page": 1}).data
                self._note_delivered(int(latest[-1]["id"]) if latest else 0)
                return
            while True:
                params = {"id": cursor, "affix": "append", "per_page": _RECOVERY_PAGE}
                page = self._call_rest("GET", "messages", params=params).data
                if not isinstance(page, list):
                    raise _fail(errors.ERROR_JSON_EXCEPTION, "The message history is not a list.")
                self._events.recovered(page)
                if len(page) < _RECOVERY_PAGE:
                    return
                cursor = int(page[-1]["id"])
        except (CometChatException, KeyError, TypeError, ValueError) as exc:
            log.warning("could not recover the messages missed while disconnected: %s", exc)
        finally:
            self._events.release(ticket)

    # ------------------------------------------------------------------ listeners

    def addLoginListener(self, listenerId: str, listener: Any) -> None:
        self._login_listeners.add(listenerId, listener)

    def removeLoginListener(self, listenerId: str) -> None:
        self._login_listeners.remove(listenerId)

    @property
    def logindelegate(self) -> Any:
        return self._login_listeners.delegate

    @logindelegate.setter
    def logindelegate(self, delegate: Any) -> None:
        self._login_listeners.delegate = delegate

    def addMessageListener(self, listenerId: str, listener: Any) -> None:
        self._message_listeners.add(listenerId, listener)

    def removeMessageListener(self, listenerId: str) -> None:
        self._message_listeners.remove(listenerId)

    @property
    def messagedelegate(self) -> Any:
        return self._message_listeners.delegate

    @messagedelegate.setter
    def messagedelegate(self, delegate: Any) -> None:
        self._message_listeners.delegate = delegate

    def addUserListener(self, listenerId: str, listener: Any) -> None:
        self._user_listeners.add(listenerId, listener)

    def removeUserListener(self, listenerId: str) -> None:
        self._user_listeners.remove(listenerId)

    @property
    def userdelegate(self) -> Any:
        return self._user_listeners.delegate

    @userdelegate.setter
    def userdelegate(self, delegate: Any) -> None:
        self._user_listeners.delegate = delegate

    # ------------------------------------------------------------------ lifecycle

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every callback queued so far has run; False if ``timeout`` passed first."""
        return self._pipe.flush(timeout)

    def close(self) -> None:
        """Stop every thread of this client. The saved session stays (this is not a logout)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._epoch += 1
        self._shutdown()
        self._own_queue.close(timeout=5)  # pending callbacks still run; they may ask for a save
        self._rest_queue.close(timeout=5)
        if self._rest is not None:
            self._rest.close()
        if self._store is not None:
            self._store.close()

    def _shutdown(self) -> None:
        """The connection stops before the REST worker it may still be using."""
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()
