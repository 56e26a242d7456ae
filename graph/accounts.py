"""Accounts, server-side sessions, login throttling and API tokens: the node's private SQLite file.

All of it lives in ``accounts.sqlite3`` in the data directory (mode 0600): password hashes,
session records and tokens are nobody's to read ("Who sees what" in ARCHITECTURE.md) and
never reach a public path. This module is the only code that opens the file. It is not Flask
code: ``web/`` keeps the login views and the cookie, and the cookie holds nothing but a
random session id; what the id means is decided here, on every request.

- **Accounts** (table ``users``): a user name, a role (:data:`ROLES`), a password hash.
  New hashes come from :func:`werkzeug.security.generate_password_hash` (scrypt); hashes
  made by older versions (``scrypt$n$r$p$salt$key``) still verify and are replaced by a new
  one at the next successful login. ``provider`` says how the account signs in (``password``;
  a MediaWiki OAuth provider adds its own accounts later).
- **Sessions** (table ``sessions``), after the OWASP Session Management Cheat Sheet
  (https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html):
  the id is 256 random bits and only its SHA-256 is stored, so a copy of the file opens no
  session. A session ends at logout (its row is deleted), when the account's password
  changes, when the account is disabled, by ``maarifa user logout`` (every row of the
  account is deleted), after ``session_idle_seconds`` without a request and at the latest
  ``session_max_seconds`` after login (NIST SP 800-63B §7.1, reauthentication). A session
  carries no role: the role is read from the account at each request, so a role change or
  a disabled account applies to open sessions at once, and a later set of roles per person
  is a table that account rows join, not something every session copies.
- **Login throttling** (table ``login_failures``; NIST SP 800-63B §5.2.2, "Rate Limiting"):
  failed logins are counted per account name and per client address in a sliding window
  (``login_max_failures`` in ``login_window_seconds``). An attempt is counted *before* its
  password is checked and forgiven if it succeeds, so parallel requests cannot slip past
  the limit while the slow hash runs. Unknown names are counted like real ones, and every
  refusal is the same :class:`LoginRefused`: the answer never tells whether the name
  exists, which part was wrong, or whether the limit was reached.
- **API tokens** (table ``tokens``): ``mf_<id>_<secret>``; the id finds the row, the secret
  is compared with its SHA-256 in constant time (tokens are long random strings, so a slow
  password hash would add nothing).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import os
import re
import secrets
import sqlite3
import threading
import time
from contextlib import closing, contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Callable, Iterator

from werkzeug.security import check_password_hash, generate_password_hash

from .errors import MaarifaError, PermissionDenied

ACCOUNTS_FILE = "accounts.sqlite3"
ROLES = ("member", "organizer", "trainer", "admin")
MIN_PASSWORD = 10
USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
#: the longest name and password a login attempt looks at (the form's own limits)
MAX_LOGIN_NAME, MAX_LOGIN_PASSWORD = 64, 1024
#: "last seen" is written at most this often per session (never on every request)
MAX_TOUCH_SECONDS = 60.0
#: how long a request waits for the file: for what it needs, and for a "last seen" it may skip
BUSY_SECONDS, OPTIONAL_WRITE_WAIT_SECONDS = 10.0, 0.2
#: an IPv6 client usually holds a whole /64, so that is what one address counts as
IPV6_THROTTLE_PREFIX = 64

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    username TEXT PRIMARY KEY, role TEXT NOT NULL, hash TEXT NOT NULL,
    provider TEXT NOT NULL DEFAULT 'password', created REAL NOT NULL, disabled INTEGER DEFAULT 0);
CREATE TABLE IF NOT EXISTS tokens (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, hash TEXT NOT NULL,
    created REAL NOT NULL, revoked INTEGER DEFAULT 0);
CREATE TABLE IF NOT EXISTS sessions (
    id_hash TEXT PRIMARY KEY,   -- SHA-256 of the id in the cookie; the id itself is never stored
    username TEXT NOT NULL,
    provider TEXT NOT NULL,     -- how this session logged in (password; later an OAuth provider)
    created REAL NOT NULL,
    last_seen REAL NOT NULL,    -- idle expiry counts from here
    expires REAL NOT NULL);     -- created + session_max_seconds
CREATE INDEX IF NOT EXISTS sessions_by_user ON sessions (username);
CREATE TABLE IF NOT EXISTS login_failures (key TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS login_failures_by_key ON login_failures (key, at);
"""


