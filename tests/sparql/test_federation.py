"""Two nodes on 127.0.0.1 with different data: SERVICE each other, harvest and refresh, and the
allow-list that refuses every other endpoint before any connection is made."""

from __future__ import annotations

import socket
import threading

import pytest
import requests
from click.testing import CliRunner
from rdflib import Literal, URIRef

from graph import Change
from graph.federation import PeerList, federated_peer_search, harvest
from maarifa.cli import main

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
