"""Checking JSON-like data (a request body, a YAML or JSON record) against a JSON Schema.

One helper for every caller that reads structured input from outside: the Badgr API's
request bodies (``web/badgr_requests.py``) and the importers' YAML and JSON records
(``ingest/``). It uses ``jsonschema`` (Draft 2020-12) and hands back *every* problem, each
with the path of the field it is about, so a caller can report them all at once (with a
line number, when it knows one) instead of stopping at the first.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator


@dataclass(frozen=True)
class Problem:
    """One mismatch: ``path`` leads to the field (keys and list positions), ``message`` says why."""

    path: tuple
    message: str

    @property
    def field(self) -> str:
        """The path as a person reads it: ``assertions[0].entityId``; empty for the whole value."""
        out = ""
        for part in self.path:
            out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
        return out

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


TYPE_NAMES = {"array": "a list", "object": "a mapping", "string": "a text", "integer": "a whole number",
              "number": "a number", "boolean": "true or false", "null": "empty"}


def _kind(value) -> str:
    """What a value is, in the words of :data:`TYPE_NAMES`."""
    for name, types in (("null", type(None)), ("boolean", bool), ("integer", int), ("number", float),
                        ("string", str), ("array", list), ("object", dict)):
        if isinstance(value, types):
            return TYPE_NAMES[name]
    return type(value).__name__


def _wrong_type(wanted: list, instance) -> str:
    names = list(dict.fromkeys(TYPE_NAMES.get(t, t) for t in wanted if t != "null"))
    shown = repr(instance) if len(repr(instance)) <= 40 else repr(instance)[:37] + "..."
    return f"must be {' or '.join(names)}, not {_kind(instance)} ({shown})"


def _types(schema: dict) -> list:
    wanted = schema.get("type", [])
    return wanted if isinstance(wanted, list) else [wanted]


def _problem(error, path: tuple) -> "Problem":
    if error.validator == "type":
        return Problem(path, _wrong_type(_types(error.schema), error.instance))
    if error.validator == "anyOf":
        # a branch of the right type that failed further in says more than "matches no branch"
        deeper = [e for e in error.context if e.validator != "type" or e.relative_path]
        if deeper:
            return _problem(deeper[0], path + tuple(deeper[0].relative_path))
        return Problem(path, _wrong_type([t for branch in error.validator_value for t in _types(branch)],
                                         error.instance))
    return Problem(path, error.message)


@lru_cache(maxsize=64)
def _validator(schema_json: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads(schema_json))


def problems(value: Any, schema: dict, *, prefix: tuple = ()) -> list[Problem]:
    """Every way ``value`` does not match ``schema``, in document order; ``[]`` when it matches.

    A missing required field is reported at the field's own path ("this field is required"),
    which is where a person looks for it."""
    validator = _validator(json.dumps(schema, sort_keys=True))
    out = []
    for error in validator.iter_errors(value):
        path = prefix + tuple(error.absolute_path)
        if error.validator == "required":  # one error per missing field: "'name' is a required property"
            missing = ast.literal_eval(error.message.removesuffix(" is a required property"))
            out.append(Problem(path + (missing,), "this field is required"))
        else:
            out.append(_problem(error, path))
    return sorted(out, key=lambda p: tuple(str(part) for part in p.path))
