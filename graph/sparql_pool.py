"""Worker processes that run public SPARQL queries over replica snapshots.

pyoxigraph cannot interrupt a query inside a process, so a query that must stop is stopped
by killing its worker. The pool never makes a request wait for a worker:

- a query takes an idle worker; at most ``size`` queries run at once (one core each);
- when all ``size`` are busy, a new query stops the **oldest** running one, if that one has
  run at least ``protected_seconds`` (quick queries are never stopped), and runs on a spare
  worker started beforehand; the stopped query's caller gets :class:`QueryPreempted`;
- otherwise the new query is refused at once with :class:`ServiceBusy` (and a Retry-After).

Killed workers are replaced in the background from a fork server that has already imported
pyoxigraph and the main module (a fork takes milliseconds, a fresh interpreter, or a child
importing the web app again, a second of CPU; ``_fork_server_preload``), and a new
worker opens the latest snapshot before it counts as ready, so no request waits for a
process to start. Workers run at a lower CPU priority than the web process once ready: when
runaway queries keep both cores busy, pages are still served first.

The public endpoint runs two of these pools (graph/sparql_admission.py): the shared one, and
a fast lane for light queries.
"""

from __future__ import annotations

import logging
import math
import multiprocessing as mp
import os
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .errors import QueryError, QueryPreempted, QueryTimeout, ServiceBusy
from .query import QueryOutput

log = logging.getLogger(__name__)

STARTUP_TIMEOUT = 120.0  # seconds a new worker may take to start (a busy machine is slow)
WORKER_NICENESS = 10  # added to a worker's nice value: the web process wins the CPU over queries
RESTART_PAUSE = 1.0  # seconds between attempts when a worker fails to start

_CONTEXT = mp.get_context("forkserver")


def _fork_server_preload() -> list[str]:
    """What the fork server imports once, so that a worker forked from it imports nothing.

    This module (and so pyoxigraph), and the main module: multiprocessing makes every child of
    a fork server run the main module again ("Safe importing of main module",
    https://docs.python.org/3/library/multiprocessing.html#the-spawn-and-forkserver-start-methods).
    For ``maarifa serve`` that is maarifa.cli, which imports Flask and the whole web app: a
    second of CPU per worker, on the path of every worker that replaces a stopped one. With it
    imported in the fork server, a child runs only the module's own body (``python -m``) or
    nothing (a script path, which the fork server loads itself as ``'__main__'``).
    """
    preload = ["__main__", __name__]
    spec = getattr(sys.modules["__main__"], "__spec__", None)
    # a package's __main__ runs its main code unguarded, and multiprocessing never reruns it
    if spec is not None and spec.name and not spec.name.endswith("__main__"):
        preload.append(spec.name)
    return preload


@dataclass
class QueryRequest:
    sparql: str
    fmt: str = "json"
    graph_fmt: str = "turtle"
    limit: int = 10000
    max_bytes: int | None = None  # longest serialised result; counted in the worker
    # the protocol's dataset (SPARQL 1.1 Protocol, 2.1.4): None for both means the query's own
    # FROM / FROM NAMED if it has them (``query_dataset``), else every public graph
    default_graphs: list[str] | None = None
    named_graphs: list[str] | None = None
    query_dataset: bool = False
    base_iri: str | None = None  # relative IRIs in the query resolve against it
    variable_order: tuple[str, ...] | None = None  # SELECT *: the order the query shows them


def _dataset(request: QueryRequest, graphs: list) -> tuple[list | None, list | None]:
    """(default graph, named graphs) to hand the engine for a request."""
    import pyoxigraph as ox

    if request.default_graphs is None and request.named_graphs is None:
        if request.query_dataset:
            return None, None
        return graphs or [ox.DefaultGraph()], graphs
    # a protocol dataset is exactly what it names: an absent part is empty
    default = [ox.NamedNode(g) for g in request.default_graphs or []] or [ox.DefaultGraph()]
    return default, [ox.NamedNode(g) for g in request.named_graphs or []]


