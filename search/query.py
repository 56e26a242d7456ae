"""The one query API: a :class:`Query` in, :class:`Results` out, whatever the backend.

Rules for input (each raises :class:`~search.errors.BadQuery` with a readable message):

- the text may be empty only when at least one filter is given (then every visible
  document matching the filters is listed, by title);
- the text is at most ``MAX_QUERY_CHARS`` (1,000) characters and ``MAX_QUERY_TERMS`` (32)
  words: a longer query is refused, not silently cut;
- query-syntax characters (``" * ( ) : AND OR NOT -``) are plain text: the backends only
  ever see the words of a query, never a query language;
- ``lang`` must be a language Babel knows (``en``, ``es``, ``pt-BR`` ...);
- ``types`` and filter names must be known; ``page`` starts at 1, ``per_page`` is 1-100.

Titles are given in the reader's language through Babel's fallback chain (``pt-BR -> pt ->
en``); ``Hit.fallback`` tells when the title is in another language than asked.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

from .documents import FACET_FIELDS, TYPES, VISIBLE
from .errors import BadQuery
from .text import parse_locale, tokens

MAX_QUERY_CHARS = 1000
MAX_QUERY_TERMS = 32
MAX_PER_PAGE = 100
FILTERS = FACET_FIELDS  # type, language, skill, format, organization, territory
PUBLIC = ("public",)


@dataclass(frozen=True)
class Query:
    text: str = ""
    lang: str = "en"
    types: tuple[str, ...] = ()
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    page: int = 1
    per_page: int = 10
    viewer_is_member: bool = False

    def validated(self) -> "Query":
        """A normalized copy, or :class:`BadQuery`."""
        text = " ".join((self.text or "").split())
        if len(text) > MAX_QUERY_CHARS:
            raise BadQuery(f"the query is {len(text):,} characters long; the limit is {MAX_QUERY_CHARS:,}")
        words = tokens(text)
        if len(words) > MAX_QUERY_TERMS:
            raise BadQuery(f"the query has {len(words)} words; the limit is {MAX_QUERY_TERMS}")
        parse_locale(self.lang or "")
        types = tuple(dict.fromkeys(_as_tuple(self.types)))
        unknown = [t for t in types if t not in TYPES]
        if unknown:
            raise BadQuery(f"unknown type {unknown[0]!r}; known: {', '.join(TYPES)}")
        filters = {}
        for name, values in (self.filters or {}).items():
            if name not in FILTERS:
                raise BadQuery(f"unknown filter {name!r}; known: {', '.join(FILTERS)}")
            values = tuple(v for v in _as_tuple(values) if v)
            if values:
                filters[name] = values
        if "type" in filters:
            bad = [t for t in filters["type"] if t not in TYPES]
            if bad:
                raise BadQuery(f"unknown type {bad[0]!r}; known: {', '.join(TYPES)}")
        if types:
            filters["type"] = tuple(t for t in types if t in filters.get("type", types))
        if not words and not filters:
            if text:
                raise BadQuery(f"the query {text!r} has no words to search for; add words or a filter")
            raise BadQuery("empty query: give words to search for, or at least one filter")
        if not isinstance(self.page, int) or self.page < 1:
            raise BadQuery(f"page must be a whole number from 1 up, not {self.page!r}")
        if not isinstance(self.per_page, int) or not 1 <= self.per_page <= MAX_PER_PAGE:
            raise BadQuery(f"per_page must be from 1 to {MAX_PER_PAGE}, not {self.per_page!r}")
        return replace(self, text=text, types=types, filters=filters)

    @property
    def access_levels(self) -> tuple[str, ...]:
        """The access levels of the documents this caller may see (and draw suggestions from)."""
        return VISIBLE if self.viewer_is_member else PUBLIC

    @property
    def words(self) -> list[str]:
        return tokens(self.text)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


@dataclass
class Hit:
    id: str
    type: str
    title: str
    snippet: str  # HTML-escaped text with <mark>...</mark> around the matched words
    lang: str  # language of the title shown
    fallback: bool  # True when the title is not in the reader's language
    kind: str = ""
    score: float = 0.0


@dataclass
class Results:
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]]
    suggestion: str | None = None
    page: int = 1
    per_page: int = 10
    backend: str = ""

    def to_dict(self) -> dict:
        out = asdict(self)
        out["facets"] = {k: [[v, n] for v, n in values] for k, values in self.facets.items()}
        return out


def search(backend, query: Query) -> Results:
    """Validate ``query`` and run it on ``backend`` (the entry point the CLI and web use)."""
    return backend.search(query.validated())


def _as_tuple(values) -> tuple[str, ...]:
    if values is None:
        return ()
    if isinstance(values, str):
        return (values,)
    return tuple(values)
