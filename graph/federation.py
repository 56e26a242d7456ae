"""Federation with other nodes: the allow-list of SPARQL endpoints, harvesting their public
graphs, and a peer search that asks every node at once.

Harvest is incremental per graph: a peer publishes each public graph's checksum in its
provenance graph, and only graphs whose checksum changed are fetched again. Harvested graphs
are stored as sources of their own (importer ``maarifa.harvest``) with the peer's URL and graph
in their provenance; the public replica leaves them out unless ``republish_harvested`` is set.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import requests

from .changes import SourceGraphs
from .errors import MaarifaError, NotFound, ValidationFailed
from .query import TRUNCATED_BY_HEADER, TRUNCATED_HEADER
from .replica import HARVEST_IMPORTER
from .sparql_guard import normalize_endpoint
from .store import GraphStore
from .terms import named

PEERS_FILE = "federation.json"
USER_AGENT = "Maarifa federation client"


class PeerList:
    """The allow-listed endpoints, kept in the data directory (read fresh on every use)."""

    def __init__(self, data_dir: Path):
        self.path = Path(data_dir) / PEERS_FILE

    def urls(self) -> list[str]:
        try:
            return [p["url"] for p in json.loads(self.path.read_text(encoding="utf-8"))]
        except FileNotFoundError:
            return []
        except (ValueError, KeyError, TypeError):
            raise MaarifaError(f"{self.path} is not a valid peer list; fix or remove it") from None

    def add(self, url: str) -> bool:
        url = normalize_endpoint(url)
        if not re.match(r"^https?://[^\s/]+(/\S*)?$", url):
            raise MaarifaError(f"{url!r} is not an http(s) URL of a SPARQL endpoint")
        urls = self.urls()
        if url in urls:
            return False
        self._write([*urls, url])
        return True

    def remove(self, url: str) -> None:
        url = normalize_endpoint(url)
        urls = self.urls()
        if url not in urls:
            raise NotFound(f"{url} is not on the allow-list")
        self._write([u for u in urls if u != url])

    def _write(self, urls: list[str]) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps([{"url": u} for u in urls], indent=2), encoding="utf-8")
        os.replace(tmp, self.path)


HARVEST_RETRIES = 3  # a harvest reads many pages: it waits out a peer's Retry-After this often
MAX_RETRY_WAIT = 60.0  # seconds; a peer asking for longer is not waited for


def _sparql(endpoint: str, query: str, accept: str, timeout: float, retries: int = 0) -> requests.Response:
    """A peer's answer; with ``retries``, a 429 or 503 with ``Retry-After`` (a peer's per-client
    limits, web/sparql.py) is waited out and asked again."""
    while True:
        try:
            response = requests.post(endpoint, data={"query": query}, timeout=timeout,
                                     headers={"Accept": accept, "User-Agent": USER_AGENT})
        except requests.RequestException as exc:
            raise MaarifaError(f"{endpoint} did not answer: {exc.__class__.__name__}") from None
        wait = _retry_after(response)
        if response.status_code == 200 or retries <= 0 or wait is None or wait > MAX_RETRY_WAIT:
            break
        retries -= 1
        time.sleep(wait)
    if response.status_code != 200:
        raise MaarifaError(f"{endpoint} answered {response.status_code}: {response.text[:200]}")
    return response


def _retry_after(response: requests.Response) -> float | None:
    if response.status_code not in (429, 503):
        return None
    try:
        return float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None


PEER_GRAPHS = """SELECT ?graph ?checksum WHERE { GRAPH ?provenance {
  ?graph a <https://w3id.org/maarifa/ns#SourceGraph> ; <https://w3id.org/maarifa/ns#checksum> ?checksum } }"""


@dataclass
class HarvestReport:
    """What a harvest did: graphs ``fetched`` and stored, ``unchanged`` ones (same checksum as
    the copy we hold: not fetched, and nothing said about them), ``dropped`` ones (gone from
    the peer), ``rejected`` ones (changed, but the peer's graphs together break the shapes:
    nothing stored) with the broken rules in ``errors``."""

    endpoint: str
    fetched: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"{self.endpoint}: {len(self.fetched)} graph(s) fetched, {len(self.unchanged)} unchanged, "
               f"{len(self.dropped)} dropped"]
        if self.rejected:
            out.append(f"  {len(self.rejected)} changed graph(s) not stored, because the peer's graphs together "
                       f"break {len(self.errors)} rule(s):")
        out += [f"  - {e}" for e in self.errors]
        return out


def _source_name(endpoint: str, graph: str) -> str:
    digest = hashlib.sha256(f"{endpoint} {graph}".encode()).hexdigest()[:12]
    return f"harvest-{digest}"


def _all_pages(endpoint: str, query: str, order: str, accept: str, count, timeout: float) -> list:
    """Every answer of a query, however many: a peer cuts an answer at its result limit
    (``query_result_limit`` rows, 10,000 by default, or ``sparql_max_result_bytes``, and says
    which in its headers), so a longer one is read again in pages, in a fixed order (SPARQL
    1.1 Query, 15.4: only ORDER BY makes OFFSET pages stable): pages of the row limit, or of
    as many answers as fitted in the bytes. ``count`` turns a response into its list of answers."""
    response = _sparql(endpoint, query, accept, timeout, retries=HARVEST_RETRIES)
    limit = response.headers.get(TRUNCATED_HEADER)
    if not limit:
        return count(response)
    by_bytes = response.headers.get(TRUNCATED_BY_HEADER) == "bytes"
    page, answers = len(count(response)) if by_bytes else int(limit), []
    while True:
        if page < 1:
            raise MaarifaError(f"{endpoint}: answer {len(answers) + 1} of {query!r} alone is longer than the "
                               f"peer's result limit of {limit} bytes")
        response = _sparql(endpoint, f"{query} ORDER BY {order} LIMIT {page} OFFSET {len(answers)}",
                           accept, timeout, retries=HARVEST_RETRIES)
        chunk = count(response)
        answers += chunk
        if response.headers.get(TRUNCATED_BY_HEADER) == "bytes":
            page = len(chunk)  # the next pages are as long as what fitted: the bytes run out first
            continue
        if len(chunk) < page:
            return answers


def fetch_graph(endpoint: str, graph: str, timeout: float) -> list[tuple]:
    """Every triple of a peer's public graph."""
    return _all_pages(endpoint, f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}",
                      "?s ?p ?o", "application/n-triples", lambda r: _triples(r.content), timeout)


