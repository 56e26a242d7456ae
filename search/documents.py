"""Index documents built from the graph, following ARCHITECTURE.md's "who sees what".

A document is a plain JSON-able dict, the same for every backend::

    {"id": IRI, "type": "asset", "kind": "Guide", "access": "public",
     "titles": {"en": "...", "es": "..."},            # label per language ('und' = none)
     "texts": [["en", "..."], ...],                    # descriptions, bodies, definitions
     "keywords": [["es", "..."], ...],                 # labels of linked skills, orgs, territories
     "languages": [...], "skills": [...], "skill_paths": [...], "formats": [...],
     "organizations": [...], "territories": [...]}

``access`` is the most open access level of the graphs the entity lives in: ``public`` when
it is in a public graph, ``members`` when only in members graphs; an entity only in private
graphs, and a person whose visibility is private, gets no document. A document is built
only from the graphs its access level allows (a public document never carries a
members-only triple). E-mail addresses are never read.
"""

from __future__ import annotations

from typing import Callable, Iterable, Iterator

from rdflib import Literal, URIRef

from graph import GraphStore
from ontology import DCT, MF, ORG, RDF, SCHEMA, SKOS

from .text import UNDETERMINED, normalize_tag

TYPES = ("asset", "learning_pack", "training", "skill", "organization", "person")

ASSET_CLASSES = ("KnowledgeAsset", "LearningResource", "Toolkit", "Guide", "SlideDeck", "Video", "WikiPage")
CLASS_TYPES: dict[str, str] = {MF[c]: "asset" for c in ASSET_CLASSES}
CLASS_TYPES.update({
    MF.LearningPack: "learning_pack",
    MF.Training: "training",
    SKOS.Concept: "skill",
    ORG.Organization: "organization",
    MF.Person: "person",
})
# the most specific class wins when an entity has several (a Guide is also a KnowledgeAsset)
_CLASS_RANK = {MF.KnowledgeAsset: 0}

FACET_FIELDS = ("type", "language", "skill", "format", "organization", "territory")
#: facet name -> document field holding its values
FACET_SOURCE = {"type": "type", "language": "languages", "skill": "skills", "format": "formats",
                "organization": "organizations", "territory": "territories"}
#: filter name -> document field it tests (a skill filter includes narrower skills)
FILTER_SOURCE = {**FACET_SOURCE, "skill": "skill_paths"}

VISIBLE = ("public", "members")
_LEVELS = {"public": ["public"], "members": ["public", "members"]}

_PROPS_QUERY = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
_TYPE_QUERY = "SELECT ?s ?t WHERE { ?s a ?t }"
_ENTITIES_QUERY = "SELECT DISTINCT ?s ?t WHERE { ?s a ?t . VALUES ?t { %s } }"
_ANCESTORS_QUERY = "SELECT DISTINCT ?s ?a WHERE { ?s skos:broader+ ?a }"
_PLACES_QUERY = "SELECT DISTINCT ?s ?code WHERE { ?s schema:containedInPlace* ?p . ?p mf:territoryCode ?code }"


def build_all(store: GraphStore, progress: Callable[[int, int], None] | None = None) -> Iterator[dict]:
    """Every document the graph yields (the input of a full reindex); ``progress(done, total)``
    is told after each entity that may have a document."""
    builder = DocumentBuilder(store)
    values = " ".join(f"<{c}>" for c in CLASS_TYPES)
    rows = store.select(_ENTITIES_QUERY % values, access=VISIBLE)
    iris = list(dict.fromkeys(str(row["s"]) for row in rows if isinstance(row["s"], URIRef)))
    for done, iri in enumerate(iris, 1):
        doc = builder.build(iri)
        if progress is not None:
            progress(done, len(iris))
        if doc is not None:
            yield doc


def build(store: GraphStore, iris: Iterable[str]) -> dict[str, dict | None]:
    """The documents of the given entities; ``None`` for an entity that has (or may have) none."""
    builder = DocumentBuilder(store)
    return {iri: builder.build(iri) for iri in iris}


