"""Reading RDF files: format by extension, errors with line and column, nothing fetched.

JSON-LD documents whose ``@context`` is remote are refused: no document loader is
configured, so the parser never reaches the network.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .errors import MaarifaError, RdfSyntaxError, UnknownFormat

FORMATS = {
    "ttl": ox.RdfFormat.TURTLE,
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nq": ox.RdfFormat.N_QUADS,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "jsonld": ox.RdfFormat.JSON_LD,
    "json-ld": ox.RdfFormat.JSON_LD,
    "json": ox.RdfFormat.JSON_LD,
    "rdf": ox.RdfFormat.RDF_XML,
    "xml": ox.RdfFormat.RDF_XML,
    "owl": ox.RdfFormat.RDF_XML,
    "n3": ox.RdfFormat.N3,
}


def rdf_format(path: Path, name: str | None = None) -> ox.RdfFormat:
    key = (name or Path(path).suffix.lstrip(".")).lower()
    if key not in FORMATS:
        raise UnknownFormat(Path(path).name, sorted({k for k in FORMATS if len(k) <= 6}))
    return FORMATS[key]


@dataclass(frozen=True)
class ParsedFile:
    """Where parsed triples came from, so the engine can bulk-load the same file itself."""

    path: Path
    format: ox.RdfFormat
    base_iri: str

    @property
    def bulk_loadable(self) -> bool:
        # graph formats only: quad formats keep their own graph names, JSON-LD may need contexts
        return self.format in (ox.RdfFormat.TURTLE, ox.RdfFormat.N_TRIPLES, ox.RdfFormat.RDF_XML)


def describe_file(path: Path, *, fmt: str | None = None, base_iri: str | None = None) -> ParsedFile:
    path = Path(path)
    return ParsedFile(path, rdf_format(path, fmt), base_iri or f"file:///{path.name}")


def parse_file(path: Path, *, fmt: str | None = None, base_iri: str | None = None) -> list[tuple]:
    """All triples of a file (graph names are dropped: a file loads into one named graph)."""
    path = Path(path)
    rdf_fmt = rdf_format(path, fmt)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise MaarifaError(f"{path}: no such file") from None
    except OSError as exc:
        raise MaarifaError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        return [(q.subject, q.predicate, q.object)
                for q in ox.parse(data, format=rdf_fmt, base_iri=base_iri or f"file:///{path.name}")]
    except SyntaxError as exc:
        message = exc.args[0] if exc.args else str(exc)
        if "LoadDocumentCallback" in message or "remote context" in message.lower():
            raise RdfSyntaxError(path.name, "the JSON-LD @context is remote; Maarifa never fetches documents "
                                 "during an import: inline the context or use another format") from None
        message = re.sub(r"^Parser error (at|between) line \d+ .*?: ", "", message)
        return _raise_located(path, message, exc)
    except (ValueError, UnicodeDecodeError) as exc:
        raise RdfSyntaxError(path.name, f"cannot be read as {rdf_fmt.name}: {exc}") from None


def _raise_located(path: Path, message: str, exc: SyntaxError):
    raise RdfSyntaxError(path.name, message, exc.lineno, exc.offset) from None


def locate_violations(paths, violations: list) -> list:
    """The violations with their origin set to the file and line where each node appears."""
    from dataclasses import replace

    where: dict[str, str] = {}
    for path in paths:
        for iri, origin in locate_subjects(path, {v.node for v in violations}).items():
            where.setdefault(iri, origin)
    return [replace(v, origin=where.get(v.node, v.origin)) for v in violations]


def locate_subjects(path: Path, iris: set[str]) -> dict[str, str]:
    """Where each IRI first appears in a text RDF file: "file, line N" (best effort)."""
    try:
        lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return {}
    prefixes = dict(re.findall(r"@?prefix\s+([\w-]*):\s*<([^>]*)>", "\n".join(lines[:200]), re.IGNORECASE))
    found = {}
    for iri in iris:
        needles = [f"<{iri}>"]
        needles += [f"{p}:{iri[len(ns):]}" for p, ns in prefixes.items() if iri.startswith(ns) and len(iri) > len(ns)]
        needles += [f'"{iri}"']
        for number, line in enumerate(lines, 1):
            if any(n in line for n in needles):
                found[iri] = f"{Path(path).name}, line {number}"
                break
        else:
            found[iri] = Path(path).name
    return found
