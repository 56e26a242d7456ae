"""Reading a data directory the way an attacker with a copy of it would: every byte of every
file, with RocksDB's compressed blocks decompressed.

``grep -a`` over an Oxigraph store is not enough: RocksDB compresses the blocks of its lower
levels with LZ4 (Oxigraph's options: no compression on levels 0 and 1, LZ4 below; a bulk load
writes straight to the bottom level), so a value can sit in an SST file without its bytes
appearing there. :func:`readable` returns a file's raw bytes followed, for an SST file, by
the decompressed contents of every block its index lists. The table format is RocksDB's
block-based table (``table/format.cc``, ``table/block_based/block_builder.cc``): a footer at
the end points to the index block (format versions 1-5) or to the metaindex block whose
``rocksdb.index`` entry does (6 and later); each block is followed by a 5-byte trailer whose
first byte says how it is compressed. A file this reader cannot walk raises
:class:`UnreadableTable` rather than being passed over.
"""

from __future__ import annotations

import struct
from pathlib import Path

import lz4.block

BLOCK_BASED_MAGIC = 0x88E241B785F4CFF7
FOOTER_SIZE = 53  # format versions >= 1
TRAILER_SIZE = 5
NO_COMPRESSION, LZ4_COMPRESSION = 0, 4
EXTENDED_MAGIC = b"\x3e\x00\x7a\x00"


class UnreadableTable(AssertionError):
    """An SST file in a shape this reader does not know: fail loudly, never skip."""


def readable(path: Path) -> bytes:
    """The bytes a reader of ``path`` can get at: raw, plus decompressed blocks for SST files."""
    data = Path(path).read_bytes()
    if path.suffix != ".sst" or not data:  # an empty table: one a killed process had just begun
        return data
    return data + b"".join(sst_blocks(data, str(path)))


def sst_blocks(data: bytes, name: str = "SST file") -> list[bytes]:
    """The uncompressed contents of every data block of a block-based table."""
    if len(data) < FOOTER_SIZE:
        raise UnreadableTable(f"{name}: too short for a block-based table")
    footer = data[-FOOTER_SIZE:]
    version, magic = struct.unpack("<IQ", footer[-12:])
    if magic != BLOCK_BASED_MAGIC:
        raise UnreadableTable(f"{name}: not a block-based table (magic {magic:#x})")
    if version >= 6:
        if footer[1:5] != EXTENDED_MAGIC:
            raise UnreadableTable(f"{name}: format version {version} without its extended magic")
        metaindex_size = struct.unpack("<I", footer[13:17])[0]
        metaindex_offset = len(data) - FOOTER_SIZE - TRAILER_SIZE - metaindex_size
        index = _metaindex_entry(_block(data, metaindex_offset, metaindex_size, name), b"rocksdb.index", name)
        index_offset, index_size = index
    elif version >= 1:
        pos = 1
        _, pos = _varint(footer, pos)  # metaindex offset
        _, pos = _varint(footer, pos)  # metaindex size
        index_offset, pos = _varint(footer, pos)
        index_size, pos = _varint(footer, pos)
    else:
        raise UnreadableTable(f"{name}: legacy format version 0")
    handles = _index_handles(_block(data, index_offset, index_size, name), value_delta=version >= 4, name=name)
    expected = 0
    for offset, size in handles:  # data blocks lie end to end from the start of the file
        if offset != expected:
            raise UnreadableTable(f"{name}: data block at {offset}, expected {expected} (not a plain index?)")
        expected = offset + size + TRAILER_SIZE
    return [_block(data, offset, size, name) for offset, size in handles]


def _block(data: bytes, offset: int, size: int, name: str) -> bytes:
    if offset < 0 or offset + size + TRAILER_SIZE > len(data):
        raise UnreadableTable(f"{name}: block at {offset} (+{size}) is outside the file")
    raw = data[offset:offset + size]
    kind = data[offset + size]
    if kind == NO_COMPRESSION:
        return raw
    if kind == LZ4_COMPRESSION:
        uncompressed, pos = _varint(raw, 0)
        return lz4.block.decompress(raw[pos:], uncompressed_size=uncompressed)
    raise UnreadableTable(f"{name}: block at {offset} uses compression type {kind}, not none or LZ4")


def _metaindex_entry(block: bytes, wanted: bytes, name: str) -> tuple[int, int]:
    restarts = struct.unpack("<I", block[-4:])[0]
    end = len(block) - 4 - 4 * restarts
    pos, key = 0, b""
    while pos < end:
        shared, pos = _varint(block, pos)
        non_shared, pos = _varint(block, pos)
        length, pos = _varint(block, pos)
        key = key[:shared] + block[pos:pos + non_shared]
        pos += non_shared
        if key == wanted:
            offset, at = _varint(block, pos)
            size, _ = _varint(block, at)
            return offset, size
        pos += length
    raise UnreadableTable(f"{name}: no {wanted.decode()} entry in the metaindex")


def _index_handles(block: bytes, *, value_delta: bool, name: str) -> list[tuple[int, int]]:
    """Block handles of the index block, decoding the delta-encoded values of format version >= 4
    (an entry whose key shares bytes with the previous one stores only its size's change; its
    offset follows on from the previous block)."""
    restarts = struct.unpack("<I", block[-4:])[0]
    end = len(block) - 4 - 4 * restarts
    if end < 0:
        raise UnreadableTable(f"{name}: an index block with a broken restart array")
    handles: list[tuple[int, int]] = []
    pos = 0
    while pos < end:
        shared, pos = _varint(block, pos)
        non_shared, pos = _varint(block, pos)
        if not value_delta:
            _, pos = _varint(block, pos)  # value length
        pos += non_shared
        if value_delta and shared:
            delta, pos = _varint(block, pos)
            delta = (delta >> 1) ^ -(delta & 1)  # zigzag
            previous_offset, previous_size = handles[-1]
            handles.append((previous_offset + previous_size + TRAILER_SIZE, previous_size + delta))
        else:
            offset, pos = _varint(block, pos)
            size, pos = _varint(block, pos)
            handles.append((offset, size))
    return handles


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        if pos >= len(data):
            raise UnreadableTable("a varint runs past the end of its block")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7
