"""The write API: validated changes, staged source replacement, catalog, provenance."""

from __future__ import annotations

import threading

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from graph import Change, GraphStore, SourceGraphs, ValidationFailed
from graph.errors import RdfSyntaxError, StoreLocked, StoreMissing, UnknownFormat
from graph.rdfio import parse_file
from ontology import MF, SCHEMA

from ..conftest import BASE, FIXTURES, load_file, snapshot
from ..factories import iri, person, taxonomy

VALID = FIXTURES / "shapes" / "valid.ttl"


def people_graph(store):
    return store.logical_graph("people", "public")


def test_valid_change_commits_with_a_feed_entry(store):
    store.apply(Change().adding(store.logical_graph("taxonomy", "public"), taxonomy()))
    result = store.apply(Change().adding(people_graph(store), person("ada", {"1": 3})))
    assert result.changed and result.added == 10
    rows = store.select("SELECT ?level WHERE { ?c mf:skill ?s ; mf:level ?level }")
    assert [int(r["level"]) for r in rows] == [3]
    entry = store.feed.entry(result.seq)
    assert entry.payload["kind"] == "change"
    assert f"<{iri('person', 'ada')}>" in entry.payload["add"]
    # payloads name the logical graph, never the physical version
    assert f"<{people_graph(store)}> ." in entry.payload["add"]


def test_invalid_change_is_rejected_whole_and_leaves_the_store_unchanged(store):
    store.apply(Change().adding(store.logical_graph("taxonomy", "public"), taxonomy()))
    before = snapshot(store)
    bad = person("bob", {"1": 9})  # level out of range
    with pytest.raises(ValidationFailed) as failed:
        store.apply(Change(origins={str(iri("person", "bob")): "people.csv, row 3"}).adding(people_graph(store), bad))
    violation = failed.value.violations[0]
    assert violation.node == f"{iri('person', 'bob')}#claim-1"
    assert violation.path == MF.level
    assert "1 to 4" in violation.message
    assert snapshot(store) == before


def test_violation_report_names_the_source_row(mem_store):
    triples = [t for t in person("eve") if t[1] != URIRef(SCHEMA.name)]
    with pytest.raises(ValidationFailed) as failed:
        mem_store.apply(Change(origins={str(iri("person", "eve")): "people.csv, row 7"})
                        .adding(people_graph(mem_store), triples))
    assert "people.csv, row 7" in str(failed.value)
    assert SCHEMA.name in str(failed.value)


def test_removing_a_skill_that_claims_point_to_is_rejected(mem_store):
    tax = mem_store.logical_graph("taxonomy", "public")
    mem_store.apply(Change().adding(tax, taxonomy()))
    mem_store.apply(Change().adding(people_graph(mem_store), person("ada", {"2": 1})))
    skill_triples = [t for t in taxonomy() if t[0] == iri("skill", "2")]
    with pytest.raises(ValidationFailed) as failed:
        mem_store.apply(Change().removing(tax, skill_triples))
    assert any(v.path == MF.skill for v in failed.value.violations)


def test_update_replaces_a_value(mem_store):
    mem_store.apply(Change().adding(mem_store.logical_graph("taxonomy", "public"), taxonomy()))
    g = people_graph(mem_store)
    mem_store.apply(Change().adding(g, person("ada", {"1": 1})))
    claim = URIRef(f"{iri('person', 'ada')}#claim-1")
    level = URIRef(MF.level)
    result = mem_store.apply(Change().removing(g, [(claim, level, Literal("1", datatype=XSD.integer))])
                             .adding(g, [(claim, level, Literal("4", datatype=XSD.integer))]))
    assert (result.added, result.removed) == (1, 1)
    assert [int(o) for _, _, o in mem_store.triples(claim, level)] == [4]


