"""The dev server's tables, and the upgrade of a database written by an older version.

Messages are the source of truth: edits, deletes and group events are messages too. What is
derived per user (the conversation list, read positions, tags, what a user deleted for
themselves) lives in ``conversation_members``; ``conversations`` keeps each conversation's
last message. Reactions (one per message, user and emoji), who a message mentions, and the
files uploaded with media messages (their bytes in a folder beside the database) have tables
of their own. A conversation is keyed by its participants (``u:<uid>:<uid>`` sorted, or
``g:<guid>``), never by the display id, which a uid containing ``_user_`` could forge.
Every list the API pages through has an index that serves it in order.
"""

from __future__ import annotations

import sqlite3

__all__ = ["SCHEMA", "migrate"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS apps (
    app_id TEXT PRIMARY KEY, auth_key TEXT NOT NULL, region TEXT NOT NULL,
    jwt_secret TEXT NOT NULL, mode TEXT NOT NULL DEFAULT 'DEFAULT');
CREATE TABLE IF NOT EXISTS users (
    app_id TEXT NOT NULL, uid TEXT NOT NULL, name TEXT NOT NULL, avatar TEXT, link TEXT,
    role TEXT NOT NULL DEFAULT 'default', metadata TEXT, status_message TEXT, tags TEXT,
    created_at INTEGER NOT NULL, last_active_at INTEGER NOT NULL DEFAULT 0,
    deactivated_at INTEGER NOT NULL DEFAULT 0, jwt_epoch INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (app_id, uid));
CREATE INDEX IF NOT EXISTS users_name ON users (app_id, name, uid);
CREATE TABLE IF NOT EXISTS auth_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT, app_id TEXT NOT NULL, uid TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS devices (
    token_id INTEGER NOT NULL, device_id TEXT NOT NULL, registered_at REAL NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (token_id, device_id));
CREATE TABLE IF NOT EXISTS friends (
    app_id TEXT NOT NULL, uid TEXT NOT NULL, friend_uid TEXT NOT NULL,
    PRIMARY KEY (app_id, uid, friend_uid));
CREATE TABLE IF NOT EXISTS blocks (
    app_id TEXT NOT NULL, blocker TEXT NOT NULL, blocked TEXT NOT NULL, blocked_at INTEGER NOT NULL,
    PRIMARY KEY (app_id, blocker, blocked));
CREATE INDEX IF NOT EXISTS blocks_blocked ON blocks (app_id, blocked, blocker);
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT, app_id TEXT NOT NULL, conversation_id TEXT NOT NULL,
    sender TEXT NOT NULL, receiver TEXT NOT NULL, sent_at INTEGER NOT NULL, body TEXT);
CREATE TABLE IF NOT EXISTS message_tags (
    app_id TEXT NOT NULL, message_id INTEGER NOT NULL, tag TEXT NOT NULL,
    PRIMARY KEY (app_id, tag, message_id));
CREATE TABLE IF NOT EXISTS conversations (
    app_id TEXT NOT NULL, conv_key TEXT NOT NULL, conversation_id TEXT NOT NULL, kind TEXT NOT NULL,
    last_message_id INTEGER NOT NULL DEFAULT 0, updated_at INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (app_id, conv_key));
CREATE TABLE IF NOT EXISTS conversation_members (
    app_id TEXT NOT NULL, uid TEXT NOT NULL, conv_key TEXT NOT NULL, with_id TEXT NOT NULL,
    kind TEXT NOT NULL, last_read_id INTEGER NOT NULL DEFAULT 0,
    last_delivered_id INTEGER NOT NULL DEFAULT 0, cleared_id INTEGER NOT NULL DEFAULT 0,
    tags TEXT, PRIMARY KEY (app_id, uid, conv_key));
