"""The graph store: an on-disk Oxigraph store behind a handful of methods.

Nothing outside ``graph/`` touches pyoxigraph. Writes go through :meth:`GraphStore.apply`
(a small change, one transaction) or :meth:`GraphStore.replace_source` (a whole source,
staged in fresh graphs and switched in with one small transaction). Both validate the
nodes they touch against the shapes *before* anything becomes visible, and both append
an entry to the change feed in the same transaction as the data.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import json
import os
import shutil
import threading
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import pyoxigraph as ox
from rdflib import Graph
from rdflib.term import Node

from ontology import MF, PREFIXES, RDF
from shapes import class_hierarchy, load_shapes

from .catalog import (ACCESS_BY_IRI, CATALOG_GRAPH, CATALOG_QUERY, FEED_GRAPH, SYSTEM_PREFIX, GraphRecord,
                      graph_source_key)
from .changes import ACCESS_LEVELS, Change, SourceGraphs, Triple
from .errors import GraphTaken, MaarifaError, StoreMissing, StoreUnwritable, ValidationFailed, Violation
from .feed import ChangeFeed
from .lock import ProcessLock
from .node import NODE_GRAPH, settle_base_url
from .storedir import STAGING_DIR, STORE_DIR, copy_live_quads, recover_swap, staging_dir, swap_in
from .terms import from_ox, named, to_ox
from .affected import SUBCLASS_OF, ChangeSummary, StoreState, affected_nodes
from .validation import ClassHierarchy, View, make_validator

GENID = "/.well-known/genid/"
TYPE = named(RDF.type)
DEFAULT_MAX_LITERAL = 1_000_000


@dataclass
class CommitResult:
    seq: int | None
    added: int
    removed: int
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return self.seq is not None


def now_xsd() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


class GraphStore:
    """One Oxigraph store, its catalog of active graphs and its change feed."""

    def __init__(self, store: ox.Store, *, base_url: str, path: Path | None = None,
                 lock: ProcessLock | None = None, max_literal: int = DEFAULT_MAX_LITERAL,
                 shapes: Graph | None = None):
        self._store = store
        self.path = path
        self._lock = lock
        self.max_literal = max_literal
        self._write_lock = threading.RLock()
        # the store is the authority on its base URL: another one is refused before anything is written
        self.base_url, self.base_url_adopted = settle_base_url(
            store, base_url.rstrip("/"), where=path.parent if path else "(in memory)")
        # ``shapes`` replaces the project's shapes (tests of the validator use their own)
        self.shapes = load_shapes() if shapes is None else shapes
        self.hierarchy = ClassHierarchy(class_hierarchy(self.shapes))
        self.validator = make_validator(self.shapes, self.hierarchy)
        self.feed = ChangeFeed(store, self._write_lock)
        self._records: dict[str, GraphRecord] = {}
        self._counts: dict[tuple, int] = {}  # (feed head, access levels) -> statements
        self._reload_catalog()
        self._drop_orphans()

    # -- opening ------------------------------------------------------------------------

    @classmethod
    def open(cls, data_dir: Path, *, base_url: str, create: bool = False, command: str | None = None,
             **options) -> "GraphStore":
        data_dir = Path(data_dir)
        if not data_dir.is_dir():
            if not create:
                raise StoreMissing(data_dir)
            try:
                data_dir.mkdir(parents=True)
            except OSError as exc:
                raise StoreUnwritable(data_dir, exc.strerror or str(exc)) from None
        if not os.access(data_dir, os.W_OK):
            raise StoreUnwritable(data_dir, "the directory is read-only")
        store_dir = data_dir / STORE_DIR
        # a swap a crash interrupted may have left the store under its staging name (storedir.py)
        if not (store_dir.exists() or (data_dir / STAGING_DIR).exists()) and not create:
            raise StoreMissing(data_dir)
        lock = ProcessLock(data_dir).acquire(command)
        try:
            recover_swap(data_dir)
            store = ox.Store(str(store_dir))
        except OSError as exc:
            lock.release()
            raise StoreUnwritable(data_dir, f"cannot open the store: {exc}") from None
        try:
            return cls(store, base_url=base_url, path=store_dir, lock=lock, **options)
        except MaarifaError as error:
            # RocksDB closes with its last reference: drop ours and the traceback's (its frames hold
            # the store) so that the store is closed before the lock is released
            store = None
            lock.release()
            raise error.with_traceback(None) from None

    @classmethod
    def in_memory(cls, base_url: str = "http://127.0.0.1:5000", **options) -> "GraphStore":
        return cls(ox.Store(), base_url=base_url, **options)

    def close(self) -> None:
        if self._store is not None:
            if self.path:
                self._store.flush()
            # RocksDB closes when the last reference to the store goes away
            self._store = self.feed._store = None
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- catalog ------------------------------------------------------------------------

    def logical_graph(self, source: str, access: str) -> str:
        return f"{self.base_url}/graph/{source}/{access}"

    def records(self) -> list[GraphRecord]:
        return sorted(self._records.values(), key=lambda r: r.logical)

    def record(self, logical: str) -> GraphRecord | None:
        return self._records.get(logical)

    def source_for_graph(self, graph_iri: str, importer: str) -> str:
        """The source key of a load into the named graph ``graph_iri`` by ``importer``.

        The catalog is asked first, so a re-load replaces exactly the source that holds the
        graph now, whatever key it was given (stores made before keys carried a hash keep
        theirs); a graph nobody holds gets :func:`graph_source_key`. A graph that another
        importer's source, or a source of several graphs, holds is refused: replacing the
        source would drop its other graphs too.
        """
        record = self._records.get(graph_iri)
        if record is None:
            return graph_source_key(graph_iri)
        shared = sum(1 for r in self._records.values() if r.source == record.source) > 1
        if record.importer != importer or shared:
            raise GraphTaken(graph_iri, record.source, record.importer)
        return record.source

    def active_graphs(self, access: Iterable[str] = ACCESS_LEVELS) -> list[str]:
        wanted = set(access)
        return [r.physical for r in self._records.values() if r.access in wanted]

    def _reload_catalog(self) -> None:
        records = {}
        for row in self._store.query(CATALOG_QUERY):
            record = GraphRecord(
                logical=row["logical"].value, physical=row["physical"].value, source=row["source"].value,
                label=row["label"].value, access=ACCESS_BY_IRI[row["access"].value],
                checksum=row["checksum"].value, generated_at=row["at"].value, importer=row["importer"].value,
            )
            records[record.logical] = record
        self._records = records

    def _drop_orphans(self) -> None:
        """Remove half-loaded or superseded data graphs: nothing active refers to them.

        Their catalog records stay (``mf:active false``) as the import history.
        """
        active = {r.physical for r in self._records.values()}
        for graph in list(self._store.named_graphs()):
            iri = graph.value if isinstance(graph, ox.NamedNode) else None
            if iri and not iri.startswith(SYSTEM_PREFIX) and iri not in active:
                self._store.remove_graph(graph)

    def _new_record(self, logical: str, source: str, access: str, label: str, checksum: str, importer: str) -> GraphRecord:
        version = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
        return GraphRecord(logical=logical, physical=f"{logical}/v/{version}", source=source, label=label,
                           access=access, checksum=checksum, generated_at=now_xsd(), importer=importer)

    # -- reads --------------------------------------------------------------------------

    def triples(self, s: Node | None = None, p: Node | None = None, o: Node | None = None,
                access: Iterable[str] = ACCESS_LEVELS) -> Iterator[Triple]:
        """Triples matching a pattern, in the active graphs of the given access levels."""
        graphs = set(self.active_graphs(access))
        pattern = [to_ox(t) if t is not None else None for t in (s, p, o)]
        for q in self._store.quads_for_pattern(*pattern, None):
            if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value in graphs:
                yield from_ox(q.subject), from_ox(q.predicate), from_ox(q.object)

    def select(self, sparql: str, access: Iterable[str] = ACCESS_LEVELS, **bindings) -> list[dict[str, Node]]:
        """A trusted SELECT over the union of the active graphs; rows as rdflib terms."""
        graphs = [named(g) for g in self.active_graphs(access)]
        if not graphs:
            return []
        substitutions = {ox.Variable(k): to_ox(v) for k, v in bindings.items()}
        solutions = self._store.query(sparql, default_graph=graphs, named_graphs=graphs,
                                      prefixes=PREFIXES, substitutions=substitutions or None)
        names = [v.value for v in solutions.variables]
        return [{n: from_ox(row[n]) for n in names if row[n] is not None} for row in solutions]

    def ask(self, sparql: str, access: Iterable[str] = ACCESS_LEVELS, **bindings) -> bool:
        graphs = [named(g) for g in self.active_graphs(access)]
        substitutions = {ox.Variable(k): to_ox(v) for k, v in bindings.items()}
        return bool(graphs) and bool(self._store.query(
            sparql, default_graph=graphs, named_graphs=graphs, prefixes=PREFIXES,
            substitutions=substitutions or None))

    def count(self, access: Iterable[str] = ACCESS_LEVELS) -> int:
        """Statements in the active graphs; counted once per committed change (every commit moves
        the feed head), not on every call: pages and /health ask for it on each request."""
        key = (self.feed.head, tuple(sorted(access)))
        if key not in self._counts:
            graphs = [named(g) for g in self.active_graphs(access)]
            rows = self._store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", default_graph=graphs) \
                if graphs else None
            self._counts = {k: v for k, v in self._counts.items() if k[0] == key[0]}
            self._counts[key] = int(next(iter(rows))["n"].value) if rows is not None else 0
        return self._counts[key]

    def dump(self, fmt: ox.RdfFormat, *, include_system: bool = False) -> bytes:
        """The active graphs (and, for backups, the system graphs) as TriG or N-Quads."""
        keep = {r.physical for r in self._records.values()}
        if include_system:
            keep |= {CATALOG_GRAPH, FEED_GRAPH, NODE_GRAPH}
        out = ox.Dataset()
        for g in sorted(keep):
            for q in self._store.quads_for_pattern(None, None, None, named(g)):
                out.add(q)
        return ox.serialize(out, format=fmt, prefixes=PREFIXES if fmt == ox.RdfFormat.TRIG else None)

    def graph_triples(self, logical: str) -> Iterator[tuple]:
        """The triples of one logical graph, as engine terms (for graph/ services)."""
        record = self._records.get(logical)
        if record is None:
            return iter(())
        return ((q.subject, q.predicate, q.object)
                for q in self._store.quads_for_pattern(None, None, None, named(record.physical)))

    def graph_ntriples(self, logical: str) -> bytes:
        """One logical graph as N-Triples, serialized by the engine (the fast way to copy it)."""
        record = self._records.get(logical)
        if record is None:
            return b""
        return self._store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=named(record.physical))

    def has_triple(self, logical: str, triple: tuple) -> bool:
        record = self._records.get(logical)
        return record is not None and ox.Quad(*triple, named(record.physical)) in self._store

    def solutions(self, sparql: str, *, default_graphs: list[str]) -> list[dict]:
        """A trusted SELECT over the given logical graphs as its default graph and no named
        graphs (so no graph name can show through); rows of engine terms by variable name."""
        graphs = [named(self._records[g].physical) for g in default_graphs if g in self._records]
        return solution_rows(self._store.query(sparql, default_graph=graphs or [ox.DefaultGraph()], named_graphs=[]))

    def raw_query(self, sparql: str):
        """For trusted in-process callers that need the engine's own result objects."""
        graphs = [named(g) for g in self.active_graphs()]
        return self._store.query(sparql, default_graph=graphs or [ox.DefaultGraph()], named_graphs=graphs,
                                 prefixes=PREFIXES)

    # -- writes -------------------------------------------------------------------------

    def skolemize(self, term):
        ox_term = term if isinstance(term, (ox.NamedNode, ox.Literal, ox.BlankNode)) else to_ox(term)
        if isinstance(ox_term, ox.BlankNode):
            return named(f"{self.base_url}{GENID}{ox_term.value}")
        return ox_term

    def _check_literals(self, triples: Iterable[tuple], origins: dict[str, str]) -> None:
        too_big = []
        for s, p, o in triples:
            if isinstance(o, ox.Literal) and len(o.value) > self.max_literal:
                too_big.append(Violation(s.value, p.value, f"a literal of {len(o.value):,} characters is larger "
                                         f"than the limit of {self.max_literal:,}", origin=origins.get(s.value)))
        if too_big:
            raise ValidationFailed(too_big)

    @contextmanager
    def exclusive(self):
        """Hold the write lock across a read and the write that depends on it (a counter, the next
        free number): no other thread of this process commits in between; other processes cannot
        write at all while this one holds the store. Re-entrant, so ``apply`` inside is fine."""
        with self._write_lock:
            yield self

    def apply(self, change: Change, *, source: str = "maarifa", importer: str = "maarifa.graph") -> CommitResult:
        """Validate and commit a small change in one transaction, with its feed entry."""
        if change.is_empty():
            return CommitResult(None, 0, 0)
        adds = {g: [tuple(self.skolemize(t) for t in tr) for tr in ts] for g, ts in change.add.items()}
        removes = {g: [tuple(self.skolemize(t) for t in tr) for tr in ts] for g, ts in change.remove.items()}
        self._check_literals((t for ts in adds.values() for t in ts), change.origins)
        with self._write_lock:
            unknown = sorted(change.drop - set(self._records))
            if unknown:
                raise MaarifaError(f"cannot drop <{unknown[0]}>: no such graph")
            records = {}
            for logical in change.graphs():
                records[logical] = self._records.get(logical) or self._new_record(
                    logical, source, change.access.get(logical) or _access_of(logical), source,
                    "sha256:" + "0" * 64, importer)
            effective_add, effective_remove = [], []
            for logical, ts in removes.items():
                g = named(records[logical].physical)
                effective_remove += [ox.Quad(s, p, o, g) for s, p, o in ts if ox.Quad(s, p, o, g) in self._store]
            removed_set = set(effective_remove)
            for logical, ts in adds.items():
                g = named(records[logical].physical)
                for s, p, o in ts:
                    q = ox.Quad(s, p, o, g)
                    if q in removed_set:
                        removed_set.discard(q)
                        effective_remove.remove(q)
                    elif q not in self._store:
                        effective_add.append(q)
            effective_add = list(dict.fromkeys(effective_add))
            # a graph comes into the catalog when something is added to it, or when it is created
            filled = {q.graph_name.value for q in effective_add}
            new_records = [r for logical, r in records.items() if logical not in self._records
                           and (logical in change.create or r.physical in filled)]
            dropped = [self._records[logical] for logical in sorted(change.drop)]
            if not effective_add and not effective_remove and not new_records and not dropped:
                return CommitResult(None, 0, 0)
            self._validate_change(effective_add, effective_remove, change.origins)
            catalog_quads = [_catalog_quad(t) for r in new_records for t in r.provenance()]
            catalog_quads += [ox.Quad(named(r.physical), named(MF.active), ox.Literal(True), named(CATALOG_GRAPH))
                              for r in new_records]
            switch_off = [ox.Quad(named(r.physical), named(MF.active), ox.Literal(True), named(CATALOG_GRAPH))
                          for r in dropped]
            catalog_quads += [ox.Quad(q.subject, q.predicate, ox.Literal(False), q.graph_name) for q in switch_off]
            payload = {
                "kind": "change",
                "graphs": sorted(change.graphs()),
                "add": _nquads(effective_add, self._records_by_physical(records)),
                "remove": _nquads(effective_remove, self._records_by_physical(records)),
                "note": change.note,
            }
            if new_records or dropped:
                payload["created"] = sorted(r.logical for r in new_records)
                payload["dropped"] = sorted(r.logical for r in dropped)
            seq = self.feed.next_seq()
            update = _update_text(
                delete=effective_remove + switch_off,
                insert=effective_add + catalog_quads + self.feed.entry_quads(seq, payload),
            )
            self._store.update(update)
            self.feed.committed(seq)
            for r in new_records:
                self._records[r.logical] = r
            for r in dropped:
                del self._records[r.logical]
        return CommitResult(seq, len(effective_add), len(effective_remove))

    @staticmethod
    def _records_by_physical(records: dict[str, GraphRecord]) -> dict[str, str]:
        return {r.physical: r.logical for r in records.values()}

    def replace_source(self, source: SourceGraphs, *, dry_run: bool = False) -> CommitResult:
        """Replace every graph of a source: validate, stage into fresh graphs, switch in one transaction."""
        staged = {access: [tuple(self.skolemize(t) for t in tr) for tr in triples]
                  for access, triples in source.graphs.items()}
        return self._replace(source, staged, dry_run=dry_run)

    def replace_source_parsed(self, source: SourceGraphs, parsed: dict[str, list[tuple]], *,
                              dry_run: bool = False, files: dict[str, list] | None = None) -> CommitResult:
        """As :meth:`replace_source`, for triples parsed by :func:`graph.rdfio.parse_file`.

        ``files`` (access level -> the :class:`graph.rdfio.ParsedFile` list the triples came
        from) lets the engine bulk-load those files itself, which is much faster than handing
        it the triples again; it is used when they hold no blank nodes to rename.
        """
        blank = False

        def skolemized(triple):
            nonlocal blank
            if isinstance(triple[0], ox.BlankNode) or isinstance(triple[2], ox.BlankNode):
                blank = True
                return tuple(self.skolemize(t) for t in triple)
            return triple
        staged = {access: [skolemized(t) for t in triples] for access, triples in parsed.items()}
        direct = None if blank or not files else {a: f for a, f in files.items() if all(x.bulk_loadable for x in f)}
        return self._replace(source, staged, dry_run=dry_run, direct=direct or None)

    def _replace(self, source: SourceGraphs, by_access: dict[str, list[tuple]], *, dry_run: bool,
                 direct: dict[str, list] | None = None) -> CommitResult:
        return self._replace_many([(source, by_access, direct)], dry_run=dry_run)[0]

    def replace_sources_together(self, batch: list[tuple[SourceGraphs, dict[str, list[tuple]]]], *,
                                 with_sources: Iterable[str] = ()) -> list[CommitResult]:
        """Replace several sources in one transaction, validated together as one dataset: the
        new graphs of ``batch`` plus the active graphs of the sources named in ``with_sources``,
        and nothing else of the store.

        This is how a peer's harvested graphs are checked (``graph/federation.py``): the way
        the peer itself checks them, where an award's badge class or a pack's items may live in
        another of its graphs, and without our own graphs changing the verdict. A violation
        anywhere in that union raises :class:`ValidationFailed`, and nothing is written.
        """
        held = tuple(with_sources)
        return self._replace_many([(source, graphs, None) for source, graphs in batch], dry_run=False,
                                  validate=lambda old, staged, origins: self._validate_dataset(old, staged, held,
                                                                                               origins))

    def _replace_many(self, batch: list[tuple[SourceGraphs, dict[str, list[tuple]], dict | None]], *,
                      dry_run: bool, validate=None) -> list[CommitResult]:
        """Replace each source of ``batch``: validate (``validate(old, staged, origins)``, by default
        each node against the rest of the store), stage into fresh graphs, switch in one transaction."""
        validate = validate or self._validate_replacement
        origins = {k: v for source, _, _ in batch for k, v in source.origins.items()}
        plans = []
        for source, by_access, direct in batch:
            access_of = {source.graph_iris.get(a) or self.logical_graph(source.name, a): a for a in by_access}
            staged = {logical: by_access[a] for logical, a in access_of.items()}
            for triples in staged.values():
                self._check_literals(triples, source.origins)
            plans.append((source, access_of, staged, direct))
        with self._write_lock:
            results: list[CommitResult | None] = [None] * len(plans)
            todo = []  # (position, source, access_of, staged, direct, old)
            for n, (source, access_of, staged, direct) in enumerate(plans):
                old = {r.logical: r for r in self._records.values() if r.source == source.name}
                unchanged = all(
                    logical in old and old[logical].checksum == source.checksum for logical in staged
                ) and set(old) == set(staged)
                if unchanged:
                    total = sum(sum(1 for _ in self._store.quads_for_pattern(None, None, None, named(r.physical)))
                                for r in old.values())
                    results[n] = CommitResult(None, 0, 0, unchanged=total)
                elif not old and not any(staged.values()):
                    results[n] = CommitResult(None, 0, 0)  # an empty source that never had data: nothing to record
                else:
                    todo.append((n, source, access_of, staged, direct, old))
            if not todo:
                return results
            all_old = {k: v for *_, old in todo for k, v in old.items()}
            all_staged = {k: v for _, _, _, staged, _, _ in todo for k, v in staged.items()}
            counts = {n: self._diff_counts(old, staged) for n, _, _, staged, _, old in todo}
            if dry_run:
                validate(all_old, all_staged, origins)
                return [results[n] or CommitResult(None, counts[n][0], counts[n][1], unchanged=counts[n][2])
                        for n in range(len(plans))]
            new_records = {
                logical: self._new_record(logical, source.name, access_of[logical], source.label,
                                          source.checksum, source.importer)
                for _, source, access_of, staged, _, _ in todo for logical in staged
            }
            # Staged graphs are invisible until the switch below, so the bulk load runs in a
            # thread (the engine releases the GIL) while the nodes are validated; a rejected
            # source has its staged graphs removed, and a crash leaves orphans that reopening drops.
            files = {new_records[logical].physical: direct[access]
                     for _, _, access_of, _, direct, _ in todo
                     for logical, access in access_of.items() if direct and access in direct}
            loader = _StagedLoad(self._store, {new_records[k].physical: v for k, v in all_staged.items()}, files)
            try:
                validate(all_old, all_staged, origins)
            except BaseException:
                loader.discard()
                raise
            loader.finish()
            seq = self.feed.next_seq()
            entries, switch_off, switch_on = [], [], []
            for n, source, _access_of, staged, _, old in todo:
                records = {logical: new_records[logical] for logical in staged}
                entries += self.feed.entry_quads(seq, {
                    "kind": "replace",
                    "source": source.name,
                    "graphs": {logical: r.physical for logical, r in records.items()},
                    "dropped": sorted(set(old) - set(staged)),
                    "removed_subjects": self._removed_subjects(old, staged),
                })
                off = [ox.Quad(named(r.physical), named(MF.active), ox.Literal(True), named(CATALOG_GRAPH))
                       for r in old.values()]
                switch_off += off
                switch_on += [_catalog_quad(t) for r in records.values() for t in r.provenance()]
                switch_on += [ox.Quad(named(r.physical), named(MF.active), ox.Literal(True), named(CATALOG_GRAPH))
                              for r in records.values()]
                switch_on += [ox.Quad(q.subject, q.predicate, ox.Literal(False), q.graph_name) for q in off]
                results[n] = CommitResult(seq, counts[n][0], counts[n][1], unchanged=counts[n][2])
                seq += 1
            self._store.update(_update_text(delete=switch_off, insert=switch_on + entries))
            self.feed.committed(seq - 1)
            self._records = {k: v for k, v in self._records.items() if k not in all_old}
            self._records.update(new_records)
            self._drop_orphans()
        return results

    def _diff_counts(self, old: dict[str, GraphRecord], staged: dict[str, list[tuple]]) -> tuple[int, int, int]:
        if not old:
            return sum(len(set(triples)) for triples in staged.values()), 0, 0
        old_set = {(logical, q.subject, q.predicate, q.object)
                   for logical, r in old.items()
                   for q in self._store.quads_for_pattern(None, None, None, named(r.physical))}
        new_set = {(logical, *t) for logical, triples in staged.items() for t in triples}
        same = len(old_set & new_set)
        return len(new_set) - same, len(old_set) - same, same

    def _removed_subjects(self, old: dict[str, GraphRecord], staged: dict[str, list[tuple]]) -> list[str]:
        if not old:
            return []
        new_subjects = {t[0].value for triples in staged.values() for t in triples if isinstance(t[0], ox.NamedNode)}
        gone = set()
        for r in old.values():
            for q in self._store.quads_for_pattern(None, TYPE, None, named(r.physical)):
                if isinstance(q.subject, ox.NamedNode) and q.subject.value not in new_subjects:
                    gone.add(q.subject.value)
        return sorted(gone)

    # -- validation ----------------------------------------------------------------------

    def _validate_change(self, add: list[ox.Quad], remove: list[ox.Quad], origins: dict[str, str]) -> None:
        added: dict[str, list] = {}
        summary = ChangeSummary()
        for q in add:
            added.setdefault(q.subject.value, []).append((q.predicate, q.object))
            summary.triple(q.subject, q.predicate, q.object, added=True)
        for q in remove:
            summary.triple(q.subject, q.predicate, q.object, added=False)
        removed = set((q.subject, q.predicate, q.object, q.graph_name) for q in remove)
        # graphs created by this very change are not active yet
        graphs = set(self.active_graphs()) | {q.graph_name.value for q in add}
        state = StoreState(self._store, graphs, added, removed)
        self._run_validation(affected_nodes(summary, self.validator, state), state, origins)

    def _validate_replacement(self, old: dict[str, GraphRecord], staged: dict[str, list[tuple]],
                              origins: dict[str, str]) -> None:
        replaced = {r.physical for r in old.values()}
        by_subject: dict[str, list[tuple]] = {}
        summary = ChangeSummary()
        for triples in staged.values():
            for s, p, o in triples:
                by_subject.setdefault(s.value, []).append((p, o))
                if p == SUBCLASS_OF:
                    summary.subclasses.add(s.value)
        summary.subjects = {named(s) for s in by_subject}
        if self.validator.reach.types_under_negation:
            summary.gained_type = {named(s) for s, pairs in by_subject.items() if any(p == TYPE for p, _ in pairs)}
        if self.validator.object_target_predicates or self.validator.reach.inverse:
            for triples in staged.values():
                for _s, p, o in triples:
                    summary.objects.setdefault(p.value, set()).add(o)
        old_types: dict = {}
        for r in old.values():
            for q in self._store.quads_for_pattern(None, None, None, named(r.physical)):
                summary.triple(q.subject, q.predicate, q.object, added=False)
                if q.predicate == TYPE:
                    old_types.setdefault(q.subject, set()).add(q.object)
        # a type kept by the new version of the source is not lost
        summary.lost_type = {s for s, types in old_types.items()
                             if not types <= {o for p, o in by_subject.get(s.value, ()) if p == TYPE}}
        state = StoreState(self._store, set(self.active_graphs()) - replaced, by_subject)
        self._run_validation(affected_nodes(summary, self.validator, state), state, origins)

    def _validate_dataset(self, old: dict[str, GraphRecord], staged: dict[str, list[tuple]],
                          held_sources: tuple[str, ...], origins: dict[str, str]) -> None:
        """Validate the staged graphs and the active graphs of ``held_sources`` as one closed
        dataset: every node in it, seeing only it (see :meth:`replace_sources_together`)."""
        replaced = {r.physical for r in old.values()}
        held = [r for r in self._records.values() if r.source in held_sources and r.physical not in replaced]
        origins = dict(origins)
        by_subject: dict[str, list[tuple]] = {}
        for triples in staged.values():
            for s, p, o in triples:
                by_subject.setdefault(s.value, []).append((p, o))
        focus = {named(s) for s in by_subject} | set(self.validator.target_nodes)
        for triples in staged.values():
            focus |= {o for _, p, o in triples if p.value in self.validator.object_target_predicates}
        for r in held:
            for q in self._store.quads_for_pattern(None, None, None, named(r.physical)):
                if isinstance(q.subject, ox.NamedNode):
                    focus.add(q.subject)
                    origins.setdefault(q.subject.value, r.label)
                if q.predicate.value in self.validator.object_target_predicates:
                    focus.add(q.object)
        state = StoreState(self._store, {r.physical for r in held}, by_subject)
        self._run_validation({n for n in focus if not isinstance(n, ox.BlankNode)}, state, origins)

    def _run_validation(self, focus: set, state: StoreState, origins: dict[str, str], batch: int = 20000,
                        validator=None) -> list[Violation]:
        """Validate ``focus``; raise :class:`ValidationFailed` if a result is a violation
        (warnings and infos are returned, they do not reject a write)."""
        # millions of short-lived term objects: the cyclic garbage collector would rescan the
        # whole heap again and again (validation got slower per triple as imports grew)
        enabled = gc.isenabled()
        gc.disable()
        try:
            found = self._validation_batches(focus, state, batch, validator or self.validator)
        finally:
            if enabled:
                gc.enable()
        located = [dataclasses.replace(v, origin=origins.get(v.node)) for v in found]
        if any(v.blocking for v in located):
            raise ValidationFailed(located)
        return located

    def _validation_batches(self, focus: set, state: StoreState, batch: int, validator) -> list[Violation]:
        violations: list[Violation] = []
        focus_list = sorted(focus, key=lambda n: (not isinstance(n, ox.NamedNode), n.value))
        incoming = state.incoming if validator.needs_incoming else None
        for start in range(0, len(focus_list), batch):
            view = View(describe=state.describe, types=state.types, incoming=incoming,
                        hierarchy=self.hierarchy)
            chunk = focus_list[start:start + batch]
            for node in chunk:
                if isinstance(node, ox.NamedNode):
                    view.preload(node, state.describe(node))
            violations += validator.validate(view, chunk)
        return violations

    def _reference_validator(self, reference: bool):
        if not reference:
            return self.validator
        from .validation import PyshaclValidator
        return PyshaclValidator(self.shapes, self.hierarchy)

    def validate_triples(self, triples: list[tuple], *, reference: bool = False) -> list[Violation]:
        """Validate parsed triples as if they were added to the store (nothing is written)."""
        by_subject: dict[str, list[tuple]] = {}
        summary = ChangeSummary()
        for s, p, o in triples:
            s = self.skolemize(s)
            o = self.skolemize(o) if isinstance(o, ox.BlankNode) else o
            by_subject.setdefault(s.value, []).append((p, o))
            summary.triple(s, p, o, added=True)
        state = StoreState(self._store, self.active_graphs(), by_subject)
        return self._collect(affected_nodes(summary, self.validator, state), state, reference)

    def validate_all(self, *, reference: bool = False) -> list[Violation]:
        """Validate every node in the active graphs (used by ``maarifa validate``)."""
        # the candidates for every kind of target (SHACL 1.0, section 2.1.3)
        focus = set(self.validator.target_nodes)
        for physical in self.active_graphs():
            graph = named(physical)
            focus |= {q.subject for q in self._store.quads_for_pattern(None, TYPE, None, graph)}
            for p in self.validator.subject_target_predicates:
                focus |= {q.subject for q in self._store.quads_for_pattern(None, named(p), None, graph)}
            for p in self.validator.object_target_predicates:
                focus |= {q.object for q in self._store.quads_for_pattern(None, named(p), None, graph)}
        state = StoreState(self._store, self.active_graphs())
        return self._collect({n for n in focus if not isinstance(n, ox.BlankNode)}, state, reference)

    def _collect(self, focus: set, state: StoreState, reference: bool) -> list[Violation]:
        try:
            return self._run_validation(focus, state, {}, validator=self._reference_validator(reference))
        except ValidationFailed as failed:
            return failed.violations

    # -- maintenance -------------------------------------------------------------------

    def backup(self, target: Path) -> None:
        if self.path is None:
            raise MaarifaError("an in-memory store cannot be backed up")
        target = Path(target)
        if target.exists():
            raise MaarifaError(f"{target} already exists; choose a new directory for the backup")
        self._store.flush()
        try:
            target.mkdir(parents=True)
        except OSError as exc:
            raise MaarifaError(f"cannot create {target}: {exc.strerror}") from None
        self._store.backup(str(target / STORE_DIR))

    def rewrite(self) -> None:
        """Write the store afresh: every live quad bulk-loaded into a new directory swapped in
        for the old one (:mod:`graph.storedir`), so that deleted values leave the files.

        An erasure needs this: RocksDB keeps a deleted value in older SST files and in its
        write-ahead log until a compaction happens to drop it, and ``Store.optimize()`` does not
        promise to. The process must own the store (its lock), as every writer does; readers in
        other threads must be stopped, since the engine is closed and reopened.
        """
        if self.path is None:
            return
        data_dir = self.path.parent
        with self._write_lock:
            self._store.flush()
            staging = copy_live_quads(self._store, data_dir)
            self._store = self.feed._store = None  # RocksDB closes with its last reference
            try:
                swap_in(data_dir, staging)
            finally:
                recover_swap(data_dir)
                self._store = self.feed._store = ox.Store(str(self.path))

    def size_on_disk(self) -> int:
        if self.path is None:
            return 0
        return sum(f.stat().st_size for f in self.path.rglob("*") if f.is_file())


