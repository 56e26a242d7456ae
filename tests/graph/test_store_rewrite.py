"""GraphStore.rewrite: every live quad kept, deleted values gone from the files; a crash at any
point of the directory swap leaves the old store or the new one, and no superseded copy."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from graph import GraphStore
from graph.storedir import STAGING_DIR, STORE_DIR, SUPERSEDED_DIR
from tests.security.disk import readable

from ..conftest import BASE, ROOT, load_file, snapshot

SECRET = "Kipchumbá-Øyelaran, a value that was deleted"


def _store_with_a_deleted_value(data_dir, tmp_path) -> bytes:
    """A store whose files hold a value it no longer answers (a source re-imported without it:
    the old version of its graph is dropped); returns the store's snapshot."""
    valid = (ROOT / "tests/fixtures/shapes/valid.ttl").read_text(encoding="utf-8")
    source = tmp_path / "valid.ttl"
    with GraphStore.open(data_dir, base_url=BASE, create=True) as store:
        source.write_text(valid + f'\n<id/skill/sparql> skos:altLabel "{SECRET}"@en .\n', encoding="utf-8")
        load_file(store, source, name="valid")
        source.write_text(valid, encoding="utf-8")
        load_file(store, source, name="valid")
        assert SECRET.encode() not in snapshot(store)
        store._store.flush()
        return snapshot(store)


def _files_holding(directory, text: str) -> list[str]:
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*")
                  if p.is_file() and text.encode() in readable(p))


def test_rewrite_keeps_every_quad_and_drops_the_deleted_values(data_dir, tmp_path):
    before = _store_with_a_deleted_value(data_dir, tmp_path)
    assert _files_holding(data_dir / STORE_DIR, SECRET), "the deleted value is in the files before the rewrite"
    with GraphStore.open(data_dir, base_url=BASE) as store:
        store.rewrite()
        assert snapshot(store) == before  # data, catalog and feed alike
    assert _files_holding(data_dir / STORE_DIR, SECRET) == []
    assert sorted(p.name for p in data_dir.iterdir() if p.name.startswith(".store")) == []
    with GraphStore.open(data_dir, base_url=BASE) as store:
        assert snapshot(store) == before


CRASH = textwrap.dedent("""
    import os, sys
    from pathlib import Path
    from graph import GraphStore
    import graph.storedir as storedir

    data_dir, when = Path(sys.argv[1]), sys.argv[2]
    store = GraphStore.open(data_dir, base_url="http://127.0.0.1:5000")
    if when == "copying":
        real = storedir.copy_live_quads
        def copy_then_die(source, data_dir):
            real(source, data_dir)  # a complete copy, but the old store was never renamed away
            os._exit(9)
        import graph.store
        graph.store.copy_live_quads = copy_then_die
    else:
        real_rename = Path.rename
        def rename_then_die(self, target):
            real_rename(self, target)
            if Path(target).name == storedir.SUPERSEDED_DIR:
                os._exit(9)  # the old store is renamed away, the new one not yet in
        Path.rename = rename_then_die
    store.rewrite()
""")


def _crash(data_dir, tmp_path, when: str) -> None:
    script = tmp_path / "crash.py"
    script.write_text(CRASH)
    done = subprocess.run([sys.executable, str(script), str(data_dir), when], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 9, done.stderr


def test_a_crash_between_the_two_renames_opens_the_new_store(data_dir, tmp_path):
    before = _store_with_a_deleted_value(data_dir, tmp_path)
    _crash(data_dir, tmp_path, "renaming")
    assert not (data_dir / STORE_DIR).exists()
    assert (data_dir / STAGING_DIR).is_dir() and (data_dir / SUPERSEDED_DIR).is_dir()
    with GraphStore.open(data_dir, base_url=BASE) as store:
        assert snapshot(store) == before
    assert not (data_dir / STAGING_DIR).exists() and not (data_dir / SUPERSEDED_DIR).exists()
    assert _files_holding(data_dir, SECRET) == []  # the superseded copy went with its deleted values


def test_a_crash_before_the_swap_keeps_the_old_store_and_drops_the_copy(data_dir, tmp_path):
    before = _store_with_a_deleted_value(data_dir, tmp_path)
    _crash(data_dir, tmp_path, "copying")
    assert (data_dir / STORE_DIR).is_dir() and (data_dir / STAGING_DIR).is_dir()
    with GraphStore.open(data_dir, base_url=BASE) as store:
        assert snapshot(store) == before
    assert not (data_dir / STAGING_DIR).exists()
