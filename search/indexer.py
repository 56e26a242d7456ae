"""Keeps a search backend in step with the graph through the change feed.

:meth:`Indexer.sync` reads the feed after the consumer's cursor (``"search"``), works out
which documents the entries touch, rebuilds those documents from the graph *as it is now*
(so the order and number of replays do not matter), upserts or deletes them, and only then
moves the cursor. A crash between the write and the cursor re-applies the same upserts:
nothing is lost and nothing is indexed twice (documents are keyed by IRI). While the
backend is unreachable the cursor stays where it is and :meth:`sync` reports the error;
the next call resumes. An index built by an older mapping, or never built (no cursor yet
while the feed has entries), is rebuilt from the graph with :func:`reindex`.

:class:`SearchSync` keeps every index of a backend in step: with ``search_backend =
"opensearch"`` and the fallback on, OpenSearch follows the feed on the ``search`` cursor and
the embedded fallback on ``search-fallback``, each on its own, so an OpenSearch outage never
leaves the fallback behind (issue 12, item 8). :meth:`SearchSync.status` says, per index,
how many documents it holds, the feed position it has reached against the head
(``behind``), whether a rebuild is under way and how far it got (``building``), and
``outdated`` whenever it is behind, being built, or built by an older mapping.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, field
from typing import Callable

from rdflib import URIRef

from graph import GraphStore
from graph.rebase import KIND as REBASE

from . import documents
from .backend import FallbackBackend
from .errors import SearchUnavailable

log = logging.getLogger(__name__)

CONSUMER = "search"
FALLBACK_CONSUMER = "search-fallback"
_QUAD = re.compile(r"\s*<([^>]*)>\s+<([^>]*)>\s+(?:<([^>]*)>)?")
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_REFERRERS = "SELECT DISTINCT ?s ?r WHERE { ?r ?p ?s . FILTER(isIRI(?r)) }"
_NARROWER = "SELECT DISTINCT ?s ?n WHERE { ?n skos:broader+ ?s }"


@dataclass
class SyncReport:
    entries: int = 0
    upserted: int = 0
    deleted: int = 0
    cursor: int = 0
    reindexed: bool = False
    error: str | None = None
    touched: set[str] = field(default_factory=set)


class Indexer:
    """Keeps one index in step with the feed, from the cursor ``consumer``."""

    def __init__(self, store: GraphStore, backend, consumer: str = CONSUMER, batch: int = 200):
        if isinstance(backend, FallbackBackend):
            raise TypeError("a fallback pair holds two indexes, each following the feed on its own cursor: "
                            "use search.indexer.SearchSync")
        self.store = store
        self.backend = backend
        self.consumer = consumer
        self.batch = batch
        self.building: dict | None = None  # {"done": n, "total": m} while rebuilding from the graph
        self._lock = threading.RLock()  # sync -> reindex; one sync or rebuild at a time

    def lag(self) -> int:
        return self.store.feed.lag(self.consumer)

    def never_built(self) -> bool:
        """No cursor yet while the feed has entries: this index has never been filled (a fallback
        switched on later, an index file lost); building it from the graph is faster than
        replaying the whole feed."""
        return self.store.feed.head > 0 and self.store.feed.cursor(self.consumer) == 0

    def reindex(self) -> int:
        """Rebuild this index from the graph, telling :meth:`status` how far it got."""
        def progress(done: int, total: int) -> None:
            self.building = {"done": done, "total": total}

        with self._lock:
            self.building = {"done": 0, "total": None}
            try:
                return reindex(self.store, self.backend, self.consumer, progress=progress)
            finally:
                self.building = None

    def status(self) -> dict:
        """The backend's health, and how far this index has followed the feed; never raises."""
        # how far first, then the health: a sync finishing in between makes the answer look
        # behind (it is, for a moment), never current with the documents of before
        building = self.building
        position, head = self.store.feed.cursor(self.consumer), self.store.feed.head
        health = self.backend.health()
        status = {**health, "consumer": self.consumer, "position": position, "head": head,
                  "behind": head - position,
                  "outdated": bool(health.get("outdated")) or head > position or building is not None}
        if building is not None:
            status["building"] = building
        return status

    def sync(self, max_entries: int | None = None) -> SyncReport:
        """Apply the pending feed entries; never raises for an unreachable backend."""
        with self._lock:
            report = SyncReport(cursor=self.store.feed.cursor(self.consumer))
            try:
                if self.backend.needs_reindex() or self.never_built():
                    self.reindex()
                    report.reindexed = True
                    report.cursor = self.store.feed.cursor(self.consumer)
                while max_entries is None or report.entries < max_entries:
                    limit = self.batch if max_entries is None else min(self.batch, max_entries - report.entries)
                    entries = self.store.feed.read(report.cursor, limit=limit)
                    if not entries:
                        break
                    if any(entry.payload.get("kind") == REBASE for entry in entries):
                        # the node moved to a new base URL: every document's IRI changed
                        self.reindex()
                        report.reindexed = True
                        report.entries += len(entries)
                        report.cursor = self.store.feed.cursor(self.consumer)
                        continue
                    touched: set[str] = set()
                    for entry in entries:
                        touched |= self.affected(entry.payload)
                    up, down = self.apply(touched)
                    last = entries[-1].seq
                    self.store.feed.set_cursor(self.consumer, last)
                    report.entries += len(entries)
                    report.upserted += up
                    report.deleted += down
                    report.cursor = last
                    report.touched |= touched
            except SearchUnavailable as exc:
                report.error = str(exc)
                log.warning("search index not updated, will retry: %s", exc)
            return report

    def apply(self, iris: set[str]) -> tuple[int, int]:
        """Rebuild the documents of ``iris`` from the graph and write them; returns (upserted, deleted)."""
        if not iris:
            return 0, 0
        built = documents.build(self.store, sorted(iris))
        docs = [d for d in built.values() if d is not None]
        gone = [iri for iri, d in built.items() if d is None]
        if gone:
            self.backend.delete(gone)
        if docs:
            self.backend.index(docs)
        return len(docs), len(gone)

    def affected(self, payload: dict) -> set[str]:
        """IRIs whose documents an entry may change: the nodes it names and, transitively, the
        documents that show them (a claim's person, a skill's assets and people, narrower skills)."""
        subjects: set[str] = set()
        objects: set[str] = set()
        if payload.get("kind") == "change":
            for text in (payload.get("add", ""), payload.get("remove", "")):
                for line in text.splitlines():
                    match = _QUAD.match(line)
                    if match:
                        subjects.add(match.group(1))
                        # an IRI object's own document may show the link (never a class: a new
                        # asset must not rebuild every other asset of its type)
                        if match.group(3) and match.group(2) != _RDF_TYPE:
                            objects.add(match.group(3))
        elif payload.get("kind") == "replace":
            subjects |= set(payload.get("removed_subjects", []))
            physical = list((payload.get("graphs") or {}).values())
            for graph in physical:
                rows = self.store.select(f"SELECT DISTINCT ?s WHERE {{ GRAPH <{_safe(graph)}> {{ ?s ?p ?o }} }}")
                subjects |= {str(r["s"]) for r in rows if isinstance(r["s"], URIRef)}
        # only what changed spreads to the documents that show it; objects are rebuilt alone
        return self._expand(subjects) | {o for o in objects if not o.startswith("urn:maarifa:system:")}

    def _expand(self, iris: set[str]) -> set[str]:
        out = set(iris)
        frontier = set(iris)
        for _ in range(2):  # claim -> person; skill -> claim -> person; skill -> asset
            nxt = set()
            for iri in frontier:
                node = URIRef(iri)
                for row in self.store.select(_NARROWER, s=node):
                    nxt.add(str(row["n"]))
                for row in self.store.select(_REFERRERS, s=node):
                    nxt.add(str(row["r"]))
            nxt -= out
            out |= nxt
            frontier = nxt
        return {i for i in out if not i.startswith("urn:maarifa:system:")}

    # -- running in the background ------------------------------------------------------

    def run(self, stop: threading.Event, interval: float = 0.25, retry: float = 5.0) -> None:
        """Sync until ``stop`` is set: every ``interval`` seconds, or ``retry`` after an error."""
        while not stop.is_set():
            report = self.sync()
            stop.wait(retry if report.error else interval)

    def start(self, interval: float = 0.25) -> tuple[threading.Thread, threading.Event]:
        stop = threading.Event()
        thread = threading.Thread(target=self.run, args=(stop, interval), name=f"{self.consumer}-indexer",
                                  daemon=True)
        thread.start()
        return thread, stop


