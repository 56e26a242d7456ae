"""Compact JWS through joserfc (badges/jose.py): the algorithm allow-list, and tokens signed the
way this node signed them before (by hand with cryptography) still verify."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from badges import Verifier, jose, ob2, ob3


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _compact(header: dict, payload: dict) -> str:
    """The signing input, encoded as the hand-written JWS code of earlier versions did."""
    return (_b64(json.dumps(header, separators=(",", ":")).encode()) + "."
            + _b64(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")))


def _unsigned(header: dict, payload: dict) -> str:
    return _compact(header, payload) + "."


def _hs256_with(secret: bytes, header: dict, payload: dict) -> str:
    """The classic forgery: HMAC keyed with the issuer's *public* key, for a verifier that takes
    the algorithm from the token and the key from the issuer."""
    signing_input = _compact(header, payload)
    return signing_input + "." + _b64(hmac.new(secret, signing_input.encode("ascii"), hashlib.sha256).digest())


@pytest.fixture
def award(service):
    return service.issue("licensing", "cy").award


@pytest.fixture
def assertion(service, award):
    return ob2.signed_assertion(service.issuer, award)


@pytest.fixture
def jwt_parts(service, award, keys):
    header, payload, _ = ob3.jwt(service.issuer, award, keys).split(".")
    return json.loads(base64.urlsafe_b64decode(header + "==")), json.loads(base64.urlsafe_b64decode(payload + "=="))


def test_alg_none_signed_assertion_is_refused(service, keys, assertion):
    result = Verifier(service, keys).verify(_unsigned({"alg": "none"}, assertion))
    assert result.verdict == "INVALID"
    assert result.errors == ["the JWS algorithm 'none' is not allowed here (allowed: RS256)"]


def test_hs256_signed_with_the_public_key_is_refused(service, keys, assertion):
    forged = _hs256_with(keys.rsa_public_pem.encode("ascii"), {"alg": "HS256"}, assertion)
    result = Verifier(service, keys).verify(forged)
    assert result.verdict == "INVALID"
    assert result.errors == ["the JWS algorithm 'HS256' is not allowed here (allowed: RS256)"]
    with pytest.raises(ValueError, match="'HS256' is not allowed"):
        ob2.jws_verify_rs256(forged, keys.rsa_public_pem)


@pytest.mark.parametrize("alg", ["none", "HS256", "RS256", "ES256"])
def test_vc_jwt_with_another_algorithm_is_refused_as_a_vc_jwt(service, keys, jwt_parts, alg):
    header, payload = jwt_parts
    token = _hs256_with(keys.ed25519_multikey.encode("ascii"), {**header, "alg": alg}, payload)
    result = Verifier(service, keys).verify(token)
    assert result.verdict == "INVALID" and "VC-JWT" in result.kind
    assert result.errors == [f"VC-JWT refused: the JWS algorithm {alg!r} is not allowed here "
                             f"(allowed: EdDSA, Ed25519)"]


def test_a_key_of_the_wrong_type_is_refused(keys):
    token = jose.sign({"alg": "EdDSA"}, {"x": 1}, keys.ed25519_private, jose.VC_JWT_ALGORITHMS)
    with pytest.raises(ValueError, match="EdDSA signature cannot be checked with the issuer's .*RSA"):
        jose.verify(token, keys.rsa_private.public_key(), jose.VC_JWT_ALGORITHMS)


def test_an_rsa_key_under_2048_bits_is_refused(service, keys, assertion):
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    signing_input = _compact({"alg": "RS256"}, assertion)
    token = signing_input + "." + _b64(weak.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256()))
    pem = weak.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode("ascii")
    with pytest.raises(ValueError, match="the issuer's RSA key has 1024 bits; keys under 2048 bits are refused"):
        ob2.jws_verify_rs256(token, pem)


@pytest.mark.parametrize("token, reason", [
    ("abc.def", "malformed JWS"),
    ("e30.e30.", "malformed JWS"),            # {} as header: no alg
    ("bm90IGpzb24.e30.", "malformed JWS"),    # the header is not JSON
    (_unsigned({"alg": "RS256"}, {}) + "%%%", "the signature does not verify"),
])
def test_malformed_tokens_say_so(keys, token, reason):
    with pytest.raises(ValueError, match=reason):
        jose.verify(token, keys.rsa_private.public_key(), jose.OB2_ALGORITHMS)


def test_signed_assertions_of_earlier_versions_still_verify(service, keys, assertion):
    """RS256 as the hand-written code made it (PKCS#1 v1.5, SHA-256) verifies through joserfc,
    and what joserfc signs now is the same bytes."""
    signing_input = _compact({"alg": "RS256"}, assertion)
    before = signing_input + "." + _b64(keys.rsa_private.sign(signing_input.encode("ascii"), padding.PKCS1v15(),
                                                               hashes.SHA256()))
    result = Verifier(service, keys).verify(before)
    assert result.verdict == "VALID", result.summary()
    assert ob2.jws_sign(assertion, keys) == before


def test_vc_jwts_of_earlier_versions_still_verify(service, keys, jwt_parts):
    header, payload = jwt_parts
    signing_input = _compact(header, payload)
    before = signing_input + "." + _b64(keys.ed25519_private.sign(signing_input.encode("ascii")))
    result = Verifier(service, keys).verify(before)
    assert result.verdict == "VALID", result.summary()


def test_a_vc_jwt_under_the_rfc_9864_name_ed25519_verifies(service, keys, jwt_parts):
    header, payload = jwt_parts
    token = jose.sign({**header, "alg": "Ed25519"}, payload, keys.ed25519_private, jose.VC_JWT_ALGORITHMS)
    result = Verifier(service, keys).verify(token)
    assert result.verdict == "VALID" and "VC-JWT" in result.kind, result.summary()