class AccountError(MaarifaError):
    http_status = 400


class LoginRefused(MaarifaError):
    """A wrong name, a wrong password or too many attempts: deliberately one error for all three.

    ``wait_minutes`` is the throttle window, the longest anyone has to wait; ``throttled`` is
    for the log only, never for the answer.
    """

    http_status = 401

    def __init__(self, wait_minutes: int, throttled: bool):
        super().__init__(f"wrong user name or password, or too many attempts: try again in {wait_minutes} minutes")
        self.wait_minutes, self.throttled = wait_minutes, throttled


class SessionExpired(MaarifaError):
    """The session was idle too long or reached its maximum lifetime; its record is gone."""

    http_status = 401


@dataclass(frozen=True)
class Principal:
    """Who is calling: an account's or a token's name and role, or anonymous."""

    name: str
    role: str | None

    @property
    def is_member(self) -> bool:
        return self.role is not None

    def has(self, role: str) -> bool:
        """Admins may do everything; every role includes member."""
        return self.role == "admin" or self.role == role or (role == "member" and self.role is not None)


ANONYMOUS = Principal("anonymous", None)


@dataclass(frozen=True)
class SessionPolicy:
    """How long sessions live and how many failed logins are let through (from the settings)."""

    idle_seconds: float
    max_seconds: float
    max_failures: int
    window_seconds: float

    def __post_init__(self):
        for name, setting in (("idle_seconds", "session_idle_seconds"), ("max_seconds", "session_max_seconds"),
                              ("max_failures", "login_max_failures"), ("window_seconds", "login_window_seconds")):
            if not getattr(self, name) > 0:
                raise MaarifaError(f"setting {setting} must be greater than 0, not {getattr(self, name)!r}")

    @classmethod
    def from_settings(cls, settings) -> "SessionPolicy":
        return cls(idle_seconds=settings.session_idle_seconds, max_seconds=settings.session_max_seconds,
                   max_failures=settings.login_max_failures, window_seconds=settings.login_window_seconds)

    @property
    def touch_seconds(self) -> float:
        """How stale "last seen" may get before a request writes it: cheap, yet idle expiry stays close."""
        return min(MAX_TOUCH_SECONDS, self.idle_seconds / 4)

    @property
    def wait_minutes(self) -> int:
        return max(1, math.ceil(self.window_seconds / 60))


