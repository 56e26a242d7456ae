"""SHACL property paths (SHACL 1.0, section 2.3.1), read from the shapes graph and evaluated
on a :class:`~graph.shacl.view.View`.

Each path knows its SPARQL form (section 2.3.1.1 maps every path to a SPARQL property path),
which is also how results name it, and how far from the focus node it reads (``hops``; None
when unbounded), which tells the store which nodes a change can affect.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import RDF, BNode, Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH

from .errors import UnsupportedShape


def _unique(values) -> list:
    return list(dict.fromkeys(values))


@dataclass(frozen=True)
class PredicatePath:
    iri: str
    hops = 1
    inverse = False

    def values(self, view, node) -> list:
        return view.objects(node, self.iri)

    def reverse_values(self, view, node) -> list:
        return view.subjects(self.iri, node)

    @property
    def sparql(self) -> str:
        return f"<{self.iri}>"


@dataclass(frozen=True)
class InversePath:
    path: object
    inverse = True

    @property
    def hops(self):
        return self.path.hops

    def values(self, view, node) -> list:
        return self.path.reverse_values(view, node)

    def reverse_values(self, view, node) -> list:
        return self.path.values(view, node)

    @property
    def sparql(self) -> str:
        return f"^{self.path.sparql}"


@dataclass(frozen=True)
class SequencePath:
    steps: tuple

    @property
    def hops(self):
        total = 0
        for step in self.steps:
            if step.hops is None:
                return None
            total += step.hops
        return total

    @property
    def inverse(self) -> bool:
        return any(step.inverse for step in self.steps)

    def values(self, view, node) -> list:
        nodes = [node]
        for step in self.steps:
            nodes = _unique(v for n in nodes for v in step.values(view, n))
        return nodes

    def reverse_values(self, view, node) -> list:
        nodes = [node]
        for step in reversed(self.steps):
            nodes = _unique(v for n in nodes for v in step.reverse_values(view, n))
        return nodes

    @property
    def sparql(self) -> str:
        return "(" + "/".join(step.sparql for step in self.steps) + ")"


@dataclass(frozen=True)
class AlternativePath:
    options: tuple

    @property
    def hops(self):
        hops = [option.hops for option in self.options]
        return None if None in hops else max(hops)

    @property
    def inverse(self) -> bool:
        return any(option.inverse for option in self.options)

    def values(self, view, node) -> list:
        return _unique(v for option in self.options for v in option.values(view, node))

    def reverse_values(self, view, node) -> list:
        return _unique(v for option in self.options for v in option.reverse_values(view, node))

    @property
    def sparql(self) -> str:
        return "(" + "|".join(option.sparql for option in self.options) + ")"


@dataclass(frozen=True)
class RepeatedPath:
    """``sh:zeroOrMorePath`` (``*``), ``sh:oneOrMorePath`` (``+``), ``sh:zeroOrOnePath`` (``?``)."""

    path: object
    operator: str

    @property
    def hops(self):
        return self.path.hops if self.operator == "?" else None

    @property
    def inverse(self) -> bool:
        return self.path.inverse

    def values(self, view, node) -> list:
        return self._walk(node, lambda n: self.path.values(view, n))

    def reverse_values(self, view, node) -> list:
        return self._walk(node, lambda n: self.path.reverse_values(view, n))

    def _walk(self, node, step) -> list:
        # with "+" the start node is a value only when a cycle leads back to it
        found = [node] if self.operator in "*?" else []
        seen, frontier = set(found), [node]
        while frontier:
            new = [v for v in _unique(v for n in frontier for v in step(n)) if v not in seen]
            seen.update(new)
            found.extend(new)
            frontier = [] if self.operator == "?" else new
        return found

    @property
    def sparql(self) -> str:
        return f"{self.path.sparql}{self.operator}"


_REPEATS = {SH.zeroOrMorePath: "*", SH.oneOrMorePath: "+", SH.zeroOrOnePath: "?"}


def parse_path(shapes: Graph, node):
    """The path whose root is ``node`` in the shapes graph (section 2.3.1)."""
    if isinstance(node, URIRef) and node != RDF.nil:
        return PredicatePath(str(node))
    if not isinstance(node, BNode):
        raise UnsupportedShape(f"{node!r} is not a property path")
    if (node, RDF.first, None) in shapes:
        steps = tuple(parse_path(shapes, step) for step in Collection(shapes, node))
        if len(steps) < 2:
            raise UnsupportedShape("a sequence path needs at least two members")
        return SequencePath(steps)
    inverse = shapes.value(node, SH.inversePath)
    if inverse is not None:
        return InversePath(parse_path(shapes, inverse))
    alternatives = shapes.value(node, SH.alternativePath)
    if alternatives is not None:
        options = tuple(parse_path(shapes, option) for option in Collection(shapes, alternatives))
        if len(options) < 2:
            raise UnsupportedShape("an alternative path needs at least two members")
        return AlternativePath(options)
    for predicate, operator in _REPEATS.items():
        inner = shapes.value(node, predicate)
        if inner is not None:
            return RepeatedPath(parse_path(shapes, inner), operator)
    raise UnsupportedShape(f"the blank node {node.n3()} is not a property path")


def path_key(graph: Graph, node) -> str | None:
    """The SPARQL form of a path written in any graph (a report's ``sh:resultPath``);
    a single predicate is its bare IRI, as :class:`graph.errors.Violation` names it."""
    if node is None:
        return None
    if isinstance(node, URIRef):
        return str(node)
    try:
        return parse_path(graph, node).sparql
    except UnsupportedShape:
        return node.n3()


def result_path(path) -> str | None:
    """How a :class:`graph.errors.Violation` names a compiled path."""
    if path is None:
        return None
    return path.iri if isinstance(path, PredicatePath) else path.sparql
