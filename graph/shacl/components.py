"""SHACL Core constraint components (SHACL 1.0, section 4), one builder each.

A builder reads a constraint's parameters from the shapes graph and returns a check: a
function of ``(view, focus, values)`` that lists ``(value or None, default message)`` for
every validation result. Builders for shape-based components (section 4.5, 4.6) compile the
shapes they reference through the compiler, and record on the compiler's current
:class:`~graph.shacl.reach.Reach` what of the data graph they read.
"""

from __future__ import annotations

import re

import pyoxigraph as ox
from rdflib import RDF, Literal as RLiteral, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH, XSD

from ..terms import to_ox
from .errors import UnsupportedShape
from .literals import comparable, has_datatype, less
from .keys import rdflib_key, term_key


def _value_type(compiler, shape, parameter, argument):
    if parameter == SH["class"]:
        cls = str(argument)
        compiler.reads_types_of_values()
        return lambda view, focus, values: [
            (v, f"must be an instance of <{cls}>") for v in values
            if isinstance(v, ox.Literal) or cls not in view.classes(v)
        ]
    if parameter == SH.datatype:
        datatype = str(argument)
        return lambda view, focus, values: [
            (v, f"must be a literal of type <{datatype}>") for v in values if not has_datatype(v, datatype)
        ]
    kind = str(argument).rsplit("#", 1)[-1]
    allowed = {
        "IRI": (ox.NamedNode,), "Literal": (ox.Literal,), "BlankNode": (ox.BlankNode,),
        "BlankNodeOrIRI": (ox.BlankNode, ox.NamedNode), "IRIOrLiteral": (ox.NamedNode, ox.Literal),
        "BlankNodeOrLiteral": (ox.BlankNode, ox.Literal),
    }.get(kind)
    if allowed is None or not str(argument).startswith(str(SH)):
        raise UnsupportedShape(f"sh:nodeKind {argument.n3()} is not a node kind")
    return lambda view, focus, values: [(v, f"must be a {kind}") for v in values if not isinstance(v, allowed)]


def _cardinality(compiler, shape, parameter, argument):
    n = int(argument)
    if parameter == SH.minCount:
        return lambda view, focus, values: [(None, f"needs at least {n} value(s)")] if len(values) < n else []
    return lambda view, focus, values: [(None, f"allows at most {n} value(s)")] if len(values) > n else []


_RANGE = {
    SH.minInclusive: (">=", lambda x, b: b <= x), SH.maxInclusive: ("<=", lambda x, b: x <= b),
    SH.minExclusive: (">", lambda x, b: b < x), SH.maxExclusive: ("<", lambda x, b: x < b),
}


def _value_range(compiler, shape, parameter, argument):
    bound = comparable(to_ox(argument))
    word, inside = _RANGE[parameter]

    def fits(v) -> bool:
        x = comparable(v)
        return bound is not None and x is not None and x[0] == bound[0] and inside(x[1], bound[1])
    return lambda view, focus, values: [(v, f"must be {word} {argument}") for v in values if not fits(v)]


def _string_based(compiler, shape, parameter, argument):
    if parameter in (SH.minLength, SH.maxLength):
        n = int(argument)
        fits = (lambda s: len(s) >= n) if parameter == SH.minLength else (lambda s: len(s) <= n)
        return lambda view, focus, values: [
            (v, f"has the wrong length (limit {n})") for v in values
            if isinstance(v, ox.BlankNode) or not fits(v.value)
        ]
    if parameter == SH.pattern:
        flags = str(compiler.shapes.value(shape, SH.flags) or "")
        regex = re.compile(str(argument), _regex_flags(flags))
        return lambda view, focus, values: [
            (v, f"does not match {argument}") for v in values
            if isinstance(v, ox.BlankNode) or not regex.search(v.value)
        ]
    if parameter == SH.languageIn:
        languages = [str(x).lower() for x in Collection(compiler.shapes, argument)]

        def matches(tag: str) -> bool:  # SPARQL langMatches (RFC 4647 basic filtering)
            tag = tag.lower()
            return any(r == "*" or tag == r or tag.startswith(r + "-") for r in languages)
        return lambda view, focus, values: [
            (v, f"must be in one of the languages {', '.join(languages)}") for v in values
            if not (isinstance(v, ox.Literal) and v.language and matches(v.language))
        ]
    # sh:uniqueLang
    if not _boolean(argument):
        return lambda view, focus, values: []

    def unique_lang(view, focus, values):
        seen, repeated = set(), []
        for v in values:
            if isinstance(v, ox.Literal) and v.language:
                tag = v.language.lower()
                if tag in seen and tag not in repeated:
                    repeated.append(tag)
                seen.add(tag)
        return [(None, f"has more than one value in language {tag}") for tag in repeated]
    return unique_lang


