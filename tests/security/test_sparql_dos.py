"""Issue 12, items 1 and 9: anonymous SPARQL cannot take the site down.

Threats: a handful of anonymous clients sending runaway queries held every web thread and
every query worker for the whole time limit, so pages stopped answering and even "every
worker is busy" came only after the time limit; one client could hold every worker and
send without end; one GROUP_CONCAT row shipped megabytes past a limit that counted rows.

Every attack runs against a node served by waitress (threads, as ``maarifa serve`` runs
it), from clients bound to distinct 127.0.0.x source addresses, so the per-client limits
apply as they would on the internet. The runaways here never finish within the test
(``sparql_timeout`` is far beyond it): where the old endpoint made a request wait for one of
them, the request's socket times out and the test fails. Nothing here asserts a duration;
latencies under attack are measured in bench/sparql_dos_bench.py.
"""

from __future__ import annotations

import csv
import http.client
import io
import json
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from graph.errors import MaarifaError
from graph.sparql_pool import QueryRequest
from maarifa.cli import main
from maarifa.settings import Settings

from ..sparql.conftest import LiveNode
from ..waiting import wait_until

# six unconstrained patterns over the test data: 100^6 solutions, far beyond any time limit here
RUNAWAY = "SELECT (COUNT(*) AS ?c) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n ?o . ?p ?q ?r }"
ASK = "ASK {}"  # light: the fast lane takes it
# small on the test data, but two patterns: not light, so it runs on the shared workers
SMALL_JOIN = "ASK { ?s ?p ?o . ?s ?q ?r }"
FOREVER = 600.0  # sparql_timeout: no runaway ends by itself while a test runs
SOCKET_TIMEOUT = 60.0  # a request that waits for a runaway fails the test instead of hanging it
BYTE_BOMB = 'SELECT (GROUP_CONCAT(STR(?o); separator=" ") AS ?all) WHERE { ?s ?p ?o . ?s2 ?p2 ?o2 }'


@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def get(node: LiveNode, path: str, source: str = "127.0.0.1", headers: dict | None = None) -> Answer:
    """A GET from ``source`` (a 127.0.0.x address the client socket is bound to)."""
    connection = http.client.HTTPConnection("127.0.0.1", node.port, timeout=SOCKET_TIMEOUT, source_address=(source, 0))
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        connection.close()


def sparql(node: LiveNode, query: str, source: str, accept: str = "application/sparql-results+json",
           headers: dict | None = None) -> Answer:
    return get(node, "/sparql?" + urllib.parse.urlencode({"query": query}), source, {"Accept": accept, **(headers or {})})


class Runaways:
    """One runaway query from each address, sent in threads; ``answers`` fills as they end."""

    def __init__(self, node: LiveNode, sources: list[str]):
        self.answers: dict[str, Answer | BaseException] = {}
        self.threads = [threading.Thread(target=self._send, args=(node, source), daemon=True) for source in sources]
        for thread in self.threads:
            thread.start()
            time.sleep(0.02)  # in order: the first ones are the oldest

    def _send(self, node, source):
        try:
            self.answers[source] = sparql(node, RUNAWAY, source)
        except BaseException as exc:  # a socket timeout: the test reports it
            self.answers[source] = exc


def served(tmp_path, **settings) -> LiveNode:
    """A node under waitress with 4 threads and the limits as a public node has them."""
    limits = {"sparql_timeout": FOREVER, "sparql_workers": 2, "sparql_max_requests": 3,
              "sparql_client_concurrency": 1, "sparql_client_rate": "1000/minute", "sparql_cooldown_seconds": 60.0}
    node = LiveNode(tmp_path / "data", waitress=True, **{**limits, **settings})
    node.populate()
    _ = node.services.public_queries  # the workers start (and open the snapshot) before the attack
    return node


