"""The public replica: a separate store holding only what anyone may see and harvest.

Fed from the change feed (consumer ``replica``), it keeps, under each *public* logical graph's
IRI, the triples of that graph that may be published: everything non-personal, and people
(with what hangs from them: claims, languages, completions, awards, role assignments) only
when they gave federation consent. Members-only and private graphs are never read, so the
SPARQL endpoint, linked data and harvests cannot reach them: nothing is filtered after a query.

The web process writes the replica; SPARQL queries run in worker processes that open a
read-only *snapshot* (a RocksDB checkpoint, hard links) taken after each batch of changes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
import time
from pathlib import Path

import pyoxigraph as ox

from ontology import DCT, MF, ORG, PROV, RDF, SCHEMA, XSD

from .catalog import ACCESS_IRIS
from .rebase import KIND as REBASE
from .store import GraphStore
from .terms import named

CONSUMER = "replica"
PROVENANCE_GRAPH_PATH = "/graph/provenance"
HARVEST_IMPORTER = "maarifa.harvest"
TYPE = named(RDF.type)
PERSON = named(MF.Person)
CONSENT = named(MF.federationConsent)
OWNER_LINKS = (named(MF.person), named(MF.recipient), named(ORG.member))
NEVER_PUBLIC = {SCHEMA.email}
KEEP_SNAPSHOTS = 3


class PublicReplica:
    def __init__(self, store: GraphStore, path: Path | None, *, republish_harvested: bool = False):
        self.store = store
        self.path = Path(path) if path else None
        self.republish_harvested = republish_harvested
        if self.path:
            (self.path / "store").mkdir(parents=True, exist_ok=True)
        self._replica = ox.Store(str(self.path / "store")) if self.path else ox.Store()
        self._lock = threading.Lock()
        # an order-independent fingerprint per published graph, kept up to date triple by triple,
        # so that peers can tell which graphs changed without fetching them (incremental harvest)
        self._sums: dict[str, int] = {}
        for quad in self._replica:
            if quad.graph_name.value != self.provenance_graph:
                self._count(quad, +1)

    @property
    def provenance_graph(self) -> str:
        return self.store.base_url + PROVENANCE_GRAPH_PATH

    # -- what is public -----------------------------------------------------------------

    def public_records(self):
        return [r for r in self.store.records() if r.access == "public"
                and (self.republish_harvested or not r.importer.startswith(HARVEST_IMPORTER))]

    def _consenting(self) -> set[str]:
        graphs = {named(r.physical) for r in self.public_records()}
        people = set()
        for q in self.store._store.quads_for_pattern(None, CONSENT, ox.Literal(True), None):
            if q.graph_name in graphs:
                people.add(q.subject.value)
        return people

    def _owner(self, subject: str, quads: list) -> str | None:
        """The person a node belongs to (the node itself for a person), or None if impersonal."""
        for q in quads:
            if q.predicate == TYPE and q.object == PERSON:
                return subject
        base = subject.split("#", 1)[0]
        if base != subject:  # a part of something (a claim of a person, the recipient of an award)
            return self._owner(base, list(self.store._store.quads_for_pattern(named(base), None, None, None)))
        for q in quads:
            if q.predicate in OWNER_LINKS and isinstance(q.object, ox.NamedNode):
                return q.object.value
        return None

    def _is_person(self, iri: str) -> bool:  # noqa: D102
        return any(True for _ in self.store._store.quads_for_pattern(named(iri), TYPE, PERSON, None))

    def _publishable(self, subject: str, quads: list, consenting: set[str]) -> list:
        owner = self._owner(subject, quads)
        if owner is not None and owner not in consenting:
            return []
        return [q for q in quads if q.predicate.value not in NEVER_PUBLIC]

    # -- rebuilding and syncing ---------------------------------------------------------

    def rebuild(self) -> int:
        """Recompute the whole replica from the store; returns the number of triples published."""
        with self._lock:
            return self._rebuild()

    def recreate(self) -> int:
        """Delete the replica's files and every snapshot, then build it afresh from the store.

        An erasure needs this: a triple removed from the replica stays in RocksDB's older files
        and in every snapshot taken before (snapshots are hard links to those files). The query
        workers open the new ``LATEST`` snapshot on their next query.
        """
        with self._lock:
            if self.path is not None:
                self._replica = None  # RocksDB closes with its last reference
                shutil.rmtree(self.path / "store")
                shutil.rmtree(self.snapshots_dir, ignore_errors=True)
                (self.path / "store").mkdir(parents=True)
                self._replica = ox.Store(str(self.path / "store"))
            return self._rebuild()

    def _rebuild(self, keep_snapshots: int = KEEP_SNAPSHOTS) -> int:
        consenting = self._consenting()
        self._replica.clear()
        self._sums = {}
        total = 0
        for record in self.public_records():
            total += self._fill_graph(record, consenting)
        self._write_provenance()
        self.store.feed.set_cursor(CONSUMER, self.store.feed.head)
        self._snapshot(keep_snapshots)
        return total

    def _fill_graph(self, record, consenting: set[str]) -> int:
        target = named(record.logical)
        by_subject: dict[str, list] = {}
        for q in self.store._store.quads_for_pattern(None, None, None, named(record.physical)):
            by_subject.setdefault(q.subject.value, []).append(q)
        out = []
        for subject, quads in by_subject.items():
            out += [ox.Quad(q.subject, q.predicate, q.object, target)
                    for q in self._publishable(subject, quads, consenting)]
        self._replica.bulk_extend(out)
        self._sums[record.logical] = sum(map(_triple_hash, out)) % _MODULUS
        return len(out)

    def _drop(self, graph: ox.NamedNode) -> None:
        if self._replica.contains_named_graph(graph):
            self._replica.remove_graph(graph)

    def _write_provenance(self) -> None:
        graph = named(self.provenance_graph)
        self._drop(graph)
        quads = []
        for r in self.public_records():
            g = named(r.logical)
            quads += [
                ox.Quad(g, TYPE, named(MF.SourceGraph), graph),
                ox.Quad(g, named(DCT.source), ox.Literal(r.label), graph),
                ox.Quad(g, named(MF.checksum), ox.Literal(self.fingerprint(r.logical)), graph),
                ox.Quad(g, named(PROV.generatedAtTime), ox.Literal(r.generated_at, datatype=named(XSD.dateTime)), graph),
                ox.Quad(g, named(MF.importer), ox.Literal(r.importer), graph),
                ox.Quad(g, named(MF.accessLevel), named(ACCESS_IRIS["public"]), graph),
            ]
        self._replica.extend(quads)

    def sync(self, limit: int = 500) -> int:
        """Apply pending feed entries; returns how many were applied."""
        with self._lock:
            cursor = self.store.feed.cursor(CONSUMER)
            entries = self.store.feed.read(cursor, limit=limit)
            if not entries:
                return 0
            if any(entry.payload.get("kind") == REBASE for entry in entries):
                # every IRI of the node changed: start again, and keep no snapshot holding the old ones
                self._rebuild(keep_snapshots=1)
                return len(entries)
            public = {r.logical: r for r in self.public_records()}
            rebuild_graphs: set[str] = set()
            subjects: set[str] = set()
            for entry in entries:
                payload = entry.payload
                if payload.get("kind") == "replace" or payload.get("kind") == "rebuild":
                    rebuild_graphs |= set(payload.get("graphs") or {}) | set(payload.get("dropped") or [])
                else:
                    for text in (payload.get("add", ""), payload.get("remove", "")):
                        for line in text.splitlines():
                            subjects.add(line[1:line.index(">")])
            consenting = self._consenting()
            # graphs no longer public (dropped, or re-imported under another access level) go away
            for graph in list(self._replica.named_graphs()):
                if graph.value != self.provenance_graph and graph.value not in public:
                    self._replica.remove_graph(graph)
                    self._sums.pop(graph.value, None)
            for logical in rebuild_graphs & set(public):
                self._drop(named(logical))
                self._fill_graph(public[logical], consenting)
            self._refresh_subjects(subjects, public, consenting)
            self._write_provenance()
            self.store.feed.set_cursor(CONSUMER, entries[-1].seq)
            self._snapshot()
            return len(entries)

    def _refresh_subjects(self, subjects: set[str], public: dict, consenting: set[str]) -> None:
        expanded = set(subjects)
        for subject in subjects:
            if self._is_person(subject):  # consent may have changed: everything the person owns
                node = named(subject)
                expanded |= {q.object.value for q in self.store._store.quads_for_pattern(node, None, None, None)
                             if isinstance(q.object, ox.NamedNode) and q.object.value.startswith(subject + "#")}
                for link in OWNER_LINKS:
                    expanded |= {q.subject.value for q in self.store._store.quads_for_pattern(None, link, node, None)}
        physical_to_logical = {r.physical: r.logical for r in public.values()}
        for subject in expanded:
            node = named(subject)
            for q in list(self._replica.quads_for_pattern(node, None, None, None)):
                if q.graph_name.value != self.provenance_graph:
                    self._replica.remove(q)
                    self._count(q, -1)
            by_graph: dict[str, list] = {}
            for q in self.store._store.quads_for_pattern(node, None, None, None):
                logical = physical_to_logical.get(q.graph_name.value)
                if logical:
                    by_graph.setdefault(logical, []).append(q)
            for logical, quads in by_graph.items():
                published = [ox.Quad(q.subject, q.predicate, q.object, named(logical))
                             for q in self._publishable(subject, quads, consenting)]
                self._replica.extend(published)
                for q in published:
                    self._count(q, +1)

    def _count(self, quad: ox.Quad, sign: int) -> None:
        logical = quad.graph_name.value
        self._sums[logical] = (self._sums.get(logical, 0) + sign * _triple_hash(quad)) % _MODULUS

    def fingerprint(self, logical: str) -> str:
        return f"sha256:{self._sums.get(logical, 0):064x}"

    def erase(self, iris: set[str]) -> None:
        """Remove nodes from the replica at once (erasure does not wait for the feed)."""
        with self._lock:
            for iri in iris:
                for q in list(self._replica.quads_for_pattern(named(iri), None, None, None)):
                    self._replica.remove(q)
                    self._count(q, -1)
                for q in list(self._replica.quads_for_pattern(None, None, named(iri), None)):
                    self._replica.remove(q)
                    self._count(q, -1)
            self._snapshot()

    # -- snapshots for query workers ------------------------------------------------------

    @property
    def snapshots_dir(self) -> Path | None:
        return self.path / "snapshots" if self.path else None

    def _snapshot(self, keep: int = KEEP_SNAPSHOTS) -> None:
        if self.path is None:
            return
        self._replica.flush()
        root = self.snapshots_dir
        root.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns()}"
        self._replica.backup(str(root / name))
        tmp = root / "LATEST.tmp"
        tmp.write_text(name)
        os.replace(tmp, root / "LATEST")
        for old in sorted((p for p in root.iterdir() if p.is_dir()), key=lambda p: p.name)[:-keep]:
            shutil.rmtree(old, ignore_errors=True)

    def latest_snapshot(self) -> Path | None:
        if self.path is None:
            return None
        try:
            return self.snapshots_dir / (self.snapshots_dir / "LATEST").read_text().strip()
        except FileNotFoundError:
            return None

    # -- in-process reads (linked data, harvest metadata) ---------------------------------

    def describe(self, iri: str) -> list[ox.Quad]:
        """The node and its hash-IRI parts (a person's claims, a pack's items) as published;
        nothing for a text no IRI can be (a space, a ``<``: a linked-data path is any text)."""
        try:
            node = named(iri)
        except ValueError:
            return []
        quads = [q for q in self._replica.quads_for_pattern(node, None, None, None)]
        children = {q.object.value for q in quads
                    if isinstance(q.object, ox.NamedNode) and q.object.value.startswith(iri + "#")}
        for child in sorted(children):
            quads += list(self._replica.quads_for_pattern(named(child), None, None, None))
        return quads

    def describe_rows(self, iri: str) -> list[tuple[str, str, str, str, str | None]]:
        """:meth:`describe` as plain rows: (subject, predicate, "iri"|"literal", value, language)."""
        return [(q.subject.value, q.predicate.value, "iri" if isinstance(q.object, ox.NamedNode) else "literal",
                 q.object.value, getattr(q.object, "language", None)) for q in self.describe(iri)]

    def graphs(self) -> list[str]:
        return sorted(g.value for g in self._replica.named_graphs())

    def count(self) -> int:
        return len(self._replica)

    def close(self) -> None:
        self._replica = None


_MODULUS = 2 ** 256


def _triple_hash(quad: ox.Quad) -> int:
    line = f"{quad.subject} {quad.predicate} {quad.object}".encode()
    return int.from_bytes(hashlib.sha256(line).digest(), "big")


def replica_status(replica: PublicReplica) -> dict:
    return {"graphs": len(replica.graphs()), "triples": replica.count(),
            "lag": replica.store.feed.lag(CONSUMER)}


def dumps(quads, fmt: str) -> bytes:
    formats = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD,
               "nquads": ox.RdfFormat.N_QUADS}
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads] if fmt != "nquads" else list(quads)
    from ontology import PREFIXES
    return ox.serialize(triples, format=formats[fmt], prefixes=PREFIXES if fmt == "turtle" else None)


__all__ = ["PublicReplica", "CONSUMER", "replica_status", "dumps"]
