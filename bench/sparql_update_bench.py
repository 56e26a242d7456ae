"""SPARQL Update on the main store (issue 11): what an admin's update costs.

    python bench/sparql_update_bench.py [--people 10000] [--repeat 15]

A store holding ``--people`` generated people in one public graph. Each figure is the median
of ``--repeat`` runs, each changing a different person:

- baseline: ``GraphStore.apply`` of a one-triple change (what the update finally commits);
- ``INSERT DATA`` of one triple (parsing, no WHERE: nothing is copied);
- ``DELETE/INSERT ... WHERE`` inside ``GRAPH <people>``: the WHERE reads the people graph,
  which is copied once into the in-memory store the engine evaluates it on;
- the same WHERE over a small graph (the copy is small);
- ``WITH <people> DELETE/INSERT ... WHERE`` without GRAPH: no graph name can show, so the
  engine reads the stored graph itself (no copy).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rdflib import Literal, URIRef  # noqa: E402

from bench.generate import generate  # noqa: E402
from graph import Change, GraphStore, SourceGraphs, sha256_checksum  # noqa: E402
from graph.rdfio import parse_file  # noqa: E402
from graph.sparql_update import run_update  # noqa: E402

BASE = "http://127.0.0.1:5000"
NAME = "https://schema.org/name"


def median_ms(runs: int, action) -> float:
    times = []
    for i in range(runs):
        started = time.perf_counter()
        action(i)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="maarifa-update-bench-"))
    try:
        store = GraphStore.open(work, base_url=BASE, create=True, command="bench")
        data = work / "people.nt"
        with data.open("w") as out:
            generate(args.people, out, base=BASE, seed=7, assets=0)
        source = SourceGraphs(name="people", label=data.name, importer="bench",
                              checksum=sha256_checksum(data.read_bytes()))
        store.replace_source_parsed(source, {"public": parse_file(data)})
        people = store.logical_graph("people", "public")
        small = store.logical_graph("notes", "public")
        run_update(store, f'INSERT DATA {{ GRAPH <{small}> {{ <{BASE}/id/note/0> <{NAME}> "n0" }} }}', base_iri=None)
        quads = store.count()

        def person(i: int) -> str:
            return f"{BASE}/id/person/user{(i * 7919) % args.people}"

        figures = {
            "apply_one_triple_ms": median_ms(args.repeat, lambda i: store.apply(Change().adding(
                small, [(URIRef(f"{BASE}/id/note/a{i}"), URIRef(NAME), Literal(f"a{i}"))]))),
            "insert_data_ms": median_ms(args.repeat, lambda i: run_update(
                store, f'INSERT DATA {{ GRAPH <{small}> {{ <{BASE}/id/note/b{i}> <{NAME}> "b{i}" }} }}',
                base_iri=None)),
            "where_over_people_graph_ms": median_ms(args.repeat, lambda i: run_update(
                store, f'DELETE {{ GRAPH <{people}> {{ <{person(i)}> <{NAME}> ?n }} }} '
                       f'INSERT {{ GRAPH <{people}> {{ <{person(i)}> <{NAME}> ?m }} }} '
                       f'WHERE {{ GRAPH <{people}> {{ <{person(i)}> <{NAME}> ?n }} BIND(CONCAT(?n, "!") AS ?m) }}',
                base_iri=None)),
            "with_people_graph_no_copy_ms": median_ms(args.repeat, lambda i: run_update(
                store, f'WITH <{people}> DELETE {{ <{person(i)}> <{NAME}> ?n }} INSERT {{ <{person(i)}> <{NAME}> ?m }} '
                       f'WHERE {{ <{person(i)}> <{NAME}> ?n BIND(CONCAT(?n, "?") AS ?m) }}', base_iri=None)),
            "where_over_small_graph_ms": median_ms(args.repeat, lambda i: run_update(
                store, f'DELETE {{ GRAPH <{small}> {{ ?s <{NAME}> "b{i}" }} }} '
                       f'INSERT {{ GRAPH <{small}> {{ ?s <{NAME}> "c{i}" }} }} '
                       f'WHERE {{ GRAPH <{small}> {{ ?s <{NAME}> "b{i}" }} }}', base_iri=None)),
        }
        store.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    baseline = figures["apply_one_triple_ms"]
    result = {"people": args.people, "quads": quads, **{k: round(v, 1) for k, v in figures.items()},
              **{k.replace("_ms", "_ratio"): round(v / baseline, 1) for k, v in figures.items() if k != "apply_one_triple_ms"}}
    print(json.dumps(result))
    print(f"\n{dt.datetime.now():%Y-%m-%d %H:%M} python bench/sparql_update_bench.py --people {args.people} "
          f"--repeat {args.repeat}")


if __name__ == "__main__":
    main()
