"""Relevance of search (issue 19, item 1): nDCG@10 and success@5 per language and backend.

    python bench/relevance_bench.py [--backends embedded opensearch] [--set queries|heldout|both]
                                    [--show-misses]

Corpus: the sample data of ``demo/`` (``maarifa.demo.load_demo``), indexed by each backend
(``search.documents.build_all`` once, then each backend's ``reindex``; OpenSearch under its own index prefix ``maarifarel``). Queries and
graded judgements: ``bench/relevance/judgements.yaml`` (written before the ranking was tuned;
see its header). Each query runs through ``search.query.search`` as an anonymous reader in the
query's language, 10 results.

- **nDCG@10**: gain ``2**grade - 1``, discount ``log2(rank + 1)``, normalised by the ideal
  ordering of the query's judgements.
- **success@5**: 1 when a document graded 3 is among the first five results.
- **top-5 agreement**: the share of queries whose first five results are the same documents in
  the same order on both backends (when both ran).

Goals (issue 19): success@5 >= 0.9 and nDCG@10 >= 0.7 on both backends; identical top 5 on
>= 80 % of queries. A judged document the index does not hold is an error of the judgements
(named, and the run stops), so a renamed slug cannot silently lower the figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import shutil
import sys
from collections import defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from search_bench import OPENSEARCH_URL, ensure_opensearch, settings_for, stop_opensearch  # noqa: E402

from graph import GraphStore  # noqa: E402
from maarifa.demo import load_demo  # noqa: E402
from search.documents import build_all  # noqa: E402
from search.errors import SearchError  # noqa: E402
from search.factory import open_backend  # noqa: E402
from search.query import Query, search  # noqa: E402

JUDGEMENTS = ROOT / "bench" / "relevance" / "judgements.yaml"
OUT = ROOT / "bench" / "out" / "relevance"
BASE = "http://127.0.0.1:5000"
PREFIX = "maarifarel"


def judged(query: dict, packs: set[str] = frozenset()) -> dict[str, int]:
    """The query's judgements as {document IRI: grade}; a module's pack counts where ``packs``
    (the pack IRIs the index holds) has one (not every module is a pack)."""
    grades: dict[str, int] = {}
    for slug, grade in (query.get("modules") or {}).items():
        grades[f"{BASE}/id/training/{slug}"] = grade
        if f"{BASE}/id/pack/{slug}" in packs:
            grades.setdefault(f"{BASE}/id/pack/{slug}", max(1, grade - 1))
    for path, grade in (query.get("docs") or {}).items():
        grades[f"{BASE}/id/{path}"] = grade
    return grades


def ndcg(ranked: list[str], grades: dict[str, int], k: int = 10) -> float:
    gain = sum((2 ** grades.get(doc, 0) - 1) / math.log2(rank + 2) for rank, doc in enumerate(ranked[:k]))
    ideal = sum((2 ** g - 1) / math.log2(rank + 2)
                for rank, g in enumerate(sorted(grades.values(), reverse=True)[:k]))
    return gain / ideal if ideal else 0.0


def success(ranked: list[str], grades: dict[str, int], k: int = 5) -> float:
    return 1.0 if any(grades.get(doc, 0) >= 3 for doc in ranked[:k]) else 0.0


def check_judgements(queries: list[dict], known: set[str]) -> None:
    missing = sorted({(q["id"], doc) for q in queries for doc in judged(q) if doc not in known})
    if missing:
        lines = "\n".join(f"  {qid}: {doc}" for qid, doc in missing)
        raise SystemExit(f"{JUDGEMENTS.name}: judged documents the index does not hold:\n{lines}")


def run(backend, queries: list[dict], failures: list[str]) -> dict[str, list[str]]:
    """Each query's ranked document ids; a query the backend fails on ranks nothing and is named
    in ``failures`` (a defect to fix, reported with the figures)."""
    ranked = {}
    for q in queries:
        try:
            ranked[q["id"]] = [h.id for h in search(backend, Query(q["text"], lang=q["lang"], per_page=10)).hits]
        except SearchError as exc:
            failures.append(f"{backend.name} {q['id']} “{q['text']}”: {exc}")
            ranked[q["id"]] = []
    return ranked


def table(name: str, queries: list[dict], ranked: dict[str, dict[str, list[str]]], packs: set[str]) -> list[str]:
    lines = [f"**{name}** ({len(queries)} queries)", "",
             "| backend | language | queries | nDCG@10 | success@5 |", "|---|---|---|---|---|"]
    for kind, results in ranked.items():
        by_lang: dict[str, list[tuple[float, float]]] = defaultdict(list)
        for q in queries:
            grades = judged(q, packs)
            score = (ndcg(results[q["id"]], grades), success(results[q["id"]], grades))
            by_lang[q["lang"]].append(score)
            by_lang["all"].append(score)
        for lang in [*sorted(k for k in by_lang if k != "all"), "all"]:
            scores = by_lang[lang]
            lines.append(f"| {kind} | {lang} | {len(scores)} | {sum(s[0] for s in scores) / len(scores):.3f} | "
                         f"{sum(s[1] for s in scores) / len(scores):.3f} |")
    if len(ranked) == 2:
        a, b = ranked.values()
        same = sum(a[q["id"]][:5] == b[q["id"]][:5] for q in queries)
        lines += ["", f"top-5 identical on both backends: {same} of {len(queries)} ({same / len(queries):.0%})"]
    return lines + [""]


def misses(queries: list[dict], ranked: dict[str, dict[str, list[str]]], packs: set[str]) -> list[str]:
    lines = []
    for kind, results in ranked.items():
        for q in queries:
            if not success(results[q["id"]], judged(q, packs)):
                top = ", ".join(doc.removeprefix(f"{BASE}/id/") for doc in results[q["id"]][:3]) or "nothing"
                lines.append(f"- {kind} {q['id']} “{q['text']}”: {top}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", nargs="+", default=["embedded", "opensearch"], choices=["embedded", "opensearch"])
    parser.add_argument("--set", dest="which", default="both", choices=["queries", "heldout", "both"])
    parser.add_argument("--show-misses", action="store_true", help="List the queries without a grade-3 hit in the top 5.")
    args = parser.parse_args()
    spec = yaml.safe_load(JUDGEMENTS.read_text(encoding="utf-8"))
    sets = {name: spec[name] for name in ("queries", "heldout") if args.which in (name, "both")}

    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    started = "opensearch" in args.backends and ensure_opensearch(OPENSEARCH_URL)
    store = GraphStore.open(OUT / "data", base_url=BASE, create=True)
    try:
        for _line in load_demo(store):
            pass
        docs = list(build_all(store))  # built once, indexed by every backend
        known = {doc["id"] for doc in docs if doc["access"] == "public"}  # what an anonymous reader may find
        packs = {doc for doc in known if doc.startswith(f"{BASE}/id/pack/")}
        for queries in sets.values():
            check_judgements(queries, known)
        ranked: dict[str, dict[str, dict[str, list[str]]]] = {name: {} for name in sets}
        failures: list[str] = []
        for kind in args.backends:
            settings = settings_for(kind, OUT / "data")
            settings.opensearch_index_prefix = PREFIX
            backend = open_backend(settings)
            try:
                backend.reindex(docs)
                for name, queries in sets.items():
                    ranked[name][kind] = run(backend, queries, failures)
            finally:
                if kind == "opensearch":
                    backend.drop()
                backend.close()
    finally:
        store.close()
        if started:
            stop_opensearch()
    print(f"relevance, {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC, {JUDGEMENTS.relative_to(ROOT)}\n")
    for name, queries in sets.items():
        print("\n".join(table(name, queries, ranked[name], packs)))
        if args.show_misses:
            print("\n".join(misses(queries, ranked[name], packs)) + "\n")
    if failures:
        print("queries the backend failed on:\n" + "\n".join(f"- {f}" for f in failures))


if __name__ == "__main__":
    main()
