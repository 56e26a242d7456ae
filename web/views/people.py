"""A person's page (as far as the viewer may see it) and the peer finder."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from rdflib import URIRef

from graph.errors import MaarifaError
from graph.people import PersonNotFound

from .common import peer_services, pick, services, ui_lang, viewer
from .labels import taxonomy

bp = Blueprint("people", __name__)

#: the peer finder's filters; the page's ``?lang=`` stays the interface language (web/app.py)
PEER_FIELDS = ("skill", "level", "status", "speaks", "min_proficiency", "territory", "org", "mentoring", "verified")


@bp.get("/people/<username>")
def person(username):
    who = viewer()
    profile = peer_services().profiles.get(username, who, lang=ui_lang())  # PersonNotFound → 404
    levels = who.levels(about=username)
    rows = services().store.select(
        "SELECT ?p ?a ?b ?on WHERE { ?a a mf:Award ; mf:recipient ?p ; mf:badge ?b ; mf:revoked false ; "
        "obi:issuedOn ?on } ORDER BY DESC(?on)", access=levels, p=URIRef(profile["iri"]))
    from ..openbadges import service as badge_service

    awards = []
    for r in rows:
        try:  # an award this node cannot serve (foreign IRI, broken record) gets no link to a 404
            award = badge_service().award_by_iri(str(r["a"]))
        except MaarifaError:
            continue
        awards.append({"id": award.id, "name": pick(award.badge.names), "issued_on": str(r["on"])})
    claims = {"known": [], "available": [], "wanted": []}
    for c in profile["claims"]:
        claims.setdefault(c["status"], []).append(c)
    return render_template("person.html", p=profile, claims=claims, awards=awards,
                           own=who.username == username, is_admin=who.is_admin)


def _options():
    """The form's choices (skills, organizations, territories) in the UI language, cached per graph state."""
    from flask import current_app

    from .common import services

    cache = current_app.extensions.setdefault("maarifa.ui_options", {})
    key = (ui_lang(), services().store.feed.head)
    if key not in cache:
        if len(cache) > 20:
            cache.clear()
        cache[key] = _build_options()
    return cache[key]


def _build_options():
    tax, lang = taxonomy(), ui_lang()
    skills = sorted(((tax.code.get(c) or c, tax.skill_label(c, lang)) for c in tax.in_scheme),
                    key=lambda x: x[1].casefold())
    orgs = sorted(((tax.org_code.get(o) or o, tax.org_info(o, lang)["label"]) for o in tax.org_labels),
                  key=lambda x: x[1].casefold())
    from .common import territory_name

    territories = sorted(((code, territory_name(code) if not code.isdigit() else
                           (_region_name(tax, iri, lang))) for iri, code in tax.territory_code.items()),
                         key=lambda x: x[1].casefold())
    return skills, orgs, territories


def _region_name(tax, iri, lang):
    from .common import territory_name

    name = territory_name(tax.territory_code[iri])
    if name != tax.territory_code[iri]:
        return name
    return (tax.territory_info(iri, lang) or {}).get("name") or tax.territory_code[iri]


UI_LANGS = ("en", "es", "fr", "ar", "pt", "sw", "de", "hi", "id", "yo", "zh", "ru", "ja", "it", "nl", "ha", "ig")


@bp.get("/peers")
def peers():
    args = request.args
    params = {name: args.get(name) for name in PEER_FIELDS if args.get(name)}
    if args.getlist("status"):
        params["status"] = [s for s in args.getlist("status") if s]
    result, error, status = None, None, 200
    if params:
        query = dict(params)
        if query.get("speaks") and query.get("min_proficiency"):
            query["speaks"] = f"{query['speaks']}:{query.pop('min_proficiency')}"
        try:
            page = max(1, int(args.get("page", "1")))
        except ValueError:
            page = 1
        query.update({"page": page, "per_page": 20, "ui_lang": ui_lang()})
        try:
            result = peer_services().finder.find(viewer(), query)
        except MaarifaError as exc:
            error, status = str(exc), getattr(exc, "http_status", 400)
            if status == 404:
                status = 400
    federated = None
    if params and args.get("federated") and error is None:
        from ..peers_api import federated_results

        try:
            federated = federated_results(args.get("skill"), args.get("level"), args.getlist("status"))
        except MaarifaError as exc:
            error, status = str(exc), 400
    skills, orgs, territories = _options()
    return render_template("peers.html", result=result, federated=federated, error=error, args=args, skills=skills,
                           orgs=orgs, territories=territories, languages=UI_LANGS), status


__all__ = ["bp", "PersonNotFound"]
