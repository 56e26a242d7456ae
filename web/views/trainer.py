"""Trainers issue and revoke badges by hand (the trainer or admin role)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from badges import Actor, Evidence
from graph.errors import MaarifaError

from ..accounts import current_principal
from .common import login_required, pick, services

bp = Blueprint("trainer", __name__)

RECENT = 25


def _service():
    from ..openbadges import service

    return service()


def _actor() -> Actor:
    principal = current_principal()
    return Actor(f"{principal.name} (web)", principal.role)


def _recent():
    """The latest awards of the people this account may see (a trainer: not private people's)."""
    rows = services().store.select(
        "SELECT ?a ?on WHERE { ?a a mf:Award ; obi:issuedOn ?on } ORDER BY DESC(?on) LIMIT %d" % RECENT,
        access=_actor().sees)
    out = []
    for r in rows:
        try:
            out.append(_service().award_by_iri(str(r["a"])))
        except MaarifaError:
            continue
    return out


def _page(status=200, **extra):
    badges = sorted(((b.slug, pick(b.names)) for b in _service().badge_classes()), key=lambda b: str(b[1]).casefold())
    return render_template("trainer.html", badges=badges, recent=_recent(), form=request.form, **extra), status


@bp.get("/trainer")
@login_required("trainer")
def index():
    return _page()


@bp.post("/trainer/issue")
@login_required("trainer")
def issue():
    badge = request.form.get("badge", "").strip()
    username = request.form.get("username", "").strip()
    url = request.form.get("evidence", "").strip() or None
    narrative = request.form.get("narrative", "").strip() or None
    if not badge or not username:
        return _page(400, issue_error=gettext("Choose a badge and give the recipient's user name."))
    if url and not url.startswith(("https://", "http://")):
        return _page(400, issue_error=gettext("The evidence must be a web address (https://...)."))
    evidence = [Evidence(url=url, narrative=narrative)] if url or narrative else []
    try:
        result = _service().issue(badge, username, actor=_actor(), evidence=evidence)
    except MaarifaError as exc:
        return _page(getattr(exc, "http_status", 400), issue_error=str(exc))
    flash(gettext("Badge issued to %(name)s.", name=username), "ok")
    return redirect(url_for("openbadges.verify_page", award_id=result.award.id))


@bp.post("/trainer/revoke")
@login_required("trainer")
def revoke():
    award = request.form.get("award", "").strip()
    reason = request.form.get("reason", "").strip()
    if not award or not reason:
        return _page(400, revoke_error=gettext("Give the award and a reason."))
    try:
        revoked = _service().revoke(award, reason, actor=_actor())
    except MaarifaError as exc:
        return _page(getattr(exc, "http_status", 400), revoke_error=str(exc))
    flash(gettext("The badge was revoked."), "ok")
    return redirect(url_for("openbadges.verify_page", award_id=revoked.id))
