"""SPARQL queries with a time limit and a result limit.

pyoxigraph has no query timeout and a running query cannot be interrupted inside a
process, so each query runs in a worker process that opens the store read-only; when the
time is up the worker is killed, and that really stops the work. The parent process holds
the store lock and does not write while the worker reads.
"""

from __future__ import annotations

import json
import multiprocessing as mp
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from ontology import PREFIXES

from .catalog import CATALOG_QUERY
from .errors import QueryError, QueryTimeout

RESULT_FORMATS = {"json", "xml", "csv", "tsv"}
GRAPH_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES,
                 "jsonld": ox.RdfFormat.JSON_LD, "nquads": ox.RdfFormat.N_QUADS}


@dataclass
class QueryOutput:
    body: bytes
    kind: str  # "solutions" | "graph" | "boolean"
    truncated: bool = False


def _term_json(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
        out["datatype"] = term.datatype.value
    return out


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _term_xml(term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{_xml_escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{_xml_escape(term.value)}</bnode>"
    attrs = f' xml:lang="{term.language}"' if term.language else (
        f' datatype="{_xml_escape(term.datatype.value)}"'
        if term.datatype.value != "http://www.w3.org/2001/XMLSchema#string" else "")
    return f"<literal{attrs}>{_xml_escape(term.value)}</literal>"


def _csv_field(term) -> str:
    if term is None:
        return ""
    text = term.value if not isinstance(term, ox.BlankNode) else "_:" + term.value
    if any(c in text for c in ',"\r\n'):
        text = '"' + text.replace('"', '""') + '"'
    return text


def write_solutions(variables: list[str], rows: list[list], fmt: str) -> bytes:
    """SPARQL 1.1 Query Results in JSON, XML, CSV or TSV."""
    if fmt == "json":
        bindings = [{v: _term_json(t) for v, t in zip(variables, row) if t is not None} for row in rows]
        return json.dumps({"head": {"vars": variables}, "results": {"bindings": bindings}},
                          ensure_ascii=False).encode()
    if fmt == "xml":
        head = "".join(f'<variable name="{v}"/>' for v in variables)
        body = "".join(
            "<result>" + "".join(f'<binding name="{v}">{_term_xml(t)}</binding>'
                                 for v, t in zip(variables, row) if t is not None) + "</result>"
            for row in rows)
        return (f'<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
                f"<head>{head}</head><results>{body}</results></sparql>\n").encode()
    if fmt == "csv":
        lines = [",".join(variables)] + [",".join(_csv_field(t) for t in row) for row in rows]
        return ("\r\n".join(lines) + "\r\n").encode()
    if fmt == "tsv":
        lines = ["\t".join("?" + v for v in variables)] + [
            "\t".join(str(t) if t is not None else "" for t in row) for row in rows]
        return ("\n".join(lines) + "\n").encode()
    raise QueryError(f"unknown result format {fmt!r}; use one of {', '.join(sorted(RESULT_FORMATS))}")


def write_boolean(value: bool, fmt: str) -> bytes:
    if fmt == "xml":
        return (f'<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head/>'
                f"<boolean>{str(value).lower()}</boolean></sparql>\n").encode()
    if fmt in ("csv", "tsv"):
        return f"{str(value).lower()}\n".encode()
    return json.dumps({"head": {}, "boolean": value}).encode()


def in_query_order(variables: list[str], order: tuple[str, ...] | None) -> list[str]:
    """The engine's variables, in the order the query shows them (``SELECT *``); the engine
    sorts them by name. A variable the order does not know keeps its place after the others."""
    if not order:
        return variables
    rank = {name: i for i, name in enumerate(order)}
    return sorted(variables, key=lambda v: (rank.get(v, len(rank)), variables.index(v)))


def execute(store: ox.Store, sparql: str, *, fmt: str, graph_fmt: str, limit: int,
            default_graph: list | None, named_graphs: list | None, base_iri: str | None = None,
            variable_order: tuple[str, ...] | None = None) -> QueryOutput:
    """Run a query; ``default_graph``/``named_graphs`` None leave the query's own dataset (FROM)."""
    try:
        result = store.query(sparql, base_iri=base_iri, default_graph=default_graph, named_graphs=named_graphs,
                             prefixes=PREFIXES)
    except SyntaxError as exc:
        raise QueryError(f"malformed query: {exc.args[0] if exc.args else exc}") from None
    except OSError as exc:
        raise QueryError(f"the query failed: {exc}") from None
    if isinstance(result, ox.QuerySolutions):
        variables = in_query_order([v.value for v in result.variables], variable_order)
        rows, truncated = [], False
        for solution in result:
            if len(rows) >= limit:
                truncated = True
                break
            rows.append([solution[v] for v in variables])
        return QueryOutput(write_solutions(variables, rows, fmt), "solutions", truncated)
    if isinstance(result, ox.QueryBoolean):
        return QueryOutput(write_boolean(bool(result), fmt), "boolean")
    triples, truncated = [], False
    for triple in result:
        if len(triples) >= limit:
            truncated = True
            break
        triples.append(triple)
    rdf_format = GRAPH_FORMATS.get(graph_fmt)
    if rdf_format is None:
        raise QueryError(f"unknown graph format {graph_fmt!r}; use one of {', '.join(sorted(GRAPH_FORMATS))}")
    if rdf_format == ox.RdfFormat.N_QUADS:
        rdf_format = ox.RdfFormat.N_TRIPLES
    body = ox.serialize(triples, format=rdf_format,
                        prefixes=PREFIXES if rdf_format == ox.RdfFormat.TURTLE else None)
    return QueryOutput(body, "graph", truncated)


def _active_graphs(store: ox.Store, access: list[str]) -> list[ox.NamedNode]:
    from .catalog import ACCESS_BY_IRI
    return [row["physical"] for row in store.query(CATALOG_QUERY) if ACCESS_BY_IRI[row["access"].value] in access]


def _worker(conn, store_path: str, sparql: str, fmt: str, graph_fmt: str, limit: int, access: list[str],
            variable_order: tuple[str, ...] | None) -> None:
    try:
        store = ox.Store.read_only(store_path)
        graphs = _active_graphs(store, access) or [ox.DefaultGraph()]
        out = execute(store, sparql, fmt=fmt, graph_fmt=graph_fmt, limit=limit,
                      default_graph=graphs, named_graphs=[g for g in graphs if isinstance(g, ox.NamedNode)],
                      variable_order=variable_order)
        conn.send(("ok", out))
    except QueryError as exc:
        conn.send(("error", str(exc)))
    except Exception as exc:  # reported to the parent, which raises a typed error
        conn.send(("error", f"the query failed: {exc}"))
    finally:
        conn.close()


def run_isolated(store_path: Path, sparql: str, *, fmt: str = "json", graph_fmt: str = "turtle",
                 timeout: float = 30.0, limit: int = 10000,
                 access: tuple[str, ...] = ("public", "members", "private")) -> QueryOutput:
    """Run one query in a worker process; kill it when ``timeout`` seconds have passed."""
    if fmt not in RESULT_FORMATS:
        raise QueryError(f"unknown result format {fmt!r}; use one of {', '.join(sorted(RESULT_FORMATS))}")
    from .sparql_guard import star_variable_order

    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_worker, args=(child, str(store_path), sparql, fmt, graph_fmt, limit, list(access),
                                                star_variable_order(sparql)), daemon=True)
    process.start()
    child.close()
    try:
        if not parent.poll(timeout):
            raise QueryTimeout(timeout)
        status, value = parent.recv()
    except EOFError:
        raise QueryError("the query worker stopped without an answer") from None
    finally:
        if process.is_alive():
            process.kill()
        process.join(5)
        parent.close()
    if status == "error":
        raise QueryError(value)
    return value
