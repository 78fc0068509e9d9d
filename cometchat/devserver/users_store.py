"""Users and blocks in SQLite: the queries behind ``users``, ``me`` and ``blockedusers``."""

from __future__ import annotations

import json
import sqlite3
import time
from typing import Any

import attrs

__all__ = ["UsersStore", "UserQuery", "user_object", "like_pattern", "name_search", "named_list", "paged"]

#: user fields the API may set, wire name -> column
_USER_COLUMNS = {
    "name": "name",
    "avatar": "avatar",
    "link": "link",
    "role": "role",
    "statusMessage": "status_message",
}


def user_object(row: sqlite3.Row) -> dict[str, Any]:
    """A users row as the wire's user object (wire reference 4.7), as nobody in particular sees it."""
    user: dict[str, Any] = {"uid": row["uid"], "name": row["name"]}
    for column, key in (("avatar", "avatar"), ("link", "link"), ("status_message", "statusMessage")):
        if row[column]:
            user[key] = row[column]
    user["role"] = row["role"]
    if row["metadata"]:
        user["metadata"] = json.loads(row["metadata"])
    user["status"] = "offline"
    user["lastActiveAt"] = row["last_active_at"]
    user["tags"] = json.loads(row["tags"]) if row["tags"] else []
    user["hasBlockedMe"] = False
    user["blockedByMe"] = False
    user["deactivatedAt"] = row["deactivated_at"]
    return user


def like_pattern(text: str) -> str:
    """A case-insensitive LIKE pattern for ``text`` anywhere (``%`` and ``_`` escaped)."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def name_search(alias: str, column: str = "name", key: str = "uid") -> str:
    """A WHERE clause: ``:search`` (a ``like_pattern``) in the row's name or id."""
    return (f"(LOWER({alias}.{column}) LIKE :search ESCAPE '\\' OR LOWER({alias}.{key}) LIKE :search"
            " ESCAPE '\\')")


def named_list(prefix: str, values: Any, params: dict[str, Any]) -> str:
    """``:prefix0,:prefix1,...`` for an ``IN (...)`` of ``values``, whose parameters it adds to
    ``params``."""
    names = {f"{prefix}{n}": value for n, value in enumerate(values)}
    params.update(names)
    return ",".join(":" + name for name in names)


def paged(conn: sqlite3.Connection, select: str, body: str, params: dict[str, Any], order: str, page: int,
          per_page: int) -> tuple[list[sqlite3.Row], int]:
    """One page of ``SELECT <select> <body> ORDER BY <order>``, and how many rows there are in all."""
    total = conn.execute(f"SELECT COUNT(*) {body}", params).fetchone()[0]
    rows = conn.execute(f"SELECT {select} {body} ORDER BY {order} LIMIT :limit OFFSET :offset",
                        dict(params, limit=per_page, offset=(page - 1) * per_page)).fetchall()
    return rows, int(total)


@attrs.frozen(kw_only=True)
class UserQuery:
    """What ``GET users`` asks for (wire reference: ios-surface-next 1.2)."""

    viewer: str
    online: frozenset[str] = frozenset()
    search: str | None = None
    search_in: tuple[str, ...] = ("uid", "name")
    status: str | None = None  #: "online" or "offline"
    hide_blocked: bool = False
    roles: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    friends_only: bool = False
    uids: tuple[str, ...] = ()
    sort_by: str | None = None
    descending: bool = False


