"""The /ob/v2 and /ob/v3 documents, the verification page and the Badgr-compatible API."""

from __future__ import annotations

import base64
import json

import pytest

from badges import Verifier
from badges.images import default_png

from ..conftest import snapshot
from .conftest import AppNode as Node


@pytest.fixture
def node(tmp_path):
    n = Node(tmp_path)
    yield n
    n.services.close()


def bearer(node, role):
    return {"Authorization": f"Bearer {node.services.tokens.create(role + '-script', role)}"}


def test_ob_documents_are_json_ld(node):
    award = node.service.issue("commons", "ada").award
    for path in ("/ob/v2/issuer", "/ob/v2/keys/rsa", "/ob/v2/revocations", "/ob/v2/badges/commons",
                 f"/ob/v2/assertions/{award.id}", "/ob/v3/issuer", "/ob/v3/keys/ed25519",
                 "/ob/v3/achievements/commons", f"/ob/v3/credentials/{award.id}", "/ob/v3/status/revocation"):
        response = node.client.get(path)
        assert response.status_code == 200 and response.mimetype == "application/ld+json", path
        assert "ada@example.org" not in response.get_data(as_text=True)
    # the 1EdTech revocation list has no JSON-LD context: plain JSON
    assert node.client.get("/ob/v3/revocations").mimetype == "application/json"
    assert node.client.get(f"/ob/v2/assertions/{award.id}.jws").get_data(as_text=True).count(".") == 2
    assert node.client.get(f"/ob/v3/credentials/{award.id}.jwt").mimetype == "application/jwt"
    assert node.client.get(f"/ob/v2/assertions/{award.id}.png").data.startswith(b"\x89PNG")
    assert node.client.get("/ob/v2/assertions/" + "0" * 32).status_code == 404
    key = node.client.get("/ob/v3/issuer").get_json()["verificationMethod"][0]
    assert key["publicKeyMultibase"] == node.keys.ed25519_multikey


def test_served_credential_verifies_and_revocation_answers_410(node):
    award = node.service.issue("commons", "ada").award
    credential = node.client.get(f"/ob/v3/credentials/{award.id}").get_json()
    assert Verifier(node.service, node.keys).verify(credential).valid
    node.service.revoke(award.id, "issued in error")
    response = node.client.get(f"/ob/v2/assertions/{award.id}")
    assert response.status_code == 410
    assert response.get_json() == {"@context": "https://w3id.org/openbadges/v2", "type": "Assertion",
                                   "id": f"{node.base}/ob/v2/assertions/{award.id}", "revoked": True,
                                   "revocationReason": "issued in error"}
    assert node.client.get(f"/ob/v3/credentials/{award.id}").status_code == 410
    revoked = node.client.get("/ob/v2/revocations").get_json()["revokedAssertions"]
    assert {"id": f"{node.base}/ob/v2/assertions/{award.id}", "revocationReason": "issued in error"} in revoked
    v3 = node.client.get("/ob/v3/revocations").get_json()["revokedCredentials"]
    assert v3[0]["id"].endswith(award.id)
    assert not Verifier(node.service, node.keys).verify(credential).valid


def test_verification_page(node):
    award = node.service.issue("commons", "ada").award
    html = node.client.get(f"/badges/verify/{award.id}").get_data(as_text=True)
    assert "Verified" in html and "About Wikimedia Commons" in html and "ada@example.org" not in html
    node.service.revoke(award.id, "test")
    assert "Revoked" in node.client.get(f"/badges/verify/{award.id}").get_data(as_text=True)
    assert node.client.get("/badges/verify/nope").status_code == 404


def test_badgr_token_and_envelopes(node):
    token = node.services.tokens.create("ci-bot", "trainer")
    ok = node.client.post("/o/token", data={"grant_type": "password", "username": "ci-bot", "password": token,
                                             "scope": "rw:issuer"})
    assert ok.status_code == 200 and ok.get_json()["access_token"] == token
    member = node.services.tokens.create("reader", "member")
    for data in ({"username": "ci-bot", "password": "wrong"}, {"username": "other", "password": token},
                 {"username": "reader", "password": member}):
        assert node.client.post("/o/token", data=data).get_json()["error"] == "invalid_grant"
    assert node.client.post("/o/token", data={"grant_type": "client_credentials"}).status_code == 400
    headers = {"Authorization": f"Bearer {token}"}
    body = node.client.get("/v2/issuers", headers=headers).get_json()
    assert body["status"]["success"] is True and body["result"][0]["entityId"] == "node"
    classes = node.client.get("/v2/issuers/node/badgeclasses", headers=headers).get_json()["result"]
    assert [c["entityId"] for c in classes] == ["commons", "licensing"]
    assert node.client.get("/v2/issuers", headers={}).status_code == 401


