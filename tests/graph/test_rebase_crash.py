"""A rebase is one switch: killed after its graphs were staged, the store is still at the old
base, the staged graphs are dropped on reopening, and the rebase can simply be run again.
A store that does not conform to the shapes is not rebased."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pyoxigraph as ox
import pytest

from graph import GraphStore
from graph.errors import ValidationFailed
from graph.rebase import is_under, plan_rebase, rebase

from ..conftest import BASE, FIXTURES, ROOT, load_file, snapshot
from .pausing import PAUSING_STORE

NEW = "https://new.example.org"

KILLED_BEFORE_THE_SWITCH = PAUSING_STORE + textwrap.dedent("""
    import sys
    from graph import GraphStore
    from graph.rebase import rebase

    store = GraphStore.open(sys.argv[1], base_url=sys.argv[2])
    store._store = PausingStore(store._store, "update", "STAGED")  # the transaction that switches the graphs
    rebase(store, sys.argv[3])
""")


def test_a_rebase_killed_before_its_switch_leaves_the_old_store(data_dir, tmp_path):
    with GraphStore.open(data_dir, base_url=BASE, create=True) as store:
        load_file(store, FIXTURES / "shapes" / "valid.ttl", name="valid")
        before = snapshot(store)
    script = tmp_path / "rebaser.py"
    script.write_text(KILLED_BEFORE_THE_SWITCH)
    with subprocess.Popen([sys.executable, str(script), str(data_dir), BASE, NEW], stdout=subprocess.PIPE,
                          text=True, cwd=ROOT) as child:
        try:
            assert child.stdout.readline().strip() == "STAGED"
            os.kill(child.pid, signal.SIGKILL)
        finally:
            child.wait(30)
    with GraphStore.open(data_dir, base_url=BASE) as store:
        assert store.base_url == BASE and snapshot(store) == before
        leftovers = [g.value for g in store._store.named_graphs() if is_under(g.value, NEW)]
        assert leftovers == [], "the staged graphs are dropped on reopening"
        assert rebase(store, NEW).seq == store.feed.head
    with GraphStore.open(data_dir, base_url=NEW) as store:
        assert store.count() > 0


def test_a_store_that_breaks_the_shapes_is_not_rebased(store):
    load_file(store, FIXTURES / "shapes" / "valid.ttl", name="valid")
    physical = store.record(store.logical_graph("valid", "public")).physical
    # written behind the store's back (as by an older version with laxer shapes): a person without a name
    store._store.add(ox.Quad(ox.NamedNode(f"{BASE}/id/person/nameless"),
                             ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                             ox.NamedNode("https://w3id.org/maarifa/ns#Person"), ox.NamedNode(physical)))
    before = snapshot(store)
    for attempt in (plan_rebase, rebase):
        with pytest.raises(ValidationFailed) as failed:
            attempt(store, NEW)
        assert f"{NEW}/id/person/nameless" in str(failed.value) and "nothing was written" in str(failed.value)
        assert snapshot(store) == before and store.base_url == BASE
