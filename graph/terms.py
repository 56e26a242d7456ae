"""Conversions between rdflib terms (the currency of our service APIs) and pyoxigraph terms.

Importers and services build rdflib terms; only this package turns them into pyoxigraph
terms. Conversions are cached where the same IRIs recur (predicates, classes).
"""

from __future__ import annotations

from functools import lru_cache

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


@lru_cache(maxsize=65536)
def named(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def to_ox(term: Node):
    if isinstance(term, URIRef):
        return named(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None and str(term.datatype) != XSD_STRING:
            return ox.Literal(str(term), datatype=named(str(term.datatype)))
        return ox.Literal(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


@lru_cache(maxsize=65536)
def _uri(iri: str) -> URIRef:
    return URIRef(iri)


def from_ox(term) -> Node:
    if isinstance(term, ox.NamedNode):
        return _uri(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        dt = term.datatype.value
        if dt == XSD_STRING:
            return Literal(term.value)
        # normalize=False keeps the lexical form exactly as stored (no silent coercion)
        return Literal(term.value, datatype=_uri(dt), normalize=False)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    raise TypeError(f"unsupported term: {term!r}")


def quad(s, p, o, g: str) -> ox.Quad:
    return ox.Quad(to_ox(s), to_ox(p), to_ox(o), named(g))


def nt(term) -> str:
    """N-Triples form of a pyoxigraph term, for SPARQL Update text."""
    return str(term)


def valid_iri(text: str) -> bool:
    """Whether ``text`` is an absolute IRI the store accepts (RFC 3987, as pyoxigraph checks it),
    so importers can report a bad one with its line instead of failing on write."""
    try:
        named(str(text))
    except ValueError:
        return False
    return True
