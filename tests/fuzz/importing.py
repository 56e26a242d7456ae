"""What every importer fuzz target checks (issue 13, item 2), and the node it checks it on.

A :class:`Node` is a real on-disk store holding the sources an importer depends on, with an
embedded (SQLite FTS5) search index that follows the store's change feed, as `maarifa serve`
keeps it. :meth:`Node.check_import` runs one (damaged) input through the entry point the CLI
uses, :func:`ingest.run_import`, and holds the property:

- the import succeeds (some damage leaves an input valid: a changed title is still a title),
  after which the seed input is imported again so that the next example meets the same node;
- or it raises :class:`ingest.ImportFailed` whose every error names a file of the input and
  says what is wrong, and the store, the feed and the search index are exactly as before.

Any other exception (a traceback at the command line) fails the example.
"""

from __future__ import annotations

import gc
import hashlib
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from graph import GraphStore
from ingest import ImportFailed, run_import
from search.embedded import EmbeddedBackend
from search.indexer import SearchSync

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "demo" / "data"
FIXTURES = ROOT / "tests" / "fixtures" / "ingest"
BASE = "http://127.0.0.1:5000"


@dataclass(frozen=True)
class State:
    """What a rejected import must leave as it was.

    Every write to the store goes through ``replace_source``: new physical graphs, a catalog
    record switched to them, an entry appended to the feed. So the quad count of every access
    level, the catalog's records (which physical graph each logical one points to, and the
    checksum of the source it came from) and the feed head change with any write, and the
    search index (its documents' ids) with any entry it was sent. Cheaper, for thousands of
    examples, than a dump of every quad (``tests/conftest.py`` ``snapshot``, which the
    regression tests use).
    """

    quads: int
    records: tuple
    feed_head: int
    documents: int
    document_ids: str


class Node:
    """An on-disk store and its search index, loaded with ``sources`` ((kind, path, options))."""

    def __init__(self, root: Path, sources: Iterable[tuple[str, Path, dict]] = ()):
        self.root = root
        self.store = GraphStore.open(root / "data", base_url=BASE, create=True, command="pytest fuzz")
        self.index = EmbeddedBackend(root / "search" / "index.sqlite3")
        self.search = SearchSync(self.store, self.index)
        for kind, path, options in sources:
            run_import(self.store, kind, path, options=options)
        self.search.sync()

    def close(self) -> None:
        self.index.close()
        self.store.close()

    def state(self) -> State:
        db = sqlite3.connect(f"file:{self.index.path}?mode=ro", uri=True)
        try:
            ids = [row[0] for row in db.execute("SELECT id FROM docs ORDER BY id")]
        finally:
            db.close()
        return State(*store_state(self.store), len(ids), hashlib.sha256("\n".join(ids).encode()).hexdigest())

    def example_dir(self) -> Path:
        return example_dir(self.root)

    def check_import(self, kind: str, path: Path, *, names: Iterable[str], restore: tuple[Path, dict] | None = None,
                     options: dict[str, Any] | None = None) -> ImportFailed | None:
        """Run the import and hold the property above; the rejection, if any, is returned.

        ``names``: the file names an error may be located in (the input's files, relative to a
        folder input, or their base names). ``restore``: the seed (path, options) imported again
        after a success, when the damaged input replaced a source the node was loaded with.
        """
        before = self.state()
        try:
            run_import(self.store, kind, path, options=options)
        except ImportFailed as failed:
            assert_located(failed, names)
            self.search.sync()  # what the server's indexer would do next: must find nothing to do
            assert self.state() == before, f"a rejected {kind} import changed the node:\n{failed}"
            return failed
        if restore is not None:
            run_import(self.store, kind, restore[0], options=restore[1])
        self.search.sync()
        return None


def store_state(store: GraphStore) -> tuple[int, tuple, int]:
    """The store's part of :class:`State`: quads, catalog records, feed head."""
    records = tuple(sorted((r.logical, r.physical, r.source, r.checksum, r.generated_at) for r in store.records()))
    return store.count(), records, store.feed.head


def assert_located(failed: ImportFailed, names: Iterable[str]) -> None:
    """Every error names one of the input's files and says something; no traceback leaks."""
    names = set(names)
    errors = failed.report.errors
    assert errors, f"rejected without an error: {failed}"
    for error in errors:
        assert error.file in names or Path(error.file).name in names, \
            f"error located in {error.file!r}, not one of the input's files {sorted(names)}: {error}"
        assert error.message.strip(), f"an error without a message: {error!r}"
    text = str(failed)
    assert "Traceback" not in text and f"{failed.report.kind} import of" in text, text


def example_dir(root: Path) -> Path:
    """An empty folder under ``root`` for one example's input files (the last example's
    files are deleted: a long run would otherwise keep gigabytes of huge inputs)."""
    folder = root / "example"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def write(folder: Path, name: str, data: bytes | str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


class CliNode:
    """A data directory made by `maarifa init`, driven through the click command line in-process
    (click.testing.CliRunner): what a user typing ``maarifa ingest`` or ``maarifa load`` sees."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        result = self.invoke("--base-url", BASE, "init")
        assert result.exit_code == 0, result.output

    def invoke(self, *args: str):
        from click.testing import CliRunner

        from maarifa.cli import main

        return CliRunner().invoke(main, ["--data-dir", str(self.data_dir), *map(str, args)])

    def state(self) -> tuple[int, tuple, int]:
        with GraphStore.open(self.data_dir, base_url=BASE) as store:
            return store_state(store)

    def snapshot(self) -> bytes:
        from ..conftest import snapshot

        with GraphStore.open(self.data_dir, base_url=BASE) as store:
            return snapshot(store)

    def example_dir(self) -> Path:
        return example_dir(self.data_dir.parent)

    def check(self, *args: str, file: Path, full: bool = False) -> Outcome:
        """Run the command and hold the property: exit 0, or exit 1 with one ``error:`` message
        on stderr naming ``file``, and the store as it was (every quad when ``full``)."""
        measure = self.snapshot if full else self.state
        before = measure()
        outcome = self.outcome(*args)
        assert outcome.exit_code in (0, 1), f"exit {outcome.exit_code}: {outcome.output}"
        assert outcome.traceback is None, f"a traceback, not a message: {outcome.traceback}\n{outcome.output}"
        if outcome.exit_code == 1:
            assert outcome.stderr.startswith("error: ") and file.name in outcome.stderr, outcome.stderr
            assert "Traceback" not in outcome.stderr, outcome.stderr
            assert measure() == before, f"a rejected `maarifa {args[0]}` changed the store:\n{outcome.stderr}"
        return outcome

    def outcome(self, *args: str) -> Outcome:
        """What the command printed and how it ended, without the exception itself: its
        traceback's frames hold the command's store, whose RocksDB lock is only released when
        the last reference to it goes (pyoxigraph has no close), so the next open would fail."""
        result = self.invoke(*args)
        exception = result.exception
        traceback = None if exception is None or isinstance(exception, SystemExit) else repr(exception)
        outcome = Outcome(result.exit_code, result.output, result.stderr, traceback)
        del result, exception
        gc.collect()  # frames and exceptions refer to each other: a cycle, freed by the collector
        return outcome


@dataclass(frozen=True)
class Outcome:
    exit_code: int
    output: str
    stderr: str
    traceback: str | None
