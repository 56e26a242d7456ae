"""Two nodes on 127.0.0.1 with different data: SERVICE each other, harvest and refresh, and the
allow-list that refuses every other endpoint before any connection is made."""

from __future__ import annotations

import re
import socket
import threading

import pytest
import requests
from click.testing import CliRunner
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from graph import Change
from graph.federation import PeerList, federated_peer_search, harvest
from maarifa.cli import main

from ontology import DCT, MF, OBI, RDF, SCHEMA
from tests.factories import person

from .conftest import LiveNode

PEOPLE = "SELECT ?u WHERE { ?p <https://w3id.org/maarifa/ns#username> ?u }"


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    # a SERVICE call holds a worker on each node: generous limits so a loaded CI machine does not time out
    a = LiveNode(tmp_path_factory.mktemp("node-a") / "data", sparql_timeout=20.0)
    b = LiveNode(tmp_path_factory.mktemp("node-b") / "data", sparql_timeout=20.0)
    a.populate("alpha-")
    b.populate("beta-")
    a.services.peers.add(b.sparql)
    b.services.peers.add(a.sparql)
    yield a, b
    a.close()
    b.close()


def federated(node: LiveNode, other: LiveNode) -> str:
    return (f"SELECT ?u WHERE {{ SERVICE <{other.sparql}> {{ ?p <https://w3id.org/maarifa/ns#username> ?u }} }}")


def test_each_node_queries_the_other_with_service(pair):
    a, b = pair
    from_a = requests.get(a.sparql, params={"query": federated(a, b)}).json()
    from_b = requests.get(b.sparql, params={"query": federated(b, a)}).json()
    assert [r["u"]["value"] for r in from_a["results"]["bindings"]] == ["beta-open"]
    assert [r["u"]["value"] for r in from_b["results"]["bindings"]] == ["alpha-open"]


