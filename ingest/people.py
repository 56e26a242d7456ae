"""People and their skill claims from a CSV file (format in ARCHITECTURE.md).

Columns: ``username,name,email,languages,territory,organizations,visibility,
federation_consent,mentoring,known,available,wanted``; only ``username`` and ``name`` are
required. ``options["mapping"]`` (a YAML/JSON file ``their heading: our column``) renames
other headings.

Each person is written to the graph of their visibility (``public``, ``members`` or
``private``); the e-mail address always goes to the ``private`` graph, whatever the
visibility, so it can never reach a public path. Languages are checked with Babel,
territories against ISO 3166-1 / UN M49 (the ``territories`` source is imported first
when missing), skills resolved by code, label (any language) or IRI.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from babel import Locale, UnknownLocaleError
from rdflib import URIRef

from graph import SourceGraphs, sha256_checksum
from ontology import MF, ORG, RDF, SCHEMA, XSD

from . import lookup, territories
from .base import ImportPlan, Importer, Report, decode_utf8, mint, string, typed
from .yamlfile import load_with_lines

SOURCE = "people"
COLUMNS = ["username", "name", "email", "languages", "territory", "organizations", "visibility",
           "federation_consent", "mentoring", "known", "available", "wanted"]
REQUIRED = ["username", "name"]
VISIBILITY = {"public": ("public", MF.Public), "members": ("members", MF.MembersOnly),
              "private": ("private", MF.Private)}
STATUS = {"known": MF.Known, "available": MF.Available, "wanted": MF.Wanted}
YES = {"yes": True, "y": True, "true": True, "1": True, "no": False, "n": False, "false": False, "0": False, "": False}
USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
_lang_cache: dict[str, bool] = {}


def valid_language(code: str) -> bool:
    """A BCP 47 code Babel (CLDR) knows, e.g. ``sw``, ``pt-BR``, ``zh-Hant``."""
    if code not in _lang_cache:
        try:
            Locale.parse(code, sep="-")
            _lang_cache[code] = bool(re.fullmatch(r"[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*", code))
        except (UnknownLocaleError, ValueError, TypeError):
            _lang_cache[code] = False
    return _lang_cache[code]


def parse_claims(text: str):
    """``"113:3;grant writing;http://x/skill/1:2"`` -> [(ref, level text or None)]."""
    out = []
    for part in (p.strip() for p in (text or "").split(";")):
        if not part:
            continue
        m = re.fullmatch(r"(.*\S)\s*:\s*(-?\w+)", part)
        if m and not m.group(2).startswith("//") and not part.endswith("/"):
            ref, level = m.group(1), m.group(2)
            if ref.lower() in ("http", "https"):
                ref, level = part, None
        else:
            ref, level = part, None
        out.append((ref.strip(), level))
    return out


def read_mapping(path: Path | None, report: Report) -> dict[str, str]:
    if not path:
        return {}
    data, _, _ = load_with_lines(Path(path), report)
    if data is None:
        return {}
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        report.error(Path(path).name, "line 1", "a mapping file maps headings to column names: 'E-mail: email'")
        return {}
    unknown = [v for v in data.values() if v not in COLUMNS]
    if unknown:
        report.error(Path(path).name, None, f"unknown target column(s) {', '.join(unknown)}; known: {', '.join(COLUMNS)}")
    return {str(k).strip(): v for k, v in data.items()}


class PeopleImporter(Importer):
    kind = "people"
    description = "people CSV (username,name,email,languages,territory,...; --mapping renames headings)"

    def read(self, path: Path, store, options) -> ImportPlan:
        report = Report(self.kind, str(path))
        label = path.name
        raw = path.read_bytes()
        text = decode_utf8(raw, label, report)
        mapping = read_mapping(options.get("mapping"), report)
        if text is None:
            return ImportPlan(report)
        reader = csv.reader(io.StringIO(text, newline=""))
        try:
            header = next(reader)
        except StopIteration:
            report.error(label, "row 1", "the file is empty: expected a header row")
            return ImportPlan(report)
        columns = [mapping.get(h.strip(), h.strip()) for h in header]
        unknown = [h for h, c in zip(header, columns) if c not in COLUMNS]
        if unknown:
            report.error(label, "row 1", f"unknown column(s) {', '.join(map(repr, unknown))}; known: "
                         f"{', '.join(COLUMNS)} (a mapping file can rename headings)")
        missing = [c for c in REQUIRED if c not in columns]
        if missing:
            report.error(label, "row 1", f"missing required column(s): {', '.join(missing)}")
        if report.errors:
            return ImportPlan(report)
        skills, orgs = lookup.SkillIndex(store), lookup.organizations(store)
        graphs = {"public": [], "members": [], "private": []}
        origins: dict[str, str] = {}
        seen: dict[str, int] = {}
        needs_territories = False
        progress = options["progress"]
        progress.start(text.count("\n"))
        for fields in reader:
            row = reader.line_num
            progress.advance()
            if not any(f.strip() for f in fields):
                continue
            where = f"row {row}"
            if len(fields) != len(columns):
                report.error(label, where, f"{len(fields)} field(s) where the header has {len(columns)} "
                             f"({'missing' if len(fields) < len(columns) else 'extra'} columns)")
                continue
            record = {c: f.strip() for c, f in zip(columns, fields)}
            needs_territories |= self._person(store, record, label, where, row, seen, skills, orgs, graphs,
                                              origins, report)
        report.records = len(seen)
        graphs = {a: ts for a, ts in graphs.items() if ts}
        source = SourceGraphs(name=options.get("source", SOURCE), label=label, importer=self.importer_id,
                              checksum=sha256_checksum(raw + repr(sorted(mapping.items())).encode()),
                              graphs=graphs, origins=origins)
        plan = ImportPlan(report, [source])
        return territories.with_territories(plan, store) if needs_territories else plan

    def _person(self, store, r, label, where, row, seen, skills, orgs, graphs, origins, report) -> bool:
        errors_before = len(report.errors)
        username = r.get("username", "")
        if not USERNAME.fullmatch(username):
            report.error(label, where, f"username {username!r} must be 1-64 letters, digits, '.', '-' or '_'")
            return False
        if username in seen:
            report.error(label, where, f"duplicate username {username!r} (first on row {seen[username]})")
            return False
        seen[username] = row
        if not r.get("name"):
            report.error(label, where, f"{username}: the name is empty")
        visibility = (r.get("visibility") or "members").lower()
        if visibility not in VISIBILITY:
            report.error(label, where, f"visibility {r['visibility']!r} must be public, members or private")
            return False
        flags = {}
        for column in ("federation_consent", "mentoring"):
            value = (r.get(column) or "").lower()
            if value not in YES:
                report.error(label, where, f"{column} {r[column]!r} must be yes or no")
            flags[column] = YES.get(value, False)
        person = mint(store, "person", username)
        access, visibility_iri = VISIBILITY[visibility]
        origins[str(person)] = f"{label}, {where}"
        out = []
        add = lambda s, p, o: out.append((s, URIRef(p), o))  # noqa: E731
        add(person, RDF.type, URIRef(MF.Person))
        add(person, MF.username, string(username))
        add(person, SCHEMA.name, string(r.get("name", "")))
        add(person, MF.visibility, URIRef(visibility_iri))
        add(person, MF.federationConsent, typed("true" if flags["federation_consent"] else "false", XSD.boolean))
        add(person, MF.mentoringAvailable, typed("true" if flags["mentoring"] else "false", XSD.boolean))
        for part in filter(None, (p.strip() for p in (r.get("languages") or "").split(";"))):
            code, _, level = part.partition(":")
            code, level = code.strip(), (level.strip() or "3")
            if not valid_language(code):
                report.error(label, where, f"unknown language code {code!r} (use a BCP 47 code such as sw or pt-BR)")
                continue
            if not re.fullmatch(r"\d+", level) or not 0 <= int(level) <= 5:
                report.error(label, where, f"language {code}: proficiency {level!r} must be an integer from 0 to 5")
                continue
            ability = URIRef(f"{person}#lang-{code}")
            add(person, MF.speaks, ability)
            add(ability, RDF.type, URIRef(MF.LanguageAbility))
            add(ability, MF.language, typed(code, XSD.language))
            add(ability, MF.proficiency, typed(str(int(level)), XSD.integer))
        needs_territories = False
        if r.get("territory"):
            code = territories.normalize(r["territory"])
            if code is None:
                report.error(label, where, f"unknown territory {r['territory']!r}: use an ISO 3166-1 alpha-2 "
                             f"country code (KE) or a UN M49 region code (011)")
            else:
                needs_territories = True
                add(person, MF.territory, territories.territory_iri(store, code))
        for acronym in filter(None, (a.strip() for a in (r.get("organizations") or "").split(";"))):
            org = orgs.get(lookup._fold(acronym))
            if org is None:
                report.warning(label, where, f"{username}: organization {acronym!r} is not in the store; left out")
            else:
                add(person, ORG.memberOf, org)
        number = 0
        for status, status_iri in STATUS.items():
            for ref, level in parse_claims(r.get(status, "")):
                skill = skills.resolve(ref)
                if skill is None:
                    report.error(label, where, f"{status}: unknown skill {ref!r} (not a code, label or IRI of the "
                                 f"taxonomy)")
                    continue
                level = level if level is not None else "1"
                if not re.fullmatch(r"\d+", level) or not 1 <= int(level) <= 4:
                    report.error(label, where, f"{status}: level {level!r} of skill {ref!r} must be 1, 2, 3 or 4")
                    continue
                number += 1
                claim = URIRef(f"{person}#claim-{number}")
                add(person, MF.hasClaim, claim)
                add(claim, RDF.type, URIRef(MF.SkillClaim))
                add(claim, MF.skill, skill)
                add(claim, MF.level, typed(str(int(level)), XSD.integer))
                add(claim, MF.claimStatus, URIRef(status_iri))
        if len(report.errors) > errors_before:
            return False
        graphs[access].extend(out)
        if r.get("email"):
            graphs["private"].append((person, URIRef(SCHEMA.email), string(r["email"])))
        return needs_territories
