"""SPARQL 1.1 Update through ``/sparql`` (admin token) on the main store: logical graphs,
validation, atomicity, new graphs with provenance, and the public replica following."""

from __future__ import annotations

import pytest
import requests

from graph.sparql_update import run_update

SKOS = "http://www.w3.org/2004/02/skos/core#"
EX = "http://example.org/"


@pytest.fixture
def admin(node):
    return {"Authorization": f"Bearer {node.services.tokens.create('admin', 'admin')}"}


def update(node, admin, text: str, **params) -> requests.Response:
    return requests.post(node.sparql, params=params, data=text.encode(),
                         headers={"Content-Type": "application/sparql-update", **admin})


def ask(node, text: str) -> bool:
    return requests.get(node.sparql, params={"query": text}).json()["boolean"]


def column(node, graph: str, position: int) -> list[str]:
    """One position (0 subject, 1 predicate, 2 object) of a graph's triples, as plain values."""
    return sorted(t[position].value for t in node.store.graph_triples(graph))


def snapshot(node) -> tuple:
    """Everything an update could change: the quads of every active graph, the catalog, the feed."""
    store = node.store
    quads = sorted((r.logical, *map(str, t)) for r in store.records() for t in store.graph_triples(r.logical))
    return quads, [(r.logical, r.physical) for r in store.records()], store.feed.head


def test_delete_insert_where_names_logical_graphs_and_reaches_the_replica(node, admin):
    taxonomy = node.store.logical_graph("taxonomy", "public")
    response = update(node, admin, f"""PREFIX skos: <{SKOS}>
        INSERT {{ GRAPH <{EX}index/> {{ ?skill <{EX}listedIn> ?g }} }}
        WHERE {{ GRAPH ?g {{ ?skill a skos:Concept }} }}""")
    assert response.status_code == 200, response.text
    # ?g is the logical graph the catalog lists, never its physical version
    assert set(column(node, f"{EX}index/", 2)) == {taxonomy}
    assert ask(node, f"ASK {{ GRAPH <{EX}index/> {{ <{node.url}/id/skill/1> <{EX}listedIn> <{taxonomy}> }} }}")


def test_with_delete_insert_rewrites_in_place(node, admin):
    taxonomy = node.store.logical_graph("taxonomy", "public")
    response = update(node, admin, f"""PREFIX skos: <{SKOS}>
        WITH <{taxonomy}>
        DELETE {{ ?s skos:prefLabel ?old }} INSERT {{ ?s skos:prefLabel ?new }}
        WHERE {{ ?s skos:prefLabel ?old FILTER(STR(?old) = "Skill 2") BIND(STRLANG("Skill two", "en") AS ?new) }}""")
    assert response.status_code == 200 and "1 added, 1 removed" in response.text, response.text
    assert ask(node, f'ASK {{ <{node.url}/id/skill/2> <{SKOS}prefLabel> "Skill two"@en }}')
    assert not ask(node, f'ASK {{ <{node.url}/id/skill/2> <{SKOS}prefLabel> "Skill 2"@en }}')


def test_an_update_that_breaks_the_shapes_changes_nothing(node, admin):
    before = snapshot(node)
    response = update(node, admin, f"""PREFIX skos: <{SKOS}>
        INSERT DATA {{ GRAPH <{EX}fine/> {{ <{EX}a> <{EX}p> "kept?" }} }} ;
        DELETE {{ GRAPH ?g {{ ?s skos:prefLabel ?l }} }} WHERE {{ GRAPH ?g {{ ?s a skos:Concept ; skos:prefLabel ?l }} }}""")
    assert response.status_code == 400 and "prefLabel" in response.text and "nothing was written" in response.text
    assert snapshot(node) == before
    assert not ask(node, 'ASK { ?s ?p "kept?" }')