def stop(node: LiveNode) -> None:
    """The workers first: the web threads waiting on runaways are let go, so waitress stops at once."""
    node.services.sparql_pool.close()
    node.close()


@pytest.fixture
def preempting_node(tmp_path):
    node = served(tmp_path, sparql_protected_seconds=0.0)
    yield node
    stop(node)


@pytest.fixture
def protecting_node(tmp_path):
    node = served(tmp_path, sparql_protected_seconds=FOREVER)
    yield node
    stop(node)


def test_runaways_from_many_clients_leave_the_site_and_a_small_query_answering(preempting_node):
    node = preempting_node
    pool = node.services.sparql_pool
    attackers = [f"127.0.0.{10 + i}" for i in range(6)]
    attack = Runaways(node, attackers)
    # each new runaway stopped the oldest one; two hold the two workers, the rest were refused
    wait_until(lambda: pool.running() == 2 and len(attack.answers) == len(attackers) - 2 and pool.ready(),
               "two runaways running, every other one answered, the spare worker started again")
    refused = {source: answer for source, answer in attack.answers.items()}
    assert all(isinstance(a, Answer) and a.status in (503,) and a.headers.get("retry-after") for a in refused.values()), \
        {s: getattr(a, "status", a) for s, a in refused.items()}
    # the rest of the site answers (four waitress threads, six runaways sent)
    home = get(node, "/", "127.0.0.99")
    assert home.status == 200 and "<html" in home.text.lower()
    assert get(node, "/health", "127.0.0.99").status == 200
    # a light query from yet another address runs at once on the fast lane: nothing is stopped
    ask = sparql(node, ASK, "127.0.0.50")
    assert ask.status == 200 and json.loads(ask.body)["boolean"] is True
    assert len(attack.answers) == len(attackers) - 2 and pool.running() == 2
    # a small query that is not light runs at once too: it stops the oldest runaway
    join = sparql(node, SMALL_JOIN, "127.0.0.51")
    assert join.status == 200 and json.loads(join.body)["boolean"] is True
    wait_until(lambda: len(attack.answers) == len(attackers) - 1, "the oldest runaway answered")
    stopped = [s for s in attackers if s not in refused and s in attack.answers]
    assert len(stopped) == 1
    answer = attack.answers[stopped[0]]
    assert answer.status == 503 and "to make room for another client's query" in answer.text
    assert int(answer.headers["retry-after"]) == 60  # its cool-down
    # a client whose runaway was stopped sends no other for its cool-down
    again = sparql(node, ASK, stopped[0])
    assert again.status == 429 and 0 < int(again.headers["retry-after"]) <= 60 and "stopped recently" in again.text
    # a client with a runaway still running cannot start a second one
    holder = next(s for s in attackers if s not in attack.answers)
    second = sparql(node, ASK, holder)
    assert second.status == 429 and second.headers["retry-after"] == "1" and "already has 1 query running" in second.text


def test_a_query_that_finds_every_worker_busy_is_refused_at_once(protecting_node):
    """Runaways that may not be stopped (they are younger than sparql_protected_seconds):
    the next query is answered 503 with Retry-After, not after the time limit."""
    node = protecting_node
    attack = Runaways(node, ["127.0.0.21", "127.0.0.22"])
    wait_until(lambda: node.services.sparql_pool.running() == 2, "both workers busy")
    busy = sparql(node, SMALL_JOIN, "127.0.0.23")
    assert busy.status == 503 and "every query worker is busy" in busy.text
    assert int(busy.headers["retry-after"]) >= 1
    assert get(node, "/", "127.0.0.23").status == 200
    # a light query has workers of its own
    assert sparql(node, ASK, "127.0.0.24").status == 200
    assert attack.answers == {}  # the runaways still run: nothing was stopped for the refused query


