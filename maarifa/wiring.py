"""Wiring: open the services a process needs, and build the web app over them."""

from __future__ import annotations

import logging
import os
import secrets
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path

import click

from graph import GraphStore
from graph.accounts import AccountStore, SessionPolicy, TokenStore, backup_accounts, restore_accounts
from graph.federation import PeerList
from graph.node import INFERRED
from graph.replica import CONSUMER as REPLICA_CONSUMER, PublicReplica, replica_status
from graph.errors import MaarifaError, PublicDataPreparing, StoreMissing

from .settings import Settings

SECRET_FILE = "secret.key"


@dataclass
class Services:
    settings: Settings
    store: GraphStore
    tokens: TokenStore
    accounts: AccountStore  # password accounts, their sessions, the login throttle
    secret_key: bytes
    search: object = None  # a search backend (search.backend)
    replica: object = None  # graph.replica.PublicReplica
    peers: object = None  # graph.federation.PeerList
    _pool: object = None
    _fast_lane: object = None
    _public_queries: object = None
    _starting: threading.Lock = field(default_factory=threading.Lock)  # the first requests arrive together
    _stop: list = field(default_factory=list)
    _peer_services: object = None
    _search_sync: object = None
    #: None: no background builder runs; a dict while it builds the first snapshot; False after
    replica_building: object = None
    _counted: dict = field(default_factory=dict)  # what -> (feed position, count) of its last count
    _counting: threading.Lock = field(default_factory=threading.Lock)

    @property
    def search_sync(self):
        """Keeps every search index (OpenSearch and its embedded fallback) in step with the feed."""
        if self._search_sync is None:
            from search.indexer import SearchSync

            self._search_sync = SearchSync(self.store, self.search)
        return self._search_sync

    @property
    def peer_services(self):
        """Profiles, peer finder, mentor matching and skills map over one peer index (graph.peers)."""
        if self._peer_services is None:
            from graph.peers import PeerServices

            self._peer_services = PeerServices(self.store, peer_index_dir(self.settings))
        return self._peer_services

    @property
    def sparql_pool(self):
        """Worker processes for public SPARQL queries, started on first use."""
        with self._starting:
            if self._pool is None:
                self._pool = self._start_pool()
        return self._pool

    def _start_pool(self):
        from graph.sparql_pool import SparqlPool

        if self.replica_building is None:
            self.sync_replica()  # no background builder (a command, a test): build it here
        elif self.replica.latest_snapshot() is None:
            raise PublicDataPreparing(self.settings.replica_retry_after)
        conf = self.settings
        if conf.sparql_fast_lane_workers > 0:
            self._fast_lane = SparqlPool(self.replica.snapshots_dir, size=conf.sparql_fast_lane_workers,
                                         spares=conf.sparql_spare_workers,
                                         protected_seconds=conf.sparql_protected_seconds)
        return SparqlPool(self.replica.snapshots_dir, size=conf.sparql_workers,
                          spares=conf.sparql_spare_workers, protected_seconds=conf.sparql_protected_seconds)

    @property
    def fast_lane(self):
        """The workers for light public queries (None when ``sparql_fast_lane_workers`` is 0)."""
        _ = self.sparql_pool
        return self._fast_lane

    @property
    def public_queries(self):
        """The public endpoint's queries: per-client limits in front of the worker pool."""
        from graph.sparql_admission import ClientLimits, ClientPolicy, PublicQueries

        pool = self.sparql_pool
        with self._starting:
            if self._public_queries is None:
                conf = self.settings
                limits = ClientLimits(ClientPolicy(concurrency=conf.sparql_client_concurrency,
                                                   rate=conf.sparql_client_rate,
                                                   cooldown_seconds=conf.sparql_cooldown_seconds))
                self._public_queries = PublicQueries(pool, limits, timeout=conf.sparql_timeout,
                                                     fast_lane=self._fast_lane,
                                                     fast_seconds=conf.sparql_fast_lane_seconds)
        return self._public_queries

    def sync_replica(self) -> None:
        if self.replica_needs_rebuild():
            self.replica.rebuild()
        while self.replica.sync():
            pass

    def replica_needs_rebuild(self) -> bool:
        return self.replica.latest_snapshot() is None or self.store.feed.cursor("replica") == 0

    def start_background(self) -> None:
        """Keep the search index, the public replica and the peer index in step with the change
        feed, each in a thread of its own: the server answers while they build or catch up, and
        ``/health`` says how far each is (issue 12, item 10)."""
        self._stop += self.search_sync.start()
        self.replica_building = {"since": _now(), "rebuild": self.replica_needs_rebuild()}  # before /sparql can ask
        self._stop.append(self._follow("public-replica", self._replica_round, first=self._build_replica))
        self._stop.append(self._follow("peer-index", self.peer_services.index.sync,
                                        first=self.peer_services.index.sync, interval=1.0))

    def _build_replica(self) -> None:
        self._quads()  # the first count starts now, not with the first /health
        try:
            self.sync_replica()
        finally:
            self.replica_building = False
        _ = self.public_queries  # the query workers start on the first snapshot, before a query needs them

    def _replica_round(self) -> None:
        self.replica.sync()

    @staticmethod
    def _follow(name: str, step, *, first=None, interval: float = 0.25) -> tuple[threading.Thread, threading.Event]:
        """A daemon thread running ``first`` once, then ``step`` every ``interval`` seconds until stopped."""
        stop = threading.Event()
        log = logging.getLogger(__name__)

        def attempt(action) -> bool:
            try:
                action()
                return True
            except Exception:
                if stop.is_set():  # the services closed under a long build: nothing to report
                    return True
                log.exception("%s: not brought up to date, will retry", name)  # the feed keeps the work
                stop.wait(5)
                return False

        def run():
            while first is not None and not stop.is_set() and not attempt(first):
                pass
            while not stop.wait(interval):
                attempt(step)
        thread = threading.Thread(target=run, name=name, daemon=True)
        thread.start()
        return thread, stop

    def status(self) -> dict:
        store = self.store
        search = self.search_sync.status()
        return {
            "store": {
                "ok": True,
                **self._quads(),
                "graphs": len(store.records()),
                "feed_head": store.feed.head,
                "size_bytes": store.size_on_disk(),
            },
            "index": search,
            "replica": self._replica_status(),
            "consumers": self.consumers(search),
        }

    def _quads(self) -> dict:
        """The store's statement count (see :meth:`_counted_in_background`)."""
        if self.replica_building is None:
            return {"quads": self.store.count()}
        at, quads = self._counted_in_background("store", self.store.feed.head, self.store.count)
        return {"quads": quads, "quads_counted_at": at}

    def _replica_status(self) -> dict:
        if self.replica_building is None:
            return replica_status(self.replica)
        position = self.store.feed.cursor(REPLICA_CONSUMER)
        at, triples = self._counted_in_background("replica", position, self.replica.count)
        return {"graphs": len(self.replica.graphs()), "triples": triples, "triples_counted_at": at,
                "lag": self.store.feed.head - position}

    def _counted_in_background(self, what: str, at: int, count) -> tuple[int | None, int | None]:
        """(position, count) of the last count of ``what``, starting a new one in a thread when
        ``at`` moved. Counting is a scan (seconds at 100k people): while the server runs, /health
        must not wait for it, so it gives the last count and the feed position it was made at."""
        last = self._counted.get(what, (None, None))
        if last[0] != at and self._counting.acquire(blocking=False):
            def run():
                try:
                    self._counted[what] = (at, count())
                except Exception:  # closed under it: the next /health counts again
                    pass
                finally:
                    self._counting.release()
            threading.Thread(target=run, name=f"count-{what}", daemon=True).start()
        return last

    def consumers(self, search: dict) -> dict:
        """Every consumer of the change feed: its position, the head, how far behind, what it builds."""
        feed = self.store.feed
        head = feed.head
        out = {}
        for entry in [search, search.get("fallback")]:
            if entry:
                out[entry["consumer"]] = {"position": entry["position"], "head": entry["head"],
                                          "behind": entry["behind"], "building": entry.get("building")}
        position = feed.cursor(REPLICA_CONSUMER)
        out["replica"] = {"position": position, "head": head, "behind": head - position,
                          "building": self.replica_building or None,
                          "ready": self.replica.latest_snapshot() is not None}
        peers = self.peer_services.index.status()
        out["peers"] = {key: peers[key] for key in ("position", "head", "behind", "building", "views", "loads",
                                                     "builds")}
        return out

    def close(self) -> None:
        for _, stop in self._stop:
            stop.set()
        for thread, _ in self._stop:
            thread.join(10)
        for pool in (self._fast_lane, self._pool):
            if pool is not None:
                pool.close()
        self.search.close()
        self.replica.close()
        self.store.close()


