"""Uploaded files in SQLite: which token names which stored file, of which message.

The bytes live in the files folder beside the database (``media.py`` writes and serves them);
a row exists only for a file whose message was stored, so a file without a row is an orphan
of a failed upload and is swept away.
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

    def record_files(self, app_id: str, message_id: int, uploader: str, files: list[StoredFile]) -> None:
        now = int(time.time())
        with self.conn:
            self.conn.executemany(
                "INSERT INTO files (app_id, token, message_id, name, mime_type, size, uploader, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(app_id, f.token, message_id, f.name, f.mime_type, f.size, uploader, now) for f in files])

    def file_row(self, token: str) -> sqlite3.Row | None:
        return self.conn.execute("SELECT * FROM files WHERE token = ?", (token,)).fetchone()  # type: ignore[no-any-return]

    def file_tokens(self) -> set[str]:
        return {row[0] for row in self.conn.execute("SELECT token FROM files")}
