"""`maarifa erase`: a person out of every file of the live data directory.

:func:`graph.erase.erase_person` removes the person from what the store answers and from the
change feed's payloads. Deleting is not erasing, though: each layer keeps the deleted bytes
somewhere, so each is written afresh.

============================  ==============================================  ===========================
where                         why a deleted value survives                    what erase does
============================  ==============================================  ===========================
``store/`` (RocksDB)          older SST files and the write-ahead log keep    :meth:`GraphStore.rewrite`
                              it until a compaction happens to drop it        (bulk load, directory swap)
``replica/store``,            the same, and snapshots are hard links to the   :meth:`PublicReplica.recreate`
``replica/snapshots/*``       files of the moment they were taken
``search/index.sqlite3``      SQLite free pages and WAL, FTS5 segments, the   reindex (a new file renamed
                              did-you-mean vocabulary                         over the old one)
OpenSearch indexes            segments keep deleted documents (soft deletes   reindex (new indexes behind
                              kept for recovery) until merged away            the aliases, old ones deleted)
``accounts.sqlite3``          an account or API token named after the         delete them, then ``VACUUM``
                              username; free pages
============================  ==============================================  ===========================

The node must be stopped: rewriting means closing and reopening the store, which a serving
process cannot do under its threads, so while ``maarifa serve`` holds the data directory erase
refuses and says which process to stop. The search index must be reachable (it is rebuilt).
A marker file (:data:`PENDING`, nothing personal in it) lives from the first change to the
last file rewritten: if a run is cut short, running ``maarifa erase USERNAME`` again finishes it.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from graph.erase import ErasureReport, NoSuchPerson, erase_person, finish_erasures
from graph.errors import MaarifaError, StoreLocked
from graph.people import ALL, find_person

from . import wiring
from .settings import Settings

PENDING = "erasure.pending"


class NodeRunning(MaarifaError):
    def __init__(self, locked: StoreLocked):
        holder = locked.holder
        super().__init__(
            f"maarifa erase rewrites the store's files, so the node must be stopped first: the data directory is "
            f"in use by process {holder.get('pid', '?')} ({holder.get('command', 'another process')}); stop it and "
            f"run maarifa erase again (nothing was changed)")


class SearchUnreachable(MaarifaError):
    def __init__(self, reason: str):
        super().__init__(f"the search index is not reachable ({reason}); erase rebuilds it without the person, so "
                         f"start it (or change search_backend) and run maarifa erase again (nothing was changed)")


@dataclass
class ErasureOutcome:
    """What an erasure did, store and files."""

    report: ErasureReport | None  # None: this run finished an erasure an earlier run left unfinished
    files: dict = field(default_factory=dict)

    def lines(self) -> list[str]:
        files = self.files
        out = self.report.lines() if self.report else [
            "finished an erasure that an earlier run left unfinished (the person was already out of the store)"]
        out.insert(1, f"files rewritten: the store, the public replica ({files['snapshots_removed']} old "
                      f"snapshot(s) deleted), the search index ({', '.join(files['search_indexes'])}), the peer index, the accounts "
                      f"file ({files['accounts']} account(s), {files['tokens']} token(s) deleted)")
        return out

    def as_dict(self) -> dict:
        return {**(asdict(self.report) if self.report else {"username": None}), "files": self.files}


def erase(settings: Settings, username: str) -> ErasureOutcome:
    """Erase ``username`` from the store, the feed and every file of the data directory."""
    try:
        services = wiring.open_services(settings, "maarifa erase")
    except StoreLocked as locked:
        raise NodeRunning(locked) from None
    pending = Path(settings.data_dir) / PENDING
    try:
        health = services.search.health()
        if not health.get("ok"):
            raise SearchUnreachable(health.get("error") or "unhealthy")
        unfinished = pending.exists()
        present = find_person(services.store, username, ALL) is not None
        if not present and not unfinished:
            raise NoSuchPerson(username)
        pending.write_text(json.dumps({"since": time.strftime("%Y-%m-%dT%H:%M:%S%z")}), encoding="utf-8")
        report = None
        if present:
            head = services.store.feed.head
            try:
                report = erase_person(services.store, username, before_scrub=lambda: _catch_up(services))
            except MaarifaError:
                if services.store.feed.head == head and not unfinished:
                    pending.unlink()  # rejected whole: nothing to finish
                raise
        files = rewrite_files(services, username)
        if report is not None:
            report.rewritten = sorted(set(report.rewritten) | set(files.pop("feed_entries")))
            report.lagging = []  # the rebuilt consumers start after the erasure
        else:
            files.pop("feed_entries")
        pending.unlink()
        return ErasureOutcome(report, files)
    finally:
        services.close()


def rewrite_files(services, username: str) -> dict:
    """Write afresh every file that may still hold the erased person; each step is idempotent."""
    from graph.accounts import vacuum_accounts

    data_dir = Path(services.settings.data_dir)
    search_indexes = _rebuild_search(services)
    snapshots = len([p for p in services.replica.snapshots_dir.iterdir() if p.is_dir()]) \
        if services.replica.snapshots_dir and services.replica.snapshots_dir.is_dir() else 0
    services.replica.recreate()
    services.peer_services.index.rewrite()  # new files: the old ones' free pages may hold the person
    feed_entries = finish_erasures(services.store)  # no consumer lags now: the erasures' own entries empty
    accounts = services.accounts.forget(username)
    tokens = services.tokens.forget(username)
    vacuum_accounts(data_dir)
    services.store.rewrite()  # last: the steps above write cursors and feed entries into the store
    return {"search_indexes": search_indexes, "snapshots_removed": snapshots, "accounts": accounts,
            "tokens": tokens, "feed_entries": feed_entries}


def _rebuild_search(services) -> list[str]:
    """Reindex the configured backend and any embedded index file the configuration does not
    use (left from an earlier ``search_backend``): each ends as a new file or a new index."""
    from search.documents import build_all
    from search.embedded import EmbeddedBackend
    backend = services.search
    services.search_sync.reindex()
    rebuilt = [backend.name]
    in_use = [b for b in (backend, getattr(backend, "fallback", None)) if isinstance(b, EmbeddedBackend)]
    leftover = EmbeddedBackend.in_data_dir(services.settings.data_dir).path
    if not in_use and leftover.exists():
        stale = EmbeddedBackend(leftover)
        try:
            stale.reindex(build_all(services.store))
        finally:
            stale.close()
        rebuilt.append(f"unused embedded index {leftover.name}")
    return rebuilt


def _catch_up(services) -> None:
    """Let the feed's consumers read the erasure, so its entry can be emptied at once."""
    services.search_sync.sync()
    services.sync_replica()
    services.peer_services.index.sync()
