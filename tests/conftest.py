"""Shared fixtures: stores on disk (integration) and in memory (units), and data factories."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph import GraphStore, SourceGraphs, sha256_checksum
from graph.rdfio import parse_file

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
BASE = "http://127.0.0.1:5000"


def pytest_addoption(parser):
    # registered here, not in tests/fuzz/conftest.py: pytest reads options only from the
    # conftest files it loads at start-up, and `pytest --fuzz-long` (all of tests/) does not
    # load that one before parsing the command line
    parser.addoption("--fuzz-long", action="store_true", default=False,
                     help="run the fuzz suite (tests/fuzz) with the Hypothesis profile 'long': "
                          "thousands of examples per target instead of the bounded 'ci' number")


@pytest.fixture
def data_dir(tmp_path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def store(data_dir):
    """A real on-disk store in a fresh data directory."""
    with GraphStore.open(data_dir, base_url=BASE, create=True, command="pytest") as opened:
        yield opened


@pytest.fixture
def mem_store():
    return GraphStore.in_memory(BASE)


def load_file(store: GraphStore, path: Path, name: str | None = None, access: str = "public"):
    """Load an RDF file as its own source, the way `maarifa load` does."""
    triples = parse_file(path)
    source = SourceGraphs(name=name or path.stem, label=path.name, importer="pytest",
                          checksum=sha256_checksum(path.read_bytes()))
    return store.replace_source_parsed(source, {access: triples})


def snapshot(store: GraphStore) -> bytes:
    """Everything a reader can see, plus the catalog and the feed, for before/after comparisons."""
    from graph.store import export_format

    return b"".join(sorted(store.dump(export_format("nquads"), include_system=True).splitlines(True)))
