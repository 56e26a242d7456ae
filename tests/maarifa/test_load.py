"""`maarifa load --graph IRI`: every distinct graph IRI is its own source (issue 11, item 1)."""

from __future__ import annotations

import pytest

from graph import GraphStore, SourceGraphs, sha256_checksum
from graph.catalog import graph_source_key, source_slug
from graph.rdfio import parse_file

from ..conftest import BASE, snapshot
from .test_cli import run

PREFIX = "http://example.org/a-rather-long-graph-name-prefix-for-testing-collisions"
GRAPH_ONE = f"{PREFIX}/graph-one"
GRAPH_TWO = f"{PREFIX}/graph-two"


@pytest.fixture
def initialised(data_dir):
    assert run("--data-dir", data_dir, "init").exit_code == 0
    return data_dir


def turtle(tmp_path, name: str, *values: str):
    path = tmp_path / name
    path.write_text("".join(f'<http://example.org/thing/{name}> <http://example.org/says> "{v}" .\n' for v in values))
    return path


def values_in(data_dir, graph: str) -> list[str]:
    """What the logical graph holds now (its active version), as the store's readers see it."""
    with GraphStore.open(data_dir, base_url=BASE) as store:
        record = store.record(graph)
        if record is None:
            return []
        rows = store.select(f"SELECT ?v WHERE {{ GRAPH <{record.physical}> {{ ?s <http://example.org/says> ?v }} }}")
    return sorted(str(r["v"]) for r in rows)


def test_the_two_iris_of_the_issue_gave_one_key_before():
    assert source_slug(GRAPH_ONE) == source_slug(GRAPH_TWO)  # why the second load replaced the first
    assert graph_source_key(GRAPH_ONE) != graph_source_key(GRAPH_TWO)
    assert graph_source_key("http://example.org/a_b") != graph_source_key("http://example.org/a-b")


def test_two_long_graph_iris_with_a_shared_prefix_both_survive(initialised, tmp_path):
    first = run("--data-dir", initialised, "load", turtle(tmp_path, "one.ttl", "one"), "--graph", GRAPH_ONE)
    second = run("--data-dir", initialised, "load", turtle(tmp_path, "two.ttl", "two"), "--graph", GRAPH_TWO)
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert "1 added, 0 removed" in second.output  # not "1 added, 1 removed": nothing was replaced
    assert values_in(initialised, GRAPH_ONE) == ["one"]
    assert values_in(initialised, GRAPH_TWO) == ["two"]


def test_reloading_one_graph_replaces_only_it(initialised, tmp_path):
    run("--data-dir", initialised, "load", turtle(tmp_path, "one.ttl", "one"), "--graph", GRAPH_ONE)
    run("--data-dir", initialised, "load", turtle(tmp_path, "two.ttl", "two"), "--graph", GRAPH_TWO)
    again = run("--data-dir", initialised, "load", turtle(tmp_path, "one.ttl", "uno", "eins"), "--graph", GRAPH_ONE)
    assert again.exit_code == 0 and "2 added, 1 removed" in again.output, again.output
    assert values_in(initialised, GRAPH_ONE) == ["eins", "uno"]
    assert values_in(initialised, GRAPH_TWO) == ["two"]


def test_a_store_with_keys_made_the_old_way_still_replaces_the_same_source(data_dir, tmp_path):
    """Stores written before keys carried a hash: the catalog's key for the graph IRI is reused."""
    old_key = source_slug(GRAPH_TWO)
    old_file = turtle(tmp_path, "two.ttl", "two")
    with GraphStore.open(data_dir, base_url=BASE, create=True) as store:
        store.replace_source_parsed(SourceGraphs(name=old_key, label="two.ttl", importer="maarifa.load",
                                                 checksum=sha256_checksum(old_file.read_bytes()),
                                                 graph_iris={"public": GRAPH_TWO}),
                                    {"public": parse_file(old_file)})
    assert run("--data-dir", data_dir, "init").exit_code == 0
    reloaded = run("--data-dir", data_dir, "load", turtle(tmp_path, "two.ttl", "zwei"), "--graph", GRAPH_TWO)
    assert reloaded.exit_code == 0 and "1 added, 1 removed" in reloaded.output, reloaded.output
    loaded = run("--data-dir", data_dir, "load", turtle(tmp_path, "one.ttl", "one"), "--graph", GRAPH_ONE)
    assert "1 added, 0 removed" in loaded.output, loaded.output
    assert values_in(data_dir, GRAPH_TWO) == ["zwei"] and values_in(data_dir, GRAPH_ONE) == ["one"]
    with GraphStore.open(data_dir, base_url=BASE) as store:
        keys = {r.logical: r.source for r in store.records()}
    assert keys == {GRAPH_TWO: old_key, GRAPH_ONE: graph_source_key(GRAPH_ONE)}


def test_loading_into_a_graph_another_source_holds_is_refused(initialised, tmp_path):
    people = f"{BASE}/graph/people/public"
    with GraphStore.open(initialised, base_url=BASE) as store:
        data = turtle(tmp_path, "people.ttl", "someone")
        store.replace_source_parsed(SourceGraphs(name="people", label="people.csv", importer="maarifa.ingest.people",
                                                 checksum=sha256_checksum(data.read_bytes())),
                                    {"public": parse_file(data)})
        before = snapshot(store)
    result = run("--data-dir", initialised, "load", turtle(tmp_path, "mine.ttl", "mine"), "--graph", people)
    assert result.exit_code == 1
    assert f"graph <{people}> belongs to the source 'people'" in result.output and "nothing was written" in result.output
    with GraphStore.open(initialised, base_url=BASE) as store:
        assert snapshot(store) == before
