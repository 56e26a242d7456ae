"""The administrators' page: import history, search index lag, store size, replica, accounts."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from graph.accounts import ROLES
from graph.errors import MaarifaError

from .. import accounts
from .common import login_required, services

bp = Blueprint("admin", __name__)


def _history(store) -> list:
    """Every version of every graph, newest first: the active ones and, when the store keeps
    them, the superseded ones (``store.history()``)."""
    active = {r.physical for r in store.records()}
    history = getattr(store, "history", None)
    records = list(history()) if callable(history) else store.records()
    rows = [{"record": r, "active": r.physical in active} for r in records]
    rows.sort(key=lambda x: (x["record"].generated_at, x["record"].logical), reverse=True)
    return rows


def _page(status=200, **extra):
    svc = services()
    store = svc.store
    health = svc.status()
    return render_template("admin.html", status=health, history=_history(store),
                           accounts=accounts.accounts().list(), tokens=svc.tokens.list(), roles=ROLES,
                           form=request.form, **extra), status


@bp.get("/admin")
@login_required("admin")
def index():
    return _page()


@bp.post("/admin/accounts")
@login_required("admin")
def create_account():
    try:
        accounts.accounts().create(request.form.get("username", ""), request.form.get("role", ""),
                                   request.form.get("password", ""))
    except MaarifaError as exc:
        return _page(400, account_error=str(exc))
    flash(gettext("Account %(name)s created.", name=request.form.get("username", "")), "ok")
    return redirect(url_for("admin.index"))
