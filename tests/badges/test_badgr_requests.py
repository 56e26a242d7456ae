"""Malformed bodies on every Badgr route answer HTTP 400 naming the field, never 500, and
change nothing (issue 11, item 6). Flask's test client, no socket."""

from __future__ import annotations

import pytest

from ..conftest import snapshot
from .test_web import Node, bearer

AWARD = "{award}"  # replaced by a live award's id

CASES = [
    # (method, path, raw body, a field the message must name)
    ("POST", "/v2/assertions/revoke", b"not json", "not valid JSON"),
    ("POST", "/v2/assertions/revoke", b"\xff\xfe", "not valid JSON"),
    ("POST", "/v2/assertions/revoke", b"", "a JSON body is required"),
    ("POST", "/v2/assertions/revoke", b"5", "body: must be a list, not a whole number (5)"),
    ("POST", "/v2/assertions/revoke", b'"x"', "body: must be a list, not a text ('x')"),
    ("POST", "/v2/assertions/revoke", b"null", "body: must be a list, not empty (None)"),
    ("POST", "/v2/assertions/revoke", b"[]", "should be non-empty"),
    ("POST", "/v2/assertions/revoke", b"[[1]]", "[0]: must be a mapping, not a list ([1])"),
    ("POST", "/v2/assertions/revoke", b"{}", "assertions"),
    ("POST", "/v2/assertions/revoke", b'{"assertions": 5}', "assertions: must be a list, not a whole number (5)"),
    ("POST", "/v2/assertions/revoke", b'[{"revocationReason": "x"}]', "[0].entityId: this field is required"),
    ("POST", "/v2/assertions/revoke", b'[{"entityId": 5}]', "[0].entityId: must be a text, not a whole number (5)"),
    ("POST", "/v2/assertions/revoke", b'{"assertions": [{"entityId": "{award}", "revocationReason": 7}]}',
     "assertions[0].revocationReason: must be a text, not a whole number"),
    ("DELETE", f"/v2/assertions/{AWARD}", b"nope", "not valid JSON"),
    ("DELETE", f"/v2/assertions/{AWARD}", b"[1]", "body: must be a mapping, not a list ([1])"),
    ("DELETE", f"/v2/assertions/{AWARD}", b'{"revocation_reason": 5}', "revocation_reason: must be a text, not"),
    ("POST", "/v2/badgeclasses/commons/assertions", b"", "a JSON body is required"),
    ("POST", "/v2/badgeclasses/commons/assertions", b"[]", "body: must be a mapping, not a list ([])"),
    ("POST", "/v2/badgeclasses/commons/assertions", b"{}", "recipient: this field is required"),
    ("POST", "/v2/badgeclasses/commons/assertions", b'{"recipient": "ada"}', "recipient: must be a mapping, not a text"),
    ("POST", "/v2/badgeclasses/commons/assertions", b'{"recipient": {"identity": 5}}',
     "recipient.identity: must be a text, not a whole number (5)"),
    ("POST", "/v2/badgeclasses/commons/assertions",
     b'{"recipient": {"identity": "ada@example.org"}, "evidence": 5}', "evidence: must be a list, not"),
    ("POST", "/v2/badgeclasses/commons/assertions",
     b'{"recipient": {"identity": "ada@example.org"}, "evidence": [[1]]}', "evidence[0]: must be a mapping, not a list"),
    ("POST", "/v2/issuers/node/badgeclasses", b"[]", "body: must be a mapping, not a list ([])"),
    ("POST", "/v2/issuers/node/badgeclasses", b'{"name": 5}', "name: must be a text, not a whole number (5)"),
    ("POST", "/v2/issuers/node/badgeclasses", b'{"name": "   ", "criteriaNarrative": "x"}', "name: must not be blank"),
    ("POST", "/v2/issuers/node/badgeclasses", b'{"name": "X", "alignments": {"a": 1}}', "alignments: must be a list, not a mapping"),
    ("POST", "/v2/issuers/node/badgeclasses", b'{"name": "X", "image": 5}', "image: must be a text, not"),
]


