"""What an import may make of its input: a small file must not become gigabytes in memory
(issue 12, item 7: a 2.4 KB ``.xml.bz2`` that expanded to 3 GB ran 32 s and peaked at 6.25 GB).

- A compressed file (bzip2, gzip; found by its first bytes, not its name) is decompressed
  as it is read, a chunk at a time, and may expand to at most ``max_expanded_bytes``.
- XML is parsed as a stream by defusedxml (entity declarations and external entities are
  refused, so neither "billion laughs" nor a file fetch can happen), each element leaves the
  tree once it has ended, and the text between two tags may span at most
  ``max_xml_text_bytes``: memory is bounded by that, not by the size of the file.
- An input read whole (JSON, YAML, CSV, RDF; a folder counts all its files) may be at most
  ``max_file_bytes``, checked before it is read.

Each limit is a setting (``maarifa settings``); passing one raises :class:`InputTooLarge`,
which names the file, the limit and the setting, and the import writes nothing.
"""

from __future__ import annotations

import bz2
import gzip
import io
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator
from xml.etree.ElementTree import Element

from defusedxml.ElementTree import iterparse

from graph import MaarifaError

READ_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Limits:
    """The limits of one import (the defaults are those of ``maarifa.settings``)."""

    max_expanded_bytes: int = 2 * 1024 ** 3
    max_xml_text_bytes: int = 64 * 1024 ** 2
    max_file_bytes: int = 512 * 1024 ** 2

    @classmethod
    def of(cls, options: dict) -> "Limits":
        return options.get("limits") or cls()


class InputTooLarge(MaarifaError):
    """An input passed one of the :class:`Limits`; nothing was written."""

    def __init__(self, label: str, problem: str, setting: str):
        #: what is wrong, without the file's name (a report names the file itself)
        self.reason = (f"{problem} (the {setting} setting); refused, nothing was written; "
                       f"raise {setting} if the file is genuine")
        super().__init__(f"{label}: {self.reason}")
        self.label, self.setting = label, setting


def open_input(path: Path, limits: Limits, label: str | None = None) -> "LimitedReader":
    """``path`` for reading, decompressed on the fly when it is bzip2 or gzip."""
    label = label or path.name
    with path.open("rb") as f:
        magic = f.read(3)
    if magic == b"BZh":
        stream, what = bz2.open(path, "rb"), "expands to"
    elif magic[:2] == b"\x1f\x8b":
        stream, what = gzip.open(path, "rb"), "expands to"
    else:
        stream, what = path.open("rb"), "holds"
    return LimitedReader(stream, label, limits, what)


class LimitedReader(io.RawIOBase):
    """A binary stream that refuses to deliver more than ``max_expanded_bytes``, and more than
    ``max_xml_text_bytes`` since the last :meth:`mark` (the XML parser marks every tag)."""

    def __init__(self, stream: BinaryIO, label: str, limits: Limits, what: str = "expands to"):
        self._stream = stream
        self.label = label
        self.limits = limits
        self._what = what
        self.delivered = 0
        self._marked = 0

    def readable(self) -> bool:
        return True

    def mark(self) -> None:
        self._marked = self.delivered

    def read(self, size: int = -1) -> bytes:
        if self.delivered - self._marked > self.limits.max_xml_text_bytes:
            raise InputTooLarge(self.label, f"holds more than {self.limits.max_xml_text_bytes:,} bytes of XML "
                                f"between two tags", "max_xml_text_bytes")
        room = self.limits.max_expanded_bytes - self.delivered
        want = READ_CHUNK if size is None or size < 0 else size
        # read one byte past the limit: exactly the limit is fine, one more is not
        try:
            data = self._stream.read(min(want, room + 1))
        except zlib.error as exc:
            # gzip reports a damaged deflate stream as zlib.error, which is no OSError (as its
            # own damaged header is, and bz2's damaged data): make it one, for the readers to locate
            raise gzip.BadGzipFile(f"the gzip data is damaged ({exc})") from None
        self.delivered += len(data)
        if self.delivered > self.limits.max_expanded_bytes:
            raise InputTooLarge(self.label, f"{self._what} more than {self.limits.max_expanded_bytes:,} bytes",
                                "max_expanded_bytes")
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        self._stream.close()
        super().close()


def xml_events(reader: LimitedReader) -> Iterator[tuple[str, Element]]:
    """``("start" | "end", element)`` of an XML stream, parsed by defusedxml.

    An element is taken out of its parent when it ends: a consumer that works from the
    events (as ``mwxml`` does) still holds it, and the tree never holds more than the path to
    the element being read, whatever the length of the file.
    """
    path: list[Element] = []
    for event, element in iterparse(reader, events=("start", "end")):
        reader.mark()
        if event == "start":
            path.append(element)
        else:
            path.pop()
            if path:
                path[-1].remove(element)
        yield event, element


def check_size(path: Path, limits: Limits, label: str | None = None) -> None:
    """Refuse an input read whole (a file, or every file under a folder) above ``max_file_bytes``."""
    size = path.stat().st_size if path.is_file() else sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    if size > limits.max_file_bytes:
        raise InputTooLarge(label or path.name, f"is {size:,} bytes, more than the {limits.max_file_bytes:,} an "
                            f"import reads whole", "max_file_bytes")
