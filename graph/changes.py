"""What a writer hands to the store: a change to named graphs, and a whole source to replace."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Iterable

from rdflib.term import Node

Triple = tuple[Node, Node, Node]

ACCESS_LEVELS = ("public", "members", "private")


@dataclass
class Change:
    """Triples to remove and add, per logical named graph; applied whole or not at all.

    ``origins`` maps a subject IRI to where it was read ("people.csv, row 12") so that a
    violation report can point at the source.

    Graph-level changes (SPARQL Update's CREATE and DROP): ``create`` names graphs to record
    even if they stay empty, ``drop`` names graphs to remove from the catalog (their triples
    must be in ``remove``). ``access`` gives the access level of graphs this change creates
    whose IRI does not end in one (``{base}/graph/{source}/{access}``).
    """

    add: dict[str, list[Triple]] = field(default_factory=dict)
    remove: dict[str, list[Triple]] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)
    note: str = ""
    create: set[str] = field(default_factory=set)
    drop: set[str] = field(default_factory=set)
    access: dict[str, str] = field(default_factory=dict)

    def adding(self, graph: str, triples: Iterable[Triple]) -> "Change":
        self.add.setdefault(graph, []).extend(triples)
        return self

    def removing(self, graph: str, triples: Iterable[Triple]) -> "Change":
        self.remove.setdefault(graph, []).extend(triples)
        return self

    def graphs(self) -> set[str]:
        return set(self.add) | set(self.remove) | self.create | self.drop

    def is_empty(self) -> bool:
        return not any(self.add.values()) and not any(self.remove.values()) and not self.create and not self.drop


@dataclass
class SourceGraphs:
    """A whole source (one import) as one graph per access level, with its provenance.

    ``name`` is the source's stable key (e.g. "people" or "training"), ``label`` is the
    name shown in provenance (a file name, never a local path).
    """

    name: str
    label: str
    importer: str
    checksum: str
    graphs: dict[str, list[Triple]] = field(default_factory=dict)  # access level -> triples
    origins: dict[str, str] = field(default_factory=dict)
    graph_iris: dict[str, str] = field(default_factory=dict)  # access level -> logical graph, to override

    def __post_init__(self):
        unknown = set(self.graphs) - set(ACCESS_LEVELS)
        if unknown:
            raise ValueError(f"unknown access levels {sorted(unknown)}")


def sha256_checksum(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()
