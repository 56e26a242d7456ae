"""The backend interface, the do-nothing twin, the fallback pair, and shared helpers."""

from __future__ import annotations

import html
from typing import Iterable, Protocol

from .documents import all_text
from .errors import SearchUnavailable
from .query import Query, Results
from .text import forms, pick_label, token_spans

SNIPPET_CHARS = 160


class SearchBackend(Protocol):
    name: str

    def index(self, docs: Iterable[dict]) -> int:
        """Insert or replace documents by id; returns how many."""

    def delete(self, ids: Iterable[str]) -> int:
        """Remove documents by id (unknown ids are fine)."""

    def search(self, query: Query) -> Results:
        """Run a validated query."""

    def reindex(self, docs: Iterable[dict]) -> int:
        """Replace the whole index with ``docs`` without downtime."""

    def needs_reindex(self) -> bool:
        """True when the index was built by an older mapping or schema (or is missing)."""

    def health(self) -> dict:
        """{"backend": name, "ok": bool, "documents": int, ...}; never raises."""

    def close(self) -> None: ...


class NullBackend:
    """Search switched off: indexing does nothing, every search finds nothing."""

    name = "none"

    def index(self, docs: Iterable[dict]) -> int:
        return sum(1 for _ in docs)

    def delete(self, ids: Iterable[str]) -> int:
        return 0

    def search(self, query: Query) -> Results:
        return Results(0, [], {}, None, query.page, query.per_page, self.name)

    def reindex(self, docs: Iterable[dict]) -> int:
        return sum(1 for _ in docs)

    def needs_reindex(self) -> bool:
        return False

    def health(self) -> dict:
        return {"backend": self.name, "ok": True, "documents": 0}

    def close(self) -> None:
        pass


class FallbackBackend:
    """OpenSearch first, the embedded index when it cannot be reached.

    Only a pair for searching: each of the two indexes follows the change feed on a cursor of
    its own (:class:`search.indexer.SearchSync`), so the embedded copy stays current while
    OpenSearch is down, and OpenSearch catches up from its own cursor when it is back.
    """

    def __init__(self, primary, fallback):
        self.primary = primary
        self.fallback = fallback
        self.name = f"{primary.name}+{fallback.name}"

    def search(self, query: Query) -> Results:
        try:
            return self.primary.search(query)
        except SearchUnavailable:
            results = self.fallback.search(query)
            results.backend = f"{self.fallback.name} (fallback: {self.primary.name} unreachable)"
            return results

    def health(self) -> dict:
        return {**self.primary.health(), "fallback": self.fallback.health()}

    def close(self) -> None:
        self.primary.close()
        self.fallback.close()


# -- shared by the backends -------------------------------------------------------------


def title_of(doc: dict, lang: str) -> tuple[str, str, bool]:
    return pick_label(doc.get("titles") or {}, lang)


def highlight(text: str, lang: str, wanted: set[str], limit: int = SNIPPET_CHARS) -> str | None:
    """An HTML-escaped window of ``text`` with <mark> around words whose forms are in ``wanted``.

    ``None`` when no word matches.
    """
    spans = [(s, e) for s, e, word in token_spans(text) if wanted & set(forms(word, lang))]
    if not spans:
        return None
    first = spans[0][0]
    start = max(0, first - limit // 3)
    if start:
        space = text.rfind(" ", 0, start)
        start = space + 1 if space > start - 20 else start
    end = min(len(text), start + limit)
    out, pos = [], start
    for s, e in spans:
        if s < start or e > end:
            continue
        out.append(html.escape(text[pos:s]))
        out.append(f"<mark>{html.escape(text[s:e])}</mark>")
        pos = e
    out.append(html.escape(text[pos:end]))
    return ("… " if start else "") + "".join(out) + (" …" if end < len(text) else "")


def make_snippet(doc: dict, lang: str, wanted: set[str]) -> str:
    """The best snippet of a document: the first text with a match, else its first text."""
    texts = all_text(doc)
    for text_lang, text in texts[len(doc.get("titles") or {}):] + texts[:len(doc.get("titles") or {})]:
        found = highlight(text, text_lang, wanted)
        if found:
            return found
    for _, text in doc.get("texts") or []:
        return html.escape(text[:SNIPPET_CHARS]) + (" …" if len(text) > SNIPPET_CHARS else "")
    return ""
