"""Factories for valid graph data, as rdflib triples."""

from __future__ import annotations

from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from ontology import MF, RDF, SCHEMA, SKOS

BASE = "http://127.0.0.1:5000"


def iri(kind: str, slug: str) -> URIRef:
    return URIRef(f"{BASE}/id/{kind}/{slug}")


def taxonomy(codes=("1", "2", "3")) -> list:
    scheme = iri("scheme", "capacities")
    triples = [(scheme, URIRef(RDF.type), URIRef(SKOS.ConceptScheme)),
               (scheme, URIRef(SKOS.prefLabel), Literal("Capacities", lang="en"))]
    for code in codes:
        s = iri("skill", code)
        triples += [(s, URIRef(RDF.type), URIRef(SKOS.Concept)), (s, URIRef(SKOS.inScheme), scheme),
                    (s, URIRef(SKOS.prefLabel), Literal(f"Skill {code}", lang="en")),
                    (s, URIRef(SKOS.notation), Literal(code))]
    return triples


def person(username: str, claims: dict[str, int] | None = None, visibility: str = "Public") -> list:
    s = iri("person", username)
    triples = [
        (s, URIRef(RDF.type), URIRef(MF.Person)),
        (s, URIRef(MF.username), Literal(username)),
        (s, URIRef(SCHEMA.name), Literal(username.title())),
        (s, URIRef(MF.visibility), URIRef(MF[visibility])),
        (s, URIRef(MF.federationConsent), Literal(True)),
    ]
    for code, level in (claims or {}).items():
        c = URIRef(f"{s}#claim-{code}")
        triples += [(s, URIRef(MF.hasClaim), c), (c, URIRef(RDF.type), URIRef(MF.SkillClaim)),
                    (c, URIRef(MF.skill), iri("skill", code)),
                    (c, URIRef(MF.level), Literal(str(level), datatype=XSD.integer)),
                    (c, URIRef(MF.claimStatus), URIRef(MF.Known))]
    return triples
