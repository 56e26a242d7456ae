"""Looking at a query before the engine sees it.

Every ``/sparql`` query is looked at once here, for what the endpoint needs before the
engine runs it:

- its **form** (SELECT, ASK, CONSTRUCT, DESCRIBE), which decides the formats on offer
  (SPARQL 1.1 Protocol, 2.1: results for SELECT/ASK, an RDF graph for CONSTRUCT/DESCRIBE);
- for ``SELECT *``, the **order of its variables**: the engine lists them sorted by name,
  people expect them as they appear in the query (SPARQL 1.1 Query, 18.2.1 leaves it open);
- whether it names its **own dataset** (FROM / FROM NAMED), which the protocol's
  ``default-graph-uri`` / ``named-graph-uri`` override (Protocol 2.1.4);
- whether it is **light** (``is_light``: SELECT or ASK over at most one triple pattern, no
  path; one scan of the data at most), which lets it run on the fast lane that runaway
  queries never reach; known before the query takes a web thread's place;
- its **SERVICE targets**: pyoxigraph performs ``SERVICE`` calls itself, to any URL, so a
  query that mentions SERVICE is parsed (rdflib's SPARQL 1.1 parser) and refused unless each
  ``SERVICE`` names an allow-listed endpoint. ``SERVICE ?var`` is refused outright: its
  target is only known while the query runs. A query that mentions SERVICE and cannot be
  parsed here is refused too, rather than handed to the engine unchecked.

The first four come from the query's tokens (sparql_lexer.py); when the tokens do not show
a form (a malformed query), the engine's parser, the authority, reports the error or its
answer tells the form.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from ontology import PREFIXES

from .errors import QueryRefused
from .sparql_lexer import query_shape

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# pyparsing, under rdflib's SPARQL parser, is not thread-safe (pyparsing issue #89): it learns
# each parse action's arity on first use, and threads doing that at once leave it wrong for
# good ("postParse2() missing 1 required positional argument"). Web threads parse through this.
PARSING = threading.Lock()
SOLUTION_FORMS = ("SELECT", "ASK")


@dataclass(frozen=True)
class InspectedQuery:
    """What the endpoint knows about a query before running it."""

    form: str | None  # SELECT | ASK | CONSTRUCT | DESCRIBE; None when the tokens do not show one
    variable_order: tuple[str, ...] | None = None  # SELECT *: variables by first appearance
    names_dataset: bool = False  # the query has FROM / FROM NAMED clauses of its own

    @property
    def returns_solutions(self) -> bool | None:
        return None if self.form is None else self.form in SOLUTION_FORMS


def _unescape(text: str) -> str:
    """SPARQL processes \\u escapes before parsing (SPARQL 1.1, 19.2): so do we, before looking."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


def normalize_endpoint(url: str) -> str:
    return url.strip().rstrip("/")


def check_size(sparql: str, max_bytes: int) -> None:
    size = len(sparql.encode("utf-8"))
    if size > max_bytes:
        raise QueryRefused(f"the query is {size:,} bytes; this endpoint accepts at most {max_bytes:,}")


def mentions_service(sparql: str) -> bool:
    return re.search(r"service", _unescape(sparql), re.IGNORECASE) is not None


def parse_query(sparql: str):
    """rdflib's parse tree of a query (one parse at a time: see PARSING)."""
    from rdflib.plugins.sparql.parser import parseQuery

    with PARSING:
        return parseQuery(sparql)


def inspect_query(sparql: str, *, base_iri: str | None, allowed_endpoints: set[str],
                  max_bytes: int) -> InspectedQuery:
    """Look at a query once: its form, its ``SELECT *`` variable order, its dataset, and the
    SERVICE check."""
    check_size(sparql, max_bytes)
    if mentions_service(sparql):
        try:
            parsed = parse_query(sparql)
        except Exception as exc:  # any parser failure: the query is not run
            raise QueryRefused(f"the query uses SERVICE and could not be checked: {exc}") from None
        check_services(service_targets(parsed, base_iri), allowed_endpoints)
    shape = query_shape(_unescape(sparql))
    return InspectedQuery(form=shape.form, variable_order=shape.star_variables, names_dataset=shape.names_dataset)


def is_light(sparql: str) -> bool:
    """SELECT or ASK over at most one triple pattern (sparql_lexer.single_pattern)."""
    return query_shape(_unescape(sparql)).light


def star_variable_order(sparql: str) -> tuple[str, ...] | None:
    """For ``SELECT *``, its variables as the query shows them; None for any other query."""
    return query_shape(_unescape(sparql)).star_variables


def service_targets(parsed, base_iri: str | None) -> list[str | None]:
    """The targets of every SERVICE in a parsed query: an IRI, or None for ``SERVICE ?var``."""
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parserutils import CompValue
    from rdflib.term import Variable

    try:
        algebra = translateQuery(parsed, base=base_iri, initNs=PREFIXES).algebra
    except Exception as exc:  # the query is not run
        raise QueryRefused(f"the query uses SERVICE and could not be checked: {exc}") from None
    targets: list[str | None] = []

    def walk(node):
        if isinstance(node, CompValue):
            if node.name == "ServiceGraphPattern":
                term = node.term
                targets.append(None if isinstance(term, Variable) else str(term))
            for value in node.values():
                walk(value)
        elif isinstance(node, (list, tuple)):
            for value in node:
                walk(value)
    walk(algebra)
    return targets


def check_services(targets: list[str | None], allowed_endpoints: set[str]) -> None:
    allowed = {normalize_endpoint(u) for u in allowed_endpoints}
    for target in targets:
        if target is None:
            raise QueryRefused("SERVICE with a variable endpoint is not allowed; name an allow-listed endpoint")
        if normalize_endpoint(target) not in allowed:
            raise QueryRefused(f"SERVICE <{target}> is not on this node's allow-list of federated endpoints")

