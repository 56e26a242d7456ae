"""Hypothesis strategies that turn a *valid* input into a plausible broken one (issue 13).

Every fuzz target starts from a real, valid input (``demo/data``, ``tests/fixtures``, a
request body that works) and asks one of these strategies for a damaged copy. Damage comes
at three levels, so a target can pick the one its input is read at:

- **bytes** (:func:`mutated_bytes`): truncation, wrong encodings (Latin-1, UTF-16 with and
  without a BOM, a UTF-8 BOM, invalid UTF-8, NUL bytes), edits of single bytes, a huge run
  spliced in;
- **trees** of JSON-like values (:func:`mutated_tree`, then :func:`dump_json` or
  :func:`dump_yaml`): a field removed, duplicated (dumped as the same key twice, which a
  Python dict cannot hold: see :class:`Pairs`), given a value of another type or a huge value,
  wrapped in deep nesting;
- **tables** (:func:`mutated_rows`, then :func:`dump_csv`) and **form fields**
  (:func:`mutated_fields`, a list of ``(name, value)`` pairs for a query string or a form):
  missing, duplicated and extra columns or fields, cells of the wrong kind.

:func:`nasty_text` and :func:`wrong_type_for` are the building blocks, usable alone. The
strategies are pure: they never touch files, stores or the network, so both halves of the
suite (importers, web) share them. Sizes are bounded (:data:`HUGE`) so that one example stays
cheap even in the long profile.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Sequence

from hypothesis import strategies as st

#: how long a "huge" value is: big enough to pass any sane field limit, small enough that a
#: thousand examples still run in seconds (byte limits of their own are tested in tests/security)
HUGE = 100_000
#: nesting deeper than Python's default recursion limit (1000), and than most parsers follow
DEEP = 5_000


# -- values -----------------------------------------------------------------------------------

#: texts that have broken parsers and validators before: empty and blank, markup, quoting,
#: control characters, right-to-left and combining marks, look-alikes of numbers and booleans
AWKWARD_TEXTS = [
    "", " ", "\t", "\n", "\r\n", "\x00", "a\x00b", "\x1b[31m", "\u200b", "\u202e", "\ufeff",
    "e\u0301", "\U0001F600", "ﷺ", "null", "None", "true", "yes", "no", "~", "NaN", "-0", "1e309",
    "0x1F", "9" * 40, "-1", "00", "<b>x</b>", "<!ENTITY x 'y'>", "&amp;", "]]>", "'", '"', "\\",
    "${x}", "{{x}}", "%s%n", "'; DROP TABLE x; --", "../../etc/passwd", "C:\\x", "http://", "urn:",
    "http://example.org/a b", "mailto:", "#", "a:b:c", "a;b;;c", ",", ";", ":", "- x", "? x", "*x",
    "&x", "!!python/object:os.system", "---", "...", "%YAML 1.1", "@context", "_:b0", "<>",
]


def nasty_text(max_size: int = 40) -> st.SearchStrategy[str]:
    """Texts likely to upset a reader: :data:`AWKWARD_TEXTS`, any Unicode (surrogates
    excluded: they cannot be encoded at all) and, rarely, a huge one."""
    return st.one_of(
        st.sampled_from(AWKWARD_TEXTS),
        st.text(st.characters(exclude_categories=("Cs",)), max_size=max_size),
        st.sampled_from("ax9é中\u202e\x00").map(lambda c: c * HUGE),
    )


def huge_values() -> st.SearchStrategy[Any]:
    """Values past any reasonable size: long texts, big and tiny numbers, long lists, wide maps."""
    return st.one_of(
        st.just("x" * HUGE),
        st.just(10 ** 4000),
        st.just(-(10 ** 4000)),
        st.sampled_from([1e308, -1e308, 5e-324, math.inf, -math.inf]),
        st.just(["x"] * (HUGE // 10)),
        st.just({f"k{i}": i for i in range(HUGE // 100)}),
    )


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), nasty_text())


def wrong_type_for(value: Any) -> st.SearchStrategy[Any]:
    """A value of another JSON type than ``value`` (a text where a list was, a map where a
    number was, ...); numbers given as texts and texts that look like numbers included."""
    candidates = [
        st.none(), st.booleans(), st.integers(min_value=-(2 ** 70), max_value=2 ** 70),
        st.floats(allow_nan=False), nasty_text(), st.lists(SCALARS, max_size=3),
        st.dictionaries(nasty_text(10), SCALARS, max_size=3),
    ]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        candidates.append(st.just(str(value)))
    if isinstance(value, str) and value:
        candidates += [st.just([value]), st.just({value: value})]
    return st.one_of(candidates).filter(lambda new: type(new) is not type(value) or new != value)


def nested(value: Any, depth: int, kind: str = "list") -> Any:
    """``value`` inside ``depth`` lists (or single-key maps): built without recursion."""
    for _ in range(depth):
        value = [value] if kind == "list" else {"x": value}
    return value


# -- bytes ------------------------------------------------------------------------------------

def _utf16(data: bytes) -> bytes:
    return data.decode("utf-8", "replace").encode("utf-16")  # with a BOM


def _utf16_le_without_bom(data: bytes) -> bytes:
    return data.decode("utf-8", "replace").encode("utf-16-le")


def _latin1(data: bytes) -> bytes:
    # characters Latin-1 cannot hold become '?'; the rest become single bytes, invalid UTF-8
    # wherever the text had an accent (and the text gets one if it has none)
    return (data.decode("utf-8", "replace") + " café").encode("latin-1", "replace")


def _utf8_bom(data: bytes) -> bytes:
    return b"\xef\xbb\xbf" + data


def _double_bom(data: bytes) -> bytes:
    return b"\xef\xbb\xbf\xef\xbb\xbf" + data


ENCODINGS: dict[str, Callable[[bytes], bytes]] = {
    "latin-1": _latin1,
    "utf-16": _utf16,
    "utf-16-le without BOM": _utf16_le_without_bom,
    "utf-8 BOM": _utf8_bom,
    "two utf-8 BOMs": _double_bom,
}

#: byte sequences that are never valid UTF-8 (a lone continuation byte, a truncated sequence,
#: an overlong form, an encoded surrogate, bytes UTF-8 never uses), and NUL
BAD_BYTES = [b"\x80", b"\xc3", b"\xc3\x28", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xfe", b"\xff",
             b"\x00", b"\x00" * 8]


def reencoded(data: bytes) -> st.SearchStrategy[bytes]:
    """``data`` (UTF-8) written in another encoding than the one its reader expects."""
    return st.sampled_from(sorted(ENCODINGS)).map(lambda name: ENCODINGS[name](data))


def truncated(data: bytes) -> st.SearchStrategy[bytes]:
    """``data`` cut short anywhere (also to nothing, also in the middle of a UTF-8 sequence)."""
    return st.integers(min_value=0, max_value=max(len(data) - 1, 0)).map(lambda at: data[:at])


@st.composite
def byte_edits(draw, data: bytes, max_edits: int = 4) -> bytes:
    """``data`` with a few bytes inserted, deleted or replaced: invalid UTF-8, NUL, or any byte."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, max_edits))):
        at = draw(st.integers(0, len(out)))
        action = draw(st.sampled_from(["insert", "delete", "replace"]))
        chunk = draw(st.one_of(st.sampled_from(BAD_BYTES), st.binary(min_size=1, max_size=4)))
        if action == "insert" or not out:
            out[at:at] = chunk
        elif action == "delete":
            out[at:at + len(chunk)] = b""
        else:
            out[at:at + len(chunk)] = chunk
    return bytes(out)


