"""Open Badges 3.0: our credentials against the 1EdTech JSON schema; proofs, VC-JWT, bad input."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest

from badges import ContextNotBundled, Verifier, ob3
from badges.jsonld import canonicalize, document_loader
from badges.verify import schema_errors


@pytest.fixture
def award(service):
    return service.issue("licensing", "cy").award


@pytest.fixture
def credential(service, award, keys):
    return ob3.signed_credential(service.issuer, award, keys, "http://127.0.0.1:5000/ob/v2/badges/licensing/image")


def test_credentials_validate_against_the_1edtech_schema(service, keys, credential):
    assert schema_errors(credential) == []  # as is: no single-value-to-array leniency for our own
    url_award = service.issue("licensing", "bo").award  # no e-mail: subject id is the person URL
    assert schema_errors(ob3.signed_credential(service.issuer, url_award, keys)) == []


def test_credential_content(credential, award):
    subject = credential["credentialSubject"]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert subject["identifier"][0]["identityHash"] == award.identity_hash
    assert "cy@example.org" not in json.dumps(credential)
    assert [a["targetCode"] for a in subject["achievement"]["alignment"]] == ["115", "18"]
    proof = credential["proof"][0]
    assert proof["cryptosuite"] == "eddsa-rdfc-2022" and proof["verificationMethod"].endswith(
        "/ob/v3/issuer#" + proof["verificationMethod"].split("#")[1])


def test_sign_and_verify_embedded_proof_and_jwt(service, keys, award, credential):
    verifier = Verifier(service, keys)
    assert verifier.verify(credential).valid
    assert verifier.verify(json.dumps(credential).encode()).valid
    assert verifier.verify(credential, recipient="cy@example.org").valid
    token = ob3.jwt(service.issuer, award, keys)
    result = verifier.verify(token)
    assert result.valid, result.summary()
    assert "VC-JWT" in result.kind


def test_same_award_same_document(service, keys, award):
    assert ob3.signed_credential(service.issuer, award, keys) == ob3.signed_credential(service.issuer, award, keys)


def test_tampered_credential_fails(service, keys, credential):
    tampered = copy.deepcopy(credential)
    tampered["credentialSubject"]["achievement"]["name"] = "Something grander"
    result = Verifier(service, keys).verify(tampered)
    assert not result.valid and "altered" in result.errors[0]


def test_tampered_jwt_fails(service, keys, award):
    header, payload, signature = ob3.jwt(service.issuer, award, keys).split(".")
    forged = ob3.jwt(service.issuer, service.issue("licensing", "bo", actor=_trainer()).award, keys).split(".")[1]
    result = Verifier(service, keys).verify(f"{header}.{forged}.{signature}")
    assert not result.valid and "signature" in result.errors[0]


def _trainer():
    from badges import Actor
    return Actor("t", "trainer")


def test_expired_credential_fails(service, keys, award):
    doc = ob3.credential(service.issuer, award)
    doc["validUntil"] = "2020-01-01T00:00:00Z"
    signed = ob3.sign(doc, keys, ob3.verification_method(service.issuer, keys))
    result = Verifier(service, keys).verify(signed)
    assert not result.valid and any("expired on 2020-01-01" in e for e in result.errors)


def test_not_yet_valid_credential_fails(service, keys, award, credential):
    later = Verifier(service, keys, now=dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)).verify(credential)
    assert not later.valid and "not valid before" in later.errors[0]


def test_revoked_credential_fails(service, keys, award, credential):
    service.revoke(award.id, "duplicate")
    result = Verifier(service, keys).verify(credential)
    assert not result.valid and result.revoked and "revoked: duplicate" in result.errors[0]


def test_wrong_recipient_fails(service, keys, credential):
    result = Verifier(service, keys).verify(credential, recipient="eve@example.org")
    assert not result.valid and "not issued to eve@example.org" in result.errors[0]


def test_another_key_claiming_our_issuer_fails(service, keys, award, tmp_path):
    from badges import ensure_keys, load_keys
    ensure_keys(tmp_path / "other")
    other = load_keys(tmp_path / "other")
    forged = ob3.sign(ob3.credential(service.issuer, award), other, f"{ob3.issuer_id(service.issuer)}#"
                      f"{other.ed25519_multikey}")
    result = Verifier(service, keys).verify(forged)
    assert not result.valid and "not signed with this node's key" in result.errors[0]


def test_unknown_context_is_refused_never_fetched(credential):
    with pytest.raises(ContextNotBundled, match="never fetched"):
        document_loader("https://example.org/evil-context.jsonld")
    doc = {k: v for k, v in credential.items() if k != "proof"}
    doc["@context"] = doc["@context"] + ["https://example.org/evil-context.jsonld"]
    with pytest.raises(ContextNotBundled):
        canonicalize(doc)


def test_vc2_context_is_processed_by_our_jsonld_library(credential):
    nquads = canonicalize({k: v for k, v in credential.items() if k != "proof"})
    assert "<https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential>" in nquads
    assert "https://www.w3.org/2018/credentials#validFrom" in nquads


def test_safe_mode_names_undefined_terms_and_relative_references(credential):
    """pyld alone drops an undefined property and resolves an undefined type or a relative id
    against a base of its own; jsonld.js in safe mode refuses them, and so do we."""
    from badges.jsonld import UnsafeJsonLd, expand

    doc = copy.deepcopy({k: v for k, v in credential.items() if k != "proof"})
    doc["credentialSubject"]["nickname"] = "Ada the Great"
    doc["credentialSubject"]["achievement"]["id"] = "achievements/licensing"
    doc["credentialStatus"] = {"id": "http://127.0.0.1:5000/ob/v3/revocations", "type": "1EdTechRevocationList"}
    for process in (canonicalize, expand):
        with pytest.raises(UnsafeJsonLd) as refused:
            process(doc)
        assert set(refused.value.problems) == {
            "term 'nickname' is not defined by the document's contexts",
            "term '1EdTechRevocationList' is not defined by the document's contexts",
            "identifier 'achievements/licensing' is a relative reference (not an absolute IRI)"}


def test_a_document_wide_vocab_defines_every_term(credential):
    doc = copy.deepcopy({k: v for k, v in credential.items() if k != "proof"})
    doc["@context"] = doc["@context"] + [{"@vocab": "https://example.org/terms#"}]
    doc["credentialSubject"]["nickname"] = "Ada"
    assert "<https://example.org/terms#nickname>" in canonicalize(doc)
