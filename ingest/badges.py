"""Badge classes from YAML: a list of ``{slug, name{lang}, description{lang}, criteria, image,
skills[], training}`` (or ``{badges: [...]}``) -> ``mf:BadgeClass`` ``/id/badge/{slug}``.

``criteria`` may be a URL or a text; without it, the training's IRI is the criteria.
A relative ``image`` is resolved against the node's base URL. Unknown skills are errors;
a training that is not in the store is a dangling reference (a warning).
"""

from __future__ import annotations

import re
from pathlib import Path

from rdflib import Literal, URIRef

from graph import SourceGraphs, sha256_checksum
from ontology import MF, OBI, RDF, SCHEMA

from . import lookup
from .base import (SCHEMA_TEXT, SCHEMA_TEXTS, ImportPlan, Importer, Report, check_record, checked_iri, lang_text,
                   mint, string)
from .yamlfile import load_with_lines

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
BADGE = {"type": "object", "properties": {
    "slug": SCHEMA_TEXT, "name": SCHEMA_TEXTS, "description": SCHEMA_TEXTS, "criteria": SCHEMA_TEXT,
    "image": SCHEMA_TEXT, "training": SCHEMA_TEXT, "skills": {"type": ["array", "null"], "items": SCHEMA_TEXT}}}


def _texts(value) -> dict[str, str]:
    if not isinstance(value, (dict, type(None))):
        return {"en": str(value)}
    return {str(k): str(v) for k, v in (value or {}).items() if v}


class BadgesImporter(Importer):
    kind = "badges"
    description = "badge classes YAML (slug, name{lang}, description{lang}, criteria, image, skills[], training)"

    def read(self, path: Path, store, options) -> ImportPlan:
        report = Report(self.kind, str(path))
        data, lines, raw = load_with_lines(path, report)
        if data is None:
            return ImportPlan(report)
        if isinstance(data, dict) and isinstance(data.get("badges"), list):
            data, lines = data["badges"], {}
        if not isinstance(data, list):
            report.error(path.name, "line 1", "expected a list of badge classes")
            return ImportPlan(report)
        skills, trainings = lookup.SkillIndex(store), lookup.trainings(store)
        triples, origins, seen = [], {}, set()
        options["progress"].start(len(data))
        for index, spec in enumerate(data):
            options["progress"].advance()
            where = f"line {lines[index]}" if index in lines else f"record {index + 1}"
            if not isinstance(spec, dict):
                report.error(path.name, where, "a badge class is a mapping with slug, name, ...")
                continue
            slug = str(spec.get("slug") or "")
            if not check_record(spec, BADGE, report, path.name, where, f"badge {slug!r}: "):
                continue
            if not SLUG.fullmatch(slug):
                report.error(path.name, where, f"slug {slug!r} must be lower-case letters, digits and dashes")
                continue
            if slug in seen:
                report.error(path.name, where, f"badge {slug!r} is defined twice")
                continue
            seen.add(slug)
            badge = mint(store, "badge", slug)
            origins[str(badge)] = f"{path.name}, {where}"
            names = _texts(spec.get("name"))
            if not names:
                report.error(path.name, where, f"badge {slug!r} needs a name")
            triples += [(badge, URIRef(RDF.type), URIRef(MF.BadgeClass)), (badge, URIRef(MF.slug), string(slug))]
            triples += [(badge, URIRef(SCHEMA.name), lang_text(t, lang)) for lang, t in names.items()]
            triples += [(badge, URIRef(SCHEMA.description), lang_text(t, lang))
                        for lang, t in _texts(spec.get("description")).items()]
            training = None
            if spec.get("training"):
                training = trainings.get(str(spec["training"]))
                if training is None:
                    report.warning(path.name, where, f"badge {slug!r}: training {spec['training']!r} is not in "
                                   f"the store; left out")
                else:
                    triples.append((badge, URIRef(MF.forTraining), training))
            criteria = spec.get("criteria")
            if criteria:
                value = checked_iri(criteria, report, path.name, where, f"badge {slug!r}: criteria ") \
                    if re.match(r"https?://", str(criteria)) else Literal(str(criteria))
                if value is not None:
                    triples.append((badge, URIRef(OBI.criteria), value))
            elif training is not None:
                triples.append((badge, URIRef(OBI.criteria), training))
            else:
                report.error(path.name, where, f"badge {slug!r} needs criteria (a URL or text) or a training")
            if spec.get("image"):
                image = str(spec["image"])
                if not re.match(r"https?://", image):
                    image = f"{store.base_url}/{image.lstrip('/')}"
                image_iri = checked_iri(image, report, path.name, where, f"badge {slug!r}: image ")
                if image_iri is not None:
                    triples.append((badge, URIRef(SCHEMA.image), image_iri))
            for ref in spec.get("skills") or []:
                skill = skills.resolve(str(ref))
                if skill is None:
                    report.error(path.name, where, f"badge {slug!r}: unknown skill {ref!r}")
                else:
                    triples.append((badge, URIRef(MF.alignedSkill), skill))
        report.records = len(seen)
        source = SourceGraphs(name=options.get("source", "badges"), label=path.name, importer=self.importer_id,
                              checksum=sha256_checksum(raw), graphs={"public": triples}, origins=origins)
        return ImportPlan(report, [source])
