"""Resolving references to what is already in the store: skills, people, trainings, orgs.

Importers name things the way people write them (a capacity code, a label in any
language, an IRI, a username, a module slug, an acronym); these indexes are read once per
import from the store, so a 100k-row file costs one query per kind, not one per row.
"""

from __future__ import annotations

import unicodedata

from rdflib import URIRef

from ontology import MF, ORG, RDF, SKOS


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", str(text)).casefold().strip()


class SkillIndex:
    """Skill by code (``skos:notation``), by label (pref/alt, any language, case-folded) or IRI."""

    def __init__(self, store):
        self.iris: set[str] = set()
        self.by_code: dict[str, str] = {}
        self.by_label: dict[str, str] = {}
        rows = store.select("SELECT ?c ?n ?l ?a WHERE { ?c a skos:Concept . "
                            "OPTIONAL { ?c skos:notation ?n } OPTIONAL { ?c skos:prefLabel ?l } "
                            "OPTIONAL { ?c skos:altLabel ?a } }")
        for row in rows:
            concept = str(row["c"])
            self.iris.add(concept)
            if "n" in row:
                self.by_code.setdefault(str(row["n"]), concept)
            if "l" in row:
                self.by_label.setdefault(_fold(row["l"]), concept)
        for row in rows:  # alternative labels only where no preferred label claims the text
            if "a" in row:
                self.by_label.setdefault(_fold(row["a"]), str(row["c"]))

    def __len__(self) -> int:
        return len(self.iris)

    def resolve(self, ref: str) -> URIRef | None:
        ref = str(ref).strip()
        if ref in self.iris:
            return URIRef(ref)
        if ref in self.by_code:
            return URIRef(self.by_code[ref])
        found = self.by_label.get(_fold(ref))
        return URIRef(found) if found else None


def people(store) -> dict[str, tuple[URIRef, str]]:
    """username -> (person IRI, access level of the graph holding the person)."""
    out = {}
    for access in ("public", "members", "private"):
        for s, _, o in store.triples(None, URIRef(MF.username), None, access=[access]):
            out.setdefault(str(o), (s, access))
    return out


def trainings(store) -> dict[str, URIRef]:
    """training slug -> training IRI."""
    rows = store.select("SELECT ?t ?slug WHERE { ?t a mf:Training ; mf:slug ?slug }")
    return {str(r["slug"]): r["t"] for r in rows}


def organizations(store) -> dict[str, URIRef]:
    """acronym (``skos:notation``, case-folded) -> organization IRI."""
    out = {}
    for s, _, _ in store.triples(None, URIRef(RDF.type), URIRef(ORG.Organization)):
        for _, _, o in store.triples(s, URIRef(SKOS.notation), None):
            out.setdefault(_fold(o), s)
    return out
