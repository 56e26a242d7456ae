"""The Maarifa SHACL shapes: one Turtle file per entity family, loaded as one graph.

Imports only ``ontology``, the standard library and rdflib. Shapes use SHACL Core only and
every ``sh:path`` is a single predicate IRI, so a result's path is always one property.
"""

from __future__ import annotations

import functools
from pathlib import Path

import rdflib

from ontology import PREFIXES

__all__ = ["SHAPES_DIR", "class_hierarchy", "shape_files", "load_shapes"]

SHAPES_DIR: Path = Path(__file__).resolve().parent


def shape_files() -> list[Path]:
    """The shapes' Turtle files, sorted by name."""
    return sorted(SHAPES_DIR.glob("*.ttl"))


@functools.cache
def load_shapes() -> rdflib.Graph:
    """All shapes parsed into one graph (cached and shared: callers must not mutate it)."""
    graph = rdflib.Graph()
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri, override=True)
    for path in shape_files():
        graph.parse(path, format="turtle")
    return graph


@functools.cache
def _ontology_subclasses() -> frozenset[tuple[str, str]]:
    from ontology import ONTOLOGY_PATH

    return _subclass_pairs(rdflib.Graph().parse(ONTOLOGY_PATH, format="turtle"))


def _subclass_pairs(graph: rdflib.Graph) -> frozenset[tuple[str, str]]:
    return frozenset((str(s), str(o)) for s, o in graph.subject_objects(rdflib.RDFS.subClassOf)
                     if isinstance(s, rdflib.URIRef) and isinstance(o, rdflib.URIRef))


def class_hierarchy(shapes: rdflib.Graph | None = None) -> frozenset[tuple[str, str]]:
    """The ``rdfs:subClassOf`` pairs of the ontology and the shapes, as (subclass, superclass).

    The store does not hold the ontology, so validation takes its class hierarchy from here:
    ``sh:targetClass mf:KnowledgeAsset`` reaches an ``mf:Guide``, ``sh:class mf:Territory``
    accepts an ``mf:Country`` (SHACL 1.0, section 1.5: SHACL instance).
    """
    return _ontology_subclasses() | _subclass_pairs(load_shapes() if shapes is None else shapes)
