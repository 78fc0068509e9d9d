"""The dev server's storage: SQLite on a thread of its own, so the event loop never waits on disk.

``Database.run(fn)`` ships ``fn(store)`` to the database thread and awaits the result; every
query lives in ``Store`` and every statement is parameterised. ``Store`` is composed by area:
apps, credentials and friends here, users and blocks (``users_store.py``), messages
(``messages_store.py``), conversations (``conversations_store.py``), groups
(``groups_store.py``), reactions (``reactions_store.py``) and uploaded files
(``files_store.py``); the tables are in ``schema.py``. WAL with ``synchronous=NORMAL``: a
crash may lose the last commits, never corrupt the file.
"""

from __future__ import annotations

import asyncio
import queue
import secrets
import sqlite3
import threading
import time
from typing import Any, Callable, TypeVar

import attrs

from .conversations_store import ConversationsStore
from .files_store import FilesStore
from .groups_store import GroupsStore
from .messages_store import MessagesStore
from .reactions_store import ReactionsStore
from .schema import migrate
from .users_store import UsersStore, user_object

__all__ = ["App", "TokenOwner", "Store", "Database", "SEED_USERS", "user_object"]

T = TypeVar("T")

SEED_USERS = (
    ("cometchat-uid-1", "Andrew Joseph", "moderator"),
    ("cometchat-uid-2", "George Alan", "default"),
    ("cometchat-uid-3", "Nancy Grace", "default"),
    ("cometchat-uid-4", "Susan Marie", "moderator"),
    ("cometchat-uid-5", "John Paul", "default"),
)




@attrs.frozen
class App:
    app_id: str
    auth_key: str = attrs.field(repr=False)
    region: str
    jwt_secret: str = attrs.field(repr=False)
    mode: str


@attrs.frozen
class TokenOwner:
    """Who an auth token belongs to."""

    uid: str
    token_id: int