def test_sparql_holds_at_most_its_share_of_the_web_threads(tmp_path):
    node = served(tmp_path, sparql_max_requests=1, sparql_protected_seconds=0.0)
    try:
        attack = Runaways(node, ["127.0.0.31"])
        wait_until(lambda: node.services.sparql_pool.running() == 1, "the runaway running")
        refused = sparql(node, SMALL_JOIN, "127.0.0.32")
        assert refused.status == 503 and refused.headers["retry-after"] == "1"
        assert "answering 1 requests already" in refused.text
        # so is the service description: every /sparql request counts
        assert get(node, "/sparql", "127.0.0.33", {"Accept": "text/turtle"}).status == 503
        assert get(node, "/", "127.0.0.32").status == 200
        # light queries have places of their own (sparql_fast_lane_workers + 1)
        assert sparql(node, ASK, "127.0.0.34").status == 200
        assert attack.answers == {}
    finally:
        stop(node)


def test_runaways_on_every_shared_worker_and_place_leave_light_queries_answering(tmp_path):
    """No preemption possible, every shared place held: a light query still answers (the
    threat: twenty clients keeping the shared workers busy starve a small ASK)."""
    node = served(tmp_path, sparql_protected_seconds=FOREVER, sparql_max_requests=3)
    try:
        attack = Runaways(node, ["127.0.0.71", "127.0.0.72", "127.0.0.73"])
        wait_until(lambda: node.services.sparql_pool.running() == 2 and len(attack.answers) == 1,
                   "two runaways running, the third refused")
        assert attack.answers["127.0.0.73"].status == 503
        answers = [sparql(node, ASK, f"127.0.0.{80 + n}") for n in range(3)]
        assert [a.status for a in answers] == [200, 200, 200]
        assert all(json.loads(a.body)["boolean"] is True for a in answers)
        assert node.services.sparql_pool.running() == 2 and len(attack.answers) == 1  # nothing stopped
    finally:
        stop(node)


def test_a_query_that_looks_light_but_overruns_the_fast_lane_answers_from_the_shared_workers(tmp_path):
    """One triple pattern, and a filter that makes a long string of each object: light by its
    shape, ~0.1 s of work on the test data, ten times the fast lane's budget here. The query
    still answers (run again on the shared workers), and its client skips the fast lane for
    its cool-down; other clients do not."""
    node = served(tmp_path, sparql_fast_lane_seconds=0.01)
    try:
        queries, fast = node.services.public_queries, node.services.fast_lane
        longer = 'REPLACE(REPLACE(REPLACE(STR(?o), "", "aaaaaaaaaa"), "", "aaaaaaaaaa"), "", "aaaaaaaaaa")'
        answer = sparql(node, f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o FILTER(STRLEN({longer}) > 0) }}",
                        "127.0.0.91")
        assert answer.status == 200
        assert int(json.loads(answer.body)["results"]["bindings"][0]["n"]["value"]) == node.services.replica.count()
        assert not queries.may_use_fast_lane("127.0.0.91") and queries.may_use_fast_lane("127.0.0.92")
        wait_until(lambda: fast.ready() == 2, "the stopped fast worker replaced")  # one worker, one spare
        # the next one goes straight to the shared workers: the fast lane stops nothing more
        assert sparql(node, ASK, "127.0.0.91").status == 200
        assert fast.ready() == 2 and fast.running() == 0
    finally:
        stop(node)


def test_without_a_fast_lane_light_queries_share_the_workers(tmp_path):
    node = served(tmp_path, sparql_fast_lane_workers=0, sparql_protected_seconds=FOREVER)
    try:
        assert node.services.fast_lane is None
        attack = Runaways(node, ["127.0.0.101", "127.0.0.102"])
        wait_until(lambda: node.services.sparql_pool.running() == 2, "both workers busy")
        busy = sparql(node, ASK, "127.0.0.103")
        assert busy.status == 503 and "every query worker is busy" in busy.text
        assert attack.answers == {}
    finally:
        stop(node)