PEER_INDEX_DIR = "peers"


def peer_index_dir(settings: Settings) -> Path:
    return Path(settings.data_dir) / PEER_INDEX_DIR


def update_peer_index(store: GraphStore, settings: Settings) -> dict:
    """Bring the peer index files up to the feed head before a command exits, so that the next
    ``maarifa serve`` reads them rather than building the index (as the search index is
    brought up to date by ``demo``)."""
    from graph.peers import PeerIndex

    index = PeerIndex(store, peer_index_dir(settings))
    index.sync()
    return index.status()


def _now() -> str:
    import datetime as dt

    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def init_data_dir(settings: Settings) -> list[str]:
    """Create what a data directory needs; never replace what exists. Returns what was created."""
    created = []
    data_dir = Path(settings.data_dir)
    if not data_dir.exists():
        created.append(str(data_dir))
    with GraphStore.open(data_dir, base_url=settings.base_url, create=True, command="maarifa init") as store:
        assign_status_positions(store, settings)
    secret = data_dir / SECRET_FILE
    if not secret.exists():
        fd = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, secrets.token_bytes(32))
        os.close(fd)
        created.append(str(secret))
    TokenStore(data_dir)
    from badges import ensure_keys

    created += ensure_keys(data_dir)
    return created


def import_limits(settings: Settings):
    """What an import may make of its input (ingest.limits), from the settings."""
    from ingest.limits import Limits

    return Limits(max_expanded_bytes=settings.max_expanded_bytes, max_xml_text_bytes=settings.max_xml_text_bytes,
                  max_file_bytes=settings.max_file_bytes)