def test_badgr_issue_list_get_and_revoke(node):
    headers = bearer(node, "trainer")
    created = node.client.post("/v2/badgeclasses/licensing/assertions", headers=headers,
                               json={"recipient": {"identity": "ada@example.org", "type": "email"}})
    assert created.status_code == 201
    assertion = created.get_json()["result"][0]
    assert assertion["recipient"]["hashed"] is True and assertion["revoked"] is False
    listed = node.client.get("/v2/badgeclasses/licensing/assertions", headers=headers).get_json()["result"]
    assert [a["entityId"] for a in listed] == [assertion["entityId"]]
    assert node.client.get(f"/v2/assertions/{assertion['entityId']}", headers=headers).status_code == 200
    revoked = node.client.delete(f"/v2/assertions/{assertion['entityId']}", headers=headers,
                                 json={"revocation_reason": "duplicate"}).get_json()
    assert revoked["result"][0]["revoked"] is True and revoked["result"][0]["revocationReason"] == "duplicate"
    other = node.service.issue("commons", "ada").award
    many = node.client.post("/v2/assertions/revoke", headers=headers, json={"assertions": [
        {"entityId": other.id, "revocationReason": "x"}, {"entityId": "0" * 32, "revocationReason": "x"}]})
    assert [r["revoked"] for r in many.get_json()["result"]] == [True, False]


@pytest.mark.parametrize("role, badge, identity, status, message", [
    ("organizer", "licensing", "ada@example.org", 403, "needs a trainer or admin token"),
    ("member", "licensing", "ada@example.org", 403, "needs a trainer or admin token"),
    ("trainer", "nope", "ada@example.org", 404, "no badge class"),
    ("trainer", "commons", "zed@example.org", 404, "no person"),
])
def test_badgr_bad_awards_issue_nothing(node, role, badge, identity, status, message):
    headers = bearer(node, role)
    before = snapshot(node.services.store)
    response = node.client.post(f"/v2/badgeclasses/{badge}/assertions", headers=headers,
                                json={"recipient": {"identity": identity, "type": "email"}})
    assert response.status_code == status
    body = response.get_json()
    assert body["status"]["success"] is False and message in body["status"]["description"]
    assert snapshot(node.services.store) == before


def test_badgr_create_badge_class_with_image(node):
    headers = bearer(node, "trainer")
    png = "data:image/png;base64," + base64.b64encode(default_png()).decode()
    created = node.client.post("/v2/issuers/node/badgeclasses", headers=headers, json={
        "name": "Edit-a-thon host", "description": "Hosted an edit-a-thon.", "image": png,
        "criteriaNarrative": "Host one edit-a-thon.",
        "alignments": [{"targetName": "Media", "targetUrl": f"{node.base}/id/skill/115"}]})
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["result"][0]["entityId"] == "edit-a-thon-host"
    assert node.client.get("/ob/v2/badges/edit-a-thon-host/image").mimetype == "image/png"
    assert node.service.badge_class("edit-a-thon-host").skills[0].notation == "115"


def test_badgr_image_not_png_or_svg_creates_nothing(node):
    headers = bearer(node, "trainer")
    before = snapshot(node.services.store)
    jpeg = "data:image/jpeg;base64," + base64.b64encode(b"\xff\xd8\xff\xe0 not really").decode()
    response = node.client.post("/v2/issuers/node/badgeclasses", headers=headers, json={
        "name": "Photo walk", "description": "x", "image": jpeg, "criteriaNarrative": "y"})
    assert response.status_code == 400
    assert "badge images must be PNG or SVG" in response.get_json()["status"]["description"]
    assert snapshot(node.services.store) == before
    assert not (node.settings.data_dir / "badge-images").exists()


def test_every_json_ld_document_defines_every_term_it_uses(node):
    """JSON-LD safe mode (what Digital Bazaar's verifier runs) on everything served as JSON-LD."""
    from badges import Evidence
    from badges.jsonld import expand

    award = node.service.issue("commons", "ada", evidence=[Evidence(url="https://example.org/p", narrative="n")]).award
    revoked = node.service.issue("licensing", "bo").award
    node.service.revoke(revoked.id, "test")
    paths = ["/ob/v2/issuer", "/ob/v2/keys/rsa", "/ob/v2/revocations", "/ob/v2/badges/commons",
             f"/ob/v2/assertions/{award.id}", f"/ob/v2/assertions/{revoked.id}", "/ob/v3/issuer",
             "/ob/v3/keys/ed25519", "/ob/v3/achievements/commons", "/ob/v3/achievements/licensing",
             f"/ob/v3/credentials/{award.id}", "/ob/v3/status/revocation"]
    for path in paths:
        response = node.client.get(path)
        assert response.mimetype == "application/ld+json", path
        assert expand(response.get_json()), path  # raises UnsafeJsonLd naming the undefined term
    signed = node.client.get(f"/ob/v2/assertions/{award.id}.jws").get_data(as_text=True)
    from badges.multibase import b64url_decode
    assert expand(json.loads(b64url_decode(signed.split(".")[1])))