@st.composite
def huge_splice(draw, data: bytes) -> bytes:
    """``data`` with a huge run of one byte (a digit, a letter, a quote, a space) spliced in."""
    at = draw(st.integers(0, len(data)))
    fill = draw(st.sampled_from([b"9", b"a", b'"', b" ", b"[", b"<"]))
    return data[:at] + fill * HUGE + data[at:]


def mutated_bytes(data: bytes) -> st.SearchStrategy[bytes]:
    """Any one of the byte-level damages above."""
    return st.one_of(truncated(data), reencoded(data), byte_edits(data), huge_splice(data))


# -- trees (JSON-like values) ------------------------------------------------------------------

@dataclass(frozen=True)
class Pairs:
    """A mapping that may hold the same key twice, in order: how a duplicated field is
    written (``{"a": 1, "a": 2}`` in JSON, two ``a:`` lines in YAML). Readers differ on which
    one wins, or refuse the document; both must be handled."""

    items: tuple[tuple[Any, Any], ...]


Path = tuple  # keys and list positions from the root to a value


def paths(tree: Any, limit: int = 2_000, depth: int = 100) -> list[Path]:
    """Every path in ``tree`` (the root is ``()``), breadth first, at most ``limit``, none
    longer than ``depth`` (a mutation copies the containers on its path, recursively)."""
    found: list[Path] = []
    queue: list[tuple[Path, Any]] = [((), tree)]
    while queue and len(found) < limit:
        path, value = queue.pop(0)
        found.append(path)
        if len(path) >= depth:
            continue
        if isinstance(value, dict):
            queue += [(path + (k,), v) for k, v in value.items()]
        elif isinstance(value, list):
            queue += [(path + (i,), v) for i, v in enumerate(value)]
    return found


