"""Messages in SQLite: storing, paging, editing, receipts, and presenting them to one viewer.

A stored message keeps the object the server answered with (``body``) plus the columns the
lists filter and order on, and who it mentions (``message_mentions``, so unread mentions are
one indexed count). What depends on who is looking (``readAt`` of my message, my own
``readByMeAt``, ``unreadRepliesCount``, the ``reactions`` with ``reactedByMe``) is added when a
message is presented to a viewer.
Pages are keyset pages on the message id (and ``sentAt`` when the client sends both), with
exclusive bounds, served in order by an index, so a page costs the same at any depth.
"""

from __future__ import annotations

import json
import sqlite3
import time
from typing import Any, Callable

import attrs

from . import keys
from .files_store import StoredFile
from .users_store import like_pattern

__all__ = ["MessagesStore", "NewMessage", "HistoryQuery", "Presentation", "COUNTED_CATEGORIES"]

#: what counts as unread, and moves a conversation: real messages, not edits and deletes
COUNTED_CATEGORIES = ("message", "custom")
#: action messages that do not move a conversation (they are about another message)
_QUIET_ACTIONS = ("edited", "deleted")


@attrs.frozen(kw_only=True)
class NewMessage:
    """A message to store; ``build_body(id)`` makes its wire object once the id is known."""

    conv_key: str
    sender: str
    receiver: str
    receiver_type: str
    category: str
    type: str
    sent_at: int
    build_body: Callable[[int], dict[str, Any]] = attrs.field(repr=False)
    parent_id: int = 0
    muid: str | None = None
    search_text: str | None = None
    tags: tuple[str, ...] = ()
    action: str | None = None
    mentions: tuple[str, ...] = ()  #: uids of the users the message mentions
    files: tuple[StoredFile, ...] = ()  #: uploaded with it, recorded in the same transaction


@attrs.frozen(kw_only=True)
class Presentation:
    """How much of a message a list asks for (``withTags``, ``mentionsWithTagInfo``,
    ``mentionsWithBlockedInfo``)."""

    tags: bool = True
    mention_tags: bool = False
    mention_blocks: bool = False


@attrs.frozen(kw_only=True)
class HistoryQuery:
    """One page of history as ``viewer`` may see it (wire reference: ios-surface-next 2.1, 8.1)."""

    viewer: str
    conv_key: str | None = None  #: one conversation; None: every conversation of the viewer
    parent_id: int | None = None  #: one thread
    affix: str = "prepend"
    message_id: int | None = None
    sent_at: int | None = None
    updated_at: int | None = None
    only_updates: bool = False
    unread: bool = False
    hide_blocked: bool = False
    hide_replies: bool = False
    hide_deleted: bool = False
    categories: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    search: str | None = None
    limit: int = 30


