"""Fixtures of the attack tests: the search suite's backends (embedded and a real OpenSearch)
and corpus, reused from ``tests/search/conftest.py`` so both backends face the same attacks; a
node to log in to (``login_node.py``); the importers' scratch copies (``tests/ingest``)."""

from __future__ import annotations

from tests.ingest.conftest import copy
from tests.search.conftest import BACKENDS, make_backend, opensearch_url

from .login_node import login_node

__all__ = ["BACKENDS", "copy", "login_node", "make_backend", "opensearch_url"]
