"""Typed errors of the search service (all are :class:`graph.errors.MaarifaError`: one readable line)."""

from __future__ import annotations

from graph.errors import MaarifaError


class SearchError(MaarifaError):
    """Something about search went wrong."""


class BadQuery(SearchError):
    """The query cannot be run as given (empty, too long, unknown language or type, bad page)."""


class SearchUnavailable(SearchError):
    """The search backend cannot be reached or refused the request; the change feed keeps the work."""

    http_status = 503


class IndexOutdated(SearchError):
    """The index was built by an older mapping or schema: run ``maarifa reindex``."""
