"""Incremental SHACL validation of the nodes a change touches.

The shapes in ``shapes/`` are the single source of truth. :func:`make_validator` compiles
every shape that has a target with :mod:`graph.shacl` (SHACL Core, checked directly on
pyoxigraph terms, thousands of nodes per call). A shape the compiler refuses
(:class:`~graph.shacl.errors.UnsupportedShape`: SHACL-SPARQL, custom targets, recursive
shapes) is not dropped: that shape alone is checked by pySHACL on the focus nodes and their
neighbourhood. pySHACL is also the reference the W3C SHACL Core suite and the fixtures compare
the compiled checks against (``tests/graph/test_w3c_shacl.py``).
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Iterable

from rdflib import RDF, BNode, Graph, URIRef
from rdflib.namespace import SH

from .errors import Violation
from .shacl.errors import UnsupportedShape
from .shacl.paths import path_key, result_path
from .shacl.reach import Reach
from .shacl.shapes import CompiledShapes, Result
from .shacl.keys import node_name
from .shacl.view import ClassHierarchy, View
from .terms import to_ox

__all__ = [
    "ClassHierarchy", "CompiledValidator", "PyshaclValidator", "UnsupportedShape", "View",
    "make_validator", "pyshacl_violations", "severity_name", "validate_graph",
]

log = logging.getLogger(__name__)

# rdflib logs a traceback for every ill-typed literal it meets; those are reported as violations.
logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)

# how far around the focus nodes the data handed to pySHACL for a refused shape reaches
FALLBACK_HOPS = 2


def severity_name(iri: str) -> str:
    """``Violation``, ``Warning``, ``Info`` for SHACL's own severities; any other by its IRI."""
    return iri[len(str(SH)):] if iri.startswith(str(SH)) else iri


def _violation(result: Result) -> Violation:
    path = result.path if isinstance(result.path, str) else result_path(result.path)
    value = result.value
    return Violation(
        node=node_name(result.focus), path=path, message=result.message,
        value=str(value) if value is not None else None, severity=severity_name(result.shape.severity),
        shape=node_name(result.shape.node), component=result.component,
    )


class CompiledValidator:
    """The compiled shapes, plus pySHACL for the shapes the compiler refused."""

    def __init__(self, shapes: Graph, hierarchy: ClassHierarchy | None = None):
        self.compiled = CompiledShapes(shapes)
        self.hierarchy = hierarchy or ClassHierarchy()
        self.refused = self.compiled.refused
        self.fallback = None
        for node, reason in self.refused.items():
            log.warning("shape %s is checked by pySHACL: %s", node_name(node), reason.reason)
        if self.refused:
            self.fallback = PyshaclValidator(_refused_shapes(shapes, set(self.refused)), self.hierarchy)

    @property
    def reach(self) -> Reach:
        reach = self.compiled.reach
        if self.fallback is not None:
            # pySHACL sees the nodes FALLBACK_HOPS away in both directions
            reach = dataclasses.replace(reach, inverse=True, types_under_negation=True)
            reach.read_data(FALLBACK_HOPS)
        return reach

    @property
    def target_nodes(self) -> list:
        return self.compiled.target_nodes

    @property
    def subject_target_predicates(self) -> set[str]:
        return set(self.compiled.by_subject_of)

    @property
    def object_target_predicates(self) -> set[str]:
        return set(self.compiled.by_object_of)

    @property
    def needs_incoming(self) -> bool:
        return self.reach.inverse

    def validate(self, view: View, focus_nodes: Iterable) -> list[Violation]:
        focus_nodes = list(focus_nodes)
        found = [_violation(r) for r in self.compiled.results(view, focus_nodes)]
        if self.fallback is not None:
            found += self.fallback.validate(view, focus_nodes, hops=FALLBACK_HOPS)
        return _dedupe(found)


def _dedupe(violations: list[Violation]) -> list[Violation]:
    return list(dict.fromkeys(violations))


def _refused_shapes(shapes: Graph, refused: set) -> Graph:
    """The refused shapes and everything they refer to, with the targets of the shapes that
    are compiled removed (pySHACL must not check those a second time)."""
    sub, seen, todo = Graph(), set(), list(refused)
    for prefix, namespace in shapes.namespaces():
        sub.bind(prefix, namespace)
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for p, o in shapes.predicate_objects(node):
            if node not in refused and (p in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf,
                                              SH.targetObjectsOf, SH.target) or (p == RDF.type and o != SH.NodeShape
                                                                                  and o != SH.PropertyShape)):
                continue
            sub.add((node, p, o))
            if isinstance(o, (URIRef, BNode)) and (o, None, None) in shapes:
                todo.append(o)
    return sub


