"""The capacity taxonomy (CapX ``capacities.json`` + ``capacities_descriptions.json``) as SKOS.

Concept IRIs come from the capacity ``code`` (``/id/skill/113``), never from a database
id, so they stay the same across re-imports and across nodes importing the same file.
A SKOS file in Turtle (or any RDF format) is loaded as it is into the ``taxonomy`` source.

PATH: a folder holding the two JSON files (searched recursively), ``capacities.json``
(the descriptions file is looked up next to it), or an RDF file.
"""

from __future__ import annotations

import re
from pathlib import Path

from rdflib import URIRef

from graph import MaarifaError, SourceGraphs, sha256_checksum
from graph.rdfio import FORMATS, parse_file
from ontology import RDF, SKOS

from .base import (SCHEMA_SLUG, SCHEMA_TEXT, ImportPlan, Importer, Report, check_record, decode_utf8, lang_text, mint,
                   parse_json, string)

SOURCE = "taxonomy"
SCHEME_SLUG = "capacities"
SCHEME_LABELS = {"en": "Capacities", "es": "Capacidades", "fr": "Capacités", "ar": "القدرات"}
WIKIDATA = "http://www.wikidata.org/entity/"
CAPACITY = {"type": "object", "properties": {
    "code": SCHEMA_SLUG, "name": SCHEMA_TEXT, "description": SCHEMA_TEXT, "wd_code": SCHEMA_TEXT,
    "parentCapacity": {"type": ["object", "null"], "properties": {"code": SCHEMA_SLUG}}}}
CAPACITIES = "capacities.json"
DESCRIPTIONS = "capacities_descriptions.json"


def skill_iri(store, code) -> URIRef:
    return mint(store, "skill", str(code))


def scheme_iri(store) -> URIRef:
    return mint(store, "scheme", SCHEME_SLUG)


def _find(path: Path, name: str) -> Path | None:
    if path.is_file():
        candidate = path.with_name(name)
        return candidate if candidate.is_file() else None
    found = sorted(path.rglob(name))
    return found[0] if found else None


def _load_json(path: Path, report: Report):
    text = decode_utf8(path.read_bytes(), path.name, report)
    if text is None:
        return None, ""
    ok, data = parse_json(text, path.name, report)
    return (data if ok else None), text


def _key_lines(text: str) -> dict[str, int]:
    """Line of each top-level ``"code": {`` key, so records can be located."""
    lines = {}
    for number, line in enumerate(text.splitlines(), 1):
        m = re.match(r'^\s{0,4}"([^"]+)"\s*:\s*\{', line)
        if m and m.group(1) not in lines:
            lines[m.group(1)] = number
    return lines


