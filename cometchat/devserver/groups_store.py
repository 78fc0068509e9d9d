"""Groups in SQLite: the groups, their members and scopes, their bans.

A member has a conversation of the group (a ``conversation_members`` row) from joining until
leaving, being kicked or banned; that row is what lets them read the group's history. A group
object is presented as one viewer sees it (``hasJoined``, ``scope``, ``joinedAt``,
``isBanned``), with its current ``membersCount``; its password is stored hashed and never sent.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sqlite3
import time
from typing import Any

from . import keys
from .users_store import like_pattern, name_search, named_list, paged, user_object

__all__ = ["GroupsStore", "hash_password", "password_matches", "SCOPES"]

#: scopes from lowest to highest
SCOPES = ("participant", "moderator", "admin")


def hash_password(password: str) -> str:
    salt = secrets.token_hex(8)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), 20_000).hex()
    return f"{salt}${digest}"


def password_matches(password: str, stored: str | None) -> bool:
    if not stored or "$" not in stored:
        return False
    salt, digest = stored.split("$", 1)
    given = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), 20_000).hex()
    return hmac.compare_digest(given, digest)


#: groups with what the viewer (``:me``, or NULL) sees of them, in one query: the viewer's
#: membership (``m``, the viewer's member row), the member count and whether the viewer is banned
_SEEN_COLUMNS = (
    "g.*, m.scope AS viewer_scope, m.joined_at AS viewer_joined_at,"
    " (SELECT COUNT(*) FROM group_members c WHERE c.app_id = g.app_id AND c.guid = g.guid) AS members_count,"
    " EXISTS (SELECT 1 FROM group_bans b WHERE b.app_id = g.app_id AND b.guid = g.guid AND b.uid = :me)"
    " AS viewer_banned"
)
_SEEN_FROM = "FROM groups g LEFT JOIN group_members m ON m.app_id = g.app_id AND m.guid = g.guid AND m.uid = :me"


class GroupsStore:
    """Every query about groups; runs on the database thread."""

    conn: sqlite3.Connection

    # ------------------------------------------------------------------ groups

    def create_group(self, app_id: str, owner: str, group: dict[str, Any]) -> bool:
        """Insert the group (its password already hashed, ``password_hash``) with its owner as
        an admin member; False when the guid is taken."""
        now = int(time.time())
        try:
            with self.conn:
                self.conn.execute(
                    "INSERT INTO groups (app_id, guid, name, type, password_hash, icon, description, owner, metadata,"
                    " tags, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (app_id, group["guid"], group["name"], group["type"], group.get("password_hash"), group.get("icon"),
                     group.get("description"), owner, _json(group.get("metadata")), json.dumps(group.get("tags") or []),
                     now, now))
                self._join(app_id, group["guid"], owner, "admin", now)
        except sqlite3.IntegrityError:
            return False
        return True

    def group_row(self, app_id: str, guid: str) -> sqlite3.Row | None:
        return self.conn.execute("SELECT * FROM groups WHERE app_id = ? AND guid = ?", (app_id, guid)).fetchone()

    @staticmethod
    def group_object(row: sqlite3.Row) -> dict[str, Any]:
        """The wire's group object (wire reference 4.7) from a row of ``_SEEN_COLUMNS``."""
        group: dict[str, Any] = {"guid": row["guid"], "name": row["name"], "type": row["type"]}
        for column in ("icon", "description"):
            if row[column]:
                group[column] = row[column]
        group["owner"] = row["owner"]
        if row["metadata"]:
            group["metadata"] = json.loads(row["metadata"])
        group.update(tags=json.loads(row["tags"]) if row["tags"] else [], createdAt=row["created_at"],
                     updatedAt=row["updated_at"], membersCount=row["members_count"])
        group["hasJoined"] = row["viewer_scope"] is not None
        if row["viewer_scope"] is not None:
            group.update(scope=row["viewer_scope"], joinedAt=row["viewer_joined_at"])
        group["isBanned"] = bool(row["viewer_banned"])
        return group

    def group(self, app_id: str, guid: str, viewer: str | None) -> dict[str, Any] | None:
        row = self.conn.execute(f"SELECT {_SEEN_COLUMNS} {_SEEN_FROM} WHERE g.app_id = :app AND g.guid = :guid",
                                {"app": app_id, "guid": guid, "me": viewer}).fetchone()
        return None if row is None else self.group_object(row)

    def visible_to(self, app_id: str, row: sqlite3.Row, viewer: str) -> bool:
        """A private group exists only for its members (and those it banned); others are open to all."""
        if row["type"] != "private":
            return True
        return self.member_row(app_id, row["guid"], viewer) is not None or self.is_banned(app_id, row["guid"], viewer)

    def list_groups(self, app_id: str, viewer: str, search: str | None, joined_only: bool, tags: tuple[str, ...],
                    page: int, per_page: int) -> tuple[list[dict[str, Any]], int]:
        where = ["g.app_id = :app", "(g.type != 'private' OR m.uid IS NOT NULL)"]
        params: dict[str, Any] = {"app": app_id, "me": viewer}
        if joined_only:
            where.append("m.uid IS NOT NULL")
        if search:
            where.append(name_search("g", key="guid"))
            params["search"] = like_pattern(search)
        if tags:
            where.append(f"EXISTS (SELECT 1 FROM json_each(g.tags) WHERE value IN ({named_list('tag', tags, params)}))")
        rows, total = paged(self.conn, _SEEN_COLUMNS, f"{_SEEN_FROM} WHERE {' AND '.join(where)}", params,
                            "g.name COLLATE NOCASE, g.guid", page, per_page)
        return [self.group_object(row) for row in rows], total

    def update_group(self, app_id: str, guid: str, changes: dict[str, Any]) -> None:
        columns = {"name": "name", "icon": "icon", "description": "description", "type": "type"}
        sets, values = [], []
        for key, column in columns.items():
            if key in changes:
                sets.append(f"{column} = ?")
                values.append(changes[key])
        for key in ("metadata", "tags"):
            if key in changes:
                sets.append(f"{key} = ?")
                values.append(_json(changes[key]) if key == "metadata" else json.dumps(changes[key] or []))
        if "password_hash" in changes:
            sets.append("password_hash = ?")
            values.append(changes["password_hash"])
        sets.append("updated_at = ?")
        values.append(int(time.time()))
        with self.conn:
            self.conn.execute(f"UPDATE groups SET {', '.join(sets)} WHERE app_id = ? AND guid = ?", (*values, app_id, guid))

    def delete_group(self, app_id: str, guid: str) -> list[str]:
        """The group and everything of it: members, bans, its messages with their reactions,
        mentions and files, its conversation, so a group created later with the same guid
        starts empty. Returns the tokens of the files whose bytes are to be deleted."""
        conv_key = keys.group_key(guid)
        its_messages = "SELECT id FROM messages WHERE app_id = ? AND conv_key = ?"
        tokens = [row[0] for row in self.conn.execute(
            f"SELECT token FROM files WHERE app_id = ? AND message_id IN ({its_messages})", (app_id, app_id, conv_key))]
        with self.conn:
            for table in ("group_members", "group_bans", "groups"):
                self.conn.execute(f"DELETE FROM {table} WHERE app_id = ? AND guid = ?", (app_id, guid))
            for table in ("message_tags", "receipts_to_all", "reactions", "message_mentions", "files"):
                self.conn.execute(f"DELETE FROM {table} WHERE app_id = ? AND message_id IN ({its_messages})",
                                  (app_id, app_id, conv_key))
            for table in ("messages", "receipts", "conversations", "conversation_members"):
                self.conn.execute(f"DELETE FROM {table} WHERE app_id = ? AND conv_key = ?", (app_id, conv_key))
        return tokens

    def transfer_owner(self, app_id: str, guid: str, uid: str) -> None:
        """``uid`` owns the group and is an admin of it."""
        with self.conn:
            self.conn.execute("UPDATE groups SET owner = ?, updated_at = ? WHERE app_id = ? AND guid = ?",
                              (uid, int(time.time()), app_id, guid))
            self.conn.execute("UPDATE group_members SET scope = 'admin' WHERE app_id = ? AND guid = ? AND uid = ?",
                              (app_id, guid, uid))

    # ------------------------------------------------------------------ members

    def member_row(self, app_id: str, guid: str, uid: str) -> sqlite3.Row | None:
        return self.conn.execute("SELECT * FROM group_members WHERE app_id = ? AND guid = ? AND uid = ?",
                                 (app_id, guid, uid)).fetchone()

    def member_uids(self, app_id: str, guid: str) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT uid FROM group_members WHERE app_id = ? AND guid = ?",
                                                (app_id, guid))]

    def _join(self, app_id: str, guid: str, uid: str, scope: str, now: int) -> None:
        """A member, with the group's conversation (the lock is held by the caller's transaction)."""
        self.conn.execute("INSERT INTO group_members (app_id, guid, uid, scope, joined_at) VALUES (?, ?, ?, ?, ?)",
                          (app_id, guid, uid, scope, now))
        conv_key = keys.group_key(guid)
        self.conn.execute(
            "INSERT INTO conversation_members (app_id, uid, conv_key, with_id, kind, last_read_id, last_delivered_id)"
            " VALUES (?, ?, ?, ?, 'group', (SELECT COALESCE(MAX(id), 0) FROM messages WHERE app_id = ? AND conv_key = ?),"
            " (SELECT COALESCE(MAX(id), 0) FROM messages WHERE app_id = ? AND conv_key = ?))"
            " ON CONFLICT (app_id, uid, conv_key) DO NOTHING",
            (app_id, uid, conv_key, guid, app_id, conv_key, app_id, conv_key))

    def add_member(self, app_id: str, guid: str, uid: str, scope: str) -> str:
        """``"added"``, or why not: ``"member"`` (already one) or ``"banned"``; the checks and
        the insert are one step, so a ban racing a join can never leave a banned member."""
        if self.is_banned(app_id, guid, uid):
            return "banned"
        try:
            with self.conn:
                self._join(app_id, guid, uid, scope, int(time.time()))
        except sqlite3.IntegrityError:
            return "member"
        return "added"

    def remove_member(self, app_id: str, guid: str, uid: str) -> bool:
        """False when ``uid`` was not a member (someone else removed them first)."""
        with self.conn:
            return self._leave(app_id, guid, uid)

    def _leave(self, app_id: str, guid: str, uid: str) -> bool:
        """Inside a transaction: ``uid`` leaves the group and its conversation; False when
        ``uid`` was not a member."""
        cursor = self.conn.execute("DELETE FROM group_members WHERE app_id = ? AND guid = ? AND uid = ?",
                                   (app_id, guid, uid))
        self.conn.execute("DELETE FROM conversation_members WHERE app_id = ? AND uid = ? AND conv_key = ?",
                          (app_id, uid, keys.group_key(guid)))
        return cursor.rowcount > 0

    def set_scope(self, app_id: str, guid: str, uid: str, scope: str) -> None:
        with self.conn:
            self.conn.execute("UPDATE group_members SET scope = ? WHERE app_id = ? AND guid = ? AND uid = ?",
                              (scope, app_id, guid, uid))

    def list_members(self, app_id: str, guid: str, search: str | None, scopes: tuple[str, ...], page: int,
                     per_page: int) -> tuple[list[dict[str, Any]], int]:
        where = ["m.app_id = :app", "m.guid = :guid"]
        params: dict[str, Any] = {"app": app_id, "guid": guid}
        if search:
            where.append(name_search("u"))
            params["search"] = like_pattern(search)
        if scopes:
            where.append(f"m.scope IN ({named_list('scope', scopes, params)})")
        body = ("FROM group_members m JOIN users u ON u.app_id = m.app_id AND u.uid = m.uid"
                f" WHERE {' AND '.join(where)}")
        rows, total = paged(self.conn, "u.*, m.scope, m.joined_at", body, params, "u.name COLLATE NOCASE, u.uid",
                            page, per_page)
        return [dict(user_object(row), scope=row["scope"], joinedAt=row["joined_at"], guid=guid) for row in rows], total

    # ------------------------------------------------------------------ bans

    def is_banned(self, app_id: str, guid: str, uid: str) -> bool:
        return self.conn.execute("SELECT 1 FROM group_bans WHERE app_id = ? AND guid = ? AND uid = ?",
                                 (app_id, guid, uid)).fetchone() is not None

    def ban(self, app_id: str, guid: str, uid: str, by: str) -> bool:
        """Ban and remove ``uid`` in one transaction, keeping the scope they had (a participant's
        when they were no member); False when already banned."""
        try:
            with self.conn:
                self.conn.execute(
                    "INSERT INTO group_bans (app_id, guid, uid, banned_by, banned_at, scope) VALUES (?, ?, ?, ?, ?,"
                    " COALESCE((SELECT scope FROM group_members WHERE app_id = ? AND guid = ? AND uid = ?),"
                    " 'participant'))", (app_id, guid, uid, by, int(time.time()), app_id, guid, uid))
                self._leave(app_id, guid, uid)
        except sqlite3.IntegrityError:
            return False
        return True

    def unban(self, app_id: str, guid: str, uid: str) -> bool:
        with self.conn:
            cursor = self.conn.execute("DELETE FROM group_bans WHERE app_id = ? AND guid = ? AND uid = ?",
                                       (app_id, guid, uid))
        return cursor.rowcount > 0

    def list_banned(self, app_id: str, guid: str, search: str | None, scopes: tuple[str, ...], page: int,
                    per_page: int) -> tuple[list[dict[str, Any]], int]:
        """The banned users, each with the scope they had when banned (``scopes`` filters by it)."""
        where = "b.app_id = :app AND b.guid = :guid"
        params: dict[str, Any] = {"app": app_id, "guid": guid}
        if search:
            where += " AND " + name_search("u")
            params["search"] = like_pattern(search)
        if scopes:
            where += f" AND b.scope IN ({named_list('scope', scopes, params)})"
        body = f"FROM group_bans b JOIN users u ON u.app_id = b.app_id AND u.uid = b.uid WHERE {where}"
        rows, total = paged(self.conn, "u.*, b.banned_at, b.scope", body, params, "u.name COLLATE NOCASE, u.uid",
                            page, per_page)
        return [dict(user_object(row), scope=row["scope"], guid=guid, bannedAt=row["banned_at"])
                for row in rows], total

    # ------------------------------------------------------------------ receipts to everyone

    def sender_hears_receipts(self, app_id: str, row: Any) -> bool:
        """Whether the sender of message ``row`` is told of receipts for it: always in a
        one-to-one conversation; in a group only while a member, since who reads a group and
        when is not for those who left it, were kicked or banned."""
        if row["receiver_type"] != "group":
            return True
        return self.conn.execute(
            "SELECT 1 FROM conversation_members WHERE app_id = ? AND uid = ? AND conv_key = ?",
            (app_id, row["sender"], row["conv_key"])).fetchone() is not None

    def completed_for_all(self, app_id: str, row: Any, kind: str) -> tuple[str, ...]:
        """The kinds (``delivered``, ``read``) that a member's receipt of kind ``kind`` for the
        group message ``row`` just completed for every member (a read is a delivery too)."""
        if row["receiver_type"] != "group":
            return ()
        kinds = ("delivered", "read") if kind == "read" else ("delivered",)
        return tuple(k for k in kinds if self.everyone_got(app_id, row["conv_key"], row["id"], row["sender"], k))

    def everyone_got(self, app_id: str, conv_key: str, message_id: int, sender: str, kind: str) -> bool:
        """Whether every member but the sender has now delivered (or read) ``message_id``, for the
        first time: then the sender hears ``deliveredToAll`` / ``readByAll`` once."""
        column = "last_read_id" if kind == "read" else "last_delivered_id"
        behind = self.conn.execute(
            f"SELECT COUNT(*) FROM conversation_members WHERE app_id = ? AND conv_key = ? AND uid != ? AND {column} < ?",
            (app_id, conv_key, sender, message_id)).fetchone()[0]
        if behind:
            return False
        try:
            with self.conn:
                self.conn.execute("INSERT INTO receipts_to_all (app_id, message_id, kind) VALUES (?, ?, ?)",
                                  (app_id, message_id, kind))
        except sqlite3.IntegrityError:
            return False  # already told
        return True


def _json(value: Any) -> str | None:
    return json.dumps(value) if value is not None else None