class PyshaclValidator:
    """pySHACL over the same view: the reference implementation, and the fallback."""

    def __init__(self, shapes: Graph, hierarchy: ClassHierarchy | None = None):
        self.shapes = shapes
        self.hierarchy = hierarchy or ClassHierarchy()
        self.ontology = _hierarchy_graph(self.hierarchy)

    reach = Reach(data=1, types=1, types_under_negation=True)
    target_nodes: list = []
    subject_target_predicates: set = set()
    object_target_predicates: set = set()
    needs_incoming = False

    def validate(self, view: View, focus_nodes: Iterable, hops: int = 1) -> list[Violation]:
        from .terms import from_ox
        focus = list(focus_nodes)
        if not focus:
            return []
        return pyshacl_violations(view.to_rdflib(focus, hops), self.shapes, [from_ox(f) for f in focus],
                                  ontology=self.ontology)


def _hierarchy_graph(hierarchy: ClassHierarchy) -> Graph | None:
    if not hierarchy.parents:
        return None
    from rdflib import RDFS
    graph = Graph()
    for sub, parents in hierarchy.parents.items():
        for sup in parents:
            graph.add((URIRef(sub), RDFS.subClassOf, URIRef(sup)))
    return graph


def pyshacl_violations(data: Graph, shapes: Graph, focus: list | None = None, *,
                       ontology: Graph | None = None) -> list[Violation]:
    """Every result of pySHACL's report (warnings and infos too), as Violations."""
    import pyshacl

    _, report, _ = pyshacl.validate(
        data, shacl_graph=shapes, ont_graph=ontology, inference="none", focus_nodes=focus,
        allow_warnings=True,
    )
    violations = []
    # nested results (sh:detail) are typed sh:ValidationResult too: only the report's own count
    for result in report.objects(report.value(None, RDF.type, SH.ValidationReport), SH.result):
        value = report.value(result, SH.value)
        messages = list(report.objects(result, SH.resultMessage))
        english = [m for m in messages if getattr(m, "language", None) in (None, "en")] or messages
        severity = report.value(result, SH.resultSeverity)
        shape = report.value(result, SH.sourceShape)
        component = report.value(result, SH.sourceConstraintComponent)
        violations.append(Violation(
            node=node_name(report.value(result, SH.focusNode)),
            path=path_key(report, report.value(result, SH.resultPath)),
            message=str(english[0]) if english else "violates a shape",
            value=str(to_ox(value)) if value is not None else None,
            severity=severity_name(str(severity)) if severity else "Violation",
            shape=node_name(shape) if shape is not None else None,
            component=str(component) if component is not None else None,
        ))
    return sorted(violations, key=lambda v: (v.node, v.path or "", v.message))


def graph_view(data: Graph, hierarchy: ClassHierarchy | None = None) -> tuple[View, list]:
    """A view of a whole rdflib graph, and every node in it (the candidates for targets)."""
    out: dict = {}
    into: dict = {}
    for s, p, o in data:
        s, p, o = to_ox(s), to_ox(p), to_ox(o)
        out.setdefault(s, []).append((p, o))
        into.setdefault(o, []).append((s, p))
    view = View(describe=lambda n: out.get(n, ()), incoming=lambda n: into.get(n, ()), hierarchy=hierarchy)
    return view, list(dict.fromkeys([*out, *into]))


def validate_graph(data: Graph, shapes: Graph, validator: CompiledValidator | None = None) -> list[Violation]:
    """Validate a whole data graph (SHACL 1.0, section 3.3) with the compiled checks."""
    validator = validator or CompiledValidator(shapes)
    view, nodes = graph_view(data, validator.hierarchy)
    candidates = list(dict.fromkeys([*nodes, *validator.target_nodes]))
    return validator.validate(view, candidates)


def make_validator(shapes: Graph, hierarchy: ClassHierarchy | None = None) -> CompiledValidator:
    return CompiledValidator(shapes, hierarchy)