class TaxonomyImporter(Importer):
    kind = "taxonomy"
    description = "CapX capacities.json (+ capacities_descriptions.json) or a SKOS RDF file -> skill scheme"

    def read(self, path: Path, store, options) -> ImportPlan:
        report = Report(self.kind, str(path))
        if path.is_file() and path.suffix.lstrip(".").lower() in FORMATS and path.suffix != ".json":
            return self._read_rdf(path, store, report)
        capacities = path if path.is_file() else _find(path, CAPACITIES)
        if capacities is None:
            report.error(path.name, None, f"no {CAPACITIES} found")
            return ImportPlan(report)
        data, text = _load_json(capacities, report)
        descriptions_path = _find(capacities, DESCRIPTIONS)
        descriptions = {}
        raw = capacities.read_bytes()
        if descriptions_path is not None:
            descriptions, _ = _load_json(descriptions_path, report)
            raw += descriptions_path.read_bytes()
            if not isinstance(descriptions, dict):
                descriptions = {}
        if data is None:
            return ImportPlan(report)
        records = list(data.values()) if isinstance(data, dict) else data
        if not isinstance(records, list):
            report.error(capacities.name, "line 1", "expected an object of capacities keyed by code, or a list")
            return ImportPlan(report)
        return self._build(store, records, descriptions, capacities.name, _key_lines(text), raw, report, options)

    def _build(self, store, records, descriptions, label, lines, raw, report, options) -> ImportPlan:
        progress = options["progress"]
        progress.start(len(records))
        scheme = scheme_iri(store)
        triples = [(scheme, URIRef(RDF.type), URIRef(SKOS.ConceptScheme))]
        triples += [(scheme, URIRef(SKOS.prefLabel), lang_text(text, lang)) for lang, text in SCHEME_LABELS.items()]
        origins = {str(scheme): label}
        codes = {str(r.get("code")) for r in records if isinstance(r, dict)}
        seen = set()
        for index, record in enumerate(records, 1):
            progress.advance()
            if not isinstance(record, dict) or record.get("code") in (None, ""):
                report.error(label, f"record {index}", "a capacity needs a code")
                continue
            code = str(record["code"])
            where = f"line {lines[code]}" if code in lines else f"record {index}"
            if code in seen:
                report.error(label, where, f"capacity code {code} appears twice")
                continue
            if not check_record(record, CAPACITY, report, label, where, f"capacity {code}: "):
                continue
            seen.add(code)
            name = str(record.get("name") or "").strip()
            if not name:
                report.error(label, where, f"capacity {code} has no name")
                continue
            node = skill_iri(store, code)
            origins[str(node)] = f"{label}, {where}"
            triples += [
                (node, URIRef(RDF.type), URIRef(SKOS.Concept)),
                (node, URIRef(SKOS.inScheme), scheme),
                (node, URIRef(SKOS.prefLabel), lang_text(name, "en")),
                (node, URIRef(SKOS.notation), string(code)),
            ]
            description = str(descriptions.get(code) or record.get("description") or "").strip()
            if description:
                triples.append((node, URIRef(SKOS.definition), lang_text(description, "en")))
            wd = str(record.get("wd_code") or "").strip()
            if wd:
                if re.fullmatch(r"Q\d+", wd):
                    triples.append((node, URIRef(SKOS.exactMatch), URIRef(WIKIDATA + wd)))
                else:
                    report.error(label, where, f"wd_code {wd!r} is not a Wikidata item id (Q123)")
            parent = (record.get("parentCapacity") or {}).get("code")
            if parent is not None:
                if str(parent) in codes:
                    triples.append((node, URIRef(SKOS.broader), skill_iri(store, parent)))
                else:
                    report.warning(label, where, f"capacity {code}: parent capacity {parent} is not in the file")
            else:
                triples.append((node, URIRef(SKOS.topConceptOf), scheme))
        report.records = len(seen)
        source = SourceGraphs(name=SOURCE, label=label, importer=self.importer_id, checksum=sha256_checksum(raw),
                              graphs={"public": triples}, origins=origins)
        return ImportPlan(report, [source])

    def _read_rdf(self, path: Path, store, report: Report) -> ImportPlan:
        from graph.rdfio import locate_subjects

        try:
            triples = parse_file(path, base_iri=f"{store.base_url}/id/")
        except MaarifaError as exc:
            message = str(exc)
            m = re.search(r", line (\d+)(?:, column \d+)?: ", message)
            report.error(path.name, f"line {m.group(1)}" if m else None,
                         message.split(": ", 1)[-1] if m else message)
            return ImportPlan(report)
        concepts = {s.value for s, p, o in triples if p.value == RDF.type and o.value == SKOS.Concept}
        if not concepts:
            report.error(path.name, None, "no skos:Concept in the file: not a SKOS taxonomy")
            return ImportPlan(report)
        report.records = len(concepts)
        source = SourceGraphs(name=SOURCE, label=path.name, importer=self.importer_id,
                              checksum=sha256_checksum(path.read_bytes()),
                              origins=locate_subjects(path, concepts))
        return ImportPlan(report, [source], parsed={SOURCE: {"public": triples}})