def indexes_of(backend) -> list[tuple[str, object]]:
    """(feed consumer, backend) of every index ``backend`` keeps, the one searched first first."""
    if isinstance(backend, FallbackBackend):
        return [(CONSUMER, backend.primary), (FALLBACK_CONSUMER, backend.fallback)]
    return [(CONSUMER, backend)]


class SearchSync:
    """Every index of a backend, each kept in step with the feed by an :class:`Indexer` of its own."""

    def __init__(self, store: GraphStore, backend):
        self.indexers = [Indexer(store, part, consumer) for consumer, part in indexes_of(backend)]

    def sync(self) -> SyncReport:
        """Sync every index; returns the first index's report, its ``error`` naming every index
        that could not be brought up to date."""
        reports = [indexer.sync() for indexer in self.indexers]
        if len(reports) > 1:
            errors = [f"{i.consumer}: {r.error}" for i, r in zip(self.indexers, reports) if r.error]
            reports[0].error = "; ".join(errors) or None
        return reports[0]

    def reindex(self) -> int:
        """Rebuild every index from the graph, the fallback first (it is the one that must work
        when the other cannot be reached); returns the first index's document count."""
        counts = [indexer.reindex() for indexer in reversed(self.indexers)]
        return counts[-1]

    def lag(self) -> int:
        return max(indexer.lag() for indexer in self.indexers)

    def start(self, interval: float = 0.25) -> list[tuple[threading.Thread, threading.Event]]:
        return [indexer.start(interval) for indexer in self.indexers]

    def status(self) -> dict:
        """The first index's :meth:`Indexer.status`, with the fallback's under ``"fallback"``."""
        first, *others = [indexer.status() for indexer in self.indexers]
        for status in others:
            first["fallback"] = status
        return first


def reindex(store: GraphStore, backend, consumer: str = CONSUMER,
            progress: Callable[[int, int], None] | None = None) -> int:
    """Rebuild the whole index from the graph; the cursor moves to the feed head read *before*
    the documents were built, so changes committed meanwhile are applied again by the next sync."""
    head = store.feed.head
    count = backend.reindex(documents.build_all(store, progress))
    store.feed.set_cursor(consumer, head)
    return count


def _safe(iri: str) -> str:
    return iri.replace(">", "%3E").replace("<", "%3C").replace(" ", "%20")
