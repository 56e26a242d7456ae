"""The catalog: which physical named graph currently holds each logical graph, and its provenance.

A logical graph (``{base}/graph/{source}/{access}``) is what users name. Each import writes a
fresh *physical* graph (``{logical}/v/{version}``) and the catalog switches to it in one small
transaction, so half-loaded data is never visible: readers only ever look at the physical
graphs the catalog lists as active. Each physical graph is a ``prov:Entity`` that is a
``prov:specializationOf`` its logical graph.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from ontology import DCT, MF, PROV, RDF, XSD

CATALOG_GRAPH = "urn:maarifa:system:catalog"
FEED_GRAPH = "urn:maarifa:system:feed"
SYSTEM_PREFIX = "urn:maarifa:system:"

SLUG_CHARS = 60
HASH_CHARS = 16

ACCESS_IRIS = {"public": MF.Public, "members": MF.MembersOnly, "private": MF.Private}
ACCESS_BY_IRI = {v: k for k, v in ACCESS_IRIS.items()}


def access_by_convention(logical: str) -> str:
    """The access level a new graph gets from its IRI alone: the last path segment when it is
    one (``{base}/graph/{source}/{access}``), otherwise public. Used for graphs that a SPARQL
    update names without any other say in the matter."""
    last = logical.rstrip("/").rsplit("/", 1)[-1]
    return last if last in ACCESS_IRIS else "public"


@dataclass(frozen=True)
class GraphRecord:
    logical: str
    physical: str
    source: str  # the source's stable key
    label: str  # what provenance shows: a file or source name, never a local path
    access: str  # public | members | private
    checksum: str
    generated_at: str  # xsd:dateTime lexical form
    importer: str

    def provenance(self) -> list[tuple[str, str, tuple[str, str | None]]]:
        """Triples describing the physical graph: (subject, predicate, (value, datatype|None for IRI))."""
        g = self.physical
        return [
            (g, RDF.type, (MF.SourceGraph, None)),
            (g, PROV.specializationOf, (self.logical, None)),
            (g, DCT.source, (self.label, XSD.string)),
            (g, MF.sourceKey, (self.source, XSD.string)),
            (g, MF.checksum, (self.checksum, XSD.string)),
            (g, PROV.generatedAtTime, (self.generated_at, XSD.dateTime)),
            (g, MF.importer, (self.importer, XSD.string)),
            (g, MF.accessLevel, (ACCESS_IRIS[self.access], None)),
        ]


def source_slug(text: str) -> str:
    """A readable source key: lower-case letters and digits, anything else as one dash, cut short."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:SLUG_CHARS] or "data"


def graph_source_key(graph_iri: str) -> str:
    """The source key of a load into one named graph: unique for every distinct graph IRI.

    A slug alone is not: two IRIs that share their first 60 characters, or that differ only
    in punctuation, gave one key, and the second load silently replaced the first graph. The
    slug stays for people reading the catalog; a hash of the whole IRI makes the key unique.
    """
    digest = hashlib.sha256(graph_iri.encode("utf-8")).hexdigest()[:HASH_CHARS]
    return f"{source_slug(graph_iri)}-{digest}"


CATALOG_QUERY = f"""
SELECT ?physical ?logical ?source ?label ?access ?checksum ?at ?importer WHERE {{
  GRAPH <{CATALOG_GRAPH}> {{
    ?physical <{MF.active}> true ;
        <{PROV.specializationOf}> ?logical ;
        <{MF.sourceKey}> ?source ;
        <{DCT.source}> ?label ;
        <{MF.accessLevel}> ?access ;
        <{MF.checksum}> ?checksum ;
        <{PROV.generatedAtTime}> ?at ;
        <{MF.importer}> ?importer .
  }}
}}"""
