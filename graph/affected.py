"""What an incremental validation reads, and which nodes a change can affect.

Validating only the focus nodes a change touches is correct when every node whose
conformance can change is among them. The compiled shapes say how far they read from a focus
node (:class:`graph.shacl.reach.Reach`); :func:`affected_nodes` turns a change into the nodes
to re-check: the subjects it touches, the nodes that become or stop being targets
(``sh:targetObjectsOf``, ``sh:targetNode``, a new ``rdfs:subClassOf``), and the nodes within
reach upstream of what changed (a node that lost a type makes whoever points at it with
``sh:class`` invalid).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

import pyoxigraph as ox

from ontology import RDF, RDFS

from .terms import named

TYPE = named(RDF.type)
SUBCLASS_OF = named(RDFS.subClassOf)


class StoreState:
    """The store as a validation sees it: some graphs, minus removed quads, plus added triples."""

    def __init__(self, store: ox.Store, graphs: Iterable[str], added: dict[str, list[tuple]] | None = None,
                 removed: set | None = None):
        self._store = store
        self.graphs = set(graphs)
        self.added = added or {}  # subject IRI -> [(predicate, object)]
        self.removed = removed or set()  # (subject, predicate, object, graph) tuples
        self._added_by_object: dict | None = None

    def _visible(self, q: ox.Quad) -> bool:
        return q.graph_name.value in self.graphs and (
            not self.removed or (q.subject, q.predicate, q.object, q.graph_name) not in self.removed)

    def describe(self, node):
        # the hot loop of every bulk load: the visibility test is written out, not called
        graphs, removed = self.graphs, self.removed
        for q in self._store.quads_for_pattern(node, None, None, None):
            if q.graph_name.value in graphs and (
                    not removed or (q.subject, q.predicate, q.object, q.graph_name) not in removed):
                yield q.predicate, q.object
        yield from self.added.get(node.value, ())

    def types(self, node):
        for q in self._store.quads_for_pattern(node, TYPE, None, None):
            if self._visible(q):
                yield q.object
        for p, o in self.added.get(node.value, ()):
            if p == TYPE:
                yield o

    def incoming(self, node):
        for q in self._store.quads_for_pattern(None, None, node, None):
            if self._visible(q):
                yield q.subject, q.predicate
        if self._added_by_object is None:
            self._added_by_object = {}
            for s, pairs in self.added.items():
                for p, o in pairs:
                    self._added_by_object.setdefault(o, []).append((named(s), p))
        yield from self._added_by_object.get(node, ())

    def referrers(self, node) -> set:
        return {s for s, _ in self.incoming(node) if isinstance(s, ox.NamedNode)}

    def instances(self, classes: Iterable[str]) -> set:
        """Nodes typed with any of ``classes`` or a class below them in the data."""
        todo, seen = [named(c) for c in classes], set()
        while todo:
            cls = todo.pop()
            if cls in seen:
                continue
            seen.add(cls)
            todo += [s for s, p in self.incoming(cls) if p == SUBCLASS_OF]
        return {s for cls in seen for s, p in self.incoming(cls) if p == TYPE}


@dataclass
class ChangeSummary:
    """What a change did, in the terms :func:`affected_nodes` needs."""

    subjects: set = field(default_factory=set)  # nodes with a triple added or removed
    lost_type: set = field(default_factory=set)
    gained_type: set = field(default_factory=set)
    objects: dict = field(default_factory=dict)  # predicate IRI -> objects of changed triples
    subclasses: set = field(default_factory=set)  # classes with rdfs:subClassOf added or removed

    def triple(self, s, p, o, added: bool) -> None:
        self.subjects.add(s)
        if p == TYPE:
            (self.gained_type if added else self.lost_type).add(s)
        elif p == SUBCLASS_OF:
            self.subclasses.add(s.value)
        self.objects.setdefault(p.value, set()).add(o)


def affected_nodes(summary: ChangeSummary, validator, state: StoreState) -> set:
    """The nodes whose conformance the change can alter (they are validated again)."""
    reach = validator.reach
    focus = set(summary.subjects) | set(validator.target_nodes)
    for p in validator.object_target_predicates:
        focus |= summary.objects.get(p, set())
    seeds = set(summary.subjects)
    if reach.inverse:
        # a triple added or removed also changes what its object's inverse paths see
        seeds |= {o for objects in summary.objects.values() for o in objects if not isinstance(o, ox.Literal)}
        focus |= seeds
    lost, gained = set(summary.lost_type), set(summary.gained_type)
    if summary.subclasses:
        # every instance of the class (and of its subclasses) now has other superclasses
        instances = state.instances(validator.hierarchy.subclasses(summary.subclasses))
        focus |= instances
        lost |= instances
        gained |= instances
    focus |= _upstream(seeds, reach.data, state, reach.inverse)
    focus |= _upstream(lost, reach.type_distance, state, reach.inverse)
    focus |= _upstream(gained, reach.type_distance if reach.types_under_negation else reach.data,
                       state, reach.inverse)
    return {n for n in focus if not isinstance(n, ox.BlankNode)}


def _upstream(nodes: set, distance, state: StoreState, both_ways: bool) -> set:
    """The nodes from which ``nodes`` can be reached in at most ``distance`` steps (None: any)."""
    if distance is not None and distance < 1 or not nodes:
        return set()
    found, frontier, step = set(nodes), set(nodes), 0
    while frontier and (distance is None or step < distance):
        after = set()
        for node in frontier:
            if isinstance(node, ox.Literal):
                continue
            after |= state.referrers(node)
            if both_ways:
                after |= {o for _, o in state.describe(node) if not isinstance(o, ox.Literal)}
        frontier = after - found
        found |= frontier
        step += 1
    return found
