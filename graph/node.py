"""The node's own metadata, kept in the store: the base URL its IRIs are minted under.

The store is the authority on its base URL: every ``{base}/id/...`` and ``{base}/graph/...``
IRI in it was minted under one base, so the base lives beside them, in the system graph
``urn:maarifa:system:node``, and travels with them through ``maarifa backup`` and
``restore``. A store opened with another base is refused (:class:`BaseUrlMismatch`); the
base changes only with ``maarifa rebase`` (graph/rebase.py), which rewrites the IRIs too.

A store written before the base was stored adopts the base its catalog's graphs were named
under (``{base}/graph/{source}/{access}``), or, when it has none yet, the one it is opened with.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyoxigraph as ox

from ontology import MF

from .catalog import ACCESS_BY_IRI, CATALOG_QUERY
from .errors import BaseUrlMismatch, StoreLocked, StoreUnwritable
from .lock import ProcessLock
from .terms import named

NODE_GRAPH = "urn:maarifa:system:node"
NODE = named("urn:maarifa:system:node")
BASE_URL = named(MF.baseUrl)
FORMER_BASE_URL = named(MF.formerBaseUrl)
STORED, INFERRED = "stored", "inferred"


def stored_base_url(store: ox.Store) -> str | None:
    for q in store.quads_for_pattern(NODE, BASE_URL, None, named(NODE_GRAPH)):
        return q.object.value
    return None


def inferred_base_url(store: ox.Store) -> str | None:
    """The base the catalog's logical graphs were named under, the most common if several."""
    bases: Counter[str] = Counter()
    for row in store.query(CATALOG_QUERY):
        logical, source = row["logical"].value, row["source"].value
        suffix = f"/graph/{source}/{ACCESS_BY_IRI.get(row['access'].value)}"
        if logical.endswith(suffix):
            bases[logical[:-len(suffix)]] += 1
    return bases.most_common(1)[0][0] if bases else None


def known_base_url(store: ox.Store) -> tuple[str | None, str]:
    """(base URL, how it is known: STORED or INFERRED); (None, INFERRED) for a store with neither."""
    stored = stored_base_url(store)
    return (stored, STORED) if stored else (inferred_base_url(store), INFERRED)


def settle_base_url(store: ox.Store, requested: str, *, where) -> tuple[str, str | None]:
    """Check ``requested`` against the store's base; store it when the store had none.

    Returns (base URL, how it was adopted: None when it was stored already, INFERRED or
    "requested"). Raises :class:`BaseUrlMismatch` before writing anything.
    """
    base, how = known_base_url(store)
    if base is not None and base != requested:
        raise BaseUrlMismatch(where, base, requested, inferred=how == INFERRED)
    if how == STORED:
        return requested, None
    store.update(f"INSERT DATA {{ GRAPH <{NODE_GRAPH}> {{ {NODE} {BASE_URL} {ox.Literal(requested)} . }} }}")
    return requested, INFERRED if base is not None else "requested"


def base_url_change(old: str, new: str) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """(quads to delete, quads to insert) that move the stored base from ``old`` to ``new``."""
    graph = named(NODE_GRAPH)
    delete = [ox.Quad(NODE, BASE_URL, ox.Literal(old), graph)]
    insert = [ox.Quad(NODE, BASE_URL, ox.Literal(new), graph), ox.Quad(NODE, FORMER_BASE_URL, ox.Literal(old), graph)]
    return delete, insert


def peek_base_url(data_dir: Path, store_dir: str = "store", *, locked: bool = True) -> tuple[str | None, str]:
    """:func:`known_base_url` of the store in ``data_dir``, read without opening it for writing;
    (None, INFERRED) when there is no store or another process holds it (a store must not be
    read while another process may be writing it). ``locked=False`` is for a backup, which
    nothing writes."""
    unknown = (None, INFERRED)
    path = Path(data_dir) / store_dir
    if not path.is_dir():
        return unknown
    try:
        lock = ProcessLock(data_dir).acquire("maarifa (reading the base URL)") if locked else None
    except (StoreLocked, StoreUnwritable):
        return unknown
    try:
        store = ox.Store.read_only(str(path))
        return known_base_url(store)
    except OSError:
        return unknown
    finally:
        store = None
        if lock is not None:
            lock.release()


__all__ = ["NODE_GRAPH", "base_url_change", "known_base_url", "peek_base_url", "settle_base_url", "stored_base_url"]
