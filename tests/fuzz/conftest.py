"""Fuzz suite of issue 13. The web half's node (``web_node``) is shared by every tests/fuzz/test_web_*.py."""

from __future__ import annotations

import os

import pytest

from . import web_standin  # noqa: F401  (Hypothesis profiles until the shared machinery is merged)
from .web_node import FuzzNode


@pytest.fixture(scope="session")
def web_node(tmp_path_factory):
    node = FuzzNode(tmp_path_factory.mktemp("fuzz-web"), full_snapshots=bool(os.environ.get("MAARIFA_FUZZ_LONG")))
    yield node
    node.close()
