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