def test_one_client_cannot_exceed_its_rate_and_others_are_not_counted_with_it(tmp_path):
    node = LiveNode(tmp_path / "data", sparql_client_rate="3/minute")
    node.populate()
    try:
        assert [sparql(node, ASK, "127.0.0.41").status for _ in range(3)] == [200, 200, 200]
        over = sparql(node, ASK, "127.0.0.41")
        assert over.status == 429 and "more than 3 queries in 60 s" in over.text
        assert 0 < int(over.headers["retry-after"]) <= 60
        assert sparql(node, ASK, "127.0.0.42").status == 200
    finally:
        node.close()


def test_a_query_stopped_at_the_time_limit_cools_its_client_down(tmp_path):
    node = LiveNode(tmp_path / "data", sparql_timeout=1.0, sparql_cooldown_seconds=45.0,
                    sparql_client_rate="1000/minute", sparql_client_concurrency=1)
    node.populate()
    try:
        stopped = sparql(node, RUNAWAY, "127.0.0.51")
        assert stopped.status == 503 and "did not finish within 1 s" in stopped.text
        assert stopped.headers["retry-after"] == "45"
        cooled = sparql(node, ASK, "127.0.0.51")
        assert cooled.status == 429 and 0 < int(cooled.headers["retry-after"]) <= 45
        assert sparql(node, ASK, "127.0.0.52").status == 200
    finally:
        node.close()


@pytest.mark.parametrize("trusted, separate", [("", False), ("127.0.0.1", True)])
def test_x_forwarded_for_names_the_client_only_behind_a_trusted_proxy(tmp_path, trusted, separate):
    node = LiveNode(tmp_path / "data", sparql_client_rate="2/minute", trusted_proxies=trusted)
    node.populate()
    try:
        statuses = [sparql(node, ASK, "127.0.0.1", headers={"X-Forwarded-For": f"198.51.100.{n}"}).status
                    for n in range(4)]
        assert statuses == ([200] * 4 if separate else [200, 200, 429, 429])
        # a client that reaches the node directly cannot choose its address by the header
        direct = [sparql(node, ASK, "127.0.0.61", headers={"X-Forwarded-For": f"203.0.113.{n}"}).status
                  for n in range(3)]
        assert direct == [200, 200, 429]
    finally:
        node.close()


@pytest.mark.parametrize("setting, value, message", [
    ("sparql_client_rate", "lots", "setting sparql_client_rate: 'lots' is not a rate limit"),
    ("trusted_proxies", "10.0.0.0/8, proxy.local", "setting trusted_proxies: 'proxy.local' is not an IP address"),
])
def test_limits_written_wrong_are_refused_at_start_up(tmp_path, setting, value, message):
    with pytest.raises(MaarifaError, match=message):
        Settings.load({"data_dir": tmp_path, setting: value}, environ={})


@pytest.mark.parametrize("overrides, message", [
    ({"MAARIFA_SPARQL_MAX_REQUESTS": "8"}, "sparql_max_requests (8) must be smaller than threads (8)"),
    ({"MAARIFA_SPARQL_MAX_REQUESTS": "2"}, "sparql_max_requests (2) must be larger than sparql_workers (2)"),
    ({"MAARIFA_SPARQL_MAX_REQUESTS": "6"}, "sparql_max_requests (6) and the fast lane's 2 places"),
    ({"MAARIFA_SPARQL_FAST_LANE_SECONDS": "0"}, "sparql_fast_lane_seconds more than 0"),
])
def test_serve_refuses_a_sparql_share_that_could_hold_every_thread(tmp_path, overrides, message):
    data = tmp_path / "data"
    runner = CliRunner()
    assert runner.invoke(main, ["--data-dir", str(data), "init"]).exit_code == 0
    # an address of no interface here (TEST-NET-3): had the settings passed, binding would fail at once
    result = runner.invoke(main, ["--data-dir", str(data), "serve", "--host", "203.0.113.1"], env=overrides)
    assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output


