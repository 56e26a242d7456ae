"""Literal values as SHACL Core compares them: well-formedness and order.

``sh:datatype`` rejects ill-formed literals (SHACL 1.0, section 4.1.2: "a literal that is
ill-formed for its datatype"), and the value range constraints (section 4.3) compare values
by the order XML Schema defines for their type (XML Schema 1.1 Part 2, section 3); values
of different kinds (a number and a date, a zoned and an unzoned time) are incomparable,
which SHACL reports as a violation.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
XSD_STRING = XSD + "string"

_TZ = r"(Z|[+-]\d{2}:\d{2})?"
_INTEGER = r"[+-]?\d+"

# integer types and their value ranges (XML Schema Part 2, section 3.4)
_INTEGER_RANGES: dict[str, tuple[int | None, int | None]] = {
    "integer": (None, None), "long": (-2**63, 2**63 - 1), "int": (-2**31, 2**31 - 1),
    "short": (-2**15, 2**15 - 1), "byte": (-128, 127), "nonNegativeInteger": (0, None),
    "positiveInteger": (1, None), "nonPositiveInteger": (None, 0), "negativeInteger": (None, -1),
    "unsignedLong": (0, 2**64 - 1), "unsignedInt": (0, 2**32 - 1), "unsignedShort": (0, 2**16 - 1),
    "unsignedByte": (0, 255),
}
INTEGER_TYPES = frozenset(XSD + name for name in _INTEGER_RANGES)

_LEXICAL = {
    XSD + "decimal": re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)"),
    XSD + "double": re.compile(r"[+-]?((\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|INF)|NaN"),
    XSD + "float": re.compile(r"[+-]?((\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|INF)|NaN"),
    XSD + "boolean": re.compile(r"true|false|1|0"),
    XSD + "date": re.compile(r"-?\d{4,}-\d{2}-\d{2}" + _TZ),
    XSD + "dateTime": re.compile(r"-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?" + _TZ),
    XSD + "time": re.compile(r"\d{2}:\d{2}:\d{2}(\.\d+)?" + _TZ),
    XSD + "gYear": re.compile(r"-?\d{4,}" + _TZ),
    XSD + "duration": re.compile(r"-?P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?"),
    XSD + "language": re.compile(r"[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*"),
    XSD + "anyURI": re.compile(r"\S*"),
}
_LEXICAL.update({t: re.compile(_INTEGER) for t in INTEGER_TYPES})


def _datetime(lexical: str) -> dt.datetime:
    return dt.datetime.fromisoformat(lexical.replace("Z", "+00:00"))


def _date(lexical: str) -> dt.date:
    return dt.date.fromisoformat(lexical.lstrip("-")[:10])


def well_formed(datatype: str, lexical: str) -> bool:
    """Whether ``lexical`` is in the lexical space of ``datatype`` (unknown types: yes)."""
    pattern = _LEXICAL.get(datatype)
    if pattern is None:
        return True
    if not pattern.fullmatch(lexical):
        return False
    try:
        if datatype in INTEGER_TYPES:
            low, high = _INTEGER_RANGES[datatype[len(XSD):]]
            value = int(lexical)
            return (low is None or value >= low) and (high is None or value <= high)
        if datatype == XSD + "date":
            _date(lexical)
        elif datatype == XSD + "dateTime":
            _datetime(lexical)
        elif datatype == XSD + "time":
            dt.time.fromisoformat(lexical.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def has_datatype(value, datatype: str) -> bool:
    """SHACL 4.1.2 sh:datatype: a literal of exactly that datatype, well-formed."""
    if not isinstance(value, ox.Literal):
        return False
    if datatype == RDF_LANGSTRING:
        return value.language is not None
    return value.language is None and value.datatype.value == datatype and well_formed(datatype, value.value)


def comparable(term) -> tuple | None:
    """(kind, value) ordered like the literal within its kind, or None when it has no order."""
    if not isinstance(term, ox.Literal) or term.language is not None:
        return None
    datatype, lexical = term.datatype.value, term.value
    if not well_formed(datatype, lexical):
        return None
    try:
        if datatype in INTEGER_TYPES:
            return ("number", int(lexical))
        if datatype == XSD + "decimal":
            return ("number", Decimal(lexical))
        if datatype in (XSD + "double", XSD + "float"):
            return ("number", float(lexical))
        if datatype == XSD + "dateTime":
            value = _datetime(lexical)
            return ("dateTime" if value.tzinfo else "localDateTime", value)
        if datatype == XSD + "date":
            return ("date", _date(lexical))
        if datatype == XSD_STRING:
            return ("string", lexical)
    except (ValueError, InvalidOperation):
        return None
    return None


def less(a, b, or_equal: bool) -> bool:
    """``a < b`` (or ``<=``) in the value space; False when the two are incomparable."""
    x, y = comparable(a), comparable(b)
    if x is None or y is None or x[0] != y[0]:
        return False
    return x[1] <= y[1] if or_equal else x[1] < y[1]