def _regex_flags(flags: str) -> int:
    known = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE, "q": 0}
    if any(f not in known for f in flags):
        raise UnsupportedShape(f"regular expression flags {flags!r}")
    value = 0
    for f in flags:
        value |= known[f]
    return value


def _boolean(argument) -> bool:
    """Only the literal ``true`` turns a boolean parameter on (``"1"^^xsd:boolean`` does not:
    the W3C suite's uniqueLang-002)."""
    return argument == TRUE


def _property_pair(compiler, shape, parameter, argument):
    other = str(argument)
    compiler.reads_focus()

    if parameter == SH.equals:
        def equals(view, focus, values):
            others = view.objects(focus, other)
            mine, theirs = {term_key(x) for x in values}, {term_key(x) for x in others}
            return [(v, f"must also be a value of <{other}>") for v in values if term_key(v) not in theirs] + \
                   [(w, f"is a value of <{other}> but not of this property") for w in others if term_key(w) not in mine]
        return equals
    if parameter == SH.disjoint:
        def disjoint(view, focus, values):
            theirs = {term_key(x) for x in view.objects(focus, other)}
            return [(v, f"must not also be a value of <{other}>") for v in values if term_key(v) in theirs]
        return disjoint
    or_equal = parameter == SH.lessThanOrEquals
    word = "less than or equal to" if or_equal else "less than"

    def ordered(view, focus, values):
        return [(v, f"must be {word} {w}") for v in values for w in view.objects(focus, other)
                if not less(v, w, or_equal)]
    return ordered


def _logical(compiler, shape, parameter, argument):
    if parameter == SH["not"]:
        negated = compiler.nested(argument, negated=True)
        return lambda view, focus, values: [
            (v, "must not conform to the shape it negates") for v in values if negated.conforms(view, v)
        ]
    members = [compiler.nested(m, negated=parameter == SH.xone) for m in Collection(compiler.shapes, argument)]
    test = {SH["and"]: all, SH["or"]: any, SH.xone: lambda results: sum(results) == 1}[parameter]

    def logical(view, focus, values):
        return [(v, "does not satisfy the combination of constraints") for v in values
                if not test([m.conforms(view, v) for m in members])]
    return logical


def _node(compiler, shape, parameter, argument):
    target = compiler.nested(argument)
    return lambda view, focus, values: [
        (v, f"must conform to the shape {argument.n3()}") for v in values if not target.conforms(view, v)
    ]


def _qualified(compiler, shape, parameter, argument):
    shapes = compiler.shapes
    low, high = shapes.value(shape, SH.qualifiedMinCount), shapes.value(shape, SH.qualifiedMaxCount)
    qualified = compiler.nested(argument, negated=high is not None)
    siblings = []
    if _boolean(shapes.value(shape, SH.qualifiedValueShapesDisjoint)):
        # the other qualified value shapes of the property shapes next to this one (4.6.3)
        for parent in shapes.subjects(SH.property, shape):
            for sibling in shapes.objects(parent, SH.property):
                for other in shapes.objects(sibling, SH.qualifiedValueShape):
                    if other != argument:
                        siblings.append(compiler.nested(other, negated=True))

    def count(view, values) -> int:
        return sum(1 for v in values if qualified.conforms(view, v)
                   and not any(s.conforms(view, v) for s in siblings))
    checks = []
    if low is not None:
        n = int(low)
        checks.append((SH.QualifiedMinCountConstraintComponent, lambda view, focus, values: [
            (None, f"needs at least {n} value(s) conforming to {argument.n3()}")] if count(view, values) < n else []))
    if high is not None:
        m = int(high)
        checks.append((SH.QualifiedMaxCountConstraintComponent, lambda view, focus, values: [
            (None, f"allows at most {m} value(s) conforming to {argument.n3()}")] if count(view, values) > m else []))
    return checks


