"""Multilingual search: index documents from the graph, two backends behind one query API.

- :mod:`search.documents` builds documents from the graph ("who sees what" applied);
- :mod:`search.query` is the one query API (:class:`Query` -> :class:`Results`);
- :mod:`search.embedded` (SQLite FTS5, the default) and :mod:`search.opensearch` are the
  backends, :class:`search.backend.NullBackend` the do-nothing twin;
- :mod:`search.indexer` keeps an index in step with the graph's change feed.

Imports ``graph`` and ``ontology`` only (never ``web``, ``ingest`` or ``badges``).
"""

from .backend import FallbackBackend, NullBackend
from .errors import BadQuery, IndexOutdated, SearchError, SearchUnavailable
from .query import Hit, Query, Results, search

__all__ = [
    "BadQuery", "FallbackBackend", "Hit", "IndexOutdated", "NullBackend", "Query", "Results",
    "SearchError", "SearchUnavailable", "search",
]