def peer_graphs(endpoint: str, timeout: float) -> dict[str, str]:
    """The peer's public graphs and their checksums, from its provenance."""
    rows = _all_pages(endpoint, PEER_GRAPHS, "?graph", "application/sparql-results+json",
                      lambda r: r.json()["results"]["bindings"], timeout)
    return {b["graph"]["value"]: b["checksum"]["value"] for b in rows}


def _triples(body: bytes) -> list[tuple]:
    return [(q.subject, q.predicate, q.object) for q in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)]


def harvest(store: GraphStore, endpoint: str, timeout: float = 30.0) -> HarvestReport:
    """Copy a peer's public graphs that changed since the last harvest into our store.

    The changed graphs are validated together with the peer's graphs we already hold, as one
    dataset and nothing else, the way the peer validates them (an award's badge class, a
    completion's training, a pack's items live in its other graphs), and stored in one
    transaction, or not at all. A harvest where nothing changed fetches and checks nothing.
    """
    endpoint = normalize_endpoint(endpoint)
    report = HarvestReport(endpoint)
    remote = peer_graphs(endpoint, timeout)
    ours = {r.source: r for r in store.records() if r.importer == HARVEST_IMPORTER and _is_from(r, endpoint)}
    batch, held = [], []
    for graph, checksum in sorted(remote.items()):
        name = _source_name(endpoint, graph)
        if name in ours and ours[name].checksum == checksum:
            report.unchanged.append(graph)
            held.append(name)
            continue
        label = f"{graph} from {endpoint}"
        triples = [tuple(store.skolemize(t) for t in triple) for triple in fetch_graph(endpoint, graph, timeout)]
        source = SourceGraphs(name=name, label=label, importer=HARVEST_IMPORTER, checksum=checksum,
                              origins={t[0].value: label for t in triples})
        batch.append((source, {"public": triples}))
        report.fetched.append(graph)
    remote_names = {_source_name(endpoint, g) for g in remote}
    for name, record in sorted(ours.items()):
        if name not in remote_names:
            batch.append((SourceGraphs(name=name, label=record.label, importer=HARVEST_IMPORTER,
                                       checksum=record.checksum), {}))
            report.dropped.append(record.label)
    if not batch:
        return report
    try:
        store.replace_sources_together(batch, with_sources=held)
    except ValidationFailed as exc:
        report.rejected, report.fetched, report.dropped = report.fetched, [], []
        report.errors = [str(v) for v in exc.violations]
    return report


def _is_from(record, endpoint: str) -> bool:
    return record.label.endswith(f" from {endpoint}")


