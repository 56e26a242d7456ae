"""Hypothesis strategies for what a web request carries besides its body: query strings,
path segments and headers, each generated from valid values by the shared mutations
(tests/fuzz/mutations.py)."""

from __future__ import annotations

from typing import Mapping, Sequence
from urllib.parse import quote

from hypothesis import strategies as st

from .mutations import BAD_BYTES, dump_json, mutated_bytes, mutated_fields, mutated_tree, nasty_text
from .web_node import CALLERS


def callers(*only: str) -> st.SearchStrategy[str]:
    return st.sampled_from(only or CALLERS)


@st.composite
def query_pairs(draw, fields: Mapping[str, str | Sequence[str]]) -> list[tuple[str, str | bytes]]:
    """The query of a valid request (``fields``) mutated; sometimes one value becomes bytes
    that are not UTF-8 (the node reads a query string as UTF-8)."""
    pairs: list[tuple[str, str | bytes]] = list(draw(mutated_fields(fields)))
    if pairs and draw(st.booleans()):
        i = draw(st.integers(0, len(pairs) - 1))
        name, value = pairs[i]
        bad = draw(st.sampled_from(BAD_BYTES))
        at = draw(st.integers(0, len(value)))
        raw = value.encode("utf-8")
        pairs[i] = (name, raw[:at] + bad + raw[at:])
    return pairs


def segment(*valid: str) -> st.SearchStrategy[str]:
    """One path segment: a valid one (``valid``) or nasty text, percent-encoded as a client
    must (a ``/`` or ``?`` in it stays part of the segment)."""
    return st.one_of(st.sampled_from(valid), nasty_text(30)).map(lambda text: quote(text, safe="") or "%20")


def _header_text() -> st.SearchStrategy[str]:
    # what a WSGI server hands the app: the header's bytes read as Latin-1, without line breaks
    # (which end a header line and never reach a view)
    return nasty_text(60).map(lambda t: t.encode("utf-8").decode("latin-1").replace("\r", "").replace("\n", "")
                              .replace("\x00", ""))


ACCEPTS = ["application/json", "text/html", "text/turtle", "application/ld+json", "application/n-triples",
           "application/sparql-results+json", "application/sparql-results+xml", "text/csv", "image/png",
           "*/*", "", "garbage", "text/html;q=abc", "application/json;q=0", "text/*;q=2", ",,,", "a/b/c"]
LANGUAGES = ["en", "fr-CH, fr;q=0.9", "sw", "zz", "*", "en;q=x", "", "ar-EG;q=1.5", "x" * 300]
CONTENT_TYPES = ["application/json", "application/json; charset=latin-1", "application/json; charset=nope",
                 "text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
                 "multipart/form-data; boundary=", "application/sparql-query", "application/sparql-update",
                 "application/sparql-query; charset=utf-16", "", ";", "application/"]


def headers(*, content_type: bool = False) -> st.SearchStrategy[dict[str, str]]:
    """Accept and Accept-Language (and Content-Type when the request has a body) valid,
    odd or absent."""
    optional = {"Accept": st.one_of(st.sampled_from(ACCEPTS), _header_text()),
                "Accept-Language": st.one_of(st.sampled_from(LANGUAGES), _header_text())}
    if content_type:
        optional["Content-Type"] = st.one_of(st.sampled_from(CONTENT_TYPES), _header_text())
    return st.fixed_dictionaries({}, optional=optional)


AUTHORIZATIONS = ["Bearer", "Bearer ", "Bearer nope", "Basic dXNlcjpwYXNz", "bearer x", "Bearer \x7f",
                  "Bearer " + "a" * 5000, "Token x", ","]


def bad_authorization() -> st.SearchStrategy[dict[str, str]]:
    """An Authorization header that proves nothing (the caller is then named "anonymous")."""
    return st.one_of(st.sampled_from(AUTHORIZATIONS), _header_text()).map(lambda value: {"Authorization": value})


def json_bodies(valid) -> st.SearchStrategy[bytes]:
    """The JSON body ``valid`` mutated as a tree, or its text damaged as bytes, or as it is."""
    text = dump_json(valid).encode("utf-8")
    return st.one_of(mutated_tree(valid).map(lambda tree: dump_json(tree).encode("utf-8")), mutated_bytes(text),
                     st.just(text))
