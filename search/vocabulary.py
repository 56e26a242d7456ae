"""The embedded backend's vocabulary, per access level: what "did you mean" may draw from.

A suggestion must come only from documents the caller may see (issue 12, item 3): the
vocabulary therefore counts, for each access level and each index term, how many documents
of that level hold it (``docs``) and how many hold it as a word of their text
(``word_docs``: the terms a suggestion may offer; stems are not words). A search asks only
about the levels the caller may see (``Query.access_levels``). Every document keeps the
terms it added (``docs.words`` / ``docs.stems``), so deleting or replacing it takes exactly
those away again; a term no document of a level holds any more leaves that level, and a word
no level holds leaves the trigram index: after an erasure nothing of the person is left to
suggest.

Corrections are looked up through a trigram index of the words, then checked with the
optimal-string-alignment distance of RapidFuzz (1 edit for words up to 5 letters, else 2).
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from typing import Iterable

from rapidfuzz.distance import OSA

from .documents import VISIBLE

SCHEMA = """
CREATE TABLE IF NOT EXISTS vocab (access TEXT NOT NULL, term TEXT NOT NULL, docs INTEGER NOT NULL,
    word_docs INTEGER NOT NULL, PRIMARY KEY (access, term)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS trigrams (gram TEXT NOT NULL, word TEXT NOT NULL, PRIMARY KEY (gram, word)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS trigrams_word ON trigrams (word);
"""
CANDIDATES = 200  # words sharing the most trigrams that are checked for their edit distance


def is_word(term: str) -> bool:
    """Whether a term may be offered as a correction (long enough, not a number)."""
    return len(term) > 2 and not term.isdigit()


def split_terms(words: set[str], forms: set[str]) -> tuple[str, str]:
    """A document's (words, stems) as stored beside it, space-separated: the words that may be
    suggested, and every other term it is indexed under."""
    words = {w for w in words if is_word(w)}
    return " ".join(sorted(words)), " ".join(sorted(forms - words))


class VocabularyChange:
    """What one write does to the vocabulary, applied once at the end of the write.

    Counting first and writing once keeps a bulk load to one upsert per (level, term),
    and lets a document replaced within the same write cancel out.
    """

    def __init__(self):
        self._docs: Counter[tuple[str, str]] = Counter()
        self._word_docs: Counter[tuple[str, str]] = Counter()

    def add(self, access: str, words: str, stems: str, sign: int = 1) -> None:
        for word in words.split():
            self._docs[access, word] += sign
            self._word_docs[access, word] += sign
        for stem in stems.split():
            self._docs[access, stem] += sign

    def remove(self, access: str, words: str, stems: str) -> None:
        self.add(access, words, stems, sign=-1)

    def apply(self, db: sqlite3.Connection) -> None:
        rows = [(access, term, n, self._word_docs[access, term]) for (access, term), n in self._docs.items()
                if n or self._word_docs[access, term]]
        db.executemany("INSERT INTO vocab (access, term, docs, word_docs) VALUES (?, ?, ?, ?) "
                       "ON CONFLICT (access, term) DO UPDATE SET docs = docs + excluded.docs, "
                       "word_docs = word_docs + excluded.word_docs", rows)
        shrunk = [(access, term) for access, term, n, _ in rows if n < 0]
        db.executemany("DELETE FROM vocab WHERE access = ? AND term = ? AND docs <= 0", shrunk)
        grown = {term for (_, term), n in self._word_docs.items() if n > 0}
        db.executemany("INSERT OR IGNORE INTO trigrams (gram, word) VALUES (?, ?)",
                       [(gram, word) for word in grown for gram in trigrams(word)])
        lost = {term for (_, term), n in self._word_docs.items() if n < 0}
        levels = ",".join("?" * len(VISIBLE))
        db.executemany(f"DELETE FROM trigrams WHERE word = ? AND NOT EXISTS (SELECT 1 FROM vocab WHERE access IN "
                       f"({levels}) AND term = ? AND word_docs > 0)", [(w, *VISIBLE, w) for w in lost])


def known_terms(db: sqlite3.Connection, terms: Iterable[str], levels: tuple[str, ...]) -> set[str]:
    """The ``terms`` some document of the given access levels holds."""
    terms = list(dict.fromkeys(terms))
    if not terms:
        return set()
    rows = db.execute(f"SELECT DISTINCT term FROM vocab WHERE access IN ({_marks(levels)}) AND term IN "
                      f"({_marks(terms)}) AND docs > 0", [*levels, *terms])
    return {r[0] for r in rows}


def corrections(db: sqlite3.Connection, word: str, levels: tuple[str, ...]) -> list[str]:
    """Words of documents of the given access levels within the allowed edit distance of
    ``word`` (folded), closest first, then the most frequent."""
    if len(word) < 3:
        return []
    max_distance = 1 if len(word) <= 5 else 2
    grams = trigrams(word)
    rows = db.execute(
        f"SELECT t.word, count(*) AS shared FROM trigrams t WHERE t.gram IN ({_marks(grams)}) "
        f"AND length(t.word) BETWEEN ? AND ? AND EXISTS (SELECT 1 FROM vocab v WHERE v.access IN "
        f"({_marks(levels)}) AND v.term = t.word AND v.word_docs > 0) "
        f"GROUP BY t.word ORDER BY shared DESC, t.word LIMIT {CANDIDATES}",
        [*grams, len(word) - max_distance, len(word) + max_distance, *levels]).fetchall()
    scored = []
    for candidate, _ in rows:
        distance = OSA.distance(word, candidate, score_cutoff=max_distance)
        if distance <= max_distance:
            scored.append((distance, -_word_docs(db, candidate, levels), candidate))
    return [c for _, _, c in sorted(scored)]


def _word_docs(db: sqlite3.Connection, word: str, levels: tuple[str, ...]) -> int:
    row = db.execute(f"SELECT sum(word_docs) FROM vocab WHERE access IN ({_marks(levels)}) AND term = ?",
                     [*levels, word]).fetchone()
    return row[0] or 0


def trigrams(word: str) -> list[str]:
    padded = f"^{word}$"
    return sorted({padded[i:i + 3] for i in range(len(padded) - 2)})


def _marks(values) -> str:
    return ",".join("?" * len(values))
