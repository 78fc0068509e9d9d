"""Conversations in SQLite: each user's list, unread counts, read positions, tags, deletions.

A conversation exists for a user once it has a message (or, for a group, once they joined);
``deleteConversation`` hides what came before for that user only, and the next message
brings the conversation back.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import attrs

from . import keys
from .users_store import like_pattern

__all__ = ["ConversationsStore", "ConversationQuery"]

_UNREAD_EXISTS = (
    "EXISTS (SELECT 1 FROM messages m WHERE m.app_id = cm.app_id AND m.conv_key = cm.conv_key"
    " AND m.id > MAX(cm.last_read_id, cm.cleared_id) AND m.sender != cm.uid AND m.parent_id = 0"
    " AND m.deleted_at = 0 AND m.category IN ('message', 'custom'))"
)


_USER_MATCHES = "cm.with_id IN (SELECT uid FROM users WHERE app_id = cm.app_id AND {})"
_GROUP_MATCHES = "cm.with_id IN (SELECT guid FROM groups WHERE app_id = cm.app_id AND {})"


@attrs.frozen(kw_only=True)
class ConversationQuery:
    """What ``GET conversations`` asks for (ios-surface-next 3.1). ``user_tags`` and
    ``group_tags`` each select conversations of their kind (with both, either kind matches);
    ``search`` matches the user's or the group's name (or id)."""

    viewer: str
    kind: str | None = None
    tags: tuple[str, ...] = ()
    user_tags: tuple[str, ...] = ()
    group_tags: tuple[str, ...] = ()
    include_blocked: bool = False
    unread: bool = False
    search: str | None = None
    with_tags: bool = False
    with_user_and_group_tags: bool = False
    with_blocked_info: bool = False


class ConversationsStore:
    """Every query about a user's conversations; runs on the database thread."""

    conn: sqlite3.Connection

    def list_conversations(self, app_id: str, query: ConversationQuery, page: int,
                           per_page: int) -> tuple[list[dict[str, Any]], int]:
        where, args = self._conversation_filters(app_id, query)
        body = ("FROM conversation_members cm JOIN conversations c ON c.app_id = cm.app_id AND c.conv_key = cm.conv_key"
                f" WHERE {' AND '.join(where)}")
        total = self.conn.execute(f"SELECT COUNT(*) {body}", args).fetchone()[0]
        rows = self.conn.execute(
            f"SELECT cm.*, c.last_message_id, c.updated_at {body}"
            " ORDER BY c.updated_at DESC, c.last_message_id DESC LIMIT ? OFFSET ?",
            (*args, per_page, (page - 1) * per_page)).fetchall()
        found = [self.conversation_object(app_id, query.viewer, row, with_tags=query.with_tags) for row in rows]
        for conversation in found:
            _present_with(conversation.get("conversationWith"), query)
        return found, total

    def _conversation_filters(self, app_id: str, query: ConversationQuery) -> tuple[list[str], list[Any]]:
        where = ["cm.app_id = ?", "cm.uid = ?", "c.last_message_id > cm.cleared_id"]
        args: list[Any] = [app_id, query.viewer]
        if query.kind is not None:
            where.append("cm.kind = ?")
            args.append(query.kind)
        if query.tags:
            where.append(f"EXISTS (SELECT 1 FROM json_each(cm.tags) WHERE value IN ({','.join('?' * len(query.tags))}))")
            args += list(query.tags)
        kinds_tagged = []  # userTags: user conversations whose user has one; groupTags: the same for groups
        for kind, tags, matches, table in (("user", query.user_tags, _USER_MATCHES, "users"),
                                           ("group", query.group_tags, _GROUP_MATCHES, "groups")):
            if tags:
                marks = ",".join("?" * len(tags))
                kinds_tagged.append(f"(cm.kind = '{kind}' AND " + matches.format(
                    f"EXISTS (SELECT 1 FROM json_each({table}.tags) WHERE value IN ({marks}))") + ")")
                args += list(tags)
        if kinds_tagged:
            where.append("(" + " OR ".join(kinds_tagged) + ")")
        if not query.include_blocked:
            where.append("(cm.kind != 'user' OR (cm.with_id NOT IN (SELECT blocked FROM blocks WHERE app_id = cm.app_id"
                         " AND blocker = cm.uid) AND cm.with_id NOT IN (SELECT blocker FROM blocks WHERE"
                         " app_id = cm.app_id AND blocked = cm.uid)))")
        if query.unread:
            where.append(_UNREAD_EXISTS)
        if query.search:
            named = "(LOWER(name) LIKE ? ESCAPE '\\' OR LOWER({}) LIKE ? ESCAPE '\\')"
            where.append(f"((cm.kind = 'user' AND {_USER_MATCHES.format(named.format('uid'))}) OR"
                         f" (cm.kind = 'group' AND {_GROUP_MATCHES.format(named.format('guid'))}))")
            args += [like_pattern(query.search)] * 4
        return where, args

    def conversation_row(self, app_id: str, viewer: str, conv_key: str) -> sqlite3.Row | None:
        """The viewer's conversation, if it has anything the viewer has not deleted."""
        return self.conn.execute(
            "SELECT cm.*, c.last_message_id, c.updated_at FROM conversation_members cm JOIN conversations c"
            " ON c.app_id = cm.app_id AND c.conv_key = cm.conv_key WHERE cm.app_id = ? AND cm.uid = ?"
            " AND cm.conv_key = ? AND c.last_message_id > cm.cleared_id", (app_id, viewer, conv_key)).fetchone()

    def conversation(self, app_id: str, viewer: str, conv_key: str, *, with_tags: bool = True) -> dict[str, Any] | None:
        row = self.conversation_row(app_id, viewer, conv_key)
        return None if row is None else self.conversation_object(app_id, viewer, row, with_tags=with_tags)

    def conversation_object(self, app_id: str, viewer: str, row: sqlite3.Row, *,
                            with_tags: bool = True) -> dict[str, Any]:
        """The wire's conversation object (wire reference 4.7) for one member row."""
        last = self.message_row(app_id, row["last_message_id"])  # type: ignore[attr-defined]
        obj: dict[str, Any] = {
            "conversationId": keys.display_id(row["conv_key"]),
            "conversationType": row["kind"],
            "conversationWith": self.conversation_with(app_id, viewer, row),
            "unreadMessageCount": self.count_unread(app_id, viewer, row),  # type: ignore[attr-defined]
            "unreadMentionsCount": self.count_unread_mentions(app_id, viewer, row),  # type: ignore[attr-defined]
            "lastReadMessageId": str(row["last_read_id"]),
            "updatedAt": row["updated_at"],
        }
        if last is not None:
            obj["lastMessage"] = self.present_message(app_id, viewer, last)  # type: ignore[attr-defined]
        if with_tags:
            obj["tags"] = json.loads(row["tags"]) if row["tags"] else []
        return obj

    def conversation_with(self, app_id: str, viewer: str, row: sqlite3.Row) -> dict[str, Any] | None:
        """The other party (a user, as the viewer sees them) or the group."""
        if row["kind"] == "user":
            return self.get_user(app_id, row["with_id"], viewer)  # type: ignore[attr-defined, no-any-return]
        return self.group(app_id, row["with_id"], viewer)  # type: ignore[attr-defined, no-any-return]

    def set_conversation_tags(self, app_id: str, viewer: str, conv_key: str, tags: list[str]) -> bool:
        with self.conn:
            cursor = self.conn.execute(
                "UPDATE conversation_members SET tags = ? WHERE app_id = ? AND uid = ? AND conv_key = ?",
                (json.dumps(tags), app_id, viewer, conv_key))
        return cursor.rowcount > 0

    def clear_conversation(self, app_id: str, viewer: str, conv_key: str) -> bool:
        """Hide everything so far from the viewer (``deleteConversation``, for them only)."""
        with self.conn:
            cursor = self.conn.execute(
                "UPDATE conversation_members SET cleared_id = (SELECT COALESCE(MAX(id), 0) FROM messages"
                " WHERE app_id = ? AND conv_key = ?), last_read_id = (SELECT COALESCE(MAX(id), 0) FROM messages"
                " WHERE app_id = ? AND conv_key = ?) WHERE app_id = ? AND uid = ? AND conv_key = ?",
                (app_id, conv_key, app_id, conv_key, app_id, viewer, conv_key))
        return cursor.rowcount > 0

    def latest_from_others(self, app_id: str, viewer: str, conv_key: str) -> sqlite3.Row | None:
        """The newest message of the conversation the viewer did not send (its id, sender, key, receiver type)."""
        return self.conn.execute(  # type: ignore[no-any-return]
            "SELECT id, sender, conv_key, receiver_type FROM messages WHERE app_id = ? AND conv_key = ? AND sender != ?"
            " ORDER BY id DESC LIMIT 1", (app_id, conv_key, viewer)).fetchone()

    def mark_unread(self, app_id: str, viewer: str, conv_key: str, message_id: int) -> bool:
        """``markAsUnread``: the viewer's read position goes back to just before ``message_id``."""
        with self.conn:
            cursor = self.conn.execute(
                "UPDATE conversation_members SET last_read_id = ? WHERE app_id = ? AND uid = ? AND conv_key = ?",
                (message_id - 1, app_id, viewer, conv_key))
        return cursor.rowcount > 0


def _present_with(with_: Any, query: ConversationQuery) -> None:
    """A listed conversation's user or group carries its tags only with
    ``withUserAndGroupTags``, and a user whether either blocked the other only with
    ``withBlockedInfo`` (``getConversation`` always gives both)."""
    if not isinstance(with_, dict):
        return
    if not query.with_user_and_group_tags:
        with_.pop("tags", None)
    if not query.with_blocked_info and "uid" in with_:
        with_.pop("blockedByMe", None)
        with_.pop("hasBlockedMe", None)
