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
from .replica import HARVEST_IMPORTER
from .sparql_guard import normalize_endpoint
from .store import GraphStore

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


def _sparql(endpoint: str, query: str, accept: str, timeout: float) -> requests.Response:
    try:
        response = requests.post(endpoint, data={"query": query}, timeout=timeout,
                                 headers={"Accept": accept, "User-Agent": USER_AGENT})
    except requests.RequestException as exc:
        raise MaarifaError(f"{endpoint} did not answer: {exc.__class__.__name__}") from None
    if response.status_code != 200:
        raise MaarifaError(f"{endpoint} answered {response.status_code}: {response.text[:200]}")
    return response


PEER_GRAPHS = """
SELECT ?graph ?checksum WHERE { GRAPH ?provenance {
  ?graph a <https://w3id.org/maarifa/ns#SourceGraph> ; <https://w3id.org/maarifa/ns#checksum> ?checksum } }
"""


@dataclass
class HarvestReport:
    endpoint: str
    fetched: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"{self.endpoint}: {len(self.fetched)} graph(s) fetched, {len(self.unchanged)} unchanged, "
               f"{len(self.dropped)} dropped"]
        out += [f"  - {e}" for e in self.errors]
        return out


def _source_name(endpoint: str, graph: str) -> str:
    digest = hashlib.sha256(f"{endpoint} {graph}".encode()).hexdigest()[:12]
    return f"harvest-{digest}"


def harvest(store: GraphStore, endpoint: str, timeout: float = 30.0) -> HarvestReport:
    """Copy a peer's public graphs that changed since the last harvest into our store."""
    endpoint = normalize_endpoint(endpoint)
    report = HarvestReport(endpoint)
    rows = _sparql(endpoint, PEER_GRAPHS, "application/sparql-results+json", timeout).json()
    remote = {b["graph"]["value"]: b["checksum"]["value"] for b in rows["results"]["bindings"]}
    ours = {r.source: r for r in store.records() if r.importer == HARVEST_IMPORTER}
    pending = []
    for graph, checksum in sorted(remote.items()):
        name = _source_name(endpoint, graph)
        if name in ours and ours[name].checksum == checksum:
            report.unchanged.append(graph)
            continue
        body = _sparql(endpoint, f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}",
                       "application/n-triples", timeout).content
        triples = [(q.subject, q.predicate, q.object) for q in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)]
        pending.append((graph, SourceGraphs(name=name, label=f"{graph} from {endpoint}", importer=HARVEST_IMPORTER,
                                            checksum=checksum), triples))
    # graphs may refer to each other (people to skills): load what validates, then retry the rest
    while pending:
        failed = []
        for graph, source, triples in pending:
            try:
                store.replace_source_parsed(source, {"public": triples})
                report.fetched.append(graph)
            except ValidationFailed as exc:
                failed.append((graph, source, triples, exc))
        if len(failed) == len(pending):
            report.errors += [f"{graph}: {exc.violations[0]}" for graph, _, _, exc in failed]
            break
        pending = [(g, s, t) for g, s, t, _ in failed]
    for name, record in ours.items():
        if not any(_source_name(endpoint, g) == name for g in remote) and record.label.endswith(f" from {endpoint}"):
            store.replace_source_parsed(SourceGraphs(name=name, label=record.label, importer=HARVEST_IMPORTER,
                                                     checksum=record.checksum), {})
            report.dropped.append(record.label)
    return report


FEDERATED_PEERS = """
PREFIX mf: <https://w3id.org/maarifa/ns#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX schema: <https://schema.org/>
SELECT ?person ?name ?username ?skillLabel ?level ?status WHERE {
  %s
  ?claim mf:skill ?skill ; mf:level ?level ; mf:claimStatus ?status .
  FILTER(?level >= %d)
  ?person mf:hasClaim ?claim ; schema:name ?name ; mf:username ?username .
  OPTIONAL { ?skill skos:prefLabel ?skillLabel FILTER(LANGMATCHES(LANG(?skillLabel), "en")) }
} ORDER BY DESC(?level) ?username LIMIT %d
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


def federated_peer_search(endpoints: list[str], *, skill: str | None = None, min_level: int = 1,
                          timeout: float = 2.0, limit: int = 50) -> dict:
    """Ask every node at once; merge the people found, each tagged with its node. A node that
    is down or slow is reported in ``nodes``, never fatal."""
    text = (skill or "").replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")

    def ask(endpoint: str):
        started = time.perf_counter()
        try:
            selection = ""
            if skill:
                found = _sparql(endpoint, SKILLS % {"text": text}, "application/sparql-results+json", timeout).json()
                iris = [b["skill"]["value"] for b in found["results"]["bindings"]]
                if not iris:
                    return endpoint, [], None, time.perf_counter() - started
                selection = "VALUES ?skill { " + " ".join(f"<{i}>" for i in iris) + " }"
            query = FEDERATED_PEERS % (selection, int(min_level), limit)
            rows = _sparql(endpoint, query, "application/sparql-results+json", timeout).json()
            return endpoint, rows["results"]["bindings"], None, time.perf_counter() - started
        except (MaarifaError, ValueError, KeyError) as exc:
            return endpoint, [], str(exc), time.perf_counter() - started

    results, nodes = [], []
    with ThreadPoolExecutor(max_workers=max(1, len(endpoints))) as pool:
        for endpoint, rows, error, seconds in pool.map(ask, endpoints):
            nodes.append({"endpoint": endpoint, "ok": error is None, "error": error,
                          "seconds": round(seconds, 3), "results": len(rows)})
            for row in rows:
                results.append({"node": endpoint, "person": row["person"]["value"], "name": row["name"]["value"],
                                "username": row["username"]["value"], "skill": row.get("skillLabel", row.get("skill", {})).get("value", ""),
                                "level": int(row["level"]["value"]),
                                "status": row["status"]["value"].rsplit("#", 1)[-1]})
    results.sort(key=lambda r: (-r["level"], r["username"], r["node"]))
    return {"results": results[:limit], "nodes": nodes}
