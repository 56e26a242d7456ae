"""The embedded backend: SQLite FTS5 in ``{data_dir}/search/index.sqlite3``; no server.

FTS5 has no Snowball tokenizer, so the words are processed in Python (:mod:`search.text`):
every word of a document is stored as its folded form and its folded stem in the document's
language; every word of a query is looked up as the forms it would have in the query's
language and in each language the index holds. FTS5 then only splits on spaces and ranks
with BM25 (titles weigh most). A query runs its ``MATCH`` once: one pass over the matching
documents yields their scores and their facet values (a compact column per document, so no
join), from which the total, the page and the facet counts are taken; filters are looked up in
a (field, value, document) table. A word that no document the caller may see knows is
corrected against the vocabulary of the caller's access levels (:mod:`search.vocabulary`; edit distance 1, or 2 for longer
words): the correction is searched as well, and offered as "did you mean".

A reindex builds a new file beside the old one and renames it over: search never stops.
"""

from __future__ import annotations

import heapq
import json
import os
import sqlite3
import threading
from collections import Counter
from pathlib import Path
from typing import Iterable

from .backend import make_snippet, title_of
from .documents import FACET_FIELDS, FACET_SOURCE, FILTER_SOURCE, facet_values
from .errors import IndexOutdated, SearchError
from .query import Hit, Query, Results
from .text import UNDETERMINED, fold, forms, primary, query_forms, stemmer, tokens
from .vocabulary import SCHEMA as VOCABULARY_SCHEMA
from .vocabulary import VocabularyChange, corrections, known_terms, split_terms

SCHEMA_VERSION = 5
FILE = "index.sqlite3"
FACET_LIMIT = 20
WEIGHTS = (10.0, 1.0, 3.0)  # title, body, keywords

_SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    rowid INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, type TEXT NOT NULL, access TEXT NOT NULL,
    sort_title TEXT NOT NULL, data TEXT NOT NULL, words TEXT NOT NULL, stems TEXT NOT NULL,
    facets TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS docs_order ON docs (sort_title, id);
