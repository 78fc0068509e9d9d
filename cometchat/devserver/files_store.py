"""Uploaded files in SQLite: which token names which stored file, of which message.

The bytes live in the files folder beside the database (``media.py`` writes and serves them);
a row exists only for a file whose message was stored (the rows and the message are one
transaction), so a file without a row is an orphan of a failed upload and is swept away.
"""

from __future__ import annotations

import sqlite3
import time

import attrs

__all__ = ["FilesStore", "StoredFile"]


@attrs.frozen(kw_only=True)
class StoredFile:
    """A file written to the files folder under ``token`` (its name there)."""

    token: str
    name: str
    mime_type: str
    size: int


class FilesStore:
    """Every query about uploaded files; runs on the database thread."""

    conn: sqlite3.Connection

    def record_files(self, app_id: str, message_id: int, uploader: str, files: tuple[StoredFile, ...]) -> None:
        """The rows of a message's files (inside the caller's transaction: see ``insert_message``)."""
        now = int(time.time())
        self.conn.executemany(
            "INSERT INTO files (app_id, token, message_id, name, mime_type, size, uploader, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(app_id, f.token, message_id, f.name, f.mime_type, f.size, uploader, now) for f in files])

    def file_row(self, token: str) -> sqlite3.Row | None:
        """The file, with its message's ``deleted_at``."""
        return self.conn.execute(  # type: ignore[no-any-return]
            "SELECT f.*, m.deleted_at FROM files f JOIN messages m ON m.id = f.message_id WHERE f.token = ?",
            (token,)).fetchone()

    def forget_files(self, app_id: str, message_id: int) -> list[str]:
        """A deleted message's files: their rows go; the tokens whose bytes are to be deleted."""
        with self.conn:
            tokens = [row[0] for row in self.conn.execute(
                "SELECT token FROM files WHERE app_id = ? AND message_id = ?", (app_id, message_id))]
            self.conn.execute("DELETE FROM files WHERE app_id = ? AND message_id = ?", (app_id, message_id))
        return tokens

    def file_tokens(self) -> set[str]:
        return {row[0] for row in self.conn.execute("SELECT token FROM files")}
