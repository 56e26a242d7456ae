"""The SPARQL 1.1 Protocol endpoint over the public replica, its service description and VoID
description, and linked data for every ``{base}/id/...`` IRI.

- SPARQL 1.1 Protocol (https://www.w3.org/TR/sparql11-protocol/): query via GET, POST
  form-encoded and POST direct (2.1); ``default-graph-uri`` / ``named-graph-uri`` (2.1.4);
  update via POST with an admin token only (2.2, run by graph/sparql_update.py on the main
  store); requests are read by sparql_protocol.py; 400 for a malformed request, 406 when no
  acceptable format exists, 503 when the time limit stops a query. Relative IRIs resolve
  against the endpoint's IRI, ``{base}/sparql``.
- Limits (none of them makes a request wait): a client over its own limits (concurrency,
  rate, cool-down after a stopped query; graph/sparql_admission.py) is answered 429, a
  request beyond the endpoint's share of web threads (``sparql_max_requests``) or one that
  finds no worker (graph/sparql_pool.py) 503, each with ``Retry-After`` (RFC 9110, 10.2.3).
  A light query (graph/sparql_guard.is_light) tries the fast lane first, with web-thread
  places of its own, so runaways holding every shared place and worker leave it a way in.
  A result cut at ``query_result_limit`` rows or ``sparql_max_result_bytes`` bytes says so in
  ``Maarifa-Results-Truncated`` (the limit) and ``Maarifa-Results-Truncated-By`` (``rows`` or
  ``bytes``).
- SPARQL 1.1 Service Description (https://www.w3.org/TR/sparql11-service-description/):
  ``GET /sparql`` without a query.
- VoID (https://www.w3.org/TR/void/): ``/.well-known/void``.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Blueprint, Response, current_app, render_template, request

from graph.accounts import ANONYMOUS
from graph.errors import MaarifaError, PermissionDenied, ServiceBusy
from graph.query import TRUNCATED_BY_HEADER, TRUNCATED_HEADER
from graph.replica import dumps
from graph.sparql_guard import inspect_query, is_light
from graph.sparql_pool import QueryRequest
from graph.sparql_update import ProtocolDataset, run_update

from .sparql_protocol import ProtocolError, ProtocolRequest, read_request

bp = Blueprint("sparql", __name__)

RESULT_TYPES = {
    "application/sparql-results+json": "json", "application/json": "json",
    "application/sparql-results+xml": "xml", "application/xml": "xml",
    "text/csv": "csv", "text/tab-separated-values": "tsv",
}
GRAPH_TYPES = {"text/turtle": "turtle", "application/n-triples": "ntriples", "application/ld+json": "jsonld"}
CONTENT_TYPE = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
                "csv": "text/csv; charset=utf-8", "tsv": "text/tab-separated-values; charset=utf-8",
                "turtle": "text/turtle; charset=utf-8", "ntriples": "application/n-triples",
                "jsonld": "application/ld+json"}
FORMAT_PARAM = {"json": "json", "xml": "xml", "csv": "csv", "tsv": "tsv", "turtle": "turtle", "ttl": "turtle",
                "ntriples": "ntriples", "nt": "ntriples", "jsonld": "jsonld", "json-ld": "jsonld"}


SHARES = "maarifa.sparql_shares"


@dataclass(frozen=True)
class _Share:
    places: threading.BoundedSemaphore
    size: int
    what: str  # what the places are for, in the refusal


def init_app(app, settings) -> None:
    """The endpoint, and its share of the web server's threads: ``sparql_max_requests`` places,
    and apart from them the fast lane's, so runaways holding every shared place leave light
    queries a way in."""
    def share(size: int, what: str) -> _Share:
        return _Share(threading.BoundedSemaphore(size), size, what)

    fast = settings.sparql_fast_lane_places
    app.extensions[SHARES] = {False: share(settings.sparql_max_requests, "requests"),
                              True: share(fast, "light queries") if fast else None}
    app.register_blueprint(bp)


@contextmanager
def share_of_threads(light: bool = False):
    """One of the endpoint's places (a light query's own ones if there are), or
    :class:`ServiceBusy` at once: /sparql never holds more of the web threads than that,
    whatever its clients send."""
    shares = current_app.extensions[SHARES]
    share = shares[light] or shares[False]
    if not share.places.acquire(blocking=False):
        raise ServiceBusy(f"this endpoint is answering {share.size} {share.what} already; try again shortly")
    try:
        yield
    finally:
        share.places.release()


def services():
    return current_app.extensions["maarifa.services"]


def settings():
    return current_app.extensions["maarifa.settings"]


class NotAcceptable(Exception):
    pass


def _negotiate(choices: dict[str, str], default: str) -> str:
    wanted = request.args.get("format")
    if wanted:
        fmt = FORMAT_PARAM.get(wanted.lower())
        if fmt not in choices.values():
            raise NotAcceptable(f"format={wanted} is not available for this query")
        return fmt
    accept = request.accept_mimetypes
    if not list(accept.values()):
        return default
    # werkzeug matches wildcards (*/*, text/*) in the Accept header against what we offer
    best = accept.best_match(list(choices), default=None)
    if best is None:
        raise NotAcceptable("none of the formats in the Accept header is available; offered: "
                            + ", ".join(choices))
    return choices[best]


def _cors(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "Content-Type, Accept, Authorization"
    response.headers.add("Vary", "Accept")
    return response


def _text(status: int, message: str) -> Response:
    return _cors(Response(message + "\n", status=status, mimetype="text/plain"))


def _refusal(exc: MaarifaError) -> Response:
    response = _text(exc.http_status, str(exc))
    if exc.retry_after is not None:
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


@bp.route("/sparql", methods=["OPTIONS"])
def preflight():
    return _cors(Response(status=204))


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint():
    try:
        operation = read_request(request)
    except ProtocolError as exc:
        return _text(exc.status, str(exc))
    try:
        if operation.query is None:
            with share_of_threads():
                return _update(operation) if operation.update is not None else service_description()
        # the client's own limits first: they cost nothing, and a refused client takes no place
        with services().public_queries.admit(_client()):
            return _answer(operation)
    except MaarifaError as exc:
        return _refusal(exc)


def _client() -> str:
    """Who the per-client limits count: the connecting address (behind a trusted proxy, the
    address it names: web/forwarded.py)."""
    return request.remote_addr or "unknown"


def _endpoint_iri() -> str:
    """The base IRI of queries and updates (Protocol 2.1, 2.2: it "MAY be the service endpoint")."""
    return f"{services().store.base_url}/sparql"


def _offer(choices: dict[str, str], default: str) -> tuple[str | None, str]:
    """The negotiated format among ``choices``, or None and why not."""
    try:
        return _negotiate(choices, default), ""
    except NotAcceptable as exc:
        return None, str(exc)


def _answer(operation: ProtocolRequest) -> Response:
    """A light query tries the fast lane, holding one of its places only while there; every
    other query, and a light one the fast lane did not answer, the shared workers."""
    if is_light(operation.query) and services().public_queries.may_use_fast_lane(_client()):
        try:
            with share_of_threads(light=True):
                answered = _query(operation, fast=True)
            if answered is not None:
                return answered
        except ServiceBusy:
            pass  # every light place is taken: the shared ones may not be
    with share_of_threads():
        return _query(operation)


def _query(operation: ProtocolRequest, fast: bool = False) -> Response | None:
    """The query's answer; None when ``fast`` and the fast lane did not answer it."""
    svc, conf = services(), settings()
    try:
        inspected = inspect_query(operation.query, base_iri=_endpoint_iri(), allowed_endpoints=set(svc.peers.urls()),
                                  max_bytes=conf.sparql_max_query_bytes)
    except MaarifaError as exc:
        return _text(exc.http_status, str(exc))
    # a form the tokens do not show (a query only the engine can make sense of) is known once it answers
    result_fmt, result_problem = _offer(RESULT_TYPES, "json")
    graph_fmt, graph_problem = _offer(GRAPH_TYPES, "turtle")
    if inspected.returns_solutions is True and result_fmt is None:
        return _text(406, result_problem)
    if inspected.returns_solutions is False and graph_fmt is None:
        return _text(406, graph_problem)
    query = QueryRequest(
        operation.query, fmt=result_fmt or "json", graph_fmt=graph_fmt or "turtle",
        limit=conf.query_result_limit, max_bytes=conf.sparql_max_result_bytes,
        default_graphs=operation.default_graphs, named_graphs=operation.named_graphs,
        query_dataset=inspected.names_dataset, base_iri=_endpoint_iri(),
        variable_order=inspected.variable_order)
    if fast:
        out = svc.public_queries.run_fast(query, client=_client())
        if out is None:
            return None
    else:
        out = svc.public_queries.run(query, client=_client())
    fmt = graph_fmt if out.kind == "graph" else result_fmt
    if fmt is None:
        return _text(406, graph_problem if out.kind == "graph" else result_problem)
    response = Response(out.body, status=200, content_type=CONTENT_TYPE[fmt])
    if out.truncated_by:
        limit = conf.query_result_limit if out.truncated_by == "rows" else conf.sparql_max_result_bytes
        response.headers[TRUNCATED_HEADER] = str(limit)
        response.headers[TRUNCATED_BY_HEADER] = out.truncated_by
    return _cors(response)


