"""Comparing and naming terms across pyoxigraph (the data) and rdflib (the shapes)."""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef

from .literals import RDF_LANGSTRING, XSD_STRING


def term_key(term) -> tuple:
    """A pyoxigraph term as a hashable key (RDF term equality)."""
    if isinstance(term, ox.NamedNode):
        return ("I", term.value)
    if isinstance(term, ox.Literal):
        return ("L", term.value, term.datatype.value, term.language or "")
    return ("B", term.value)


def rdflib_key(node) -> tuple:
    """The :func:`term_key` of an rdflib term."""
    if isinstance(node, URIRef):
        return ("I", str(node))
    if isinstance(node, Literal):
        datatype = str(node.datatype) if node.datatype else (RDF_LANGSTRING if node.language else XSD_STRING)
        return ("L", str(node), datatype, node.language or "")
    return ("B", str(node))


def node_name(term) -> str:
    """How a result names its focus node or shape: an IRI bare, anything else in N-Triples."""
    if isinstance(term, (ox.NamedNode, URIRef)):
        return term.value if isinstance(term, ox.NamedNode) else str(term)
    if isinstance(term, (BNode, Literal)):
        return term.n3()
    return str(term)
