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

# a result cut at a limit says so: the limit, and which one ("rows" or "bytes")
TRUNCATED_HEADER = "Maarifa-Results-Truncated"
TRUNCATED_BY_HEADER = "Maarifa-Results-Truncated-By"
RESULT_FORMATS = {"json", "xml", "csv", "tsv"}
GRAPH_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES,
                 "jsonld": ox.RdfFormat.JSON_LD, "nquads": ox.RdfFormat.N_QUADS}


@dataclass
class QueryOutput:
    body: bytes
    kind: str  # "solutions" | "graph" | "boolean"
    truncated_by: str | None = None  # "rows" or "bytes": which limit cut the result

    @property
    def truncated(self) -> bool:
        return self.truncated_by is not None


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


class _SolutionWriter:
    """SPARQL 1.1 Query Results in JSON, XML, CSV or TSV, one row at a time, so a result can
    be cut at a row boundary when it reaches a byte limit."""

    def __init__(self, variables: list[str], fmt: str):
        self.variables = variables
        if fmt == "json":
            self.head = json.dumps({"head": {"vars": variables}, "results": {"bindings": []}},
                                   ensure_ascii=False)[:-3].encode()  # up to the bindings' "["
            self.separator, self.tail = b", ", b"]}}"
            self.row = self._json_row
        elif fmt == "xml":
            head = "".join(f'<variable name="{v}"/>' for v in variables)
            self.head = (f'<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
                         f"<head>{head}</head><results>").encode()
            self.separator, self.tail = b"", b"</results></sparql>\n"
            self.row = self._xml_row
        elif fmt == "csv":
            self.head, self.separator, self.tail = (",".join(variables) + "\r\n").encode(), b"", b""
            self.row = lambda row: (",".join(_csv_field(t) for t in row) + "\r\n").encode()
        elif fmt == "tsv":
            self.head, self.separator, self.tail = ("\t".join("?" + v for v in variables) + "\n").encode(), b"", b""
            self.row = lambda row: ("\t".join(str(t) if t is not None else "" for t in row) + "\n").encode()
        else:
            raise QueryError(f"unknown result format {fmt!r}; use one of {', '.join(sorted(RESULT_FORMATS))}")

    def _json_row(self, row: list) -> bytes:
        return json.dumps({v: _term_json(t) for v, t in zip(self.variables, row) if t is not None},
                          ensure_ascii=False).encode()

    def _xml_row(self, row: list) -> bytes:
        return ("<result>" + "".join(f'<binding name="{v}">{_term_xml(t)}</binding>'
                                     for v, t in zip(self.variables, row) if t is not None) + "</result>").encode()


def write_solutions(variables: list[str], rows, fmt: str, *, limit: int | None = None,
                    max_bytes: int | None = None) -> tuple[bytes, str | None]:
    """The serialised result of at most ``limit`` rows and ``max_bytes`` bytes, cut at a row
    boundary; and which limit cut it (``"rows"``, ``"bytes"``) or None."""
    writer = _SolutionWriter(variables, fmt)
    parts, size, cut = [writer.head], len(writer.head) + len(writer.tail), None
    for n, row in enumerate(rows):
        if limit is not None and n >= limit:
            cut = "rows"
            break
        part = (writer.separator if n else b"") + writer.row(row)
        if max_bytes is not None and size + len(part) > max_bytes:
            cut = "bytes"
            break
        parts.append(part)
        size += len(part)
    parts.append(writer.tail)
    return b"".join(parts), cut


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
            variable_order: tuple[str, ...] | None = None, max_bytes: int | None = None) -> QueryOutput:
    """Run a query; ``default_graph``/``named_graphs`` None leave the query's own dataset (FROM).
    The result holds at most ``limit`` rows (or triples) and ``max_bytes`` bytes; rows are read
    from the engine only as long as they fit."""
    try:
        result = store.query(sparql, base_iri=base_iri, default_graph=default_graph, named_graphs=named_graphs,
                             prefixes=PREFIXES)
    except SyntaxError as exc:
        raise QueryError(f"malformed query: {exc.args[0] if exc.args else exc}") from None
    except OSError as exc:
        raise QueryError(f"the query failed: {exc}") from None
    if isinstance(result, ox.QuerySolutions):
        variables = in_query_order([v.value for v in result.variables], variable_order)
        rows = ([solution[v] for v in variables] for solution in result)
        body, cut = write_solutions(variables, rows, fmt, limit=limit, max_bytes=max_bytes)
        return QueryOutput(body, "solutions", cut)
    if isinstance(result, ox.QueryBoolean):
        return QueryOutput(write_boolean(bool(result), fmt), "boolean")
    rdf_format = GRAPH_FORMATS.get(graph_fmt)
    if rdf_format is None:
        raise QueryError(f"unknown graph format {graph_fmt!r}; use one of {', '.join(sorted(GRAPH_FORMATS))}")
    if rdf_format == ox.RdfFormat.N_QUADS:
        rdf_format = ox.RdfFormat.N_TRIPLES
    body, cut = write_triples(result, rdf_format, limit=limit, max_bytes=max_bytes)
    return QueryOutput(body, "graph", cut)


def _serialize_triples(triples: list, rdf_format) -> bytes:
    return ox.serialize(triples, format=rdf_format, prefixes=PREFIXES if rdf_format == ox.RdfFormat.TURTLE else None)


def write_triples(triples, rdf_format, *, limit: int, max_bytes: int | None = None) -> tuple[bytes, str | None]:
    """At most ``limit`` triples serialised in ``rdf_format`` within ``max_bytes``, cut at a
    triple boundary; and which limit cut them (``"rows"``, ``"bytes"``) or None.

    Triples are read while their N-Triples form fits (Turtle is no longer, with prefixes
    usually shorter); a format that comes out longer (JSON-LD) is cut again in proportion
    until it fits."""
    kept, size, cut = [], 0, None
    for triple in triples:
        if len(kept) >= limit:
            cut = "rows"
            break
        if max_bytes is not None:
            size += len(str(triple).encode()) + 3  # " .\n"
            if size > max_bytes:
                cut = "bytes"
                break
        kept.append(triple)
    body = _serialize_triples(kept, rdf_format)
    while max_bytes is not None and len(body) > max_bytes and kept:
        kept = kept[:min(len(kept) - 1, int(len(kept) * max_bytes / len(body)))]
        body, cut = _serialize_triples(kept, rdf_format), "bytes"
    return body, cut


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
