"""Shared fixtures: stores preloaded with the demo copies of the real sources."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from graph import GraphStore
from ingest import run_import

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "demo" / "data"
FIXTURES = ROOT / "tests" / "fixtures" / "ingest"
TAXONOMY = DATA / "capx_taxonomy"
TRAINING = DATA / "wikiedu_training"
MAPPINGS = DATA / "mappings"
DUMPS = DATA / "mediawiki_dumps"

BASE_SOURCES = [("taxonomy", TAXONOMY), ("orgs", TAXONOMY), ("training", TRAINING),
                ("mappings", MAPPINGS / "training-capacities.yaml"), ("roles", MAPPINGS / "roles.yaml")]


def snapshot(store) -> tuple[int, list[bytes]]:
    return store.count(), sorted(store.dump(ox.RdfFormat.N_QUADS).splitlines())


def load_base(store, with_people: bool = True):
    for kind, path in BASE_SOURCES:
        run_import(store, kind, path)
    if with_people:
        run_import(store, "people", FIXTURES / "people-good.csv")
    return store


@pytest.fixture(scope="module")
def loaded():
    """A store with taxonomy, orgs, training, mappings, roles and three people (read-only use)."""
    return load_base(GraphStore.in_memory())


@pytest.fixture
def fresh():
    return load_base(GraphStore.in_memory())


@pytest.fixture
def disk_store(tmp_path):
    store = GraphStore.open(tmp_path / "data", base_url="http://127.0.0.1:5000", create=True)
    yield store
    store.close()


@pytest.fixture
def copy(tmp_path):
    def _copy(src: Path) -> Path:
        target = tmp_path / src.name
        if src.is_dir():
            shutil.copytree(src, target)
        else:
            shutil.copy(src, target)
        return target
    return _copy
