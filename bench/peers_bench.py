"""Peer finder and skills map benchmark (issue 5).

    python bench/peers_bench.py [--people 100000] [--queries 300] [--baseline 30]

Generates N people with 10 skill claims each (bench/generate.py, seeded), splits them into
public / members / private graphs by their visibility (as the people importer does), marks
one claim in twenty as badge-verified with a modification time, puts 5,000 people in one
organization, and loads it all into an on-disk store through the validated path. Then, in
the same process and run:

* the peer finder over mixed queries (a skill subtree + a spoken language with a minimum
  proficiency + a minimum level, ranked, first page of 20) as a member: p50 / p95;
* the same selection as one plain SPARQL query on the engine (``graph.peers.sparql_for``,
  on the same graphs): p50 / p95 over the first ``--baseline`` queries; both must return
  the same usernames in the same order (checked);
* the skills map of the 5,000-people organization (as an admin, so all 5,000 count).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import shutil
import statistics
import sys
import time
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import generate, skill_codes  # noqa: E402
from graph import GraphStore, SourceGraphs, sha256_checksum  # noqa: E402
from graph.peers import PeerFinder, PeerIndex, parse_query, run_sparql  # noqa: E402
from graph.people import Viewer  # noqa: E402
from graph.skills_map import SkillsMap  # noqa: E402

OUT = ROOT / "bench" / "out"
BASE = "http://127.0.0.1:5000"
MF = "https://w3id.org/maarifa/ns#"
BIG_ORG = f"{BASE}/id/org/big"
LANGS = ["en", "es", "fr", "ar", "pt", "sw", "de", "hi", "id", "yo"]


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered))) - 1))]


def split_by_visibility(path: Path, big_org_members: int) -> dict[str, list]:
    """Person triples (and their #fragments) into the graph of the person's visibility."""
    access_of = {f"<{MF}Public>": "public", f"<{MF}MembersOnly>": "members", f"<{MF}Private>": "private"}
    triples = list(ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES))
    visibility = {}
    vis_pred = ox.NamedNode(MF + "visibility")
    for t in triples:
        if t.predicate == vis_pred:
            visibility[t.subject.value] = access_of[str(t.object)]
    graphs = {"public": [], "members": [], "private": []}
    verified = ox.NamedNode(MF + "verified")
    modified = ox.NamedNode("http://purl.org/dc/terms/modified")
    skill = ox.NamedNode(MF + "skill")
    rng = random.Random(5)
    for t in triples:
        owner = t.subject.value.split("#", 1)[0]
        access = visibility.get(owner, "public")
        graphs[access].append(t)
        if t.predicate == skill and rng.random() < 0.05:
            graphs[access].append(ox.Triple(t.subject, verified, ox.Literal(True)))
            day = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(700))
            graphs[access].append(ox.Triple(t.subject, modified, ox.Literal(
                f"{day}T12:00:00Z", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime"))))
    org = ox.NamedNode(BIG_ORG)
    graphs["public"] += [
        ox.Triple(org, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                  ox.NamedNode("http://www.w3.org/ns/org#Organization")),
        ox.Triple(org, ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"),
                  ox.Literal("Big organization", language="en")),
        ox.Triple(org, ox.NamedNode("http://www.w3.org/2004/02/skos/core#notation"), ox.Literal("BIG")),
    ]
    member_of = ox.NamedNode("http://www.w3.org/ns/org#memberOf")
    for i in range(big_org_members):
        person = f"{BASE}/id/person/user{i}"
        graphs[visibility[person]].append(ox.Triple(ox.NamedNode(person), member_of, org))
    return {a: [(t.subject, t.predicate, t.object) for t in ts] for a, ts in graphs.items()}


def mixed_queries(n: int, seed: int = 11) -> list[dict]:
    codes = skill_codes()
    parents = sorted({b for _, _, b in codes if b})
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        out.append({"skill": rng.choice(parents), "speaks": f"{rng.choice(LANGS)}:{rng.randint(1, 4)}",
                    "level": rng.randint(1, 3), "per_page": 20})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--baseline", type=int, default=30, help="queries also run as plain SPARQL")
    parser.add_argument("--big-org", type=int, default=5000)
    parser.add_argument("--keep", action="store_true", help="keep the store in bench/out for another run")
    args = parser.parse_args()

    work = OUT / f"peers-{args.people}"
    data = OUT / f"people-{args.people}.nt"
    OUT.mkdir(parents=True, exist_ok=True)
    if not data.exists():
        with data.open("w", encoding="utf-8") as out:
            generate(args.people, out, base=BASE)
    store_dir = work / "data"
    loaded = (store_dir / "store").exists() and args.keep
    if not loaded:
        shutil.rmtree(work, ignore_errors=True)
    store = GraphStore.open(store_dir, base_url=BASE, create=True)
    load_s = 0.0
    if not loaded:
        graphs = split_by_visibility(data, args.big_org)
        source = SourceGraphs(name="people", label=data.name, importer="bench",
                              checksum=sha256_checksum(data.read_bytes()))
        load_s, _ = timed(lambda: store.replace_source_parsed(source, graphs))
    member, admin = Viewer.member(), Viewer.admin()
    index = PeerIndex(store)
    build_s, _ = timed(lambda: index.view("members"))
    finder = PeerFinder(store, index)
    queries = [parse_query(q) for q in mixed_queries(args.queries)]
    for q in queries[:10]:  # warm-up
        finder.find(member, q)
    latencies, strategies = [], {}
    for q in queries:
        seconds, result = timed(lambda: finder.find(member, q))
        latencies.append(seconds * 1000)
        strategies[result["strategy"]] = strategies.get(result["strategy"], 0) + 1
    baseline = []
    tax = index.view("members").taxonomy
    for q in queries[:args.baseline]:
        seconds, names = timed(lambda: run_sparql(store, member, q, tax))
        baseline.append(seconds * 1000)
        mine = [r["username"] for r in finder.find(member, q)["results"]]
        assert names == mine, (q, names, mine)
    build_all_s, _ = timed(lambda: index.view("all"))
    maps = SkillsMap(store, index)
    first = maps.build(admin, org="BIG")
    assert first["people"] == args.big_org, first["people"]
    map_ms = []
    for _ in range(20):
        seconds, _ = timed(lambda: maps.build(admin, org="BIG"))
        map_ms.append(seconds * 1000)
    store.close()
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    result = {
        "people": args.people, "load_s": round(load_s, 1), "index_build_members_s": round(build_s, 2),
        "index_build_all_s": round(build_all_s, 2), "queries": len(queries),
        "finder_p50_ms": round(statistics.median(latencies), 2), "finder_p95_ms": round(pct(latencies, 95), 2),
        "finder_max_ms": round(max(latencies), 2), "strategies": strategies,
        "sparql_queries": len(baseline), "sparql_p50_ms": round(statistics.median(baseline), 1),
        "sparql_p95_ms": round(pct(baseline, 95), 1),
        "skills_map_people": args.big_org, "skills_map_p50_ms": round(statistics.median(map_ms), 2),
        "skills_map_max_ms": round(max(map_ms), 2),
    }
    print(json.dumps(result, indent=2))
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    print(f"\n{stamp} python bench/peers_bench.py --people {args.people} --queries {args.queries} "
          f"--baseline {args.baseline}")
    print("| people | finder p50 / p95 (ms) | same query in SPARQL p50 / p95 (ms) | skills map, 5k people p50 / max (ms) "
          "| index build (s) |")
    print("|---|---|---|---|---|")
    print(f"| {args.people:,} | {result['finder_p50_ms']} / {result['finder_p95_ms']} | {result['sparql_p50_ms']} / "
          f"{result['sparql_p95_ms']} | {result['skills_map_p50_ms']} / {result['skills_map_max_ms']} | "
          f"{result['index_build_members_s']} |")


if __name__ == "__main__":
    main()
