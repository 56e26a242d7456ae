"""``/search``: full-text search with facets, highlighted snippets, "did you mean" and pages."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext, lazy_gettext

from search.documents import TYPES
from search.errors import BadQuery

from ..accounts import current_principal
from .common import language_name, services, split_iri, territory_name, ui_lang, ui_url
from .labels import taxonomy

bp = Blueprint("search", __name__)

FACETS = ("type", "language", "skill", "format", "organization", "territory")
PER_PAGE = 10
TYPE_NAMES = {
    "asset": lazy_gettext("Knowledge asset"), "learning_pack": lazy_gettext("Learning pack"),
    "training": lazy_gettext("Training"), "skill": lazy_gettext("Skill"),
    "organization": lazy_gettext("Organization"), "person": lazy_gettext("Person"),
}
FACET_NAMES = {
    "type": lazy_gettext("Type"), "language": lazy_gettext("Language"), "skill": lazy_gettext("Skill"),
    "format": lazy_gettext("Format"), "organization": lazy_gettext("Organization"),
    "territory": lazy_gettext("Territory"),
}


def facet_label(facet: str, value: str) -> str:
    lang = ui_lang()
    if facet == "type":
        return str(TYPE_NAMES.get(value, value))
    if facet == "language":
        return language_name(value)
    if facet == "territory":
        return territory_name(value)
    tax = taxonomy()
    if facet == "skill":
        return tax.skill_label(value, lang)
    if facet == "organization":
        return tax.org_info(value, lang)["label"]
    return value


def _page() -> int:
    try:
        return max(1, min(int(request.args.get("page", "1")), 1000))
    except ValueError:
        return 1


@bp.get("/search")
def search():
    from search import Query
    from search import search as run

    text = request.args.get("q", "")
    filters = {name: tuple(v for v in request.args.getlist(name) if v) for name in FACETS}
    filters = {k: v for k, v in filters.items() if v}
    results, error, status = None, None, 200
    if text.strip() or filters:
        query = Query(text, lang=ui_lang(), filters=filters, page=_page(), per_page=PER_PAGE,
                      viewer_is_member=current_principal().is_member)
        try:
            results = run(services().search, query)
        except BadQuery as exc:
            error, status = str(exc), 400
    facets = []
    if results is not None:
        for name in FACETS:
            values = results.facets.get(name) or []
            chosen = set(filters.get(name, ()))
            shown = [(v, facet_label(name, v), n, v in chosen) for v, n in values[:12]]
            shown += [(v, facet_label(name, v), 0, True) for v in chosen if v not in {x[0] for x in shown}]
            if shown:
                facets.append((name, FACET_NAMES[name], shown))
    selected = [(name, v, facet_label(name, v)) for name, values in filters.items() for v in values]
    pages = 0
    if results is not None:
        pages = min((results.total + PER_PAGE - 1) // PER_PAGE, 1000)
    return render_template("search.html", q=text, results=results, error=error, facets=facets,
                           selected=selected, pages=pages, page=_page(), type_names=TYPE_NAMES,
                           hit_url=hit_url), status


def hit_url(hit) -> str:
    return ui_url(hit.id)


__all__ = ["bp", "TYPES", "gettext", "split_iri"]