class _Snapshot:
    """The latest replica snapshot, opened read-only, reopened when a newer one is published."""

    def __init__(self, snapshots_dir: str):
        self.dir = Path(snapshots_dir)
        self.name, self.store, self.graphs = None, None, []

    def latest(self):
        import pyoxigraph as ox

        latest = (self.dir / "LATEST").read_text().strip()
        if latest != self.name:
            self.store = ox.Store.read_only(str(self.dir / latest))
            self.name = latest
            self.graphs = list(self.store.named_graphs())
        return self.store, self.graphs


def _serve(conn, snapshots_dir: str) -> None:
    from .query import execute

    snapshot = _Snapshot(snapshots_dir)
    try:
        snapshot.latest()  # opened before the worker counts as ready, not on a query's time
    except FileNotFoundError:
        pass  # no snapshot yet: the first query says so
    # only now: a spare started while runaways and their senders keep the cores busy must not
    # wait for a share of the CPU that low priority would give it
    os.nice(WORKER_NICENESS)
    conn.send(("ready", None))
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        try:
            store, graphs = snapshot.latest()
            default, named = _dataset(request, graphs)
            out = execute(store, request.sparql, fmt=request.fmt, graph_fmt=request.graph_fmt, limit=request.limit,
                          max_bytes=request.max_bytes, default_graph=default, named_graphs=named,
                          base_iri=request.base_iri, variable_order=request.variable_order)
            conn.send(("ok", out))
        except QueryError as exc:
            conn.send(("error", str(exc)))
        except FileNotFoundError:
            conn.send(("error", "the public data is not ready yet"))
        except Exception as exc:  # reported to the web process as a query error
            conn.send(("error", f"the query failed: {exc}"))


class _Worker:
    def __init__(self, snapshots_dir: Path):
        self.conn, child = _CONTEXT.Pipe()
        self.process = _CONTEXT.Process(target=_serve, args=(child, str(snapshots_dir)), daemon=True,
                                        name="maarifa-sparql-worker")
        self.process.start()
        child.close()
        self.retired = False

    def wait_ready(self) -> bool:
        if not self.conn.poll(STARTUP_TIMEOUT):
            return False
        self.conn.recv()
        return True

    def kill(self) -> None:
        """SIGKILL and reap: the only way to stop a running pyoxigraph query. The pipe stays
        open: the thread waiting on it sees the end of it and closes it (closing it under that
        thread's poll could hand the descriptor to another file)."""
        self.process.kill()
        self.process.join(5)


@dataclass
class _Job:
    worker: _Worker
    started: float
    preempted_after: float | None = None  # set when another query took its worker