# -- item 9: result limits count bytes too ---------------------------------------------------

LIMIT = 1500  # bytes; the test data (36 triples) is 2-9 kB in every format


@pytest.fixture(scope="module")
def byte_limited(tmp_path_factory):
    node = LiveNode(tmp_path_factory.mktemp("bytes") / "data", sparql_max_result_bytes=LIMIT)
    node.populate()
    yield node
    node.close()


def test_one_group_concat_row_is_cut_at_the_byte_limit(byte_limited):
    answer = sparql(byte_limited, BYTE_BOMB, "127.0.0.71")
    assert answer.status == 200 and len(answer.body) <= LIMIT
    assert answer.headers["maarifa-results-truncated"] == str(LIMIT)
    assert answer.headers["maarifa-results-truncated-by"] == "bytes"
    # the one row did not fit: none is sent, and what is sent is a whole result document
    assert json.loads(answer.body) == {"head": {"vars": ["all"]}, "results": {"bindings": []}}


ROWS = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o"


@pytest.mark.parametrize("accept, rows_of", [
    ("application/sparql-results+json", lambda body: json.loads(body)["results"]["bindings"]),
    ("application/sparql-results+xml",
     lambda body: ET.fromstring(body).findall(".//{http://www.w3.org/2005/sparql-results#}result")),
    ("text/csv", lambda body: list(csv.reader(io.StringIO(body.decode()), strict=True))[1:]),
    ("text/tab-separated-values", lambda body: body.decode().splitlines()[1:]),
])
def test_many_rows_are_cut_at_a_row_boundary(byte_limited, accept, rows_of):
    answer = sparql(byte_limited, ROWS, "127.0.0.72", accept=accept)
    assert answer.status == 200 and len(answer.body) <= LIMIT
    assert answer.headers["maarifa-results-truncated-by"] == "bytes"
    rows = rows_of(answer.body)
    everything = byte_limited.services.replica.count()
    assert 0 < len(rows) < everything
    if accept == "application/sparql-results+json":
        assert all(set(row) == {"s", "p", "o"} for row in rows)  # no row is cut in the middle


@pytest.mark.parametrize("accept, fmt", [("text/turtle", ox.RdfFormat.TURTLE),
                                         ("application/n-triples", ox.RdfFormat.N_TRIPLES),
                                         ("application/ld+json", ox.RdfFormat.JSON_LD)])
def test_a_large_graph_is_cut_at_a_triple_boundary(byte_limited, accept, fmt):
    answer = sparql(byte_limited, "CONSTRUCT WHERE { ?s ?p ?o }", "127.0.0.73", accept=accept)
    assert answer.status == 200 and len(answer.body) <= LIMIT
    assert answer.headers["maarifa-results-truncated-by"] == "bytes"
    triples = list(ox.parse(answer.body, format=fmt))
    assert 0 < len(triples) < byte_limited.services.replica.count()


def test_a_result_within_both_limits_is_whole(byte_limited):
    answer = sparql(byte_limited, "SELECT ?s WHERE { ?s a <https://w3id.org/maarifa/ns#Person> }", "127.0.0.74")
    assert answer.status == 200 and "maarifa-results-truncated" not in answer.headers
    assert len(json.loads(answer.body)["results"]["bindings"]) == 1


def test_the_bytes_are_counted_in_the_worker(byte_limited):
    """What comes back over the pipe is already cut: the web process never holds the megabytes."""
    pool = byte_limited.services.sparql_pool
    out = pool.run(QueryRequest(BYTE_BOMB, max_bytes=LIMIT), timeout=30)
    assert out.truncated_by == "bytes" and len(out.body) <= LIMIT
    whole = pool.run(QueryRequest(BYTE_BOMB), timeout=30)
    assert whole.truncated_by is None and len(whole.body) > 20 * LIMIT  # the bomb is real
