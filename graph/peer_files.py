"""The peer index on disk: one SQLite file per access view, with the feed position it reflects.

Why: building a view from the store reads every person's facts (52 s and +710 MB at 100k
people, issue 12 item 10); reading the same people back from their own file takes seconds, so
``maarifa serve`` is warm at once. The file is a *derived* index like the search index: the
store stays the authority, and a file that is missing, unreadable, of another format or ahead
of the feed (a store restored from an older backup) is simply rebuilt.

Each person is one row (a JSON document made by :mod:`graph.peers`); the feed position is in
``meta``. ``secure_delete`` makes SQLite overwrite the content of deleted rows, and a full
:meth:`PeerIndexFile.replace` writes a new file and renames it over the old one, so a person
erased (``maarifa erase``) leaves no copy in the data directory.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

#: bumped when the documents change shape: a file of another format is rebuilt, never misread
FORMAT = "2"
_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE people (iri TEXT PRIMARY KEY, doc TEXT NOT NULL);
"""


class PeerIndexFile:
    """``{directory}/{view}.sqlite3``: the rows of one view of the peer index."""

    def __init__(self, directory: Path, view: str):
        self.path = Path(directory) / f"{view}.sqlite3"

    def read(self) -> tuple[int, frozenset[str], Iterator[tuple[str, dict]]] | None:
        """(feed position, the graphs the view was read from, the people as ``(iri, document)``),
        or None when there is no usable file."""
        if not self.path.exists():
            return None
        try:
            db = sqlite3.connect(self.path)
            meta = dict(db.execute("SELECT key, value FROM meta"))
            if meta.get("format") != FORMAT:
                db.close()
                return None
            rows = db.execute("SELECT iri, doc FROM people").fetchall()
            db.close()
        except sqlite3.DatabaseError:  # damaged or not ours: rebuilt from the store
            return None
        return int(meta["seq"]), frozenset(json.loads(meta["graphs"])), ((iri, json.loads(doc)) for iri, doc in rows)

    def replace(self, seq: int, graphs: Iterable[str], people: Iterable[tuple[str, dict]]) -> None:
        """Write the whole view to a new file and rename it over the old one (atomic)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".sqlite3.tmp")
        tmp.unlink(missing_ok=True)
        db = sqlite3.connect(tmp)
        try:
            db.executescript(_SCHEMA)
            db.executemany("INSERT INTO people VALUES (?, ?)", ((iri, _dumps(doc)) for iri, doc in people))
            db.executemany("INSERT INTO meta VALUES (?, ?)", [("format", FORMAT), ("seq", str(seq)),
                                                           ("graphs", json.dumps(sorted(graphs)))])
            db.commit()
        finally:
            db.close()
        os.replace(tmp, self.path)

    def update(self, seq: int, changed: dict[str, dict | None]) -> None:
        """Write the people who changed (None: no longer in the view) and the new position, in one transaction."""
        db = sqlite3.connect(self.path)
        try:
            db.execute("PRAGMA secure_delete = ON")  # a removed person's row is overwritten, not left in free pages
            with db:
                db.executemany("DELETE FROM people WHERE iri = ?", [(iri,) for iri, doc in changed.items() if doc is None])
                db.executemany("INSERT OR REPLACE INTO people VALUES (?, ?)",
                               [(iri, _dumps(doc)) for iri, doc in changed.items() if doc is not None])
                db.execute("UPDATE meta SET value = ? WHERE key = 'seq'", (str(seq),))
        finally:
            db.close()

    def exists(self) -> bool:
        return self.path.exists()


def _dumps(doc: dict) -> str:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


__all__ = ["PeerIndexFile", "FORMAT"]