class Store(UsersStore, MessagesStore, ConversationsStore, GroupsStore, ReactionsStore, FilesStore):
    """Every query the server makes; runs on the database thread only."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    # ------------------------------------------------------------------ apps and users

    def ensure_app(self, app_id: str, auth_key: str, region: str) -> App:
        """Create the app (and its seed users) or update its key; the JWT secret survives."""
        with self.conn:
            row = self.conn.execute("SELECT * FROM apps WHERE app_id = ?", (app_id,)).fetchone()
            if row is None:
                self.conn.execute(
                    "INSERT INTO apps (app_id, auth_key, region, jwt_secret) VALUES (?, ?, ?, ?)",
                    (app_id, auth_key, region, secrets.token_hex(32)),
                )
            else:
                self.conn.execute(
                    "UPDATE apps SET auth_key = ?, region = ? WHERE app_id = ?",
                    (auth_key, region, app_id),
                )
            now = int(time.time())
            for uid, name, role in SEED_USERS:
                self.conn.execute(
                    "INSERT OR IGNORE INTO users (app_id, uid, name, avatar, role, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (app_id, uid, name, f"https://assets.example.invalid/avatars/{uid}.png", role, now),
                )
        row = self.conn.execute("SELECT * FROM apps WHERE app_id = ?", (app_id,)).fetchone()
        return App(row["app_id"], row["auth_key"], row["region"], row["jwt_secret"], row["mode"])

    def set_mode(self, app_id: str, mode: str) -> None:
        with self.conn:
            self.conn.execute("UPDATE apps SET mode = ? WHERE app_id = ?", (mode, app_id))

    def jwt_epoch(self, app_id: str, uid: str) -> int | None:
        row = self.conn.execute(
            "SELECT jwt_epoch FROM users WHERE app_id = ? AND uid = ?", (app_id, uid)
        ).fetchone()
        return None if row is None else row[0]

    def bump_jwt_epoch(self, app_id: str, uid: str | None) -> None:
        with self.conn:
            if uid is None:
                self.conn.execute("UPDATE users SET jwt_epoch = jwt_epoch + 1 WHERE app_id = ?", (app_id,))
            else:
                self.conn.execute(
                    "UPDATE users SET jwt_epoch = jwt_epoch + 1 WHERE app_id = ? AND uid = ?",
                    (app_id, uid),
                )

    # ------------------------------------------------------------------ friends

    def add_friends(self, app_id: str, uid: str, friends: list[str]) -> list[str]:
        """Befriend ``uid`` with every known uid in ``friends`` (both ways); returns them."""
        added = []
        with self.conn:
            for friend in friends:
                if friend == uid or self.user_row(app_id, friend) is None:
                    continue
                for a, b in ((uid, friend), (friend, uid)):
                    self.conn.execute(
                        "INSERT OR IGNORE INTO friends (app_id, uid, friend_uid) VALUES (?, ?, ?)",
                        (app_id, a, b),
                    )
                added.append(friend)
        return added

    def friends_of(self, app_id: str, uid: str) -> set[str]:
        rows = self.conn.execute(
            "SELECT friend_uid FROM friends WHERE app_id = ? AND uid = ?", (app_id, uid)
        ).fetchall()
        return {r[0] for r in rows}

    # ------------------------------------------------------------------ tokens and devices

    def add_token(self, app_id: str, uid: str, token_hash: str) -> int:
        with self.conn:
            cursor = self.conn.execute(
                "INSERT INTO auth_tokens (app_id, uid, token_hash, created_at) VALUES (?, ?, ?, ?)",
                (app_id, uid, token_hash, int(time.time())),
            )
        return int(cursor.lastrowid)  # type: ignore[arg-type]

    def token_owner(self, app_id: str, token_hash: str) -> TokenOwner | None:
        row = self.conn.execute(
            "SELECT id, uid FROM auth_tokens WHERE app_id = ? AND token_hash = ?", (app_id, token_hash)
        ).fetchone()
        return None if row is None else TokenOwner(row["uid"], row["id"])

    def register_device(self, token_id: int, device_id: str) -> None:
        """``PUT me``: (re-)register the device, lifting any revocation."""
        with self.conn:
            self.conn.execute(
                "INSERT INTO devices (token_id, device_id, registered_at, revoked) VALUES (?, ?, ?, 0)"
                " ON CONFLICT (token_id, device_id) DO UPDATE SET registered_at = excluded.registered_at,"
                " revoked = 0",
                (token_id, device_id, time.time()),
            )

    def latest_device(self, token_id: int) -> str | None:
        row = self.conn.execute(
            "SELECT device_id FROM devices WHERE token_id = ? ORDER BY registered_at DESC LIMIT 1",
            (token_id,),
        ).fetchone()
        return None if row is None else row[0]

    def device_allowed(self, token_id: int, device_id: str) -> bool:
        row = self.conn.execute(
            "SELECT revoked FROM devices WHERE token_id = ? AND device_id = ?", (token_id, device_id)
        ).fetchone()
        return row is not None and row[0] == 0

    def unregister_devices(self, token_id: int) -> None:
        """``DELETE me``: the token's devices lose their JWTs; the token itself stays valid."""
        with self.conn:
            self.conn.execute("DELETE FROM devices WHERE token_id = ?", (token_id,))

    def revoke_devices(self, app_id: str, uid: str) -> None:
        with self.conn:
            self.conn.execute(
                "UPDATE devices SET revoked = 1 WHERE token_id IN"
                " (SELECT id FROM auth_tokens WHERE app_id = ? AND uid = ?)",
                (app_id, uid),
            )

    def delete_tokens(self, app_id: str, uid: str) -> None:
        with self.conn:
            self.conn.execute(
                "DELETE FROM devices WHERE token_id IN"
                " (SELECT id FROM auth_tokens WHERE app_id = ? AND uid = ?)",
                (app_id, uid),
            )
            self.conn.execute("DELETE FROM auth_tokens WHERE app_id = ? AND uid = ?", (app_id, uid))

    def delete_token(self, app_id: str, uid: str, token_hash: str) -> int | None:
        """Forget one of the user's tokens (and its devices); its id, or None if unknown."""
        owner = self.token_owner(app_id, token_hash)
        if owner is None or owner.uid != uid:
            return None
        with self.conn:
            self.conn.execute("DELETE FROM devices WHERE token_id = ?", (owner.token_id,))
            self.conn.execute("DELETE FROM auth_tokens WHERE id = ?", (owner.token_id,))
        return owner.token_id

    def token_exists(self, token_id: int) -> bool:
        return self.conn.execute("SELECT 1 FROM auth_tokens WHERE id = ?", (token_id,)).fetchone() is not None


class Database:
    """One SQLite connection owned by one named daemon thread."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._work, name="cometchat-devserver-db", daemon=True)

    def start(self) -> None:
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            raise self._error

    def _open(self) -> Store:
        conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        migrate(conn)
        conn.isolation_level = "DEFERRED"
        return Store(conn)

    def _work(self) -> None:
        try:
            store = self._open()
        except BaseException as exc:  # reported by start()
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        while True:
            job = self._jobs.get()
            if job is None:
                break
            fn, deliver = job
            try:
                result, error = fn(store), None
            except BaseException as exc:
                result, error = None, exc
            deliver(result, error)
        store.conn.close()

    def call(self, fn: Callable[[Store], T]) -> T:
        """Run ``fn(store)`` from a thread that is not the event loop, and wait."""
        done = threading.Event()
        box: list[Any] = []

        def deliver(result: Any, error: BaseException | None) -> None:
            box[:] = [result, error]
            done.set()

        self._jobs.put((fn, deliver))
        done.wait()
        if box[1] is not None:
            raise box[1]
        return box[0]  # type: ignore[no-any-return]

    async def run(self, fn: Callable[[Store], T]) -> T:
        """Run ``fn(store)`` on the database thread without blocking the event loop."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()

        def settle(result: Any, error: BaseException | None) -> None:
            if future.done():
                return
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(result)

        def deliver(result: Any, error: BaseException | None) -> None:
            try:
                loop.call_soon_threadsafe(settle, result, error)
            except RuntimeError:  # the loop closed while the query ran
                pass

        self._jobs.put((fn, deliver))
        return await future

    def close(self) -> None:
        if self._thread.is_alive():
            self._jobs.put(None)
            self._thread.join(timeout=10)
