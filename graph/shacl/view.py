"""The data graph as a validation reads it: node by node, on demand.

A :class:`View` answers the questions SHACL Core asks of the data graph (SHACL 1.0, section
1.5 and 2.1.3): the objects of a node's triples, the subjects that point at a node (inverse
paths, ``sh:targetObjectsOf``) and the classes a node is a SHACL instance of, through
``rdfs:subClassOf``. The store fills it from its quads (the change included); the focus
nodes' descriptions are usually preloaded, so a check reads a dictionary, and anything else
is fetched once per view through the callables given.
"""

from __future__ import annotations

from typing import Callable, Iterable

import pyoxigraph as ox
from rdflib import RDFS, Graph

from ..terms import from_ox

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_SUBCLASS_OF = str(RDFS.subClassOf)

Describe = Callable[[object], Iterable[tuple[ox.NamedNode, object]]]  # node -> (predicate, object)
Incoming = Callable[[object], Iterable[tuple[object, ox.NamedNode]]]  # node -> (subject, predicate)
Types = Callable[[object], Iterable[ox.NamedNode]]  # node -> its rdf:type objects


def _nothing(node) -> tuple:
    return ()


class ClassHierarchy:
    """``rdfs:subClassOf`` pairs known before any data is read (the ontology's)."""

    def __init__(self, pairs: Iterable[tuple[str, str]] = ()):
        self.parents: dict[str, set[str]] = {}
        for sub, sup in pairs:
            self.parents.setdefault(sub, set()).add(sup)

    def subclasses(self, classes: Iterable[str]) -> set[str]:
        """The classes given and every class below them (for picking instances to re-check)."""
        children: dict[str, set[str]] = {}
        for sub, parents in self.parents.items():
            for sup in parents:
                children.setdefault(sup, set()).add(sub)
        seen, todo = set(classes), list(classes)
        while todo:
            for child in children.get(todo.pop(), ()):
                if child not in seen:
                    seen.add(child)
                    todo.append(child)
        return seen


class View:
    """Descriptions of nodes, fetched once each; classes closed under ``rdfs:subClassOf``."""

    def __init__(self, describe: Describe = _nothing, incoming: Incoming | None = None,
                 types: Types | None = None, hierarchy: ClassHierarchy | None = None):
        self._describe = describe
        self._incoming = incoming
        self._types = types
        self.hierarchy = hierarchy or ClassHierarchy()
        self.reads_incoming = incoming is not None
        self.props: dict[object, dict[str, list]] = {}  # node -> predicate IRI -> objects (no repeats)
        self._in: dict[object, dict[str, list]] = {}
        self._classes: dict[object, frozenset[str]] = {}
        self._superclasses: dict[str, frozenset[str]] = {}

    def preload(self, node, pairs: Iterable[tuple[ox.NamedNode, object]]) -> None:
        """Set a node's description (its (predicate, object) pairs; repeats are dropped)."""
        by_predicate: dict[str, list] = {}
        for p, o in dict.fromkeys(pairs):
            by_predicate.setdefault(p.value, []).append(o)
        self.props[node] = by_predicate

    def outgoing(self, node) -> dict[str, list]:
        found = self.props.get(node)
        if found is None:
            if isinstance(node, ox.Literal):
                found = self.props[node] = {}
            else:
                self.preload(node, self._describe(node))
                found = self.props[node]
        return found

    def objects(self, node, predicate: str) -> list:
        return self.outgoing(node).get(predicate, [])

    def incoming(self, node) -> dict[str, list]:
        if self._incoming is None:
            raise RuntimeError("this view was built without incoming edges")
        found = self._in.get(node)
        if found is None:
            found = {}
            for s, p in dict.fromkeys(self._incoming(node)):
                found.setdefault(p.value, []).append(s)
            self._in[node] = found
        return found

    def subjects(self, predicate: str, node) -> list:
        return self.incoming(node).get(predicate, [])

    def classes(self, node) -> frozenset[str]:
        """Every class ``node`` is a SHACL instance of (SHACL 1.0, section 1.5)."""
        found = self._classes.get(node)
        if found is None:
            if isinstance(node, ox.Literal):
                found = frozenset()
            else:
                if node in self.props or self._types is None:
                    direct = self.outgoing(node).get(RDF_TYPE, ())
                else:
                    direct = self._types(node)
                found = frozenset().union(*(self.superclasses(t.value) for t in direct
                                            if isinstance(t, ox.NamedNode)))
            self._classes[node] = found
        return found

    def superclasses(self, cls: str) -> frozenset[str]:
        """``cls`` and the classes above it, from the hierarchy and the data's own statements."""
        found = self._superclasses.get(cls)
        if found is None:
            seen, todo = {cls}, [cls]
            while todo:
                current = todo.pop()
                stated = (o.value for o in self.objects(ox.NamedNode(current), RDFS_SUBCLASS_OF)
                          if isinstance(o, ox.NamedNode))
                for parent in (*self.hierarchy.parents.get(current, ()), *stated):
                    if parent not in seen:
                        seen.add(parent)
                        todo.append(parent)
            found = self._superclasses[cls] = frozenset(seen)
        return found

    def to_rdflib(self, focus: Iterable, hops: int = 1) -> Graph:
        """The focus nodes' descriptions and those of the nodes ``hops`` steps around them
        (both ways when the view has incoming edges), with the data's class statements."""
        graph, frontier, seen = Graph(), list(dict.fromkeys(focus)), set()
        for depth in range(hops + 1):
            after = []
            for node in frontier:
                if node in seen or isinstance(node, ox.Literal):
                    continue
                seen.add(node)
                for p, objects in self.outgoing(node).items():
                    for o in objects:
                        graph.add((from_ox(node), from_ox(ox.NamedNode(p)), from_ox(o)))
                        after.append(o)
                if self.reads_incoming:
                    for p, subjects in self.incoming(node).items():
                        for s in subjects:
                            graph.add((from_ox(s), from_ox(ox.NamedNode(p)), from_ox(node)))
                            after.append(s)
            frontier = after if depth < hops else []
        for cls in {c for node in seen for c in self.classes(node)}:
            for parent in self.objects(ox.NamedNode(cls), RDFS_SUBCLASS_OF):
                graph.add((from_ox(ox.NamedNode(cls)), RDFS.subClassOf, from_ox(parent)))
        return graph
