"""Open Badges 2.0 documents (hosted and signed) and JWS RS256.

URLs (all on the node's base URL, served as ``application/ld+json``)::

    /ob/v2/issuer                 Issuer profile (publicKey, revocationList)
    /ob/v2/keys/rsa               CryptographicKey (publicKeyPem)
    /ob/v2/revocations            RevocationList
    /ob/v2/badges/{slug}          BadgeClass          (/image: its PNG or SVG image)
    /ob/v2/assertions/{id}        hosted Assertion    (HTTP 410 with the revoked body once revoked)
    /ob/v2/assertions/{id}.jws    signed Assertion (compact JWS, RS256); its id is urn:uuid:{id}
    /ob/v2/assertions/{id}.png / .svg   baked images (hosted form)
"""

from __future__ import annotations

import uuid

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from . import jose
from .jsonld import OB2_CONTEXT
from .keys import KeyRing
from .model import Award, BadgeClass
from .service import Issuer


def issuer_id(issuer: Issuer) -> str:
    return f"{issuer.base_url}/ob/v2/issuer"


def key_id(issuer: Issuer) -> str:
    return f"{issuer.base_url}/ob/v2/keys/rsa"


def revocation_list_id(issuer: Issuer) -> str:
    return f"{issuer.base_url}/ob/v2/revocations"


def badge_id(issuer: Issuer, slug: str) -> str:
    return f"{issuer.base_url}/ob/v2/badges/{slug}"


def badge_image_url(issuer: Issuer, slug: str) -> str:
    return f"{issuer.base_url}/ob/v2/badges/{slug}/image"


def assertion_id(issuer: Issuer, award_id: str) -> str:
    return f"{issuer.base_url}/ob/v2/assertions/{award_id}"


def signed_assertion_id(award_id: str) -> str:
    return f"urn:uuid:{uuid.UUID(hex=award_id)}"


def issuer_profile(issuer: Issuer) -> dict:
    doc = {"@context": OB2_CONTEXT, "type": "Issuer", "id": issuer_id(issuer), "name": issuer.name,
           "url": issuer.url, "publicKey": key_id(issuer), "revocationList": revocation_list_id(issuer)}
    if issuer.email:
        doc["email"] = issuer.email
    return doc


def public_key(issuer: Issuer, keys: KeyRing) -> dict:
    return {"@context": OB2_CONTEXT, "type": "CryptographicKey", "id": key_id(issuer),
            "owner": issuer_id(issuer), "publicKeyPem": keys.rsa_public_pem}


def badge_class(issuer: Issuer, badge: BadgeClass) -> dict:
    criteria = {"narrative": badge.criteria_text or (
        f"Complete the training {badge.training_title or badge.training}." if badge.training else badge.description)}
    if badge.criteria_url:
        criteria["id"] = badge.criteria_url
    doc = {"@context": OB2_CONTEXT, "type": "BadgeClass", "id": badge_id(issuer, badge.slug), "name": badge.name,
           "description": badge.description, "image": badge_image_url(issuer, badge.slug), "criteria": criteria,
           "issuer": issuer_id(issuer)}
    if badge.skills:
        doc["alignment"] = [{"targetName": s.label, "targetUrl": s.iri,
                             **({"targetCode": s.notation} if s.notation else {}),
                             **({"targetFramework": s.scheme} if s.scheme else {})} for s in badge.skills]
    return doc


def _recipient(award: Award) -> dict:
    if award.identity_hash:
        return {"type": "email", "hashed": True, "salt": award.salt, "identity": award.identity_hash}
    return {"type": "url", "hashed": False, "identity": award.recipient.iri}


def _evidence(award: Award) -> list[dict]:
    """OB 2.0 Evidence objects (https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html#Evidence):
    the page as ``id``, the narrative as ``narrative``."""
    return [{**({"id": e.url} if e.url else {}), **({"narrative": e.narrative} if e.narrative else {})}
            for e in award.published_evidence]


def assertion(issuer: Issuer, award: Award) -> dict:
    """The hosted assertion (or, once revoked, the body served with HTTP 410)."""
    aid = assertion_id(issuer, award.id)
    if award.revoked:
        return revoked_body(aid, award)
    doc = {"@context": OB2_CONTEXT, "type": "Assertion", "id": aid, "recipient": _recipient(award),
           "badge": badge_id(issuer, award.badge.slug), "verification": {"type": "hosted"},
           "issuedOn": award.issued_on}
    if _evidence(award):
        doc["evidence"] = _evidence(award)
    return doc


def revoked_body(aid: str, award: Award) -> dict:
    return {"@context": OB2_CONTEXT, "type": "Assertion", "id": aid, "revoked": True,
            "revocationReason": award.revocation_reason or ""}


def signed_assertion(issuer: Issuer, award: Award) -> dict:
    doc = {"@context": OB2_CONTEXT, "type": "Assertion", "id": signed_assertion_id(award.id),
           "recipient": _recipient(award), "badge": badge_id(issuer, award.badge.slug),
           "verification": {"type": "signed", "creator": key_id(issuer)}, "issuedOn": award.issued_on}
    if _evidence(award):
        doc["evidence"] = _evidence(award)
    return doc


def revocation_list(issuer: Issuer, revoked: list[Award]) -> dict:
    entries = []
    for a in revoked:
        entries.append({"id": assertion_id(issuer, a.id), "revocationReason": a.revocation_reason or ""})
        entries.append({"id": signed_assertion_id(a.id), "revocationReason": a.revocation_reason or ""})
    return {"@context": OB2_CONTEXT, "type": "RevocationList", "id": revocation_list_id(issuer),
            "issuer": issuer_id(issuer), "revokedAssertions": entries}


# -- JWS (compact serialization, RS256; signed and checked by joserfc in badges/jose.py) -------

def jws_sign(payload: dict, keys: KeyRing) -> str:
    keys.check_signing_allowed()
    return jose.sign({"alg": "RS256"}, payload, keys.rsa_private, jose.OB2_ALGORITHMS)


def jws_verify_rs256(token: str, public_pem: str) -> dict:
    """The payload of a valid RS256 JWS; ValueError saying why otherwise (another algorithm,
    ``none`` and HMAC included, is refused before the key is used)."""
    try:
        key = serialization.load_pem_public_key(public_pem.encode("ascii"))
    except (ValueError, TypeError, UnicodeError):
        raise ValueError("the issuer's publicKeyPem is not a PEM public key") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("the issuer's key is not an RSA key")
    try:
        return jose.verify(token, key, jose.OB2_ALGORITHMS)
    except ValueError as exc:
        raise ValueError(f"{exc} (OB 2.0 signed badges use RS256 with the issuer's public key)") from None
