"""A real-size decompression bomb against the MediaWiki importer (issue 12, item 7).

Writes a ``.xml.bz2`` of a few kilobytes that expands to ``--expanded`` bytes (default 3 GB,
the size in the issue: one page whose text is that long), then, each in a fresh process so
that the peak resident set size is its own:

1. **baseline**: what the importer did before the fix, in the same run: ``mwxml`` over
   ``bz2.open`` (ElementTree's iterparse), every revision of every page kept in a list;
2. **bounded**: ``maarifa ingest mediawiki`` as it is now (``run_import`` with the default
   limits: 2 GiB expanded, 64 MiB between two tags), which must refuse the file;
3. **bounded, expansion limit only** (``max_xml_text_bytes`` raised past the file), to show
   that the expansion limit alone also stops it.

Reports, per run: expanded bytes read, seconds until the file was refused (or read),
peak RSS. Figures go to bench/RESULTS.md.

    .venv/bin/python bench/import_bomb_bench.py [--expanded 3000000000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.security import bombs  # noqa: E402

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
path, mode = {path!r}, {mode!r}
start = time.perf_counter()
outcome = ""
if mode == "baseline":
    import bz2, mwxml
    pages = 0
    with bz2.open(path, "rb") as f:
        for page in mwxml.Dump.from_file(f):
            revisions = list(page)
            pages += 1
            outcome = f"read {{pages}} page(s), text of {{len(revisions[-1].text or ''):,}} characters"
else:
    from graph import GraphStore
    from ingest import ImportFailed, run_import
    from ingest.limits import Limits
    limits = Limits() if mode == "bounded" else Limits(max_xml_text_bytes=10 ** 12)
    try:
        run_import(GraphStore.in_memory(), "mediawiki", path, options={{"limits": limits}})
        outcome = "imported"
    except ImportFailed as exc:
        outcome = "refused: " + str(exc).splitlines()[-1].strip()
seconds = time.perf_counter() - start
print(json.dumps({{"seconds": round(seconds, 1), "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
                  "outcome": outcome}}))
"""


def run(path: Path, mode: str) -> dict:
    code = CHILD.format(root=str(ROOT), path=str(path), mode=mode)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if result.returncode != 0:
        return {"mode": mode, "error": result.stderr.strip().splitlines()[-1:]}
    return {"mode": mode, **json.loads(result.stdout.strip().splitlines()[-1])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--expanded", type=int, default=3_000_000_000, help="bytes the bomb expands to")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bomb = Path(tmp) / "bomb.xml.bz2"
        started = time.perf_counter()
        expanded = bombs.one_huge_page(bomb, args.expanded)
        print(f"bomb: {bomb.stat().st_size:,} bytes on disk, {expanded:,} expanded "
              f"(written in {time.perf_counter() - started:.1f} s)", flush=True)
        for mode in ("baseline", "bounded", "bounded-expansion-only"):
            print(json.dumps(run(bomb, mode)), flush=True)


if __name__ == "__main__":
    main()
