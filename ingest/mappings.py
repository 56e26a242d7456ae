"""Curated links between sources: which skills a training teaches, which skills a role requires.

``mappings``: YAML ``module-slug: [capacity codes or skill labels]`` -> ``schema:teaches`` on
the training. ``roles``: YAML ``role-key: {label: {lang: text}, requires: [codes]}`` ->
``org:Role`` ``/id/role/{key}`` with ``mf:requiresSkill``. An unknown skill is an error; a
training slug that is not in the store is a dangling reference, hence a warning.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import URIRef

from graph import SourceGraphs, sha256_checksum
from ontology import MF, ORG, RDF, SCHEMA, SKOS

from . import lookup
from .base import SCHEMA_TEXT, SCHEMA_TEXTS, ImportPlan, Importer, Report, check_record, lang_text, mint, slugify
from .yamlfile import load_with_lines

# a skill reference is a code, a label or an IRI: one, or a list of them
SKILL_REFS = {"anyOf": [SCHEMA_TEXT, {"type": "array", "items": SCHEMA_TEXT}]}
ROLE = {"type": "object", "properties": {"label": SCHEMA_TEXTS, "requires": SKILL_REFS}}


def _skills(refs, skills: lookup.SkillIndex, report: Report, label: str, where: str, owner: str):
    out = []
    for ref in refs if isinstance(refs, list) else [refs]:
        found = skills.resolve(str(ref))
        if found is None:
            report.error(label, where, f"{owner}: unknown skill {ref!r} (not a code, label or IRI of the "
                         f"taxonomy; import the taxonomy first)")
        else:
            out.append(found)
    return out


class MappingsImporter(Importer):
    kind = "mappings"
    description = "training-capacities.yaml (module slug -> capacity codes) -> schema:teaches"

    def read(self, path: Path, store, options) -> ImportPlan:
        report = Report(self.kind, str(path))
        if path.is_dir():
            path = path / "training-capacities.yaml"
        data, lines, raw = load_with_lines(path, report)
        if data is None:
            return ImportPlan(report)
        if not isinstance(data, dict):
            report.error(path.name, "line 1", "expected a mapping of training slug -> list of skills")
            return ImportPlan(report)
        skills, trainings = lookup.SkillIndex(store), lookup.trainings(store)
        options["progress"].start(len(data))
        triples, origins = [], {}
        for slug, refs in data.items():
            options["progress"].advance()
            where = f"line {lines.get(str(slug), '?')}"
            if not check_record(refs, SKILL_REFS, report, path.name, where, f"training {slug!r}: "):
                continue
            found = _skills(refs or [], skills, report, path.name, where, f"training {slug!r}")
            if str(slug) not in trainings:
                report.warning(path.name, where, f"training {slug!r} is not in the store; mapping left out")
                continue
            training = trainings[str(slug)]
            origins[str(training)] = f"{path.name}, {where}"
            triples += [(training, URIRef(SCHEMA.teaches), skill) for skill in found]
        report.records = len(data)
        source = SourceGraphs(name=options.get("source", "mappings"), label=path.name, importer=self.importer_id,
                              checksum=sha256_checksum(raw), graphs={"public": triples}, origins=origins)
        return ImportPlan(report, [source])


class RolesImporter(Importer):
    kind = "roles"
    description = "roles.yaml (role -> labels and required capacity codes) -> org:Role"

    def read(self, path: Path, store, options) -> ImportPlan:
        report = Report(self.kind, str(path))
        if path.is_dir():
            path = path / "roles.yaml"
        data, lines, raw = load_with_lines(path, report)
        if data is None:
            return ImportPlan(report)
        if not isinstance(data, dict):
            report.error(path.name, "line 1", "expected a mapping of role key -> {label, requires}")
            return ImportPlan(report)
        skills = lookup.SkillIndex(store)
        options["progress"].start(len(data))
        triples, origins = [], {}
        for key, spec in data.items():
            options["progress"].advance()
            where = f"line {lines.get(str(key), '?')}"
            if not isinstance(spec, dict):
                report.error(path.name, where, f"role {key!r}: expected {{label: {{en: ...}}, requires: [...]}}")
                continue
            if not check_record(spec, ROLE, report, path.name, where, f"role {key!r}: "):
                continue
            role = mint(store, "role", slugify(key))
            origins[str(role)] = f"{path.name}, {where}"
            labels = spec.get("label") or {}
            if not isinstance(labels, dict):
                labels = {"en": labels}
            if not labels:
                report.error(path.name, where, f"role {key!r} has no label")
            triples.append((role, URIRef(RDF.type), URIRef(ORG.Role)))
            triples += [(role, URIRef(SKOS.prefLabel), lang_text(str(text), str(lang))) for lang, text in labels.items()]
            triples += [(role, URIRef(MF.requiresSkill), skill)
                        for skill in _skills(spec.get("requires") or [], skills, report, path.name, where, f"role {key!r}")]
        report.records = len(data)
        source = SourceGraphs(name=options.get("source", "roles"), label=path.name, importer=self.importer_id,
                              checksum=sha256_checksum(raw), graphs={"public": triples}, origins=origins)
        return ImportPlan(report, [source])
