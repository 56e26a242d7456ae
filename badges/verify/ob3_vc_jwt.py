"""Open Badges 3.0 credentials secured as a VC-JWT: the credential in the ``vc`` claim of a
compact JWS signed with EdDSA (Ed25519) by a key the issuer controls (``kid``).

Implements W3C Securing Verifiable Credentials using JOSE and COSE, "Securing with JOSE"
(https://www.w3.org/TR/vc-jose-cose/#securing-with-jose) and OB 3.0 "JSON Web Token Proof
Format" (https://www.imsglobal.org/spec/ob/v3p0/#jwt-proof): the signature (through joserfc,
with the algorithm allow-list of :mod:`badges.jose`), ``iss`` naming the credential's issuer,
``exp``, then the checks every OB 3.0 credential passes (:mod:`.ob3_credential`).
"""

from __future__ import annotations

from .. import jose
from . import ob3_credential
from .fields import issuer_id_of
from .result import Verification


def is_vc_jwt(header: dict, payload: dict) -> bool:
    """A VC-JWT rather than an OB 2.0 signed assertion: by its algorithm, or its ``vc`` claim
    (so that a VC-JWT with an algorithm not allowed is refused as one)."""
    return header.get("alg") in jose.VC_JWT_ALGORITHMS or "vc" in payload


def verify(verifier, token: str, recipient) -> Verification:
    result = Verification(kind="Open Badges 3.0 credential (VC-JWT, EdDSA)")
    try:
        header, payload = jose.read(token)
        jose.check_algorithm(header, jose.VC_JWT_ALGORITHMS)  # before any key is looked for
    except ValueError as exc:
        return result.error(f"VC-JWT refused: {exc}")
    vc = payload.get("vc", payload)
    if not isinstance(vc, dict):
        return result.error("the JWT carries no credential")
    result.document = vc
    issuer_id = issuer_id_of(vc)
    if payload.get("iss") not in (None, issuer_id):
        result.error("the JWT's iss is not the credential's issuer")
    key = ob3_credential.resolve_key(verifier, result, str(header.get("kid", "")), issuer_id)
    if key is None:
        return result
    try:
        jose.verify(token, key, jose.VC_JWT_ALGORITHMS)
    except ValueError as exc:
        return result.error(f"VC-JWT refused: {exc}")
    ours = verifier.is_ours(issuer_id)
    if not ob3_credential.check_credential(verifier, result, vc, ours=ours):
        return result
    exp = payload.get("exp")
    if isinstance(exp, (int, float)) and exp < verifier.current_time().timestamp():
        result.error("the JWT has expired")
    ob3_credential.check_status(verifier, result, vc, ours)
    ob3_credential.check_recipient(result, vc, recipient)
    return result
