"""Reading a SPARQL 1.1 Update request (https://www.w3.org/TR/sparql11-update/, section 19 of
the Query spec for the grammar): its operations, the SELECT that finds each WHERE's
solutions, the graphs each WHERE reads, and what is refused before anything runs.
sparql_update.py runs the operations."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from ontology import PREFIXES

from .errors import QueryRefused
from .sparql_guard import PARSING, check_services, mentions_service, parse_query, service_targets


@dataclass(frozen=True)
class ProtocolDataset:
    """``using-graph-uri`` / ``using-named-graph-uri`` (SPARQL 1.1 Protocol, 2.2.3)."""

    default: tuple[str, ...] = ()
    named: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.default or self.named)


# -- parsing ------------------------------------------------------------------------------

@functools.cache
def _grammar():
    """rdflib's Update grammar, with the source span of each WHERE pattern and prologue kept.

    Only the top of rdflib's grammar is restated (Update, Update1, Modify, DeleteWhere); every
    piece below it is rdflib's own. The spans let the engine evaluate a WHERE pattern from its
    exact text: no algebra is turned back into SPARQL.
    """
    from pyparsing import Empty, Forward, Keyword, Optional, ZeroOrMore, rest_of_line
    from rdflib.plugins.sparql import parser as sp
    from rdflib.plugins.sparql.parserutils import Comp, Param, ParamList

    def here():
        return Empty().set_parse_action(lambda text, loc, tokens: [loc])

    modify = Comp(
        "Modify",
        Optional(Keyword("WITH") + Param("withClause", sp.iri))
        + (Param("delete", sp.DeleteClause) + Optional(Param("insert", sp.InsertClause))
           | Param("insert", sp.InsertClause))
        + ZeroOrMore(ParamList("using", sp.UsingClause))
        + Keyword("WHERE") + Param("where_start", here()) + Param("where", sp.GroupGraphPattern)
        + Param("where_end", here()))
    delete_where = Comp(
        "DeleteWhere",
        Keyword("DELETE") + Keyword("WHERE") + Param("where_start", here()) + sp.QuadPattern
        + Param("where_end", here()))
    update1 = (sp.Load | sp.Clear | sp.Drop | sp.Add | sp.Move | sp.Copy | sp.Create | sp.InsertData
               | sp.DeleteData | delete_where | modify)
    update = Forward()
    update <<= (ParamList("prologue_start", here()) + ParamList("prologue", sp.Prologue)
                + ParamList("prologue_end", here()) + Optional(ParamList("request", update1) + Optional(";" + update)))
    unit = Comp("Update", update)
    unit.ignore("#" + rest_of_line)
    return unit


@dataclass
class Operation:
    """One operation of the request: rdflib's algebra for it, and for DELETE/INSERT ... WHERE
    and DELETE WHERE the SELECT query (its prologue and WHERE pattern) that finds the solutions."""

    algebra: object
    select: str | None = None

    @property
    def name(self) -> str:
        return self.algebra.name


def parse_update(text: str, *, base_iri: str | None) -> list[Operation]:
    """The operations of an update request, each with the SELECT that finds its solutions.

    The node's base IRI and default prefixes go in front of the text, as one line of
    declarations: rdflib would otherwise declare them again before every operation, undoing
    the request's own BASE and any PREFIX that names the same namespace.
    """
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql.algebra import translateUpdate
    from rdflib.plugins.sparql.parser import expandUnicodeEscapes

    header = (f"BASE <{base_iri}> " if base_iri else "") + " ".join(
        f"PREFIX {prefix}: <{iri}>" for prefix, iri in PREFIXES.items()) + "\n"
    try:
        text = header + expandUnicodeEscapes(text)
        with PARSING:
            parsed = _grammar().parse_string(text, parse_all=True)[0]
        update = translateUpdate(parsed)
    except ParseBaseException as exc:  # the line numbers of the request, not of the header
        raise QueryRefused(f"malformed update: line {exc.lineno - 1}, column {exc.col}: {exc.msg}") from None
    except Exception as exc:  # any other parser failure: nothing is run
        raise QueryRefused(f"malformed update: {exc}") from None
    spans = list(zip(parsed.prologue_start or [], parsed.prologue_end or []))
    operations = []
    for index, algebra in enumerate(update.algebra):
        select = None
        if algebra.where_start is not None:
            prologue = "".join(text[start:end] for start, end in spans[:index + 1])
            where = text[algebra.where_start:algebra.where_end]
            select = f"{prologue}\nSELECT * WHERE {where}\n"
        operations.append(Operation(algebra, select))
    return operations


@dataclass(frozen=True)
class Reads:
    """Which graphs of its dataset a WHERE pattern can read: the default graph or not, and the
    named graphs it names (None: any of them, for ``GRAPH ?var``)."""

    default: bool = True
    named: frozenset[str] | None = None


def reads_of(pattern) -> Reads:
    """What a WHERE pattern (rdflib's algebra) reads: triple patterns outside GRAPH read the
    default graph, GRAPH <iri> one named graph, GRAPH ?var any; SERVICE reads no local graph.
    The patterns of (NOT) EXISTS stay parse trees in rdflib's algebra: both shapes are walked."""
    from rdflib.plugins.sparql.parserutils import CompValue
    from rdflib.term import Variable

    default, named = False, set()

    def walk(node, in_graph: bool) -> None:
        nonlocal default, named
        if isinstance(node, CompValue):
            if node.name == "ServiceGraphPattern":
                return
            if node.name in ("Graph", "GraphGraphPattern"):
                if isinstance(node.term, Variable):
                    named = None
                elif named is not None:
                    named.add(str(node.term))
                walk(node.p if node.name == "Graph" else node.graph, True)
                return
            if node.name in ("BGP", "TriplesBlock") and node.triples and not in_graph:
                default = True
            for child in node.values():
                walk(child, in_graph)
        elif isinstance(node, (list, tuple)):
            for child in node:
                walk(child, in_graph)
    try:
        walk(pattern, False)
    except Exception:  # an algebra this walk does not know: read everything
        return Reads()
    return Reads(default, None if named is None else frozenset(named))


def quad_pattern_reads(template) -> Reads:
    """DELETE WHERE's pattern is its template: the graphs it names (3.1.3.3)."""
    from rdflib.term import Variable

    graphs = list((template.quads or {}).keys())
    if any(isinstance(g, Variable) for g in graphs):
        return Reads(default=False, named=None)
    return Reads(default=False, named=frozenset(str(g) for g in graphs))


def check_operation(operation: Operation, *, protocol: ProtocolDataset, allowed_endpoints: set[str]) -> None:
    """What is refused before anything runs: the request then fails as a whole."""
    algebra = operation.algebra
    if operation.name == "Load":  # 3.1.4
        raise QueryRefused("LOAD is not accepted: a serving node fetches nothing; use `maarifa load` or "
                           "`maarifa ingest` on the command line")
    if protocol and (algebra.using or algebra.withClause):
        raise QueryRefused("using-graph-uri / using-named-graph-uri cannot be combined with USING or WITH in the "
                           "update (SPARQL 1.1 Protocol, 2.2.3)")
    if operation.name in ("InsertData", "DeleteData", "DeleteWhere"):
        templates = [algebra]
    elif operation.name == "Modify":
        templates = [t for t in (algebra.delete, algebra.insert) if t]
        if algebra.withClause:
            templates = []  # triples outside GRAPH go to the WITH graph
    else:
        templates = []
    if any(t.triples for t in templates):
        raise QueryRefused(f"{operation.name}: name the graph: wrap the triples in GRAPH <graph IRI> {{ ... }} "
                           f"(or use WITH <graph IRI>); this node keeps no triples in the default graph")
    deleting = [algebra] if operation.name in ("DeleteData", "DeleteWhere") else (
        [algebra["delete"]] if operation.name == "Modify" and algebra.delete else [])
    if any(_has_blank_node(t) for t in deleting):
        raise QueryRefused(f"{operation.name}: blank nodes are not allowed in what is deleted "
                           f"(SPARQL 1.1 Update, 3.1.2 and 3.1.3)")
    if operation.select and mentions_service(operation.select):
        _check_services(operation.select, allowed_endpoints)


def _check_services(select: str, allowed_endpoints: set[str]) -> None:
    """The SERVICE allow-list applies to an admin's WHERE patterns as to public queries."""
    try:
        parsed = parse_query(select)
    except Exception as exc:  # the update is not run
        raise QueryRefused(f"the update uses SERVICE and could not be checked: {exc}") from None
    check_services(service_targets(parsed, None), allowed_endpoints)


def _has_blank_node(template) -> bool:
    from rdflib.term import BNode

    triples = list(template.triples or []) + [t for ts in (template.quads or {}).values() for t in ts]
    return any(isinstance(term, BNode) for triple in triples for term in triple)
