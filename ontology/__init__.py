"""The Maarifa vocabulary: where its Turtle lives, and namespace constants.

Standard library only. IRIs are plain ``str`` so any RDF library can use them::

    from ontology import MF, SKOS, PREFIXES
    MF.Person            # 'https://w3id.org/maarifa/ns#Person'
    SCHEMA["name"]       # 'https://schema.org/name'
    sparql_header()      # 'PREFIX mf: <https://w3id.org/maarifa/ns#>\\n...'
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "ONTOLOGY_PATH", "Namespace", "PREFIXES", "sparql_header", "turtle_header",
    "MF", "MFSH", "SKOS", "SCHEMA", "ORG", "FOAF", "PROV", "DCT", "OBI",
    "RDF", "RDFS", "OWL", "XSD", "SH",
]

ONTOLOGY_PATH: Path = Path(__file__).with_name("maarifa.ttl")


class Namespace:
    """A namespace IRI: ``NS.term`` and ``NS["term"]`` return ``base + term`` as a plain str.

    Not a ``str`` subclass on purpose: ``DCT.title`` must be an IRI, not ``str.title``.
    ``str(NS)`` is the namespace IRI itself.
    """

    __slots__ = ("_base",)

    def __init__(self, base: str) -> None:
        self._base = base

    def __getattr__(self, name: str) -> str:
        if name.startswith("_"):  # keep copy/pickle/introspection working
            raise AttributeError(name)
        return self._base + name

    def __getitem__(self, name: str) -> str:
        return self._base + name

    def __contains__(self, iri: object) -> bool:
        return isinstance(iri, str) and iri.startswith(self._base)

    def __str__(self) -> str:
        return self._base

    def __repr__(self) -> str:
        return f"Namespace({self._base!r})"


MF = Namespace("https://w3id.org/maarifa/ns#")
MFSH = Namespace("https://w3id.org/maarifa/shapes#")  # IRIs of the SHACL shapes
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
SCHEMA = Namespace("https://schema.org/")
ORG = Namespace("http://www.w3.org/ns/org#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
PROV = Namespace("http://www.w3.org/ns/prov#")
DCT = Namespace("http://purl.org/dc/terms/")
OBI = Namespace("https://w3id.org/openbadges#")
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
OWL = Namespace("http://www.w3.org/2002/07/owl#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
SH = Namespace("http://www.w3.org/ns/shacl#")

#: prefix -> namespace IRI, for SPARQL and Turtle headers and for binding in RDF libraries.
PREFIXES: dict[str, str] = {
    "mf": str(MF), "mfsh": str(MFSH), "skos": str(SKOS), "schema": str(SCHEMA),
    "org": str(ORG), "foaf": str(FOAF), "prov": str(PROV), "dct": str(DCT),
    "obi": str(OBI), "rdf": str(RDF), "rdfs": str(RDFS), "owl": str(OWL),
    "xsd": str(XSD), "sh": str(SH),
}


def sparql_header() -> str:
    """``PREFIX p: <iri>`` lines for every entry of PREFIXES."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


def turtle_header() -> str:
    """``@prefix p: <iri> .`` lines for every entry of PREFIXES."""
    return "".join(f"@prefix {p}: <{iri}> .\n" for p, iri in PREFIXES.items())
