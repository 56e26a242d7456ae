"""The W3C SPARQL 1.1 Protocol test suite against ``/sparql`` on a node served by waitress.

The manifest (``w3c_protocol/manifest.ttl``, copied from w3c/rdf-tests with its licence)
describes each test as an HTTP exchange in its ``rdfs:comment``; every one of them is
implemented below as a function named after the test's IRI, and run in the manifest's
order. Where the manifest only asks for "4xx", the case also checks that the answer comes
from the rule being tested (the message names it) and that nothing was written.

Dataset: the protocol tests assume the graphs ``http://kasei.us/2009/09/sparql/data/dataN.rdf``
each holding ``<dataN.rdf> a foaf:Document``, as the update tests create them; query
cases create them first through the admin's SPARQL update (the endpoint under test).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import requests
from rdflib import Graph, Namespace, URIRef
from rdflib.collection import Collection

from .conftest import LiveNode

HERE = Path(__file__).with_name("w3c_protocol")
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
MANIFEST = "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest#"
RESULTS = "{http://www.w3.org/2005/sparql-results#}"
DATA = "http://kasei.us/2009/09/sparql/data/"
SOLUTION_TYPES = ("application/sparql-results+xml", "application/sparql-results+json")

# Tests this endpoint is allowed to fail, each with the reason. Empty: all 34 pass.
EXPECTED_FAILURES: dict[str, str] = {}


def manifest_entries() -> list[str]:
    graph = Graph().parse(HERE / "manifest.ttl", format="turtle")
    manifest = next(graph.subjects(MF.entries, None))
    return [str(entry)[len(MANIFEST):] for entry in Collection(graph, graph.value(manifest, MF.entries))]


class Endpoint:
    def __init__(self, node: LiveNode):
        self.node = node
        self.url = node.sparql
        self.admin = {"Authorization": f"Bearer {node.services.tokens.create('w3c-protocol', 'admin')}"}

    def update(self, text: str, **params) -> requests.Response:
        return requests.post(self.url, params=params, data=text.encode(),
                             headers={"Content-Type": "application/sparql-update", **self.admin})

    def query(self, text: str, accept: str | None = None, **params) -> requests.Response:
        headers = {"Content-Type": "application/sparql-query"}
        if accept:
            headers["Accept"] = accept
        return requests.post(self.url, params=params, data=text.encode(), headers=headers)

    def ensure_documents(self) -> None:
        """The kasei.us graphs the dataset tests name (as the update tests write them)."""
        inserted = self.update("INSERT DATA { " + " ".join(
            f"GRAPH <{DATA}data{n}.rdf> {{ <{DATA}data{n}.rdf> a <http://xmlns.com/foaf/0.1/Document> }}"
            for n in (1, 2, 3)) + " }")
        assert inserted.status_code == 200, inserted.text

    @property
    def feed_head(self) -> int:
        return self.node.store.feed.head


def ok(response: requests.Response, *types: str) -> None:
    assert 200 <= response.status_code < 400, f"{response.status_code}: {response.text}"
    if types:
        assert response.headers["Content-Type"].split(";")[0] in types, response.headers["Content-Type"]


def boolean(response: requests.Response) -> bool:
    if response.headers["Content-Type"].startswith("application/sparql-results+xml"):
        return ET.fromstring(response.content).find(f"{RESULTS}boolean").text == "true"
    return response.json()["boolean"]


def refused(endpoint: Endpoint, response: requests.Response, status: int, says: str, head_before: int) -> None:
    assert response.status_code == status, f"{response.status_code}: {response.text}"
    assert says in response.text, response.text
    assert endpoint.feed_head == head_before, "a refused request wrote something"


# -- queries --------------------------------------------------------------------------------

def query_post_form(e: Endpoint):
    response = requests.post(e.url, data={"query": "ASK {}"})
    ok(response, *SOLUTION_TYPES)
    assert boolean(response) is True


def query_dataset_default_graphs_get(e: Endpoint):
    e.ensure_documents()
    response = requests.get(e.url, params=[
        ("query", f"ASK {{ <{DATA}data1.rdf> a ?type . <{DATA}data2.rdf> a ?type . }}"),
        ("default-graph-uri", f"{DATA}data1.rdf"), ("default-graph-uri", f"{DATA}data2.rdf")])
    ok(response, *SOLUTION_TYPES)
    assert boolean(response) is True


def query_dataset_default_graphs_post(e: Endpoint):
    e.ensure_documents()
    response = e.query(f"ASK {{ <{DATA}data1.rdf> ?p ?o . <{DATA}data2.rdf> ?p ?o }}",
                       **{"default-graph-uri": [f"{DATA}data1.rdf", f"{DATA}data2.rdf"]})
    ok(response, *SOLUTION_TYPES)
    assert boolean(response) is True


def query_dataset_named_graphs_post(e: Endpoint):
    e.ensure_documents()
    response = e.query("ASK { GRAPH ?g { ?s ?p ?o } }",
                       **{"named-graph-uri": [f"{DATA}data1.rdf", f"{DATA}data2.rdf"]})
    ok(response, *SOLUTION_TYPES)
    assert boolean(response) is True


def query_dataset_named_graphs_get(e: Endpoint):
    e.ensure_documents()
    response = requests.get(e.url, params=[
        ("named-graph-uri", f"{DATA}data1.rdf"), ("named-graph-uri", f"{DATA}data2.rdf"),
        ("query", "ASK { GRAPH ?g { ?s ?p ?o } }")])
    ok(response, *SOLUTION_TYPES)
    assert boolean(response) is True


def query_dataset_full(e: Endpoint):
    e.ensure_documents()
    response = e.query("SELECT ?g ?x ?s { ?x ?y ?o  GRAPH ?g { ?s ?p ?o } }", **{
        "default-graph-uri": f"{DATA}data3.rdf", "named-graph-uri": [f"{DATA}data1.rdf", f"{DATA}data2.rdf"]})
    ok(response, *SOLUTION_TYPES)
    rows = {(b["g"]["value"], b["x"]["value"], b["s"]["value"]) for b in response.json()["results"]["bindings"]}
    assert rows == {(f"{DATA}data{n}.rdf", f"{DATA}data3.rdf", f"{DATA}data{n}.rdf") for n in (1, 2)}


def query_multiple_dataset(e: Endpoint):
    e.ensure_documents()
    response = e.query(f"ASK FROM <{DATA}data1.rdf> {{ <{DATA}data1.rdf> ?p ?o }}",
                       **{"default-graph-uri": f"{DATA}data2.rdf"})
    ok(response, *SOLUTION_TYPES)
    assert boolean(response) is False
    # and without the protocol's dataset, the query's own FROM is the dataset
    assert boolean(e.query(f"ASK FROM <{DATA}data1.rdf> {{ <{DATA}data1.rdf> ?p ?o }}")) is True


def query_get(e: Endpoint):
    response = requests.get(e.url, params={"query": "ASK {}"})
    ok(response, *SOLUTION_TYPES)
    assert boolean(response) is True


def query_content_type_select(e: Endpoint):
    response = e.query("SELECT (1 AS ?value) {}")
    ok(response, *SOLUTION_TYPES, "text/tab-separated-values", "text/csv")
    assert response.json()["results"]["bindings"][0]["value"]["value"] == "1"


def query_content_type_ask(e: Endpoint):
    ok(e.query("ASK {}"), *SOLUTION_TYPES)


def query_content_type_describe(e: Endpoint):
    ok(e.query("DESCRIBE <http://example.org/>"), "application/rdf+xml", "application/rdf+json", "text/turtle")


def query_content_type_construct(e: Endpoint):
    response = e.query("CONSTRUCT { <s> <p> 1 } WHERE {}")
    ok(response, "application/rdf+xml", "application/rdf+json", "text/turtle")
    graph = Graph().parse(data=response.text, format="turtle")
    # the relative IRIs resolved against the endpoint's IRI
    assert (URIRef(f"{e.node.url}/s"), URIRef(f"{e.node.url}/p"), None) in graph


def query_post_direct(e: Endpoint):
    response = e.query("ASK {}")
    ok(response, *SOLUTION_TYPES)
    assert boolean(response) is True


# -- updates --------------------------------------------------------------------------------

PROLOGUE = "PREFIX dc: <http://purl.org/dc/terms/>\nPREFIX foaf: <http://xmlns.com/foaf/0.1/>\n"
THREE_DOCUMENTS = "INSERT DATA {\n" + "\n".join(
    f"    GRAPH <{DATA}data{n}.rdf> {{ <{DATA}data{n}.rdf> a foaf:Document }}" for n in (1, 2, 3)) + "\n} ;\n"


def _ask_xml(e: Endpoint, text: str) -> bool:
    response = e.query(text, accept="application/sparql-results+xml")
    ok(response, "application/sparql-results+xml")
    return boolean(response)


def update_dataset_default_graph(e: Endpoint):
    ok(e.update(PROLOGUE + f"""CLEAR ALL ;
