"""Log in and out (password accounts; more identity providers later), and the language switch."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext

from graph.accounts import LoginRefused

from .. import accounts
from ..locales import LOCALES
from .common import safe_next

bp = Blueprint("auth", __name__)
log = logging.getLogger(__name__)

LOCALE_COOKIE_SECONDS = 365 * 86400


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_url = safe_next(request.values.get("next"))
    error = None
    status = 200
    if request.method == "POST":
        try:
            principal = accounts.accounts().log_in(request.form.get("username", ""), request.form.get("password", ""),
                                                   address=request.remote_addr)
        except LoginRefused as refused:
            if refused.throttled:
                log.warning("login throttled for %r from %s", request.form.get("username", "")[:64], request.remote_addr)
            # one answer for an unknown name, a wrong password and too many attempts (same text, same status)
            error = ngettext("Wrong user name or password, or too many attempts: try again in %(num)d minute.",
                             "Wrong user name or password, or too many attempts: try again in %(num)d minutes.",
                             refused.wait_minutes)
            status = 401
        else:
            accounts.login(principal, "password")
            flash(gettext("You are logged in as %(name)s.", name=principal.name), "ok")
            return redirect(next_url)
    expired = request.args.get("expired") == "1" or g.get("session_expired")
    return render_template("login.html", next=next_url, error=error, expired=expired,
                           providers=accounts.providers()), status


@bp.post("/logout")
def logout():
    accounts.logout()
    flash(gettext("You are logged out."), "ok")
    return redirect(url_for("core.home"))


@bp.get("/login/<provider>")
def oauth_start(provider):
    """Where a redirect provider (MediaWiki OAuth 2) starts; none is configured by default."""
    enabled = {p.name: p for p in accounts.providers()}
    if provider not in enabled or enabled[provider].kind != "redirect":
        abort(404, gettext("The login method %(name)s is not enabled on this node.", name=provider))
    abort(501, gettext("This login method is not available yet."))


@bp.get("/locale")
def set_locale():
    """Switch the UI language (a cookie); an unknown code falls back to the browser's languages."""
    lang = (request.args.get("lang") or "").replace("-", "_")
    response = make_response(redirect(safe_next(request.args.get("next"))))
    if lang in LOCALES:
        response.set_cookie("lang", lang, max_age=LOCALE_COOKIE_SECONDS, samesite="Lax", httponly=True,
                            secure=request.is_secure)
    else:
        response.delete_cookie("lang")
    return response
