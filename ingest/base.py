"""The one interface every importer implements, and the report it hands back.

An importer only *reads*: it turns a file (or folder) into :class:`graph.SourceGraphs`
plus a :class:`Report` of located errors and warnings. Writing, strictness and dry runs
are decided once, in :func:`ingest.registry.run_import`, so that every source format
behaves the same way on bad input: all errors listed, nothing written.
"""

from __future__ import annotations

import json
import re
import sys
import time
import unicodedata
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from rdflib import Literal, URIRef

from graph import MaarifaError, SourceGraphs

VERSION = "0.1"


@dataclass(frozen=True)
class Issue:
    """One problem in the input: where (file and line/row/record) and why."""

    severity: str  # "error" | "warning"
    file: str
    where: str | None  # "line 12", "row 4", "page 2 (Pear)" ...
    message: str

    def __str__(self) -> str:
        place = f"{self.file}, {self.where}" if self.where else self.file
        return f"{place}: {self.message}"

    def as_dict(self) -> dict:
        return {"severity": self.severity, "file": self.file, "where": self.where, "message": self.message}


@dataclass
class Report:
    """What an import found and did; printed the same way for real runs and dry runs."""

    kind: str
    path: str
    issues: list[Issue] = field(default_factory=list)
    results: list[dict] = field(default_factory=list)  # one per source: name, added, removed, unchanged, changed
    records: int = 0
    dry_run: bool = False
    seconds: float = 0.0

    def error(self, file: str, where: str | None, message: str) -> None:
        self.issues.append(Issue("error", file, where, message))

    def warning(self, file: str, where: str | None, message: str) -> None:
        self.issues.append(Issue("warning", file, where, message))

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    def lines(self) -> list[str]:
        out = [f"warning: {w}" for w in self.warnings]
        out += [f"error: {e}" for e in self.errors]
        verb = "would change" if self.dry_run else "changed"
        for r in self.results:
            if not r["changed"] and r["added"] == 0 and r["removed"] == 0:
                out.append(f"{r['name']}: unchanged ({r['unchanged']} triples), nothing to do")
            else:
                out.append(f"{r['name']}: {verb}: {r['added']} added, {r['removed']} removed, "
                           f"{r['unchanged']} unchanged")
        return out

    def as_dict(self) -> dict:
        return {"kind": self.kind, "path": self.path, "dry_run": self.dry_run, "records": self.records,
                "seconds": round(self.seconds, 3), "errors": [i.as_dict() for i in self.errors],
                "warnings": [i.as_dict() for i in self.warnings], "results": self.results}


class ImportFailed(MaarifaError):
    """The input holds errors: every one is listed, then every warning (a dangling reference in
    one file is reported in the same run as a syntax error in another), and nothing was written."""

    def __init__(self, report: Report, limit: int = 50):
        self.report = report
        errors, warnings = report.errors, report.warnings
        counted = f"{len(errors)} error(s)" + (f" and {len(warnings)} warning(s)" if warnings else "")
        lines = [f"{report.kind} import of {Path(report.path).name} rejected: {counted}; nothing was written"]
        lines += _listed(errors, limit, "")
        lines += _listed(warnings, limit, "warning: ")
        super().__init__("\n".join(lines))


def _listed(issues: list[Issue], limit: int, prefix: str) -> list[str]:
    lines = [f"  - {prefix}{i}" for i in issues[:limit]]
    if len(issues) > limit:
        lines.append(f"  ... and {len(issues) - limit} more")
    return lines


@dataclass
class ImportPlan:
    """What an importer read: the sources to write, in order, and what it found wrong.

    ``parsed`` holds, for a source read by :func:`graph.rdfio.parse_file`, its triples per
    access level (engine terms): such a source is written with ``replace_source_parsed``.
    ``prerequisites`` names sources written first that the others refer to (territories).
    """

    report: Report
    sources: list[SourceGraphs] = field(default_factory=list)
    parsed: dict[str, dict[str, list[tuple]]] = field(default_factory=dict)
    prerequisites: set[str] = field(default_factory=set)


class Progress:
    """Counts records as an importer reads them; the CLI draws a bar, tests ignore it."""

    def __init__(self, callback: Callable[[int, int | None], None] | None = None):
        self.callback = callback
        self.done = 0
        self.total: int | None = None

    def start(self, total: int | None) -> None:
        self.total = total
        self.done = 0
        if self.callback:
            self.callback(0, total)

    def advance(self, n: int = 1) -> None:
        self.done += n
        if self.callback:
            self.callback(self.done, self.total)