class MessagesStore:
    """Every query about messages; runs on the database thread."""

    conn: sqlite3.Connection

    # ------------------------------------------------------------------ writing

    def insert_message(self, app_id: str, new: NewMessage) -> dict[str, Any]:
        """Store a message (and its tags, its parent's reply count, its conversation)."""
        with self.conn:
            cursor = self.conn.execute(
                "INSERT INTO messages (app_id, conversation_id, conv_key, sender, receiver, receiver_type, category,"
                " type, parent_id, sent_at, updated_at, muid, search_text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (app_id, keys.display_id(new.conv_key), new.conv_key, new.sender, new.receiver, new.receiver_type,
                 new.category, new.type, new.parent_id, new.sent_at, new.sent_at, new.muid, new.search_text),
            )
            message_id = int(cursor.lastrowid)  # type: ignore[arg-type]
            body = new.build_body(message_id)
            self.conn.execute("UPDATE messages SET body = ? WHERE id = ?", (json.dumps(body), message_id))
            self.conn.executemany("INSERT OR IGNORE INTO message_tags (app_id, message_id, tag) VALUES (?, ?, ?)",
                                  [(app_id, message_id, tag) for tag in set(new.tags)])
            self._record_mentions(app_id, message_id, new.mentions)
            if new.files:
                self.record_files(app_id, message_id, new.sender, new.files)  # type: ignore[attr-defined]
            if new.parent_id:
                self.conn.execute("UPDATE messages SET reply_count = reply_count + 1 WHERE id = ?", (new.parent_id,))
            self._conversation_moved(app_id, new, message_id)
        return body

    def _conversation_moved(self, app_id: str, new: NewMessage, message_id: int) -> None:
        """The conversation exists for both parties; a real message becomes its last."""
        kind = "group" if keys.is_group(new.conv_key) else "user"
        moves = new.action not in _QUIET_ACTIONS
        self.conn.execute(
            "INSERT INTO conversations (app_id, conv_key, conversation_id, kind, last_message_id, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (app_id, conv_key) DO UPDATE SET"
            " last_message_id = CASE WHEN ? THEN excluded.last_message_id ELSE last_message_id END,"
            " updated_at = CASE WHEN ? THEN excluded.updated_at ELSE updated_at END",
            (app_id, new.conv_key, keys.display_id(new.conv_key), kind, message_id if moves else 0, new.sent_at,
             moves, moves),
        )
        if kind == "user":
            for uid, other in ((new.sender, new.receiver), (new.receiver, new.sender)):
                self.conn.execute("INSERT OR IGNORE INTO conversation_members (app_id, uid, conv_key, with_id, kind)"
                                  " VALUES (?, ?, ?, ?, 'user')", (app_id, uid, new.conv_key, other))

    def seed_messages(self, app_id: str, sender: str, receiver: str, count: int, text: str) -> list[int]:
        """``count`` text messages stored in one transaction (the ``seed_messages`` control)."""
        users = self.users_by_uid(app_id, {sender, receiver})  # type: ignore[attr-defined]
        if len(users) != len({sender, receiver}):
            raise ValueError("both users must exist")
        conv_key, now = keys.user_key(sender, receiver), int(time.time())
        entities = {"sender": {"entity": users[sender], "entityType": "user"},
                    "receiver": {"entity": users[receiver], "entityType": "user"}}
        with self.conn:
            first = self.conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM messages").fetchone()[0]
            rows = []
            for n in range(count):
                body = {"id": str(first + n), "conversationId": keys.display_id(conv_key), "sender": sender,
                        "receiver": receiver, "receiverType": "user", "type": "text", "category": "message",
                        "sentAt": now, "updatedAt": now, "data": {"text": f"{text} {n}", "entities": entities}}
                rows.append((first + n, app_id, keys.display_id(conv_key), conv_key, sender, receiver, now, now,
                             f"{text} {n}".lower(), json.dumps(body)))
            self.conn.executemany(
                "INSERT INTO messages (id, app_id, conversation_id, conv_key, sender, receiver, sent_at, updated_at,"
                " search_text, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            last = first + count - 1
            new = NewMessage(conv_key=conv_key, sender=sender, receiver=receiver, receiver_type="user",
                             category="message", type="text", sent_at=now, build_body=lambda _: {})
            self._conversation_moved(app_id, new, last)
        return [first, last]

    def rewrite_message(self, app_id: str, message_id: int, body: dict[str, Any], *, updated_at: int,
                        edited_at: int | None = None, deleted_at: int | None = None,
                        search_text: str | None = None, mentions: tuple[str, ...] | None = None) -> None:
        """Replace a stored message's object (an edit or a delete); ``mentions`` replaces whom
        it mentions."""
        with self.conn:
            self.conn.execute(
                "UPDATE messages SET body = ?, updated_at = ?, edited_at = COALESCE(?, edited_at),"
                " deleted_at = COALESCE(?, deleted_at), search_text = COALESCE(?, search_text)"
                " WHERE app_id = ? AND id = ?",
                (json.dumps(body), updated_at, edited_at, deleted_at, search_text, app_id, message_id),
            )
            if mentions is not None:
                self.conn.execute("DELETE FROM message_mentions WHERE app_id = ? AND message_id = ?",
                                  (app_id, message_id))
                self._record_mentions(app_id, message_id, mentions)

    def _record_mentions(self, app_id: str, message_id: int, uids: tuple[str, ...]) -> None:
        self.conn.executemany("INSERT OR IGNORE INTO message_mentions (app_id, message_id, uid) VALUES (?, ?, ?)",
                              [(app_id, message_id, uid) for uid in uids])

    # ------------------------------------------------------------------ reading

    def message_row(self, app_id: str, message_id: int) -> sqlite3.Row | None:
        return self.conn.execute("SELECT * FROM messages WHERE app_id = ? AND id = ?", (app_id, message_id)).fetchone()

    def member(self, app_id: str, uid: str, conv_key: str) -> sqlite3.Row | None:
        return self.conn.execute(
            "SELECT * FROM conversation_members WHERE app_id = ? AND uid = ? AND conv_key = ?", (app_id, uid, conv_key)
        ).fetchone()

    def message_by_muid(self, app_id: str, sender: str, muid: str | None) -> sqlite3.Row | None:
        """The message ``sender`` already sent with this ``muid`` (a repeated send), if any."""
        if not muid:
            return None
        return self.conn.execute(  # type: ignore[no-any-return]
            "SELECT * FROM messages WHERE app_id = ? AND sender = ? AND muid = ?", (app_id, sender, muid)).fetchone()

    def visible_message(self, app_id: str, viewer: str, message_id: int) -> sqlite3.Row | None:
        """The message, if it exists and ``viewer`` is a party to its conversation."""
        row = self.message_row(app_id, message_id)
        if row is None or self.member(app_id, viewer, row["conv_key"]) is None:
            return None
        return row

    def list_messages(self, app_id: str, query: HistoryQuery) -> list[sqlite3.Row]:
        """One page, oldest first."""
        where, args = self._history_filters(app_id, query)
        where_c, args_c = self._cursor(query)
        way = "ASC" if query.affix == "append" else "DESC"
        order = f"m.updated_at {way}, m.id {way}" if query.updated_at is not None else f"m.id {way}"
        rows = self.conn.execute(
            "SELECT m.* FROM messages m LEFT JOIN conversation_members cm"
            " ON cm.app_id = m.app_id AND cm.uid = ? AND cm.conv_key = m.conv_key"
            f" WHERE {' AND '.join(where + where_c)} ORDER BY {order} LIMIT ?",
            (query.viewer, *args, *args_c, query.limit),
        ).fetchall()
        return rows if query.affix == "append" else rows[::-1]

    def _history_filters(self, app_id: str, query: HistoryQuery) -> tuple[list[str], list[Any]]:
        where = ["m.app_id = ?", "cm.uid IS NOT NULL", "m.id > cm.cleared_id"]
        args: list[Any] = [app_id]
        if query.conv_key is not None:
            where.append("m.conv_key = ?")
            args.append(query.conv_key)
        if query.parent_id is not None:
            where.append("m.parent_id = ?")
            args.append(query.parent_id)
        elif query.hide_replies:
            where.append("m.parent_id = 0")
        if query.unread:
            where.append("m.id > cm.last_read_id AND m.sender != ?")
            args.append(query.viewer)
        if query.hide_blocked:
            where.append("m.sender NOT IN (SELECT blocked FROM blocks WHERE app_id = m.app_id AND blocker = ?)")
            args.append(query.viewer)
        if query.hide_deleted:
            where.append("m.deleted_at = 0")
        for column, values in (("m.category", query.categories), ("m.type", query.types)):
            if values:
                where.append(f"{column} IN ({','.join('?' * len(values))})")
                args += list(values)
        if query.tags:
            where.append(f"m.id IN (SELECT message_id FROM message_tags WHERE app_id = m.app_id"
                         f" AND tag IN ({','.join('?' * len(query.tags))}))")
            args += list(query.tags)
        if query.search:
            where.append("m.search_text LIKE ? ESCAPE '\\'")
            args.append(like_pattern(query.search))
        return where, args

    @staticmethod
    def _cursor(query: HistoryQuery) -> tuple[list[str], list[Any]]:
        """Exclusive bounds: older than the cursor (prepend) or newer (append).

        An update time pages by (update time, id), the order such a page comes in: many
        messages change in the same second, and the id behind the time says which of them
        were seen (a sentAt sent with it means nothing there)."""
        sign = ">" if query.affix == "append" else "<"
        if query.updated_at is not None:
            if query.message_id is None:
                where, args = [f"m.updated_at {sign} ?"], [query.updated_at]
            else:
                where = [f"(m.updated_at {sign} ? OR (m.updated_at = ? AND m.id {sign} ?))"]
                args = [query.updated_at, query.updated_at, query.message_id]
            if query.only_updates:  # edited or deleted (receipts do not count as updates here)
                where.append("(m.edited_at > 0 OR m.deleted_at > 0)")
            return where, args
        if query.message_id is not None:
            # ids grow with sending time, so the id alone is the exact boundary (and the index's
            # range); a sentAt sent with it only narrows, never widens, what comes back
            where, args = [f"m.id {sign} ?"], [query.message_id]
            if query.sent_at is not None:
                where.append(f"m.sent_at {sign}= ?")
                args.append(query.sent_at)
            return where, args
        if query.sent_at is not None:
            return [f"m.sent_at {sign} ?"], [query.sent_at]
        return [], []

    # ------------------------------------------------------------------ unread

    def unread_counts(self, app_id: str, viewer: str, *, conv_key: str | None = None, kind: str | None = None,
                      hide_blocked: bool = False) -> list[tuple[str, str, str, int]]:
        """(conv_key, with_id, kind, count) for the viewer's conversations with unread messages."""
        where = ["cm.app_id = ?", "cm.uid = ?"]
        args: list[Any] = [app_id, viewer]
        if conv_key is not None:
            where.append("cm.conv_key = ?")
            args.append(conv_key)
        if kind is not None:
            where.append("cm.kind = ?")
            args.append(kind)
        members = self.conn.execute(
            f"SELECT conv_key, with_id, kind, last_read_id, cleared_id FROM conversation_members cm"
            f" WHERE {' AND '.join(where)}", args).fetchall()
        counts = []
        for member in members:
            count = self.count_unread(app_id, viewer, member, hide_blocked=hide_blocked)
            if count or conv_key is not None:
                counts.append((member["conv_key"], member["with_id"], member["kind"], count))
        return counts

    def count_unread(self, app_id: str, viewer: str, member: sqlite3.Row, *, hide_blocked: bool = False) -> int:
        """Real messages from others after the viewer's read position (replies count in their thread)."""
        sql = ("SELECT COUNT(*) FROM messages WHERE app_id = ? AND conv_key = ? AND id > ? AND sender != ?"
               " AND parent_id = 0 AND deleted_at = 0 AND category IN ('message', 'custom')")
        args: list[Any] = [app_id, member["conv_key"], max(member["last_read_id"], member["cleared_id"]), viewer]
        if hide_blocked:
            sql += " AND sender NOT IN (SELECT blocked FROM blocks WHERE app_id = ? AND blocker = ?)"
            args += [app_id, viewer]
        return int(self.conn.execute(sql, args).fetchone()[0])

    def count_unread_mentions(self, app_id: str, viewer: str, member: sqlite3.Row) -> int:
        """Messages after the viewer's read position that mention the viewer (counted as
        ``count_unread`` counts: replies count in their thread)."""
        return int(self.conn.execute(
            "SELECT COUNT(*) FROM message_mentions mm JOIN messages m ON m.id = mm.message_id"
            " WHERE mm.app_id = ? AND mm.uid = ? AND mm.message_id > ? AND m.conv_key = ? AND m.sender != ?"
            " AND m.deleted_at = 0 AND m.parent_id = 0", (app_id, viewer, max(member["last_read_id"], member["cleared_id"]),
                                      member["conv_key"], viewer)).fetchone()[0])

    # ------------------------------------------------------------------ receipts

    def record_receipt(self, app_id: str, conv_key: str, uid: str, kind: str, message_id: int, at: int) -> bool:
        """Move the reader's position (a read is a delivery too); False if it moved nothing."""
        sets = ("last_read_id = :id, last_delivered_id = MAX(last_delivered_id, :id)" if kind == "read"
                else "last_delivered_id = :id")
        column = "last_read_id" if kind == "read" else "last_delivered_id"
        with self.conn:
            cursor = self.conn.execute(
                f"UPDATE conversation_members SET {sets}"
                f" WHERE app_id = :app AND uid = :uid AND conv_key = :key AND {column} < :id",
                {"id": message_id, "app": app_id, "uid": uid, "key": conv_key},
            )
            if cursor.rowcount:
                self.conn.execute("INSERT INTO receipts (app_id, conv_key, uid, kind, message_id, at)"
                                  " VALUES (?, ?, ?, ?, ?, ?)", (app_id, conv_key, uid, kind, message_id, at))
        return bool(cursor.rowcount)

    def receipt_time(self, app_id: str, conv_key: str, uid: str, kinds: tuple[str, ...], message_id: int) -> int:
        """When ``uid`` first delivered (or read) message ``message_id``: 0 if not yet."""
        marks = ",".join("?" * len(kinds))
        row = self.conn.execute(
            f"SELECT MIN(at) FROM receipts WHERE app_id = ? AND conv_key = ? AND uid = ? AND kind IN ({marks})"
            " AND message_id >= ?", (app_id, conv_key, uid, *kinds, message_id)).fetchone()
        return int(row[0] or 0)

    def message_receipts(self, app_id: str, row: sqlite3.Row) -> list[dict[str, Any]]:
        """Who delivered and read one message: ``{recipient, deliveredAt, readAt}`` per recipient."""
        recipients = self.conn.execute(
            "SELECT uid FROM conversation_members WHERE app_id = ? AND conv_key = ? AND uid != ?",
            (app_id, row["conv_key"], row["sender"])).fetchall()
        out = []
        for (uid,) in recipients:
            delivered = self.receipt_time(app_id, row["conv_key"], uid, ("delivered", "read"), row["id"])
            read = self.receipt_time(app_id, row["conv_key"], uid, ("read",), row["id"])
            if delivered or read:
                user = self.get_user(app_id, uid)  # type: ignore[attr-defined]
                out.append({"recipient": user, "deliveredAt": delivered, "readAt": read,
                            "messageId": str(row["id"])})
        return out

    # ------------------------------------------------------------------ presenting

    def present_messages(self, app_id: str, viewer: str, rows: list[sqlite3.Row], *,
                         how: Presentation = Presentation()) -> list[dict[str, Any]]:
        """The wire objects of ``rows`` as ``viewer`` sees them."""
        return [self.present_message(app_id, viewer, row, how=how) for row in rows]

    def present_message(self, app_id: str, viewer: str, row: sqlite3.Row, *, how: Presentation = Presentation(),
                        quoted: bool = True) -> dict[str, Any]:
        obj: dict[str, Any] = json.loads(row["body"])
        if row["reply_count"]:
            obj["replyCount"] = row["reply_count"]
            obj["unreadRepliesCount"] = self._unread_replies(app_id, viewer, row)
        self._receipt_fields(app_id, viewer, row, obj)
        reactions = self.reaction_counts(app_id, row["id"], viewer)  # type: ignore[attr-defined]
        if reactions:
            obj["reactions"] = reactions
        mentions = obj.get("data", {}).get("mentions")
        if isinstance(mentions, dict) and mentions and (how.mention_tags or how.mention_blocks):
            obj["data"]["mentions"] = self._mentioned(app_id, viewer, list(mentions), how)
        quoted_id = obj.get("quotedMessageId")
        if quoted and isinstance(quoted_id, int) and quoted_id:
            quoted_row = self.visible_message(app_id, viewer, quoted_id)
            if quoted_row is not None:
                obj["quotedMessage"] = self.present_message(app_id, viewer, quoted_row, quoted=False)
        if not how.tags:
            obj.pop("tags", None)
        return obj

    def mentioned_users(self, app_id: str, uids: list[str]) -> dict[str, dict[str, Any]]:
        """``data.mentions`` of a new message: the users it names that exist, as anyone sees them."""
        found = self.users_by_uid(app_id, set(uids))  # type: ignore[attr-defined]
        return {uid: _plain(found[uid]) for uid in dict.fromkeys(uids) if uid in found}

    def _mentioned(self, app_id: str, viewer: str, uids: list[str], how: Presentation) -> dict[str, Any]:
        """The mentioned users as they are now, with their tags and block flags if asked."""
        users = self.users_by_uid(app_id, set(uids))  # type: ignore[attr-defined]
        if how.mention_blocks:
            self.with_block_flags(app_id, viewer, list(users.values()))  # type: ignore[attr-defined]
        out = {}
        for uid in uids:
            if uid in users:
                user = users[uid] if how.mention_blocks else _plain(users[uid])
                if how.mention_tags:
                    user["tags"] = users[uid]["tags"]
                out[uid] = user
        return out

    def _receipt_fields(self, app_id: str, viewer: str, row: sqlite3.Row, obj: dict[str, Any]) -> None:
        if keys.is_group(row["conv_key"]) or row["category"] == "action":
            return
        conv_key, message_id = row["conv_key"], row["id"]
        if row["sender"] == viewer:
            peer = row["receiver"]
            obj["deliveredAt"] = self.receipt_time(app_id, conv_key, peer, ("delivered", "read"), message_id)
            obj["readAt"] = self.receipt_time(app_id, conv_key, peer, ("read",), message_id)
        else:
            obj["deliveredToMeAt"] = self.receipt_time(app_id, conv_key, viewer, ("delivered", "read"), message_id)
            obj["readByMeAt"] = self.receipt_time(app_id, conv_key, viewer, ("read",), message_id)

    def _unread_replies(self, app_id: str, viewer: str, row: sqlite3.Row) -> int:
        member = self.member(app_id, viewer, row["conv_key"])
        last_read = member["last_read_id"] if member is not None else 0
        return int(self.conn.execute(
            "SELECT COUNT(*) FROM messages WHERE app_id = ? AND parent_id = ? AND id > ? AND sender != ?"
            " AND deleted_at = 0", (app_id, row["id"], last_read, viewer)).fetchone()[0])


def now() -> int:
    return int(time.time())


def _plain(user: dict[str, Any]) -> dict[str, Any]:
    """A user object without what depends on who is asking (tags only when asked for)."""
    return {k: v for k, v in user.items() if k not in ("tags", "blockedByMe", "hasBlockedMe")}
