"""Fixtures of the search suite: the corpus, and each backend (embedded and a real OpenSearch).

OpenSearch: a node at ``MAARIFA_TEST_OPENSEARCH_URL`` when that is set (``make test`` starts
one with ``scripts/opensearch.sh``); otherwise this session starts one with the same script
and stops it at the end. If no node can be had, the OpenSearch tests FAIL (never skip).
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).parent))

import corpus  # noqa: E402

from search.documents import build_all  # noqa: E402
from search.embedded import EmbeddedBackend  # noqa: E402

SCRIPT = ROOT / "scripts" / "opensearch.sh"
BACKENDS = ["embedded", "opensearch"]


@pytest.fixture(scope="session")
def opensearch_url():
    url = os.environ.get("MAARIFA_TEST_OPENSEARCH_URL")
    if url:
        yield url.rstrip("/")
        return
    running = subprocess.run(["bash", str(SCRIPT), "status"], capture_output=True, text=True)
    started = False
    if running.returncode != 0:
        result = subprocess.run(["bash", str(SCRIPT), "start"], capture_output=True, text=True, timeout=900)
        if result.returncode != 0:
            pytest.fail(f"OpenSearch could not be started with {SCRIPT} start:\n{result.stderr[-3000:]}")
        started = True
    url = subprocess.run(["bash", str(SCRIPT), "url"], capture_output=True, text=True).stdout.strip()
    try:
        yield url
    finally:
        if started:
            subprocess.run(["bash", str(SCRIPT), "stop"], capture_output=True, text=True)


def make_backend(kind: str, request, tmp_path: Path):
    if kind == "embedded":
        backend = EmbeddedBackend(tmp_path / "search" / "index.sqlite3")
        request.addfinalizer(backend.close)
        return backend
    from search.opensearch import OpenSearchBackend

    url = request.getfixturevalue("opensearch_url")
    backend = OpenSearchBackend(url, prefix=f"test-{uuid.uuid4().hex[:10]}")

    def cleanup():
        backend.drop()
        backend.close()

    request.addfinalizer(cleanup)
    return backend


@pytest.fixture(scope="session")
def corpus_store():
    store = corpus.make_store()
    yield store
    store.close()


@pytest.fixture(scope="session")
def corpus_docs(corpus_store):
    return list(build_all(corpus_store))


@pytest.fixture(scope="session", params=BACKENDS)
def loaded(request, corpus_docs, tmp_path_factory):
    """A backend holding the whole corpus (read-only tests share it)."""
    backend = make_backend(request.param, request, tmp_path_factory.mktemp(f"loaded-{request.param}"))
    backend.reindex(corpus_docs)
    return backend


@pytest.fixture(params=BACKENDS)
def fresh(request, tmp_path):
    """An empty backend of each kind, for tests that write."""
    return make_backend(request.param, request, tmp_path)


@pytest.fixture
def store():
    """A fresh store with the corpus, for tests that change the graph."""
    s = corpus.make_store()
    yield s
    s.close()
