"""Erasing a person: from the store, from the change feed's past payloads, and (through the
feed's consumers) from the search index and the public replica.

What goes: the person node and every node that exists only for them — skill claims
(including claims a badge award created), language abilities, role assignments, training
completions, badge awards and their recipient nodes, and anything named ``{person}#...`` —
plus every triple elsewhere that points at one of those nodes. Awards go too: a
credential names its recipient, and "nothing findable" wins over keeping the assertion
verifiable (a verifier then sees the assertion as gone).

How: one :meth:`GraphStore.apply` (validated, atomic, with its feed entry, so the search
indexer and the public replica drop the person when they next read the feed); then every
past feed entry that mentions the person is rewritten without those lines
(:meth:`ChangeFeed.rewrite`). The erasure's own entry is emptied as well once every feed
consumer has read it; a consumer that has not yet read it (its cursor is behind) still
finds the removed nodes' type statements there (IRIs only, no names or e-mail) so it can
drop them, and the report says so. The caller should let the consumers catch up first
(``before_scrub``; the CLI runs the search indexer and the public replica).
:func:`finish_erasures` finishes that later, and finishes an erasure a crash interrupted
between its change and its scrub: an erasure's entry lists every removed statement, so it
says itself what to scrub.

This removes the person from what the store *answers*; the engine's files still hold the
old values until they are rewritten (:meth:`GraphStore.rewrite`, run by ``maarifa erase``
with the replica, index and accounts steps in :mod:`maarifa.erasure`).

Out of reach: backups (``maarifa backup`` copies and any other copy of the data directory),
copies peers already harvested, and the source files themselves: re-importing a people CSV
that still lists the person brings them back, so remove them from the file as well.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import pyoxigraph as ox

from ontology import MF, RDF, SCHEMA

from .catalog import FEED_GRAPH
from .changes import Change
from .feed import CONSUMER_PREFIX
from .people import ALL, PersonNotFound, find_person, graphs_of, located, logical_by_physical, owned_nodes
from .terms import from_ox, named

#: the note of an erasure's change, which is how :func:`finish_erasures` finds their entries
ERASURE_NOTE = "erasure of a person"
IDENTIFYING = (MF.username, SCHEMA.name, SCHEMA.email)


class NoSuchPerson(PersonNotFound):
    def __init__(self, username: str):
        super().__init__(username)
        self.args = (f"no person {username!r} in the store; nothing was changed",)


@dataclass
class ErasureReport:
    username: str
    iri: str
    nodes: int = 0
    triples: int = 0
    seq: int | None = None
    rewritten: list[int] = field(default_factory=list)
    lagging: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"erased {self.username}: {self.nodes} node(s), {self.triples} statement(s) removed "
               f"(change {self.seq})",
               f"change feed: {len(self.rewritten)} past entr{'y' if len(self.rewritten) == 1 else 'ies'} rewritten"]
        if self.lagging:
            out.append("note: feed consumer(s) " + ", ".join(self.lagging) + " have not read the erasure yet; its "
                       "entry keeps the removed nodes' IRIs (no names or e-mail) until they have")
        out.append("backups and copies already harvested by peers are out of reach: delete or re-make them; "
                   "remove the person from the source files too, or a re-import brings them back")
        return out


def erase_person(store, username: str, *, before_scrub: Callable[[], None] | None = None) -> ErasureReport:
    person = find_person(store, username, ALL)
    if person is None:
        raise NoSuchPerson(username)
    nodes = owned_nodes(store, person, ALL, thorough=True)
    where = located(store, nodes)
    logical = logical_by_physical(store)
    # triples elsewhere that point at the erased nodes
    for node in nodes:
        for g in graphs_of(store, ALL):
            for q in store._store.quads_for_pattern(None, None, node, g):
                if q.subject not in nodes:
                    where.append((logical[g.value], (from_ox(q.subject), from_ox(q.predicate), from_ox(q.object))))
    markers = _markers(store, person, nodes)
    change = Change(note=ERASURE_NOTE)
    for graph, triple in where:
        change.removing(graph, [triple])
    result = store.apply(change, source="people", importer="maarifa.graph.erase")
    report = ErasureReport(username, person.value, len(nodes), result.removed, result.seq)
    if before_scrub is not None:
        before_scrub()
    lagging = lagging_consumers(store, result.seq)
    report.lagging = lagging
    report.rewritten = scrub_feed(store, markers, erasure_seq=result.seq, keep_types=bool(lagging))
    return report


def finish_erasures(store) -> list[int]:
    """Scrub the feed of every erasure whose entry still lists statements: the past entries
    that mention its nodes, then the entry itself (emptied once no consumer lags behind it).
    Idempotent; returns the sequence numbers of the entries rewritten."""
    rewritten: set[int] = set()
    for seq in range(1, store.feed.head + 1):
        entry = store.feed.entry(seq)
        if entry is None or entry.payload.get("note") != ERASURE_NOTE or not entry.payload.get("remove"):
            continue
        markers = _markers_of_entry(entry.payload["remove"])
        rewritten |= set(scrub_feed(store, markers, erasure_seq=seq, keep_types=bool(lagging_consumers(store, seq))))
    return sorted(rewritten)


def consumers(store) -> dict[str, int]:
    """Feed consumer name -> its cursor."""
    out = {}
    for q in store._store.quads_for_pattern(None, named(MF.cursor), None, named(FEED_GRAPH)):
        out[q.subject.value[len(CONSUMER_PREFIX):]] = int(q.object.value)
    return out


def lagging_consumers(store, seq: int | None) -> list[str]:
    """The consumers that have not yet read entry ``seq``."""
    return sorted(c for c, cursor in consumers(store).items() if seq is not None and cursor < seq)


def _markers(store, person, nodes) -> dict[str, set[str]]:
    """What identifies the person in a payload: node IRIs as ``<iri>``, and their literals."""
    iris = {f"<{n.value}>" for n in nodes}
    texts: set[str] = set()
    for g in graphs_of(store, ALL):
        for p in IDENTIFYING:
            for q in store._store.quads_for_pattern(person, named(p), None, g):
                texts.add(q.object.value)
    return {"iris": iris, "texts": texts}


def _markers_of_entry(nquads: str) -> dict[str, set[str]]:
    """The markers of an erasure, read back from the statements its entry removed."""
    iris: set[str] = set()
    texts: set[str] = set()
    identifying = {named(p) for p in IDENTIFYING}
    for quad in ox.parse(nquads, format=ox.RdfFormat.N_QUADS):
        iris.add(f"<{quad.subject.value}>")
        if quad.predicate in identifying and isinstance(quad.object, ox.Literal):
            texts.add(quad.object.value)
    return {"iris": iris, "texts": texts}


def _mentions(line: str, markers: dict) -> bool:
    """A payload line (N-Quads) about an erased node or pointing at one: their literals (name,
    username, e-mail) only ever appear on lines whose subject is an erased node."""
    return any(m in line for m in markers["iris"])


def scrub_feed(store, markers: dict, *, erasure_seq: int | None, keep_types: bool) -> list[int]:
    """Rewrite every feed entry that mentions the person; returns the rewritten sequence numbers."""
    rewritten = []
    type_pred = f"<{RDF.type}>"
    for seq in range(1, store.feed.head + 1):
        entry = store.feed.entry(seq)
        if entry is None:
            continue
        payload = dict(entry.payload)
        changed = False
        if payload.get("kind") == "change":
            for key in ("add", "remove"):
                lines = (payload.get(key) or "").splitlines(True)
                kept = []
                for line in lines:
                    if not _mentions(line, markers):
                        kept.append(line)
                    elif seq == erasure_seq and keep_types and line.split()[1:2] == [type_pred]:
                        kept.append(line)
                if len(kept) != len(lines):
                    payload[key] = "".join(kept)
                    changed = True
        if payload.get("removed_subjects"):
            subjects = [s for s in payload["removed_subjects"] if f"<{s}>" not in markers["iris"]]
            if len(subjects) != len(payload["removed_subjects"]):
                payload["removed_subjects"] = subjects
                changed = True
        note = payload.get("note") or ""
        if note and any(t and t in note for t in markers["texts"]):
            for t in sorted(markers["texts"], key=len, reverse=True):
                if t:
                    note = note.replace(t, "[erased]")
            payload["note"] = note
            changed = True
        if changed:
            store.feed.rewrite(seq, payload)
            rewritten.append(seq)
    return rewritten


__all__ = ["ERASURE_NOTE", "ErasureReport", "NoSuchPerson", "erase_person", "finish_erasures", "scrub_feed",
           "consumers", "lagging_consumers"]
