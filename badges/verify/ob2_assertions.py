"""Open Badges 2.0 assertions: hosted (the copy must equal what its ``id`` URL serves) and
signed (a compact JWS, RS256, by a key the issuer publishes).

Implements OB 2.0 "Verification"
(https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html#Verification):
hosted verification (``HostedBadge``: fetch the assertion at its id, compare) and signed
verification (``SignedBadge``: the JWS verifies with the ``CryptographicKey`` named by
``verification.creator``, whose ``owner`` is the badge's issuer, and the assertion is not in
the issuer's ``revocationList``); then ``expires`` and the recipient's ``IdentityObject``.
"""

from __future__ import annotations

import json

from .. import jose, ob2, status_check
from .fields import check_identity, parse_time
from .result import Verification


def verify_hosted(verifier, doc: dict, recipient) -> Verification:
    result = Verification(kind="Open Badges 2.0 hosted assertion", document=doc)
    aid = doc.get("id")
    if doc.get("revoked") is True:
        return result.revoke(doc.get("revocationReason"))
    if not isinstance(aid, str) or not aid.startswith(("http://", "https://")):
        return result.error("a hosted assertion needs an http(s) id")
    if (doc.get("verification") or {}).get("type", "hosted").lower() not in ("hosted", "hostedbadge"):
        return result.error("verification type must be 'hosted'")
    if verifier.is_ours(aid):
        award = verifier.award_of(result, aid)
        if award is None or award.revoked:
            return result
        hosted = ob2.assertion(verifier.service.issuer, award)
    else:
        try:
            status, _, body = verifier.get(aid)
        except Exception as exc:
            return result.unknown(f"the hosted assertion cannot be read: {exc}")
        if status == 410:
            return result.revoke(*status_check.revoked_body(body))
        if status >= 400:
            return result.error(f"the hosted assertion {aid} answered HTTP {status}")
        try:
            hosted = json.loads(body)
        except ValueError:
            return result.error(f"the hosted assertion {aid} did not answer with JSON")
        if not isinstance(hosted, dict):
            return result.error(f"the hosted assertion {aid} did not answer with a JSON object")
    for key in ("recipient", "badge", "issuedOn"):
        if hosted.get(key) != doc.get(key):
            result.error(f"{key} differs from the hosted assertion at {aid} (altered copy)")
    _check_expiry(verifier, result, hosted)
    _check_recipient(result, recipient, hosted)
    return result


def verify_signed(verifier, token: str, recipient) -> Verification:
    result = Verification(kind="Open Badges 2.0 signed assertion (JWS)")
    try:
        header, payload = jose.read(token)
        result.document = payload
        jose.check_algorithm(header, jose.OB2_ALGORITHMS)  # before any key is fetched
    except ValueError as exc:
        return result.error(str(exc))
    creator = (payload.get("verification") or {}).get("creator")
    if not isinstance(creator, str):
        return result.error("a signed assertion names its key in verification.creator")
    try:
        if verifier.is_ours(creator):
            pem, owner = verifier.keys.rsa_public_pem, ob2.issuer_id(verifier.service.issuer)
        else:
            key_doc = verifier.get_json(creator)
            pem, owner = key_doc.get("publicKeyPem", ""), key_doc.get("owner")
        ob2.jws_verify_rs256(token, pem)
    except ValueError as exc:
        return result.error(str(exc))
    except Exception as exc:
        return result.error(f"cannot get the signing key {creator}: {exc}")
    if verifier.is_ours(creator):
        award = verifier.award_of(result, str(payload.get("id", "")))
        if award is not None and not award.revoked:
            expected = ob2.signed_assertion(verifier.service.issuer, award)
            if expected.get("recipient") != payload.get("recipient"):
                result.error("the recipient differs from the award's")
    elif verifier.fetch is not None:
        _check_issuer_and_revocation(verifier, result, payload, owner)
    else:
        result.unknown("the issuer's revocation list would have to be fetched, and fetching is off here")
    _check_expiry(verifier, result, payload)
    _check_recipient(result, recipient, payload)
    return result


def _check_issuer_and_revocation(verifier, result: Verification, payload: dict, owner) -> None:
    """The key's owner is the badge's issuer, and the issuer's revocationList does not list it."""
    try:
        badge = verifier.get_json(payload["badge"]) if isinstance(payload.get("badge"), str) else payload["badge"]
        issuer = verifier.get_json(badge["issuer"]) if isinstance(badge.get("issuer"), str) else badge["issuer"]
        if owner and issuer.get("id") != owner:
            result.error("the key's owner is not the badge's issuer")
        if issuer.get("revocationList"):
            revoked = verifier.get_json(issuer["revocationList"]).get("revokedAssertions", [])
            for entry in revoked:
                if entry == payload.get("id") or (isinstance(entry, dict) and entry.get("id") == payload.get("id")):
                    result.revoke(entry.get("revocationReason") if isinstance(entry, dict) else None)
    except Exception as exc:
        result.unknown(f"the issuer's revocation list cannot be read: {exc}")


def _check_expiry(verifier, result: Verification, assertion: dict) -> None:
    expires = parse_time(assertion.get("expires"))
    if expires and expires < verifier.current_time():
        result.error(f"the badge expired on {assertion['expires']}")


def _check_recipient(result: Verification, recipient, assertion: dict) -> None:
    r = assertion.get("recipient") or {}
    check_identity(result, recipient, r.get("identity"), r.get("salt"), r.get("hashed"), r.get("identity"))