class _StagedLoad:
    """Bulk-load triples into fresh named graphs in a background thread."""

    def __init__(self, store: ox.Store, graphs: dict[str, list[tuple]], files: dict[str, list] | None = None):
        self._store = store
        self._graphs = graphs
        self._files = files or {}
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="staged-load", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            for physical, triples in self._graphs.items():
                g = named(physical)
                if physical in self._files:
                    for parsed in self._files[physical]:
                        self._store.bulk_load(path=str(parsed.path), format=parsed.format,
                                              base_iri=parsed.base_iri, to_graph=g)
                    continue
                body = ox.serialize((ox.Quad(s, p, o, g) for s, p, o in triples), format=ox.RdfFormat.N_QUADS)
                self._store.bulk_load(body, format=ox.RdfFormat.N_QUADS)
        except BaseException as exc:  # re-raised in the writer's thread by finish()
            self._error = exc

    def finish(self) -> None:
        self._thread.join()
        if self._error is not None:
            self.discard()
            raise self._error

    def discard(self) -> None:
        self._thread.join()
        for physical in self._graphs:
            if self._store.contains_named_graph(named(physical)):
                self._store.remove_graph(named(physical))


def solution_rows(result: ox.QuerySolutions) -> list[dict]:
    """Engine solutions as dicts of the variables each binds."""
    names = [v.value for v in result.variables]
    return [{n: row[n] for n in names if row[n] is not None} for row in result]


