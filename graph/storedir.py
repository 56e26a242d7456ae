"""The store's directory on disk: a fresh copy swapped in whole, and a swap a crash cut short.

Two things replace the store's files: ``maarifa restore`` (a backup's copy) and an erasure
(:meth:`graph.store.GraphStore.rewrite`: every live quad bulk-loaded into a new store, because
RocksDB keeps a deleted value in its older SST files and its write-ahead log until some
compaction happens to drop it, and ``Store.optimize()`` promises no such thing). Both build the
new directory beside the old one (``.store.new``), then rename the old one away (``.store.old``),
rename the new one in and delete the old one. :func:`recover_swap` runs before a store is opened
and finishes or undoes whatever a crash interrupted, so the store is always the old one or the
new one, and a superseded copy never lingers in the data directory.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pyoxigraph as ox

from .errors import MaarifaError

STORE_DIR = "store"
STAGING_DIR = f".{STORE_DIR}.new"
SUPERSEDED_DIR = f".{STORE_DIR}.old"


def staging_dir(data_dir: Path) -> Path:
    """An empty directory to build the next store in (a leftover of an earlier attempt goes)."""
    staging = Path(data_dir) / STAGING_DIR
    shutil.rmtree(staging, ignore_errors=True)
    return staging


def copy_live_quads(source: ox.Store, data_dir: Path) -> Path:
    """Bulk-load every quad of ``source`` (data, catalog and feed graphs alike) into a new store
    in the staging directory; returns that directory, closed and checked to hold as many quads."""
    staging = staging_dir(data_dir)
    fresh = ox.Store(str(staging))
    try:
        fresh.bulk_extend(source)
        fresh.flush()
        copied, expected = len(fresh), len(source)
    except BaseException:
        del fresh
        shutil.rmtree(staging, ignore_errors=True)
        raise
    del fresh  # RocksDB closes with the last reference to the store
    if copied != expected:
        shutil.rmtree(staging, ignore_errors=True)
        raise MaarifaError(f"rewriting the store copied {copied} of {expected} quads; the store was left as it was")
    return staging


def swap_in(data_dir: Path, staging: Path) -> None:
    """Make the complete store in ``staging`` the data directory's store and delete the old one."""
    data_dir = Path(data_dir)
    target, superseded = data_dir / STORE_DIR, data_dir / SUPERSEDED_DIR
    shutil.rmtree(superseded, ignore_errors=True)
    if target.exists():
        target.rename(superseded)
    staging.rename(target)
    _sync_directory(data_dir)
    shutil.rmtree(superseded)


def recover_swap(data_dir: Path) -> None:
    """Finish or undo a swap a crash interrupted (the caller holds the data directory's lock).

    The staging directory is renamed in only once complete, and the old store is renamed away
    only after that, so: no store but a staging directory means the crash fell between the two
    renames (the staging copy is complete: rename it in); a store *and* a staging directory
    means the copy never finished (drop it); a superseded directory is always dropped.
    """
    data_dir = Path(data_dir)
    target, staging, superseded = data_dir / STORE_DIR, data_dir / STAGING_DIR, data_dir / SUPERSEDED_DIR
    if not target.exists():
        if staging.exists():
            staging.rename(target)
        elif superseded.exists():
            superseded.rename(target)
        _sync_directory(data_dir)
    shutil.rmtree(staging, ignore_errors=True)
    shutil.rmtree(superseded, ignore_errors=True)


def _sync_directory(path: Path) -> None:
    """Make renames in ``path`` durable before what relies on them (deleting the old copy)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
