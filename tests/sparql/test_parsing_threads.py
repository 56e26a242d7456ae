"""Queries and updates parsed by many web threads at once (regression: pyparsing learns each
parse action's arity on first use, and threads doing that together broke it for good)."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = r'''
import threading
from graph.sparql_guard import inspect_query
from graph.sparql_update_syntax import parse_update

QUERIES = [
    "SELECT ?s (COUNT(?o) AS ?n) WHERE { ?s ?p ?o OPTIONAL { ?o ?q ?r } } GROUP BY ?s ORDER BY DESC(?n) LIMIT 5",
    "CONSTRUCT { ?s a ?t } WHERE { { ?s a ?t } UNION { GRAPH ?g { ?s ?p ?t } } BIND(STR(?t) AS ?x) VALUES ?y { 1 2 } }",
    "ASK { ?s <http://x>/<http://y>* ?o MINUS { ?o a ?c } FILTER NOT EXISTS { ?s ?p 'x'@en } }",
]
UPDATES = [
    "PREFIX ex: <http://ex/> WITH <http://g> DELETE { ?s ex:p ?o } INSERT { ?s ex:q ?o } USING <http://u> WHERE { ?s ex:p ?o }",
    "CLEAR ALL ; INSERT DATA { GRAPH <http://g> { <http://a> <http://b> 1 } } ; COPY <http://a> TO <http://b>",
]
forms, errors = [], []
start = threading.Barrier(8)

def work():
    start.wait()
    try:
        for query in QUERIES:
            forms.append(inspect_query(query, base_iri="http://b/", allowed_endpoints=set(), max_bytes=10**6).form)
        for update in UPDATES:
            parse_update(update, base_iri="http://b/")
    except Exception as exc:
        errors.append(repr(exc))

threads = [threading.Thread(target=work) for _ in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(sorted(set(forms)), errors[:3])
'''


def test_parsing_in_many_threads_at_once_in_a_fresh_process():
    # a fresh process: the arity is learned on first use, which is where the race was
    for _ in range(2):
        run = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
        assert run.stdout.strip() == "['ASK', 'CONSTRUCT', 'SELECT'] []", run.stdout