def export_format(name: str) -> ox.RdfFormat:
    return {"trig": ox.RdfFormat.TRIG, "nquads": ox.RdfFormat.N_QUADS}[name]


def restore_store(backup_dir: Path, data_dir: Path) -> None:
    """Copy a backup's store into a data directory whose store is not in use."""
    source = Path(backup_dir) / STORE_DIR
    if not source.is_dir():
        raise MaarifaError(f"{backup_dir} is not a Maarifa backup (no {STORE_DIR}/ inside)")
    recover_swap(data_dir)
    staging = staging_dir(data_dir)
    shutil.copytree(source, staging)
    swap_in(data_dir, staging)


def _access_of(logical: str) -> str:
    access = logical.rsplit("/", 1)[-1]
    if access not in ACCESS_LEVELS:
        raise MaarifaError(f"graph <{logical}> does not end in an access level ({', '.join(ACCESS_LEVELS)})")
    return access


def _catalog_quad(t: tuple) -> ox.Quad:
    s, p, (value, datatype) = t
    obj = named(value) if datatype is None else ox.Literal(value, datatype=named(datatype))
    return ox.Quad(named(s), named(p), obj, named(CATALOG_GRAPH))


def _nquads(quads: list[ox.Quad], logical_of: dict[str, str]) -> str:
    """Feed payloads name logical graphs: physical versions are an implementation detail."""
    return "".join(
        f"{q.subject} {q.predicate} {q.object} <{logical_of.get(q.graph_name.value, q.graph_name.value)}> .\n"
        for q in quads)


def _update_text(*, delete: list[ox.Quad], insert: list[ox.Quad]) -> str:
    def block(quads):
        by_graph: dict[str, list[str]] = {}
        for q in quads:
            by_graph.setdefault(q.graph_name.value, []).append(f"{q.subject} {q.predicate} {q.object} .")
        return " ".join(f"GRAPH <{g}> {{ {' '.join(lines)} }}" for g, lines in by_graph.items())
    parts = []
    if delete:
        parts.append(f"DELETE DATA {{ {block(delete)} }}")
    if insert:
        parts.append(f"INSERT DATA {{ {block(insert)} }}")
    return " ;\n".join(parts)


def feed_payload(entry) -> dict:
    return json.loads(entry)