class Database:
    """One SQLite connection per thread to ``accounts.sqlite3`` (the web server has many threads).

    The file is in WAL mode: a session lookup (a read, on every request) never waits for
    a write such as a login or a "last seen" update.
    """

    def __init__(self, data_dir: Path):
        self.path = Path(data_dir) / ACCOUNTS_FILE
        self._local = threading.local()
        # private before SQLite opens it: its -wal and -shm files take the same mode
        os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
        try:
            os.chmod(self.path, 0o600)
        except OSError:  # a file we cannot chmod is someone else's; opening it worked
            pass
        self().execute("PRAGMA journal_mode=WAL")
        self().executescript(SCHEMA)

    def __call__(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = sqlite3.connect(self.path, isolation_level=None, timeout=BUSY_SECONDS)
        return db

    def write_if_free(self, sql: str, params: tuple) -> None:
        """A write that may be skipped: it waits only briefly for the file, never fails the caller."""
        db = self()
        db.execute(f"PRAGMA busy_timeout = {int(OPTIONAL_WRITE_WAIT_SECONDS * 1000)}")
        try:
            db.execute(sql, params)
        except sqlite3.OperationalError:  # busy: whoever asks next writes it
            pass
        finally:
            db.execute(f"PRAGMA busy_timeout = {int(BUSY_SECONDS * 1000)}")

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A transaction that takes the write lock at once, so a check and the write after it are one step."""
        db = self()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def check_password(password: str, stored: str) -> bool:
    """Werkzeug's hashes, and the ``scrypt$n$r$p$salt$key`` ones older versions wrote."""
    if is_legacy_hash(stored):
        return _check_legacy_scrypt(password, stored)
    try:
        return check_password_hash(stored, password)
    except ValueError:  # an unknown method or a damaged hash: no password matches it
        return False


def is_legacy_hash(stored: str) -> bool:
    return stored.startswith("scrypt$")


def _check_legacy_scrypt(password: str, stored: str) -> bool:
    try:
        _, n, r, p, salt, key = stored.split("$")
        got = hashlib.scrypt(password.encode("utf-8"), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p),
                             maxmem=64 * 1024 * 1024, dklen=len(key) // 2)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got.hex(), key)


@cache
def _dummy_hash() -> str:
    """A hash to check when the name is unknown, so the time taken does not tell."""
    return hash_password(secrets.token_urlsafe(16))


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def address_key(address: str | None) -> str:
    """The throttling bucket of a client address: the address itself, an IPv6 one by its /64."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return f"address:{(address or 'unknown')[:64]}"
    if ip.version == 6:
        if ip.ipv4_mapped is not None:  # ::ffff:192.0.2.1 is the IPv4 client 192.0.2.1
            return f"address:{ip.ipv4_mapped}"
        return f"address:{ipaddress.ip_network(f'{ip}/{IPV6_THROTTLE_PREFIX}', strict=False)}"
    return f"address:{ip}"


class LoginThrottle:
    """Failed logins per key (account name, client address) in a sliding window."""

    def __init__(self, db: Database, policy: SessionPolicy, clock: Callable[[], float]):
        self.db, self.policy, self.clock = db, policy, clock

    def reserve(self, keys: list[str]) -> list[int]:
        """Count this attempt as a failure of every key now, or refuse it if one key is at the limit.

        Returns the rows to :meth:`forgive` when the attempt succeeds.
        """
        now = self.clock()
        with self.db.write() as db:
            db.execute("DELETE FROM login_failures WHERE at <= ?", (now - self.policy.window_seconds,))
            for key in keys:
                count = db.execute("SELECT count(*) FROM login_failures WHERE key = ?", (key,)).fetchone()[0]
                if count >= self.policy.max_failures:
                    raise LoginRefused(self.policy.wait_minutes, throttled=True)
            return [db.execute("INSERT INTO login_failures (key, at) VALUES (?, ?)", (key, now)).lastrowid
                    for key in keys]

    def forgive(self, rows: list[int], account_key: str) -> None:
        """A successful login: its own rows were no failure, and the account starts afresh."""
        marks = ",".join("?" * len(rows))
        self.db().execute(f"DELETE FROM login_failures WHERE rowid IN ({marks}) OR key = ?", (*rows, account_key))


class AccountStore:
    """Password accounts, their sessions and the login throttle, in ``accounts.sqlite3``.

    ``clock`` (seconds since the epoch) decides every expiry; tests pass their own.
    """

    def __init__(self, data_dir: Path, policy: SessionPolicy, clock: Callable[[], float] = time.time):
        self.db = Database(data_dir)
        self.policy, self.clock = policy, clock
        self.throttle = LoginThrottle(self.db, policy, clock)

    @classmethod
    def from_settings(cls, settings, clock: Callable[[], float] = time.time) -> "AccountStore":
        return cls(settings.data_dir, SessionPolicy.from_settings(settings), clock)

    # -- accounts -------------------------------------------------------------------------------

    def create(self, username: str, role: str, password: str) -> None:
        username = (username or "").strip()
        _check_role(role)
        if not USERNAME.match(username):
            raise AccountError(f"user name {username!r}: use 1-64 letters, digits, '.', '_' or '-'")
        _check_new_password(password)
        try:
            self.db().execute("INSERT INTO users (username, role, hash, created) VALUES (?, ?, ?, ?)",
                              (username, role, hash_password(password), self.clock()))
        except sqlite3.IntegrityError:
            raise AccountError(f"an account {username!r} already exists") from None

    def set_password(self, username: str, password: str) -> int:
        """A new password ends every session of the account (returns how many)."""
        _check_new_password(password)
        new_hash = hash_password(password)  # the slow part, before the write lock is taken
        with self.db.write() as db:
            self._update_account(db, username, "hash = ?", new_hash)
            return _delete_sessions(db, username)

    def set_role(self, username: str, role: str) -> None:
        _check_role(role)
        with self.db.write() as db:
            self._update_account(db, username, "role = ?", role)

    def disable(self, username: str) -> int:
        """The account can no longer log in and every session of it ends (returns how many)."""
        with self.db.write() as db:
            self._update_account(db, username, "disabled = ?", 1)
            return _delete_sessions(db, username)

    @staticmethod
    def _update_account(db: sqlite3.Connection, username: str, assignment: str, value) -> None:
        if db.execute(f"UPDATE users SET {assignment} WHERE username = ?", (value, username)).rowcount == 0:
            raise AccountError(f"no account {username!r}")

    def list(self) -> list[dict]:
        rows = self.db().execute("SELECT username, role, provider, created, disabled FROM users ORDER BY username")
        return [dict(zip(("username", "role", "provider", "created", "disabled"), r)) for r in rows]

    # -- logging in -----------------------------------------------------------------------------

    def log_in(self, username: str, password: str, address: str | None) -> Principal:
        """The account for this name and password, or :class:`LoginRefused` (throttled per name and address)."""
        username = (username or "").strip()[:MAX_LOGIN_NAME]
        password = (password or "")[:MAX_LOGIN_PASSWORD]
        account_key = f"account:{username}"
        reserved = self.throttle.reserve([account_key, address_key(address)])
        row = self.db().execute("SELECT role, hash FROM users WHERE username = ? AND disabled = 0",
                                (username,)).fetchone()
        if not check_password(password, row[1] if row else _dummy_hash()) or row is None:
            raise LoginRefused(self.policy.wait_minutes, throttled=False)
        self.throttle.forgive(reserved, account_key)
        if is_legacy_hash(row[1]):
            self.db().execute("UPDATE users SET hash = ? WHERE username = ?", (hash_password(password), username))
        return Principal(username, row[0])

    # -- sessions -------------------------------------------------------------------------------

    def start_session(self, principal: Principal, provider: str = "password") -> str:
        """A new session for a logged-in account; returns its id (for the cookie, never stored)."""
        session_id = secrets.token_urlsafe(32)
        now = self.clock()
        with self.db.write() as db:
            # sessions that ended unnoticed (nobody came back) go now, so the table stays small
            db.execute("DELETE FROM sessions WHERE expires <= ? OR last_seen <= ?",
                       (now, now - self.policy.idle_seconds))
            db.execute("INSERT INTO sessions (id_hash, username, provider, created, last_seen, expires) "
                       "VALUES (?, ?, ?, ?, ?, ?)",
                       (_sha256(session_id), principal.name, provider, now, now, now + self.policy.max_seconds))
        return session_id

    def session_principal(self, session_id: str) -> Principal | None:
        """Who holds this session now: None for an ended or unknown one, :class:`SessionExpired` when it timed out."""
        if not isinstance(session_id, str) or not session_id:
            return None
        id_hash = _sha256(session_id)
        row = self.db().execute(
            "SELECT s.username, s.last_seen, s.expires, u.role FROM sessions s "
            "JOIN users u ON u.username = s.username AND u.disabled = 0 WHERE s.id_hash = ?", (id_hash,)).fetchone()
        if row is None:
            return None
        username, last_seen, expires, role = row
        now = self.clock()
        if now >= expires or now - last_seen >= self.policy.idle_seconds:
            self.db().execute("DELETE FROM sessions WHERE id_hash = ?", (id_hash,))
            raise SessionExpired("the session has expired; log in again")
        if now - last_seen >= self.policy.touch_seconds:
            self.db.write_if_free("UPDATE sessions SET last_seen = ? WHERE id_hash = ?", (now, id_hash))
        return Principal(username, role)

    def end_session(self, session_id: str) -> None:
        """Logout: the record goes, so no copy of the cookie opens it again."""
        if isinstance(session_id, str) and session_id:
            self.db().execute("DELETE FROM sessions WHERE id_hash = ?", (_sha256(session_id),))

    def end_sessions(self, username: str) -> int:
        """End every session of an account (``maarifa user logout``); returns how many ended."""
        with self.db.write() as db:
            if db.execute("SELECT 1 FROM users WHERE username = ?", (username,)).fetchone() is None:
                raise AccountError(f"no account {username!r}")
            return _delete_sessions(db, username)

    def forget(self, username: str) -> int:
        """Delete the account ``username``, its sessions and its login failures (erasing the person
        it acts as); returns 0 or 1. :func:`vacuum_accounts` then drops the rows from the file."""
        with self.db.write() as db:
            _delete_sessions(db, username)
            db.execute("DELETE FROM login_failures WHERE key = ?", (f"account:{username}",))
            return db.execute("DELETE FROM users WHERE username = ?", (username,)).rowcount

    def sessions(self, username: str | None = None) -> list[dict]:
        """Open sessions (never their ids), oldest first."""
        now = self.clock()
        rows = self.db().execute(
            "SELECT username, provider, created, last_seen, expires FROM sessions "
            "WHERE (? IS NULL OR username = ?) AND expires > ? AND last_seen > ? ORDER BY created",
            (username, username, now, now - self.policy.idle_seconds))
        return [dict(zip(("username", "provider", "created", "last_seen", "expires"), r)) for r in rows]


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")


def _check_new_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(f"the password must be at least {MIN_PASSWORD} characters long")


def _delete_sessions(db: sqlite3.Connection, username: str) -> int:
    return db.execute("DELETE FROM sessions WHERE username = ?", (username,)).rowcount


def backup_accounts(data_dir: Path, target_dir: Path) -> None:
    """Copy ``accounts.sqlite3`` without its sessions and login failures.

    A restored copy must not bring back sessions that ended after the backup was made.
    """
    target = Path(target_dir) / ACCOUNTS_FILE
    if _copy_database(Path(data_dir) / ACCOUNTS_FILE, target):
        with closing(sqlite3.connect(target, isolation_level=None)) as copy:
            copy.executescript("DELETE FROM sessions; DELETE FROM login_failures; VACUUM;")


def restore_accounts(backup_dir: Path, data_dir: Path) -> None:
    """Replace the accounts with a backup's, through SQLite (a plain file copy could meet a stale WAL file)."""
    _copy_database(Path(backup_dir) / ACCOUNTS_FILE, Path(data_dir) / ACCOUNTS_FILE)


def vacuum_accounts(data_dir: Path) -> None:
    """Rewrite the accounts file so deleted rows leave it: SQLite keeps a deleted row's bytes in
    free pages (and in the write-ahead log) until they are reused. ``VACUUM`` writes the
    database anew (https://sqlite.org/lang_vacuum.html); the checkpoint empties the log."""
    path = Path(data_dir) / ACCOUNTS_FILE
    if not path.exists():
        return
    with closing(sqlite3.connect(path, isolation_level=None, timeout=BUSY_SECONDS)) as db:
        db.execute("VACUUM")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _copy_database(source: Path, target: Path) -> bool:
    if not source.exists():
        return False
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
    target.chmod(0o600)
    return True


class TokenStore:
    """API tokens with roles (``maarifa token create``), stored as hashes only."""

    def __init__(self, data_dir: Path):
        self.db = Database(data_dir)

    def create(self, name: str, role: str) -> str:
        _check_role(role)
        if not name.strip():
            raise MaarifaError("a token needs a name (who or what uses it)")
        token_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
        self.db().execute("INSERT INTO tokens (id, name, role, hash, created) VALUES (?, ?, ?, ?, ?)",
                          (token_id, name.strip(), role, _sha256(secret), time.time()))
        return f"mf_{token_id}_{secret}"

    def check(self, token: str) -> Principal:
        parts = token.split("_", 2)
        if len(parts) != 3 or parts[0] != "mf":
            raise PermissionDenied("malformed API token")
        row = self.db().execute("SELECT name, role, hash FROM tokens WHERE id = ? AND revoked = 0",
                                (parts[1],)).fetchone()
        if row is None or not hmac.compare_digest(row[2], _sha256(parts[2])):
            raise PermissionDenied("unknown or revoked API token")
        return Principal(row[0], row[1])

    def list(self) -> list[dict]:
        rows = self.db().execute("SELECT id, name, role, created, revoked FROM tokens ORDER BY created")
        return [dict(zip(("id", "name", "role", "created", "revoked"), r)) for r in rows]

    def forget(self, name: str) -> int:
        """Delete every token named ``name`` (revoked ones too): erasing a person takes the
        tokens that act as them. Returns how many; :func:`vacuum_accounts` then drops the rows
        from the file itself."""
        return self.db().execute("DELETE FROM tokens WHERE name = ?", (name,)).rowcount

    def revoke(self, token_id: str) -> None:
        if self.db().execute("UPDATE tokens SET revoked = 1 WHERE id = ?", (token_id,)).rowcount == 0:
            raise MaarifaError(f"no token with id {token_id}")
