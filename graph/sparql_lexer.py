"""The tokens of a SPARQL query, as SPARQL 1.1 Query section 19.8 defines its terminals.

What the endpoint must know before running a query (its form, the variables of ``SELECT *``,
whether it names its own dataset) is decided by the first tokens after the prologue and by
which keywords occur: a lexer answers that exactly, where rdflib's full parse costs ~10 ms of
the web process's GIL per request (it halved ``/sparql`` throughput; bench/RESULTS.md).
IRIs, strings, prefixed names and comments are single tokens, so a ``#`` inside
``<http://www.w3.org/2004/02/skos/core#>`` or a ``{`` inside a string is never mistaken
for a comment or a brace. The engine's parser stays the authority on whether the query is
valid; the SERVICE allow-list still parses with rdflib (sparql_guard.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PN_CHARS = r"\-\w\u00B7\u0300-\u036F\u203F\u2040"
TOKEN = re.compile(
    r"""(?P<ws>\s+)
    | (?P<comment>\#[^\n\r]*)
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<string>'''(?:(?:'|'')?(?:[^'\\]|\\.))*'''
               | \"\"\"(?:(?:"|"")?(?:[^"\\]|\\.))*\"\"\"
               | '(?:[^'\\\n\r]|\\.)*'
               | "(?:[^"\\\n\r]|\\.)*")
    | (?P<var>[?$][""" + _PN_CHARS + r"""]+)
    | (?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
    | (?P<pname>(?:[A-Za-z_\u00C0-\uFFFF][""" + _PN_CHARS + r""".]*)?:(?:[""" + _PN_CHARS + r""":%]|\\.|\.(?=[""" + _PN_CHARS + r""":%]))*)
    | (?P<word>[A-Za-z_][\w]*)
    | (?P<other>.)""",
    re.VERBOSE | re.DOTALL)


@dataclass(frozen=True)
class Token:
    kind: str  # iri | string | var | langtag | pname | word | other
    text: str

    def is_keyword(self, *words: str) -> bool:
        return self.kind == "word" and self.text.upper() in words


def tokens(sparql: str) -> list[Token]:
    """The tokens of a query, without whitespace and comments."""
    return [Token(m.lastgroup, m.group()) for m in TOKEN.finditer(sparql) if m.lastgroup not in ("ws", "comment")]


@dataclass(frozen=True)
class QueryShape:
    form: str | None  # SELECT | ASK | CONSTRUCT | DESCRIBE, or None when the text does not say
    star_variables: tuple[str, ...] | None  # SELECT *: variables in order of first appearance
    names_dataset: bool  # FROM / FROM NAMED (a keyword that occurs nowhere else in a query)
    light: bool = False  # its pattern is at most one triple pattern (see single_pattern)


def query_shape(sparql: str) -> QueryShape:
    found = tokens(sparql)
    position = 0
    # the prologue: BASE <iri> and PREFIX p: <iri>, in any number and order (grammar rule [4])
    while position < len(found) and found[position].is_keyword("BASE", "PREFIX"):
        position += 3 if found[position].is_keyword("PREFIX") else 2
    form = found[position].text.upper() if position < len(found) and found[position].is_keyword(
        "SELECT", "ASK", "CONSTRUCT", "DESCRIBE") else None
    star = None
    if form == "SELECT":
        rest = found[position + 1:]
        while rest and rest[0].is_keyword("DISTINCT", "REDUCED"):
            rest = rest[1:]
        if rest and rest[0].text == "*":
            star = tuple(dict.fromkeys(t.text[1:] for t in rest if t.kind == "var"))
    return QueryShape(form, star, any(t.is_keyword("FROM") for t in found),
                      light=form in ("SELECT", "ASK") and single_pattern(found))


# inside a group, outside parentheses: what joins a second triple pattern to the first
# (. ; , and a blank node's [ ], SPARQL 1.1 Query 4.2) or makes a property path (9.1)
_BEYOND_ONE_TRIPLE = {".", ";", ",", "[", "/", "|", "^", "*", "+", "?", "!"}


def single_pattern(found: list[Token]) -> bool:
    """Whether a query's WHERE clause is at most one plain triple pattern (with FILTER, BIND):
    its work is one scan of the data, at most, whatever the data. Conservative: one group
    only (a second ``{`` can be a join, UNION, OPTIONAL, EXISTS, subquery, GRAPH or VALUES),
    no separator of a second triple and no property path; a numeric object with a decimal
    point counts as "more" too. Used to admit the query to the fast lane (sparql_pool.py)."""
    if sum(1 for t in found if t.kind == "other" and t.text == "{") != 1:
        return False
    opened = next(i for i, t in enumerate(found) if t.kind == "other" and t.text == "{")
    depth = 0  # of parentheses, where FILTER and BIND put their expressions
    group = found[opened + 1:]
    for position, token in enumerate(group):
        if token.kind != "other":
            continue
        if token.text == "(":
            depth += 1
        elif token.text == ")":
            depth -= 1
        elif token.text == "}":
            return depth == 0
        elif depth == 0 and token.text in _BEYOND_ONE_TRIPLE:
            trailing = token.text == "." and position + 1 < len(group) and group[position + 1].text == "}"
            if not trailing:
                return False
    return False
