"""Ingest benchmarks (issue 3): the sample sources into an empty store, and a 100k-row people CSV
against pyoxigraph's raw ``bulk_load`` of the same triples.

    python bench/ingest_bench.py [--people 100000] [--seed 7] [--keep]

(a) ``training``, ``taxonomy``, ``orgs``, ``mappings`` and ``roles`` from ``demo/data`` are
    imported with :func:`ingest.run_import` (validation included) into an empty on-disk store;
    the total is the sum of the five imports (goal: <= 30 s).
(b) ``demo/generate.py`` writes a people CSV (10 skill claims per row) of N rows. It is imported
    with ``run_import`` (parsing, resolving, validating, writing) into an on-disk store that
    already holds the taxonomy, the organizations and the territories. What the import wrote
    (the people source's graphs) is then dumped as N-Triples and bulk-loaded by pyoxigraph
    (``Store.bulk_load``) into an empty on-disk store: the baseline, measured in the same run
    on the same triples. Ratio = bulk_load seconds / import seconds (goal >= 0.25).

Everything is written under ``bench/out/ingest`` (git-ignored) and removed at the end unless
``--keep``. The run stops by itself; a markdown table is printed at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import shutil
import sys
import time
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graph import GraphStore  # noqa: E402
from ingest import run_import  # noqa: E402

DEMO = ROOT / "demo"
DATA = DEMO / "data"
OUT = ROOT / "bench" / "out" / "ingest"
BASE = "http://127.0.0.1:5000"
SAMPLE_STEPS = [
    ("taxonomy", DATA / "capx_taxonomy"),
    ("orgs", DATA / "capx_taxonomy"),
    ("training", DATA / "wikiedu_training"),
    ("mappings", DATA / "mappings" / "training-capacities.yaml"),
    ("roles", DATA / "mappings" / "roles.yaml"),
]


def _demo_generator():
    sys.path.insert(0, str(DEMO))
    try:
        import generate  # demo/generate.py (standard library only)
    finally:
        sys.path.remove(str(DEMO))
    return generate


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def added(report) -> int:
    return sum(r["added"] for r in report.results)


def bench_samples(work: Path) -> dict:
    """(a) the five sample sources into an empty on-disk store."""
    store = GraphStore.open(work / "samples", base_url=BASE, create=True)
    steps = []
    try:
        for kind, path in SAMPLE_STEPS:
            seconds, report = timed(lambda: run_import(store, kind, path))
            steps.append({"kind": kind, "records": report.records, "triples": added(report),
                          "seconds": round(seconds, 2), "warnings": len(report.warnings),
                          "sources": [r["name"] for r in report.results]})
            print(json.dumps(steps[-1]), flush=True)
        statements = store.count()
    finally:
        store.close()
    return {"steps": steps, "total_s": round(sum(s["seconds"] for s in steps), 2), "statements": statements}


def bench_people(work: Path, people: int, seed: int) -> dict:
    """(b) validated people import vs raw bulk_load of the same triples."""
    gen_seconds, paths = timed(lambda: _demo_generator().generate(work / "csv", people=people, seed=seed,
                                                                   claims=10, completions=0))
    csv_path = paths["people"]
    print(f"generated {csv_path} ({people:,} rows, {csv_path.stat().st_size / 1e6:.1f} MB) in {gen_seconds:.1f} s",
          flush=True)

    store = GraphStore.open(work / "people", base_url=BASE, create=True)
    try:
        prereq = {}
        for kind, path in [("territories", Path("-")), ("taxonomy", SAMPLE_STEPS[0][1]), ("orgs", SAMPLE_STEPS[1][1])]:
            seconds, report = timed(lambda: run_import(store, kind, path))
            prereq[kind] = round(seconds, 2)
        print(f"prerequisites: {prereq}", flush=True)

        gc.collect()
        import_seconds, report = timed(lambda: run_import(store, "people", csv_path))
        triples = added(report)
        print(f"people import: {report.records:,} people, {triples:,} triples, {len(report.warnings)} warnings, "
              f"{import_seconds:.1f} s", flush=True)
        assert report.records == people, (report.records, people)

        # what the import wrote: the people source's active graphs, as N-Triples
        nt = work / "people-written.nt"
        written = 0
        with nt.open("wb") as out:
            for record in store.records():
                if record.source != "people":
                    continue
                quads = store._store.quads_for_pattern(None, None, None, ox.NamedNode(record.physical))
                ox.serialize((ox.Triple(q.subject, q.predicate, q.object) for q in quads), output=out,
                             format=ox.RdfFormat.N_TRIPLES)
        with nt.open("rb") as f:
            written = sum(1 for _ in f)
        assert written == triples, (written, triples)
    finally:
        store.close()
    store = None
    gc.collect()

    raw_dir = work / "raw"
    raw = ox.Store(str(raw_dir))
    raw_seconds, _ = timed(lambda: raw.bulk_load(path=str(nt), format=ox.RdfFormat.N_TRIPLES))
    loaded = len(raw)
    raw = None
    assert loaded == triples, (loaded, triples)
    print(f"raw bulk_load: {loaded:,} triples in {raw_seconds:.1f} s", flush=True)
    return {
        "people": people,
        "triples": triples,
        "import_s": round(import_seconds, 2),
        "people_per_s": round(people / import_seconds),
        "import_triples_per_s": round(triples / import_seconds),
        "bulk_load_s": round(raw_seconds, 2),
        "bulk_load_triples_per_s": round(triples / raw_seconds),
        "ratio": round(raw_seconds / import_seconds, 3),
        "warnings": len(report.warnings),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-samples", action="store_true")
    parser.add_argument("--skip-people", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep bench/out/ingest afterwards")
    args = parser.parse_args()
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    samples = people = None
    try:
        if not args.skip_samples:
            samples = bench_samples(OUT)
        if not args.skip_people:
            people = bench_people(OUT, args.people, args.seed)
    finally:
        if not args.keep:
            shutil.rmtree(OUT, ignore_errors=True)

    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    argv = " ".join(sys.argv[1:])
    print(f"\n{stamp} python bench/ingest_bench.py {argv}".rstrip()
          + f"  ({platform.python_version()}, pyoxigraph {ox.__version__}, {os.cpu_count()} CPUs)")
    if samples:
        print("\n| source | records | triples | seconds |")
        print("|---|---|---|---|")
        for s in samples["steps"]:
            print(f"| {s['kind']} | {s['records']:,} | {s['triples']:,} | {s['seconds']} |")
        verdict = "met" if samples["total_s"] <= 30 else "MISSED"
        print(f"| **total** (goal ≤ 30 s: {verdict}) | | {samples['statements']:,} statements | "
              f"**{samples['total_s']}** |")
    if people:
        p = people
        verdict = "met" if p["ratio"] >= 0.25 else "MISSED"
        print("\n| people (10 claims) | triples | bulk_load (s) | validated import (s) | people/s | ratio (goal ≥ 0.25) |")
        print("|---|---|---|---|---|---|")
        print(f"| {p['people']:,} | {p['triples']:,} | {p['bulk_load_s']} ({p['bulk_load_triples_per_s']:,} triples/s) | "
              f"{p['import_s']} ({p['import_triples_per_s']:,} triples/s) | {p['people_per_s']:,} | "
              f"**{p['ratio']}** ({verdict}) |")


if __name__ == "__main__":
    main()