def get_at(tree: Any, path: Path) -> Any:
    for part in path:
        tree = tree[part]
    return tree


def _replace_at(tree: Any, path: Path, change: Callable[[Any], Any]) -> Any:
    """A copy of ``tree`` with the value at ``path`` replaced by ``change(value)`` (copies only
    the containers on the way, so mutating a big tree stays cheap). A loop, not recursion: a
    path may lead DEEP levels down, into what an earlier mutation nested."""
    on_the_way = []
    for part in path:
        on_the_way.append(tree)
        tree = tree[part]
    value = change(tree)
    for container, part in zip(reversed(on_the_way), reversed(path)):
        copy = dict(container) if isinstance(container, dict) else list(container)
        copy[part] = value
        value = copy
    return value


def _remove_at(tree: Any, path: Path) -> Any:
    """A copy of ``tree`` without the value at ``path`` (not the root)."""
    parent, key = path[:-1], path[-1]
    if isinstance(get_at(tree, parent), dict):
        return _replace_at(tree, parent, lambda d: {k: v for k, v in d.items() if k != key})
    return _replace_at(tree, parent, lambda items: items[:key] + items[key + 1:])


@st.composite
def tree_mutation(draw, tree: Any) -> Any:
    """``tree`` with one change at one path: removed, duplicated, of a wrong type, huge,
    deeply nested, or (in a mapping) a key renamed to something unexpected."""
    path = draw(st.sampled_from(paths(tree)))
    value = get_at(tree, path)
    actions = ["wrong type", "huge", "deep", "nasty text"]
    if path:
        actions += ["remove", "duplicate"]
    if isinstance(value, dict) and value:
        actions += ["rename key", "add key"]
    if isinstance(value, list) and value:
        actions += ["empty", "repeat item"]
    action = draw(st.sampled_from(actions))
    if action == "wrong type":
        return _replace_at(tree, path, lambda _: draw(wrong_type_for(value)))
    if action == "huge":
        return _replace_at(tree, path, lambda _: draw(huge_values()))
    if action == "deep":
        kind = draw(st.sampled_from(["list", "map"]))
        return _replace_at(tree, path, lambda v: nested(v, DEEP, kind))
    if action == "nasty text":
        return _replace_at(tree, path, lambda _: draw(nasty_text()))
    if action == "remove":
        return _remove_at(tree, path)
    if action == "duplicate":
        parent, key = path[:-1], path[-1]
        other = draw(st.one_of(st.just(value), wrong_type_for(value)))
        if isinstance(get_at(tree, parent), dict):
            return _replace_at(tree, parent, lambda d: Pairs(tuple(d.items()) + ((key, other),)))
        return _replace_at(tree, parent, lambda items: items[:key + 1] + [other] + items[key + 1:])
    if action == "rename key":
        old = draw(st.sampled_from(sorted(value, key=str)))
        new = draw(st.one_of(nasty_text(12), st.just(str(old).upper()), st.just(f"{old}_")))
        return _replace_at(tree, path, lambda d: {(new if k == old else k): v for k, v in d.items()})
    if action == "add key":
        key, extra = draw(nasty_text(12)), draw(SCALARS)
        return _replace_at(tree, path, lambda d: {**d, key: extra})
    if action == "empty":
        return _replace_at(tree, path, lambda _: [])
    # "repeat item"
    index = draw(st.integers(0, len(value) - 1))
    return _replace_at(tree, path, lambda items: items + [items[index]])


