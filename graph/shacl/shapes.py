"""Shapes and targets (SHACL 1.0, sections 2.1 and 2.2), compiled to Python checks.

:class:`CompiledShapes` compiles every shape that has a target, one at a time: a shape whose
constraints (or the shapes it refers to) use something this module does not implement is
*refused* with :class:`~graph.shacl.errors.UnsupportedShape` and listed in
:attr:`CompiledShapes.refused`; the others validate focus nodes through a
:class:`~graph.shacl.view.View`. Nothing is skipped silently: a predicate in the SHACL
namespace that is not understood refuses the shape; anything else on a shape is an annotation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from rdflib import RDF, RDFS, BNode, Graph, URIRef
from rdflib.namespace import SH

from ..terms import to_ox
from .components import COMPONENTS, NOT_CONSTRAINTS, PROPERTY_SHAPE_ONLY, TRUE
from .errors import UnsupportedShape
from .keys import node_name
from .paths import parse_path
from .reach import Reach
from .view import View

SH_NS = str(SH)
VIOLATION = str(SH.Violation)
_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)


@dataclass(slots=True)
class Result:
    """One validation result (SHACL 1.0, section 3.6), before it is turned into a Violation."""

    focus: object
    path: object  # a compiled path, or a predicate IRI (sh:closed), or None
    value: object
    shape: "Shape"
    component: str
    message: str


@dataclass(eq=False)
class Shape:
    node: object  # the shape's node in the shapes graph (rdflib)
    path: object = None  # a compiled path for a property shape
    checks: list = field(default_factory=list)  # (component IRI, check)
    properties: list = field(default_factory=list)  # property shapes (sh:property)
    severity: str = VIOLATION
    message: str | None = None
    name: str | None = None
    deactivated: bool = False

    def validate(self, view: View, focus, out: list) -> None:
        """Append the results of validating ``focus`` against this shape (section 3.4)."""
        if self.deactivated:
            return
        values = self.path.values(view, focus) if self.path is not None else [focus]
        for component, check in self.checks:
            for found in check(view, focus, values):
                value, default = found[0], found[1]
                path = found[2] if len(found) > 2 else self.path
                out.append(Result(focus, path, value, self, component, self._message(default)))
        for prop in self.properties:
            for v in values:
                prop.validate(view, v, out)

    def conforms(self, view: View, node) -> bool:
        found: list = []
        self.validate(view, node, found)
        return not found

    def _message(self, default: str) -> str:
        if self.message:
            return self.message
        return f"{self.name} {default}" if self.name else default


class _Compiler:
    """Compiles one top-level shape and the shapes it refers to, tracking what they read."""

    def __init__(self, shapes: Graph, memo: dict, custom_parameters: set):
        self.shapes = shapes
        self.memo = memo  # node -> (Shape, Reach) of shapes compiled before
        self.custom_parameters = custom_parameters
        self._compiling: list = []  # shapes being compiled (a repeat is a recursive shape)
        self._reach: list[Reach] = []  # the reach of each shape being compiled, innermost last
        self._hops: list = []  # how far from the focus node each shape's value nodes are

    def shape(self, node) -> tuple[Shape, Reach]:
        if node in self.memo:
            return self.memo[node]
        if node in self._compiling:
            raise UnsupportedShape("recursive shapes (SHACL 1.0, section 3.4.3 leaves them undefined)",
                                   node_name(node))
        self._compiling.append(node)
        try:
            compiled = self._build(node)
        finally:
            self._compiling.pop()
        self.memo[node] = compiled
        return compiled

    def _build(self, node) -> tuple[Shape, Reach]:
        shapes = self.shapes
        shape = Shape(node=node)
        reach = Reach()
        paths = list(shapes.objects(node, SH.path))
        if len(paths) > 1:
            raise UnsupportedShape("a property shape with more than one sh:path", node_name(node))
        if paths:
            shape.path = parse_path(shapes, paths[0])
            reach.read_path(shape.path)
        hops = shape.path.hops if shape.path is not None else 0
        shape.deactivated = any(_true(d) for d in shapes.objects(node, SH.deactivated))
        severity = shapes.value(node, SH.severity)
        if severity is not None:
            shape.severity = str(severity)
        shape.message = _message(shapes, node)
        if shape.path is not None:
            name = shapes.value(node, SH.name)
            shape.name = str(name) if name is not None else node_name(paths[0]) if isinstance(paths[0], URIRef) else None
        self._reach.append(reach)
        self._hops.append(hops)
        try:
            for parameter, argument in shapes.predicate_objects(node):
                self._parameter(shape, node, parameter, argument)
        finally:
            self._reach.pop()
            self._hops.pop()
        return shape, reach

    def _parameter(self, shape: Shape, node, parameter, argument) -> None:
        if parameter == SH.property:
            prop, prop_reach = self.shape(argument)
            if prop.path is None:
                raise UnsupportedShape(f"sh:property {argument.n3()} has no sh:path", node_name(node))
            shape.properties.append(prop)
            self._reach[-1].include(prop_reach, self._hops[-1])
            return
        if parameter in NOT_CONSTRAINTS:
            return
        if parameter in COMPONENTS:
            if shape.path is None and parameter in PROPERTY_SHAPE_ONLY:
                raise UnsupportedShape(f"{parameter.n3()} on a node shape", node_name(node))
            component, build = COMPONENTS[parameter]
            built = build(self, node, parameter, argument)
            pairs = built if isinstance(built, list) else [(component, built)]
            shape.checks.extend((str(c), check) for c, check in pairs)
            return
        if str(parameter).startswith(SH_NS) or parameter in self.custom_parameters:
            raise UnsupportedShape(f"{parameter.n3()} is not a SHACL Core constraint this validator implements",
                                   node_name(node))
        # anything else (rdfs:comment, rdfs:seeAlso, rdfs:subClassOf, ...) is an annotation

    # hooks for the component builders: what the constraint reads, and the shapes it refers to

    def nested(self, node, negated: bool = False) -> Shape:
        shape, reach = self.shape(node)
        self._reach[-1].include(reach, self._hops[-1], negated=negated)
        return shape

    def reads_types_of_values(self) -> None:
        self._reach[-1].read_types(self._hops[-1])

    def reads_values(self) -> None:
        self._reach[-1].read_data(self._hops[-1])

    def reads_focus(self) -> None:
        self._reach[-1].read_data(0)


def _true(literal) -> bool:
    return literal == TRUE


def _message(shapes: Graph, node) -> str | None:
    messages = list(shapes.objects(node, SH.message))
    english = [m for m in messages if getattr(m, "language", None) in (None, "en")]
    chosen = english or messages
    return str(chosen[0]) if chosen else None


def target_shapes(shapes: Graph) -> list:
    """Every shape with a target (section 2.1.3), implicit class targets included, in a stable order."""
    found = set(implicit_class_targets(shapes))
    for target in _TARGETS:
        found |= set(shapes.subjects(target, None))
    return sorted(found, key=lambda n: (isinstance(n, BNode), str(n)))


def implicit_class_targets(shapes: Graph) -> set:
    """Shapes that are also classes: each targets its own instances (section 2.1.3.3)."""
    class_types = {RDFS.Class, *shapes.transitive_subjects(RDFS.subClassOf, RDFS.Class)}
    return {node for cls in class_types for node in shapes.subjects(RDF.type, cls)
            if {SH.NodeShape, SH.PropertyShape} & set(shapes.objects(node, RDF.type))}


class CompiledShapes:
    """The shapes with targets, compiled; :attr:`refused` maps each refused shape to why."""

    def __init__(self, shapes: Graph):
        self.shapes = shapes
        self.by_class: dict[str, list[Shape]] = {}
        self.by_node: dict[object, list[Shape]] = {}
        self.by_subject_of: dict[str, list[Shape]] = {}
        self.by_object_of: dict[str, list[Shape]] = {}
        self.refused: dict[object, UnsupportedShape] = {}
        self.reach = Reach()
        self.target_nodes: list = []
        memo: dict = {}
        self._implicit = implicit_class_targets(shapes)
        # parameters of constraint components declared in the shapes graph (SHACL-SPARQL, 6)
        custom = {p for parameter in shapes.objects(None, SH.parameter) for p in shapes.objects(parameter, SH.path)}
        for node in shapes.subjects(SH.target, None):
            self.refused[node] = UnsupportedShape("sh:target (SHACL-AF custom targets)", node_name(node))
        for node in target_shapes(shapes):
            if node in self.refused:
                continue
            try:
                shape, reach = _Compiler(shapes, memo, custom).shape(node)
            except UnsupportedShape as exc:
                self.refused[node] = exc if exc.shape else UnsupportedShape(exc.reason, node_name(node))
                continue
            self._add_targets(shape, node)
            self.reach.include(reach, 0)

    def _add_targets(self, shape: Shape, node) -> None:
        shapes = self.shapes
        classes = [str(c) for c in shapes.objects(node, SH.targetClass)]
        if node in self._implicit:
            classes.append(str(node))
        for cls in dict.fromkeys(classes):
            self.by_class.setdefault(cls, []).append(shape)
        for target in shapes.objects(node, SH.targetNode):
            term = to_ox(target)
            self.by_node.setdefault(term, []).append(shape)
            if term not in self.target_nodes:
                self.target_nodes.append(term)
        for p in shapes.objects(node, SH.targetSubjectsOf):
            self.by_subject_of.setdefault(str(p), []).append(shape)
        for p in shapes.objects(node, SH.targetObjectsOf):
            self.by_object_of.setdefault(str(p), []).append(shape)
        if self.by_object_of:
            self.reach.inverse = True

    def shapes_for(self, view: View, focus) -> list[Shape]:
        """The shapes ``focus`` is a target of (section 2.1.3)."""
        found: list[Shape] = []
        if self.by_class:
            for cls in view.classes(focus):
                found.extend(self.by_class.get(cls, ()))
        if self.by_node:
            found.extend(self.by_node.get(focus, ()))
        if self.by_subject_of:
            for p in view.outgoing(focus):
                found.extend(self.by_subject_of.get(p, ()))
        if self.by_object_of:
            for p in view.incoming(focus):
                found.extend(self.by_object_of.get(p, ()))
        return list(dict.fromkeys(found)) if len(found) > 1 else found

    def results(self, view: View, focus_nodes: Iterable) -> list[Result]:
        out: list[Result] = []
        for focus in focus_nodes:
            for shape in self.shapes_for(view, focus):
                shape.validate(view, focus, out)
        return out
