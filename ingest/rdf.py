"""Any RDF file (Turtle, N-Triples, N-Quads, TriG, JSON-LD, RDF/XML) into its own named graph.

The source is named after the file (``rdf-{stem}``; ``options["source"]`` overrides) and
goes to the ``public`` graph unless ``options["access"]`` says otherwise. Parsing goes
through :func:`graph.rdfio.parse_file`, which never fetches anything: a JSON-LD file whose
``@context`` is remote is refused with a message naming the file and the line.
"""

from __future__ import annotations

import re
from pathlib import Path

from graph import MaarifaError, SourceGraphs, sha256_checksum
from graph.rdfio import locate_subjects, parse_file

from .base import ImportPlan, Importer, Report, slugify


def _where_context(path: Path) -> str | None:
    try:
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if "@context" in line:
                return f"line {number}"
    except OSError:
        pass
    return None


class RdfImporter(Importer):
    kind = "rdf"
    description = "any RDF file (ttl, nt, nq, trig, jsonld, rdf/xml) into its own named graph"

    def read(self, path: Path, store, options) -> ImportPlan:
        report = Report(self.kind, str(path))
        access = options.get("access", "public")
        try:
            triples = parse_file(path, fmt=options.get("format"), base_iri=f"{store.base_url}/id/")
        except MaarifaError as exc:
            message = str(exc)
            m = re.match(r"^(?P<file>[^,:]+)(?:, line (?P<line>\d+)(?:, column \d+)?)?: (?P<msg>.*)$", message, re.S)
            if m:
                where = f"line {m.group('line')}" if m.group("line") else None
                if where is None and "@context" in m.group("msg"):
                    where = _where_context(path)
                report.error(path.name, where, m.group("msg"))
            else:
                report.error(path.name, None, message)
            return ImportPlan(report)
        report.records = len(triples)
        name = options.get("source") or "rdf-" + slugify(path.stem)
        subjects = {s.value for s, _, _ in triples if hasattr(s, "value")}
        source = SourceGraphs(name=name, label=path.name, importer=self.importer_id,
                              checksum=sha256_checksum(path.read_bytes()),
                              origins=locate_subjects(path, subjects) if len(subjects) < 5000 else {})
        return ImportPlan(report, [source], parsed={name: {access: triples}})