class Importer(ABC):
    """A source format. Subclasses set ``kind`` and ``description`` and implement ``read``.

    ``options`` is a plain dict; the keys an importer understands are documented on it.
    ``options["progress"]`` is a :class:`Progress` (always present when called by run_import).
    """

    kind: str = ""
    description: str = ""
    #: the importer holds its whole input in memory: run_import refuses an input above
    #: ``max_file_bytes`` before reading it (a streaming importer sets this False)
    reads_whole: bool = True

    @abstractmethod
    def read(self, path: Path, store, options: dict[str, Any]) -> ImportPlan:
        ...

    @property
    def importer_id(self) -> str:
        return f"maarifa.ingest.{self.kind} {VERSION}"


# -- helpers shared by the importers ------------------------------------------------------

def slugify(text: str, limit: int = 80) -> str:
    """A stable, URL-safe slug: ASCII, lower case, dashes (``W&E`` -> ``w-e``)."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:limit] or "x"


def mint(store, kind: str, slug: str) -> URIRef:
    """An instance IRI under the node's base URL: ``{base}/id/{kind}/{slug}``."""
    return URIRef(f"{store.base_url}/id/{kind}/{slug}")


def lang_text(text: str, lang: str) -> Literal:
    return Literal(text, lang=lang)


def typed(value: str, datatype: str) -> Literal:
    return Literal(value, datatype=URIRef(datatype))


def string(value: str) -> Literal:
    """A plain (xsd:string) literal."""
    return Literal(value)


def iri(value: str) -> URIRef:
    return URIRef(value)


def read_text(path: Path, report: Report, label: str | None = None) -> str | None:
    """Read a UTF-8 file; a decoding error is reported with its line, and None returned."""
    label = label or path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        report.error(label, None, f"cannot read ({exc.strerror or exc})")
        return None
    return decode_utf8(data, label, report)


def decode_utf8(data: bytes, label: str, report: Report) -> str | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        report.error(label, f"line {line}", f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset "
                     f"{exc.start}); save the file as UTF-8")
        return None
    return text.removeprefix("\ufeff")


# -- JSON Schema fragments the YAML and JSON importers share (checked by graph.jsoncheck) -------

SCHEMA_TEXT = {"type": ["string", "number", "boolean", "null"]}
SCHEMA_LANGUAGE = {"type": "string", "pattern": r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$"}
SCHEMA_SLUG_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
SCHEMA_SLUG = {"type": ["string", "integer"], "pattern": SCHEMA_SLUG_PATTERN}
# a text, or texts by language code: "Mentor" or {en: Mentor, es: Mentor}
SCHEMA_TEXTS = {"anyOf": [SCHEMA_TEXT, {"type": "object", "propertyNames": SCHEMA_LANGUAGE,
                                        "additionalProperties": SCHEMA_TEXT}]}


def check_record(value, schema: dict, report: Report, label: str, where: str | None, owner: str = "") -> bool:
    """Report every mismatch between a record and its schema at the record's place (for files
    whose fields have no line of their own); True when there is none."""
    from graph.jsoncheck import problems

    found = problems(value, schema)
    for problem in found:
        report.error(label, where, f"{owner}{problem}")
    return not found


def checked_iri(value, report: Report, label: str, where: str | None, owner: str) -> URIRef | None:
    """``value`` as an IRI, or None after reporting that it is not one the store accepts."""
    from graph.terms import valid_iri

    if valid_iri(str(value)):
        return URIRef(str(value))
    report.error(label, where, f"{owner}{value!r} is not a valid IRI (an absolute URL without spaces)")
    return None


def parse_json(text: str, label: str, report: Report) -> tuple[bool, Any]:
    """``(True, data)``, or ``(False, None)`` after a located error (bad JSON, or nested too
    deeply for the parser, which would otherwise end the process with a RecursionError)."""
    try:
        return True, json.loads(text)
    except json.JSONDecodeError as exc:
        report.error(label, f"line {exc.lineno}", f"not valid JSON: {exc.msg} (column {exc.colno})")
    except RecursionError:
        report.error(label, None, "not accepted: the JSON is nested too deeply to read")
    except ValueError as exc:  # the only other one json raises: an integer too long to convert
        report_value_error(text, exc, label, report)
    return False, None


def report_value_error(text: str, exc: ValueError, label: str, report: Report) -> None:
    """Report a value the reader could not convert. Most often an integer of more digits than
    ``sys.get_int_max_str_digits()`` (a guard against quadratic-time conversion,
    https://docs.python.org/3/library/stdtypes.html#int-max-str-digits), named with its line."""
    limit = sys.get_int_max_str_digits()
    found = re.search(r"\d{%d,}" % (limit + 1), text)
    if found:
        line = text.count("\n", 0, found.start()) + 1
        report.error(label, f"line {line}", f"not accepted: a number of more than {limit:,} digits")
    else:
        report.error(label, None, f"not accepted: a value cannot be read ({exc})")


def located(label: str, where: str | None) -> str:
    return f"{label}, {where}" if where else label


class Timer:
    def __init__(self):
        self.start = time.perf_counter()

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.start
