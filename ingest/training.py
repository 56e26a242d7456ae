"""WikiEduDashboard / Programs & Events Dashboard training content (YAML).

Layout (under PATH, searched recursively for a folder holding ``modules/`` and ``slides/``)::

    libraries/*.yml    name, introduction, categories[title, description, modules[slug]]
    modules/**/*.yml   name, description, estimated_ttc, slides[slug], kind, status, translations
    slides/**/*.yml    title, summary, content (HTML/Markdown), assessment (quiz), translations

What it becomes:

- a slide -> ``mf:LearningResource`` ``/id/asset/{slide}``: titles, summary and body as
  plain text in every language (inline ``translations``), its quiz as ``schema:Question``
  with ``schema:Answer`` nodes (text, explanation, which one is accepted);
- a module -> ``mf:Training`` ``/id/training/{module}`` with ``schema:timeRequired`` (the
  upper bound of ``estimated_ttc``) and, when it has slides, ``mf:material`` an
  ``mf:LearningPack`` ``/id/pack/{module}`` of its slides in order;
- a library and each of its categories -> learning packs of module packs.

Modules that no library lists are imported too. A module listing a slide that does not
exist is a warning (the slide is left out of the pack). Every file is read, and each record
checked against its schema (:data:`SLIDE`, :data:`MODULE`, :data:`LIBRARY`) before it is used,
so one run reports every broken file with its line (issue 11, item 14).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from rdflib import URIRef

from graph import SourceGraphs
from ontology import DCT, MF, RDF, SCHEMA, XSD

from .base import (SCHEMA_LANGUAGE, SCHEMA_SLUG, SCHEMA_SLUG_PATTERN, SCHEMA_TEXT, ImportPlan, Importer, Report,
                   lang_text, mint, slugify, string, typed)
from .text import html_to_text, markdown_to_text
from .yamlfile import YamlDocument, load_document

SOURCE = "training"
LICENSE = "https://creativecommons.org/licenses/by-sa/3.0/"


def find_root(path: Path) -> Path | None:
    """The folder that holds ``modules/`` and ``slides/`` (PATH itself or below it)."""
    if (path / "modules").is_dir() and (path / "slides").is_dir():
        return path
    for modules in sorted(path.rglob("modules")):
        if modules.is_dir() and (modules.parent / "slides").is_dir():
            return modules.parent
    return None


# -- what a record may hold (JSON Schema, checked by graph.jsoncheck; every mismatch is reported) --

SLUG_PATTERN, _TEXT, _SLUG = SCHEMA_SLUG_PATTERN, SCHEMA_TEXT, SCHEMA_SLUG
_REF = {"anyOf": [_SLUG, {"type": "object", "properties": {"slug": _SLUG}, "required": ["slug"]}]}
_ASSESSMENT = {"type": ["object", "null"], "properties": {
    "question": _TEXT,
    "answers": {"type": ["array", "null"], "items": {"type": "object", "properties": {
        "id": {"type": ["integer", "string"], "pattern": SLUG_PATTERN}, "text": _TEXT, "explanation": _TEXT}}}}}


def _translated(fields: dict) -> dict:
    """A record schema whose ``translations`` map language codes to the same fields."""
    return {"type": "object", "properties": {
        **fields,
        "translations": {"type": ["object", "null"], "propertyNames": SCHEMA_LANGUAGE,
                         "additionalProperties": {"type": ["object", "null"], "properties": fields}}}}


SLIDE = _translated({"slug": _SLUG, "title": _TEXT, "summary": _TEXT, "content": _TEXT, "assessment": _ASSESSMENT})
MODULE = _translated({"slug": _SLUG, "name": _TEXT, "description": _TEXT, "kind": _TEXT, "status": _TEXT,
                      "slides": {"type": ["array", "null"], "items": _REF}})
LIBRARY = _translated({"slug": _SLUG, "name": _TEXT, "introduction": _TEXT, "categories": {
    "type": ["array", "null"], "items": {"type": "object", "properties": {
        "slug": _SLUG, "title": _TEXT, "description": _TEXT,
        "modules": {"type": ["array", "null"], "items": _REF}}}}})


def load_record(file: Path, rel: str, schema: dict, what: str, report: Report, digest) -> YamlDocument | None:
    """One YAML record, checked against its schema; every problem is reported with the file and
    line, and None returned so the record is left out (the rest of the files are still read)."""
    doc = load_document(file, report, rel)
    if doc is None:
        return None
    digest.update(rel.encode() + b"\0" + doc.raw)
    if not isinstance(doc.data, dict):
        report.error(rel, "line 1", f"expected a mapping of fields ({what})")
        return None
    return doc if doc.check(schema, report) else None


def duration(text) -> str | None:
    """``"10-20 minutes"`` -> ``PT20M``; ``"1 hour"`` -> ``PT1H``; None when unreadable."""
    m = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+))?\s*(minutes?|mins?|m|hours?|h)\s*", str(text or ""), re.I)
    if not m:
        return None
    value = int(m.group(2) or m.group(1))
    return f"PT{value}H" if m.group(3).lower().startswith("h") else f"PT{value}M"


def _line_of(text: str, needle: str) -> int | None:
    for number, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return number
    return None


def _texts(data: dict, key: str, base_lang: str, plain=lambda s: str(s).strip()) -> dict[str, str]:
    """The field in the base language and in every inline translation, as plain text."""
    out = {}
    if data.get(key):
        out[base_lang] = plain(data[key])
    for lang, fields in (data.get("translations") or {}).items():
        if isinstance(fields, dict) and fields.get(key):
            out[str(lang)] = plain(fields[key])
    return {lang: text for lang, text in out.items() if text}


class _Builder:
    def __init__(self, store, rel_root: str):
        self.store = store
        self.triples: list[tuple] = []
        self.origins: dict[str, str] = {}
        self.rel_root = rel_root

    def add(self, s, p, o):
        self.triples.append((s, URIRef(p), o))

    def typed_node(self, node, cls, origin):
        self.add(node, RDF.type, URIRef(cls))
        self.origins[str(node)] = origin

    def lang(self, node, prop, texts: dict[str, str]):
        for lang, text in texts.items():
            self.add(node, prop, lang_text(text, lang))

    def languages(self, node, langs):
        for lang in sorted(langs):
            self.add(node, DCT.language, typed(lang, XSD.language))


class TrainingImporter(Importer):
    kind = "training"
    description = "WikiEduDashboard training content (libraries/modules/slides YAML) -> trainings and assets"

    def read(self, path: Path, store, options) -> ImportPlan:
        report = Report(self.kind, str(path))
        root = find_root(path) if path.is_dir() else None
        if root is None:
            report.error(path.name, None, "no training content here: expected a folder with modules/ and slides/")
            return ImportPlan(report)
        base_lang = options.get("language", "en")
        files = {kind: sorted((root / kind).rglob("*.yml")) + sorted((root / kind).rglob("*.yaml"))
                 for kind in ("libraries", "modules", "slides")}
        progress = options["progress"]
        progress.start(sum(len(v) for v in files.values()))
        digest = hashlib.sha256()
        rel = lambda f: f.relative_to(root).as_posix()  # noqa: E731
        b = _Builder(store, root.name)

        slides = {}
        for f in files["slides"]:
            progress.advance()
            doc = load_record(f, rel(f), SLIDE, "title, content, ...", report, digest)
            slug = _record_slug(doc, re.sub(r"^\d+-", "", f.stem), "slide", report)
            if slug is None:
                continue
            if slug in slides:
                report.error(rel(f), "line 1", f"slide {slug!r} is also defined in {slides[slug][0]}")
                continue
            slides[slug] = (rel(f), doc.data)
        modules = {}
        for f in files["modules"]:
            progress.advance()
            doc = load_record(f, rel(f), MODULE, "name, slides, ...", report, digest)
            slug = _record_slug(doc, f.stem, "module", report)
            if slug is None:
                continue
            if slug in modules:
                report.error(rel(f), "line 1", f"module {slug!r} is also defined in {modules[slug][0]}")
                continue
            modules[slug] = (rel(f), doc.data, doc.raw.decode("utf-8"))
        libraries = []
        for f in files["libraries"]:
            progress.advance()
            doc = load_record(f, rel(f), LIBRARY, "name, categories, ...", report, digest)
            if doc is not None:
                libraries.append((rel(f), doc.data, doc.raw.decode("utf-8"), f.stem))

        for slug, (file, data) in slides.items():
            self._slide(b, slug, file, data, base_lang, report)
        packs = {}
        for slug, (file, data, text) in modules.items():
            if self._module(b, slug, file, data, text, slides, base_lang, report):
                packs[slug] = mint(store, "pack", slug)
        for file, data, text, stem in libraries:
            self._library(b, file, data, text, stem, modules, packs, base_lang, report)
        report.records = len(slides) + len(modules) + len(libraries)
        source = SourceGraphs(name=options.get("source", SOURCE), label=root.parent.name if root.parent != root
                              else root.name, importer=self.importer_id, checksum="sha256:" + digest.hexdigest(),
                              graphs={"public": b.triples}, origins=b.origins)
        if path.is_dir() and path.name != root.name:
            source.label = path.name
        return ImportPlan(report, [source])

    # -- records --------------------------------------------------------------------------

    def _slide(self, b: _Builder, slug, file, data, base_lang, report):
        node = mint(b.store, "asset", slug)
        b.typed_node(node, MF.LearningResource, f"{file}, line 1")
        titles = _texts(data, "title", base_lang)
        if base_lang not in titles:
            titles[base_lang] = slug.replace("-", " ").capitalize()
        b.lang(node, DCT.title, titles)
        b.lang(node, DCT.description, _texts(data, "summary", base_lang, lambda s: markdown_to_text(str(s))))
        bodies = _texts(data, "content", base_lang, lambda s: html_to_text(str(s)))
        b.lang(node, MF.body, bodies)
        b.languages(node, set(titles) | set(bodies))
        b.add(node, MF.slug, string(slug))
        b.add(node, DCT.license, URIRef(LICENSE))
        b.add(node, DCT["format"], string("text/html"))
        if re.search(r"<iframe|youtube|vimeo", str(data.get("content") or ""), re.I):
            b.add(node, SCHEMA.learningResourceType, string("video"))
        if data.get("assessment"):  # a mapping (the schema says so)
            self._quiz(b, node, data["assessment"], data, base_lang)

    def _quiz(self, b: _Builder, slide, quiz: dict, data: dict, base_lang):
        question = URIRef(f"{slide}#quiz")
        b.add(slide, SCHEMA.hasPart, question)
        b.add(question, RDF.type, URIRef(SCHEMA.Question))
        versions = {base_lang: quiz}
        for lang, fields in (data.get("translations") or {}).items():
            if isinstance(fields, dict) and isinstance(fields.get("assessment"), dict):
                versions[str(lang)] = fields["assessment"]
        for lang, version in versions.items():
            if version.get("question"):
                b.add(question, SCHEMA.text, lang_text(markdown_to_text(str(version["question"])), lang))
        correct = quiz.get("correct_answer_id")
        for position, answer in enumerate(quiz.get("answers") or [], 1):
            if not isinstance(answer, dict):
                continue
            answer_id = answer.get("id", position)
            node = URIRef(f"{slide}#answer-{answer_id}")
            b.add(node, RDF.type, URIRef(SCHEMA.Answer))
            b.add(node, SCHEMA.position, typed(str(position), XSD.integer))
            b.add(question, SCHEMA.acceptedAnswer if answer_id == correct else SCHEMA.suggestedAnswer, node)
            for lang, version in versions.items():
                match = [a for a in version.get("answers") or [] if isinstance(a, dict) and a.get("id") == answer_id]
                if match and match[0].get("text"):
                    b.add(node, SCHEMA.text, lang_text(markdown_to_text(str(match[0]["text"])), lang))
                if match and match[0].get("explanation"):
                    b.add(node, SCHEMA.comment, lang_text(markdown_to_text(str(match[0]["explanation"])), lang))

    def _module(self, b: _Builder, slug, file, data, text, slides, base_lang, report) -> bool:
        training = mint(b.store, "training", slug)
        b.typed_node(training, MF.Training, f"{file}, line 1")
        b.add(training, MF.slug, string(slug))
        titles = _texts(data, "name", base_lang) or {base_lang: slug.replace("-", " ").capitalize()}
        descriptions = _texts(data, "description", base_lang, lambda s: markdown_to_text(str(s)))
        b.lang(training, DCT.title, titles)
        b.lang(training, DCT.description, descriptions)
        if data.get("kind"):
            b.add(training, SCHEMA.learningResourceType, string(str(data["kind"])))
        time_required = None
        if data.get("estimated_ttc"):
            time_required = duration(data["estimated_ttc"])
            if time_required is None:
                report.warning(file, _where(text, "estimated_ttc"),
                               f"cannot read the estimated time {data['estimated_ttc']!r} (e.g. '15 minutes')")
            else:
                b.add(training, SCHEMA.timeRequired, typed(time_required, XSD.duration))
        items = []
        for entry in data.get("slides") or []:
            slide_slug = str(entry.get("slug") if isinstance(entry, dict) else entry)
            if slide_slug in slides:
                items.append(slide_slug)
            else:
                report.warning(file, _where(text, f"slug: {slide_slug}"),
                               f"module {slug!r} lists slide {slide_slug!r}, which does not exist; left out")
        if not items:
            return False
        pack = mint(b.store, "pack", slug)
        b.add(training, MF.material, pack)
        b.typed_node(pack, MF.LearningPack, f"{file}, line 1")
        b.lang(pack, DCT.title, titles)
        b.lang(pack, DCT.description, descriptions)
        langs = set(titles)
        for slide_slug in items:
            langs |= set(_texts(slides[slide_slug][1], "title", base_lang))
        b.languages(pack, langs | {base_lang})
        b.add(pack, MF.slug, string(slug))
        if time_required:
            b.add(pack, SCHEMA.timeRequired, typed(time_required, XSD.duration))
        if str(data.get("status", "")).lower() == "deprecated":
            b.add(pack, MF.qualityStatus, URIRef(MF.Outdated))
        self._items(b, pack, [mint(b.store, "asset", s) for s in items])
        return True

    def _items(self, b: _Builder, pack, targets):
        for position, target in enumerate(targets, 1):
            item = URIRef(f"{pack}#{position}")
            b.add(pack, MF.hasItem, item)
            b.add(item, RDF.type, URIRef(MF.PackItem))
            b.add(item, SCHEMA.position, typed(str(position), XSD.integer))
            b.add(item, MF.item, target)

    def _library(self, b: _Builder, file, data, text, stem, modules, packs, base_lang, report):
        slug = slugify(data.get("slug") or stem)
        library = mint(b.store, "pack", f"library-{slug}")
        category_packs = []
        for index, category in enumerate(data.get("categories") or [], 1):
            if not isinstance(category, dict):
                continue
            targets = []
            for entry in category.get("modules") or []:
                module_slug = str(entry.get("slug") if isinstance(entry, dict) else entry)
                if module_slug not in modules:
                    report.warning(file, _where(text, f"slug: {module_slug}"),
                                   f"library {slug!r} lists module {module_slug!r}, which does not exist; left out")
                elif module_slug in packs:
                    targets.append(packs[module_slug])
            if not targets:
                continue
            cat_slug = slugify(category.get("slug") or category.get("title") or f"category-{index}")
            cat = mint(b.store, "pack", f"library-{slug}--{cat_slug}")
            b.typed_node(cat, MF.LearningPack, f"{file}, {_where(text, str(category.get('title', '')))}")
            titles = _texts(category, "title", base_lang) or {base_lang: cat_slug}
            b.lang(cat, DCT.title, titles)
            b.lang(cat, DCT.description, _texts(category, "description", base_lang, lambda s: markdown_to_text(str(s))))
            b.languages(cat, set(titles))
            self._items(b, cat, targets)
            category_packs.append(cat)
        if not category_packs:
            return
        b.typed_node(library, MF.LearningPack, f"{file}, line 1")
        titles = _texts(data, "name", base_lang) or {base_lang: stem}
        b.lang(library, DCT.title, titles)
        b.lang(library, DCT.description, _texts(data, "introduction", base_lang, lambda s: markdown_to_text(str(s))))
        b.languages(library, set(titles))
        b.add(library, MF.slug, string(f"library-{slug}"))
        self._items(b, library, category_packs)


def _record_slug(doc: YamlDocument | None, default: str, kind: str, report: Report) -> str | None:
    """The record's slug (its ``slug`` field, else one made from the file name), when it can be
    part of an IRI; None (reported) when it cannot, or when the record was left out."""
    if doc is None:
        return None
    slug = str(doc.data.get("slug") or default)
    if not re.fullmatch(SLUG_PATTERN, slug):
        named = "slug" in doc.data
        report.error(doc.label, doc.where("slug") if named else "line 1",
                     f"{kind} slug {slug!r}{'' if named else ' (from the file name)'} must be letters, digits, "
                     f"'.', '-' or '_'")
        return None
    return slug


def _where(text: str, needle: str) -> str | None:
    line = _line_of(text, needle) if needle else None
    return f"line {line}" if line else None

