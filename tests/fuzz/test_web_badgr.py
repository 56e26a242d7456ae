"""Fuzz targets of the Badgr-compatible API (issue 13): the ``/o/token`` form or JSON body, the
entity ids of every ``/v2/...`` GET, and the bodies of issuing, creating a badge class and
revoking, mutated from the requests Badgr clients send (web/openbadges.py, web/badgr_requests.py)."""

from __future__ import annotations

from urllib.parse import unquote

from hypothesis import strategies as st

from web.openbadges import ISSUER_ENTITY_ID

from .mutations import mutated_fields
from .web_inputs import bad_authorization, callers, headers, json_bodies, segment
from .web_node import BASE

ISSUERS = ("trainer", "admin", "trainer", "member", "anonymous")
ISSUE = {"recipient": {"identity": "pia@example.org", "type": "email", "hashed": False},
         "evidence": [{"url": "https://example.org/evidence", "narrative": "Led the budget session."}],
         "narrative": "Completed the module.", "issuedOn": "2026-01-01T00:00:00Z", "notify": False}
BADGE_CLASS = {"name": "Fuzzed budgets", "slug": "fuzzed-budgets", "description": "A badge class of the fuzzer.",
               "criteriaUrl": "https://example.org/criteria", "criteriaNarrative": "Attend.",
               "alignments": [{"targetUrl": f"{BASE}/id/skill/12", "targetName": "budgeting"}]}


def _names(valid) -> list[str]:
    """Every key and text of a valid body: a rejection must name one of them (or "body", "json")."""
    found, stack = ["body", "json"], [valid]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            found += value
            stack += value.values()
        elif isinstance(value, list):
            stack += value
        elif isinstance(value, str):
            found.append(value)
    return found


def test_badgr_token(web_node):
    valid = {"grant_type": "password", "username": "fuzz-trainer", "password": web_node.tokens["trainer"],
             "scope": "rw:issuer"}

    def send(example):
        as_json, fields, body = example
        if as_json:
            web_node.call("POST", "/o/token", data=body, headers={"Content-Type": "application/json"},
                          names=_names(valid))
        else:
            web_node.call("POST", "/o/token", data=_form(fields), names=[*valid, *(n for n, _ in fields)],
                          headers={"Content-Type": "application/x-www-form-urlencoded"},
                          values=[v for _, v in fields])

    web_node.fuzz(["POST /o/token"], st.tuples(st.booleans(), mutated_fields(valid), json_bodies(valid)), send)


def _form(fields) -> str:
    from urllib.parse import quote

    return "&".join(f"{quote(n, safe='')}={quote(v, safe='')}" for n, v in fields)


def test_badgr_reads(web_node):
    """Every GET of /v2 with each caller, an id that exists or any other, odd headers."""
    templates = ["/v2/issuers", "/v2/issuers/{issuer}", "/v2/issuers/{issuer}/badgeclasses",
                 "/v2/issuers/{issuer}/assertions", "/v2/badgeclasses", "/v2/badgeclasses/{badge}",
                 "/v2/badgeclasses/{badge}/assertions", "/v2/assertions/{award}"]
    awards = tuple(web_node.awards.values())

    def send(example):
        template, caller, issuer, badge, award, extra, auth = example
        path = template.format(issuer=issuer, badge=badge, award=award)
        web_node.call("GET", path, caller=caller, headers={**extra, **(auth if caller == "anonymous" else {})},
                      values=[unquote(issuer), unquote(badge), unquote(award)])

    web_node.fuzz(["GET /v2/issuers", "GET /v2/issuers/<entity_id>", "GET /v2/issuers/<entity_id>/badgeclasses",
                   "GET /v2/issuers/<entity_id>/assertions", "GET /v2/badgeclasses",
                   "GET /v2/badgeclasses/<entity_id>", "GET /v2/badgeclasses/<entity_id>/assertions",
                   "GET /v2/assertions/<entity_id>"],
                  st.tuples(st.sampled_from(templates), callers(*ISSUERS), segment(ISSUER_ENTITY_ID),
                            segment("budgets"), segment(*awards), headers(), st.one_of(st.just({}), bad_authorization())),
                  send, seeds=[(template, "trainer", ISSUER_ENTITY_ID, "budgets", awards[0], {}, {})
                               for template in templates])


def _post(node, route: str, template: str, valid, ids: st.SearchStrategy[str], method: str = "POST"):
    def send(example):
        caller, entity, body, extra = example
        node.call(method, template.format(entity), caller=caller, data=body,
                  headers={"Content-Type": "application/json", **extra}, names=_names(valid), values=[unquote(entity), *_names(valid)])

    node.fuzz([route], st.tuples(callers(*ISSUERS), ids, json_bodies(valid), headers(content_type=True)), send)


def test_badgr_issue(web_node):
    _post(web_node, "POST /v2/badgeclasses/<entity_id>/assertions", "/v2/badgeclasses/{}/assertions", ISSUE,
          segment("budgets"))


def test_badgr_create_badge_class(web_node):
    _post(web_node, "POST /v2/issuers/<entity_id>/badgeclasses", "/v2/issuers/{}/badgeclasses", BADGE_CLASS,
          segment(ISSUER_ENTITY_ID))


def test_badgr_revoke_one(web_node):
    _post(web_node, "DELETE /v2/assertions/<entity_id>", "/v2/assertions/{}", {"revocation_reason": "a mistake"},
          segment(web_node.awards["revoked"], web_node.awards["private"]), method="DELETE")


def test_badgr_revoke_many(web_node):
    valid = [{"entityId": web_node.awards["revoked"], "revocationReason": "a mistake"}]

    def send(example):
        caller, wrapped, body, extra = example
        if wrapped:  # Badgr also accepts the list under "assertions"
            body = b'{"assertions": ' + body + b"}"
        web_node.call("POST", "/v2/assertions/revoke", caller=caller, data=body,
                      headers={"Content-Type": "application/json", **extra},
                      names=[*_names(valid), "assertions"])

    web_node.fuzz(["POST /v2/assertions/revoke"],
                  st.tuples(callers(*ISSUERS), st.booleans(), json_bodies(valid), headers(content_type=True)), send)
