"""The SPARQL 1.1 Protocol endpoint, over public data only, against a node served for real."""

from __future__ import annotations

import csv
import io
import json
import threading
import xml.etree.ElementTree as ET

import pytest
import requests
from SPARQLWrapper import JSON, SPARQLWrapper

from tests.waiting import wait_until

PEOPLE = "SELECT ?u WHERE { ?p a <https://w3id.org/maarifa/ns#Person> ; <https://w3id.org/maarifa/ns#username> ?u } ORDER BY ?u"


def usernames(body: dict) -> list[str]:
    return [b["u"]["value"] for b in body["results"]["bindings"]]


def test_get_post_form_and_post_direct_agree(shared_node):
    url = shared_node.sparql
    by_get = requests.get(url, params={"query": PEOPLE}).json()
    by_form = requests.post(url, data={"query": PEOPLE}).json()
    direct = requests.post(url, data=PEOPLE.encode(), headers={"Content-Type": "application/sparql-query"}).json()
    assert usernames(by_get) == usernames(by_form) == usernames(direct) == ["open"]


def test_only_consenting_public_people_are_reachable(shared_node):
    everything = requests.get(shared_node.sparql, params={
        "query": "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"}, headers={"Accept": "text/csv"}).text
    for hidden in ("shy", "member", "secret", "example.org", "mailto"):
        assert hidden not in everything
    graphs = requests.get(shared_node.sparql, params={
        "query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"}).json()
    names = {b["g"]["value"] for b in graphs["results"]["bindings"]}
    assert names and all(n.endswith("/public") or n.endswith("/graph/provenance") for n in names)
    # naming a non-public graph reaches nothing: it is not in the replica at all
    private = requests.get(shared_node.sparql, params={
        "query": "SELECT * WHERE { ?s ?p ?o }", "default-graph-uri": f"{shared_node.url}/graph/people/private"}).json()
    assert private["results"]["bindings"] == []


def test_default_and_named_graph_parameters(shared_node):
    taxonomy = f"{shared_node.url}/graph/taxonomy/public"
    only_taxonomy = requests.get(shared_node.sparql, params={"query": PEOPLE, "default-graph-uri": taxonomy}).json()
    assert usernames(only_taxonomy) == []
    named = requests.get(shared_node.sparql, params={
        "query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", "named-graph-uri": taxonomy}).json()
    assert [b["g"]["value"] for b in named["results"]["bindings"]] == [taxonomy]


def test_provenance_carries_no_local_paths(shared_node):
    rows = requests.get(shared_node.sparql, params={
        "query": "SELECT ?g ?source WHERE { GRAPH ?pg { ?g <http://purl.org/dc/terms/source> ?source } }"}).json()
    sources = [b["source"]["value"] for b in rows["results"]["bindings"]]
    assert sources and not any("/" in s.replace("http://", "") and s.startswith("/") for s in sources)
    assert not any("/tmp" in s or "pytest" in s for s in sources)


@pytest.mark.parametrize("accept, check", [
    ("application/sparql-results+json", lambda r: json.loads(r.text)["head"]["vars"] == ["u"]),
    ("application/sparql-results+xml", lambda r: ET.fromstring(r.content).tag.endswith("sparql")),
    ("text/csv", lambda r: list(csv.reader(io.StringIO(r.text)))[:2] == [["u"], ["open"]]),
    ("text/tab-separated-values", lambda r: r.text.splitlines()[:2] == ["?u", '"open"']),
])
def test_result_formats(shared_node, accept, check):
    response = requests.get(shared_node.sparql, params={"query": PEOPLE}, headers={"Accept": accept})
    assert response.status_code == 200 and response.headers["Content-Type"].startswith(accept)
    assert check(response)


@pytest.mark.parametrize("accept", ["text/turtle", "application/n-triples", "application/ld+json"])
def test_graph_formats(shared_node, accept):
    response = requests.get(shared_node.sparql, params={"query": "CONSTRUCT WHERE { ?s a <https://w3id.org/maarifa/ns#Person> }"},
                            headers={"Accept": accept})
    assert response.status_code == 200 and response.headers["Content-Type"].startswith(accept)
    assert "person/open" in response.text and "person/shy" not in response.text


def test_unsatisfiable_accept_is_406(shared_node):
    response = requests.get(shared_node.sparql, params={"query": PEOPLE}, headers={"Accept": "image/png"})
    assert response.status_code == 406


def test_malformed_query_is_400_with_the_parser_message(shared_node):
    response = requests.get(shared_node.sparql, params={"query": "SELECT * WHERE { ?s ?p"})
    assert response.status_code == 400 and "malformed query" in response.text and "1:" in response.text


def test_huge_query_is_refused(shared_node):
    query = "SELECT * WHERE { ?s ?p ?o } #" + "x" * (10 * 1024 * 1024)
    response = requests.post(shared_node.sparql, data=query.encode(), headers={"Content-Type": "application/sparql-query"})
    assert response.status_code in (400, 413) and "bytes" in response.text


