"""Reading a SPARQL 1.1 Protocol request (https://www.w3.org/TR/sparql11-protocol/).

- 2.1.1-2.1.3 query: ``GET ?query=``, ``POST`` form-encoded ``query=``, ``POST`` with
  ``Content-Type: application/sparql-query``; exactly one query string.
- 2.1.4 ``default-graph-uri`` / ``named-graph-uri``: the RDF dataset of a query.
- 2.2.1-2.2.2 update: ``POST`` form-encoded ``update=`` or ``POST`` with ``Content-Type:
  application/sparql-update``; exactly one update string; never by GET.
- 2.2.3 ``using-graph-uri`` / ``using-named-graph-uri``: the dataset of an update's WHERE.
- A direct POST body is UTF-8 (2.1.3, 2.2.2): another charset, or bytes that are not UTF-8,
  are refused.

A request that breaks these rules is answered 400 (415 for a media type this endpoint does
not take) with a message that says which rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graph.terms import valid_iri

QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class ProtocolError(Exception):
    """A request that is not a valid SPARQL Protocol operation."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass
class ProtocolRequest:
    """One protocol operation: a query, an update, or neither (the service description)."""

    query: str | None = None
    update: str | None = None
    default_graphs: list[str] | None = None  # None: the parameter was not given
    named_graphs: list[str] | None = None
    using_graphs: list[str] = field(default_factory=list)
    using_named_graphs: list[str] = field(default_factory=list)


def read_request(request) -> ProtocolRequest:
    """The operation a Flask request carries, or :class:`ProtocolError`."""
    if request.method == "GET":
        if "update" in request.args:
            raise ProtocolError("updates must be sent with POST (SPARQL 1.1 Protocol, 2.2)")
        return _with_dataset(ProtocolRequest(query=_one(request.args, "query")), request.args)
    mimetype = request.mimetype
    if mimetype == QUERY_TYPE:
        return _with_dataset(ProtocolRequest(query=_body(request)), request.args)
    if mimetype == UPDATE_TYPE:
        return _with_dataset(ProtocolRequest(update=_body(request)), request.args)
    if mimetype in FORM_TYPES:
        form = request.form
        if "query" in form and "update" in form:
            raise ProtocolError("send either query or update, not both")
        operation = ProtocolRequest(query=_one(form, "query"), update=_one(form, "update"))
        if operation.query is None and operation.update is None:
            raise ProtocolError("the form has neither a query nor an update parameter")
        return _with_dataset(operation, request.values)
    raise ProtocolError(f"unsupported Content-Type {mimetype or '(none)'}: use {QUERY_TYPE}, {UPDATE_TYPE} "
                        f"or application/x-www-form-urlencoded", status=415)


def _one(params, name: str) -> str | None:
    values = params.getlist(name)
    if len(values) > 1:
        raise ProtocolError(f"{len(values)} {name} parameters: send exactly one {name} string")
    return values[0] if values else None


def _body(request) -> str:
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise ProtocolError(f"the body is declared {charset}: send it as UTF-8 (SPARQL 1.1 Protocol, 2.1.3)",
                            status=415)
    try:
        return request.get_data().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(f"the body is not valid UTF-8 (byte {exc.start})") from None


def _with_dataset(operation: ProtocolRequest, params) -> ProtocolRequest:
    if operation.query is not None:
        if "default-graph-uri" in params:
            operation.default_graphs = _graph_iris(params, "default-graph-uri")
        if "named-graph-uri" in params:
            operation.named_graphs = _graph_iris(params, "named-graph-uri")
    operation.using_graphs = _graph_iris(params, "using-graph-uri")
    operation.using_named_graphs = _graph_iris(params, "using-named-graph-uri")
    return operation


def _graph_iris(params, name: str) -> list[str]:
    """The values of a dataset parameter, each an absolute IRI (2.1.4, 2.2.3): a value that is
    none is refused naming the parameter, before the store is asked."""
    values = params.getlist(name)
    for value in values:
        if not valid_iri(value):
            raise ProtocolError(f"{name}: {value[:200]!r} is not an absolute IRI")
    return values
