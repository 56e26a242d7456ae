"""The data directory remembers its base URL (issue 11, item 2): stored by `maarifa init`, used
when none is set, and any other one refused with both named."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from graph import GraphStore
from graph.errors import BaseUrlMismatch
from graph.node import NODE_GRAPH, stored_base_url

from ..conftest import snapshot
from .test_cli import VALID, run

OLD = "https://old.example.org"
NEW = "https://new.example.org"


@pytest.fixture(autouse=True)
def no_base_in_the_environment(monkeypatch):
    for name in ("MAARIFA_BASE_URL", "MAARIFA_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def node(data_dir):
    """A data directory initialised with the base URL OLD, holding one loaded file."""
    assert run("--data-dir", data_dir, "--base-url", OLD, "init").exit_code == 0
    assert run("--data-dir", data_dir, "load", VALID).exit_code == 0
    return data_dir


def store_snapshot(data_dir) -> bytes:
    with GraphStore.open(data_dir, base_url=OLD) as store:
        return snapshot(store)


def relative_file(tmp_path):
    path = tmp_path / "relative.ttl"
    path.write_text('<thing> <http://example.org/says> "hello" .\n')
    return path


def test_init_stores_the_base_url_in_the_store(node):
    with GraphStore.open(node, base_url=OLD) as store:
        assert stored_base_url(store._store) == OLD
        assert f'"{OLD}"'.encode() in snapshot(store)  # in the store itself: it travels with backup/restore


def test_commands_without_a_base_url_use_the_stored_one(node, tmp_path):
    shown = run("--data-dir", node, "settings", "--json")
    assert shown.exit_code == 0 and json.loads(shown.output)["base_url"] == OLD
    assert run("--data-dir", node, "load", relative_file(tmp_path)).exit_code == 0
    with GraphStore.open(node, base_url=OLD) as store:
        assert store.ask(f"ASK {{ <{OLD}/id/thing> ?p ?o }}")
        assert store.record(f"{OLD}/graph/relative/public") is not None


@pytest.mark.parametrize("command", [
    ["serve", "--port", "1"],
    ["load", VALID, "--graph", "https://example.org/graph/other"],
    ["ingest", "rdf", VALID],
    ["badge", "issue", "commons", "ada"],
    ["validate"],
    ["query", "ASK {}"],
    ["init"],
    ["reindex"],
])
def test_a_command_run_with_another_base_url_refuses_naming_both(node, command):
    before = store_snapshot(node)
    result = run("--data-dir", node, "--base-url", NEW, *command)
    assert result.exit_code == 1, result.output
    message = result.output.strip()
    assert message.count("\n") == 0, "one line"
    assert OLD in message and NEW in message and "--base-url" in message
    assert f"maarifa rebase {NEW}" in message and "nothing was changed" in message
    assert store_snapshot(node) == before


def test_the_message_says_where_the_other_base_url_came_from(node, monkeypatch):
    monkeypatch.setenv("MAARIFA_BASE_URL", NEW + "/")
    result = run("--data-dir", node, "validate")
    assert result.exit_code == 1 and "MAARIFA_BASE_URL asks for " + NEW in result.output
    monkeypatch.delenv("MAARIFA_BASE_URL")
    (node / "maarifa.toml").write_text(f'base_url = "{NEW}"\n')
    result = run("--data-dir", node, "validate")
    assert result.exit_code == 1 and f"base_url in {node / 'maarifa.toml'} asks for {NEW}" in result.output
    (node / "maarifa.toml").write_text(f'base_url = "{OLD}/"\n')  # the same base, written differently
    assert run("--data-dir", node, "validate").exit_code == 0


def test_the_store_itself_refuses_another_base_url_and_stays_usable(node):
    with pytest.raises(BaseUrlMismatch, match=f"has the base URL {OLD}, but this command asks for {NEW}"):
        GraphStore.open(node, base_url=NEW)
    with GraphStore.open(node, base_url=OLD) as store:  # the lock and RocksDB were released
        assert store.count() > 0


def forget_the_base_url(data_dir):
    """Make the store look like one written before the base URL was stored."""
    store = ox.Store(str(data_dir / "store"))
    store.remove_graph(ox.NamedNode(NODE_GRAPH))
    store.flush()
    del store


def test_an_older_store_adopts_the_base_its_iris_were_minted_under(node, tmp_path):
    forget_the_base_url(node)
    refused = run("--data-dir", node, "--base-url", NEW, "validate")
    assert refused.exit_code == 1 and f"{OLD} (the base its IRIs were minted under)" in refused.output
    assert run("--data-dir", node, "load", relative_file(tmp_path)).exit_code == 0  # no base URL given
    with GraphStore.open(node, base_url=OLD) as store:
        assert stored_base_url(store._store) == OLD and store.base_url_adopted is None
        assert store.ask(f"ASK {{ <{OLD}/id/thing> ?p ?o }}")


def test_an_older_empty_store_adopts_the_base_it_is_first_opened_with(data_dir):
    assert run("--data-dir", data_dir, "init").exit_code == 0
    forget_the_base_url(data_dir)
    with GraphStore.open(data_dir, base_url=NEW) as store:
        assert store.base_url_adopted == "requested"
    assert json.loads(run("--data-dir", data_dir, "settings", "--json").output)["base_url"] == NEW


def test_the_adoption_is_announced_once(node, tmp_path):
    forget_the_base_url(node)
    first = run("--data-dir", node, "load", relative_file(tmp_path))
    assert first.exit_code == 0 and f"adopted {OLD} (the base its IRIs were minted under) and stored it" in first.output
    assert "adopted" not in run("--data-dir", node, "validate").output


def test_a_restored_backup_brings_its_base_url(node, tmp_path):
    assert run("--data-dir", node, "backup", tmp_path / "bk").exit_code == 0
    other = tmp_path / "other"
    assert run("--data-dir", other, "--base-url", NEW, "init").exit_code == 0
    refused = run("--data-dir", other, "--base-url", NEW, "restore", tmp_path / "bk")
    assert refused.exit_code == 1 and OLD in refused.output and NEW in refused.output
    assert json.loads(run("--data-dir", other, "settings", "--json").output)["base_url"] == NEW  # not replaced
    restored = run("--data-dir", other, "restore", tmp_path / "bk")
    assert restored.exit_code == 0, restored.output
    assert json.loads(run("--data-dir", other, "settings", "--json").output)["base_url"] == OLD
