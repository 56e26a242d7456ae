"""Worker processes that run public SPARQL queries over replica snapshots.

A query that runs past its time limit is stopped by killing its worker (pyoxigraph cannot
interrupt a query inside a process); a fresh worker takes its place. Several workers run
side by side, so concurrent queries do not wait for each other or for the web threads.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import threading
from dataclasses import dataclass
from pathlib import Path

from .errors import QueryError, QueryTimeout, ServiceBusy
from .query import QueryOutput


@dataclass
class QueryRequest:
    sparql: str
    fmt: str = "json"
    graph_fmt: str = "turtle"
    limit: int = 10000
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


def _serve(conn, snapshots_dir: str) -> None:
    import pyoxigraph as ox

    from .query import execute

    conn.send(("ready", None))  # imports done: the time limit of queries starts counting now
    opened_name, store, graphs = None, None, []
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        try:
            latest = (Path(snapshots_dir) / "LATEST").read_text().strip()
            if latest != opened_name:
                store = ox.Store.read_only(str(Path(snapshots_dir) / latest))
                opened_name = latest
                graphs = list(store.named_graphs())
            default, named = _dataset(request, graphs)
            out = execute(store, request.sparql, fmt=request.fmt, graph_fmt=request.graph_fmt, limit=request.limit,
                          default_graph=default, named_graphs=named, base_iri=request.base_iri,
                          variable_order=request.variable_order)
            conn.send(("ok", out))
        except QueryError as exc:
            conn.send(("error", str(exc)))
        except FileNotFoundError:
            conn.send(("error", "the public data is not ready yet"))
        except Exception as exc:  # reported to the web process as a query error
            conn.send(("error", f"the query failed: {exc}"))


STARTUP_TIMEOUT = 120.0  # seconds a new worker may take to import (a busy machine is slow)


class _Worker:
    def __init__(self, ctx, snapshots_dir: Path):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(child, str(snapshots_dir)), daemon=True,
                                   name="maarifa-sparql-worker")
        self.process.start()
        child.close()
        self.ready = False

    def wait_ready(self) -> None:
        """A query's time limit covers the query, not the start of the process that runs it."""
        if not self.ready:
            if not self.conn.poll(STARTUP_TIMEOUT):
                raise QueryError(f"the query worker did not start within {STARTUP_TIMEOUT:g} s")
            self.conn.recv()
            self.ready = True

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.conn.close()


class SparqlPool:
    def __init__(self, snapshots_dir: Path, size: int = 2):
        self._ctx = mp.get_context("spawn")
        self.snapshots_dir = Path(snapshots_dir)
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: list[_Worker] = []
        self._lock = threading.Lock()
        for _ in range(size):
            self._add()

    def _add(self) -> None:
        worker = _Worker(self._ctx, self.snapshots_dir)
        with self._lock:
            self._all.append(worker)
        self._idle.put(worker)

    def run(self, request: QueryRequest, timeout: float) -> QueryOutput:
        try:
            worker = self._idle.get(timeout=timeout)
        except queue.Empty:
            raise ServiceBusy("every query worker is busy; try again shortly") from None
        try:
            worker.wait_ready()
            worker.conn.send(request)
            if not worker.conn.poll(timeout):
                raise QueryTimeout(timeout)
            status, value = worker.conn.recv()
        except (QueryTimeout, QueryError, EOFError, OSError, BrokenPipeError) as exc:
            self._replace(worker)
            if isinstance(exc, (QueryTimeout, QueryError)):
                raise
            raise QueryError("the query worker stopped without an answer") from None
        self._idle.put(worker)
        if status == "error":
            raise QueryError(value)
        return value

    def _replace(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self._all.remove(worker)
        self._add()

    def close(self) -> None:
        with self._lock:
            workers, self._all = self._all, []
        for worker in workers:
            worker.kill()
