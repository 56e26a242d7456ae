"""Looking at a query before the engine sees it.

pyoxigraph performs ``SERVICE`` calls itself, to any URL, so every public query is parsed
first (rdflib's SPARQL 1.1 parser) and refused unless each ``SERVICE`` names an allow-listed
endpoint. ``SERVICE ?var`` is refused outright: its target is only known while the query
runs. A query that mentions SERVICE and cannot be parsed here is refused too, rather than
handed to the engine unchecked.
"""

from __future__ import annotations

import re

from ontology import PREFIXES

from .errors import QueryRefused

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def _unescape(text: str) -> str:
    """SPARQL processes \\u escapes before parsing (SPARQL 1.1, 19.2): so do we, before looking."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


def normalize_endpoint(url: str) -> str:
    return url.strip().rstrip("/")


def service_targets(sparql: str) -> list[object]:
    """The targets of every SERVICE in the query: an IRI string, or None for ``SERVICE ?var``."""
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery
    from rdflib.plugins.sparql.parserutils import CompValue
    from rdflib.term import Variable

    try:
        algebra = translateQuery(parseQuery(sparql), initNs=PREFIXES).algebra
    except Exception as exc:  # any parser failure: the query is not run
        raise QueryRefused(f"the query uses SERVICE and could not be checked: {exc}") from None
    targets = []

    def walk(node):
        if isinstance(node, CompValue):
            if node.name == "ServiceGraphPattern":
                term = node.get("term")
                targets.append(None if isinstance(term, Variable) else str(term))
            for value in node.values():
                walk(value)
        elif isinstance(node, (list, tuple)):
            for value in node:
                walk(value)
    walk(algebra)
    return targets


def check_query(sparql: str, allowed_endpoints: set[str], max_bytes: int) -> None:
    size = len(sparql.encode("utf-8"))
    if size > max_bytes:
        raise QueryRefused(f"the query is {size:,} bytes; this endpoint accepts at most {max_bytes:,}")
    text = _unescape(sparql)
    if not re.search(r"service", text, re.IGNORECASE):
        return
    allowed = {normalize_endpoint(u) for u in allowed_endpoints}
    for target in service_targets(sparql):
        if target is None:
            raise QueryRefused("SERVICE with a variable endpoint is not allowed; name an allow-listed endpoint")
        if normalize_endpoint(target) not in allowed:
            raise QueryRefused(f"SERVICE <{target}> is not on this node's allow-list of federated endpoints")


def update_to_change(sparql_update: str):
    """An admin's SPARQL update as a validated change: only ``INSERT DATA`` / ``DELETE DATA``
    into named logical graphs, so every write still goes through the shapes and the feed."""
    from rdflib.plugins.sparql.algebra import translateUpdate
    from rdflib.plugins.sparql.parser import parseUpdate

    from .changes import Change

    try:
        update = translateUpdate(parseUpdate(sparql_update), initNs=PREFIXES)
    except Exception as exc:
        raise QueryRefused(f"malformed update: {exc}") from None
    change = Change(note="SPARQL update")
    for request in update.algebra:
        if request.name not in ("InsertData", "DeleteData"):
            raise QueryRefused(f"{request.name} is not accepted: use INSERT DATA / DELETE DATA with GRAPH "
                               f"blocks, or `maarifa load` / `maarifa ingest`")
        if request.get("triples"):
            raise QueryRefused("name the graph: wrap the triples in GRAPH <graph IRI> { ... }")
        for graph, triples in (request.get("quads") or {}).items():
            target = change.adding if request.name == "InsertData" else change.removing
            target(str(graph), [tuple(t) for t in triples])
    return change