class Listener:
    """A TCP listener on 127.0.0.1 that records every connection it receives."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
                self.connections += 1
                conn.close()
            except OSError:
                continue

    def close(self):
        self.running = False
        self.thread.join(2)
        self.sock.close()


@pytest.mark.parametrize("query", [
    "SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE SILENT <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ BIND(<http://127.0.0.1:{port}/sparql> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ \\u0053ERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
    "PREFIX x: <http://127.0.0.1:{port}/> SELECT * WHERE {{ ?a ?b ?c OPTIONAL {{ SERVICE x:sparql {{ ?s ?p ?o }} }} }}",
])
def test_service_outside_the_allow_list_is_refused_before_connecting(pair, query):
    a, _ = pair
    listener = Listener()
    try:
        response = requests.get(a.sparql, params={"query": query.format(port=listener.port)})
        assert response.status_code == 400
        assert "allow-list" in response.text or "not allowed" in response.text
        assert listener.connections == 0
    finally:
        listener.close()


def test_harvest_copies_and_refreshes_incrementally_and_does_not_republish(pair):
    a, b = pair
    first = harvest(a.store, b.sparql)
    assert first.fetched and not first.errors
    users = {str(o) for _, _, o in a.store.triples(None, URIRef("https://w3id.org/maarifa/ns#username"))}
    assert "beta-open" in users and "beta-member" not in users and "beta-shy" not in users
    record = next(r for r in a.store.records() if r.importer == "maarifa.harvest")
    assert b.url in record.label and "/tmp" not in record.label
    again = harvest(a.store, b.sparql)
    assert again.fetched == [] and len(again.unchanged) == len(first.fetched)
    # B changes one graph: only that graph is fetched again
    b.store.apply(Change().adding(b.store.logical_graph("taxonomy", "public"),
                                  [(b.iri("skill", "2"), URIRef("http://www.w3.org/2004/02/skos/core#altLabel"),
                                    Literal("Dos", lang="es"))]))
    b.services.sync_replica()
    refreshed = harvest(a.store, b.sparql)
    assert refreshed.fetched == [f"{b.url}/graph/taxonomy/public"]
    assert any(str(o) == "Dos" for _, _, o in a.store.triples(b.iri("skill", "2")))
    # A's own public endpoint does not republish what it harvested
    a.services.sync_replica()
    served = requests.get(a.sparql, params={"query": PEOPLE}).json()
    assert [r["u"]["value"] for r in served["results"]["bindings"]] == ["alpha-open"]


def test_federated_peer_search_merges_and_reports_down_nodes(pair):
    a, b = pair
    dead = Listener()
    dead_url = f"http://127.0.0.1:{dead.port}/sparql"
    dead.close()  # nothing listens there any more: the node is down
    found = federated_peer_search([a.sparql, b.sparql, dead_url], skill="1", timeout=2.0)
    by_node = {(r["username"], r["node"]) for r in found["results"]}
    assert ("alpha-open", a.sparql) in by_node and ("beta-open", b.sparql) in by_node
    down = [n for n in found["nodes"] if not n["ok"]]
    assert [n["endpoint"] for n in down] == [dead_url]


def test_federated_peer_search_includes_this_nodes_people_marked_local(pair):
    a, b = pair
    harvest(a.store, b.sparql)  # A holds B's public people now: they are still B's, not local
    found = federated_peer_search([b.sparql], skill="1", timeout=5.0, local=a.store)
    rows = {(r["username"], r["local"], r["node"]) for r in found["results"]}
    assert ("alpha-open", True, a.sparql) in rows
    assert ("beta-open", False, b.sparql) in rows
    assert not any(local and user.startswith("beta-") for user, local, _ in rows)
    # the local store answers for its public people only (alpha-shy is public, alpha-member is not)
    assert {u for u, local, _ in rows if local} == {"alpha-open", "alpha-shy"}
    assert [n["local"] for n in found["nodes"]] == [True, False]


def test_federated_search_api_and_page_mark_this_nodes_people(pair):
    a, b = pair
    body = requests.get(f"{a.url}/api/federation/peers", params={"skill": "1"}, timeout=30).json()
    rows = {(r["username"], r["local"]) for r in body["results"]}
    assert ("alpha-open", True) in rows and ("beta-open", False) in rows and ("beta-open", True) not in rows
    assert requests.get(f"{a.url}/api/federation/peers", params={"status": "maybe"}, timeout=30).status_code == 400
    doc = requests.get(f"{a.url}/api/openapi.json", timeout=30).json()
    assert "/api/federation/peers" in doc["paths"]
    page = requests.get(f"{a.url}/peers", params={"skill": "1", "federated": "yes"}, timeout=30).text
    section = page.split('id="federated-title"', 1)[1]
    local = re.search(r'<h3><a href="[^"]*">Alpha-Open</a> <strong class="badge-local">this node</strong></h3>', section)
    assert local, section[:2000]
    assert re.search(r'<h3><a href="[^"]*beta-open">Beta-Open</a></h3>', section)
    assert b.sparql in section


# -- a peer whose graphs refer to each other -------------------------------------------------


def _linked_graphs(node: LiveNode) -> dict[str, list]:
    """Three public graphs that only validate together, as the demo's do: an award in "courses"
    names a badge class in "badges", whose training is in "courses" (a cycle: neither graph
    validates alone, in any order); a pack in "badges" has its items in "items", where a
    completion names the training in "courses"."""
    open_person, learner = node.iri("person", "beta-open"), node.iri("person", "beta-learner")
    training, badge, pack = node.iri("training", "t1"), node.iri("badge", "b1"), node.iri("pack", "p1")
    item, award, completion = URIRef(f"{pack}#1"), node.iri("award", "a1"), node.iri("completion", "c1")
    when = Literal("2026-05-01T12:00:00Z", datatype=XSD.dateTime)
    u = URIRef
    learner_triples = person("beta-learner")
    learner_triples = [tuple(u(str(t).replace("http://127.0.0.1:5000", node.url)) if isinstance(t, URIRef) else t
                             for t in tr) for tr in learner_triples]
    wanted = u(f"{learner}#claim-w")
    learner_triples += [(learner, u(MF.hasClaim), wanted), (wanted, u(RDF.type), u(MF.SkillClaim)),
                        (wanted, u(MF.skill), node.iri("skill", "1")),
                        (wanted, u(MF.level), Literal("2", datatype=XSD.integer)),
                        (wanted, u(MF.claimStatus), u(MF.Wanted))]
    return {
        "courses": [(training, u(RDF.type), u(MF.Training)), (training, u(MF.slug), Literal("t1")),
                    (training, u(DCT.title), Literal("Training one", lang="en")),
                    (award, u(RDF.type), u(MF.Award)), (award, u(MF.recipient), open_person),
                    (award, u(MF.badge), badge), (award, u(OBI.issuedOn), when)],
        "badges": [(badge, u(RDF.type), u(MF.BadgeClass)), (badge, u(MF.slug), Literal("b1")),
                   (badge, u(SCHEMA.name), Literal("Badge one", lang="en")),
                   (badge, u(OBI.criteria), Literal("Finish training one")), (badge, u(MF.forTraining), training),
                   (pack, u(RDF.type), u(MF.LearningPack)), (pack, u(DCT.title), Literal("Pack one", lang="en")),
                   (pack, u(DCT.language), Literal("en", datatype=XSD.language)), (pack, u(MF.hasItem), item)],
        "items": [(item, u(RDF.type), u(MF.PackItem)), (item, u(SCHEMA.position), Literal("1", datatype=XSD.integer)),
                  (item, u(MF.item), training),
                  (completion, u(RDF.type), u(MF.TrainingCompletion)), (completion, u(MF.person), open_person),
                  (completion, u(MF.training), training), (completion, u(MF.completedAt), when)],
        "learners": learner_triples,
    }


def _pair(tmp_path_factory, name: str, **peer_limits) -> tuple[LiveNode, LiveNode]:
    """Node A, and node B serving the linked graphs with ``peer_limits``; A allow-lists B."""
    a = LiveNode(tmp_path_factory.mktemp(f"{name}-a") / "data", sparql_timeout=20.0)
    b = LiveNode(tmp_path_factory.mktemp(f"{name}-b") / "data", sparql_timeout=20.0, **peer_limits)
    a.populate("alpha-")
    b.populate("beta-")
    change = Change()
    for graph, triples in _linked_graphs(b).items():
        change.adding(b.store.logical_graph(graph, "public"), triples)
    b.store.apply(change)
    b.services.sync_replica()
    a.services.peers.add(b.sparql)
    return a, b


@pytest.fixture(scope="module")
def linked_pair(tmp_path_factory):
    # a result limit far below the size of its graphs: every graph must be read in pages
    a, b = _pair(tmp_path_factory, "linked", query_result_limit=4)
    yield a, b
    a.close()
    b.close()


def _assert_every_triple_arrived(a: LiveNode, b: LiveNode) -> None:
    for name, triples in _linked_graphs(b).items():
        record = next(r for r in a.store.records() if r.label == f"{b.url}/graph/{name}/public from {b.sparql}")
        assert _graph_triples(a, record) == {_key(*t) for t in triples}, name


def _key(s, p, o) -> tuple:
    return str(s), str(p), o.toPython() if isinstance(o, Literal) else str(o)


def _graph_triples(node: LiveNode, record) -> set:
    rows = node.store.select(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{record.physical}> {{ ?s ?p ?o }} }}")
    return {_key(r["s"], r["p"], r["o"]) for r in rows}


def test_harvest_validates_a_peers_graphs_together(linked_pair):
    a, b = linked_pair
    first = harvest(a.store, b.sparql)
    assert first.errors == [] and first.rejected == []
    graphs = {f"{b.url}/graph/{name}/public" for name in ("courses", "badges", "items", "learners")}
    assert graphs <= set(first.fetched)
    _assert_every_triple_arrived(a, b)  # though the peer answers at most 4 at a time
    # nothing changed: nothing fetched, nothing said
    again = harvest(a.store, b.sparql)
    assert (again.fetched, again.rejected, again.errors) == ([], [], [])
    assert graphs <= set(again.unchanged)


def test_harvest_reads_a_peer_whose_answers_are_cut_by_bytes_in_pages(tmp_path_factory):
    """Issue 12, item 9: a peer's byte limit cuts its answers long before its row limit; the
    harvest pages at what fitted, and waits out the peer's per-client rate limit (429)."""
    a, b = _pair(tmp_path_factory, "bytes", sparql_max_result_bytes=700, sparql_client_rate="8/2 seconds")
    try:
        cut = requests.post(b.sparql, data={"query": f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH "
                                                      f"<{b.url}/graph/learners/public> {{ ?s ?p ?o }} }}"}, headers={"Accept": "application/n-triples"})
        assert cut.headers["Maarifa-Results-Truncated-By"] == "bytes"
        report = harvest(a.store, b.sparql)
        assert report.errors == [] and report.rejected == []
        _assert_every_triple_arrived(a, b)
    finally:
        a.close()
        b.close()