class SparqlPool:
    """``size`` workers run queries; ``spares`` more stay started and idle, so a query that
    stops a runaway does not wait for a process."""

    def __init__(self, snapshots_dir: Path, size: int = 2, *, spares: int = 1, protected_seconds: float = 0.25):
        if size < 1:
            raise ValueError("a SPARQL pool needs at least one worker")
        self.snapshots_dir = Path(snapshots_dir)
        self.size, self.spares, self.protected_seconds = size, spares, protected_seconds
        self._lock = threading.Condition()
        self._idle: list[_Worker] = []  # started, snapshot open, waiting for a query
        self._starting = 0
        self._running: dict[_Worker, _Job] = {}
        self._closed = False
        _CONTEXT.set_forkserver_preload(_fork_server_preload())  # read when the fork server starts
        with self._lock:
            for _ in range(size + spares):
                self._start_one()
            # the first queries find their workers ready (a started node serves at once)
            if not self._lock.wait_for(lambda: not self._starting, STARTUP_TIMEOUT):
                log.warning("SPARQL workers still starting after %g s", STARTUP_TIMEOUT)

    # -- what callers see -----------------------------------------------------------------

    def run(self, request: QueryRequest, timeout: float) -> QueryOutput:
        """Run one query, or refuse it at once (:class:`ServiceBusy`); :class:`QueryTimeout`
        after ``timeout`` seconds, :class:`QueryPreempted` when a newer query needed the worker."""
        job = self._take_worker()
        worker = job.worker
        try:
            worker.conn.send(request)
            if not worker.conn.poll(timeout):
                raise QueryTimeout(timeout)
            status, value = worker.conn.recv()
        except QueryTimeout:
            self._retire(worker)
            worker.conn.close()
            raise
        except (EOFError, OSError):
            self._retire(worker)
            worker.conn.close()
            if job.preempted_after is not None:
                raise QueryPreempted(job.preempted_after) from None
            raise QueryError("the query worker stopped without an answer") from None
        self._release(worker)
        if status == "error":
            raise QueryError(value)
        return value

    def running(self) -> int:
        """How many queries run now."""
        with self._lock:
            return len(self._running)

    def ready(self) -> int:
        """How many started workers wait for a query."""
        with self._lock:
            return len(self._idle)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, running = self._idle, [job.worker for job in self._running.values()]
            self._idle, self._running = [], {}
        for worker in idle:
            worker.kill()
            worker.conn.close()
        for worker in running:  # their callers see the pipe end and close it
            worker.kill()

    # -- admission: never wait --------------------------------------------------------------

    def _take_worker(self) -> _Job:
        with self._lock:
            if self._closed:
                raise ServiceBusy("the SPARQL service is shutting down")
            now = time.monotonic()
            if len(self._running) >= self.size:
                oldest = min(self._running.values(), key=lambda job: job.started)
                ran = now - oldest.started
                if ran < self.protected_seconds:
                    raise ServiceBusy(f"every query worker is busy (the {self.size} running queries started less "
                                      f"than {self.protected_seconds:g} s ago); try again shortly",
                                      retry_after=math.ceil(self.protected_seconds - ran))
                if not self._idle:
                    raise ServiceBusy("every query worker is busy and no spare worker is ready yet; try again shortly")
                oldest.preempted_after = ran
                self._retire_locked(oldest.worker)
            elif not self._idle:
                raise ServiceBusy("no query worker is ready yet (they are starting); try again shortly")
            job = _Job(self._idle.pop(), now)
            self._running[job.worker] = job
            return job

    def _release(self, worker: _Worker) -> None:
        with self._lock:
            if worker.retired:  # it answered just as a newer query stopped it: the answer stands
                return
            self._running.pop(worker, None)
            self._idle.append(worker)

    # -- keeping size + spares workers alive --------------------------------------------------

    def _retire(self, worker: _Worker) -> None:
        with self._lock:
            self._retire_locked(worker)

    def _retire_locked(self, worker: _Worker) -> None:
        """Take ``worker`` out of service, kill it, and start its replacement (all once)."""
        if worker.retired:
            return
        worker.retired = True
        self._running.pop(worker, None)
        if worker in self._idle:
            self._idle.remove(worker)
        worker.process.kill()  # at once: the worker's CPU is the point; reaped in the background
        threading.Thread(target=worker.kill, name="sparql-worker-reaper", daemon=True).start()
        if not self._closed:
            self._start_one()

    def _start_one(self) -> None:
        """Start a worker in the background; it joins the idle list when its snapshot is open."""
        self._starting += 1
        threading.Thread(target=self._bring_up, name="sparql-worker-start", daemon=True).start()

    def _bring_up(self) -> None:
        while True:
            try:
                worker = _Worker(self.snapshots_dir)
                ready = worker.wait_ready()
            except OSError as exc:
                log.warning("a SPARQL worker did not start: %s; retrying", exc)
                worker, ready = None, False
            with self._lock:
                if ready and not self._closed:
                    self._starting -= 1
                    self._idle.append(worker)
                    self._lock.notify_all()
                    return
                closed = self._closed
            if worker is not None:
                worker.kill()
                worker.conn.close()
            if closed:
                return
            log.warning("a SPARQL worker did not start within %g s; retrying", STARTUP_TIMEOUT)
            time.sleep(RESTART_PAUSE)