def issuer_of(settings: Settings):
    from badges import Issuer

    return Issuer.from_settings(settings)


def assign_status_positions(store: GraphStore, settings: Settings) -> int:
    """Awards issued before the node had a Bitstring status list get their position (once)."""
    from badges.service import BadgeService

    return BadgeService(store, issuer_of(settings)).assign_status_indexes()


def issue_pending_badges(store: GraphStore, settings: Settings) -> list:
    """A recorded training completion issues its badge, once (the composition root connects them)."""
    from badges.service import BadgeService

    return BadgeService(store, issuer_of(settings)).issue_pending()


KEPT_FILES = (SECRET_FILE, "maarifa.toml")  # and accounts.sqlite3, through graph.accounts
KEPT_DIRS = ("keys",)


def backup_data_dir(settings: Settings, target: Path) -> None:
    """The store (a RocksDB checkpoint) plus the keys, secret and accounts beside it.

    The accounts are copied without their sessions: a restore must not reopen a session that
    was logged out after the backup.
    """
    import shutil

    with open_store(settings, "maarifa backup") as store:
        store.backup(target)
    data_dir = Path(settings.data_dir)
    backup_accounts(data_dir, target)
    for name in KEPT_FILES:
        source = data_dir / name
        if source.exists():
            shutil.copy2(source, target / name)
    for name in KEPT_DIRS:
        if (data_dir / name).is_dir():
            shutil.copytree(data_dir / name, target / name)


