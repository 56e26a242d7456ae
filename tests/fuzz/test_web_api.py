"""Fuzz targets of the JSON API under /api (issue 13): every GET's query parameters and
headers, and the body of ``PATCH /api/people/{username}``, mutated from valid requests.
The property of each answer is :meth:`tests.fuzz.web_node.FuzzNode.call`'s."""

from __future__ import annotations

from urllib.parse import unquote

from hypothesis import strategies as st

from .web_inputs import bad_authorization, callers, headers, json_bodies, query_pairs, segment

PEERS = {"skill": "12", "level": "2", "status": ["known", "available"], "speaks": "sw", "min_proficiency": "2",
         "territory": "011", "org": "AM", "mentoring": "true", "verified": "false", "page": "1", "per_page": "20",
         "lang": "en"}
MENTORS = {"username": "pete", "skill": "11", "per_mentee": "3", "page": "1", "per_page": "20", "lang": "fr"}
FEDERATED = {"skill": "12", "level": "1", "status": "known"}
SKILLS_MAP = {"org": "AM", "territory": "KE", "format": "csv", "all_skills": "1", "lang": "en"}
#: a profile change that every part of the patch schema (ProfilePatch in web/peers_api.py) is in
PATCH = {"name": "Fred Francais", "email": "fred@example.org", "languages": {"fr": 5, "sw": 3},
         "territory": "FR", "organizations": ["AR"], "mentoring": False, "visibility": "public",
         "federation_consent": True,
         "add_claims": [{"skill": "36", "status": "known", "level": 1, "evidence": ["https://example.org/x"]}],
         "remove_claims": [{"skill": "12", "status": "wanted"}]}


def _get(node, path: str, fields: dict, *callers_: str):
    def send(example):
        caller, query, extra = example
        node.call("GET", path, caller=caller, query=query, headers=dict(extra))

    return st.tuples(callers(*callers_), query_pairs(fields), headers()), send


def test_api_peers(web_node):
    web_node.fuzz(["GET /api/peers"], *_get(web_node, "/api/peers", PEERS))


def test_api_mentors(web_node):
    web_node.fuzz(["GET /api/mentors"], *_get(web_node, "/api/mentors", MENTORS))


def test_api_federated_peers(web_node):
    web_node.fuzz(["GET /api/federation/peers"], *_get(web_node, "/api/federation/peers", FEDERATED))


def test_api_skills_map(web_node):
    web_node.fuzz(["GET /api/skills-map"], *_get(web_node, "/api/skills-map", SKILLS_MAP))


def test_api_documents_without_parameters(web_node):
    """The GETs that take no parameter: a query, odd headers or a token that proves nothing
    change nothing about them."""
    paths = ["/api/openapi.json", "/api/whoami", "/api/graphs"]

    def send(example):
        path, caller, query, extra, auth = example
        node_headers = {**extra, **(auth if caller == "anonymous" else {})}
        web_node.call("GET", path, caller=caller, query=query, headers=node_headers)

    web_node.fuzz(["GET /api/openapi.json", "GET /api/whoami", "GET /api/graphs"],
                  st.tuples(st.sampled_from(paths), callers(), query_pairs({"lang": "en"}), headers(),
                            st.one_of(st.just({}), bad_authorization())), send)


def test_api_person(web_node):
    def send(example):
        caller, username, query, extra = example
        web_node.call("GET", f"/api/people/{username}", caller=caller, query=query, headers=dict(extra),
                      values=[unquote(username)])

    web_node.fuzz(["GET /api/people/<username>"],
                  st.tuples(callers(), segment("pia", "mona", "priv", "fred"), query_pairs({"lang": "sw"}),
                            headers()), send)


def test_api_patch_person(web_node):
    def send(example):
        caller, username, body, extra = example
        web_node.call("PATCH", f"/api/people/{username}", caller=caller, data=body,
                      headers={"Content-Type": "application/json", **extra},
                      names=[*PATCH, "body", "json", "username"], values=[unquote(username)])

    web_node.fuzz(["PATCH /api/people/<username>"],
                  st.tuples(callers("self", "self", "admin", "member", "anonymous"), segment("fred", "fred", "pia"),
                            json_bodies(PATCH), headers(content_type=True)), send)
