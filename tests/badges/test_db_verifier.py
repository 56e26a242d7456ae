"""Open Badges 3.0 checked by a verifier nobody here wrote: Digital Bazaar's (npm
``@digitalbazaar/vc`` with the eddsa-rdfc-2022 Data Integrity cryptosuite and the Bitstring
status list checker, in jsonld.js safe mode; tests/badges/db_verify.mjs), on every Data
Integrity form the node emits, and our verifier must reach the same verdict on each, tampered
ones included. Our verifier runs twice: with the node's store (the graph decides) and as a
stranger would, reading only what the node publishes (``fetch`` through the app's routes)."""

from __future__ import annotations

import copy
import json

import pytest

from badges import Verifier, ensure_keys, load_keys, ob3
from badges.images import unbake_any
from badges.jsonld import UnsafeJsonLd

from .conftest import AppNode

FORMS = ("json", "png", "svg", "status-list")


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    n = AppNode(tmp_path_factory.mktemp("db"))
    yield n
    n.services.close()


@pytest.fixture(scope="module")
def award(node):
    return node.service.issue("commons", "ada").award


def published(node) -> dict:
    """What the node publishes for a verifier to dereference: profile, key, status list."""
    docs = {}
    for path in ("/ob/v3/issuer", "/ob/v3/keys/ed25519", "/ob/v3/status/revocation"):
        doc = node.json(path)
        docs[doc["id"]] = doc
    return docs


def credential_form(node, award, form: str) -> dict:
    if form == "status-list":
        return node.json("/ob/v3/status/revocation")
    if form == "json":
        return node.json(f"/ob/v3/credentials/{award.id}")
    image = node.client.get(f"/ob/v3/credentials/{award.id}.{form}")
    assert image.status_code == 200
    return json.loads(unbake_any(image.get_data()))


def verdicts(node, db_verify, credential: dict, documents: dict | None = None) -> tuple[dict, str, str]:
    """(Digital Bazaar's result, our verdict with the store, our verdict as a stranger)."""
    db = db_verify(credential, documents if documents is not None else published(node))
    local = Verifier(node.service, node.keys).verify(credential)
    remote = Verifier(fetch=node.fetch).verify(credential)
    return db, local.summary(), remote.summary()


@pytest.mark.parametrize("form", FORMS)
def test_every_form_verifies_with_digital_bazaar_and_with_ours(node, award, db_verify, form):
    credential = credential_form(node, award, form)
    db, local, remote = verdicts(node, db_verify, credential)
    assert db["verified"] is True, db["error"]
    assert db["revoked"] is (None if form == "status-list" else False)
    assert local.startswith("VALID") and remote.startswith("VALID"), (local, remote)


def test_a_revoked_credential_is_revoked_for_both(node, db_verify):
    award = node.service.issue("licensing", "bo").award
    credential = node.json(f"/ob/v3/credentials/{award.id}")
    node.service.revoke(award.id, "issued to the wrong person")
    db, local, remote = verdicts(node, db_verify, credential)
    assert db["verified"] is True and db["revoked"] is True, db  # the list verifies; the bit is set
    for ours in (local, remote):
        assert ours.startswith("REVOKED") and "issued to the wrong person" in ours, ours
    assert "(revoked on 20" in remote  # the date, from the credential's URL (HTTP 410)


def _set(path):
    def tamper(doc):
        target = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1][0]] = path[-1][1]
    return tamper


TAMPERINGS = {
    "achievement renamed": _set(["credentialSubject", "achievement", ("name", "Something grander")]),
    "valid from earlier": _set([("validFrom", "2020-01-01T00:00:00Z")]),
    "issuer renamed": _set(["issuer", ("name", "Another Chapter")]),
    "other status position": _set(["credentialStatus", ("statusListIndex", "7")]),
    # pyld drops a property no context defines, so it used to verify; jsonld.js safe mode refuses it
    "undefined property added": _set(["credentialSubject", ("nickname", "Ada the Great")]),
    # the credentialStatus we used to sign (issue 11, item 3): its type is defined by no declared context
    "undefined status type": _set([("credentialStatus", {"id": "http://127.0.0.1:5000/ob/v3/revocations",
                                                         "type": "1EdTechRevocationList"})]),
    "signature of another credential": None,  # filled in below
}


