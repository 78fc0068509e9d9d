"""The saved session: who is logged in, kept in a private file or in memory.

A ``SavedSession`` holds the user, the auth token, the JWT, the app settings and the last
delivered message id. The persistent device id is kept in a file of its own, so logging out
(which deletes the session) does not change the device.

``FileStore`` writes ``session.json`` and ``device.json`` in its directory: each file is
created with ``os.open(..., 0o600)`` (private from the first byte, whatever the umask) and
replaced atomically, so a crash leaves the old file or the new one, never half of one. A
file that cannot be read as ours counts as "no session", with a warning. Two live stores
never share a directory.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from typing import Any, Protocol

import attrs

from . import exceptions as errors
from .exceptions import CometChatException

log = logging.getLogger("cometchat")

_FORMAT = 1
_SESSION_FILE = "session.json"
_DEVICE_FILE = "device.json"


@attrs.frozen(kw_only=True)
class SavedSession:
    """A logged-in user as saved between runs; credentials never appear in ``repr``."""

    app_id: str
    user: dict[str, Any] = attrs.field(hash=False)
    auth_token: str = attrs.field(repr=False)
    jwt: str = attrs.field(repr=False)
    settings: dict[str, Any] = attrs.field(factory=dict, hash=False, repr=False)
    last_delivered_message_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "format": _FORMAT,
            "appId": self.app_id,
            "user": self.user,
            "authToken": self.auth_token,
            "jwt": self.jwt,
            "settings": self.settings,
            "lastDeliveredMessageId": self.last_delivered_message_id,
        }

    @classmethod
    def from_json(cls, obj: Any) -> SavedSession:
        """Raises ValueError for anything that is not a session we wrote."""
        if not isinstance(obj, dict) or obj.get("format") != _FORMAT:
            raise ValueError("not a cometchat session file")
        user, token, jwt = obj.get("user"), obj.get("authToken"), obj.get("jwt")
        if not isinstance(user, dict) or not isinstance(user.get("uid"), str):
            raise ValueError("the session has no user")
        if not isinstance(token, str) or not isinstance(jwt, str) or not isinstance(obj.get("appId"), str):
            raise ValueError("the session has no credentials")
        last = obj.get("lastDeliveredMessageId")
        settings = obj.get("settings")
        return cls(
            app_id=obj["appId"],
            user=user,
            auth_token=token,
            jwt=jwt,
            settings=settings if isinstance(settings, dict) else {},
            last_delivered_message_id=last if isinstance(last, int) and not isinstance(last, bool) else None,
        )


def new_device_id(app_id: str) -> str:
    return f"{app_id}_{uuid.uuid4()}_{int(time.time() * 1000)}"


class SessionStore(Protocol):
    def load(self, app_id: str) -> SavedSession | None: ...
    def save(self, session: SavedSession) -> None: ...
    def clear(self) -> None: ...
    def device_id(self, app_id: str) -> str: ...
    def close(self) -> None: ...


class MemoryStore:
    """Keeps the session for the life of the client; nothing touches the disk."""

    def __init__(self) -> None:
        self._session: SavedSession | None = None
        self._devices: dict[str, str] = {}

    def load(self, app_id: str) -> SavedSession | None:
        session = self._session
        return session if session is not None and session.app_id == app_id else None

    def save(self, session: SavedSession) -> None:
        self._session = session

    def clear(self) -> None:
        self._session = None

    def device_id(self, app_id: str) -> str:
        return self._devices.setdefault(app_id, new_device_id(app_id))

    def close(self) -> None:
        pass


_paths_in_use: set[str] = set()
_paths_lock = threading.Lock()


class FileStore:
    """A private directory holding ``session.json`` and ``device.json``.

    Raises:
        CometChatException: ``ERROR_STORAGE_IN_USE`` when another live client uses the
            directory.
    """

    def __init__(self, directory: str) -> None:
        self.directory = os.path.realpath(directory)
        with _paths_lock:
            if self.directory in _paths_in_use:
                raise CometChatException(
                    errors.ERROR_STORAGE_IN_USE,
                    "Another live client keeps its session in this directory; give each client its own.",
                    {"path": self.directory},
                )
            _paths_in_use.add(self.directory)
        self._lock = threading.Lock()
        os.makedirs(self.directory, mode=0o700, exist_ok=True)

    def __repr__(self) -> str:
        return f"FileStore({self.directory!r})"

    def _path(self, name: str) -> str:
        return os.path.join(self.directory, name)

    def _read(self, name: str) -> Any:
        """The file's JSON, or None when it is missing or unreadable (with a warning)."""
        try:
            with open(self._path(name), encoding="utf-8") as handle:
                return json.load(handle)
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable %s in %s: %s", name, self.directory, type(exc).__name__)
            return None

    def _write(self, name: str, obj: Any) -> None:
        """Write a private file and swap it in atomically."""
        data = json.dumps(obj, separators=(",", ":")).encode()
        tmp = self._path(f".{name}.{uuid.uuid4().hex}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # private from the first byte
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, self._path(name))
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise

    def load(self, app_id: str) -> SavedSession | None:
        with self._lock:
            raw = self._read(_SESSION_FILE)
        if raw is None:
            return None
        try:
            session = SavedSession.from_json(raw)
        except ValueError as exc:
            log.warning("ignoring the saved session in %s: %s", self.directory, exc)
            return None
        return session if session.app_id == app_id else None

    def save(self, session: SavedSession) -> None:
        with self._lock:
            self._write(_SESSION_FILE, session.to_json())

    def clear(self) -> None:
        with self._lock:
            try:
                os.unlink(self._path(_SESSION_FILE))
            except FileNotFoundError:
                pass

    def device_id(self, app_id: str) -> str:
        with self._lock:
            devices = self._read(_DEVICE_FILE)
            if not isinstance(devices, dict):
                devices = {}
            device = devices.get(app_id)
            if not isinstance(device, str) or not device:
                device = devices[app_id] = new_device_id(app_id)
                self._write(_DEVICE_FILE, devices)
            return device

    def close(self) -> None:
        with _paths_lock:
            _paths_in_use.discard(self.directory)