def _update(operation: ProtocolRequest) -> Response:
    svc, conf = services(), settings()
    header = request.headers.get("Authorization", "")
    principal = ANONYMOUS
    if header.startswith("Bearer "):
        try:
            principal = svc.tokens.check(header[len("Bearer "):].strip())
        except PermissionDenied as exc:
            return _text(403, str(exc))
    if not principal.has("admin"):
        return _text(401 if principal.role is None else 403, "SPARQL updates need an admin token")
    try:
        result = run_update(svc.store, operation.update, base_iri=_endpoint_iri(),
                            protocol=ProtocolDataset(tuple(operation.using_graphs),
                                                     tuple(operation.using_named_graphs)),
                            allowed_endpoints=set(svc.peers.urls()), max_bytes=conf.sparql_max_query_bytes)
    except MaarifaError as exc:
        return _text(exc.http_status, str(exc))
    svc.sync_replica()
    return _text(200, result.summary())


def service_description() -> Response:
    base = services().store.base_url
    try:
        fmt = _negotiate(GRAPH_TYPES, "turtle")
    except NotAcceptable as exc:
        return _text(406, str(exc))
    from rdflib import Graph

    ttl = f"""
@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix void: <http://rdfs.org/ns/void#> .
@prefix formats: <http://www.w3.org/ns/formats/> .
<{base}/sparql#service> a sd:Service ;
    sd:endpoint <{base}/sparql> ;
    sd:supportedLanguage sd:SPARQL11Query, sd:SPARQL11Update ;
    sd:resultFormat formats:SPARQL_Results_JSON, formats:SPARQL_Results_XML, formats:SPARQL_Results_CSV,
        formats:SPARQL_Results_TSV, formats:Turtle, formats:N-Triples, formats:JSON-LD ;
    sd:feature sd:UnionDefaultGraph, sd:BasicFederatedQuery ;
    sd:defaultDataset [ a sd:Dataset ; sd:defaultGraph [ a sd:Graph ] ; void:inDataset <{base}/.well-known/void> ] .
"""
    graph = Graph().parse(data=ttl, format="turtle")
    rdf_format = {"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld"}[fmt]
    return _cors(Response(graph.serialize(format=rdf_format), content_type=CONTENT_TYPE[fmt]))