FEDERATED_PEERS = """
PREFIX mf: <https://w3id.org/maarifa/ns#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX schema: <https://schema.org/>
SELECT ?person ?name ?username ?skillLabel ?level ?status WHERE {
  %(skills)s
  VALUES ?status { %(statuses)s }
  ?claim mf:skill ?skill ; mf:level ?level ; mf:claimStatus ?status .
  FILTER(?level >= %(level)d)
  ?person mf:hasClaim ?claim ; schema:name ?name ; mf:username ?username .
  OPTIONAL { ?skill skos:prefLabel ?skillLabel FILTER(LANGMATCHES(LANG(?skillLabel), "en")) }
} ORDER BY DESC(?level) ?username LIMIT %(limit)d
"""
# Two round trips per node: the skills first (a skill includes its narrower skills), then the
# claims that name them. As one query with a sub-select the engine joins in the wrong order
# and scans every claim (200 ms at 500 people; 2 ms this way).
SKILLS = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?skill WHERE {
    ?wanted a skos:Concept .
    { ?wanted skos:notation "%(text)s" } UNION
    { ?wanted skos:prefLabel ?label FILTER(CONTAINS(LCASE(STR(?label)), LCASE("%(text)s"))) }
    ?skill skos:broader* ?wanted } LIMIT 500"""
STATUS_TERMS = {"known": "mf:Known", "available": "mf:Available", "wanted": "mf:Wanted"}


class _Node:
    """One node a federated search asks: a peer over HTTP, or this node's own store."""

    def __init__(self, endpoint: str, timeout: float, store: GraphStore | None = None):
        self.endpoint, self.timeout, self.store = endpoint, timeout, store

    def bindings(self, query: str) -> list[dict]:
        """SPARQL JSON result bindings (SPARQL 1.1 Query Results JSON Format, 3.2.2)."""
        if self.store is None:
            return _sparql(self.endpoint, query, "application/sparql-results+json", self.timeout).json()[
                "results"]["bindings"]
        # this node's own public data: not the people we harvested from peers (those answer for themselves)
        graphs = [named(r.physical) for r in self.store.records()
                  if r.access == "public" and r.importer != HARVEST_IMPORTER]
        if not graphs:
            return []
        solutions = self.store._store.query(query, default_graph=graphs)
        names = [v.value for v in solutions.variables]
        return [{n: {"value": row[n].value} for n in names if row[n] is not None} for row in solutions]


def federated_peer_search(endpoints: list[str], *, skill: str | None = None, min_level: int = 1,
                          status: tuple[str, ...] = ("available", "known"), timeout: float = 2.0, limit: int = 50,
                          local: GraphStore | None = None) -> dict:
    """Ask every node at once; merge the people found, each tagged with its node. A node that
    is down or slow is reported in ``nodes``, never fatal.

    As the local peer finder: without ``status``, people who know or offer the skill
    (``("wanted",)`` finds learners). With ``local`` (this node's store), this node's own
    public people are among the results too, marked ``"local": true``.
    """
    unknown = sorted(set(status) - set(STATUS_TERMS))
    if unknown or not status:
        raise MaarifaError(f"unknown claim status {', '.join(unknown) or '(none)'}: use known, available or wanted")
    text = (skill or "").replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    nodes_to_ask = [_Node(normalize_endpoint(e), timeout) for e in endpoints]
    if local is not None:
        nodes_to_ask.insert(0, _Node(f"{local.base_url}/sparql", timeout, local))

    def ask(node: _Node):
        started = time.perf_counter()
        try:
            selection = ""
            if skill:
                iris = [b["skill"]["value"] for b in node.bindings(SKILLS % {"text": text})]
                if not iris:
                    return node, [], None, time.perf_counter() - started
                selection = "VALUES ?skill { " + " ".join(f"<{i}>" for i in iris) + " }"
            query = FEDERATED_PEERS % {"skills": selection, "level": int(min_level), "limit": limit,
                                       "statuses": " ".join(STATUS_TERMS[s] for s in sorted(status))}
            return node, node.bindings(query), None, time.perf_counter() - started
        except (MaarifaError, ValueError, KeyError, OSError) as exc:
            return node, [], str(exc), time.perf_counter() - started

    results, nodes = [], []
    with ThreadPoolExecutor(max_workers=max(1, len(nodes_to_ask))) as pool:
        for node, rows, error, seconds in pool.map(ask, nodes_to_ask):
            is_local = node.store is not None
            nodes.append({"endpoint": node.endpoint, "local": is_local, "ok": error is None, "error": error,
                          "seconds": round(seconds, 3), "results": len(rows)})
            for row in rows:
                results.append({"node": node.endpoint, "local": is_local, "person": row["person"]["value"],
                                "name": row["name"]["value"], "username": row["username"]["value"],
                                "skill": row.get("skillLabel", row.get("skill", {})).get("value", ""),
                                "level": int(row["level"]["value"]),
                                "status": row["status"]["value"].rsplit("#", 1)[-1].lower()})
    results.sort(key=lambda r: (-r["level"], not r["local"], r["username"], r["node"]))
    return {"results": results[:limit], "nodes": nodes}