def test_a_real_violation_in_the_union_is_reported_and_nothing_is_stored(linked_pair):
    a, b = linked_pair
    harvest(a.store, b.sparql)
    items = f"{b.url}/graph/items/public"
    before = a.store.records()
    # valid on B, where the badge class is in a members-only graph; B publishes only the award
    hidden, award = b.iri("badge", "hidden"), b.iri("award", "a2")
    u = URIRef
    b.store.apply(Change()
                  .adding(b.store.logical_graph("extras", "members"), [
                      (hidden, u(RDF.type), u(MF.BadgeClass)), (hidden, u(MF.slug), Literal("hidden")),
                      (hidden, u(SCHEMA.name), Literal("Hidden", lang="en")), (hidden, u(OBI.criteria), Literal("x"))])
                  .adding(b.store.logical_graph("items", "public"), [
                      (award, u(RDF.type), u(MF.Award)), (award, u(MF.recipient), b.iri("person", "beta-open")),
                      (award, u(MF.badge), hidden),
                      (award, u(OBI.issuedOn), Literal("2026-05-02T12:00:00Z", datatype=XSD.dateTime))]))
    b.services.sync_replica()
    report = harvest(a.store, b.sparql)
    assert report.rejected == [items] and report.fetched == []
    assert len(report.errors) == 1 and "A badge award must name exactly one badge class" in report.errors[0]
    assert str(award) in report.errors[0] and items in report.errors[0]  # which node, in which graph
    assert a.store.records() == before  # nothing stored
    assert not list(a.store.triples(award))
    assert "badges" not in " ".join(report.errors)  # nothing said about graphs that did not change