CREATE TABLE IF NOT EXISTS fields (doc INTEGER NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS fields_value ON fields (field, value, doc);
CREATE INDEX IF NOT EXISTS fields_doc ON fields (doc);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(title, body, keywords, tokenize = "unicode61 remove_diacritics 0");
CREATE TABLE IF NOT EXISTS langs (lang TEXT PRIMARY KEY) WITHOUT ROWID;
""" + VOCABULARY_SCHEMA
# stored per document in ``fields``: every filterable field, plus the facets' own
_STORED_FIELDS = sorted(set(FILTER_SOURCE.values()) | set(FACET_SOURCE.values()))
# the ``facets`` column: "facet<RS>value" items joined by <US> (ASCII's separators, which no
# facet value holds: they are IRIs, language codes, media types and type names)
_ITEM, _PAIR = "\x1f", "\x1e"


class EmbeddedBackend:
    name = "embedded"

    def __init__(self, path: Path | str):
        """``path``: the index file, or ``:memory:``."""
        self.path = Path(path) if path != ":memory:" else None
        self._lock = threading.RLock()
        self._outdated = False
        self._db = self._open(self.path)
        # searches read through a connection of their own thread (WAL lets readers run side by
        # side with each other and with the writer); a reindex bumps the generation to reopen them
        self._readers = threading.local()
        self._generation = 0

    @classmethod
    def in_data_dir(cls, data_dir: Path | str) -> "EmbeddedBackend":
        return cls(Path(data_dir) / "search" / FILE)

    # -- storage ---------------------------------------------------------------------

    def _open(self, path: Path | None) -> sqlite3.Connection:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(str(path) if path else ":memory:", check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA journal_mode = WAL" if path else "PRAGMA journal_mode = MEMORY")
        db.execute("PRAGMA synchronous = NORMAL")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        has_tables = db.execute("SELECT count(*) FROM sqlite_master WHERE name = 'docs'").fetchone()[0]
        if has_tables and version != SCHEMA_VERSION:
            # built by an older (or newer) version: start empty and ask for a reindex
            self._outdated = True
            db.execute("DROP TABLE IF EXISTS fts_vocab")  # schema 3's view of the FTS terms
            for (name, _kind) in db.execute("SELECT name, type FROM sqlite_master WHERE type IN ('table')"
                                           " AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'fts_%'").fetchall():
                db.execute(f'DROP TABLE IF EXISTS "{name}"')
        db.executescript(_SCHEMA)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        return db

    def close(self) -> None:
        reader = getattr(self._readers, "db", None)
        if reader is not None:
            reader.close()
            self._readers.db = None
        with self._lock:
            self._generation += 1
            if self._db is not None:
                self._db.close()
                self._db = None

    # -- writes ----------------------------------------------------------------------

    def index(self, docs: Iterable[dict]) -> int:
        with self._lock:
            return self._write(self._db, docs)

    @staticmethod
    def _write(db: sqlite3.Connection, docs: Iterable[dict]) -> int:
        count = 0
        db.execute("BEGIN")
        try:
            vocabulary = VocabularyChange()
            langs: set[str] = set()
            for doc in docs:
                _delete(db, [doc["id"]], vocabulary)
                columns, doc_words, doc_stems = _index_terms(doc, langs)
                vocabulary.add(doc["access"], doc_words, doc_stems)
                title, _ = title_of(doc, "en")[:2]
                cur = db.execute("INSERT INTO docs (id, type, access, sort_title, data, words, stems, facets) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                 (doc["id"], doc["type"], doc["access"], fold(title),
                                  json.dumps(doc, ensure_ascii=False), doc_words, doc_stems, _facet_column(doc)))
                rowid = cur.lastrowid
                rows = [(rowid, "access", doc["access"])]
                for field in _STORED_FIELDS:
                    value = doc.get(field)
                    for v in ([value] if isinstance(value, str) else value or []):
                        rows.append((rowid, field, v))
                db.executemany("INSERT INTO fields (doc, field, value) VALUES (?, ?, ?)", rows)
                db.execute("INSERT INTO fts (rowid, title, body, keywords) VALUES (?, ?, ?, ?)", (rowid, *columns))
                count += 1
            vocabulary.apply(db)
            db.executemany("INSERT OR IGNORE INTO langs (lang) VALUES (?)", [(lang,) for lang in langs])
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return count

    def delete(self, ids: Iterable[str]) -> int:
        with self._lock:
            self._db.execute("BEGIN")
            try:
                vocabulary = VocabularyChange()
                n = _delete(self._db, list(ids), vocabulary)
                vocabulary.apply(self._db)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            return n

    def reindex(self, docs: Iterable[dict]) -> int:
        if self.path is None:
            with self._lock:
                self._db.close()
                self._db = self._open(None)
                n = self._write(self._db, docs)
                self._outdated = False
                return n
        building = self.path.with_name(self.path.name + ".building")
        for suffix in ("", "-wal", "-shm"):
            Path(str(building) + suffix).unlink(missing_ok=True)
        new = self._open(building)
        try:
            n = self._write(new, docs)
            new.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            new.close()
        with self._lock:
            self._db.close()
            for suffix in ("-wal", "-shm"):
                Path(str(self.path) + suffix).unlink(missing_ok=True)
            os.replace(building, self.path)
            self._outdated = False
            self._db = self._open(self.path)
            self._generation += 1
        return n

    def needs_reindex(self) -> bool:
        return self._outdated

    def health(self) -> dict:
        try:
            with self._lock:
                n = self._db.execute("SELECT count(*) FROM docs").fetchone()[0]
            return {"backend": self.name, "ok": True, "documents": n, "outdated": self._outdated,
                    "path": str(self.path) if self.path else ":memory:"}
        except (sqlite3.Error, AttributeError) as exc:
            return {"backend": self.name, "ok": False, "error": str(exc)}

    def count(self) -> int:
        with self._lock:
            return self._db.execute("SELECT count(*) FROM docs").fetchone()[0]

    # -- search ----------------------------------------------------------------------

    def search(self, query: Query) -> Results:
        if self._outdated:
            raise IndexOutdated("the search index was built by an older version: run `maarifa reindex`")
        try:
            reader = self._reader()
            if reader is not None:
                return self._search(reader, query)
            with self._lock:
                return self._search(self._db, query)
        except sqlite3.Error as exc:
            raise SearchError(f"the embedded search index failed: {exc}") from None

    def _reader(self) -> sqlite3.Connection | None:
        """This thread's read-only connection to the index file (None for an in-memory index)."""
        if self.path is None:
            return None
        local = self._readers
        if getattr(local, "generation", None) != self._generation:
            if getattr(local, "db", None) is not None:
                local.db.close()
            local.db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, isolation_level=None)
            local.generation = self._generation
        return local.db

    def _search(self, db: sqlite3.Connection, query: Query) -> Results:
        levels = query.access_levels
        where, params = ["d.access IN (%s)" % ",".join("?" * len(levels))], list(levels)
        for name, values in query.filters.items():
            where.append("d.rowid IN (SELECT doc FROM fields WHERE field = ? AND value IN (%s))"
                         % ",".join("?" * len(values)))
            params += [FILTER_SOURCE[name], *values]
        wanted: set[str] = set()
        suggestion = None
        if query.words:
            langs = [query.lang] + [r[0] for r in db.execute("SELECT lang FROM langs")
                                    if r[0] != primary(query.lang)] + [UNDETERMINED]
            langs = [lang for lang in dict.fromkeys(langs) if lang == UNDETERMINED or stemmer(lang) or
                     primary(lang) == primary(query.lang)]
            groups, corrected, changed = [], [], False
            for word in query.words:
                # only what documents the caller may see know: a suggestion, and even the
                # absence of one, must tell nothing about the others
                known = known_terms(db, query_forms(word, langs), levels)
                if not known:
                    candidates = corrections(db, fold(word), levels)
                    if candidates:
                        known = known_terms(db, query_forms(candidates[0], langs), levels)
                        corrected.append(candidates[0])
                        changed = True
                    else:
                        corrected.append(word)
                else:
                    corrected.append(word)
                terms = sorted(known) or [fold(word)]
                wanted.update(terms)
                groups.append("(" + " OR ".join(f'"{t}"' for t in terms) + ")")
            if changed:
                suggestion = " ".join(corrected)
            match = " AND ".join(groups)
            where.insert(0, "fts MATCH ?")
            params.insert(0, match)
        where_sql = " AND ".join(where)
        if query.words:
            # the one MATCH: every matching document's score and facets; the page is its best
            matches = db.execute(f"SELECT d.rowid, d.id, bm25(fts, %s, %s, %s), d.facets FROM fts JOIN docs d "
                                 f"ON d.rowid = fts.rowid WHERE {where_sql}" % WEIGHTS, params).fetchall()
            best = heapq.nsmallest(query.offset + query.per_page, matches, key=lambda m: (m[2], m[1]))
            page = [(rowid, score) for rowid, _id, score, _f in best[query.offset:]]
        else:
            # a listing (filters only) in title order, read from the index on (sort_title, id)
            page = db.execute(f"SELECT d.rowid, 0 FROM docs d WHERE {where_sql} ORDER BY d.sort_title, d.id "
                              f"LIMIT ? OFFSET ?", [*params, query.per_page, query.offset]).fetchall()
            matches = db.execute(f"SELECT d.rowid, d.id, 0, d.facets FROM docs d WHERE {where_sql}",
                                 params).fetchall()
        total, facets = len(matches), _count_facets(m[3] for m in matches)
        stored = dict(db.execute("SELECT rowid, data FROM docs WHERE rowid IN (%s)" % ",".join("?" * len(page)),
                                 [rowid for rowid, _ in page]).fetchall()) if page else {}
        hits = []
        for rowid, score in page:
            doc = json.loads(stored[rowid])
            title, lang, fallback = title_of(doc, query.lang)
            hits.append(Hit(doc["id"], doc["type"], title, make_snippet(doc, query.lang, wanted), lang, fallback,
                            doc.get("kind", ""), -float(score) if query.words else 0.0))
        return Results(total, hits, facets, suggestion, query.page, query.per_page, self.name)


