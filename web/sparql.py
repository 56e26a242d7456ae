"""The SPARQL 1.1 Protocol endpoint over the public replica, its service description and VoID
description, and linked data for every ``{base}/id/...`` IRI.

- SPARQL 1.1 Protocol (https://www.w3.org/TR/sparql11-protocol/): query via GET, POST
  form-encoded and POST direct (2.1); ``default-graph-uri`` / ``named-graph-uri`` (2.1.4);
  update via POST with an admin token only (2.2); 400 for a malformed request, 406 when no
  acceptable format exists, 503 when the time limit stops a query.
- SPARQL 1.1 Service Description (https://www.w3.org/TR/sparql11-service-description/):
  ``GET /sparql`` without a query.
- VoID (https://www.w3.org/TR/void/): ``/.well-known/void``.
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, current_app, render_template, request

from graph.accounts import ANONYMOUS
from graph.errors import PermissionDenied, QueryRefused
from graph.replica import dumps
from graph.sparql_guard import check_query, update_to_change


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


def _query_form(sparql: str) -> str:
    body = re.sub(r"#[^\n]*", " ", sparql)
    body = re.sub(r"(?is)^\s*((PREFIX\s+[^:\s]*:\s*<[^>]*>|BASE\s+<[^>]*>)\s*)*", "", body)
    match = re.match(r"(?i)\s*(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", body)
    return match.group(1).upper() if match else "SELECT"


def _cors(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "Content-Type, Accept, Authorization"
    response.headers.add("Vary", "Accept")
    return response


def _text(status: int, message: str) -> Response:
    return _cors(Response(message + "\n", status=status, mimetype="text/plain"))


@bp.route("/sparql", methods=["OPTIONS"])
def preflight():
    return _cors(Response(status=204))


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint():
    try:
        sparql, update = _read_request()
    except QueryRefused as exc:
        return _text(400, str(exc))
    if update is not None:
        return _update(update)
    if sparql is None:
        return service_description()
    form = _query_form(sparql)
    try:
        if form in ("SELECT", "ASK"):
            fmt = _negotiate(RESULT_TYPES, "json")
        else:
            fmt = _negotiate(GRAPH_TYPES, "turtle")
    except NotAcceptable as exc:
        return _text(406, str(exc))
    svc, conf = services(), settings()
    from graph.errors import MaarifaError
    from graph.sparql_pool import QueryRequest

    try:
        check_query(sparql, set(svc.peers.urls()), conf.sparql_max_query_bytes)
        out = svc.sparql_pool.run(QueryRequest(
            sparql, fmt=fmt if form in ("SELECT", "ASK") else "json",
            graph_fmt=fmt if form not in ("SELECT", "ASK") else "turtle",
            limit=conf.query_result_limit,
            default_graphs=request.values.getlist("default-graph-uri") or None,
            named_graphs=request.values.getlist("named-graph-uri") or None), timeout=conf.sparql_timeout)
    except MaarifaError as exc:
        return _text(exc.http_status, str(exc))
    response = Response(out.body, status=200, content_type=CONTENT_TYPE[fmt])
    if out.truncated:
        response.headers["Maarifa-Results-Truncated"] = str(conf.query_result_limit)
    return _cors(response)


def _read_request() -> tuple[str | None, str | None]:
    """(query, update) from GET parameters, a form, or a direct POST body (Protocol 2.1, 2.2)."""
    if request.method == "GET":
        if "update" in request.args:
            raise QueryRefused("updates must be sent with POST")
        return request.args.get("query"), None
    mimetype = request.mimetype
    if mimetype == "application/sparql-query":
        return request.get_data(as_text=True), None
    if mimetype == "application/sparql-update":
        return None, request.get_data(as_text=True)
    if mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        if "query" in request.form and "update" in request.form:
            raise QueryRefused("send either query or update, not both")
        return request.form.get("query"), request.form.get("update")
    raise QueryRefused(f"unsupported Content-Type {mimetype or '(none)'}: use application/sparql-query, "
                       "application/sparql-update or application/x-www-form-urlencoded")


def _update(text: str) -> Response:
    svc = services()
    header = request.headers.get("Authorization", "")
    principal = ANONYMOUS
    if header.startswith("Bearer "):
        try:
            principal = svc.tokens.check(header[len("Bearer "):].strip())
        except PermissionDenied as exc:
            return _text(403, str(exc))
    if not principal.has("admin"):
        return _text(401 if principal.role is None else 403, "SPARQL updates need an admin token")
    from graph.errors import MaarifaError

    try:
        result = svc.store.apply(update_to_change(text), source="sparql-update", importer="maarifa.sparql")
    except MaarifaError as exc:
        return _text(exc.http_status, str(exc))
    svc.sync_replica()
    return _text(200, f"{result.added} added, {result.removed} removed")


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
        response = Response("not found\n" if fmt != "html" else render_template(
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