def test_federated_search_default_status_and_learners(linked_pair):
    a, b = linked_pair
    holders = federated_peer_search([b.sparql], skill="1", timeout=5.0)
    assert "beta-learner" not in {r["username"] for r in holders["results"]}
    learners = federated_peer_search([b.sparql], skill="1", status=("wanted",), timeout=5.0, local=a.store)
    assert [(r["username"], r["status"], r["local"]) for r in learners["results"]] == [("beta-learner", "wanted", False)]


def test_federation_cli(tmp_path):
    data = tmp_path / "data"
    runner = CliRunner()
    assert runner.invoke(main, ["--data-dir", str(data), "init"]).exit_code == 0
    added = runner.invoke(main, ["--data-dir", str(data), "federation", "add", "http://127.0.0.1:9999/sparql"])
    assert added.exit_code == 0 and "added" in added.output
    listed = runner.invoke(main, ["--data-dir", str(data), "federation", "list", "--json"])
    assert listed.output.strip().startswith("[") and "127.0.0.1:9999" in listed.output
    bad = runner.invoke(main, ["--data-dir", str(data), "federation", "add", "ftp://x"])
    assert bad.exit_code == 1 and "not an http(s) URL" in bad.output
    down = runner.invoke(main, ["--data-dir", str(data), "federation", "harvest"])
    assert down.exit_code == 1 and "did not answer" in down.output
    assert PeerList(data).urls() == ["http://127.0.0.1:9999/sparql"]


def test_federation_search_cli_marks_this_nodes_people(tmp_path):
    from rdflib import Graph

    from tests.factories import taxonomy

    data, runner = tmp_path / "data", CliRunner()
    assert runner.invoke(main, ["--data-dir", str(data), "init"]).exit_code == 0
    ttl = tmp_path / "people.ttl"
    g = Graph()
    for t in taxonomy() + person("local-one", {"1": 3}):
        g.add(t)
    ttl.write_text(g.serialize(format="turtle"), encoding="utf-8")
    loaded = runner.invoke(main, ["--data-dir", str(data), "load", str(ttl), "--graph", "http://127.0.0.1:5000/graph/mine/public"])
    assert loaded.exit_code == 0, loaded.output
    runner.invoke(main, ["--data-dir", str(data), "federation", "add", "http://127.0.0.1:9/sparql"])
    found = runner.invoke(main, ["--data-dir", str(data), "federation", "search", "--skill", "1"])
    assert found.exit_code == 0, found.output
    assert "Local-One" in found.output and "(this node)" in found.output and "known" in found.output
    assert "http://127.0.0.1:9/sparql" in found.output  # the peer that is down, on stderr
    learners = runner.invoke(main, ["--data-dir", str(data), "federation", "search", "--skill", "1", "--status", "wanted"])
    assert "Local-One" not in learners.output