CREATE TABLE IF NOT EXISTS receipts (
    app_id TEXT NOT NULL, conv_key TEXT NOT NULL, uid TEXT NOT NULL, kind TEXT NOT NULL,
    message_id INTEGER NOT NULL, at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS receipts_position ON receipts (app_id, conv_key, uid, kind, message_id);
CREATE TABLE IF NOT EXISTS receipts_to_all (
    app_id TEXT NOT NULL, message_id INTEGER NOT NULL, kind TEXT NOT NULL,
    PRIMARY KEY (app_id, message_id, kind));
CREATE TABLE IF NOT EXISTS groups (
    app_id TEXT NOT NULL, guid TEXT NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL,
    password_hash TEXT, icon TEXT, description TEXT, owner TEXT NOT NULL, metadata TEXT, tags TEXT,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY (app_id, guid));
CREATE INDEX IF NOT EXISTS groups_name ON groups (app_id, name, guid);
CREATE TABLE IF NOT EXISTS group_members (
    app_id TEXT NOT NULL, guid TEXT NOT NULL, uid TEXT NOT NULL, scope TEXT NOT NULL,
    joined_at INTEGER NOT NULL, PRIMARY KEY (app_id, guid, uid));
CREATE INDEX IF NOT EXISTS group_members_of ON group_members (app_id, uid, guid);
CREATE TABLE IF NOT EXISTS reactions (
    id INTEGER PRIMARY KEY AUTOINCREMENT, app_id TEXT NOT NULL, message_id INTEGER NOT NULL,
    uid TEXT NOT NULL, reaction TEXT NOT NULL, reacted_at INTEGER NOT NULL,
    UNIQUE (app_id, message_id, uid, reaction));
CREATE INDEX IF NOT EXISTS reactions_of ON reactions (app_id, message_id, id);
CREATE INDEX IF NOT EXISTS reactions_by_emoji ON reactions (app_id, message_id, reaction, id);
CREATE TABLE IF NOT EXISTS message_mentions (
    app_id TEXT NOT NULL, message_id INTEGER NOT NULL, uid TEXT NOT NULL,
    PRIMARY KEY (app_id, message_id, uid));
CREATE INDEX IF NOT EXISTS mentions_of ON message_mentions (app_id, uid, message_id);
CREATE TABLE IF NOT EXISTS files (
    app_id TEXT NOT NULL, token TEXT PRIMARY KEY, message_id INTEGER NOT NULL, name TEXT NOT NULL,
    mime_type TEXT NOT NULL, size INTEGER NOT NULL, uploader TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS group_bans (
    app_id TEXT NOT NULL, guid TEXT NOT NULL, uid TEXT NOT NULL, banned_by TEXT NOT NULL,
    banned_at INTEGER NOT NULL, scope TEXT NOT NULL DEFAULT 'participant', PRIMARY KEY (app_id, guid, uid));
"""

#: columns added to ``messages`` after its first version: (name, declaration)
_MESSAGE_COLUMNS = (
    ("conv_key", "TEXT NOT NULL DEFAULT ''"),
    ("receiver_type", "TEXT NOT NULL DEFAULT 'user'"),
    ("category", "TEXT NOT NULL DEFAULT 'message'"),
    ("type", "TEXT NOT NULL DEFAULT 'text'"),
    ("parent_id", "INTEGER NOT NULL DEFAULT 0"),
    ("updated_at", "INTEGER NOT NULL DEFAULT 0"),
    ("edited_at", "INTEGER NOT NULL DEFAULT 0"),
    ("deleted_at", "INTEGER NOT NULL DEFAULT 0"),
    ("reply_count", "INTEGER NOT NULL DEFAULT 0"),
    ("muid", "TEXT"),
    ("search_text", "TEXT"),
)

_MESSAGE_INDEXES = """
CREATE INDEX IF NOT EXISTS messages_conversation_key ON messages (app_id, conv_key, id);
CREATE INDEX IF NOT EXISTS messages_thread ON messages (app_id, parent_id, id);
CREATE INDEX IF NOT EXISTS messages_updated ON messages (app_id, conv_key, updated_at);
CREATE INDEX IF NOT EXISTS members_of ON conversation_members (app_id, conv_key, uid);
CREATE INDEX IF NOT EXISTS messages_muid ON messages (app_id, sender, muid);
"""


def migrate(conn: sqlite3.Connection) -> None:
    """Create what is missing; bring an older database's messages up to this schema."""
    conn.executescript(SCHEMA)
    present = {row[1] for row in conn.execute("PRAGMA table_info(messages)")}
    for name, declaration in _MESSAGE_COLUMNS:
        if name not in present:
            conn.execute(f"ALTER TABLE messages ADD COLUMN {name} {declaration}")
    conn.executescript(_MESSAGE_INDEXES)
    _key_old_messages(conn)
    if "scope" not in {row[1] for row in conn.execute("PRAGMA table_info(group_bans)")}:
        # the scope a banned user had when banned; bans stored before it was kept read as participants
        conn.execute("ALTER TABLE group_bans ADD COLUMN scope TEXT NOT NULL DEFAULT 'participant'")


def _key_old_messages(conn: sqlite3.Connection) -> None:
    """Messages stored before conversations were keyed by participants get their key."""
    rows = conn.execute("SELECT id, sender, receiver, sent_at FROM messages WHERE conv_key = ''").fetchall()
    for message_id, sender, receiver, sent_at in rows:
        first, second = sorted((sender, receiver))
        conn.execute("UPDATE messages SET conv_key = ?, updated_at = ? WHERE id = ?",
                     (f"u:{first}:{second}", sent_at, message_id))
