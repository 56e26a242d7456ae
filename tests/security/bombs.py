"""Small files that expand to a lot: MediaWiki dumps compressed with bzip2 or gzip, written in
chunks so that making a bomb never needs its expanded size in memory (the attack tests and
``bench/import_bomb_bench.py`` use them)."""

from __future__ import annotations

import bz2
import zlib
from pathlib import Path

HEAD = (b'<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.10/" version="0.10" xml:lang="en">\n'
        b"  <siteinfo><sitename>Bomb</sitename><dbname>enwiki</dbname>"
        b"<base>http://en.wikipedia.org/wiki/Main_Page</base></siteinfo>\n")
TAIL = b"</mediawiki>\n"
CHUNK = 1024 * 1024


def page(title: str, text: bytes) -> bytes:
    return (b"  <page><title>" + title.encode() + b"</title><ns>0</ns><id>1</id><revision><id>1</id>"
            b"<timestamp>2024-01-01T00:00:00Z</timestamp><text>" + text + b"</text></revision></page>\n")


class _Writer:
    """Compresses what it is given into ``path`` (bz2, gz, or plain)."""

    def __init__(self, path: Path, compression: str):
        self.file = path.open("wb")
        self.compressor = {"bz2": lambda: bz2.BZ2Compressor(9),
                           "gz": lambda: zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS),
                           "plain": lambda: None}[compression]()
        self.written = 0

    def write(self, data: bytes) -> None:
        self.written += len(data)
        self.file.write(self.compressor.compress(data) if self.compressor else data)

    def close(self) -> None:
        if self.compressor:
            self.file.write(self.compressor.flush())
        self.file.close()


def one_huge_page(path: Path, text_bytes: int, compression: str = "bz2") -> int:
    """A dump of one page whose text is ``text_bytes`` of 'a'; returns the expanded size."""
    out = _Writer(path, compression)
    out.write(HEAD)
    whole = page("Bomb", b"\0")
    before, after = whole.split(b"\0")
    out.write(before)
    block = b"a" * CHUNK
    left = text_bytes
    while left > 0:
        out.write(block[:min(CHUNK, left)])
        left -= CHUNK
    out.write(after + TAIL)
    out.close()
    return out.written


def many_pages(path: Path, count: int, compression: str = "bz2") -> int:
    """A dump of ``count`` small pages; returns the expanded size."""
    out = _Writer(path, compression)
    out.write(HEAD)
    batch = []
    for i in range(count):
        batch.append(page(f"Page {i}", b"Some words of page " + str(i).encode()))
        if len(batch) == 1000:
            out.write(b"".join(batch))
            batch = []
    out.write(b"".join(batch) + TAIL)
    out.close()
    return out.written


ENTITY_BOMB = (b'<?xml version="1.0"?>\n<!DOCTYPE mediawiki [\n  <!ENTITY lol "lol">\n'
               + b"".join(f'  <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'.encode()
                          for i in range(1, 10))
               + b"]>\n" + HEAD
               + page("Laughs", b"&lol9;") + TAIL)
