"""Fuzz targets of every POST of the web UI (issue 13): login, logout, the trainer's issue and
revoke forms, the admin's account form, each sent from a browser session of each role with its
fields (CSRF token included) mutated; and the SPARQL endpoint's POST bodies (query, update,
form-encoded, with odd Content-Types and charsets) and its CORS preflight."""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import strategies as st

from .mutations import mutated_bytes, mutated_fields
from .web_inputs import callers, headers
from .web_node import PASSWORD


def _form_body(fields) -> str:
    return "&".join(f"{quote(n, safe='')}={quote(v, safe='')}" for n, v in fields)


def _form(node, route: str, path: str, valid: dict, *who: str, fresh: bool = False):
    """``valid`` (a form's fields without its CSRF token, which each caller's session adds)
    mutated, posted by each of ``who``."""
    def send(example):
        caller, mutate = example
        client, csrf = node.browser(caller, fresh=fresh)
        fields = mutate({**valid, "csrf_token": csrf})
        node.call("POST", path, caller=caller, client=client, data=_form_body(fields),
                  headers={"Content-Type": "application/x-www-form-urlencoded"},
                  names=[*valid, "csrf_token", "csrf", *(n for n, _ in fields if len(n) >= 3)],
                  values=[v for _, v in fields])

    @st.composite
    def example(draw):
        caller = draw(callers(*who))
        return caller, lambda fields: draw(mutated_fields(fields))

    node.fuzz([route], example(), send)


def test_login_form(web_node):
    _form(web_node, "POST /login", "/login", {"username": "fuzz-member", "password": PASSWORD, "next": "/peers"},
          "anonymous")


def test_logout_form(web_node):
    _form(web_node, "POST /logout", "/logout", {}, *callers_with_sessions(), fresh=True)


def test_trainer_issue_form(web_node):
    _form(web_node, "POST /trainer/issue", "/trainer/issue",
          {"badge": "budgets", "username": "pia", "evidence": "https://example.org/e", "narrative": "Attended."},
          "trainer", "admin", "member", "anonymous")


def test_trainer_revoke_form(web_node):
    _form(web_node, "POST /trainer/revoke", "/trainer/revoke",
          {"award": web_node.awards["revoked"], "reason": "issued by mistake"}, "trainer", "admin", "member")


def test_admin_account_form(web_node):
    _form(web_node, "POST /admin/accounts", "/admin/accounts",
          {"username": "fuzz-new", "role": "member", "password": PASSWORD}, "admin", "trainer", "anonymous")


def callers_with_sessions() -> tuple[str, ...]:
    return ("member", "trainer", "admin", "self")


SPARQL_QUERY = "SELECT ?s WHERE { ?s a <https://w3id.org/maarifa/ns#Training> } LIMIT 2"
SPARQL_UPDATE = "INSERT DATA { GRAPH <urn:fuzz:g> { <urn:fuzz:s> <urn:fuzz:p> 1 } }"


def test_sparql_post(web_node):
    """Direct and form-encoded queries and updates (updates need an admin token), their bytes
    damaged, with each Content-Type and charset; and the CORS preflight."""
    kinds = {"query": ("application/sparql-query", SPARQL_QUERY), "update": ("application/sparql-update", SPARQL_UPDATE)}

    def send(example):
        method, caller, kind, form, fields, body, extra = example
        if method == "OPTIONS":
            web_node.call("OPTIONS", "/sparql", headers={"Origin": "http://example.org",
                                                         "Access-Control-Request-Method": "POST", **extra})
            return
        mimetype, _ = kinds[kind]
        if form:
            data, content_type = _form_body(fields).encode("ascii"), "application/x-www-form-urlencoded"
        else:
            data, content_type = body, mimetype
        web_node.call("POST", "/sparql", caller=caller, data=data, headers={"Content-Type": content_type, **extra},
                      names=["query", "update", "default-graph-uri", "named-graph-uri", "using-graph-uri",
                             "charset", "content-type", "body", *(n for n, _ in fields if len(n) >= 3)],
                      values=[v for _, v in fields])

    @st.composite
    def example(draw):
        kind = draw(st.sampled_from(sorted(kinds)))
        text = kinds[kind][1]
        fields = draw(mutated_fields({kind: text, "default-graph-uri" if kind == "query" else "using-graph-uri":
                                      "urn:fuzz:g"}))
        body = draw(st.one_of(st.just(text.encode()), mutated_bytes(text.encode())))
        return (draw(st.sampled_from(["POST", "POST", "POST", "OPTIONS"])), draw(callers("anonymous", "member", "admin")),
                kind, draw(st.booleans()), fields, body, draw(headers(content_type=True)))

    web_node.fuzz(["POST /sparql", "OPTIONS /sparql"], example(), send,
                  seeds=[("OPTIONS", "anonymous", "query", False, [], b"", {})])
