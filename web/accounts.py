"""Login cookies and CSRF protection for the web UI; what a session means is ``graph.accounts``.

The session cookie is Flask's signed cookie (HttpOnly, SameSite=Lax, Secure on https). It
holds the id of a server-side session record and the CSRF token, nothing else: no name, no
role, no expiry. Every request with a session id asks :class:`graph.accounts.AccountStore`
who holds it, so logging out, a password change, ``maarifa user disable`` and ``maarifa user
logout`` end a session everywhere at once, including in copies of the cookie. A session
that timed out (``session_idle_seconds``, ``session_max_seconds``) makes the visitor
anonymous again, and a page that needs a login says the session expired.

Every unsafe request (POST, PUT, PATCH, DELETE) to a UI blueprint must carry the session's
CSRF token in the form field ``csrf_token`` (or the header ``X-CSRF-Token``): without it the
answer is 400.

Identity providers: the login page lists every :class:`IdentityProvider`. Only the password
provider exists today; a MediaWiki OAuth 2 provider will need ``start()`` (redirect to the
wiki) and ``finish()`` (map the wiki account to a local one), then call :func:`login` with
its own provider name, like the password form does.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from flask import Flask, abort, current_app, g, request, session

from graph.accounts import ANONYMOUS, AccountStore, Principal, SessionExpired

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
#: blueprints whose unsafe requests need the CSRF token (the HTML UI); the JSON API, SPARQL
#: and the Badgr API authenticate with bearer tokens, which a browser never sends on its own
CSRF_BLUEPRINTS: set[str] = set()


@dataclass(frozen=True)
class IdentityProvider:
    """A way to log in. ``kind`` "form" shows the password form; "redirect" a button to ``start_endpoint``."""

    name: str
    label: str
    kind: str
    start_endpoint: str | None = None


PASSWORD = IdentityProvider("password", "Password", "form")


def providers() -> list[IdentityProvider]:
    return [PASSWORD]


def accounts() -> AccountStore:
    return current_app.extensions["maarifa.services"].accounts


def login(principal: Principal, provider: str = "password") -> None:
    """Start a fresh server-side session (a new id and CSRF token too: no session fixation).

    A session this browser already had ends: logging in again replaces it, never adds one.
    """
    accounts().end_session(session.get("sid"))
    session_id = accounts().start_session(principal, provider)
    session.clear()
    session["sid"] = session_id
    session["csrf"] = secrets.token_urlsafe(32)
    session.permanent = True
    g.principal_ui = principal


def logout() -> None:
    """End this session's record (so copies of the cookie are dead too) and forget the cookie's id."""
    accounts().end_session(session.get("sid"))
    session.clear()
    session["csrf"] = secrets.token_urlsafe(32)
    g.principal_ui = ANONYMOUS


def current_principal() -> Principal:
    """The account holding this request's session, or anonymous (an ended session's id is dropped)."""
    cached = g.get("principal_ui")
    if cached is not None:
        return cached
    principal = None
    if "sid" in session:
        try:
            principal = accounts().session_principal(session["sid"])
        except SessionExpired:
            g.session_expired = True
        if principal is None:
            session.pop("sid")
    g.principal_ui = principal or ANONYMOUS
    return g.principal_ui


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


def init_app(app: Flask, settings) -> None:
    """Cookie lifetime, the CSRF check and the template helpers (called by ``create_app``)."""
    # the cookie may outlive nothing: the session record ends at session_max_seconds anyway
    app.permanent_session_lifetime = settings.session_max_seconds
    app.before_request(csrf_protect)
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["current_user"] = current_principal
