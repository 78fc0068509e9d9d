"""The session: who the client is and who is logged in.

``Session`` owns what ``init`` sets up (the app, its settings, the storage, the REST client,
the session and device ids) and what login leaves behind (the saved session and the user).
It logs in and out, refreshes the JWT and settings with ``GET me``, and notices a token the
server forgot. Parts that depend on who is logged in (the realtime part) register as
observers and hear ``signed_in`` / ``signed_out`` / ``settings_changed`` before the app
hears anything, so a ``connect()`` made from a login callback always finds the user.

Everything that touches the network runs on the REST worker; the lock guards only this
object's fields and is never held while observers or app code run.
"""

from __future__ import annotations

import copy
import enum
import logging
import sys
import threading
import time
import uuid
from typing import Any, Callable, Protocol

import attrs

from . import exceptions as errors
from .__version__ import __version__
from .callbacks import Notifier, Reply
from .exceptions import CometChatException
from .models import User
from .settings import AppSettings
from .storage import FileStore, MemoryStore, SavedSession, SessionStore
from .transport import endpoints
from .transport.protocol import Success
from .transport.rest import RestClient
from .worker import RestWorker

log = logging.getLogger("cometchat")

__all__ = ["Session", "SessionObserver", "Lifecycle", "LOGOUT_MESSAGE", "default_storage_path"]

LOGOUT_MESSAGE = "User logged out successfully."


def default_storage_path() -> str:
    """Where the facade's default client keeps its session: the user's data directory."""
    import platformdirs

    return platformdirs.user_data_dir("cometchat-python", appauthor=False)


class Lifecycle(enum.Enum):
    """Where a client is in its life."""

    #: made, not initialised: only listeners may be added
    NEW = "new"
    #: ``init`` succeeded (a user may or may not be logged in)
    READY = "ready"
    #: ``close()`` was called: every call answers ERROR_CLIENT_CLOSED
    CLOSED = "closed"


class SessionObserver(Protocol):
    """What a part that depends on the logged-in user hears, before the app does."""

    def signed_in(self, saved: SavedSession) -> None: ...
    def signed_out(self) -> None: ...
    def settings_changed(self, settings: dict[str, Any]) -> None: ...


