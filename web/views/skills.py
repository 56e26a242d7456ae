"""The skills taxonomy: the tree, and a page per skill with who offers it and what teaches it."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_babel import gettext
from rdflib import URIRef

from graph.errors import MaarifaError
from ontology import SKOS

from .common import iri_of, peer_services, pick, services, texts_by_lang, ui_lang, viewer
from .labels import taxonomy

bp = Blueprint("skills", __name__)


def _key(tax, lang):
    def key(c):
        code = tax.code.get(c) or ""
        return (0, int(code), "") if code.isdigit() else (1, 0, tax.skill_label(c, lang).casefold())
    return key


def tree(tax, roots, lang, depth=0, seen=None) -> list[dict]:
    seen = set() if seen is None else seen
    out = []
    for c in sorted(roots, key=_key(tax, lang)):
        if c in seen or depth > 12:
            continue
        seen.add(c)
        out.append({"iri": c, "code": tax.code.get(c), "label": _label(tax, c, lang),
                    "children": tree(tax, tax.narrower.get(c, ()), lang, depth + 1, seen)})
    return out


def _label(tax, iri, lang):
    labels = tax.labels.get(iri)
    return pick(labels, lang) if labels else tax.skill_label(iri, lang)


def roots_of(tax) -> list[str]:
    return [c for c in tax.in_scheme if not (tax.broader.get(c, set()) & tax.concepts)]


@bp.get("/skills")
def index():
    tax, lang = taxonomy(), ui_lang()
    return render_template("skills.html", tree=tree(tax, roots_of(tax), lang), count=len(tax.in_scheme))


def resolve(code: str) -> str:
    tax = taxonomy()
    iri = iri_of("skill", code)
    if iri in tax.concepts:
        return iri
    if code in tax.by_code:
        return tax.by_code[code]
    abort(404, gettext("There is no skill %(code)s.", code=code))


@bp.get("/skill/<path:code>")
def skill(code):
    tax, lang = taxonomy(), ui_lang()
    iri = resolve(code)
    props: dict[str, list] = {}
    for row in services().store.select("SELECT ?s ?p ?o WHERE { ?s ?p ?o }", access=("public",), s=URIRef(iri)):
        props.setdefault(str(row["p"]), []).append(row["o"])
    alt = sorted({str(v) for v in props.get(SKOS.altLabel, []) if (getattr(v, "language", None) or "und")[:2]
                  in (lang[:2], "und")})
    definition = pick(texts_by_lang(props.get(SKOS.definition, []))) if props.get(SKOS.definition) else None
    path = [{"iri": a, "label": _label(tax, a, lang)} for a in reversed(_chain(tax, iri))]
    narrower = tree(tax, tax.narrower.get(iri, ()), lang)
    offers, more = [], False
    try:
        found = peer_services().finder.find(viewer(), {"skill": iri, "status": ["available"], "per_page": 10,
                                                       "ui_lang": lang})
        offers, more = found["results"], found["has_more"]
    except MaarifaError:
        pass
    teaching = _teaching(iri)
    badges = services().store.select("SELECT ?b ?s WHERE { ?b a mf:BadgeClass ; mf:alignedSkill ?s }",
                                     access=("public",), s=URIRef(iri))
    exact = [str(v) for v in props.get(SKOS.exactMatch, [])]
    return render_template("skill.html", iri=iri, code=tax.code.get(iri), label=_label(tax, iri, lang), alt=alt,
                           definition=definition, path=path, narrower=narrower, offers=offers, more=more,
                           teaching=teaching, exact=exact,
                           badges=sorted(str(r["b"]).rsplit("/", 1)[-1] for r in badges))


def _chain(tax, iri) -> list[str]:
    """The broader skills from the nearest to the top (the first parent each time)."""
    out, current, seen = [], iri, {iri}
    while True:
        parents = sorted(set(tax.broader.get(current, ())) & tax.concepts)
        if not parents or parents[0] in seen:
            return out
        current = parents[0]
        seen.add(current)
        out.append(current)


def _teaching(iri: str):
    from search import Query
    from search import search as run

    from ..accounts import current_principal

    try:
        return run(services().search, Query("", lang=ui_lang(), filters={"skill": (iri,)},
                                            types=("asset", "learning_pack", "training"), per_page=10,
                                            viewer_is_member=current_principal().is_member))
    except MaarifaError:
        return None