@st.composite
def mutated_tree(draw, tree: Any, max_mutations: int = 3) -> Any:
    """``tree`` after one to ``max_mutations`` :func:`tree_mutation` steps (a later step may
    land inside what an earlier one made, except inside a :class:`Pairs`)."""
    for _ in range(draw(st.integers(1, max_mutations))):
        if _holds_pairs(tree):
            break
        tree = draw(tree_mutation(tree))
    return tree


def _holds_pairs(tree: Any) -> bool:
    stack = [tree]
    while stack:
        value = stack.pop()
        if isinstance(value, Pairs):
            return True
        if isinstance(value, dict):
            stack += value.values()
        elif isinstance(value, list):
            stack += value
    return False


def dump_json(tree: Any) -> str:
    """``tree`` as JSON text; a :class:`Pairs` keeps its duplicate keys, deep nesting and
    infinities are written as they are (``Infinity`` is what Python's json writes)."""
    out: list[str] = []
    # an explicit stack, not recursion: trees may be DEEP levels deep
    stack: list[Any] = [tree]
    while stack:
        item = stack.pop()
        if isinstance(item, _Raw):
            out.append(item.text)
        elif isinstance(item, Pairs) or isinstance(item, dict):
            items = item.items if isinstance(item, Pairs) else tuple(item.items())
            parts: list[Any] = [_Raw("{")]
            for n, (k, v) in enumerate(items):
                parts += [_Raw(("," if n else "") + json.dumps(str(k)) + ":"), v]
            parts.append(_Raw("}"))
            stack += reversed(parts)
        elif isinstance(item, list):
            parts = [_Raw("[")]
            for n, v in enumerate(item):
                parts += ([_Raw(",")] if n else []) + [v]
            parts.append(_Raw("]"))
            stack += reversed(parts)
        else:
            out.append(json.dumps(item, default=str))  # a YAML date is written as its text
    return "".join(out)


@dataclass(frozen=True)
class _Raw:
    text: str


def dump_yaml(tree: Any) -> str:
    """``tree`` as YAML: block style at the top, flow style (JSON, which YAML 1.2 reads) for
    every value below the first level, so a :class:`Pairs` and deep nesting survive."""
    if isinstance(tree, (dict, Pairs)):
        items = tree.items if isinstance(tree, Pairs) else tuple(tree.items())
        if not items:
            return "{}\n"
        return "".join(f"{json.dumps(str(k))}: {dump_json(v)}\n" for k, v in items)
    if isinstance(tree, list):
        if not tree:
            return "[]\n"
        return "".join(f"- {dump_json(v)}\n" for v in tree)
    return dump_json(tree) + "\n"


# -- tables and form fields --------------------------------------------------------------------

