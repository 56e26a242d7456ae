"""Knowledge assets, learning packs, trainings and badge classes: non-personal pages."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_babel import gettext
from rdflib import Literal, URIRef

from ontology import DCT, MF, OBI, RDF, SCHEMA, SKOS

from .common import iri_of, levels, pick, services, texts_by_lang, ui_lang
from .labels import taxonomy

bp = Blueprint("assets", __name__)

ASSET_CLASSES = {MF[c] for c in ("KnowledgeAsset", "LearningResource", "Toolkit", "Guide", "SlideDeck", "Video",
                                  "WikiPage")}
KIND_NAMES = {"KnowledgeAsset": "Knowledge asset", "LearningResource": "Learning resource", "Toolkit": "Toolkit",
              "Guide": "Guide", "SlideDeck": "Slide deck", "Video": "Video", "WikiPage": "Wiki page"}


def properties(iri: str) -> dict[str, list]:
    """Every (predicate → objects) of ``iri`` in the graphs the viewer may read."""
    props: dict[str, list] = {}
    for row in services().store.select("SELECT ?s ?p ?o WHERE { ?s ?p ?o }", access=levels(), s=URIRef(iri)):
        props.setdefault(str(row["p"]), []).append(row["o"])
    return props


def first(props: dict, predicate: str):
    values = props.get(predicate)
    return values[0] if values else None


def kind_name(classes) -> str:
    names = {"KnowledgeAsset": gettext("Knowledge asset"), "LearningResource": gettext("Learning resource"),
             "Toolkit": gettext("Toolkit"), "Guide": gettext("Guide"), "SlideDeck": gettext("Slide deck"),
             "Video": gettext("Video"), "WikiPage": gettext("Wiki page")}
    specific = [str(c).rsplit("#", 1)[-1] for c in classes if str(c) in ASSET_CLASSES and str(c) != MF.KnowledgeAsset]
    return names.get(specific[0] if specific else "KnowledgeAsset", gettext("Knowledge asset"))


def skills_of(iris) -> list[dict]:
    tax, lang = taxonomy(), ui_lang()
    out = []
    for iri in iris:
        iri = str(iri)
        out.append({"iri": iri, "code": tax.code.get(iri), "label": pick(tax.labels.get(iri, {}), lang)
                    if tax.labels.get(iri) else tax.skill_label(iri, lang)})
    return sorted(out, key=lambda s: str(s["label"]).casefold())


def describe(iri: str, props: dict) -> dict:
    return {
        "iri": iri,
        "title": pick(texts_by_lang(props.get(DCT.title, []))) if props.get(DCT.title) else None,
        "description": pick(texts_by_lang(props.get(DCT.description, []))) if props.get(DCT.description) else None,
        "body": pick(texts_by_lang(props.get(MF.body, []))) if props.get(MF.body) else None,
        "languages": sorted({str(v) for v in props.get(DCT.language, [])}),
        "formats": sorted({str(v) for v in props.get(DCT.format, [])}),
        "licence": first(props, DCT.license),
        "source": first(props, DCT.source),
        "modified": first(props, DCT.modified),
        "reviewed": first(props, MF.lastReviewed),
        "audience": [str(v) for v in props.get(SCHEMA.audience, [])],
        "time": first(props, SCHEMA.timeRequired),
        "quality": first(props, MF.qualityStatus),
        "skills": skills_of(props.get(SCHEMA.teaches, [])),
        "translations": sorted(texts_by_lang(props.get(DCT.title, [])).keys()),
    }


def _title_of(iri: str) -> object:
    rows = services().store.select("SELECT ?s ?t WHERE { ?s dct:title ?t }", access=levels(), s=URIRef(iri))
    if not rows:
        return iri.rsplit("/", 1)[-1]
    return pick(texts_by_lang([r["t"] for r in rows]))


def packs_containing(iri: str) -> list[dict]:
    rows = services().store.select("SELECT DISTINCT ?a ?p WHERE { ?p mf:hasItem ?i . ?i mf:item ?a }",
                                   access=levels(), a=URIRef(iri))
    return [{"iri": str(r["p"]), "title": _title_of(str(r["p"]))} for r in rows]


@bp.get("/asset/<path:slug>")
def asset(slug):
    iri = iri_of("asset", slug)
    props = properties(iri)
    classes = {str(c) for c in props.get(RDF.type, [])}
    if not classes & ASSET_CLASSES:
        abort(404, gettext("There is no knowledge asset %(slug)s.", slug=slug))
    data = describe(iri, props)
    data["kind"] = kind_name(classes)
    return render_template("asset.html", a=data, packs=packs_containing(iri))


@bp.get("/pack/<path:slug>")
def pack(slug):
    iri = iri_of("pack", slug)
    props = properties(iri)
    if MF.LearningPack not in {str(c) for c in props.get(RDF.type, [])}:
        abort(404, gettext("There is no learning pack %(slug)s.", slug=slug))
    data = describe(iri, props)
    rows = services().store.select(
        "SELECT ?s ?item ?pos WHERE { ?s mf:hasItem ?i . ?i mf:item ?item . OPTIONAL { ?i schema:position ?pos } }",
        access=levels(), s=URIRef(iri))
    parts = sorted(((int(r["pos"]) if "pos" in r else 0, str(r["item"])) for r in rows))
    items = [{"iri": item, "title": _title_of(item), "position": pos} for pos, item in parts]
    trainings = services().store.select("SELECT ?t ?s WHERE { ?t mf:material ?s }", access=levels(), s=URIRef(iri))
    return render_template("pack.html", a=data, items=items,
                           trainings=[{"iri": str(r["t"]), "title": _title_of(str(r["t"]))} for r in trainings])


@bp.get("/training/<path:slug>")
def training(slug):
    iri = iri_of("training", slug)
    props = properties(iri)
    if MF.Training not in {str(c) for c in props.get(RDF.type, [])}:
        abort(404, gettext("There is no training %(slug)s.", slug=slug))
    data = describe(iri, props)
    material = [{"iri": str(m), "title": _title_of(str(m))} for m in props.get(MF.material, [])]
    rows = services().store.select("SELECT ?b ?t WHERE { ?b a mf:BadgeClass ; mf:forTraining ?t }",
                                   access=("public",), t=URIRef(iri))
    badges = [{"iri": str(r["b"]), "slug": str(r["b"]).rsplit("/", 1)[-1]} for r in rows]
    skills = services().store.select("SELECT ?t ?s WHERE { ?t schema:teaches ?s }", access=levels(), t=URIRef(iri))
    data["skills"] = data["skills"] or skills_of({r["s"] for r in skills})
    return render_template("training.html", a=data, material=material, badges=badges)


@bp.get("/badge/<slug>")
def badge_class(slug):
    from ..openbadges import service

    from badges.errors import UnknownBadge

    try:
        badge = service().badge_class(slug)
    except UnknownBadge:
        abort(404, gettext("There is no badge %(slug)s.", slug=slug))
    return render_template("badge_class.html", badge=badge, name=pick(badge.names), description=pick(badge.descriptions),
                           skills=skills_of(s.iri for s in badge.skills))


__all__ = ["bp", "Literal", "OBI", "SKOS"]
