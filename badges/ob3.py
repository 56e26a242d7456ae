"""Open Badges 3.0: ``OpenBadgeCredential`` documents, the ``eddsa-rdfc-2022`` Data Integrity
proof and the VC-JWT (EdDSA) form.

The issuer profile ``{base}/ob/v3/issuer`` is also the controller document of the node's
Ed25519 key: the verification method is ``{issuer}#{publicKeyMultibase}`` (a form every
OB 3.0 verifier can resolve without fetching anything, and that dereferences to the
``Multikey`` listed in the issuer profile).

The issuer profile declares the DID v1 and Multikey contexts besides VC 2.0 and OB 3.0:
``verificationMethod``, ``assertionMethod``, ``Multikey`` and ``publicKeyMultibase`` are
defined there, and every term of every document here must be defined by a context the
document declares (JSON-LD safe mode, see :mod:`badges.jsonld`).

Revocation: each credential's ``credentialStatus`` is a ``BitstringStatusListEntry`` (W3C
Bitstring Status List v1.0, defined by the VC 2.0 context) pointing into the signed
``BitstringStatusListCredential`` at ``{base}/ob/v3/status/revocation``. A bit carries no
reason and no date, so the 1EdTech-style revocation list ``{base}/ob/v3/revocations`` and the
HTTP 410 answer of a revoked credential's URL keep both.

eddsa-rdfc-2022 (W3C Data Integrity EdDSA Cryptosuites v1.0, §3.2 "eddsa-rdfc-2022"): the
proof options (the proof without ``proofValue``, with the credential's ``@context``) and the
credential without its proof are each canonicalized with RDFC-1.0 and hashed with SHA-256;
the Ed25519 signature over ``hash(options) + hash(credential)`` is the base58btc multibase
``proofValue``.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib

from . import jose, status
from .errors import BadgeError
from .jsonld import DID_CONTEXT, MULTIKEY_CONTEXT, OB3_CONTEXT, VC2_CONTEXT, canonicalize
from .keys import KeyRing
from .model import Award, BadgeClass, Evidence
from .multibase import multibase_decode, multibase_encode
from .service import Issuer, StatusListState

CONTEXT = [VC2_CONTEXT, OB3_CONTEXT]
#: the issuer profile is also the controller document of the node's key
PROFILE_CONTEXT = CONTEXT + [DID_CONTEXT, MULTIKEY_CONTEXT]
CRYPTOSUITE = "eddsa-rdfc-2022"


def issuer_id(issuer: Issuer) -> str:
    return f"{issuer.base_url}/ob/v3/issuer"


def credential_id(issuer: Issuer, award_id: str) -> str:
    return f"{issuer.base_url}/ob/v3/credentials/{award_id}"


def achievement_id(issuer: Issuer, slug: str) -> str:
    return f"{issuer.base_url}/ob/v3/achievements/{slug}"


def revocation_list_id(issuer: Issuer) -> str:
    """The 1EdTech-style list of revoked credentials, with reasons and dates."""
    return f"{issuer.base_url}/ob/v3/revocations"


def status_list_id(issuer: Issuer) -> str:
    """The BitstringStatusListCredential every credential's ``credentialStatus`` points into."""
    return f"{issuer.base_url}/ob/v3/status/revocation"


def verification_method(issuer: Issuer, keys: KeyRing) -> str:
    return f"{issuer_id(issuer)}#{keys.ed25519_multikey}"


def profile(issuer: Issuer, keys: KeyRing | None = None) -> dict:
    """The issuer Profile; with keys, also a controller document listing the Ed25519 key."""
    doc = {"@context": list(PROFILE_CONTEXT if keys is not None else CONTEXT), "id": issuer_id(issuer),
           "type": ["Profile"], "name": issuer.name, "url": issuer.url}
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
        doc = {"@context": MULTIKEY_CONTEXT, **doc}
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


def evidence(items: list[Evidence]) -> list[dict]:
    """OB 3.0 ``Evidence`` objects (https://www.imsglobal.org/spec/ob/v3p0/#evidence): the page as
    ``id``, the narrative as ``narrative``."""
    return [{"type": ["Evidence"], **({"id": e.url} if e.url else {}),
             **({"narrative": e.narrative} if e.narrative else {})} for e in items]


def credential(issuer: Issuer, award: Award, image_url: str | None = None) -> dict:
    """The unsigned OpenBadgeCredential of an award."""
    if award.status_index is None:
        raise BadgeError(f"award {award.id} has no status list position yet; `maarifa init` (or starting "
                         f"`maarifa serve`) gives one to every award")
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
        "credentialStatus": status.entry(status_list_id(issuer), award.status_index),
    }
    if award.published_evidence:
        doc["evidence"] = evidence(award.published_evidence)
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
    return jose.sign(header, payload, keys.ed25519_private, jose.VC_JWT_ALGORITHMS)


def revocation_list(issuer: Issuer, revoked: list[Award]) -> dict:
    """The 1EdTech Revocation List (https://www.imsglobal.org/spec/vcrl/v1p0/): plain JSON, the
    reason and, our addition, the date of each revocation. Credentials issued before the status
    list named it in their ``credentialStatus`` (type ``1EdTechRevocationList``)."""
    return {"id": revocation_list_id(issuer), "issuer": issuer_id(issuer),
            "revokedCredentials": [revoked_entry(issuer, a) for a in revoked]}


def revoked_entry(issuer: Issuer, award: Award) -> dict:
    """What the node says about a revoked credential: in the revocation list, and with HTTP 410 at its URL."""
    entry = {"id": credential_id(issuer, award.id), "revoked": True, "revocationReason": award.revocation_reason or ""}
    if award.revoked_on:
        entry["revocationDate"] = award.revoked_on
    return entry


def status_list_credential(issuer: Issuer, state: StatusListState, keys: KeyRing) -> dict:
    """The signed BitstringStatusListCredential: a set bit is a revoked (or erased) award."""
    now = _now()
    doc = status.list_credential(status_list_id(issuer), issuer_id(issuer), state.revoked_positions(),
                                 status.list_length(state.allocated), now, VC2_CONTEXT)
    return sign(doc, keys, verification_method(issuer, keys), created=now)