@st.composite
def mutated_rows(draw, rows: Sequence[Sequence[str]], max_mutations: int = 3) -> list[list[str]]:
    """A table (header first) with cells, rows or columns damaged: a cell of nasty or huge
    text, a row short of cells or with extra ones, a column dropped or duplicated (header
    included), a row repeated, the header gone."""
    table = [list(r) for r in rows]
    for _ in range(draw(st.integers(1, max_mutations))):
        if not table:
            break
        r = draw(st.integers(0, len(table) - 1))
        action = draw(st.sampled_from(["cell", "huge cell", "short row", "long row", "drop column",
                                       "duplicate column", "repeat row", "drop header", "blank row"]))
        width = max(len(table[r]), 1)
        c = draw(st.integers(0, width - 1))
        if action == "cell" and table[r]:
            table[r][c] = draw(nasty_text())
        elif action == "huge cell" and table[r]:
            table[r][c] = draw(st.sampled_from(["9", "a", ";", ":"])) * HUGE
        elif action == "short row":
            table[r] = table[r][:c]
        elif action == "long row":
            table[r] = table[r] + draw(st.lists(nasty_text(10), min_size=1, max_size=3))
        elif action == "drop column":
            table = [row[:c] + row[c + 1:] for row in table]
        elif action == "duplicate column":
            table = [row[:c + 1] + row[c:c + 1] + row[c + 1:] for row in table]
        elif action == "repeat row":
            table.insert(r, list(table[r]))
        elif action == "drop header":
            table = table[1:]
        else:
            table.insert(r, [])
    return table


def dump_csv(rows: Iterable[Sequence[str]]) -> str:
    """Rows as CSV text (the csv module's quoting; NUL and line breaks inside cells kept)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow(row)
    return buffer.getvalue()


@st.composite
def mutated_fields(draw, fields: Mapping[str, str | Sequence[str]], max_mutations: int = 3) -> list[tuple[str, str]]:
    """Form or query-string fields (name -> value, or name -> values) as ``(name, value)``
    pairs with some damaged: a field missing, given twice with different values, empty, of
    nasty, huge or wrong-kind text (a list's ``[]`` name, a number, a boolean word), or an
    unknown field added."""
    pairs = [(name, str(v)) for name, value in fields.items()
             for v in ([value] if isinstance(value, str) else value)]
    for _ in range(draw(st.integers(1, max_mutations))):
        actions = ["add unknown"] + (["remove", "duplicate", "empty", "nasty", "huge", "number", "bracket name"]
                                     if pairs else [])
        action = draw(st.sampled_from(actions))
        if action == "add unknown":
            pairs.append((draw(nasty_text(12)), draw(nasty_text())))
            continue
        i = draw(st.integers(0, len(pairs) - 1))
        name, value = pairs[i]
        if action == "remove":
            pairs = [p for p in pairs if p[0] != name]
        elif action == "duplicate":
            pairs.insert(i + 1, (name, draw(st.one_of(st.just(value), nasty_text()))))
        elif action == "empty":
            pairs[i] = (name, "")
        elif action == "nasty":
            pairs[i] = (name, draw(nasty_text()))
        elif action == "huge":
            pairs[i] = (name, draw(st.sampled_from(["9", "a", "%", "\u202e"])) * HUGE)
        elif action == "number":
            pairs[i] = (name, draw(st.sampled_from(["0", "-1", "1.5", "1e309", "NaN", "9" * 400, "true", "[]"])))
        else:
            pairs[i] = (name + "[]", value)
    return pairs


# -- whole documents ----------------------------------------------------------------------------

def _csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"))))


def mutated_document(data: bytes, syntax: str) -> st.SearchStrategy[bytes]:
    """A valid UTF-8 document damaged at the level its reader works at, or at the byte level:
    ``syntax`` is ``"json"`` or ``"yaml"`` (tree mutations, written back as that syntax),
    ``"csv"`` (table mutations), or anything else (bytes only: XML, RDF, ...)."""
    import yaml

    bytes_level = mutated_bytes(data)
    if syntax == "json":
        tree = mutated_tree(json.loads(data)).map(lambda t: dump_json(t).encode("utf-8"))
    elif syntax == "yaml":
        tree = mutated_tree(yaml.safe_load(data)).map(lambda t: dump_yaml(t).encode("utf-8"))
    elif syntax == "csv":
        tree = mutated_rows(_csv_rows(data)).map(lambda rows: dump_csv(rows).encode("utf-8"))
    else:
        return bytes_level
    return st.one_of(tree, bytes_level)