@pytest.mark.parametrize("tampering", sorted(TAMPERINGS))
def test_tampered_credentials_are_rejected_by_both(node, award, db_verify, tampering):
    credential = node.json(f"/ob/v3/credentials/{award.id}")
    forged = copy.deepcopy(credential)
    if tampering == "signature of another credential":
        other = node.service.issue("licensing", "cy").award
        forged["proof"] = node.json(f"/ob/v3/credentials/{other.id}")["proof"]
    else:
        TAMPERINGS[tampering](forged)
    db, local, remote = verdicts(node, db_verify, forged)
    assert db["verified"] is False, db
    assert local.startswith("INVALID") and remote.startswith("INVALID"), (local, remote)
    if "undefined" in tampering:
        assert "not defined by the document's contexts" in local and "safe mode" in db["error"].lower(), db
    if tampering == "undefined status type":
        assert "relative @type reference" in db["error"] and "'1EdTechRevocationList' is not defined" in local, db


def test_a_key_the_issuer_does_not_list_is_rejected_by_both(node, award, db_verify, tmp_path):
    ensure_keys(tmp_path / "intruder")
    intruder = load_keys(tmp_path / "intruder")
    method = f"{ob3.issuer_id(node.service.issuer)}#{intruder.ed25519_multikey}"
    forged = ob3.sign(ob3.credential(node.service.issuer, award), intruder, method)
    documents = published(node)
    # the intruder's key document, as if it could be dereferenced: the issuer's profile must still list it
    documents[method] = {**node.json("/ob/v3/keys/ed25519"), "id": method,
                         "publicKeyMultibase": intruder.ed25519_multikey}
    db, local, remote = verdicts(node, db_verify, forged, documents)
    assert db["verified"] is False and "not authorized" in db["error"], db
    assert local.startswith("INVALID") and "not signed with this node's key" in local, local
    assert remote.startswith("INVALID") and "does not list the key" in remote, remote


def test_a_tampered_status_list_is_refused_by_both(node, db_verify):
    award = node.service.issue("commons", "bo").award
    credential = node.json(f"/ob/v3/credentials/{award.id}")
    node.service.revoke(award.id, "test")
    documents = published(node)
    status_list = documents[ob3.status_list_id(node.service.issuer)]
    # clear every bit: "nothing is revoked", without the issuer's signature over it
    status_list["credentialSubject"]["encodedList"] = ob3.status.encode([], 131072)
    db = db_verify(credential, documents)
    assert db["verified"] is False and "BitstringStatusListCredential" in db["error"], db
    # ours, reading the same forged list (a stranger cannot tell whether it is revoked)
    forged_fetch = _serving(node, {ob3.status_list_id(node.service.issuer): status_list})
    remote = Verifier(fetch=forged_fetch).verify(credential)
    assert remote.verdict == "STATUS UNKNOWN" and "does not verify" in remote.summary(), remote.summary()


def _serving(node, overrides: dict):
    def fetch(url):
        if url in overrides:
            return 200, "application/ld+json", json.dumps(overrides[url]).encode()
        return node.fetch(url)
    return fetch


def test_our_signer_refuses_a_document_with_an_undefined_term(node, award):
    doc = ob3.credential(node.service.issuer, award)
    doc["credentialStatus"] = {"id": f"{ob3.revocation_list_id(node.service.issuer)}", "type": "1EdTechRevocationList"}
    with pytest.raises(UnsafeJsonLd, match="'1EdTechRevocationList' is not defined"):
        ob3.sign(doc, node.keys, ob3.verification_method(node.service.issuer, node.keys))