@pytest.mark.parametrize("failing, says", [
    (f"DROP GRAPH <{EX}never-made/>", "no such graph"),
    (f"CREATE GRAPH <{EX}fine/>", "exists already"),
    ("LOAD <http://127.0.0.1:9/data.ttl>", "LOAD is not accepted"),
    (f"INSERT {{ GRAPH <{EX}x/> {{ ?s ?p ?o }} }} WHERE {{ SERVICE <http://127.0.0.1:9/sparql> {{ ?s ?p ?o }} }}",
     "not on this node's allow-list"),
    ("CLEAR DEFAULT", "no triples in the default graph"),
    (f"INSERT DATA {{ <{EX}a> <{EX}p> 1 }}", "name the graph"),
    (f"DELETE {{ GRAPH <{EX}fine/> {{ _:b ?p ?o }} }} WHERE {{ GRAPH <{EX}fine/> {{ ?s ?p ?o }} }}",
     "blank nodes are not allowed"),
    (f"COPY <{EX}fine/> TO DEFAULT", "no triples in the default graph"),
    ("INSERT DATA { GRAPH <x:y> { <x:a> <x:b> ", "malformed update: line 2"),
    ("INSERT DATA { GRAPH <urn:maarifa:system:catalog> { <x:a> <x:b> <x:c> } }", "own bookkeeping"),
    ("CREATE GRAPH <urn:maarifa:system:feed>", "own bookkeeping"),
])
def test_a_request_with_a_failing_operation_changes_nothing(shared_node, failing, says):
    node, admin = shared_node, {"Authorization": f"Bearer {shared_node.services.tokens.create('a', 'admin')}"}
    assert update(node, admin, f"INSERT DATA {{ GRAPH <{EX}fine/> {{ <{EX}a> <{EX}p> 1 }} }}").status_code == 200
    before = snapshot(node)
    response = update(node, admin, f"INSERT DATA {{ GRAPH <{EX}fine/> {{ <{EX}b> <{EX}p> 2 }} }} ;\n{failing}")
    assert response.status_code == 400 and says in response.text, response.text
    assert snapshot(node) == before
    # and the node keeps serving
    assert ask(node, f"ASK {{ GRAPH <{EX}fine/> {{ <{EX}a> <{EX}p> 1 }} }}")


def test_a_stored_version_is_not_a_graph_name(node, admin):
    version = node.store.record(node.store.logical_graph("taxonomy", "public")).physical
    before = snapshot(node)
    response = update(node, admin, f"INSERT DATA {{ GRAPH <{version}> {{ <{EX}a> <{EX}p> 1 }} }}")
    assert response.status_code == 400 and "stored version of" in response.text
    assert snapshot(node) == before


def test_graph_management_create_add_copy_move_drop(node, admin):
    source, copy, moved = f"{EX}src/", f"{EX}copy/", f"{EX}moved/"
    response = update(node, admin, f"""
        INSERT DATA {{ GRAPH <{source}> {{ <{EX}a> <{EX}p> 1 , 2 }} GRAPH <{copy}> {{ <{EX}old> <{EX}p> 0 }} }} ;
        CREATE GRAPH <{EX}empty/> ;
        ADD <{source}> TO <{EX}added/> ;
        COPY <{source}> TO <{copy}> ;
        MOVE <{EX}added/> TO <{moved}> ;
        DROP SILENT GRAPH <{EX}never-made/>""")
    assert response.status_code == 200, response.text
    assert column(node, copy, 2) == ["1", "2"]  # COPY replaced what was there
    assert column(node, moved, 2) == ["1", "2"] and column(node, source, 2) == ["1", "2"]
    logical = {r.logical for r in node.store.records()}
    assert f"{EX}empty/" in logical and f"{EX}added/" not in logical  # MOVE dropped its source
    assert update(node, admin, f"DROP GRAPH <{moved}> ; CLEAR GRAPH <{copy}>").status_code == 200
    logical = {r.logical for r in node.store.records()}
    assert moved not in logical and copy in logical and column(node, copy, 2) == []
    assert not ask(node, f"ASK {{ GRAPH <{moved}> {{ ?s ?p ?o }} }}")


def test_new_graphs_get_provenance_and_the_access_level_their_iri_names(node, admin):
    notes = node.store.logical_graph("notes", "private")
    response = update(node, admin, f"""INSERT DATA {{
        GRAPH <{EX}open/> {{ <{EX}a> <{EX}p> "open" }}
        GRAPH <{notes}> {{ <{EX}a> <{EX}p> "secret" }} }}""")
    assert response.status_code == 200, response.text
    opened, private = node.store.record(f"{EX}open/"), node.store.record(notes)
    assert (opened.access, private.access) == ("public", "private")
    assert opened.importer == "maarifa.sparql" and opened.physical.startswith(f"{EX}open//v/")
    assert ask(node, 'ASK { ?s ?p "open" }') and not ask(node, 'ASK { ?s ?p "secret" }')
    provenance = f"{node.url}/graph/provenance"
    assert ask(node, f"ASK {{ GRAPH <{provenance}> {{ <{EX}open/> <http://purl.org/dc/terms/source> ?source }} }}")


