"""Reactions in SQLite.

A reaction is one row per message, user and emoji: adding it twice is one reaction. A
message's ``reactions`` are counted per emoji when it is presented, with ``reactedByMe`` for
the viewer. Reaction lists page by the reaction's id, oldest first, both ways.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

import attrs

from .users_store import user_object

__all__ = ["ReactionsStore", "ReactionPage"]


@attrs.frozen(kw_only=True)
class ReactionPage:
    """One page of a message's reactions: ``after`` / ``before`` a reaction id (exclusive)."""

    message_id: int
    reaction: str | None = None
    limit: int = 10
    affix: str = "append"
    cursor: int | None = None


class ReactionsStore:
    """Every query about reactions; runs on the database thread."""

    conn: sqlite3.Connection

    # ------------------------------------------------------------------ reactions

    def add_reaction(self, app_id: str, message_id: int, uid: str, reaction: str) -> sqlite3.Row | None:
        """The new reaction's row; None when ``uid`` had already reacted so (nothing changes)."""
        try:
            with self.conn:
                cursor = self.conn.execute(
                    "INSERT INTO reactions (app_id, message_id, uid, reaction, reacted_at) VALUES (?, ?, ?, ?, ?)",
                    (app_id, message_id, uid, reaction, int(time.time())))
        except sqlite3.IntegrityError:
            return None
        return self.conn.execute("SELECT * FROM reactions WHERE id = ?", (cursor.lastrowid,)).fetchone()  # type: ignore[no-any-return]

    def remove_reaction(self, app_id: str, message_id: int, uid: str, reaction: str) -> sqlite3.Row | None:
        """The removed reaction's row; None when there was no such reaction."""
        with self.conn:
            row = self.conn.execute("SELECT * FROM reactions WHERE app_id = ? AND message_id = ? AND uid = ?"
                                    " AND reaction = ?", (app_id, message_id, uid, reaction)).fetchone()
            if row is not None:
                self.conn.execute("DELETE FROM reactions WHERE id = ?", (row["id"],))
        return row  # type: ignore[no-any-return]

    def reaction_counts(self, app_id: str, message_id: int, viewer: str) -> list[dict[str, Any]]:
        """``[{reaction, count, reactedByMe}]``, in the order each emoji was first used."""
        rows = self.conn.execute(
            "SELECT reaction, COUNT(*) AS n, MAX(uid = ?) AS mine, MIN(id) AS first FROM reactions"
            " WHERE app_id = ? AND message_id = ? GROUP BY reaction ORDER BY first", (viewer, app_id, message_id))
        return [{"reaction": r["reaction"], "count": r["n"], "reactedByMe": bool(r["mine"])} for r in rows]

    def list_reactions(self, app_id: str, page: ReactionPage) -> list[dict[str, Any]]:
        """One page, oldest first: after the cursor (append) or before it (prepend)."""
        where = ["r.app_id = ?", "r.message_id = ?"]
        args: list[Any] = [app_id, page.message_id]
        if page.reaction is not None:
            where.append("r.reaction = ?")
            args.append(page.reaction)
        if page.cursor is not None:
            where.append("r.id > ?" if page.affix == "append" else "r.id < ?")
            args.append(page.cursor)
        order = "ASC" if page.affix == "append" else "DESC"
        rows = self.conn.execute(
            "SELECT r.id AS reaction_id, r.message_id, r.reaction, r.reacted_at, u.* FROM reactions r"
            f" JOIN users u ON u.app_id = r.app_id AND u.uid = r.uid WHERE {' AND '.join(where)}"
            f" ORDER BY r.id {order} LIMIT ?", (*args, page.limit)).fetchall()
        if page.affix != "append":
            rows.reverse()
        return [reaction_object(row, user_object(row)) for row in rows]


def reaction_object(row: sqlite3.Row, reacted_by: dict[str, Any]) -> dict[str, Any]:
    """The wire's reaction (ios-surface-next 2.5)."""
    reaction_id = row["reaction_id"] if "reaction_id" in row.keys() else row["id"]
    return {"id": str(reaction_id), "messageId": str(row["message_id"]), "reaction": row["reaction"],
            "uid": reacted_by["uid"], "reactedAt": row["reacted_at"], "reactedBy": reacted_by}
