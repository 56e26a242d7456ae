"""Every kind of violation the shapes forbid is caught on write, and the compiled checks agree
with pySHACL (the reference implementation) on every fixture."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from graph import Change, GraphStore, SourceGraphs, ValidationFailed
from graph.rdfio import parse_file

from ..conftest import BASE, FIXTURES, load_file, snapshot
from ..factories import taxonomy

INVALID = sorted((FIXTURES / "shapes" / "invalid").glob("*.ttl"))
VALID = FIXTURES / "shapes" / "valid.ttl"


def expectations(path: Path) -> tuple[str, str]:
    text = path.read_text(encoding="utf-8")
    return (re.search(r"# expect-focus: <?([^>\s]*)", text).group(1), re.search(r"# expect-path: <?([^>\s]*)", text).group(1))


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_each_violation_is_rejected_on_write(store, path):
    # unrelated data already in the store must come through untouched
    store.apply(Change().adding(store.logical_graph("taxonomy", "public"), taxonomy()))
    before = snapshot(store)
    focus, prop = expectations(path)
    with pytest.raises(ValidationFailed) as failed:
        load_file(store, path, name="bad")
    assert any(v.node == focus and v.path == prop and v.message for v in failed.value.violations), \
        failed.value.summary()
    assert snapshot(store) == before


@pytest.mark.parametrize("path", [VALID, *INVALID], ids=lambda p: p.stem)
def test_compiled_checks_agree_with_pyshacl(path):
    store = GraphStore.in_memory(BASE)
    triples = parse_file(path)
    compiled = {(v.node, v.path) for v in store.validate_triples(triples)}
    reference = {(v.node, v.path) for v in store.validate_triples(triples, reference=True)}
    assert compiled == reference


def test_whole_store_validation_reports_nothing_on_valid_data(store):
    load_file(store, VALID, name="valid")
    assert store.validate_all() == []
    assert store.validate_all(reference=True) == []


def test_report_lists_every_violation_not_just_the_first(mem_store, tmp_path):
    bad = tmp_path / "many.ttl"
    bad.write_text("\n".join(
        f"<{BASE}/id/person/p{i}> a <https://w3id.org/maarifa/ns#Person> ." for i in range(5)))
    source = SourceGraphs(name="many", label="many.ttl", importer="pytest", checksum="sha256:" + "3" * 64)
    with pytest.raises(ValidationFailed) as failed:
        mem_store.replace_source_parsed(source, {"public": parse_file(bad)})
    assert len({v.node for v in failed.value.violations}) == 5
