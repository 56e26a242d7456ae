"""Movement organizations from the CapX affiliates fixture (``orgs.json``, Django dumpdata).

Organization types are matched by their ``OrganizationType`` *name* (the fixture refers to
them by position, 1-based, as Django assigned the primary keys), so a renumbered fixture
still maps Chapter / user group / thematic organization / gathering group correctly.
IRIs come from the acronym (``/id/org/wmke``). A ``territory`` (or ``country``) field,
when a source has one, becomes ``mf:territory``.
"""

from __future__ import annotations

import re
from pathlib import Path

from rdflib import URIRef

from graph import SourceGraphs, sha256_checksum
from ontology import MF, ORG, RDF, SCHEMA, SKOS

from . import territories
from .base import (SCHEMA_TEXT, ImportPlan, Importer, Report, check_record, checked_iri, decode_utf8, lang_text, mint,
                   parse_json, slugify, string)

SOURCE = "orgs"
# a Django dumpdata record: {"model": "app.organization", "pk": 1, "fields": {...}}
RECORD = {"type": "object", "required": ["model"], "properties": {
    "model": {"type": "string"}, "pk": {"type": ["integer", "string", "null"]},
    "fields": {"type": ["object", "null"], "properties": {
        name: SCHEMA_TEXT for name in ("acronym", "display_name", "name", "type_name", "url", "website", "territory",
                                       "country")} | {"type": {"type": ["integer", "string", "null"]}}}}}
TYPE_WORDS = [("chapter", MF.Chapter), ("user group", MF.UserGroup), ("thematic", MF.ThematicOrganization),
              ("gathering", MF.GatheringGroup)]


def org_type(name: str) -> str:
    lowered = (name or "").lower()
    for word, iri in TYPE_WORDS:
        if word in lowered:
            return iri
    return MF.OtherOrganization


def org_slug(acronym: str) -> str:
    return slugify(acronym)


class OrgsImporter(Importer):
    kind = "orgs"
    description = "CapX orgs.json fixture (organizations and their types) -> organizations"

    def read(self, path: Path, store, options) -> ImportPlan:
        report = Report(self.kind, str(path))
        if path.is_dir():
            found = sorted(path.rglob("orgs.json"))
            if not found:
                report.error(path.name, None, "no orgs.json found")
                return ImportPlan(report)
            path = found[0]
        raw = path.read_bytes()
        text = decode_utf8(raw, path.name, report)
        if text is None:
            return ImportPlan(report)
        ok, records = parse_json(text, path.name, report)
        if not ok:
            return ImportPlan(report)
        if not isinstance(records, list):
            report.error(path.name, "line 1", "expected a list of records (Django dumpdata)")
            return ImportPlan(report)
        line_of = _record_lines(text)
        records = [r if check_record(r, RECORD, report, path.name, _where(line_of, i)) else None
                   for i, r in enumerate(records)]
        types = [r.get("fields", {}).get("type_name", "") for r in records
                 if isinstance(r, dict) and r.get("model", "").lower().endswith("organizationtype")]
        types_by_pk = {r["pk"]: r["fields"].get("type_name", "") for r in records
                       if isinstance(r, dict) and r.get("model", "").lower().endswith("organizationtype") and "pk" in r}
        orgs = [(i, r) for i, r in enumerate(records) if isinstance(r, dict)
                and r.get("model", "").lower().endswith("organization")]
        progress = options["progress"]
        progress.start(len(orgs))
        triples, origins, slugs = [], {}, {}
        needs_territories = False
        for index, record in orgs:
            progress.advance()
            where = _where(line_of, index)
            fields = record.get("fields") or {}
            acronym = str(fields.get("acronym") or "").strip()
            name = str(fields.get("display_name") or fields.get("name") or "").strip()
            if not name:
                report.error(path.name, where, "an organization needs a display_name")
                continue
            slug = org_slug(acronym or name)
            if slug in slugs:
                slug = slugify(name)
                if slug in slugs:
                    report.error(path.name, where, f"organization {name!r} has the same key as the one at "
                                 f"{slugs[slug]}")
                    continue
            slugs[slug] = where
            node = mint(store, "org", slug)
            origins[str(node)] = f"{path.name}, {where}"
            triples += [(node, URIRef(RDF.type), URIRef(ORG.Organization)),
                        (node, URIRef(SKOS.prefLabel), lang_text(name, "en"))]
            if acronym:
                triples.append((node, URIRef(SKOS.notation), string(acronym)))
            type_ref = fields.get("type")
            type_name = types_by_pk.get(type_ref) if type_ref in types_by_pk else (
                types[type_ref - 1] if isinstance(type_ref, int) and 0 < type_ref <= len(types) else None)
            if type_ref is not None and type_name is None:
                report.warning(path.name, where, f"organization type {type_ref!r} is not defined in the file")
            elif type_name is not None:
                triples.append((node, URIRef(MF.organizationType), URIRef(org_type(type_name))))
            url = str(fields.get("url") or fields.get("website") or "").strip()
            if url and checked_iri(url, report, path.name, where, f"organization {name!r}: url "):
                triples.append((node, URIRef(SCHEMA.url), URIRef(url)))
            code = fields.get("territory") or fields.get("country")
            if code:
                canonical = territories.normalize(str(code))
                if canonical is None:
                    report.error(path.name, where, f"unknown territory {code!r}: use an ISO 3166-1 alpha-2 "
                                 f"country code or a UN M49 region code")
                else:
                    needs_territories = True
                    triples.append((node, URIRef(MF.territory), territories.territory_iri(store, canonical)))
        report.records = len(slugs)
        source = SourceGraphs(name=SOURCE, label=path.name, importer=self.importer_id, checksum=sha256_checksum(raw),
                              graphs={"public": triples}, origins=origins)
        plan = ImportPlan(report, [source])
        return territories.with_territories(plan, store) if needs_territories else plan


def _record_lines(text: str) -> list[int]:
    """Line where each top-level record (``{"model": ...``) starts."""
    return [text.count("\n", 0, m.start()) + 1 for m in re.finditer(r'\{\s*"model"\s*:', text)]


def _where(line_of: list[int], index: int) -> str:
    return f"line {line_of[index]}" if index < len(line_of) else f"record {index + 1}"
