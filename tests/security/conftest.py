"""Fixtures of the attack tests: the search suite's backends (embedded and a real OpenSearch)
and corpus, reused from ``tests/search/conftest.py`` so both backends face the same attacks."""

from __future__ import annotations

from tests.search.conftest import BACKENDS, make_backend, opensearch_url  # noqa: F401 - fixtures

__all__ = ["BACKENDS", "make_backend", "opensearch_url"]