def test_an_empty_or_no_op_change_writes_no_feed_entry(mem_store):
    mem_store.apply(Change().adding(mem_store.logical_graph("taxonomy", "public"), taxonomy()))
    head = mem_store.feed.head
    assert not mem_store.apply(Change()).changed
    assert not mem_store.apply(Change().adding(mem_store.logical_graph("taxonomy", "public"), taxonomy())).changed
    assert mem_store.feed.head == head


def test_replace_source_switches_graphs_and_records_provenance(store):
    first = load_file(store, VALID, name="sample")
    assert first.changed and first.added > 50
    record = store.record(store.logical_graph("sample", "public"))
    assert record.label == "valid.ttl" and record.checksum.startswith("sha256:")
    assert "/" not in record.label, "provenance must not carry local paths"
    again = load_file(store, VALID, name="sample")
    assert not again.changed and again.unchanged == first.added
    count = store.count()
    # a changed source replaces exactly its graph
    triples = [t for t in parse_file(VALID) if "ada#lang-en" not in str(t[0]) and "ada#lang-en" not in str(t[2])]
    source = SourceGraphs(name="sample", label="valid.ttl", importer="pytest", checksum="sha256:" + "1" * 64)
    result = store.replace_source_parsed(source, {"public": triples})
    assert result.removed == 4 and result.added == 0
    assert store.count() == count - 4
    new_record = store.record(store.logical_graph("sample", "public"))
    assert new_record.physical != record.physical
    # the superseded version is gone from the store, only its history remains in the catalog
    assert not list(store._store.quads_for_pattern(None, None, None, __import__("pyoxigraph").NamedNode(record.physical)))


def test_dry_run_writes_nothing(store):
    before = snapshot(store)
    triples = parse_file(VALID)
    source = SourceGraphs(name="sample", label="valid.ttl", importer="pytest", checksum="sha256:" + "2" * 64)
    result = store.replace_source_parsed(source, {"public": triples}, dry_run=True)
    assert result.added == len(set(triples)) and not result.changed
    assert snapshot(store) == before


def test_oversized_literal_is_rejected(store):
    store.apply(Change().adding(store.logical_graph("taxonomy", "public"), taxonomy()))
    before = snapshot(store)
    s = iri("skill", "1")
    big = Literal("x" * (10 * 1024 * 1024), lang="en")
    with pytest.raises(ValidationFailed) as failed:
        store.apply(Change().adding(store.logical_graph("taxonomy", "public"), [(s, URIRef(MF.note), big)]))
    assert "larger than the limit" in str(failed.value)
    assert snapshot(store) == before


@pytest.mark.parametrize("name, content, line", [
    ("bad.ttl", "@prefix ex: <http://e/> .\nex:a ex:b ex:c .\nex:a ex:b \"unterminated .\n", 3),
    ("bad.nt", "<http://e/a> <http://e/b> <http://e/c> .\n<http://e/a> <http://e/b> .\n", 2),
    ("bad.jsonld", '{"@id": "http://e/a", "http://e/b": [}', 1),
    ("prefix.ttl", "\n\nfoo:a <http://e/b> <http://e/c> .\n", 3),
])
def test_malformed_rdf_names_file_line_and_column(tmp_path, name, content, line):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(RdfSyntaxError) as failed:
        parse_file(path)
    assert failed.value.source == name
    assert failed.value.line == line
    assert f"{name}, line {line}" in str(failed.value)


def test_unknown_prefix_message(tmp_path):
    path = tmp_path / "prefix.ttl"
    path.write_text("foo:a <http://e/b> <http://e/c> .\n")
    with pytest.raises(RdfSyntaxError, match="prefix foo: has not been declared"):
        parse_file(path)


def test_unknown_format(tmp_path):
    path = tmp_path / "data.xyz"
    path.write_text("whatever")
    with pytest.raises(UnknownFormat, match="data.xyz: unknown RDF format"):
        parse_file(path)


