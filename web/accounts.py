"""Password accounts, browser sessions and CSRF protection for the web UI.

Accounts live in the data directory's SQLite file next to the API tokens
(``accounts.sqlite3``, table ``users``): a username, a role (member, organizer, trainer,
admin) and a password hash made with ``hashlib.scrypt`` (n=2**14, r=8, p=1, a 16-byte random
salt, a 32-byte key; compared in constant time). An account whose username is a person's
username acts as that person (reads their own private profile), as API tokens do.

Sessions are Flask's signed cookie (HttpOnly, SameSite=Lax, Secure on https): it holds the
username, the role, the identity provider, an absolute expiry and the CSRF token. A session
past its expiry is dropped and the visitor is anonymous again (a page that needs a login
says the session expired). Every unsafe request (POST, PUT, PATCH, DELETE) to a UI blueprint
must carry the session's CSRF token in the form field ``csrf_token`` (or the header
``X-CSRF-Token``): without it the answer is 400.

Identity providers: the login page lists every enabled :class:`IdentityProvider`. The
password provider is always there; a MediaWiki OAuth 2 provider is added by settings
(``mediawiki_oauth_url``, ``mediawiki_oauth_client_id``, ``mediawiki_oauth_client_secret``):
it only needs ``start()`` (redirect to the wiki's authorize URL) and ``finish()`` (exchange the
code, read the wiki user name, map it to a local account) and then calls :func:`login`
like the password form does.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, abort, current_app, g, request, session

from graph.errors import MaarifaError

from .tokens import ANONYMOUS, ROLES, TOKENS_FILE, Principal

SESSION_SECONDS = 8 * 3600
SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1, "maxmem": 64 * 1024 * 1024, "dklen": 32}
MIN_PASSWORD = 10
USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
#: blueprints whose unsafe requests need the CSRF token (the HTML UI); the JSON API, SPARQL
#: and the Badgr API authenticate with bearer tokens, which a browser never sends on its own
CSRF_BLUEPRINTS: set[str] = set()


class AccountError(MaarifaError):
    http_status = 400


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    key = hashlib.scrypt(password.encode("utf-8"), salt=salt, **SCRYPT)
    return f"scrypt${SCRYPT['n']}${SCRYPT['r']}${SCRYPT['p']}${salt.hex()}${key.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != "scrypt":
            return False
        got = hashlib.scrypt(password.encode("utf-8"), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p),
                             maxmem=SCRYPT["maxmem"], dklen=len(key) // 2)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got.hex(), key)


# a hash to compare against when the user does not exist, so timing does not tell
_DUMMY = hash_password("not a real password")


class AccountStore:
    """Password accounts in ``accounts.sqlite3`` (next to the API tokens)."""

    def __init__(self, data_dir: Path):
        self.path = Path(data_dir) / TOKENS_FILE
        self._local = threading.local()
        self._db().execute(
            "CREATE TABLE IF NOT EXISTS users (username TEXT PRIMARY KEY, role TEXT NOT NULL, hash TEXT NOT NULL, "
            "provider TEXT NOT NULL DEFAULT 'password', created REAL NOT NULL, disabled INTEGER DEFAULT 0)")
        try:
            os.chmod(self.path, 0o600)
        except OSError:
            pass

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=True, timeout=10)
            self._local.db = db
        return db

    def create(self, username: str, role: str, password: str) -> None:
        username = (username or "").strip()
        if role not in ROLES:
            raise AccountError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
        if not USERNAME.match(username):
            raise AccountError(f"user name {username!r}: use 1-64 letters, digits, '.', '_' or '-'")
        if len(password or "") < MIN_PASSWORD:
            raise AccountError(f"the password must be at least {MIN_PASSWORD} characters long")
        try:
            self._db().execute("INSERT INTO users (username, role, hash, created) VALUES (?, ?, ?, ?)",
                               (username, role, hash_password(password), time.time()))
        except sqlite3.IntegrityError:
            raise AccountError(f"an account {username!r} already exists") from None

    def set_password(self, username: str, password: str) -> None:
        if len(password or "") < MIN_PASSWORD:
            raise AccountError(f"the password must be at least {MIN_PASSWORD} characters long")
        if self._db().execute("UPDATE users SET hash = ? WHERE username = ?",
                              (hash_password(password), username)).rowcount == 0:
            raise AccountError(f"no account {username!r}")

    def set_role(self, username: str, role: str) -> None:
        if role not in ROLES:
            raise AccountError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
        if self._db().execute("UPDATE users SET role = ? WHERE username = ?", (role, username)).rowcount == 0:
            raise AccountError(f"no account {username!r}")

    def disable(self, username: str) -> None:
        if self._db().execute("UPDATE users SET disabled = 1 WHERE username = ?", (username,)).rowcount == 0:
            raise AccountError(f"no account {username!r}")

    def forget(self, username: str) -> int:
        """Delete the account ``username`` (erasing the person it acts as); returns 0 or 1.
        :func:`web.tokens.rewrite_file` then drops the row from the file itself."""
        return self._db().execute("DELETE FROM users WHERE username = ?", (username,)).rowcount

    def authenticate(self, username: str, password: str) -> Principal | None:
        row = self._db().execute("SELECT role, hash FROM users WHERE username = ? AND disabled = 0",
                                 ((username or "").strip(),)).fetchone()
        if row is None:
            check_password(password or "", _DUMMY)
            return None
        if not check_password(password or "", row[1]):
            return None
        return Principal(username.strip(), row[0])

    def role_of(self, username: str) -> str | None:
        row = self._db().execute("SELECT role FROM users WHERE username = ? AND disabled = 0", (username,)).fetchone()
        return row[0] if row else None

    def list(self) -> list[dict]:
        rows = self._db().execute("SELECT username, role, provider, created, disabled FROM users ORDER BY username")
        return [dict(zip(("username", "role", "provider", "created", "disabled"), r)) for r in rows]


# -- identity providers ------------------------------------------------------------------------


@dataclass(frozen=True)
class IdentityProvider:
    """A way to log in. ``kind`` "form" shows the password form; "redirect" a button to ``start_endpoint``."""

    name: str
    label: str
    kind: str
    start_endpoint: str | None = None


PASSWORD = IdentityProvider("password", "Password", "form")


def providers(settings) -> list[IdentityProvider]:
    out = [PASSWORD]
    if getattr(settings, "mediawiki_oauth_url", ""):
        out.append(IdentityProvider("mediawiki", "Wikimedia account", "redirect", "auth.oauth_start"))
    return out


# -- sessions ----------------------------------------------------------------------------------


def accounts() -> AccountStore:
    store = current_app.extensions.get("maarifa.accounts")
    if store is None:
        settings = current_app.extensions["maarifa.settings"]
        store = current_app.extensions["maarifa.accounts"] = AccountStore(settings.data_dir)
    return store


def login(principal: Principal, provider: str = "password") -> None:
    """Start a fresh session (a new CSRF token too: no session fixation)."""
    session.clear()
    session["user"] = principal.name
    session["role"] = principal.role
    session["provider"] = provider
    session["exp"] = int(time.time()) + current_app.config.get("MAARIFA_SESSION_SECONDS", SESSION_SECONDS)
    session["csrf"] = secrets.token_urlsafe(32)
    session.permanent = True
    g.principal_ui = principal


def logout() -> None:
    csrf = session.get("csrf")
    session.clear()
    if csrf:
        session["csrf"] = secrets.token_urlsafe(32)
    g.principal_ui = ANONYMOUS


def current_principal() -> Principal:
    """The logged-in account of this request, or anonymous (an expired session is dropped)."""
    cached = g.get("principal_ui")
    if cached is not None:
        return cached
    principal = ANONYMOUS
    user = session.get("user")
    if user:
        if int(session.get("exp") or 0) < time.time():
            g.session_expired = True
            for key in ("user", "role", "provider", "exp"):
                session.pop(key, None)
        else:
            role = session.get("role")
            if session.get("provider", "password") == "password":
                # the role may have changed (or the account been disabled) since login
                role = accounts().role_of(user)
            principal = Principal(user, role) if role else ANONYMOUS
    g.principal_ui = principal
    return principal


def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def csrf_protect():
    """``before_request``: refuse an unsafe request to a UI blueprint without the session's token."""
    if request.method not in UNSAFE_METHODS or request.blueprint not in CSRF_BLUEPRINTS:
        return None
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    expected = session.get("csrf") or ""
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        abort(400, "the form has expired or did not come from this site (missing or wrong CSRF token); "
                   "reload the page and try again")
    return None


def init_app(app: Flask) -> None:
    """Session lifetime, the CSRF check and the template helpers (called by ``create_app``)."""
    app.config.setdefault("MAARIFA_SESSION_SECONDS", SESSION_SECONDS)
    app.permanent_session_lifetime = app.config["MAARIFA_SESSION_SECONDS"]
    app.before_request(csrf_protect)
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["current_user"] = current_principal
