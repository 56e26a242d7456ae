"""Reading a small YAML document with the line of each top-level entry, for located messages."""

from __future__ import annotations

from pathlib import Path

import yaml

from .base import Report, decode_utf8

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_with_lines(path: Path, report: Report, label: str | None = None):
    """``(data, {top-level key: line}, raw bytes)``; ``data`` is None after a reported error."""
    label = label or path.name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        report.error(label, None, f"cannot read ({exc.strerror or exc})")
        return None, {}, b""
    text = decode_utf8(raw, label, report)
    if text is None:
        return None, {}, raw
    try:
        node = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        report.error(label, f"line {mark.line + 1}" if mark else None, f"not valid YAML: {exc.problem or exc.context}")
        return None, {}, raw
    except yaml.YAMLError as exc:
        report.error(label, None, f"not valid YAML: {exc}")
        return None, {}, raw
    lines = {}
    if isinstance(node, yaml.MappingNode):
        for key, _ in node.value:
            lines[str(key.value)] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[index] = item.start_mark.line + 1
    return data, lines, raw