INSERT DATA {{ GRAPH <{DATA}data1.rdf> {{ <{DATA}data1.rdf> a foaf:Document }} }} ;
INSERT {{ GRAPH <http://example.org/protocol-update-dataset-test/> {{ ?s a dc:BibliographicResource }} }}
WHERE {{ ?s a foaf:Document }}""", **{"using-graph-uri": f"{DATA}data1.rdf"}))
    assert _ask_xml(e, f"""ASK {{ GRAPH <http://example.org/protocol-update-dataset-test/> {{
        <{DATA}data1.rdf> a <http://purl.org/dc/terms/BibliographicResource> }} }}""")


def _two_of_three(e: Endpoint, graph: str) -> bool:
    return _ask_xml(e, f"""ASK {{
        GRAPH <{graph}> {{
            <{DATA}data1.rdf> a <http://purl.org/dc/terms/BibliographicResource> .
            <{DATA}data2.rdf> a <http://purl.org/dc/terms/BibliographicResource> . }}
        FILTER NOT EXISTS {{ GRAPH <{graph}> {{
            <{DATA}data3.rdf> a <http://purl.org/dc/terms/BibliographicResource> . }} }} }}""")


def update_dataset_default_graphs(e: Endpoint):
    target = "http://example.org/protocol-update-dataset-graphs-test/"
    ok(e.update(PROLOGUE + "CLEAR ALL ;\n" + THREE_DOCUMENTS + f"""
INSERT {{ GRAPH <{target}> {{ ?s a dc:BibliographicResource }} }} WHERE {{ ?s a foaf:Document }}""",
                **{"using-graph-uri": [f"{DATA}data1.rdf", f"{DATA}data2.rdf"]}))
    assert _two_of_three(e, target)


def update_dataset_named_graphs(e: Endpoint):
    target = "http://example.org/protocol-update-dataset-named-graphs-test/"
    ok(e.update(PROLOGUE + "CLEAR ALL ;\n" + THREE_DOCUMENTS + f"""
INSERT {{ GRAPH <{target}> {{ ?s a dc:BibliographicResource }} }} WHERE {{ GRAPH ?g {{ ?s a foaf:Document }} }}""",
                **{"using-named-graph-uri": [f"{DATA}data1.rdf", f"{DATA}data2.rdf"]}))
    assert _two_of_three(e, target)


def update_dataset_full(e: Endpoint):
    target = "http://example.org/protocol-update-dataset-full-test/"
    ok(e.update(PROLOGUE + "CLEAR ALL ;\n" + THREE_DOCUMENTS + f"""
INSERT {{ GRAPH <{target}> {{ ?s <http://example.org/in> ?in }} }}
WHERE {{ {{ GRAPH ?g {{ ?s a foaf:Document }} BIND(?g AS ?in) }}
        UNION {{ ?s a foaf:Document . BIND("default" AS ?in) }} }}""",
                **{"using-graph-uri": f"{DATA}data1.rdf", "using-named-graph-uri": f"{DATA}data2.rdf"}))
    assert _ask_xml(e, f"""ASK {{
        GRAPH <{target}> {{
            <{DATA}data1.rdf> <http://example.org/in> "default" .
            <{DATA}data2.rdf> <http://example.org/in> <{DATA}data2.rdf> . }}
        FILTER NOT EXISTS {{ GRAPH <{target}> {{ <{DATA}data3.rdf> ?p ?o }} }} }}""")


ANY_DOCUMENT = "ASK { GRAPH ?g { ?s a <http://xmlns.com/foaf/0.1/Document> } }"


def update_post_form(e: Endpoint):
    e.ensure_documents()
    ok(requests.post(e.url, data={"update": "CLEAR ALL"}, headers=e.admin))
    assert _ask_xml(e, ANY_DOCUMENT) is False


def update_post_direct(e: Endpoint):
    e.ensure_documents()
    ok(e.update("CLEAR ALL"))
    assert _ask_xml(e, ANY_DOCUMENT) is False


def update_base_uri(e: Endpoint):
    ok(e.update("""CLEAR GRAPH <http://example.org/protocol-base-test/> ;
INSERT DATA { GRAPH <http://example.org/protocol-base-test/> { <http://example.org/s> <http://example.org/p> <test> } }"""))
    response = e.query("""SELECT ?o WHERE { GRAPH <http://example.org/protocol-base-test/> {
        <http://example.org/s> <http://example.org/p> ?o } }""", accept="application/sparql-results+xml")
    ok(response, "application/sparql-results+xml")
    values = [u.text for u in ET.fromstring(response.content).iter(f"{RESULTS}uri")]
    assert values == [f"{e.node.url}/test"]


# -- requests the protocol does not allow ------------------------------------------------------

def bad_query_method(e: Endpoint):
    head = e.feed_head
    refused(e, requests.put(e.url, params={"query": "ASK {}"}), 405, "not allowed", head)


def bad_multiple_queries(e: Endpoint):
    head = e.feed_head
    response = requests.get(e.url, params=[("query", "ASK {}"), ("query", "SELECT * {}")])
    refused(e, response, 400, "2 query parameters", head)


def bad_query_wrong_media_type(e: Endpoint):
    head = e.feed_head
    response = requests.post(e.url, data=b"ASK {}", headers={"Content-Type": "text/plain"})
    refused(e, response, 415, "unsupported Content-Type text/plain", head)


def bad_query_missing_form_type(e: Endpoint):
    head = e.feed_head
    refused(e, requests.post(e.url, data=b"query=ASK%20%7B%7D"), 415, "unsupported Content-Type (none)", head)


def bad_query_missing_direct_type(e: Endpoint):
    head = e.feed_head
    refused(e, requests.post(e.url, data=b"ASK {}"), 415, "unsupported Content-Type (none)", head)


def bad_query_non_utf8(e: Endpoint):
    head = e.feed_head
    response = requests.post(e.url, data="ASK {}".encode("utf-16"),
                             headers={"Content-Type": "application/sparql-query; charset=UTF-16"})
    refused(e, response, 415, "send it as UTF-8", head)


def bad_query_syntax(e: Endpoint):
    head = e.feed_head
    refused(e, requests.get(e.url, params={"query": "ASK {"}), 400, "malformed query", head)


def bad_update_get(e: Endpoint):
    e.ensure_documents()
    head = e.feed_head
    refused(e, requests.get(e.url, params={"update": "CLEAR ALL"}, headers=e.admin), 400, "with POST", head)


def bad_multiple_updates(e: Endpoint):
    e.ensure_documents()
    head = e.feed_head
    response = requests.post(e.url, data=[("update", "CLEAR NAMED"), ("update", "CLEAR DEFAULT")], headers=e.admin)
    refused(e, response, 400, "2 update parameters", head)


def bad_update_wrong_media_type(e: Endpoint):
    e.ensure_documents()
    head = e.feed_head
    response = requests.post(e.url, data=b"CLEAR NAMED", headers={"Content-Type": "text/plain", **e.admin})
    refused(e, response, 415, "unsupported Content-Type text/plain", head)


def bad_update_missing_form_type(e: Endpoint):
    e.ensure_documents()
    head = e.feed_head
    response = requests.post(e.url, data=b"update=CLEAR%20NAMED", headers=e.admin)
    refused(e, response, 415, "unsupported Content-Type (none)", head)


def bad_update_non_utf8(e: Endpoint):
    e.ensure_documents()
    head = e.feed_head
    response = requests.post(e.url, data="CLEAR NAMED".encode("utf-16"),
                             headers={"Content-Type": "application/sparql-update; charset=UTF-16", **e.admin})
    refused(e, response, 415, "send it as UTF-8", head)


def bad_update_syntax(e: Endpoint):
    head = e.feed_head
    response = requests.post(e.url, data={"update": "CLEAR XYZ"}, headers=e.admin)
    refused(e, response, 400, "malformed update", head)


def bad_update_dataset_conflict(e: Endpoint):
    head = e.feed_head
    update = ("\t\tPREFIX foaf:  <http://xmlns.com/foaf/0.1/>\n\t\tWITH <http://example/addresses>\n"
              "\t\tDELETE { ?person foaf:givenName 'Bill' }\n\t\tINSERT { ?person foaf:givenName 'William' }\n"
              "\t\tWHERE {\n\t\t\t?person foaf:givenName 'Bill'\n\t\t}\n")
    response = requests.post(e.url, data={"using-named-graph-uri": "http://example/people", "update": update},
                             headers=e.admin)
    refused(e, response, 400, "cannot be combined with USING or WITH", head)


CASES = {name: case for name, case in globals().items() if callable(case) and name in set(manifest_entries())}


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    node = LiveNode(tmp_path_factory.mktemp("w3c") / "data", waitress=True, sparql_timeout=20.0)
    yield Endpoint(node)
    node.close()


def test_every_manifest_test_is_implemented():
    entries = manifest_entries()
    assert len(entries) == 34
    assert [name for name in entries if name not in CASES] == []
    assert set(EXPECTED_FAILURES) <= set(entries)


@pytest.mark.parametrize("name", [
    pytest.param(name, marks=pytest.mark.xfail(reason=EXPECTED_FAILURES[name], strict=True))
    if name in EXPECTED_FAILURES else name
    for name in manifest_entries()])
def test_w3c_protocol(endpoint, name):
    CASES[name](endpoint)
