"""Importers by kind, and the one function that runs an import.

Third-party importers register through the ``maarifa.importers`` entry-point group (the
entry point names a subclass of :class:`ingest.base.Importer`, or a callable returning an
instance) or by calling :func:`register` directly. The built-ins go through the same
:func:`register` call, so nothing distinguishes them.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path
from typing import Any, Callable

from graph import MaarifaError, SourceGraphs, ValidationFailed

from .base import ImportFailed, Importer, ImportPlan, Progress, Report, Timer
from .limits import InputTooLarge, Limits, check_size

ENTRY_POINT_GROUP = "maarifa.importers"

_REGISTRY: dict[str, Importer] = {}
_UNAVAILABLE: dict[str, str] = {}
_loaded = False

BUILTINS = [
    "ingest.territories:TerritoriesImporter",
    "ingest.taxonomy:TaxonomyImporter",
    "ingest.orgs:OrgsImporter",
    "ingest.training:TrainingImporter",
    "ingest.mappings:MappingsImporter",
    "ingest.mappings:RolesImporter",
    "ingest.people:PeopleImporter",
    "ingest.completions:CompletionsImporter",
    "ingest.badges:BadgesImporter",
    "ingest.mediawiki:MediaWikiImporter",
    "ingest.rdf:RdfImporter",
]


class UnknownKind(MaarifaError):
    def __init__(self, kind: str):
        super().__init__(f"unknown import kind {kind!r}; known: {', '.join(kinds())}")


def register(importer: Importer | type[Importer], *, replace: bool = False) -> Importer:
    """Make an importer available under its ``kind`` (instances or classes are accepted)."""
    if isinstance(importer, type):
        importer = importer()
    if not importer.kind:
        raise ValueError(f"{importer!r} has no kind")
    if importer.kind in _REGISTRY and not replace and type(_REGISTRY[importer.kind]) is not type(importer):
        raise ValueError(f"an importer of kind {importer.kind!r} is already registered")
    _REGISTRY[importer.kind] = importer
    return importer


def _load_target(target) -> Importer:
    obj = target() if callable(target) and not isinstance(target, Importer) else target
    return obj


def _ensure_loaded() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for spec in BUILTINS:
        module, _, name = spec.partition(":")
        try:
            register(getattr(__import__(module, fromlist=[name]), name))
        except ModuleNotFoundError as exc:  # a built-in whose optional dependency is missing
            if exc.name == module:
                raise
            _UNAVAILABLE[spec] = str(exc)
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in _REGISTRY:
            continue  # the built-ins are also declared as entry points once packaged
        register(_load_target(ep.load()))


def get(kind: str) -> Importer:
    _ensure_loaded()
    try:
        return _REGISTRY[kind]
    except KeyError:
        raise UnknownKind(kind) from None


def kinds() -> list[str]:
    _ensure_loaded()
    return sorted(_REGISTRY)


def run_import(store, kind: str, path: Path | str, *, dry_run: bool = False, strict: bool = False,
               options: dict[str, Any] | None = None,
               progress: Callable[[int, int | None], None] | None = None) -> Report:
    """Read a source, check it, and (unless ``dry_run``) replace its graphs in the store.

    Errors (and, with ``strict``, warnings) raise :class:`ImportFailed` listing every one;
    nothing is written. Violations of the shapes are reported the same way, located by the
    importer's origins (file and line/row).
    """
    importer = get(kind)
    timer = Timer()
    path = Path(path)
    opts = dict(options or {})
    opts["progress"] = Progress(progress)
    if not path.exists() and not getattr(importer, "path_optional", False):
        report = Report(kind, str(path), dry_run=dry_run)
        report.error(path.name, None, "no such file or directory")
        raise ImportFailed(report)
    if importer.reads_whole and path.exists():
        try:
            check_size(path, Limits.of(opts))
        except InputTooLarge as exc:
            report = Report(kind, str(path), dry_run=dry_run)
            report.error(path.name, None, exc.reason)
            raise ImportFailed(report) from None
    plan = importer.read(path, store, opts)
    report = plan.report
    report.dry_run = dry_run
    if strict:
        for w in report.warnings:
            report.error(w.file, w.where, f"{w.message} (a warning, an error with --strict)")
        report.issues = [i for i in report.issues if i.severity == "error"]
    if report.errors:
        report.seconds = timer.elapsed
        raise ImportFailed(report)
    try:
        _write(store, plan, dry_run)
    except ValidationFailed as failed:
        for v in failed.violations:
            file, _, where = (v.origin or Path(path).name).partition(", ")
            text = str(_strip_origin(v))
            report.error(file, where or None, text)
        report.seconds = timer.elapsed
        raise ImportFailed(report) from None
    report.seconds = timer.elapsed
    return report


def _strip_origin(v):
    return v.__class__(v.node, v.path, v.message, v.value, None, v.severity)


def _write(store, plan: ImportPlan, dry_run: bool) -> None:
    report = plan.report
    pending: list[SourceGraphs] = []  # prerequisites not yet in the store during a dry run
    for source in plan.sources:
        parsed = plan.parsed.get(source.name)
        if dry_run and pending and parsed is None:
            merged = _merged(source, pending)
            before = sum(r["added"] for r in report.results if r["name"] in {p.name for p in pending})
            result = store.replace_source(merged, dry_run=True)
            result.added -= before
        elif parsed is not None:
            result = store.replace_source_parsed(source, parsed, dry_run=dry_run)
        else:
            result = store.replace_source(source, dry_run=dry_run)
        if dry_run and source.name in plan.prerequisites and (result.added or result.removed):
            pending.append(source)
        report.results.append({"name": source.name, "added": result.added, "removed": result.removed,
                               "unchanged": result.unchanged, "changed": result.seq is not None,
                               "seq": result.seq})


def _merged(source: SourceGraphs, pending: list[SourceGraphs]) -> SourceGraphs:
    graphs = {a: list(ts) for a, ts in source.graphs.items()}
    for p in pending:
        for a, ts in p.graphs.items():
            graphs.setdefault(a, []).extend(ts)
    return SourceGraphs(name=source.name, label=source.label, importer=source.importer, checksum=source.checksum,
                        graphs=graphs, origins={**source.origins})
