"""Reading a YAML document with the line of every node, for located messages; no aliases.

:func:`load_document` parses a file once (PyYAML's C loader when present) into both the data
and its node tree, so any field, however deep, can be located (:meth:`YamlDocument.line`),
and :meth:`YamlDocument.check` reports *every* way a record differs from its JSON Schema
(:mod:`graph.jsoncheck`) with its file and line, instead of failing on the first.

YAML aliases (``*name``, including ``<<: *name`` merges) are refused (issue 12, item 7): they
let a document of a few hundred bytes stand for billions of nodes ("billion laughs") that the
importers would then walk, and none of the formats needs them. Nesting deeper than the parser
can follow is a located error too, never a crash.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from graph.jsoncheck import problems

from .base import Report, decode_utf8, report_value_error

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class YamlDocument:
    label: str  # the file as reports name it (never a local absolute path)
    data: Any
    node: yaml.Node | None
    raw: bytes

    def line(self, *path) -> int:
        """The line (1-based) of the field at ``path`` (keys and list positions): the line of its
        key in a mapping, of its item in a list, or of the deepest node that exists on the way."""
        node = self.node
        line = node.start_mark.line + 1 if node is not None else 1
        for part in path:
            child = None
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if key.value == str(part):
                        child, line = value, key.start_mark.line + 1
                        break
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
                child = node.value[part]
                line = child.start_mark.line + 1
            if child is None:
                break
            node = child
        return line

    def where(self, *path) -> str:
        return f"line {self.line(*path)}"

    def check(self, schema: dict, report: Report, *, path: tuple = (), owner: str = "") -> bool:
        """Report every mismatch between the value at ``path`` and ``schema`` (file and line);
        True when there is none."""
        value = self.data
        for part in path:
            value = value[part]
        found = problems(value, schema, prefix=path)
        for problem in found:
            report.error(self.label, self.where(*problem.path), f"{owner}{problem}")
        return not found


def load_document(path: Path, report: Report, label: str | None = None) -> YamlDocument | None:
    """The file as a :class:`YamlDocument`; None after a reported error (unreadable, not UTF-8,
    not YAML: the problem and its line, and the line where the construct it breaks began)."""
    label = label or path.name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        report.error(label, None, f"cannot read ({exc.strerror or exc})")
        return None
    text = decode_utf8(raw, label, report)
    if text is None:
        return None
    if not _without_aliases(text, label, report):
        return None
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        context = ""
        if exc.context and exc.context_mark and exc.problem_mark and exc.context_mark.line != exc.problem_mark.line:
            context = f" ({exc.context} at line {exc.context_mark.line + 1})"
        report.error(label, f"line {mark.line + 1}" if mark else None,
                     f"not valid YAML: {exc.problem or exc.context}{context}")
        return None
    except yaml.YAMLError as exc:
        report.error(label, None, f"not valid YAML: {exc}")
        return None
    except RecursionError:
        report.error(label, None, "not accepted: the YAML is nested too deeply to read")
        return None
    except ValueError as exc:  # int() of a number too long to convert, a date that does not exist
        report_value_error(text, exc, label, report)
        return None
    finally:
        loader.dispose()
    return YamlDocument(label, data, node, raw)


def _without_aliases(text: str, label: str, report: Report) -> bool:
    """False after reporting the first alias (the parser's events are cheap; syntax errors are
    left to the loader, which reports them with their context)."""
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.AliasEvent):
                report.error(label, f"line {event.start_mark.line + 1}",
                             f"YAML aliases (*{event.anchor}) are not accepted: they can make a small file "
                             f"expand without bound; write the values out")
                return False
    except yaml.YAMLError:
        pass
    return True


def load_with_lines(path: Path, report: Report, label: str | None = None):
    """``(data, {top-level key or position: line}, raw bytes)``; ``data`` is None after a reported error."""
    doc = load_document(path, report, label)
    if doc is None:
        return None, {}, b""
    lines = {}
    if isinstance(doc.node, yaml.MappingNode):
        lines = {str(key.value): key.start_mark.line + 1 for key, _ in doc.node.value}
    elif isinstance(doc.node, yaml.SequenceNode):
        lines = {index: item.start_mark.line + 1 for index, item in enumerate(doc.node.value)}
    return doc.data, lines, doc.raw
