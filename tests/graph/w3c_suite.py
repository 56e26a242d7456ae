"""The W3C SHACL Core test suite (tests/fixtures/w3c-shacl-core, see its SOURCE.txt): its
``sht:Validate`` cases and their expected reports, read from the manifests.

A report is compared as SHACL's own test suite says (section "Validation reports" of the
test-suite README): conformance, and the set of results, each as (focus node, path, source
shape, constraint component, severity); messages and values are not compared.
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass
from pathlib import Path

from rdflib import RDF, Graph, Namespace
from rdflib.collection import Collection
from rdflib.namespace import SH

from graph.errors import Violation
from graph.shacl.paths import path_key
from graph.shacl.keys import node_name
from graph.validation import severity_name

SUITE = Path(__file__).resolve().parents[1] / "fixtures" / "w3c-shacl-core"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = Namespace("http://www.w3.org/ns/shacl-test#")

ResultKey = tuple[str, str | None, str | None, str | None, str]


@dataclass
class Case:
    name: str  # e.g. "core/node/class-001"
    data: Graph
    shapes: Graph
    conforms: bool
    results: frozenset  # of ResultKey


def result_key(v: Violation) -> ResultKey:
    return (v.node, v.path, v.shape, v.component, v.severity)


def _graph(path: Path, cache: dict) -> Graph:
    if path not in cache:
        with warnings.catch_warnings():
            # or-datatypes-001 holds "none"^^xsd:boolean on purpose; rdflib warns while parsing it
            warnings.filterwarnings("ignore", "Parsing weird boolean", UserWarning)
            cache[path] = Graph().parse(path, format="turtle", publicID=path.as_uri())
    return cache[path]


def _file(iri) -> Path:
    return Path(str(iri).removeprefix("file://"))


def _expected(graph: Graph, report) -> tuple[bool, frozenset]:
    conforms = graph.value(report, SH.conforms).toPython()
    keys = set()
    for result in graph.objects(report, SH.result):
        severity = graph.value(result, SH.resultSeverity)
        shape = graph.value(result, SH.sourceShape)
        component = graph.value(result, SH.sourceConstraintComponent)
        keys.add((
            node_name(graph.value(result, SH.focusNode)),
            path_key(graph, graph.value(result, SH.resultPath)),
            node_name(shape) if shape is not None else None,
            str(component) if component is not None else None,
            severity_name(str(severity)),
        ))
    return conforms, frozenset(keys)


@functools.cache
def cases() -> list[Case]:
    found: list[Case] = []
    cache: dict = {}
    todo = [SUITE / "core" / "manifest.ttl"]
    while todo:
        manifest_path = todo.pop(0)
        manifest = _graph(manifest_path, cache)
        for m in manifest.subjects(RDF.type, MF.Manifest):
            todo.extend(_file(i) for i in manifest.objects(m, MF.include))
            for entries in manifest.objects(m, MF.entries):
                for entry in Collection(manifest, entries):
                    if (entry, RDF.type, SHT.Validate) not in manifest:
                        continue
                    action = manifest.value(entry, MF.action)
                    data = _graph(_file(manifest.value(action, SHT.dataGraph)), cache)
                    shapes = _graph(_file(manifest.value(action, SHT.shapesGraph)), cache)
                    conforms, results = _expected(manifest, manifest.value(entry, MF.result))
                    name = str(Path(_file(entry)).relative_to(SUITE))
                    found.append(Case(name, data, shapes, conforms, results))
    return sorted(found, key=lambda c: c.name)