def test_remote_jsonld_context_is_refused_without_fetching(tmp_path):
    path = tmp_path / "remote.jsonld"
    path.write_text('{"@context": "http://127.0.0.1:9/ctx.jsonld", "@id": "http://e/a", "name": "x"}')
    with pytest.raises(RdfSyntaxError, match="remote"):
        parse_file(path)


def test_missing_data_directory_suggests_init(tmp_path):
    with pytest.raises(StoreMissing, match="maarifa init"):
        GraphStore.open(tmp_path / "nowhere", base_url=BASE)


def test_a_second_opener_is_told_who_holds_the_store(store, data_dir):
    with pytest.raises(StoreLocked) as locked:
        GraphStore.open(data_dir, base_url=BASE)
    assert "pytest" in str(locked.value) and str(__import__("os").getpid()) in str(locked.value)


def test_readers_never_see_half_a_commit(store):
    store.apply(Change().adding(store.logical_graph("taxonomy", "public"), taxonomy([str(i) for i in range(10)])))
    stop, seen, errors = threading.Event(), [], []

    def read():
        query = ("SELECT (COUNT(DISTINCT ?p) AS ?people) (COUNT(?c) AS ?claims) "
                 "WHERE { ?p a mf:Person . OPTIONAL { ?p mf:hasClaim ?c } }")
        while not stop.is_set():
            row = store.select(query)[0]
            people, claims = int(row["people"]), int(row["claims"])
            seen.append(people)
            if claims != 10 * people:
                errors.append((people, claims))

    readers = [threading.Thread(target=read) for _ in range(2)]
    for r in readers:
        r.start()
    for n in range(40):
        store.apply(Change().adding(people_graph(store), person(f"user{n}", {str(i): 1 + i % 4 for i in range(10)})))
    stop.set()
    for r in readers:
        r.join()
    assert not errors, f"a reader saw a partial commit: {errors[:3]}"
    assert max(seen) >= 1 and len(set(seen)) > 1, "readers ran while writes committed"


def test_feed_cursor_survives_reopening(data_dir):
    with GraphStore.open(data_dir, base_url=BASE, create=True) as store:
        store.apply(Change().adding(store.logical_graph("taxonomy", "public"), taxonomy()))
        store.apply(Change().adding(people_graph(store), person("ada")))
        store.feed.set_cursor("search", 1)
    with GraphStore.open(data_dir, base_url=BASE) as store:
        assert store.feed.head == 2
        assert store.feed.cursor("search") == 1
        assert [e.seq for e in store.feed.read(store.feed.cursor("search"))] == [2]
        assert store.feed.lag("search") == 1


def test_files_are_bulk_loaded_directly_unless_blank_nodes_need_names(store, tmp_path):
    from graph.rdfio import describe_file

    plain = tmp_path / "plain.ttl"
    plain.write_text(VALID.read_text())
    source = SourceGraphs(name="plain", label="plain.ttl", importer="pytest", checksum="sha256:" + "4" * 64)
    parsed = parse_file(plain)
    store.replace_source_parsed(source, {"public": parsed}, files={"public": [describe_file(plain)]})
    assert store.count() == len(set(parsed)) and store.validate_all() == []
    blank = tmp_path / "blank.ttl"
    blank.write_text('<https://node.example/id/skill/sparql> <http://www.w3.org/2004/02/skos/core#note> [ '
                     '<http://www.w3.org/2000/01/rdf-schema#label> "a note" ] .\n')
    source = SourceGraphs(name="blank", label="blank.ttl", importer="pytest", checksum="sha256:" + "5" * 64)
    store.replace_source_parsed(source, {"public": parse_file(blank)}, files={"public": [describe_file(blank)]})
    notes = list(store.triples(URIRef("https://node.example/id/skill/sparql"), URIRef("http://www.w3.org/2004/02/skos/core#note")))
    assert len(notes) == 1 and "/.well-known/genid/" in str(notes[0][2]), "blank nodes get stable IRIs"