class DocumentBuilder:
    """Builds documents, caching the labels and hierarchies it looks up along the way."""

    def __init__(self, store: GraphStore):
        self.store = store
        self._labels: dict[tuple[str, str], list[tuple[str, str]]] = {}
        self._ancestors: dict[tuple[str, str], list[str]] = {}
        self._places: dict[tuple[str, str], list[str]] = {}

    # -- access ---------------------------------------------------------------------

    def doc_type(self, iri: str, access: str) -> tuple[str, str] | None:
        classes = [str(r["t"]) for r in self.store.select(_TYPE_QUERY, access=_LEVELS[access], s=URIRef(iri))]
        known = sorted((c for c in classes if c in CLASS_TYPES), key=lambda c: _CLASS_RANK.get(c, 1), reverse=True)
        if not known:
            return None
        return CLASS_TYPES[known[0]], known[0].rsplit("#", 1)[-1].rsplit("/", 1)[-1]

    def access_of(self, iri: str) -> str | None:
        for access in VISIBLE:
            if self.doc_type(iri, access) is not None:
                return access
        return None

    # -- building -------------------------------------------------------------------

    def build(self, iri: str) -> dict | None:
        access = self.access_of(iri)
        if access is None:
            return None
        doc_type, kind = self.doc_type(iri, access)
        props = self._props(iri, access)
        if doc_type == "person":
            visibility = _first(props, MF.visibility)
            visibility = str(visibility) if visibility is not None else None
            if visibility == MF.Private:
                return None
            if visibility != MF.Public:  # members-only, or no visibility stated: the safe side
                access = "members"
                props = self._props(iri, access)
        doc = {"id": iri, "type": doc_type, "kind": kind, "access": access, "titles": {}, "texts": [],
               "keywords": [], "languages": [], "skills": [], "skill_paths": [], "formats": [],
               "organizations": [], "territories": []}
        getattr(self, f"_fill_{doc_type}")(doc, props, access)
        for key in ("languages", "skills", "skill_paths", "formats", "organizations", "territories"):
            doc[key] = sorted(set(doc[key]))
        if not doc["titles"]:
            doc["titles"] = {UNDETERMINED: iri.rstrip("/").rsplit("/", 1)[-1]}
        return doc

    def _fill_asset(self, doc: dict, props: dict, access: str) -> None:
        doc["titles"] = _by_lang(props.get(DCT.title, []))
        doc["texts"] = _lang_texts(props.get(DCT.description, [])) + _lang_texts(props.get(MF.body, []))
        doc["languages"] = [normalize_tag(str(v)) for v in props.get(DCT.language, [])]
        doc["formats"] = [str(v) for v in props.get(DCT.format, [])]
        doc["texts"] += [[UNDETERMINED, str(v)] for v in props.get(SCHEMA.audience, [])]
        if MF.slug in props:
            doc["keywords"].append([UNDETERMINED, str(_first(props, MF.slug)).replace("-", " ")])
        self._add_skills(doc, props.get(SCHEMA.teaches, []), access)

    def _fill_learning_pack(self, doc: dict, props: dict, access: str) -> None:
        self._fill_asset(doc, props, access)
        # a pack is also found by the titles of its parts
        rows = self.store.select(
            "SELECT ?s ?title WHERE { ?s mf:hasItem ?i . ?i mf:item ?a . ?a dct:title ?title }",
            access=_LEVELS[access], s=URIRef(doc["id"]))
        doc["keywords"] += _lang_texts([r["title"] for r in rows])

    def _fill_training(self, doc: dict, props: dict, access: str) -> None:
        self._fill_asset(doc, props, access)
        doc["languages"] = doc["languages"] or [t for t in doc["titles"] if t != UNDETERMINED]

    def _fill_skill(self, doc: dict, props: dict, access: str) -> None:
        doc["titles"] = _by_lang(props.get(SKOS.prefLabel, []))
        doc["texts"] = _lang_texts(props.get(SKOS.altLabel, [])) + _lang_texts(props.get(SKOS.definition, []))
        doc["keywords"] = [[UNDETERMINED, str(v)] for v in props.get(SKOS.notation, [])]
        doc["languages"] = [t for t in doc["titles"] if t != UNDETERMINED]
        doc["skills"] = [doc["id"]]
        doc["skill_paths"] = [doc["id"], *self._skill_ancestors(doc["id"], access)]

    def _fill_organization(self, doc: dict, props: dict, access: str) -> None:
        doc["titles"] = _by_lang(props.get(SKOS.prefLabel, []))
        doc["keywords"] = [[UNDETERMINED, str(v)] for v in props.get(SKOS.notation, [])]
        doc["languages"] = [t for t in doc["titles"] if t != UNDETERMINED]
        doc["organizations"] = [doc["id"]]
        self._add_territories(doc, props.get(MF.territory, []), access)

    def _fill_person(self, doc: dict, props: dict, access: str) -> None:
        # never schema:email; only what a reader of this access level may see
        name = _first(props, SCHEMA.name)
        username = _first(props, MF.username)
        doc["titles"] = {UNDETERMINED: str(name or username or doc["id"])}
        if username:
            doc["keywords"].append([UNDETERMINED, str(username)])
        rows = self.store.select("SELECT ?s ?skill WHERE { ?s mf:hasClaim ?c . ?c mf:skill ?skill }",
                                 access=_LEVELS[access], s=URIRef(doc["id"]))
        self._add_skills(doc, [r["skill"] for r in rows], access)
        rows = self.store.select("SELECT ?s ?lang WHERE { ?s mf:speaks ?a . ?a mf:language ?lang }",
                                 access=_LEVELS[access], s=URIRef(doc["id"]))
        doc["languages"] = [normalize_tag(str(r["lang"])) for r in rows]
        orgs = [str(o) for o in props.get(ORG.memberOf, [])]
        doc["organizations"] = orgs
        for org in orgs:
            doc["keywords"] += [[lang, text] for lang, text in self._labels_of(org, SKOS.prefLabel, access)]
        self._add_territories(doc, props.get(MF.territory, []), access)

    # -- linked entities ---------------------------------------------------------------

    def _add_skills(self, doc: dict, skills, access: str) -> None:
        for skill in skills:
            iri = str(skill)
            doc["skills"].append(iri)
            doc["skill_paths"] += [iri, *self._skill_ancestors(iri, access)]
            doc["keywords"] += [[lang, text] for lang, text in self._labels_of(iri, SKOS.prefLabel, access)]

    def _add_territories(self, doc: dict, territories, access: str) -> None:
        for territory in territories:
            iri = str(territory)
            key = (iri, access)
            if key not in self._places:
                rows = self.store.select(_PLACES_QUERY, access=_LEVELS[access], s=URIRef(iri))
                self._places[key] = [str(r["code"]) for r in rows]
            doc["territories"] += self._places[key]
            doc["keywords"] += [[lang, text] for lang, text in self._labels_of(iri, SCHEMA.name, access)]

    def _skill_ancestors(self, iri: str, access: str) -> list[str]:
        key = (iri, access)
        if key not in self._ancestors:
            rows = self.store.select(_ANCESTORS_QUERY, access=_LEVELS[access], s=URIRef(iri))
            self._ancestors[key] = [str(r["a"]) for r in rows]
        return self._ancestors[key]

    def _labels_of(self, iri: str, predicate: str, access: str) -> list[tuple[str, str]]:
        key = (iri, predicate + access)
        if key not in self._labels:
            rows = self.store.select("SELECT ?s ?p ?l WHERE { ?s ?p ?l }", access=_LEVELS[access],
                                     s=URIRef(iri), p=URIRef(predicate))
            self._labels[key] = [tuple(pair) for pair in _lang_texts([r["l"] for r in rows])]
        return self._labels[key]

    def _props(self, iri: str, access: str) -> dict[str, list]:
        props: dict[str, list] = {}
        for row in self.store.select(_PROPS_QUERY, access=_LEVELS[access], s=URIRef(iri)):
            predicate = str(row["p"])
            if predicate == SCHEMA.email:
                continue
            props.setdefault(predicate, []).append(row["o"])
        return props


# -- helpers -----------------------------------------------------------------------------


def _first(props: dict, predicate: str):
    values = props.get(predicate)
    return values[0] if values else None


def _lang_texts(literals) -> list[list[str]]:
    return [[normalize_tag(v.language) if isinstance(v, Literal) and v.language else UNDETERMINED, str(v)]
            for v in literals]


def _by_lang(literals) -> dict[str, str]:
    out: dict[str, str] = {}
    for lang, text in _lang_texts(literals):
        out.setdefault(lang, text)
    return out


def facet_values(doc: dict, facet: str) -> list[str]:
    value = doc.get(FACET_SOURCE[facet])
    return [value] if isinstance(value, str) else list(value or [])


def all_text(doc: dict) -> list[tuple[str, str]]:
    """(lang, text) of everything searchable in a document, titles first."""
    return ([(lang, text) for lang, text in doc["titles"].items()]
            + [tuple(t) for t in doc["texts"]] + [tuple(t) for t in doc["keywords"]])


RDF_TYPE = RDF.type
