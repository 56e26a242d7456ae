"""The form of a query (and so the formats on offer) and the variables of ``SELECT *`` come
from the parsed query, and relative IRIs resolve against the endpoint (regressions of the
regular expressions that decided them before)."""

from __future__ import annotations

import csv
import io

import requests
from rdflib import Graph, URIRef

SKOS_PREFIX = "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
CONCEPTS = SKOS_PREFIX + "CONSTRUCT { ?s a skos:Concept } WHERE { ?s a skos:Concept }"


def test_construct_with_a_hash_in_a_prefix_negotiates_graph_formats(shared_node):
    response = requests.get(shared_node.sparql, params={"query": CONCEPTS}, headers={"Accept": "text/turtle"})
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/turtle")
    graph = Graph().parse(data=response.text, format="turtle")
    assert (shared_node.iri("skill", "1"), None, URIRef("http://www.w3.org/2004/02/skos/core#Concept")) in graph


def test_construct_without_accept_is_labelled_as_the_turtle_it_is(shared_node):
    response = requests.get(shared_node.sparql, params={"query": CONCEPTS}, headers={"Accept": ""})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/turtle")
    assert len(Graph().parse(data=response.text, format="turtle")) == 3


def test_ask_after_a_hash_prefix_offers_result_formats(shared_node):
    query = SKOS_PREFIX + "ASK { ?s a skos:Concept }"
    response = requests.get(shared_node.sparql, params={"query": query}, headers={"Accept": "text/turtle"})
    assert response.status_code == 406 and "Accept" in response.text
    assert requests.get(shared_node.sparql, params={"query": query}).json()["boolean"] is True


def test_select_star_lists_variables_as_the_query_shows_them(shared_node):
    query = SKOS_PREFIX + ("SELECT * WHERE { ?skill a skos:Concept ; skos:prefLabel ?label "
                           "OPTIONAL { ?skill skos:notation ?code } } ORDER BY ?code")
    response = requests.get(shared_node.sparql, params={"query": query}, headers={"Accept": "text/csv"})
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["skill", "label", "code"]
    assert rows[1] == [str(shared_node.iri("skill", "1")), "Skill 1", "1"]
    json = requests.get(shared_node.sparql, params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1"}).json()
    assert json["head"]["vars"] == ["s", "p", "o"]


def test_relative_iris_resolve_against_the_endpoint(shared_node):
    # the base is {base}/sparql, so <id/skill/1> is {base}/id/skill/1
    query = SKOS_PREFIX + "ASK { <id/skill/1> a skos:Concept }"
    response = requests.get(shared_node.sparql, params={"query": query})
    assert response.status_code == 200, response.text
    assert response.json()["boolean"] is True


def test_syntax_beyond_sparql_1_1_is_left_to_the_engine(shared_node):
    # SPARQL 1.2 LANGDIR: nothing before the engine rejects what the engine can run
    query = 'SELECT ?direction WHERE { BIND(LANGDIR("salaam"@ar--rtl) AS ?direction) }'
    response = requests.get(shared_node.sparql, params={"query": query})
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/sparql-results+json")
    assert response.json()["results"]["bindings"][0]["direction"]["value"] == "rtl"
    refused = requests.get(shared_node.sparql, params={"query": query}, headers={"Accept": "text/turtle"})
    assert refused.status_code == 406
