"""Incremental SHACL validation of the nodes a change touches.

The shapes in ``shapes/`` are the single source of truth. ``CompiledShapes`` reads them and
checks the SHACL Core constraint components our shapes use (SHACL 1.0, section 4) directly on
pyoxigraph terms, thousands of nodes per call: a focus node is checked against its own
description plus the ``rdf:type`` of the nodes it points to, which is all these constraints
can see. A shapes graph that uses anything else (SPARQL constraints, complex paths, closed
shapes) is not compiled: validation then goes through pySHACL, which is also what
``maarifa validate`` uses for the whole store, and what the conformance test compares
the compiled checks against.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Callable, Iterable

import pyoxigraph as ox
from rdflib import RDF, Graph, Literal as RLiteral, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH, XSD

from .errors import Violation
from .terms import from_ox

# rdflib logs a traceback for every ill-typed literal it meets; those are reported as violations.
logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)

RDF_TYPE = str(RDF.type)
RDF_LANGSTRING = str(RDF.langString)
XSD_STRING = str(XSD.string)
XSD_DATE = str(XSD.date)
XSD_DATETIME = str(XSD.dateTime)
XSD_DECIMAL = str(XSD.decimal)
XSD_DOUBLE = str(XSD.double)
INTEGER_TYPES = frozenset(str(t) for t in (XSD.integer, XSD.int, XSD.nonNegativeInteger, XSD.positiveInteger))


class UnsupportedShape(Exception):
    """The shapes use a construct the compiled checks do not cover."""


# -- lexical forms (XML Schema Part 2) ---------------------------------------------------

_TZ = r"(Z|[+-]\d{2}:\d{2})?"
_LEXICAL = {
    str(XSD.integer): re.compile(r"[+-]?\d+"),
    str(XSD.int): re.compile(r"[+-]?\d+"),
    str(XSD.nonNegativeInteger): re.compile(r"\+?\d+"),
    str(XSD.positiveInteger): re.compile(r"\+?\d*[1-9]\d*"),
    str(XSD.decimal): re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)"),
    str(XSD.double): re.compile(r"[+-]?((\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|INF|NaN)|-INF"),
    str(XSD.boolean): re.compile(r"true|false|1|0"),
    str(XSD.date): re.compile(r"-?\d{4,}-\d{2}-\d{2}" + _TZ),
    str(XSD.dateTime): re.compile(r"-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?" + _TZ),
    str(XSD.duration): re.compile(r"-?P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?"),
    str(XSD.language): re.compile(r"[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*"),
    str(XSD.anyURI): re.compile(r"\S*"),
}


def _well_formed(datatype: str, lexical: str) -> bool:
    pattern = _LEXICAL.get(datatype)
    if pattern is None:
        return True
    if not pattern.fullmatch(lexical):
        return False
    try:
        if datatype == XSD_DATE:
            dt.date.fromisoformat(lexical[:10])
        elif datatype == XSD_DATETIME:
            dt.datetime.fromisoformat(lexical.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _comparable(term):
    """A Python value ordered like the literal, or None."""
    if not isinstance(term, ox.Literal):
        return None
    datatype, lexical = term.datatype.value, term.value
    if not _well_formed(datatype, lexical):
        return None
    try:
        if datatype in INTEGER_TYPES:
            return int(lexical)
        if datatype == XSD_DECIMAL:
            return Decimal(lexical)
        if datatype == XSD_DOUBLE:
            return float(lexical)
        if datatype == XSD_DATE:
            return dt.date.fromisoformat(lexical[:10])
        if datatype == XSD_DATETIME:
            return dt.datetime.fromisoformat(lexical.replace("Z", "+00:00"))
    except (ValueError, InvalidOperation):
        return None
    return lexical


def _less(a, b, or_equal: bool) -> bool:
    x, y = _comparable(a), _comparable(b)
    if x is None or y is None:
        return False
    try:
        return x <= y if or_equal else x < y
    except TypeError:
        return False


def _term_key(term) -> tuple:
    if isinstance(term, ox.NamedNode):
        return ("I", term.value)
    if isinstance(term, ox.Literal):
        return ("L", term.value, term.datatype.value, term.language or "")
    return ("B", term.value)


def _rdflib_key(node) -> tuple:
    if isinstance(node, URIRef):
        return ("I", str(node))
    if isinstance(node, RLiteral):
        datatype = str(node.datatype) if node.datatype else (RDF_LANGSTRING if node.language else XSD_STRING)
        return ("L", str(node), datatype, node.language or "")
    return ("B", str(node))


def _show(term) -> str:
    return str(term)


# -- the data a validation sees -----------------------------------------------------------


@dataclass
class View:
    """Descriptions of the focus nodes after the change, and the types of what they point to."""

    props: dict[str, dict[str, list]] = field(default_factory=dict)  # subject -> predicate -> objects
    types: dict[str, set[str]] = field(default_factory=dict)  # node -> classes

    def add(self, s: str, p: str, o) -> None:
        self.props.setdefault(s, {}).setdefault(p, []).append(o)
        if p == RDF_TYPE and isinstance(o, ox.NamedNode):
            self.types.setdefault(s, set()).add(o.value)

    def to_rdflib(self) -> Graph:
        graph = Graph()
        for s, by_p in self.props.items():
            for p, objects in by_p.items():
                for o in objects:
                    graph.add((URIRef(s), URIRef(p), from_ox(o)))
        for node, classes in self.types.items():
            for c in classes:
                graph.add((URIRef(node), RDF.type, URIRef(c)))
        return graph


# -- compiled shapes -------------------------------------------------------------------


Check = Callable[[list, "View", str], Iterable[tuple[object, str]]]  # -> (value or None, default message)


@dataclass
class _PropertyShape:
    path: str
    checks: list
    message: str | None
    name: str


@dataclass
class _NodeShape:
    iri: str
    node_checks: list
    properties: list[_PropertyShape]
    message: str | None


_IGNORED = {
    SH.message, SH.name, SH.description, SH.order, SH.group, SH.severity, SH.targetClass,
    SH.property, SH.path, SH.deactivated, RDF.type, SH.defaultValue, URIRef("http://www.w3.org/2000/01/rdf-schema#label"),
    URIRef("http://www.w3.org/2000/01/rdf-schema#comment"), SH.flags,
}


class CompiledShapes:
    """The SHACL Core subset our shapes use, compiled to Python checks."""

    def __init__(self, shapes: Graph):
        self.by_class: dict[str, list[_NodeShape]] = {}
        for shape in set(shapes.subjects(SH.targetClass, None)):
            if (shape, SH.deactivated, RLiteral(True)) in shapes:
                continue
            compiled = self._node_shape(shapes, shape)
            for target in shapes.objects(shape, SH.targetClass):
                self.by_class.setdefault(str(target), []).append(compiled)
        for unsupported in (SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.sparql, SH.target):
            if any(shapes.subject_objects(unsupported)):
                raise UnsupportedShape(f"{unsupported} is not compiled")

    @staticmethod
    def _message(shapes: Graph, node) -> str | None:
        messages = list(shapes.objects(node, SH.message))
        english = [m for m in messages if getattr(m, "language", None) in (None, "en")]
        chosen = english or messages
        return str(chosen[0]) if chosen else None

    def _node_shape(self, shapes: Graph, shape) -> _NodeShape:
        properties = []
        for prop in shapes.objects(shape, SH.property):
            if (prop, SH.deactivated, RLiteral(True)) in shapes:
                continue
            path = shapes.value(prop, SH.path)
            if not isinstance(path, URIRef):
                raise UnsupportedShape(f"complex path in {prop}")
            properties.append(
                _PropertyShape(
                    path=str(path),
                    checks=self._checks(shapes, prop, on_property=True),
                    message=self._message(shapes, prop),
                    name=str(shapes.value(prop, SH.name) or path),
                )
            )
        return _NodeShape(
            iri=str(shape),
            node_checks=self._checks(shapes, shape, on_property=False),
            properties=properties,
            message=self._message(shapes, shape),
        )

    def _checks(self, shapes: Graph, node, on_property: bool) -> list:
        """One check per constraint parameter; each takes (values, view, focus)."""
        checks = []
        for parameter, argument in shapes.predicate_objects(node):
            if parameter in _IGNORED:
                continue
            checks.append(self._check(shapes, node, parameter, argument, on_property))
        return checks

    def _check(self, shapes, node, parameter, argument, on_property):  # noqa: C901 - a table of cases
        a = argument
        if parameter == SH.minCount:
            n = int(a)
            return lambda values, view, focus: [(None, f"needs at least {n} value(s)")] if len(values) < n else []
        if parameter == SH.maxCount:
            n = int(a)
            return lambda values, view, focus: [(None, f"allows at most {n} value(s)")] if len(values) > n else []
        if parameter == SH.datatype:
            datatype = str(a)

            def datatype_check(values, view, focus):
                bad = []
                for v in values:
                    ok = isinstance(v, ox.Literal) and (
                        (v.language is not None) if datatype == RDF_LANGSTRING
                        else (v.datatype.value == datatype and v.language is None and _well_formed(datatype, v.value))
                    )
                    if not ok:
                        bad.append((v, f"must be a literal of type <{datatype}>"))
                return bad
            return datatype_check
        if parameter == SH.nodeKind:
            kind = str(a).rsplit("#", 1)[1]
            allowed = {
                "IRI": (ox.NamedNode,), "Literal": (ox.Literal,), "BlankNode": (ox.BlankNode,),
                "BlankNodeOrIRI": (ox.BlankNode, ox.NamedNode), "IRIOrLiteral": (ox.NamedNode, ox.Literal),
                "BlankNodeOrLiteral": (ox.BlankNode, ox.Literal),
            }[kind]
            return lambda values, view, focus: [(v, f"must be a {kind}") for v in values if not isinstance(v, allowed)]
        if parameter == SH["class"]:
            cls = str(a)
            return lambda values, view, focus: [
                (v, f"must be an instance of <{cls}>") for v in values
                if not (isinstance(v, ox.NamedNode) and cls in view.types.get(v.value, ()))
            ]
        if parameter == SH["in"]:
            allowed_keys = {_rdflib_key(x) for x in Collection(shapes, a)}
            return lambda values, view, focus: [(v, "is not one of the allowed values") for v in values if _term_key(v) not in allowed_keys]
        if parameter == SH.hasValue:
            key = _rdflib_key(a)
            return lambda values, view, focus: [] if any(_term_key(v) == key for v in values) else [(None, f"must include {a.n3()}")]
        if parameter in (SH.minInclusive, SH.maxInclusive, SH.minExclusive, SH.maxExclusive):
            bound = _comparable(ox.Literal(str(a), datatype=ox.NamedNode(str(a.datatype or XSD.string))))
            compare = {
                SH.minInclusive: lambda x: bound <= x, SH.maxInclusive: lambda x: x <= bound,
                SH.minExclusive: lambda x: bound < x, SH.maxExclusive: lambda x: x < bound,
            }[parameter]

            def test(v):
                x = _comparable(v)
                try:
                    return x is not None and compare(x)
                except TypeError:
                    return False
            word = {SH.minInclusive: ">=", SH.maxInclusive: "<=", SH.minExclusive: ">", SH.maxExclusive: "<"}[parameter]
            return lambda values, view, focus: [(v, f"must be {word} {a}") for v in values if not test(v)]
        if parameter in (SH.minLength, SH.maxLength):
            n = int(a)
            fits = (lambda s: len(s) >= n) if parameter == SH.minLength else (lambda s: len(s) <= n)
            return lambda values, view, focus: [
                (v, f"has the wrong length (limit {n})") for v in values
                if isinstance(v, ox.BlankNode) or not fits(v.value)
            ]
        if parameter == SH.pattern:
            flags = str(shapes.value(node, SH.flags) or "")
            regex = re.compile(str(a), re.IGNORECASE if "i" in flags else 0)
            return lambda values, view, focus: [
                (v, f"does not match {a}") for v in values
                if isinstance(v, ox.BlankNode) or not regex.search(v.value)
            ]
        if parameter == SH.languageIn:
            languages = [str(x).lower() for x in Collection(shapes, a)]

            def language_in(values, view, focus):
                return [
                    (v, f"must be in one of the languages {', '.join(languages)}") for v in values
                    if not (isinstance(v, ox.Literal) and v.language and any(
                        v.language.lower() == lang or v.language.lower().startswith(lang + "-") for lang in languages))
                ]
            return language_in
        if parameter == SH.uniqueLang:
            if not a.toPython():
                return lambda values, view, focus: []

            def unique_lang(values, view, focus):
                seen, repeated = set(), set()
                for v in values:
                    if isinstance(v, ox.Literal) and v.language:
                        (repeated if v.language.lower() in seen else seen).add(v.language.lower())
                return [(None, f"has more than one value in language {lang}") for lang in sorted(repeated)]
            return unique_lang
        if parameter in (SH.lessThan, SH.lessThanOrEquals, SH.equals, SH.disjoint):
            other = str(a)

            def pair(values, view, focus):
                others = view.props.get(focus, {}).get(other, [])
                bad = []
                for v in values:
                    for w in others:
                        if parameter == SH.lessThan and not _less(v, w, False):
                            bad.append((v, f"must be less than {w}"))
                        elif parameter == SH.lessThanOrEquals and not _less(v, w, True):
                            bad.append((v, f"must be less than or equal to {w}"))
                        elif parameter == SH.disjoint and _term_key(v) == _term_key(w):
                            bad.append((v, f"must not also be a value of <{other}>"))
                if parameter == SH.equals and {_term_key(x) for x in values} != {_term_key(x) for x in others}:
                    bad.append((None, f"must have the same values as <{other}>"))
                return bad
            return pair
        if parameter in (SH["or"], SH["and"], SH["not"], SH.xone, SH.node):
            members = [a] if parameter in (SH["not"], SH.node) else list(Collection(shapes, a))
            nested = [self._checks(shapes, m, on_property=False) for m in members]
            for m in members:
                if any(shapes.objects(m, SH.property)):
                    raise UnsupportedShape(f"nested property shapes in {m}")

            def conforms(checks, v, view):
                return not any(list(c([v], view, v.value if isinstance(v, ox.NamedNode) else "")) for c in checks)

            def logical(values, view, focus):
                bad = []
                for v in values:
                    results = [conforms(checks, v, view) for checks in nested]
                    ok = {
                        SH["or"]: any(results), SH["and"]: all(results), SH["not"]: not results[0],
                        SH.xone: sum(results) == 1, SH.node: results[0],
                    }[parameter]
                    if not ok:
                        bad.append((v, "does not satisfy the combination of constraints"))
                return bad
            return logical
        raise UnsupportedShape(f"constraint {parameter} is not compiled")

    def validate(self, view: View, focus_nodes: Iterable[str]) -> list[Violation]:
        violations = []
        for focus in focus_nodes:
            props = view.props.get(focus, {})
            for cls in view.types.get(focus, ()):
                for shape in self.by_class.get(cls, ()):
                    focus_term = ox.NamedNode(focus)
                    for check in shape.node_checks:
                        for value, default in check([focus_term], view, focus):
                            violations.append(Violation(focus, None, shape.message or default, _show(value) if value else None))
                    for prop in shape.properties:
                        values = props.get(prop.path, [])
                        for check in prop.checks:
                            for value, default in check(values, view, focus):
                                message = prop.message or f"{prop.name} {default}"
                                violations.append(Violation(focus, prop.path, message, _show(value) if value is not None else None))
        return _dedupe(violations)


def _dedupe(violations: list[Violation]) -> list[Violation]:
    seen, unique = set(), []
    for v in violations:
        key = (v.node, v.path, v.message, v.value)
        if key not in seen:
            seen.add(key)
            unique.append(v)
    return unique


class PyshaclValidator:
    """pySHACL over the same view: the reference implementation, and the fallback."""

    def __init__(self, shapes: Graph):
        self.shapes = shapes

    def validate(self, view: View, focus_nodes: Iterable[str]) -> list[Violation]:
        focus = [URIRef(f) for f in focus_nodes]
        if not focus:
            return []
        return pyshacl_violations(view.to_rdflib(), self.shapes, focus)


def pyshacl_violations(data: Graph, shapes: Graph, focus: list | None = None) -> list[Violation]:
    import pyshacl

    conforms, report, _ = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", focus_nodes=focus, allow_warnings=True,
    )
    if conforms:
        return []
    violations = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        path = report.value(result, SH.resultPath)
        value = report.value(result, SH.value)
        messages = list(report.objects(result, SH.resultMessage))
        english = [m for m in messages if getattr(m, "language", None) in (None, "en")] or messages
        severity = report.value(result, SH.resultSeverity)
        violations.append(Violation(
            node=str(report.value(result, SH.focusNode)),
            path=str(path) if path is not None else None,
            message=str(english[0]) if english else "violates a shape",
            value=value.n3() if value is not None else None,
            severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
        ))
    return sorted(violations, key=lambda v: (v.node, v.path or "", v.message))


def make_validator(shapes: Graph):
    try:
        return CompiledShapes(shapes)
    except UnsupportedShape as exc:
        logging.getLogger(__name__).info("using pySHACL for writes: %s", exc)
        return PyshaclValidator(shapes)
