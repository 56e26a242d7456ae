"""Training completions: ``username,module,completed_at`` as CSV, or a JSON list of objects.

Matched by username (people already imported) and training slug (training already
imported); either unknown is an error. A completion goes to the graph of its person's
visibility, so a members-only person's completions are members-only too.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from rdflib import URIRef

from graph import SourceGraphs, sha256_checksum
from ontology import DCT, MF, RDF, XSD

from . import lookup
from .base import ImportPlan, Importer, Report, decode_utf8, mint, parse_json, slugify, string, typed

FIELDS = ["username", "module", "completed_at"]


def parse_time(text: str) -> str | None:
    """ISO 8601 date or date-time -> xsd:dateTime lexical form in UTC; None when invalid."""
    text = (text or "").strip()
    try:
        value = dt.datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _records(path: Path, text: str, report: Report):
    """(where, record) pairs from CSV or JSON."""
    if path.suffix.lower() == ".json":
        ok, data = parse_json(text, path.name, report)
        if not ok:
            return []
        if not isinstance(data, list):
            report.error(path.name, "line 1", "expected a JSON list of {username, module, completed_at}")
            return []
        return [(f"record {i}", r if isinstance(r, dict) else {}) for i, r in enumerate(data, 1)]
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader, [])]
    if sorted(header) != sorted(FIELDS):
        report.error(path.name, "row 1", f"the header must be {','.join(FIELDS)} (found {','.join(header) or 'nothing'})")
        return []
    out = []
    for fields in reader:
        if not any(f.strip() for f in fields):
            continue
        if len(fields) != len(header):
            report.error(path.name, f"row {reader.line_num}", f"{len(fields)} field(s) where the header has {len(header)}")
            continue
        out.append((f"row {reader.line_num}", dict(zip(header, (f.strip() for f in fields)))))
    return out


class CompletionsImporter(Importer):
    kind = "completions"
    description = "training completions CSV or JSON (username,module,completed_at)"

    def read(self, path: Path, store, options) -> ImportPlan:
        report = Report(self.kind, str(path))
        raw = path.read_bytes()
        text = decode_utf8(raw, path.name, report)
        if text is None:
            return ImportPlan(report)
        records = _records(path, text, report)
        people, trainings = lookup.people(store), lookup.trainings(store)
        graphs: dict[str, list] = {}
        origins, seen = {}, {}
        options["progress"].start(len(records))
        for where, r in records:
            options["progress"].advance()
            username, module = str(r.get("username", "")).strip(), str(r.get("module", "")).strip()
            when = parse_time(str(r.get("completed_at", "")))
            ok = True
            if username not in people:
                report.error(path.name, where, f"unknown person {username!r} (import the people first)")
                ok = False
            if module not in trainings:
                report.error(path.name, where, f"unknown training module {module!r}")
                ok = False
            if when is None:
                report.error(path.name, where, f"completed_at {r.get('completed_at')!r} is not an ISO 8601 date "
                             f"or time (e.g. 2024-05-01T12:00:00Z)")
                ok = False
            if not ok:
                continue
            key = f"{slugify(username, 64)}--{module}"
            if key in seen:
                report.warning(path.name, where, f"{username} completed {module} again ({seen[key]}); "
                               f"the later row is kept")
                for ts in graphs.values():
                    ts[:] = [t for t in ts if str(t[0]) != str(mint(store, 'completion', key))]
            seen[key] = where
            person, access = people[username]
            node = mint(store, "completion", key)
            origins[str(node)] = f"{path.name}, {where}"
            graphs.setdefault(access, []).extend([
                (node, URIRef(RDF.type), URIRef(MF.TrainingCompletion)),
                (node, URIRef(MF.person), person),
                (node, URIRef(MF.training), trainings[module]),
                (node, URIRef(MF.completedAt), typed(when, XSD.dateTime)),
                (node, URIRef(DCT.source), string(path.name)),
            ])
        report.records = len(seen)
        source = SourceGraphs(name=options.get("source", "completions"), label=path.name, importer=self.importer_id,
                              checksum=sha256_checksum(raw), graphs=graphs, origins=origins)
        return ImportPlan(report, [source])
