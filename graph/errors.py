"""Typed errors of the graph services.

Every error a person can cause derives from :class:`MaarifaError`; the CLI and the web
app turn it into one readable message (CLI exit code 1, HTTP 4xx). Anything else is a bug.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class MaarifaError(Exception):
    """An error caused by the user's input or environment, with a readable message."""

    http_status = 400
    # seconds after which the same request may succeed (HTTP ``Retry-After``, RFC 9110 10.2.3)
    retry_after: int | None = None


class StoreMissing(MaarifaError):
    def __init__(self, data_dir):
        super().__init__(
            f"no Maarifa data directory at {data_dir}: run `maarifa init` first "
            f"(or pass --data-dir / set MAARIFA_DATA_DIR)"
        )


class StoreLocked(MaarifaError):
    http_status = 409

    def __init__(self, data_dir, holder: dict):
        pid = holder.get("pid", "?")
        command = holder.get("command", "another process")
        super().__init__(
            f"the store in {data_dir} is in use by process {pid} ({command}); "
            f"stop it first, or run this command against that process's web API"
        )
        self.holder = holder


class StoreUnwritable(MaarifaError):
    def __init__(self, data_dir, reason: str):
        super().__init__(f"cannot write to the data directory {data_dir}: {reason}")


class BaseUrlMismatch(MaarifaError):
    """A command asks for another base URL than the one the store's IRIs are minted under."""

    http_status = 409

    def __init__(self, where, stored: str, requested: str, *, inferred: bool = False,
                 requested_by: str = "this command"):
        known = " (the base its IRIs were minted under)" if inferred else ""
        super().__init__(
            f"the data directory {where} has the base URL {stored}{known}, but {requested_by} asks for "
            f"{requested}: run with {stored} (or without setting base_url), or move the node to the new "
            f"base with `maarifa rebase {requested}`; nothing was changed")
        self.stored, self.requested = stored, requested


class GraphTaken(MaarifaError):
    """A load names a graph that another source (an importer's, or a multi-graph one) holds."""

    http_status = 409

    def __init__(self, graph_iri: str, source: str, importer: str):
        super().__init__(
            f"graph <{graph_iri}> belongs to the source {source!r} (written by {importer}); loading into it "
            f"would replace that whole source: choose another graph IRI, or re-import that source; nothing was written")
        self.graph_iri, self.source, self.importer = graph_iri, source, importer


class RdfSyntaxError(MaarifaError):
    """Malformed RDF: names the file, line and column."""

    def __init__(self, source: str, message: str, line: int | None = None, column: int | None = None):
        where = source
        if line is not None:
            where += f", line {line}"
            if column is not None:
                where += f", column {column}"
        super().__init__(f"{where}: {message}")
        self.source, self.line, self.column = source, line, column


class UnknownFormat(MaarifaError):
    def __init__(self, source: str, known: list[str]):
        super().__init__(
            f"{source}: unknown RDF format; use one of the extensions {', '.join(known)} "
            f"or pass --format"
        )


class NotFound(MaarifaError):
    http_status = 404


class PermissionDenied(MaarifaError):
    http_status = 403


class QueryError(MaarifaError):
    """A SPARQL query that cannot be parsed or run."""


class QueryTimeout(MaarifaError):
    http_status = 503

    def __init__(self, seconds: float):
        super().__init__(f"the query did not finish within {seconds:g} s and was stopped")
        self.seconds = seconds


@dataclass(frozen=True)
class Violation:
    """One broken rule: which node, which property, what is wrong, and where it came from."""

    node: str
    path: str | None
    message: str
    value: str | None = None
    origin: str | None = None  # "people.csv, row 12" / "data.ttl, line 40"
    severity: str = "Violation"  # sh:Violation, sh:Warning, sh:Info by local name; others by IRI
    shape: str | None = None  # the sh:sourceShape (an IRI, or a blank node as _:id)
    component: str | None = None  # the sh:sourceConstraintComponent IRI

    @property
    def blocking(self) -> bool:
        """Only sh:Violation rejects a write; sh:Warning and sh:Info are reported."""
        return self.severity == "Violation"

    def __str__(self) -> str:
        parts = [f"<{self.node}>"]
        if self.path:
            parts.append(f"property <{self.path}>")
        if self.value is not None:
            parts.append(f"value {self.value}")
        text = " ".join(parts) + f": {self.message}"
        if not self.blocking:
            text = f"{self.severity}: {text}"
        return f"{self.origin}: {text}" if self.origin else text


@dataclass
class ValidationFailed(MaarifaError):
    """A change broke the shapes; nothing was written."""

    violations: list[Violation] = field(default_factory=list)

    def __post_init__(self):
        super().__init__(self.summary())

    def summary(self, limit: int = 20) -> str:
        lines = [f"rejected: {len(self.violations)} violation(s) of the shapes; nothing was written"]
        lines += [f"  - {v}" for v in self.violations[:limit]]
        if len(self.violations) > limit:
            lines.append(f"  ... and {len(self.violations) - limit} more")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


class ServiceBusy(MaarifaError):
    """Every worker (or every place for this kind of request) is taken: answered at once, never queued."""

    http_status = 503

    def __init__(self, message: str, retry_after: int = 1):
        super().__init__(message)
        self.retry_after = retry_after


class TooManyRequests(MaarifaError):
    """One client asked for more than its share (RFC 6585, 4): its rate, its concurrency, or its
    cool-down after a query that had to be stopped."""

    http_status = 429

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class QueryPreempted(MaarifaError):
    """A running query stopped to give its worker to another client's query."""

    http_status = 503

    def __init__(self, seconds: float):
        super().__init__(f"the query was stopped after {seconds:.1f} s to make room for another client's query "
                         f"(every query worker was busy)")
        self.seconds = seconds


class PublicDataPreparing(ServiceBusy):
    """The public replica has no snapshot yet (its first build runs in the background at start)."""

    def __init__(self, retry_after: int):
        super().__init__(f"the public data is being prepared; try again in {retry_after} s", retry_after)


class QueryRefused(MaarifaError):
    """A query this node will not run (a SERVICE outside the allow-list, too large, an update)."""

    http_status = 400
