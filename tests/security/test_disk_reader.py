"""The attack tests' file reader sees what RocksDB compressed (else "not found" would prove nothing)."""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest

from tests.security.disk import UnreadableTable, readable, sst_blocks


def test_the_reader_finds_every_value_a_bulk_load_compressed(tmp_path):
    store_dir = tmp_path / "store"
    store = ox.Store(str(store_dir))
    graph = ox.NamedNode("http://example.org/g")
    store.bulk_extend(ox.Quad(ox.NamedNode(f"http://example.org/p{i}"), ox.NamedNode("http://schema.org/name"),
                              ox.Literal(f"Person {i} Kipchumbá-Øyelaran secret{i}x"), graph) for i in range(5000))
    store.flush()
    del store

    raw = b"".join(p.read_bytes() for p in store_dir.iterdir())
    read = b"".join(readable(p) for p in store_dir.iterdir())
    seen_raw = set(re.findall(rb"secret(\d+)x", raw))
    seen = set(re.findall(rb"secret(\d+)x", read))
    assert len(seen_raw) < 5000  # LZ4 hides values from a plain grep...
    assert seen == {str(i).encode() for i in range(5000)}  # ...and the reader gets every one back


def test_a_file_the_reader_cannot_walk_fails_loudly(tmp_path):
    bogus = tmp_path / "000001.sst"
    bogus.write_bytes(b"not a table" * 10)
    with pytest.raises(UnreadableTable, match="not a block-based table"):
        readable(bogus)
    with pytest.raises(UnreadableTable, match="too short"):
        sst_blocks(b"short")
    log = tmp_path / "000002.log"  # other files are read as they are
    log.write_bytes(b"plain bytes")
    assert readable(log) == b"plain bytes"