def test_cors_and_preflight(shared_node):
    preflight = requests.options(shared_node.sparql, headers={"Origin": "https://other.example",
                                                               "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 204 and preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert requests.get(shared_node.sparql, params={"query": PEOPLE}).headers["Access-Control-Allow-Origin"] == "*"


def test_service_and_void_descriptions(shared_node):
    from rdflib import Graph, URIRef

    sd = Graph().parse(data=requests.get(shared_node.sparql, headers={"Accept": "text/turtle"}).text, format="turtle")
    assert (None, URIRef("http://www.w3.org/ns/sparql-service-description#endpoint"), URIRef(shared_node.sparql)) in sd
    void = Graph().parse(data=requests.get(f"{shared_node.url}/.well-known/void").text, format="turtle")
    assert (None, URIRef("http://rdfs.org/ns/void#sparqlEndpoint"), URIRef(shared_node.sparql)) in void


def test_an_independent_client_sparqlwrapper(shared_node):
    client = SPARQLWrapper(shared_node.sparql)
    client.setQuery(PEOPLE)
    client.setReturnFormat(JSON)
    assert usernames(client.query().convert()) == ["open"]


def test_updates_need_an_admin_token(node):
    insert = (f"INSERT DATA {{ GRAPH <{node.url}/graph/taxonomy/public> {{ <{node.url}/id/skill/1> "
              f"<http://www.w3.org/2004/02/skos/core#altLabel> \"Uno\"@es }} }}")
    assert requests.post(node.sparql, data={"update": insert}).status_code == 401
    member = node.services.tokens.create("m", "member")
    assert requests.post(node.sparql, data={"update": insert}, headers={"Authorization": f"Bearer {member}"}).status_code == 403
    admin = node.services.tokens.create("a", "admin")
    ok = requests.post(node.sparql, data={"update": insert}, headers={"Authorization": f"Bearer {admin}"})
    assert ok.status_code == 200, ok.text
    found = requests.get(node.sparql, params={"query": 'ASK { ?s ?p "Uno"@es }'}).json()
    assert found["boolean"] is True
    invalid = (f"INSERT DATA {{ GRAPH <{node.url}/graph/taxonomy/public> {{ <{node.url}/id/skill/9> a "
               f"<http://www.w3.org/2004/02/skos/core#Concept> }} }}")
    rejected = requests.post(node.sparql, data={"update": invalid}, headers={"Authorization": f"Bearer {admin}"})
    assert rejected.status_code == 400 and "prefLabel" in rejected.text
    load = requests.post(node.sparql, data={"update": "LOAD <http://127.0.0.1:9/data.ttl>"},
                         headers={"Authorization": f"Bearer {admin}"})
    assert load.status_code == 400 and "not accepted" in load.text


def test_a_runaway_query_is_stopped_and_does_not_block_others(node):
    cartesian = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
    outcome = {}
    for _ in range(node.settings.sparql_workers):  # both workers started: what is timed is the queries
        assert requests.get(node.sparql, params={"query": PEOPLE}).status_code == 200

    def slow():
        outcome["response"] = requests.get(node.sparql, params={"query": cartesian})

    runner = threading.Thread(target=slow)
    runner.start()
    pool = node.services.sparql_pool
    wait_until(lambda: pool.running() == 1, "the runaway query running in a worker")
    # answered while the runaway still holds its worker: nothing waited for it
    assert requests.get(node.sparql, params={"query": PEOPLE}).status_code == 200
    assert requests.get(f"{node.url}/health").status_code == 200
    assert pool.running() == 1 and runner.is_alive(), "the runaway ended before the other requests were answered"
    runner.join(60)
    assert outcome["response"].status_code == 503 and "did not finish within 3 s" in outcome["response"].text
    # the killed worker was replaced
    assert usernames(requests.get(node.sparql, params={"query": PEOPLE}).json()) == ["open"]


def test_changes_reach_the_public_endpoint(node):
    from graph import Change
    from rdflib import Literal, URIRef

    shy = node.iri("person", "shy")
    graph = node.store.logical_graph("people", "public")
    consent = URIRef("https://w3id.org/maarifa/ns#federationConsent")
    node.store.apply(Change().removing(graph, [(shy, consent, Literal(False))]).adding(graph, [(shy, consent, Literal(True))]))
    node.services.sync_replica()
    assert usernames(requests.get(node.sparql, params={"query": PEOPLE}).json()) == ["open", "shy"]
    # and their claims came along
    claims = requests.get(node.sparql, params={"query": f"ASK {{ <{shy}> <https://w3id.org/maarifa/ns#hasClaim> ?c . ?c ?p ?o }}"}).json()
    assert claims["boolean"] is True