@pytest.fixture
def node(tmp_path):
    n = Node(tmp_path)
    yield n
    n.services.close()


@pytest.mark.parametrize("method, path, body, names", CASES)
def test_malformed_badgr_bodies_answer_400_and_change_nothing(node, method, path, body, names):
    award = node.service.issue("commons", "ada").award
    headers = {**bearer(node, "trainer"), "Content-Type": "application/json"}
    before = snapshot(node.services.store)
    response = node.client.open(path.replace(AWARD, award.id), method=method, headers=headers,
                                data=body.replace(AWARD.encode(), award.id.encode()))
    assert response.status_code == 400, response.get_data(as_text=True)
    payload = response.get_json()
    assert payload["status"]["success"] is False and names in payload["status"]["description"]
    assert payload["result"] == []
    assert snapshot(node.services.store) == before
    assert not node.service.award(award.id).revoked


def test_field_errors_name_each_field_as_badgr_does(node):
    response = node.client.post("/v2/assertions/revoke", headers=bearer(node, "trainer"),
                                json=[{"entityId": 5}, {"revocationReason": "x"}])
    assert response.status_code == 400
    assert response.get_json()["fieldErrors"] == {"[0].entityId": ["must be a text, not a whole number (5)"],
                                                  "[1].entityId": ["this field is required"]}


@pytest.mark.parametrize("body, error", [
    (b"[1]", "invalid_request"), (b'{"scope": 5}', "invalid_request"), (b'{"password": 5}', "invalid_request"),
    (b"not json", "invalid_request"), (b'{"grant_type": "client_credentials"}', "unsupported_grant_type"),
])
def test_token_endpoint_refuses_malformed_json_with_an_oauth_error(node, body, error):
    response = node.client.post("/o/token", data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.get_json()["error"] == error


def test_revocation_forms_badgr_accepts(node):
    """DELETE without a body (a default reason), DELETE with one, the batch as a top-level array
    (badgr-server's BatchAssertionsRevoke) and under "assertions"."""
    headers = bearer(node, "trainer")
    plain = node.service.issue("commons", "ada").award
    response = node.client.delete(f"/v2/assertions/{plain.id}", headers=headers)
    assert response.status_code == 200 and response.get_json()["result"][0]["revoked"] is True
    assert node.service.award(plain.id).revocation_reason == "Revoked by the issuer"

    with_reason = node.service.issue("licensing", "ada").award
    node.client.delete(f"/v2/assertions/{with_reason.id}", headers=headers, json={"revocation_reason": "typo"})
    assert node.service.award(with_reason.id).revocation_reason == "typo"

    first, second = node.service.issue("commons", "dee").award, node.service.issue("licensing", "dee").award
    top_level = node.client.post("/v2/assertions/revoke", headers=headers, json=[
        {"entityId": first.id, "revocationReason": "wrong person"}, {"entityId": "0" * 32}])
    assert top_level.status_code == 200
    assert [(r["entityId"], r["revoked"]) for r in top_level.get_json()["result"]] == [(first.id, True),
                                                                                      ("0" * 32, False)]
    assert "no badge award" in top_level.get_json()["result"][1]["reason"]
    under_key = node.client.post("/v2/assertions/revoke", headers=headers,
                                 json={"assertions": [{"entityId": second.id}]})
    assert under_key.get_json()["result"][0]["revoked"] is True
    assert node.service.award(first.id).revocation_reason == "wrong person"
    assert node.service.award(second.id).revocation_reason == "Revoked by the issuer"


def test_list_routes_badgrclient_calls(node):
    headers = bearer(node, "trainer")
    award = node.service.issue("commons", "ada").award
    classes = node.client.get("/v2/badgeclasses", headers=headers).get_json()["result"]
    assert [c["entityId"] for c in classes] == ["commons", "licensing"]
    assertions = node.client.get("/v2/issuers/node/assertions", headers=headers).get_json()["result"]
    assert [a["entityId"] for a in assertions] == [award.id]
    assert node.client.get("/v2/issuers/elsewhere/assertions", headers=headers).status_code == 404
