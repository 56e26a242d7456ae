"""How far from a focus node a shape reads the data graph, so the store knows which nodes a
change can affect (incremental validation; not part of SHACL itself).

Distances count triples walked from the focus node: a shape that only looks at the focus
node's own triples reads data at distance 0; ``sh:class`` on the values of a one-step path
reads the types of nodes at distance 1. ``None`` is unbounded (``sh:zeroOrMorePath``...).
"""

from __future__ import annotations

from dataclasses import dataclass


def _further(a, b):
    if a is None or b is None:
        return None
    return max(a, b)


def _shift(distance, hops):
    if distance == -1:
        return -1  # reads nothing, wherever it is applied
    if distance is None or hops is None:
        return None
    return distance + hops


@dataclass
class Reach:
    data: int | None = -1  # farthest node whose triples are read (the focus node itself: 0; none: -1)
    types: int | None = -1  # farthest node whose rdf:type is read (none: -1)
    inverse: bool = False  # reads triples that point at a node (inverse paths, sh:targetObjectsOf)
    types_under_negation: bool = False  # a type *added* can break a result (sh:not, sh:xone, ...)

    def read_data(self, distance) -> None:
        self.data = _further(self.data, distance)

    def read_types(self, distance, negated: bool = False) -> None:
        self.types = _further(self.types, distance)
        self.types_under_negation |= negated

    def read_path(self, path) -> None:
        # walking a path of n steps reads the triples of the nodes 0 .. n-1 steps away
        self.read_data(None if path.hops is None else path.hops - 1)
        self.inverse |= path.inverse

    def include(self, other: "Reach", hops, negated: bool = False) -> None:
        """Add what a shape validated on nodes ``hops`` steps away reads."""
        self.read_data(_shift(other.data, hops))
        self.read_types(_shift(other.types, hops))
        self.inverse |= other.inverse
        self.types_under_negation |= other.types_under_negation or (negated and other.types != -1)

    @property
    def type_distance(self):
        """How far a change of types can matter: ``data`` or ``types``, whichever is further."""
        return _further(self.data, self.types)
