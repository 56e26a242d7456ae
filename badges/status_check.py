"""The revocation status of a credential, from what its issuer publishes (used by
:class:`badges.Verifier` for other issuers' credentials, and for this node's own when the
verifier does not have the node's store, e.g. while ``maarifa serve`` holds it).

- ``BitstringStatusListEntry`` (W3C Bitstring Status List v1.0, "Validate Algorithm"): fetch
  the ``BitstringStatusListCredential``, check that it is a credential of the same issuer for
  the same status purpose whose eddsa-rdfc-2022 proof verifies, and read the credential's bit.
  A bit carries no reason and no date: those come from the credential's own URL when it answers
  HTTP 410 with ``revocationReason`` / ``revocationDate`` (this node's credentials do).
- ``1EdTechRevocationList`` (1EdTech Revocation List Status Method 1.0,
  https://www.imsglobal.org/spec/vcrl/v1p0/): fetch the list and look for the credential's id.

Whatever cannot be read or trusted makes the verdict STATUS UNKNOWN, never VALID.
"""

from __future__ import annotations

import json
import re

from . import status

REVOKING_PURPOSES = ("revocation", "suspension")


def check_status(verifier, result, doc: dict) -> None:
    """Add to ``result`` what the credential's ``credentialStatus`` says (or could not say)."""
    entries = doc.get("credentialStatus")
    if entries is None:
        return  # the issuer offers no way to revoke it
    for entry in entries if isinstance(entries, list) else [entries]:
        if not isinstance(entry, dict):
            result.error("credentialStatus must be an object with a type")
            continue
        checker = CHECKERS.get(entry.get("type"))
        if checker is None:
            result.unknown(f"unsupported status method {entry.get('type')!r}: the revocation status was not checked")
        else:
            checker(verifier, result, doc, entry)


def _bitstring(verifier, result, doc: dict, entry: dict) -> None:
    url, purpose = entry.get("statusListCredential"), entry.get("statusPurpose")
    index = entry.get("statusListIndex")
    if not isinstance(url, str) or not url:
        result.error("credentialStatus.statusListCredential must be the URL of a status list")
        return
    if not isinstance(index, str) or not re.fullmatch(r"[0-9]{1,12}", index):
        result.error(f"credentialStatus.statusListIndex must be a whole number as a string (found {index!r})")
        return
    if purpose not in REVOKING_PURPOSES:
        result.unknown(f"status purpose {purpose!r} is not one this verifier checks")
        return
    listed = _fetch_list(verifier, result, url, "status list")
    if listed is None:
        return
    problem = _list_problem(verifier, listed, doc, purpose)
    if problem:
        result.unknown(f"the status list {url} {problem}")
        return
    try:
        is_set = status.is_set(status.decode(listed["credentialSubject"].get("encodedList")), int(index))
    except status.StatusListError as exc:
        result.unknown(f"the status list {url} cannot be read: {exc}")
        return
    if is_set and purpose == "revocation":
        result.revoke(*_published_reason(verifier, doc))
    elif is_set:
        result.error("the badge is suspended by its issuer")


def _list_problem(verifier, listed: dict, doc: dict, purpose: str) -> str | None:
    """Why the status list cannot be trusted for this credential, or None."""
    from .verify import Verification, issuer_id_of, types_of

    if "BitstringStatusListCredential" not in types_of(listed.get("type")):
        return "is not a BitstringStatusListCredential"
    issuer_id = issuer_id_of(listed)
    if issuer_id != issuer_id_of(doc):
        return f"is issued by {issuer_id!r}, not by the credential's issuer {issuer_id_of(doc)!r}"
    subject = listed.get("credentialSubject")
    if not isinstance(subject, dict) or subject.get("type") != "BitstringStatusList":
        return "has no BitstringStatusList subject"
    if subject.get("statusPurpose") != purpose:
        return f"is for the purpose {subject.get('statusPurpose')!r}, not {purpose!r}"
    check = Verification(kind="status list")
    if not verifier.check_vc(check, listed) or not verifier.check_proof(check, listed, issuer_id) or check.errors:
        return "does not verify: " + "; ".join(check.errors)
    if check.unknowns:
        return "cannot be verified: " + "; ".join(check.unknowns)
    return None


def _revocation_list(verifier, result, doc: dict, entry: dict) -> None:
    url = entry.get("id")
    if not isinstance(url, str) or not url:
        result.error("credentialStatus.id must be the URL of the issuer's revocation list")
        return
    listed = _fetch_list(verifier, result, url, "revocation list")
    if listed is None:
        return
    revoked = listed.get("revokedCredentials")
    if not isinstance(revoked, list):
        result.unknown(f"the revocation list {url} has no revokedCredentials list")
        return
    for item in revoked:
        if isinstance(item, dict) and item.get("id") == doc.get("id") and item.get("revoked", True) is not False:
            result.revoke(_text(item.get("revocationReason")), _text(item.get("revocationDate")))
            return


def _fetch_list(verifier, result, url: str, what: str) -> dict | None:
    """The issuer's list at ``url``, or None after marking the status unknown."""
    try:
        return verifier.get_json(url)
    except Exception as exc:
        result.unknown(f"the issuer's {what} cannot be read: {exc}")
        return None


CHECKERS = {"BitstringStatusListEntry": _bitstring, "1EdTechRevocationList": _revocation_list}


def _published_reason(verifier, doc: dict) -> tuple[str | None, str | None]:
    """(reason, date) from the revoked credential's URL (HTTP 410 and a JSON body), if it says."""
    credential_id = doc.get("id")
    if not isinstance(credential_id, str) or not credential_id.startswith(("http://", "https://")):
        return None, None
    try:
        code, _, body = verifier.get(credential_id)
    except Exception:
        return None, None  # the bit decided; the reason is a courtesy
    return revoked_body(body) if code == 410 else (None, None)


def revoked_body(body: bytes) -> tuple[str | None, str | None]:
    """(revocationReason, revocationDate) of a revoked document's JSON body, where given."""
    try:
        doc = json.loads(body)
    except (ValueError, TypeError):
        return None, None
    if not isinstance(doc, dict):
        return None, None
    return _text(doc.get("revocationReason")), _text(doc.get("revocationDate"))


def _text(value) -> str | None:
    if not isinstance(value, str):
        return None
    return value.strip()[:500] or None