def restore_data_dir(settings: Settings, backup: Path) -> None:
    import shutil

    from graph.lock import ProcessLock
    from graph.store import restore_store

    data_dir = Path(settings.data_dir)
    if not data_dir.is_dir():
        raise StoreMissing(data_dir)
    with ProcessLock(data_dir).acquire("maarifa restore"):
        restore_store(backup, data_dir)
        restore_accounts(backup, data_dir)
        for name in KEPT_FILES:
            if (backup / name).exists():
                shutil.copy2(backup / name, data_dir / name)
        for name in KEPT_DIRS:
            if (backup / name).is_dir():
                shutil.rmtree(data_dir / name, ignore_errors=True)
                shutil.copytree(backup / name, data_dir / name)


def open_store(settings: Settings, command: str | None = None) -> GraphStore:
    store = GraphStore.open(settings.data_dir, base_url=settings.base_url, command=command,
                            max_literal=settings.max_literal)
    if store.base_url_adopted:
        how = "the base its IRIs were minted under" if store.base_url_adopted == INFERRED else "the one requested"
        click.echo(f"note: {settings.data_dir} had no stored base URL (made by an older version); adopted "
                   f"{store.base_url} ({how}) and stored it", err=True)
    return store


def open_services(settings: Settings, command: str | None = None) -> Services:
    session_policy = SessionPolicy.from_settings(settings)  # a bad setting stops here, before the store opens
    store = open_store(settings, command)
    secret = Path(settings.data_dir) / SECRET_FILE
    if not secret.exists():
        store.close()
        raise StoreMissing(settings.data_dir)
    from search.factory import open_backend

    try:
        assign_status_positions(store, settings)
        backend = open_backend(settings)
    except Exception:
        store.close()
        raise
    replica = PublicReplica(store, Path(settings.data_dir) / "replica", republish_harvested=settings.republish_harvested)
    return Services(settings, store, TokenStore(settings.data_dir), AccountStore(settings.data_dir, session_policy),
                    secret.read_bytes(), backend, replica, PeerList(settings.data_dir))


def make_app(settings: Settings, services: Services | None = None):
    from web import create_app

    return create_app(settings, services or open_services(settings, "maarifa serve"))


def node_base_url(settings: Settings, origin: str, *, rebasing_to: str | None = None,
                  backup: Path | None = None) -> Settings:
    """The settings with the base URL of the data directory's store (graph/node.py).

    Flag, environment and settings file still decide the *requested* base URL; left at its
    default, the stored one is used; set to another, the command is refused with both named
    (``maarifa rebase`` changes it, and may be run with either the old or the new one set;
    ``maarifa restore`` compares with the ``backup`` it restores, whose store replaces this one).
    A store another process holds cannot be read: the requested base stands, and the
    command meets that process's lock if it needs the store.
    """
    from graph.errors import BaseUrlMismatch
    from graph.node import peek_base_url

    from .settings import DEFAULT

    requested = check_base_url(settings.base_url)
    stored, how = peek_base_url(backup, locked=False) if backup else peek_base_url(settings.data_dir)
    if stored is not None and stored != requested:
        if origin != DEFAULT and requested != rebasing_to:
            by = origin if origin.startswith("-") or origin.startswith("MAARIFA_") else f"base_url in {origin}"
            raise BaseUrlMismatch(settings.data_dir, stored, requested, inferred=how == INFERRED, requested_by=by)
        requested = stored
    return replace(settings, base_url=requested)


def check_base_url(url: str) -> str:
    if not url.startswith(("http://", "https://")):
        raise MaarifaError(f"base URL {url!r} must start with http:// or https://")
    return url.rstrip("/")