def _facet_column(doc: dict) -> str:
    """The ``facets`` column of a document: each facet value it has, once."""
    items = (f"{facet}{_PAIR}{value}" for facet in FACET_FIELDS for value in facet_values(doc, facet))
    return _ITEM.join(dict.fromkeys(items))


def _count_facets(columns: Iterable[str]) -> dict[str, list[tuple[str, int]]]:
    """Facet counts over the ``facets`` columns of the matching documents: per facet, the
    :data:`FACET_LIMIT` most frequent values, most documents first, then by value."""
    counts = Counter(item for column in columns if column for item in column.split(_ITEM))
    by_facet: dict[str, list[tuple[str, int]]] = {}
    for item, n in counts.items():
        facet, value = item.split(_PAIR, 1)
        by_facet.setdefault(facet, []).append((value, n))
    return {facet: sorted(values, key=lambda v: (-v[1], v[0]))[:FACET_LIMIT]
            for facet in FACET_FIELDS if (values := by_facet.get(facet))}


def _index_terms(doc: dict, langs: set[str]) -> tuple[list[str], str, str]:
    """The FTS columns (title, body, keywords) of a document and its vocabulary (words, stems);
    adds the languages it is written in to ``langs``."""
    columns, words, all_forms = [], set(), set()
    for part in (list(doc["titles"].items()), doc["texts"], doc["keywords"]):
        terms = []
        for lang, text in part:
            langs.add(primary(lang))
            for word in tokens(text):
                word_forms = forms(word, lang)
                terms.extend(word_forms)
                words.add(word_forms[0])
        all_forms.update(terms)
        columns.append(" ".join(terms))
    return columns, *split_terms(words, all_forms)


def _delete(db: sqlite3.Connection, ids: list[str], vocabulary: VocabularyChange) -> int:
    n = 0
    for doc_id in ids:
        row = db.execute("SELECT rowid, access, words, stems FROM docs WHERE id = ?", (doc_id,)).fetchone()
        if row is None:
            continue
        rowid, access, words, stems = row
        vocabulary.remove(access, words, stems)
        db.execute("DELETE FROM fts WHERE rowid = ?", (rowid,))
        db.execute("DELETE FROM fields WHERE doc = ?", (rowid,))
        db.execute("DELETE FROM docs WHERE rowid = ?", (rowid,))
        n += 1
    return n


def facet_counts(docs: list[dict]) -> dict[str, dict[str, int]]:
    """Facet counts of a list of documents, computed in Python (used by tests as an oracle)."""
    out: dict[str, dict[str, int]] = {}
    for doc in docs:
        for facet in FACET_FIELDS:
            for value in facet_values(doc, facet):
                out.setdefault(facet, {}).setdefault(value, 0)
                out[facet][value] += 1
    return out