class Session:
    """One client's app and logged-in user; see the module docstring."""

    def __init__(self, notifier: Notifier, worker: RestWorker) -> None:
        self._notifier = notifier
        self._worker = worker
        self._lock = threading.RLock()
        self._observers: list[SessionObserver] = []
        self.lifecycle = Lifecycle.NEW
        self._app_id: str | None = None
        self._settings: AppSettings | None = None
        self._store: SessionStore | None = None
        self._rest: RestClient | None = None
        self._session_id = ""
        self._device_id = ""
        self._saved: SavedSession | None = None
        self._user: User | None = None
        self._login_busy = False

    def add_observer(self, observer: SessionObserver) -> None:
        self._observers.append(observer)

    # ------------------------------------------------------------------ what others read

    @property
    def app_id(self) -> str | None:
        return self._app_id

    @property
    def settings(self) -> AppSettings | None:
        return self._settings

    @property
    def session_id(self) -> str:
        """This client's id for the server: the REST ``resource`` and the socket's deviceId."""
        return self._session_id

    @property
    def device_id(self) -> str:
        """The persistent device id (it survives logout)."""
        return self._device_id

    @property
    def client_base(self) -> str | None:
        return self._rest.client_base if self._rest is not None else None

    @property
    def rest(self) -> RestClient | None:
        """The REST client (for the admin calls made with a key, not as the user)."""
        return self._rest

    @property
    def current(self) -> SavedSession | None:
        """The logged-in session (credentials included), or None."""
        return self._saved

    @property
    def user(self) -> User | None:
        return self._user

    def refusal(self, *, needs_user: bool) -> CometChatException | None:
        """Why nothing can be done yet: a closed client, no init, or (if needed) no user."""
        if self.lifecycle is Lifecycle.CLOSED:
            return errors.client_closed()
        if self.lifecycle is Lifecycle.NEW:
            return errors.not_initialised()
        if needs_user and self._saved is None:
            return errors.not_logged_in()
        return None

    # ------------------------------------------------------------------ init

    def configure(self, app_id: str, settings: AppSettings, persistent_by_default: bool) -> None:
        """Set the app up (``init``); a session saved for this app is adopted, not yet announced.

        Raises:
            CometChatException: ``ERROR_STORAGE_IN_USE``, when another client uses the path.
        """
        with self._lock:
            other_app = self._app_id is not None and self._app_id != app_id
            if other_app:
                log.info("init with another app: the previous app's session is cleared locally")
                other_app = self._forget_user()
                self._worker.invalidate()
            self._open_store(settings, persistent_by_default)
            if self._app_id != app_id or self._rest is None:
                self._session_id = f"PY-{__version__}-{uuid.uuid4()}-{int(time.time() * 1000)}"
            self._open_rest(app_id, settings)
            assert self._store is not None
            self._device_id = self._store.device_id(app_id)
            self._app_id, self._settings = app_id, settings
            self.lifecycle = Lifecycle.READY
            self._adopt_saved(app_id)
        if other_app:
            self._announce_sign_out()

    def _open_store(self, settings: AppSettings, persistent_by_default: bool) -> None:
        """Swap to the storage the settings ask for (a file store is private to one client)."""
        if self._store is not None:
            self._store.close()
            self._store = None
        path = settings.storagePath
        if path is None and not settings.inMemoryStorage and persistent_by_default:
            path = default_storage_path()
        self._store = FileStore(path) if path is not None else MemoryStore()

    def _open_rest(self, app_id: str, settings: AppSettings) -> None:
        if self._rest is not None:
            self._rest.close()
        self._rest = RestClient(
            app_id=app_id,
            region=settings.region or "",
            session_id=self._session_id,
            client_override=settings.clientHost,
            admin_override=settings.adminHost,
            ssl_context=settings.sslContext,
            connect_timeout=settings.connectTimeout,
        )

    def _adopt_saved(self, app_id: str) -> None:
        """Take the saved session of this app, unless one of this app is already in memory."""
        assert self._store is not None and self._rest is not None
        saved = self._store.load(app_id)
        if saved is not None and (self._saved is None or self._saved.app_id != app_id):
            self._adopt(saved)
        elif self._saved is not None:
            self._rest.rebase(self._saved.settings)

    def restore(self) -> None:
        """Tell the observers about the user ``configure`` found (init with a saved session)."""
        saved = self._saved
        if saved is not None:
            self._announce_sign_in(saved)

    def _adopt(self, saved: SavedSession) -> None:
        """Make ``saved`` the logged-in user (the lock is held)."""
        self._saved = saved
        self._user = User.fromWire(copy.deepcopy(saved.user))  # shares nothing with the app's objects
        if self._rest is not None:
            self._rest.rebase(saved.settings)

    def _forget_user(self) -> bool:
        """Forget the user here, memory and saved session (the lock is held); True if there was one."""
        had_user = self._saved is not None
        self._saved = None
        self._user = None
        if self._store is not None:
            self._store.clear()
        return had_user

    def _persist(self) -> None:
        """Save the session as it is now (the lock is held)."""
        if self._saved is not None and self._store is not None:
            self._store.save(self._saved)

    def _announce_sign_in(self, saved: SavedSession) -> None:
        for observer in self._observers:
            observer.signed_in(saved)

    def _announce_sign_out(self) -> None:
        for observer in self._observers:
            observer.signed_out()

    # ------------------------------------------------------------------ login

    def login(self, reply: Reply[User], uid: str | None, key: str | None, token: str | None) -> None:
        """Log in by key or token on the REST worker; a login of the same user succeeds at once."""
        with self._lock:
            if self._login_busy:
                reply.fail(CometChatException(errors.LOGIN_IN_PROGRESS,
                                              "Please wait until the previous login request ends."))
                return
            current = self._saved
            if current is not None and self._same_user(current, uid, token):
                self._already_in(reply)
                return
            if current is not None:
                log.info("login as another user: the current session is logged out first")
                self._forget_user()
            self._login_busy = True
        if current is not None:
            self._announce_sign_out()
            self._forget_on_server(current)
        reply.future.add_done_callback(lambda _: self._login_done())
        self._worker.run(reply, lambda: self._run_login(reply, uid, key, token))

    @staticmethod
    def _same_user(current: SavedSession, uid: str | None, token: str | None) -> bool:
        if uid is not None:
            return current.user.get("uid") == uid
        return current.auth_token == token

    def _already_in(self, reply: Reply[User]) -> None:
        user = self._user
        assert user is not None
        reply.succeed(user, user)
        self._notifier.emit("Login", "onLoginSuccess", user)

    def _login_done(self) -> None:
        with self._lock:
            self._login_busy = False

    def _device_body(self) -> dict[str, Any]:
        python = ".".join(map(str, sys.version_info[:3]))
        return {
            "platform": "python",
            "deviceId": self._device_id,
            "appInfo": {"version": __version__, "apiVersion": "v3.0",
                        "userAgent": f"cometchat-python/{__version__} Python/{python}"},
        }

    def _run_login(self, reply: Reply[User], uid: str | None, key: str | None, token: str | None) -> None:
        rest, app_id = self._rest, self._app_id
        assert rest is not None and app_id is not None
        try:
            if token is None:
                token = endpoints.mint_auth_token(rest, uid or "", key or "", self._device_body())
            me = endpoints.register_device(rest, token, self._device_body())
        except CometChatException as exc:
            self._login_failed(reply, exc)
        else:
            saved = SavedSession(app_id=app_id, user=me.user, auth_token=token, jwt=me.jwt, settings=me.settings or {})
            self._logged_in(reply, saved, me.profile)

    def _logged_in(self, reply: Reply[User], saved: SavedSession, user: User) -> None:
        """The observers first (a connect() from onSuccess must find the user), then the app."""
        with self._lock:
            if self.lifecycle is Lifecycle.CLOSED or self._app_id != saved.app_id:
                self._login_busy = False
                reply.fail(CometChatException(errors.ERROR_CLIENT_CLOSED,
                                              "This client has been closed or re-initialised."))
                return
            self._adopt(saved)
            self._persist()
            self._login_busy = False
        log.info("logged in as %s", user.uid)
        self._announce_sign_in(saved)
        reply.succeed(user, user)
        self._notifier.emit("Login", "onLoginSuccess", user)

    def _login_failed(self, reply: Reply[User], error: CometChatException) -> None:
        self._login_done()
        reply.fail(error)
        self._notifier.emit("Login", "onLoginFailed", error)

    # ------------------------------------------------------------------ logout

    def logout(self, reply: Reply[str]) -> None:
        """Log out here at once, then tell the server; onError only if the server could not be told."""
        with self._lock:
            saved = self._saved
            if saved is None:
                reply.fail(errors.not_logged_in())
                return
            self._forget_user()
        self._announce_sign_out()
        self._worker.run(reply, lambda: self._tell_server(reply, saved))

    def _tell_server(self, reply: Reply[str], saved: SavedSession) -> None:
        rest = self._rest
        assert rest is not None
        try:
            endpoints.log_out(rest, saved.auth_token)
        except CometChatException as exc:
            if exc.errorCode != errors.AUTH_ERR_AUTH_TOKEN_NOT_FOUND:
                reply.fail(exc)
                self._notifier.emit("Login", "onLogoutFailed", exc)
                return
        log.info("logged out")
        reply.succeed(LOGOUT_MESSAGE, LOGOUT_MESSAGE)
        self._notifier.emit("Login", "onLogoutSuccess")

    def _forget_on_server(self, saved: SavedSession) -> None:
        """Best effort ``DELETE me`` for a session replaced by another login."""
        rest = self._rest

        def forget() -> None:
            try:
                if rest is not None:
                    endpoints.log_out(rest, saved.auth_token)
            except CometChatException as exc:
                log.info("could not log the previous session out on the server: %s", exc.errorCode)

        self._worker.submit(forget)

    # ------------------------------------------------------------------ REST as the user

    def call(
        self, method: str, path: str, *, body: dict[str, Any] | None = None, params: dict[str, Any] | None = None
    ) -> Success:
        """A REST call as the logged-in user (``endpoints.UserApi``)."""
        return self._as_user(lambda rest, token: rest.call(method, path, auth_token=token, body=body, params=params))

    def upload(self, path: str, body: Any, content_type: str) -> Success:
        """A streamed upload as the logged-in user (``endpoints.UserApi``)."""
        return self._as_user(lambda rest, token: rest.upload(path, body, content_type, auth_token=token))

    def _as_user(self, request: Callable[[RestClient, str], Success]) -> Success:
        """Make ``request`` with the user's auth token; a token the server forgot logs the user
        out here too."""
        saved, rest = self._saved, self._rest
        if saved is None or rest is None:
            raise errors.not_logged_in()
        try:
            return request(rest, saved.auth_token)
        except CometChatException as exc:
            if exc.errorCode == errors.AUTH_ERR_AUTH_TOKEN_NOT_FOUND:
                self._token_revoked(saved)
            raise

    def _token_revoked(self, saved: SavedSession) -> None:
        with self._lock:
            if self._saved is not saved:
                return
            log.warning("the server no longer knows this auth token: logging out locally")
            self._forget_user()
        self._announce_sign_out()
        self._notifier.emit("Login", "onLogoutSuccess")

    def refresh(self) -> None:
        """``GET me`` (on the REST worker): a fresh JWT and the app's current settings."""
        saved = self._saved
        me = endpoints.fetch_me(self)
        with self._lock:
            if saved is None or self._saved is not saved:
                return  # logged out (or in again) meanwhile
            settings = me.settings if me.settings is not None else saved.settings
            self._saved = attrs.evolve(saved, jwt=me.jwt, settings=settings)
            self._persist()
            if self._rest is not None:
                self._rest.rebase(settings)
        if settings.get("MODE", "DEFAULT") != saved.settings.get("MODE", "DEFAULT"):
            for observer in self._observers:
                observer.settings_changed(settings)

    def replace_user(self, user: dict[str, Any]) -> User | None:
        """The server answered with the logged-in user's new profile: keep it (and save it)."""
        with self._lock:
            saved = self._saved
            if saved is None or user.get("uid") != saved.user.get("uid"):
                return None
            # copies all the way down: the app keeps the object it gave or got (metadata included)
            self._saved = attrs.evolve(saved, user=copy.deepcopy(dict(user, status="online")))
            self._user = User.fromWire(copy.deepcopy(self._saved.user))
            self._persist()
            return self._user

    def record_delivered(self, message_id: int) -> None:
        """Keep the last delivered message id in the saved session (on the REST worker)."""
        with self._lock:
            saved = self._saved
            if saved is None or (saved.last_delivered_message_id or 0) >= message_id:
                return
            self._saved = attrs.evolve(saved, last_delivered_message_id=message_id)
            self._persist()

    # ------------------------------------------------------------------ close

    def begin_close(self) -> bool:
        """From now on every call answers ERROR_CLIENT_CLOSED; False if it already did."""
        with self._lock:
            if self.lifecycle is Lifecycle.CLOSED:
                return False
            self.lifecycle = Lifecycle.CLOSED
            return True

    def release(self) -> None:
        """Let go of the REST client and the storage (once nothing may use them any more)."""
        with self._lock:
            store, rest = self._store, self._rest
            self._store = self._rest = None
        if rest is not None:
            rest.close()
        if store is not None:
            store.close()
