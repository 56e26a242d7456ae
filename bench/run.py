"""Foundation benchmarks (issue 2): validated load vs raw bulk_load, one-person change, whole-store validation.

    python bench/run.py [--sizes 10000 100000] [--changes 300]

Each size runs in one process, one after the other: the baseline (pyoxigraph's own
``bulk_load`` of the same N-Triples file into an empty on-disk store) and our validated load
(parse, validate every node, stage, switch) are measured back to back, so the ratio holds on
a noisy shared machine even when the absolute figures move.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import statistics
import sys
import time
from pathlib import Path

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import generate  # noqa: E402
from graph import Change, GraphStore, SourceGraphs, sha256_checksum  # noqa: E402
from graph.rdfio import describe_file, parse_file  # noqa: E402
from ontology import MF  # noqa: E402

OUT = ROOT / "bench" / "out"
BASE = "http://127.0.0.1:5000"


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def run_size(people: int, changes: int) -> dict:
    work = OUT / f"run-{people}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    data = work / "people.nt"
    with data.open("w") as out:
        triples = generate(people, out, base=BASE)

    raw = ox.Store(str(work / "raw"))
    raw_seconds, _ = timed(lambda: raw.bulk_load(path=str(data), format=ox.RdfFormat.N_TRIPLES))
    raw = None  # closes the baseline store before ours opens

    store = GraphStore.open(work / "maarifa", base_url=BASE, create=True)

    def validated_load():
        parsed = parse_file(data)
        source = SourceGraphs(name="people", label=data.name, importer="bench",
                              checksum=sha256_checksum(data.read_bytes()))
        return store.replace_source_parsed(source, {"public": parsed}, files={"public": [describe_file(data)]})

    load_seconds, result = timed(validated_load)
    assert result.added == triples, (result, triples)

    # one-person change: a claim's level moves, validated and committed with its feed entry
    graph = store.logical_graph("people", "public")
    level = URIRef(MF.level)
    latencies = []
    for i in range(changes):
        claim = next(iter(store.triples(URIRef(f"{BASE}/id/person/user{i}"), URIRef(MF.hasClaim))))[2]
        old = next(iter(store.triples(claim, level)))[2]
        new = Literal(str(int(old) % 4 + 1), datatype=XSD.integer)
        change = Change().removing(graph, [(claim, level, old)]).adding(graph, [(claim, level, new)])
        seconds, _ = timed(lambda: store.apply(change))
        latencies.append(seconds * 1000)
    validate_seconds, violations = timed(store.validate_all)
    assert violations == []
    store.close()
    shutil.rmtree(work, ignore_errors=True)
    latencies.sort()
    return {
        "people": people,
        "triples": triples,
        "bulk_load_s": round(raw_seconds, 2),
        "bulk_load_triples_per_s": round(triples / raw_seconds),
        "validated_load_s": round(load_seconds, 2),
        "validated_load_triples_per_s": round(triples / load_seconds),
        "ratio_to_bulk_load": round(raw_seconds / load_seconds, 3),
        "change_p50_ms": round(statistics.median(latencies), 2),
        "change_p95_ms": round(latencies[int(len(latencies) * 0.95) - 1], 2),
        "validate_store_s": round(validate_seconds, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000])
    parser.add_argument("--changes", type=int, default=300)
    args = parser.parse_args()
    results = []
    for size in args.sizes:
        results.append(run_size(size, args.changes))
        print(json.dumps(results[-1]), flush=True)
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    print(f"\n{stamp} python bench/run.py --sizes {' '.join(map(str, args.sizes))} --changes {args.changes}")
    print("| people | triples | bulk_load (s) | validated load (s) | ratio | change p50 / p95 (ms) | validate store (s) |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['people']:,} | {r['triples']:,} | {r['bulk_load_s']} ({r['bulk_load_triples_per_s']:,}/s) | "
              f"{r['validated_load_s']} ({r['validated_load_triples_per_s']:,}/s) | {r['ratio_to_bulk_load']} | "
              f"{r['change_p50_ms']} / {r['change_p95_ms']} | {r['validate_store_s']} |")


if __name__ == "__main__":
    main()
