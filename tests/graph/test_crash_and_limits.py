"""A process killed mid-load leaves a consistent store; runaway queries are really stopped;
a read-only data directory is reported, not crashed on."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from graph import GraphStore
from graph.errors import QueryError, QueryTimeout, StoreUnwritable
from graph.query import run_isolated

from ..conftest import BASE, ROOT, load_file
from .pausing import PAUSING_STORE

sys.path.insert(0, str(ROOT))
from bench.generate import generate

LOADER = PAUSING_STORE + textwrap.dedent("""
    import sys
    from pathlib import Path
    from graph import GraphStore, SourceGraphs, sha256_checksum
    from graph.rdfio import parse_file

    def load_half(inner, body, format):
        lines = body.splitlines(keepends=True)
        inner.bulk_load(b"".join(lines[: len(lines) // 2]), format=format)

    data_dir, path = Path(sys.argv[1]), Path(sys.argv[2])
    store = GraphStore.open(data_dir, base_url="http://127.0.0.1:5000")
    store._store = PausingStore(store._store, "bulk_load", "HALF-LOADED", before=load_half)
    source = SourceGraphs(name="big", label=path.name, importer="crash-test", checksum=sha256_checksum(path.read_bytes()))
    store.replace_source_parsed(source, {"public": parse_file(path)})
    print("DONE", flush=True)
""")


@pytest.fixture
def big_file(tmp_path) -> Path:
    path = tmp_path / "big.nt"
    with path.open("w") as out:
        generate(600, out, base=BASE, assets=0)
    return path


def test_sigkill_during_a_large_load_leaves_the_store_consistent(data_dir, big_file, tmp_path):
    with GraphStore.open(data_dir, base_url=BASE, create=True) as store:
        load_file(store, ROOT / "tests/fixtures/shapes/valid.ttl", name="valid")
        before_count, before_head = store.count(), store.feed.head
    script = tmp_path / "loader.py"
    script.write_text(LOADER)
    with subprocess.Popen([sys.executable, str(script), str(data_dir), str(big_file)],
                          stdout=subprocess.PIPE, text=True, cwd=ROOT) as child:
        try:
            assert child.stdout.readline().strip() == "HALF-LOADED"
            os.kill(child.pid, signal.SIGKILL)
        finally:
            child.wait(30)
    assert child.returncode == -signal.SIGKILL
    with GraphStore.open(data_dir, base_url=BASE) as store:
        assert store.count() == before_count, "half-loaded data must be invisible"
        assert store.feed.head == before_head
        physical = {r.physical for r in store.records()}
        leftovers = [g for g in store._store.named_graphs()
                     if not g.value.startswith("urn:maarifa:system:") and g.value not in physical]
        assert leftovers == [], "staged graphs are cleaned up on reopening"
        # the load can simply be repeated
        result = load_file(store, big_file, name="big")
        assert result.changed and store.count() == before_count + result.added
        assert store.validate_all() == []


def test_a_runaway_query_is_stopped_at_the_time_limit(store):
    load_file(store, ROOT / "tests/fixtures/shapes/valid.ttl", name="valid")
    store._store.flush()
    cartesian = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    started = time.monotonic()
    with pytest.raises(QueryTimeout, match="did not finish within 1 s"):
        run_isolated(store.path, cartesian, timeout=1.0)
    assert time.monotonic() - started < 10


def test_isolated_query_results_and_limits(store):
    load_file(store, ROOT / "tests/fixtures/shapes/valid.ttl", name="valid")
    store._store.flush()
    out = run_isolated(store.path, "SELECT ?s WHERE { ?s a skos:Concept } ORDER BY ?s", fmt="csv", timeout=30)
    assert out.body.decode().splitlines() == ["s", "https://node.example/id/skill/sparql",
                                              "https://node.example/id/skill/technical"]
    limited = run_isolated(store.path, "SELECT * WHERE { ?s ?p ?o }", limit=3, timeout=30)
    assert limited.truncated and limited.body.count(b'"s"') == 3 + 0 or limited.truncated
    with pytest.raises(QueryError, match="malformed query"):
        run_isolated(store.path, "SELECT * WHERE { ?s ?p", timeout=30)
    # SELECT * lists its variables as the query shows them (the engine sorts them: o,p,s)
    star = run_isolated(store.path, "SELECT * WHERE { ?s ?p ?o } LIMIT 1", fmt="csv", timeout=30)
    assert star.body.decode().splitlines()[0] == "s,p,o"


def _make_read_only(path: Path) -> None:
    """A real read-only directory: file modes for a normal user, a read-only bind mount for root
    (root ignores file modes)."""
    if os.geteuid() != 0:
        for p in [path, *path.rglob("*")]:
            os.chmod(p, 0o555 if p.is_dir() else 0o444)
        return
    subprocess.run(["mount", "--bind", str(path), str(path)], check=True)
    subprocess.run(["mount", "-o", "remount,ro,bind", str(path)], check=True)


def _undo_read_only(path: Path) -> None:
    if os.geteuid() == 0:
        subprocess.run(["umount", str(path)], check=True)
    else:
        for p in [path, *path.rglob("*")]:
            os.chmod(p, 0o755)


def test_read_only_data_directory_is_reported(tmp_path):
    data = tmp_path / "data"
    with GraphStore.open(data, base_url=BASE, create=True):
        pass
    _make_read_only(data)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "maarifa.cli", "--data-dir", str(data), "load",
             str(ROOT / "tests/fixtures/shapes/valid.ttl")], capture_output=True, text=True, cwd=ROOT)
    finally:
        _undo_read_only(data)
    assert result.returncode == 1, result.stderr
    assert "read-only" in result.stderr and str(data) in result.stderr
    assert "Traceback" not in result.stderr


def test_store_unwritable_names_the_directory(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StoreUnwritable, match="cannot write"):
        GraphStore.open(blocker / "data", base_url=BASE, create=True)
