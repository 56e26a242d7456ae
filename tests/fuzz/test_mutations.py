"""The mutation strategies damage what they say they damage (a fuzz suite whose inputs stay
valid would pass without testing anything)."""

from __future__ import annotations

import csv
import io
import json

import yaml
from hypothesis import given
from hypothesis import strategies as st

from .mutations import (DEEP, Pairs, dump_csv, dump_json, dump_yaml, mutated_bytes, mutated_fields,
                        mutated_rows, mutated_tree, nested, reencoded, truncated, wrong_type_for)

VALID = "name: Café\nslides:\n  - intro\n".encode("utf-8")
RECORD = {"slug": "intro", "name": {"en": "Intro", "es": "Introducción"}, "slides": ["a", "b"], "minutes": 10}


@given(truncated(VALID))
def test_truncation_is_shorter(data):
    assert len(data) < len(VALID) and VALID.startswith(data)


@given(reencoded(VALID))
def test_reencoding_is_not_the_utf8_a_reader_expects(data):
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    # still decodable: a BOM was added, or the text became one a UTF-8 reader misreads
    assert text.startswith("\ufeff") or text != VALID.decode("utf-8")


@given(mutated_bytes(VALID))
def test_byte_mutations_change_the_bytes(data):
    assert data != VALID


@given(st.sampled_from([1, "x", [1], {"a": 1}, None, True, 1.5]).flatmap(
    lambda v: st.tuples(st.just(v), wrong_type_for(v))))
def test_wrong_type_is_another_type_or_value(pair):
    original, wrong = pair
    assert type(wrong) is not type(original) or wrong != original


@given(mutated_tree(RECORD))
def test_tree_mutations_change_the_record(tree):
    assert tree != RECORD


def test_duplicated_field_is_written_twice():
    tree = Pairs((("slug", "a"), ("slug", 5)))
    assert dump_json(tree) == '{"slug":"a","slug":5}'
    assert dump_yaml(tree) == '"slug": "a"\n"slug": 5\n'
    assert json.loads(dump_json(tree)) == {"slug": 5}  # what Python's reader makes of it


def test_deep_nesting_passes_the_recursion_limit_of_readers():
    text = dump_json(nested(1, DEEP))
    assert text.startswith("[" * DEEP)
    try:
        json.loads(text)
    except RecursionError:
        pass
    else:
        raise AssertionError("json.loads read DEEP levels: DEEP no longer tests deep nesting")


def test_yaml_dump_reads_back():
    assert yaml.safe_load(dump_yaml(RECORD)) == RECORD


@given(mutated_rows([["username", "name"], ["ada", "Ada"], ["bo", "Bo"]]))
def test_table_mutations_change_the_table(rows):
    assert rows != [["username", "name"], ["ada", "Ada"], ["bo", "Bo"]]
    list(csv.reader(io.StringIO(dump_csv(rows))))  # the CSV writer could write it


@given(mutated_fields({"q": "sparql", "page": "2", "type": ["a", "b"]}))
def test_field_mutations_change_the_fields(pairs):
    assert pairs != [("q", "sparql"), ("page", "2"), ("type", "a"), ("type", "b")]
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in pairs)


def test_a_mutation_deep_inside_a_deep_nest_is_made():
    """A second mutation may land DEEP levels down, inside what a first one nested: replacing
    or removing a value there once overflowed the recursion of ``_replace_at``."""
    from .mutations import _remove_at, _replace_at

    tree = {"name": nested("x", DEEP)}
    bottom = ("name", *[0] * DEEP)
    changed = _replace_at(tree, bottom, lambda _: 7)
    assert changed["name"] is not tree["name"] and "x" in dump_json(tree) and dump_json(changed).count("7") == 1
    assert dump_json(_remove_at(tree, bottom)).count("[]") == 1