def _closed(compiler, shape, parameter, argument):
    if not _boolean(argument):
        return lambda view, focus, values: []
    shapes = compiler.shapes
    allowed = {str(p) for prop in shapes.objects(shape, SH.property)
               for p in shapes.objects(prop, SH.path) if isinstance(p, URIRef)}
    for ignored in shapes.objects(shape, SH.ignoredProperties):
        allowed |= {str(p) for p in Collection(shapes, ignored)}
    compiler.reads_values()

    def closed(view, focus, values):
        return [(o, f"property <{p}> is not allowed here", p)
                for v in values for p, objects in view.outgoing(v).items() if p not in allowed for o in objects]
    return closed


def _has_value(compiler, shape, parameter, argument):
    key = rdflib_key(argument)
    return lambda view, focus, values: [] if any(term_key(v) == key for v in values) \
        else [(None, f"must include {argument.n3()}")]


def _in(compiler, shape, parameter, argument):
    allowed = {rdflib_key(x) for x in Collection(compiler.shapes, argument)}
    return lambda view, focus, values: [
        (v, "is not one of the allowed values") for v in values if term_key(v) not in allowed
    ]


TRUE = RLiteral("true", datatype=XSD.boolean)

# parameter -> (constraint component, builder)
COMPONENTS = {
    SH["class"]: (SH.ClassConstraintComponent, _value_type),
    SH.datatype: (SH.DatatypeConstraintComponent, _value_type),
    SH.nodeKind: (SH.NodeKindConstraintComponent, _value_type),
    SH.minCount: (SH.MinCountConstraintComponent, _cardinality),
    SH.maxCount: (SH.MaxCountConstraintComponent, _cardinality),
    SH.minInclusive: (SH.MinInclusiveConstraintComponent, _value_range),
    SH.maxInclusive: (SH.MaxInclusiveConstraintComponent, _value_range),
    SH.minExclusive: (SH.MinExclusiveConstraintComponent, _value_range),
    SH.maxExclusive: (SH.MaxExclusiveConstraintComponent, _value_range),
    SH.minLength: (SH.MinLengthConstraintComponent, _string_based),
    SH.maxLength: (SH.MaxLengthConstraintComponent, _string_based),
    SH.pattern: (SH.PatternConstraintComponent, _string_based),
    SH.languageIn: (SH.LanguageInConstraintComponent, _string_based),
    SH.uniqueLang: (SH.UniqueLangConstraintComponent, _string_based),
    SH.equals: (SH.EqualsConstraintComponent, _property_pair),
    SH.disjoint: (SH.DisjointConstraintComponent, _property_pair),
    SH.lessThan: (SH.LessThanConstraintComponent, _property_pair),
    SH.lessThanOrEquals: (SH.LessThanOrEqualsConstraintComponent, _property_pair),
    SH["not"]: (SH.NotConstraintComponent, _logical),
    SH["and"]: (SH.AndConstraintComponent, _logical),
    SH["or"]: (SH.OrConstraintComponent, _logical),
    SH.xone: (SH.XoneConstraintComponent, _logical),
    SH.node: (SH.NodeConstraintComponent, _node),
    SH.qualifiedValueShape: (None, _qualified),  # one check per count: QualifiedMin/MaxCount
    SH.closed: (SH.ClosedConstraintComponent, _closed),
    SH.hasValue: (SH.HasValueConstraintComponent, _has_value),
    SH["in"]: (SH.InConstraintComponent, _in),
}

# parameters that only make sense on property shapes (SHACL 1.0, sections 4.2, 4.4.5, 4.5, 4.6.3)
PROPERTY_SHAPE_ONLY = {SH.minCount, SH.maxCount, SH.uniqueLang, SH.lessThan, SH.lessThanOrEquals,
                       SH.qualifiedValueShape}

# what a shape may say that is not a constraint of its own
NOT_CONSTRAINTS = {
    SH.path, SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.severity,
    SH.message, SH.deactivated, SH.name, SH.description, SH.order, SH.group, SH.defaultValue,
    SH.flags, SH.ignoredProperties, SH.qualifiedMinCount, SH.qualifiedMaxCount,
    SH.qualifiedValueShapesDisjoint, SH.property, RDF.type,
}
