"""API tokens with roles, kept in the data directory (SQLite), stored only as hashes.

A token reads ``mf_<id>_<secret>``; the id finds the row, the secret is compared to its
SHA-256 hash in constant time. Tokens are long random strings, so a slow password hash
would add nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from graph.errors import MaarifaError, PermissionDenied

ROLES = ("member", "organizer", "trainer", "admin")
TOKENS_FILE = "accounts.sqlite3"


@dataclass(frozen=True)
class Principal:
    """Who is calling: a token's name and role, or anonymous."""

    name: str
    role: str | None

    @property
    def is_member(self) -> bool:
        return self.role is not None

    def has(self, role: str) -> bool:
        """Admins may do everything; every role includes member."""
        return self.role == "admin" or self.role == role or (role == "member" and self.role is not None)


ANONYMOUS = Principal("anonymous", None)


class TokenStore:
    def __init__(self, data_dir: Path):
        self.path = Path(data_dir) / TOKENS_FILE
        self._local = threading.local()
        with self._db() as db:
            db.execute("CREATE TABLE IF NOT EXISTS tokens (id TEXT PRIMARY KEY, name TEXT NOT NULL, "
                       "role TEXT NOT NULL, hash TEXT NOT NULL, created REAL NOT NULL, revoked INTEGER DEFAULT 0)")
        os.chmod(self.path, 0o600)

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=True)
            self._local.db = db
        return db

    def create(self, name: str, role: str) -> str:
        if role not in ROLES:
            raise MaarifaError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
        if not name.strip():
            raise MaarifaError("a token needs a name (who or what uses it)")
        token_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
        self._db().execute("INSERT INTO tokens (id, name, role, hash, created) VALUES (?, ?, ?, ?, ?)",
                           (token_id, name.strip(), role, _hash(secret), time.time()))
        return f"mf_{token_id}_{secret}"

    def check(self, token: str) -> Principal:
        parts = token.split("_", 2)
        if len(parts) != 3 or parts[0] != "mf":
            raise PermissionDenied("malformed API token")
        row = self._db().execute("SELECT name, role, hash FROM tokens WHERE id = ? AND revoked = 0",
                                 (parts[1],)).fetchone()
        if row is None or not hmac.compare_digest(row[2], _hash(parts[2])):
            raise PermissionDenied("unknown or revoked API token")
        return Principal(row[0], row[1])

    def list(self) -> list[dict]:
        rows = self._db().execute("SELECT id, name, role, created, revoked FROM tokens ORDER BY created")
        return [dict(zip(("id", "name", "role", "created", "revoked"), r)) for r in rows]

    def revoke(self, token_id: str) -> None:
        if self._db().execute("UPDATE tokens SET revoked = 1 WHERE id = ?", (token_id,)).rowcount == 0:
            raise MaarifaError(f"no token with id {token_id}")

    def forget(self, name: str) -> int:
        """Delete every token named ``name`` (revoked ones too): erasing a person takes the
        tokens that act as them. Returns how many; :func:`rewrite_file` then drops the rows
        from the file itself."""
        return self._db().execute("DELETE FROM tokens WHERE name = ?", (name,)).rowcount


def rewrite_file(data_dir: Path) -> None:
    """Rewrite the accounts file so deleted rows leave it: SQLite keeps a deleted row's bytes in
    free pages (and in the write-ahead log) until they are reused. ``VACUUM`` writes the
    database anew (https://sqlite.org/lang_vacuum.html); the checkpoint empties the log."""
    path = Path(data_dir) / TOKENS_FILE
    if not path.exists():
        return
    db = sqlite3.connect(path, isolation_level=None, timeout=10)
    try:
        db.execute("VACUUM")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
