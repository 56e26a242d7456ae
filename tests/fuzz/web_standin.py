"""TEMPORARY stand-in for the shared fuzz machinery of branch ``fuzzingest`` (tests/fuzz/mutations.py,
the Hypothesis profiles of tests/fuzz/conftest.py). Same names and signatures; deleted when that
branch is merged."""

from __future__ import annotations

import json
import os
from typing import Any, Mapping, Sequence

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

HUGE = 100_000
DEEP = 5_000

settings.register_profile("ci", max_examples=20, deadline=None, derandomize=True, database=None,
                          suppress_health_check=list(HealthCheck))
settings.register_profile("long", max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck))
settings.load_profile("long" if os.environ.get("MAARIFA_FUZZ_LONG") else "ci")

AWKWARD = ["", " ", "\x00", "a\x00b", "\u202e", "\ufeff", "null", "true", "-1", "9" * 40, "1e309", "<b>x</b>",
           "'", '"', "\\", "%", "%zz", "../x", "a:b", "http://", "#", "?", "&", "=", ";"]


def nasty_text(max_size: int = 40) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(AWKWARD), st.text(st.characters(exclude_categories=("Cs",)), max_size=max_size))


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), nasty_text())


def wrong_type_for(value: Any) -> st.SearchStrategy[Any]:
    return st.one_of(SCALARS, st.lists(SCALARS, max_size=3), st.dictionaries(nasty_text(10), SCALARS, max_size=3)
                     ).filter(lambda new: type(new) is not type(value))


def _paths(tree, path=()):
    yield path
    if isinstance(tree, dict):
        for k, v in tree.items():
            yield from _paths(v, path + (k,))
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            yield from _paths(v, path + (i,))


def _replace(tree, path, new):
    if not path:
        return new
    copy = dict(tree) if isinstance(tree, dict) else list(tree)
    if new is _REMOVED and len(path) == 1:
        del copy[path[0]]
        return copy
    copy[path[0]] = _replace(tree[path[0]], path[1:], new)
    return copy


_REMOVED = object()


@st.composite
def mutated_tree(draw, tree: Any, max_mutations: int = 3) -> Any:
    for _ in range(draw(st.integers(1, max_mutations))):
        path = draw(st.sampled_from(list(_paths(tree))))
        value = tree
        for part in path:
            value = value[part]
        action = draw(st.sampled_from(["wrong type", "huge", "deep", "nasty", "remove"] if path else
                                      ["wrong type", "huge", "deep", "nasty"]))
        new = {"wrong type": lambda: draw(wrong_type_for(value)), "huge": lambda: "x" * HUGE,
               "deep": lambda: _nested(value), "nasty": lambda: draw(nasty_text()), "remove": lambda: _REMOVED}[action]()
        tree = _replace(tree, path, new)
    return tree


def _nested(value):
    for _ in range(DEEP):
        value = [value]
    return value


def dump_json(tree: Any) -> str:
    import sys

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(DEEP * 4)
    try:
        return json.dumps(tree)
    finally:
        sys.setrecursionlimit(limit)


@st.composite
def mutated_fields(draw, fields: Mapping[str, str | Sequence[str]], max_mutations: int = 3) -> list[tuple[str, str]]:
    pairs = [(name, str(v)) for name, value in fields.items() for v in ([value] if isinstance(value, str) else value)]
    for _ in range(draw(st.integers(1, max_mutations))):
        action = draw(st.sampled_from(["add", "remove", "duplicate", "empty", "nasty", "huge", "number"]
                                      if pairs else ["add"]))
        if action == "add":
            pairs.append((draw(nasty_text(12)), draw(nasty_text())))
            continue
        i = draw(st.integers(0, len(pairs) - 1))
        name, value = pairs[i]
        if action == "remove":
            pairs = [p for p in pairs if p[0] != name]
        elif action == "duplicate":
            pairs.insert(i + 1, (name, draw(nasty_text())))
        elif action == "empty":
            pairs[i] = (name, "")
        elif action == "nasty":
            pairs[i] = (name, draw(nasty_text()))
        elif action == "huge":
            pairs[i] = (name, "9" * HUGE)
        else:
            pairs[i] = (name, draw(st.sampled_from(["0", "-1", "1.5", "1e309", "NaN", "9" * 400, "true", "[]"])))
    return pairs


def mutated_bytes(data: bytes) -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.integers(0, max(len(data) - 1, 0)).map(lambda at: data[:at]),
        st.just(data.decode("utf-8", "replace").encode("utf-16")),
        st.just(data + " café".encode("latin-1")),
        st.tuples(st.integers(0, len(data)), st.sampled_from([b"\x80", b"\xc3", b"\xff", b"\x00"])).map(
            lambda t: data[:t[0]] + t[1] + data[t[0]:]),
    )
