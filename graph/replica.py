"""The public replica: a separate store holding only what anyone may see and harvest.

Fed from the change feed (consumer ``replica``), it keeps, under each *public* logical graph's
IRI, the triples of that graph that may be published: everything non-personal, and what is
about a person (their profile, claims, languages, completions, awards, role assignments,
wherever those triples sit) only when that person is public and gave federation consent.
Who a triple is about is decided per person from the whole store by ownership.py, for the
subject and the object alike, never from the graph the triple is in. Members-only and
private graphs are never copied, so the SPARQL endpoint, linked data and harvests cannot
reach them: nothing is filtered after a query.

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
from typing import Iterator

import pyoxigraph as ox

from ontology import DCT, MF, PROV, RDF, SCHEMA, XSD

from .catalog import ACCESS_IRIS
from .ownership import GENID, PERSON, Ownership
from .rebase import KIND as REBASE
from .store import GraphStore
from .terms import named

CONSUMER = "replica"
PROVENANCE_GRAPH_PATH = "/graph/provenance"
HARVEST_IMPORTER = "maarifa.harvest"
TYPE = named(RDF.type)
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
        # who each node belongs to (ownership.py); built by the first rebuild or sync of this
        # process, then kept up to date by each sync
        self._ownership: Ownership | None = None
        # the "#" parts published here, by the node they are part of; None until a rebuild or
        # a full check in this process has seen every published quad
        self._parts: Parts | None = None
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

    def _scan_ownership(self, records) -> Ownership:
        return Ownership.scan(self.store, [r.physical for r in records])

    @staticmethod
    def _publishes(quad: ox.Quad, ownership: Ownership) -> bool:
        """The rule, for one quad of a public graph (ownership.py says who may be published)."""
        return quad.predicate.value not in NEVER_PUBLIC and not ownership.withholds(quad)

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
        records = self.public_records()
        self._ownership = self._scan_ownership(records)
        self._parts = Parts()
        self._replica.clear()
        self._sums = {}
        total = 0
        for record in records:
            total += self._fill_graph(record, self._ownership)
        self._write_provenance()
        self.store.feed.set_cursor(CONSUMER, self.store.feed.head)
        self._snapshot(keep_snapshots)
        return total

    def _fill_graph(self, record, ownership: Ownership) -> int:
        target = named(record.logical)
        out = [ox.Quad(q.subject, q.predicate, q.object, target)
               for q in self.store._store.quads_for_pattern(None, None, None, named(record.physical))
               if self._publishes(q, ownership)]
        self._replica.bulk_extend(out)
        if self._parts is not None:
            self._parts.note(out)
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
        """Apply pending feed entries; returns how many were applied.

        The same rule as :meth:`rebuild`, applied around what changed: the ownership index is
        refreshed for every node the changes name, their subjects are published again, and
        the nodes of anyone whose publication changed (consent or visibility, either way) or
        of a node that changed hands are withdrawn or published, with their ``#`` parts and
        the quads pointing at them. Lookups only: the one full pass over the replica is for a
        re-imported source applied by a process that has no index from before it. (Withdrawal
        is complete; publication finds a person's parts through the links from their nodes,
        so a ``#`` part nothing links to appears with the next rebuild.)
        """
        with self._lock:
            cursor = self.store.feed.cursor(CONSUMER)
            entries = self.store.feed.read(cursor, limit=limit)
            if not entries:
                return 0
            if any(entry.payload.get("kind") == REBASE for entry in entries):
                # every IRI of the node changed: start again, and keep no snapshot holding the old ones
                self._rebuild(keep_snapshots=1)
                return len(entries)
            records = self.public_records()
            public = {r.logical: r for r in records}
            replaced, subjects, nodes = _changed(entries)
            before = self._published_people()
            owners_before, check_all = self._follow_ownership(records, replaced, nodes)
            ownership = self._ownership
            gained, lost = ownership.publishable - before, before - ownership.publishable
            # graphs no longer public (dropped, or re-imported under another access level) go away
            for graph in list(self._replica.named_graphs()):
                if graph.value != self.provenance_graph and graph.value not in public:
                    self._replica.remove_graph(graph)
                    self._sums.pop(graph.value, None)
            for logical in replaced & set(public):
                self._drop(named(logical))
                self._fill_graph(public[logical], ownership)
            # withdraw first, while the replica still links each node to its parts
            taken, released = self._moved(owners_before, ownership)
            if check_all or ((lost or taken) and self._parts is None):
                self._withdraw_withheld(ownership)
            elif lost or taken:
                self._withdraw_around(ownership.nodes_of(lost) | taken, ownership)
            self._republish_subjects(subjects, public, ownership)
            if gained or released:
                self._publish_around(ownership.nodes_of(gained) | released, public, ownership)
            self._write_provenance()
            self.store.feed.set_cursor(CONSUMER, entries[-1].seq)
            self._snapshot()
            return len(entries)

    def _follow_ownership(self, records, replaced: set[str], nodes: set[str]) -> tuple[dict, bool]:
        """Bring the ownership index up to date with the changes. Returns the nodes whose owners
        may have changed, each with its owners before (None where this process cannot know),
        and whether every published quad must be checked again instead."""
        old = self._ownership
        if old is not None and not replaced:
            before = {iri: old.owners(named(iri)) for iri in nodes}
            old.refresh([r.physical for r in records], nodes)
            return before, False
        new = self._ownership = self._scan_ownership(records)
        if old is None:  # a new process: what a re-imported source changed cannot be told apart
            return dict.fromkeys(nodes), bool(replaced)
        return {iri: old.owners(named(iri)) for iri in nodes | old.differences(new)}, False

    def _moved(self, owners_before: dict, ownership: Ownership) -> tuple[set[str], set[str]]:
        """Of the nodes that may have changed hands: those published so far that are withheld
        now, and those that may be published now (they lost the owner who withheld them; or,
        where their owners before are unknown, they belong to someone who may be published)."""
        taken, released = set(), set()
        for iri, was in owners_before.items():
            node = named(iri)
            now = ownership.owners(node)
            if ownership.withheld(node):
                if self._holds(iri):
                    taken.add(iri)
            elif now if was is None else was - now:
                released.add(iri)
        return taken, released

    def _published_people(self) -> set[str]:
        """Who the replica publishes now (read from it when this process has no index yet)."""
        if self._ownership is not None:
            return set(self._ownership.publishable)
        return {q.subject.value for q in self._replica.quads_for_pattern(None, TYPE, PERSON, None)}

    def _holds(self, iri: str) -> bool:
        """True when the replica has a quad with this node as subject or object."""
        node = named(iri)
        return any(True for _ in self._replica.quads_for_pattern(node, None, None, None)) or \
            any(True for _ in self._replica.quads_for_pattern(None, None, node, None))

    def _published_quads(self, s, o, public: dict) -> Iterator[ox.Quad]:
        """The store's quads of public graphs matching (s, any, o), under their logical graph."""
        physical_to_logical = {r.physical: r.logical for r in public.values()}
        for q in self.store._store.quads_for_pattern(s, None, o, None):
            logical = physical_to_logical.get(q.graph_name.value)
            if logical:
                yield ox.Quad(q.subject, q.predicate, q.object, named(logical))

    def _republish_subjects(self, subjects: set[str], public: dict, ownership: Ownership) -> None:
        for subject in subjects:
            node = named(subject)
            for q in list(self._replica.quads_for_pattern(node, None, None, None)):
                if q.graph_name.value != self.provenance_graph:
                    self._remove(q)
            for q in self._published_quads(node, None, public):
                if self._publishes(q, ownership):
                    self._add(q)

    def _withdraw_withheld(self, ownership: Ownership) -> None:
        """Remove every published quad the rule now withholds (one pass over the replica)."""
        provenance = named(self.provenance_graph)
        withheld: list[ox.Quad] = []

        def kept() -> Iterator[ox.Quad]:
            for q in self._replica:
                if q.graph_name == provenance:
                    continue
                if ownership.withholds(q):
                    withheld.append(q)
                else:
                    yield q

        parts = Parts()
        parts.note(kept())
        for q in withheld:
            self._remove(q)
        self._parts = parts

    def _withdraw_around(self, nodes: set[str], ownership: Ownership) -> None:
        """Remove what the rule now withholds about these nodes, their ``#`` parts (linked or
        not) and skolemized blank nodes, and the quads pointing at any of them."""
        provenance = named(self.provenance_graph)
        for node in self._family(nodes, (self._replica, self.store._store), self._parts):
            for q in [*self._replica.quads_for_pattern(node, None, None, None),
                      *self._replica.quads_for_pattern(None, None, node, None)]:
                if q.graph_name != provenance and ownership.withholds(q):
                    self._remove(q)

    def _publish_around(self, nodes: set[str], public: dict, ownership: Ownership) -> None:
        """Publish what the rule now allows about these nodes, their ``#`` parts and skolemized
        blank nodes (those the store links to from them), and the quads pointing at any of them."""
        for node in self._family(nodes, (self.store._store,)):
            for q in [*self._published_quads(node, None, public), *self._published_quads(None, node, public)]:
                if self._publishes(q, ownership) and q not in self._replica:
                    self._add(q)

    @staticmethod
    def _family(nodes: set[str], where: tuple[ox.Store, ...], parts: "Parts | None" = None) -> Iterator[ox.NamedNode]:
        """The nodes, and their ``#`` parts and skolemized blank nodes: those the stores in
        ``where`` link to from them, and those ``parts`` knows of."""
        seen, todo = set(), list(nodes)
        while todo:
            iri = todo.pop()
            if iri in seen:
                continue
            seen.add(iri)
            node = named(iri)
            yield node
            prefix = iri.split("#", 1)[0] + "#"
            for q in (q for store in where for q in store.quads_for_pattern(node, None, None, None)):
                child = q.object
                if isinstance(child, ox.NamedNode) and (child.value.startswith(prefix) or GENID in child.value):
                    todo.append(child.value)
            if parts is not None:
                todo += parts.of(prefix[:-1])

    def _add(self, quad: ox.Quad) -> None:
        self._replica.add(quad)
        self._count(quad, +1)
        if self._parts is not None:
            self._parts.note([quad])

    def _remove(self, quad: ox.Quad) -> None:
        self._replica.remove(quad)
        self._count(quad, -1)
        if self._parts is not None:
            self._parts.unlinked(quad)

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

    def quads(self) -> list[ox.Quad]:
        """Every published quad (the provenance graph included), as the query workers see them."""
        return list(self._replica.quads_for_pattern(None, None, None, None))

    def count(self) -> int:
        return len(self._replica)

    def close(self) -> None:
        self._replica = None
        self._ownership = self._parts = None  # the index reads the main store, which closes with its last reference


class Parts:
    """The ``#`` parts published in the replica that their own node does not link to (a role
    assignment ``{person}#role-1``, the claim an award created ``{award}#claim-1``, a fragment
    someone loaded on its own), by that node. A withdrawal finds the linked parts by following
    the links; it finds these through this index, without a pass over the replica. It only
    grows between rebuilds: a part no longer published costs a lookup that finds nothing."""

    def __init__(self):
        self._by_node: dict[str, set[str]] = {}

    def note(self, quads) -> None:
        """Remember the parts these quads name that none of them links to from its node."""
        named_parts, linked = set(), set()
        for q in quads:
            for term in (q.subject, q.object):
                if isinstance(term, ox.NamedNode) and "#" in term.value:
                    named_parts.add(term.value)
            if isinstance(q.object, ox.NamedNode) and q.object.value.split("#", 1)[0] == q.subject.value:
                linked.add(q.object.value)
        for part in named_parts - linked:
            self._by_node.setdefault(part.split("#", 1)[0], set()).add(part)

    def unlinked(self, quad: ox.Quad) -> None:
        """A link from a node to its part is withdrawn: the part may stay published alone."""
        if isinstance(quad.object, ox.NamedNode) and quad.object.value.split("#", 1)[0] == quad.subject.value:
            self._by_node.setdefault(quad.subject.value, set()).add(quad.object.value)

    def of(self, node: str) -> set[str]:
        return self._by_node.get(node, set())


_MODULUS = 2 ** 256


def _changed(entries) -> tuple[set[str], set[str], set[str]]:
    """(logical graphs replaced whole, subjects of changed quads, IRIs that are the subject
    or the object of a changed quad)."""
    replaced: set[str] = set()
    subjects: set[str] = set()
    nodes: set[str] = set()
    for entry in entries:
        payload = entry.payload
        if payload.get("kind") in ("replace", "rebuild"):
            replaced |= set(payload.get("graphs") or {}) | set(payload.get("dropped") or [])
            continue
        for key in ("add", "remove"):
            for quad in ox.parse(payload.get(key) or "", format=ox.RdfFormat.N_QUADS):
                subjects.add(quad.subject.value)
                nodes.add(quad.subject.value)
                if isinstance(quad.object, ox.NamedNode):
                    nodes.add(quad.object.value)
    return replaced, subjects, nodes


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