@bp.get("/.well-known/void")
def void():
    svc = services()
    base = svc.store.base_url
    lines = [f"<{base}/.well-known/void> a <http://rdfs.org/ns/void#Dataset> ;",
             f"  <http://purl.org/dc/terms/title> \"{settings().node_name} public data\" ;",
             f"  <http://rdfs.org/ns/void#sparqlEndpoint> <{base}/sparql> ;",
             f"  <http://rdfs.org/ns/void#uriSpace> \"{base}/id/\" ;",
             f"  <http://rdfs.org/ns/void#triples> {svc.replica.count()} ."]
    for graph in svc.replica.graphs():
        lines.append(f"<{base}/.well-known/void> <http://rdfs.org/ns/void#subset> <{graph}> .")
        lines.append(f"<{graph}> a <http://rdfs.org/ns/void#Dataset> ; <http://www.w3.org/ns/sparql-service-description#name> <{graph}> .")
    from rdflib import Graph

    graph = Graph().parse(data="\n".join(lines), format="turtle")
    try:
        fmt = _negotiate(GRAPH_TYPES, "turtle")
    except NotAcceptable as exc:
        return _text(406, str(exc))
    rdf_format = {"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld"}[fmt]
    return _cors(Response(graph.serialize(format=rdf_format), content_type=CONTENT_TYPE[fmt]))


LD_TYPES = {"text/html": "html", "application/xhtml+xml": "html", **GRAPH_TYPES}


@bp.get("/id/<path:rest>")
def linked_data(rest: str):
    """A public node by content negotiation; 404 for what the public may not see."""
    svc = services()
    iri = f"{svc.store.base_url}/id/{rest}"
    quads = svc.replica.describe(iri)
    try:
        fmt = _negotiate(LD_TYPES, "html")
    except NotAcceptable as exc:
        return _text(406, str(exc))
    if not quads:
        response = Response(f"nothing public is known about {iri}\n" if fmt != "html" else render_template(
            "error.html", status=404, message=f"nothing public is known about {iri}"), status=404,
            content_type="text/plain" if fmt != "html" else "text/html")
        response.headers["Vary"] = "Accept"
        return response
    if fmt == "html":
        rows = svc.replica.describe_rows(iri)
        response = Response(render_template("ld/resource.html", iri=iri, rows=rows))
    else:
        response = Response(dumps(quads, fmt), content_type=CONTENT_TYPE[fmt])
    response.headers["Vary"] = "Accept"
    response.headers["Link"] = f'<{iri}>; rel="canonical"'
    return response

