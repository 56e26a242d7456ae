"""The change feed (outbox): every committed change, in order, stored with the data.

An entry is written in the same transaction as the change it describes, so a change is
never committed without its entry nor the other way round. Consumers (the search indexer,
the public replica) keep a cursor in the store and read the entries after it; after a
crash they simply resume from the last cursor they saved.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass

import pyoxigraph as ox

from ontology import MF, XSD

from .catalog import FEED_GRAPH
from .terms import named

ENTRY_PREFIX = "urn:maarifa:system:feed/"
CONSUMER_PREFIX = "urn:maarifa:system:consumer/"
_GRAPH = named(FEED_GRAPH)
_PAYLOAD = named(MF.payload)
_CURSOR = named(MF.cursor)


@dataclass(frozen=True)
class FeedEntry:
    seq: int
    payload: dict


def _entry_iri(seq: int) -> ox.NamedNode:
    return named(f"{ENTRY_PREFIX}{seq:012d}")


class ChangeFeed:
    def __init__(self, store: ox.Store, write_lock: threading.RLock):
        self._store = store
        self._lock = write_lock
        self._head = 0
        for q in store.quads_for_pattern(None, _PAYLOAD, None, _GRAPH):
            self._head = max(self._head, int(q.subject.value[len(ENTRY_PREFIX):]))

    @property
    def head(self) -> int:
        return self._head

    def next_seq(self) -> int:
        return self._head + 1

    def committed(self, seq: int) -> None:
        self._head = seq

    @staticmethod
    def entry_quads(seq: int, payload: dict) -> list[ox.Quad]:
        body = json.dumps({"seq": seq, **payload}, ensure_ascii=False)
        return [ox.Quad(_entry_iri(seq), _PAYLOAD, ox.Literal(body), _GRAPH)]

    def entry(self, seq: int) -> FeedEntry | None:
        for q in self._store.quads_for_pattern(_entry_iri(seq), _PAYLOAD, None, _GRAPH):
            return FeedEntry(seq, json.loads(q.object.value))
        return None

    def read(self, after: int, limit: int = 1000) -> list[FeedEntry]:
        """Entries with a sequence number above ``after``, oldest first."""
        entries = []
        for seq in range(after + 1, min(self._head, after + limit) + 1):
            entry = self.entry(seq)
            if entry is not None:
                entries.append(entry)
        return entries

    def cursor(self, consumer: str) -> int:
        for q in self._store.quads_for_pattern(named(CONSUMER_PREFIX + consumer), _CURSOR, None, _GRAPH):
            return int(q.object.value)
        return 0

    def set_cursor(self, consumer: str, seq: int) -> None:
        subject = named(CONSUMER_PREFIX + consumer)
        with self._lock:
            old = list(self._store.quads_for_pattern(subject, _CURSOR, None, _GRAPH))
            delete = " ".join(f"{q.subject} {q.predicate} {q.object} ." for q in old)
            value = ox.Literal(str(seq), datatype=named(XSD.integer))
            self._store.update(
                (f"DELETE DATA {{ GRAPH <{FEED_GRAPH}> {{ {delete} }} }} ;\n" if old else "")
                + f"INSERT DATA {{ GRAPH <{FEED_GRAPH}> {{ {subject} {_CURSOR} {value} . }} }}"
            )

    def lag(self, consumer: str) -> int:
        return self._head - self.cursor(consumer)

    def stored_quads(self, seq: int) -> list[ox.Quad]:
        """The quads that hold an entry, for a transaction that replaces them."""
        return list(self._store.quads_for_pattern(_entry_iri(seq), _PAYLOAD, None, _GRAPH))

    def rewrite(self, seq: int, payload: dict) -> None:
        """Replace an entry's payload (erasure of a person removes them from past entries too)."""
        with self._lock:
            old = self.stored_quads(seq)
            new = self.entry_quads(seq, {k: v for k, v in payload.items() if k != "seq"})[0]
            delete = " ".join(f"{q.subject} {q.predicate} {q.object} ." for q in old)
            self._store.update(
                f"DELETE DATA {{ GRAPH <{FEED_GRAPH}> {{ {delete} }} }} ;\n"
                f"INSERT DATA {{ GRAPH <{FEED_GRAPH}> {{ {new.subject} {new.predicate} {new.object} . }} }}"
            )
