"""Open Badges 3.0: ``OpenBadgeCredential`` documents, the ``eddsa-rdfc-2022`` Data Integrity
proof and the VC-JWT (EdDSA) form.

The issuer profile ``{base}/ob/v3/issuer`` is also the controller document of the node's
Ed25519 key: the verification method is ``{issuer}#{publicKeyMultibase}`` (a form every
OB 3.0 verifier can resolve without fetching anything, and that dereferences to the
``Multikey`` listed in the issuer profile).

eddsa-rdfc-2022 (W3C Data Integrity EdDSA Cryptosuites): the proof options (the proof without
``proofValue``, with the credential's ``@context``) and the credential without its proof are
each canonicalized with RDFC-1.0 and hashed with SHA-256; the Ed25519 signature over
``hash(options) + hash(credential)`` is the base58btc multibase ``proofValue``.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json

from .jsonld import OB3_CONTEXT, VC2_CONTEXT, canonicalize
from .keys import KeyRing
from .model import Award, BadgeClass
from .multibase import b64url, multibase_decode, multibase_encode
from .service import Issuer

CONTEXT = [VC2_CONTEXT, OB3_CONTEXT]
CRYPTOSUITE = "eddsa-rdfc-2022"


def issuer_id(issuer: Issuer) -> str:
    return f"{issuer.base_url}/ob/v3/issuer"


def credential_id(issuer: Issuer, award_id: str) -> str:
    return f"{issuer.base_url}/ob/v3/credentials/{award_id}"


def achievement_id(issuer: Issuer, slug: str) -> str:
    return f"{issuer.base_url}/ob/v3/achievements/{slug}"


def status_list_id(issuer: Issuer) -> str:
    return f"{issuer.base_url}/ob/v3/revocations"


def verification_method(issuer: Issuer, keys: KeyRing) -> str:
    return f"{issuer_id(issuer)}#{keys.ed25519_multikey}"


def profile(issuer: Issuer, keys: KeyRing | None = None) -> dict:
    """The issuer Profile; with keys, also a controller document listing the Ed25519 key."""
    doc = {"@context": list(CONTEXT), "id": issuer_id(issuer), "type": ["Profile"], "name": issuer.name,
           "url": issuer.url}
    if issuer.email:
        doc["email"] = issuer.email
    if keys is not None:
        method = verification_method(issuer, keys)
        doc["verificationMethod"] = [key_document(issuer, keys, with_context=False)]
        doc["assertionMethod"] = [method]
    return doc


def key_document(issuer: Issuer, keys: KeyRing, *, with_context: bool = True) -> dict:
    doc = {"id": verification_method(issuer, keys), "type": "Multikey", "controller": issuer_id(issuer),
           "publicKeyMultibase": keys.ed25519_multikey}
    if with_context:
        doc = {"@context": "https://w3id.org/security/multikey/v1", **doc}
    return doc


def achievement(issuer: Issuer, badge: BadgeClass, image_url: str | None = None) -> dict:
    criteria = {}
    if badge.criteria_url:
        criteria["id"] = badge.criteria_url
    criteria["narrative"] = badge.criteria_text or (
        f"Complete the training {badge.training_title or badge.training}." if badge.training else badge.description)
    doc = {"id": achievement_id(issuer, badge.slug), "type": ["Achievement"], "name": badge.name,
           "description": badge.description, "criteria": criteria}
    if image_url:
        doc["image"] = {"id": image_url, "type": "Image"}
    if badge.skills:
        doc["alignment"] = [
            {"type": ["Alignment"], "targetName": s.label, "targetUrl": s.iri,
             **({"targetCode": s.notation} if s.notation else {}),
             **({"targetFramework": s.scheme} if s.scheme else {})}
            for s in badge.skills]
    return doc


def credential(issuer: Issuer, award: Award, image_url: str | None = None) -> dict:
    """The unsigned OpenBadgeCredential of an award."""
    subject: dict = {"type": ["AchievementSubject"]}
    if award.identity_hash:
        subject["identifier"] = [{"type": "IdentityObject", "identityHash": award.identity_hash,
                                  "identityType": "emailAddress", "hashed": True, "salt": award.salt}]
    else:
        subject["id"] = award.recipient.iri
    subject["achievement"] = achievement(issuer, award.badge, image_url)
    doc = {
        "@context": list(CONTEXT),
        "id": credential_id(issuer, award.id),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {k: v for k, v in profile(issuer).items() if k != "@context"},
        "validFrom": award.issued_on,
        "name": award.badge.name,
        "credentialSubject": subject,
        "credentialStatus": {"id": f"{status_list_id(issuer)}#{award.id}", "type": "1EdTechRevocationList"},
    }
    if award.evidence and award.evidence[0]:
        doc["evidence"] = [{"type": ["Evidence"], "narrative": f"Completed the training "
                            f"{award.badge.training_title or award.badge.slug}."}]
    return doc


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def hash_data(document: dict, options: dict) -> bytes:
    """SHA-256(RDFC(proof options)) + SHA-256(RDFC(document without proof))."""
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    config = {k: v for k, v in options.items() if k != "proofValue"}
    config["@context"] = document["@context"]
    return (hashlib.sha256(canonicalize(config).encode("utf-8")).digest()
            + hashlib.sha256(canonicalize(unsigned).encode("utf-8")).digest())


def sign(document: dict, keys: KeyRing, method: str, *, created: str | None = None) -> dict:
    """Add an eddsa-rdfc-2022 DataIntegrityProof (as a one-element proof set)."""
    keys.check_signing_allowed()
    options = {"type": "DataIntegrityProof", "cryptosuite": CRYPTOSUITE, "created": created or _now(),
               "verificationMethod": method, "proofPurpose": "assertionMethod"}
    signature = keys.ed25519_private.sign(hash_data(document, options))
    signed = copy.deepcopy(document)
    signed["proof"] = [{**options, "proofValue": multibase_encode(signature)}]
    return signed


def signed_credential(issuer: Issuer, award: Award, keys: KeyRing, image_url: str | None = None) -> dict:
    # "created" is the award's issue time, so the same award always yields the same document
    return sign(credential(issuer, award, image_url), keys, verification_method(issuer, keys),
                created=award.issued_on)


def verify_proof(document: dict, proof: dict, public_key) -> bool:
    """Check one eddsa-rdfc-2022 proof with an Ed25519 public key object."""
    from cryptography.exceptions import InvalidSignature

    try:
        signature = multibase_decode(proof.get("proofValue", ""))
    except ValueError:
        return False
    try:
        public_key.verify(signature, hash_data(document, proof))
    except InvalidSignature:
        return False
    return True


# -- VC-JWT -----------------------------------------------------------------------------

def _epoch(xsd: str) -> int:
    return int(dt.datetime.fromisoformat(xsd.replace("Z", "+00:00")).timestamp())


def jwt(issuer: Issuer, award: Award, keys: KeyRing, image_url: str | None = None) -> str:
    """The VC-JWT form: EdDSA over the credential (``vc`` claim plus iss, jti, nbf, sub)."""
    keys.check_signing_allowed()
    vc = credential(issuer, award, image_url)
    header = {"alg": "EdDSA", "typ": "JWT", "kid": verification_method(issuer, keys)}
    payload = {"vc": vc, "iss": issuer_id(issuer), "jti": vc["id"], "nbf": _epoch(vc["validFrom"]),
               "iat": _epoch(vc["validFrom"])}
    if "id" in vc["credentialSubject"]:
        payload["sub"] = vc["credentialSubject"]["id"]
    signing_input = (b64url(json.dumps(header, separators=(",", ":")).encode()) + "."
                     + b64url(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")))
    return signing_input + "." + b64url(keys.ed25519_private.sign(signing_input.encode("ascii")))


def revocation_list(issuer: Issuer, revoked: list[Award]) -> dict:
    """The 1EdTech revocation list named by each credential's ``credentialStatus``."""
    return {"id": status_list_id(issuer), "issuer": issuer_id(issuer),
            "revokedCredentials": [{"id": credential_id(issuer, a.id),
                                    "revocationReason": a.revocation_reason or ""} for a in revoked]}
