"""Load the sample data in ``demo/`` into a store, every importer in dependency order.

Used by ``maarifa demo`` (and ``make demo``). People and completions are generated
(seeded, so every run yields the same data) into a temporary folder first. Re-running is
cheap: unchanged sources are no-ops.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Iterator

DEMO = Path(__file__).resolve().parent.parent / "demo"
DATA = DEMO / "data"
PEOPLE = 200
SEED = 7
MEDIAWIKI_SAMPLES = ["article-pear-0.10.xml", "pair-0.10.xml", "article-pyrus-utf16.xml", "article-pyrus.xml.bz2"]


def _generator():
    sys.path.insert(0, str(DEMO))
    try:
        import generate  # demo/generate.py: standard library only
    finally:
        sys.path.remove(str(DEMO))
    return generate


def steps(work: Path) -> list[tuple[str, Path]]:
    generated = _generator().generate(work, people=PEOPLE, seed=SEED)
    return [
        ("taxonomy", DATA / "capx_taxonomy"),
        ("orgs", DATA / "capx_taxonomy"),
        ("training", DATA / "wikiedu_training"),
        ("mappings", DATA / "mappings" / "training-capacities.yaml"),
        ("roles", DATA / "mappings" / "roles.yaml"),
        ("people", generated["people"]),
        ("completions", generated["completions"]),
        ("badges", DEMO / "badges.yaml"),
        *[("mediawiki", DATA / "mediawiki_dumps" / name) for name in MEDIAWIKI_SAMPLES],
    ]


def load_demo(store) -> Iterator[str]:
    """Run every importer over demo/; yield one human line per step."""
    from ingest import run_import

    with tempfile.TemporaryDirectory(prefix="maarifa-demo-") as tmp:
        for kind, path in steps(Path(tmp)):
            report = run_import(store, kind, path)
            changes = "; ".join(report.lines()[-len(report.results):]) if report.results else "nothing"
            warnings = f" ({len(report.warnings)} warning(s))" if report.warnings else ""
            yield f"{kind} {path.name}: {report.records} records, {changes}{warnings} [{report.seconds:.2f} s]"