def test_using_and_protocol_dataset(node, admin):
    seed = f"""INSERT DATA {{ GRAPH <{EX}g1/> {{ <{EX}a> a <{EX}Doc> }} GRAPH <{EX}g2/> {{ <{EX}b> a <{EX}Doc> }} }}"""
    assert update(node, admin, seed).status_code == 200
    using = f"INSERT {{ GRAPH <{EX}out1/> {{ ?s a <{EX}Seen> }} }} USING <{EX}g1/> WHERE {{ ?s a <{EX}Doc> }}"
    assert update(node, admin, using).status_code == 200
    assert column(node, f"{EX}out1/", 0) == [f"{EX}a"]
    union = f"INSERT {{ GRAPH <{EX}out2/> {{ ?s a <{EX}Seen> }} }} WHERE {{ ?s a <{EX}Doc> }}"
    assert update(node, admin, union).status_code == 200  # no dataset named: the union of every graph
    assert column(node, f"{EX}out2/", 0) == [f"{EX}a", f"{EX}b"]
    conflict = update(node, admin, using, **{"using-graph-uri": f"{EX}g2/"})
    assert conflict.status_code == 400 and "cannot be combined" in conflict.text


def test_a_where_sees_every_graph_it_reads_also_inside_exists(node, admin):
    """Only the graphs a WHERE reads are copied for the engine: those named in (NOT) EXISTS too."""
    seed = (f"INSERT DATA {{ GRAPH <{EX}g1/> {{ <{EX}a> a <{EX}Doc> . <{EX}b> a <{EX}Doc> }} "
            f"GRAPH <{EX}g2/> {{ <{EX}b> a <{EX}Hidden> }} }}")
    assert update(node, admin, seed).status_code == 200
    not_hidden = (f"INSERT {{ GRAPH <{EX}kept/> {{ ?s a <{EX}Kept> }} }} WHERE {{ GRAPH <{EX}g1/> {{ ?s a <{EX}Doc> }} "
                  f"FILTER NOT EXISTS {{ GRAPH <{EX}g2/> {{ ?s a <{EX}Hidden> }} }} }}")
    hidden = (f"INSERT {{ GRAPH <{EX}hidden/> {{ ?s a <{EX}Kept> }} }} WHERE {{ GRAPH <{EX}g1/> {{ ?s a <{EX}Doc> }} "
              f"FILTER EXISTS {{ ?s a <{EX}Hidden> }} }}")  # outside GRAPH: the union of every graph
    assert update(node, admin, f"{not_hidden} ;\n{hidden}").status_code == 200
    assert column(node, f"{EX}kept/", 0) == [f"{EX}a"]
    assert column(node, f"{EX}hidden/", 0) == [f"{EX}b"]


def test_the_change_feed_carries_the_update_for_its_consumers(node, admin):
    head = node.store.feed.head
    assert update(node, admin, f"INSERT DATA {{ GRAPH <{EX}fed/> {{ <{EX}a> <{EX}p> 1 }} }}").status_code == 200
    entry = node.store.feed.entry(head + 1).payload
    assert entry["kind"] == "change" and entry["graphs"] == [f"{EX}fed/"] and entry["created"] == [f"{EX}fed/"]
    assert f"<{EX}fed/>" in entry["add"] and "/v/" not in entry["add"]


def test_anonymous_and_member_updates_stay_refused(node):
    before = snapshot(node)
    text = f"INSERT DATA {{ GRAPH <{EX}x/> {{ <{EX}a> <{EX}p> 1 }} }}"
    assert update(node, {}, text).status_code == 401
    member = {"Authorization": f"Bearer {node.services.tokens.create('m', 'member')}"}
    assert update(node, member, text).status_code == 403
    assert requests.post(node.sparql, data={"update": "CLEAR ALL"}).status_code == 401
    assert snapshot(node) == before


def test_updates_are_serialised_with_other_writes(node):
    """The update computes its change and commits it under the store's write lock, so a change
    committed by another thread lands before or after it, never in between (no lost write)."""
    import threading

    from graph import Change
    from rdflib import Literal, URIRef

    graph = f"{EX}counter/"
    run_update(node.store, f"INSERT DATA {{ GRAPH <{graph}> {{ <{EX}c> <{EX}n> 0 }} }}", base_iri=None)
    bump = (f"DELETE {{ GRAPH <{graph}> {{ <{EX}c> <{EX}n> ?n }} }} INSERT {{ GRAPH <{graph}> {{ <{EX}c> <{EX}n> ?m }} }}"
            f" WHERE {{ GRAPH <{graph}> {{ <{EX}c> <{EX}n> ?n }} BIND(?n + 1 AS ?m) }}")
    others = [Change().adding(graph, [(URIRef(f"{EX}other{i}"), URIRef(f"{EX}p"), Literal(i))]) for i in range(10)]
    threads = [threading.Thread(target=run_update, args=(node.store, bump), kwargs={"base_iri": None})
               for _ in range(10)]
    threads += [threading.Thread(target=node.store.apply, args=(change,)) for change in others]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    counts = {t[2].value for t in node.store.graph_triples(graph) if t[1].value == f"{EX}n"}
    assert counts == {"10"}
    assert sum(1 for s in column(node, graph, 0) if s.startswith(f"{EX}other")) == 10