class UsersStore:
    """Users, their profile updates, and who blocked whom."""

    conn: sqlite3.Connection

    # ------------------------------------------------------------------ one user

    def create_user(self, app_id: str, user: dict[str, Any]) -> dict[str, Any] | None:
        """Insert a user; None when the uid is taken."""
        try:
            with self.conn:
                self.conn.execute(
                    "INSERT INTO users (app_id, uid, name, avatar, link, role, metadata,"
                    " status_message, tags, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (app_id, user["uid"], user["name"], user.get("avatar"), user.get("link"),
                     user.get("role") or "default",
                     json.dumps(user["metadata"]) if user.get("metadata") is not None else None,
                     user.get("statusMessage"), json.dumps(user.get("tags") or []), int(time.time())),
                )
        except sqlite3.IntegrityError:
            return None
        return self.get_user(app_id, user["uid"])

    def update_user(self, app_id: str, uid: str, changes: dict[str, Any]) -> dict[str, Any] | None:
        """Apply the given wire fields (validated by the caller); None when there is no such user."""
        sets: list[str] = []
        values: list[Any] = []
        for key, column in _USER_COLUMNS.items():
            if key in changes:
                sets.append(f"{column} = ?")
                values.append(changes[key])
        if "metadata" in changes:
            sets.append("metadata = ?")
            values.append(json.dumps(changes["metadata"]) if changes["metadata"] is not None else None)
        if "tags" in changes:
            sets.append("tags = ?")
            values.append(json.dumps(changes["tags"] or []))
        if sets:
            with self.conn:
                self.conn.execute(f"UPDATE users SET {', '.join(sets)} WHERE app_id = ? AND uid = ?",
                                  (*values, app_id, uid))
        return self.get_user(app_id, uid)

    def user_row(self, app_id: str, uid: str) -> sqlite3.Row | None:
        return self.conn.execute("SELECT * FROM users WHERE app_id = ? AND uid = ?", (app_id, uid)).fetchone()

    def get_user(self, app_id: str, uid: str, viewer: str | None = None) -> dict[str, Any] | None:
        row = self.user_row(app_id, uid)
        if row is None:
            return None
        user = user_object(row)
        return self.with_block_flags(app_id, viewer, [user])[0] if viewer else user

    def users_by_uid(self, app_id: str, uids: set[str]) -> dict[str, dict[str, Any]]:
        if not uids:
            return {}
        marks = ",".join("?" * len(uids))
        rows = self.conn.execute(f"SELECT * FROM users WHERE app_id = ? AND uid IN ({marks})",
                                 (app_id, *sorted(uids))).fetchall()
        return {row["uid"]: user_object(row) for row in rows}

    def touch_user(self, app_id: str, uid: str, when: int) -> None:
        with self.conn:
            self.conn.execute("UPDATE users SET last_active_at = ? WHERE app_id = ? AND uid = ?", (when, app_id, uid))

    # ------------------------------------------------------------------ lists

    def list_users(self, app_id: str, query: UserQuery, page: int, per_page: int) -> tuple[list[dict[str, Any]], int]:
        where, args = self._user_filters(app_id, query)
        total = self.conn.execute(f"SELECT COUNT(*) FROM users WHERE {where}", args).fetchone()[0]
        order, order_args = self._user_order(query)
        rows = self.conn.execute(
            f"SELECT * FROM users WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?",
            (*args, *order_args, per_page, (page - 1) * per_page),
        ).fetchall()
        users = [user_object(row) for row in rows]
        return self.with_block_flags(app_id, query.viewer, users), total

    def _user_filters(self, app_id: str, query: UserQuery) -> tuple[str, list[Any]]:
        where, args = ["app_id = ?"], [app_id]
        if query.search:
            columns = [c for c in ("uid", "name") if c in query.search_in] or ["uid", "name"]
            where.append("(" + " OR ".join(f"LOWER({c}) LIKE ? ESCAPE '\\'" for c in columns) + ")")
            args += [like_pattern(query.search)] * len(columns)
        if query.status is not None:
            online = sorted(query.online)
            marks = ",".join("?" * len(online))
            where.append(f"uid {'IN' if query.status == 'online' else 'NOT IN'} ({marks})")
            args += online
        if query.hide_blocked:
            where.append("uid NOT IN (SELECT blocked FROM blocks WHERE app_id = ? AND blocker = ?)"
                         " AND uid NOT IN (SELECT blocker FROM blocks WHERE app_id = ? AND blocked = ?)")
            args += [app_id, query.viewer, app_id, query.viewer]
        for column, values in (("role", query.roles), ("uid", query.uids)):
            if values:
                where.append(f"{column} IN ({','.join('?' * len(values))})")
                args += list(values)
        if query.tags:
            where.append(f"EXISTS (SELECT 1 FROM json_each(users.tags) WHERE value IN ({','.join('?' * len(query.tags))}))")
            args += list(query.tags)
        if query.friends_only:
            where.append("uid IN (SELECT friend_uid FROM friends WHERE app_id = ? AND uid = ?)")
            args += [app_id, query.viewer]
        return " AND ".join(where), args

    @staticmethod
    def _user_order(query: UserQuery) -> tuple[str, list[Any]]:
        """Default ``status => name => uid``; ``sortBy("name")`` is ``name => uid``."""
        direction = "DESC" if query.descending else "ASC"
        by_name = f"name COLLATE NOCASE {direction}, uid {direction}"
        if query.sort_by == "name" or not query.online:
            return by_name, []
        online = sorted(query.online)
        return f"(uid IN ({','.join('?' * len(online))})) DESC, {by_name}", online

    # ------------------------------------------------------------------ blocks

    def block(self, app_id: str, blocker: str, uids: list[str]) -> dict[str, bool]:
        """Block each known uid (not oneself); returns uid -> whether it worked."""
        done: dict[str, bool] = {}
        now = int(time.time())
        with self.conn:
            for uid in uids:
                ok = uid != blocker and self.user_row(app_id, uid) is not None
                if ok:
                    self.conn.execute("INSERT OR IGNORE INTO blocks (app_id, blocker, blocked, blocked_at)"
                                      " VALUES (?, ?, ?, ?)", (app_id, blocker, uid, now))
                done[uid] = ok
        return done

    def unblock(self, app_id: str, blocker: str, uids: list[str]) -> dict[str, bool]:
        done: dict[str, bool] = {}
        with self.conn:
            for uid in uids:
                cursor = self.conn.execute("DELETE FROM blocks WHERE app_id = ? AND blocker = ? AND blocked = ?",
                                           (app_id, blocker, uid))
                done[uid] = cursor.rowcount > 0
        return done

    def all_blocks(self, app_id: str) -> list[tuple[str, str]]:
        """Every (blocker, blocked) pair of the app (the hub keeps them in memory)."""
        return [(r[0], r[1]) for r in self.conn.execute("SELECT blocker, blocked FROM blocks WHERE app_id = ?",
                                                         (app_id,))]

    def block_sets(self, app_id: str, viewer: str) -> tuple[set[str], set[str]]:
        """(whom the viewer blocked, who blocked the viewer)."""
        mine = {r[0] for r in self.conn.execute("SELECT blocked FROM blocks WHERE app_id = ? AND blocker = ?",
                                                 (app_id, viewer))}
        theirs = {r[0] for r in self.conn.execute("SELECT blocker FROM blocks WHERE app_id = ? AND blocked = ?",
                                                   (app_id, viewer))}
        return mine, theirs

    def with_block_flags(self, app_id: str, viewer: str | None, users: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """``blockedByMe`` / ``hasBlockedMe`` as ``viewer`` sees each user."""
        if viewer is None or not users:
            return users
        mine, theirs = self.block_sets(app_id, viewer)
        for user in users:
            user["blockedByMe"] = user["uid"] in mine
            user["hasBlockedMe"] = user["uid"] in theirs
        return users

    def list_blocked(self, app_id: str, viewer: str, direction: str, search: str | None, page: int,
                     per_page: int) -> tuple[list[dict[str, Any]], int]:
        """Users on either side of the viewer's blocks (``direction``: blockedByMe, hasBlockedMe, both)."""
        sides = []
        if direction in ("blockedByMe", "both"):
            sides.append("SELECT blocked AS uid, blocked_at FROM blocks WHERE app_id = :app AND blocker = :me")
        if direction in ("hasBlockedMe", "both"):
            sides.append("SELECT blocker AS uid, blocked_at FROM blocks WHERE app_id = :app AND blocked = :me")
        where = "u.app_id = :app"
        params: dict[str, Any] = {"app": app_id, "me": viewer}
        if search:
            where += " AND " + name_search("u")
            params["search"] = like_pattern(search)
        body = (f"FROM (SELECT uid, MAX(blocked_at) AS blocked_at FROM ({' UNION ALL '.join(sides)}) GROUP BY uid) b"
                f" JOIN users u ON u.uid = b.uid WHERE {where}")
        rows, total = paged(self.conn, "u.*, b.blocked_at", body, params, "u.name COLLATE NOCASE, u.uid", page,
                            per_page)
        users = self.with_block_flags(app_id, viewer, [user_object(row) for row in rows])
        for user, row in zip(users, rows):
            user["blockedAt"] = row["blocked_at"]
        return users, total
