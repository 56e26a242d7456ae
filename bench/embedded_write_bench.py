"""Bulk writes into the embedded index: what the per-access-level vocabulary costs (issue 12, item 3).

The search suite's corpus (221 documents) copied 40 times under new IRIs (8,840 documents),
written by ``EmbeddedBackend.reindex`` into a fresh file; best of 3. Run it on two checkouts to
compare (figures in bench/RESULTS.md).

    .venv/bin/python bench/embedded_write_bench.py
"""

from __future__ import annotations

import copy
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "search"))

import corpus  # noqa: E402

from search.documents import build_all  # noqa: E402
from search.embedded import EmbeddedBackend  # noqa: E402

COPIES, RUNS = 40, 3


def main() -> None:
    store = corpus.make_store()
    base = list(build_all(store))
    docs = []
    for i in range(COPIES):
        for doc in base:
            doc = copy.deepcopy(doc)
            doc["id"] = f"{doc['id']}-{i}"
            docs.append(doc)
    times = []
    for _ in range(RUNS):
        with tempfile.TemporaryDirectory() as tmp:
            backend = EmbeddedBackend(Path(tmp) / "index.sqlite3")
            started = time.perf_counter()
            backend.reindex(docs)
            times.append(time.perf_counter() - started)
            backend.close()
    best = min(times)
    print(json.dumps({"docs": len(docs), "reindex_s": round(best, 2), "docs_per_s": round(len(docs) / best)}))


if __name__ == "__main__":
    main()
