"""The tokens a query's form, SELECT * variables and dataset are read from (SPARQL 1.1 Query,
19.8): IRIs, strings, prefixed names and comments are whole tokens."""

from __future__ import annotations

import pytest

from graph.sparql_lexer import query_shape, tokens


@pytest.mark.parametrize("query, form, star, names_dataset", [
    # regression: the old comment stripper ate everything after the # of the prefix IRI
    ("PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\nCONSTRUCT { ?s a skos:Concept } WHERE { ?s a skos:Concept }",
     "CONSTRUCT", None, False),
    ("SELECT * WHERE { ?s ?p ?o }", "SELECT", ("s", "p", "o"), False),
    ('PREFIX : <http://x/#> BASE <http://y/> select distinct * from <g> { ?b ex:from ?a . $c :p """x # { SELECT""" }',
     "SELECT", ("b", "a", "c"), True),
    ('# SELECT\nASK { ?s ?p "#" }', "ASK", None, False),
    ("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "SELECT", None, False),
    ("DESCRIBE <http://example.org/>", "DESCRIBE", None, False),
    ('CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p "a"@from . ?s ex:FROM ?o }', "CONSTRUCT", None, False),
    ("SELECT * { ?x ex:p '''it''s''' . ?y <a#b> ?z }", "SELECT", ("x", "y", "z"), False),
    ("PREFIX ex:<http://ex/#>SELECT REDUCED * FROM NAMED <g> { GRAPH ?g { ?s ?p ?o } }", "SELECT", ("g", "s", "p", "o"),
     True),
    ("no query here", None, None, False),
])
def test_query_shape(query, form, star, names_dataset):
    shape = query_shape(query)
    assert (shape.form, shape.star_variables, shape.names_dataset) == (form, star, names_dataset)


def test_iris_strings_and_comments_are_single_tokens():
    found = [(t.kind, t.text) for t in tokens('<a#b> "c # d" # e\n ex:f ?g')]
    assert found == [("iri", "<a#b>"), ("string", '"c # d"'), ("pname", "ex:f"), ("var", "?g")]


@pytest.mark.parametrize("query, light", [
    ("ASK {}", True),
    ("SELECT * WHERE { ?s ?p ?o . }", True),
    ("PREFIX ex: <http://e/#> SELECT ?s WHERE { ?s ex:a.b ?o FILTER(?o > 1.5) } ORDER BY ?s LIMIT 5", True),
    ('SELECT (GROUP_CONCAT(?o) AS ?all) { ?s ?p "a { b . c" BIND(?o * 2 AS ?x) } GROUP BY ?s', True),
    # the runaway of issue 12: a cross product of four patterns
    ("SELECT (COUNT(*) AS ?c) WHERE {?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l}", False),
    ("SELECT ?s WHERE { ?s ?p ?o ; ?q ?r }", False),
    ("SELECT ?s WHERE { ?s ?p ?o , ?r }", False),
    ("SELECT ?s WHERE { ?s ?p [ ?q ?r ] }", False),
    ("SELECT ?s WHERE { ?s <p>* ?o }", False),
    ("SELECT ?s WHERE { ?s <p>/<q> ?o }", False),
    ("SELECT ?s WHERE { ?s ^<p> ?o }", False),
    ("SELECT ?s WHERE { {?s ?p ?o} {?a ?b ?c} }", False),
    ("SELECT ?s { ?s ?p ?o FILTER NOT EXISTS { ?s ?q ?r } }", False),
    ("SELECT ?s { ?s ?p ?o } VALUES ?s { <a> }", False),
    ("ASK { ?s ?p 1.5 }", False),  # a decimal's point reads as a separator: counted as more
    ("CONSTRUCT WHERE { ?s ?p ?o }", False),
    ("DESCRIBE <http://example.org/>", False),
    ("SELECT ?s WHERE { ?s ?p ?o", False),  # unclosed: the engine reports it, the shared workers run it
])
def test_a_query_is_light_only_when_it_is_at_most_one_triple_pattern(query, light):
    assert query_shape(query).light is light
