"""What an Open Badges 3.0 credential must satisfy whatever secures it (a Data Integrity proof
or a VC-JWT): the W3C Verifiable Credentials Data Model 2.0 (contexts, type, validity period,
https://www.w3.org/TR/vc-data-model-2.0/#validity-period), the 1EdTech JSON schema of an
``AchievementCredential``, the signing key's controller, the revocation status and the recipient.

Implements OB 3.0 "Verification" (https://www.imsglobal.org/spec/ob/v3p0/#verification), steps
other than checking the signature itself: see :mod:`.ob3_data_integrity` and :mod:`.ob3_vc_jwt`.
"""

from __future__ import annotations

import copy
import json
import re
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .. import status_check
from ..errors import ContextNotBundled
from ..jsonld import OB3_CONTEXT, VC2_CONTEXT, bundled_context
from ..multibase import ed25519_from_multikey
from .fields import as_list, check_identity, contexts_of, parse_time, types_of
from .result import Verification

SCHEMA_PATH = Path(__file__).parent.parent / "schemas" / "ob_v3p0_achievementcredential_schema.json"
VC1_CONTEXT = "https://www.w3.org/2018/credentials/v1"
OB3_CONTEXT_PREFIX = "https://purl.imsglobal.org/spec/ob/v3p0/context"


@lru_cache(maxsize=1)
def _schema_validator():
    from jsonschema import Draft201909Validator

    return Draft201909Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def _set_path(doc, path, value):
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


def schema_errors(document: dict, *, coerce_arrays: bool = False) -> list[str]:
    """Errors against the 1EdTech OB 3.0 JSON schema. With ``coerce_arrays``, single values where
    the schema wants arrays are first wrapped (JSON-LD reads a value and a one-element array alike,
    and the 1EdTech validator does the same)."""
    validator = _schema_validator()
    doc = copy.deepcopy(document)
    if coerce_arrays:
        for _ in range(50):
            fixes = []
            stack = list(validator.iter_errors(doc))
            while stack:
                e = stack.pop()
                stack.extend(e.context or [])
                wanted = e.validator_value if e.validator == "type" else None
                if wanted == "array" or (isinstance(wanted, list) and wanted == ["array"]):
                    if not isinstance(e.instance, list) and e.absolute_path:
                        fixes.append((tuple(e.absolute_path), e.instance))
            if not fixes:
                break
            for path, value in dict(fixes).items():
                _set_path(doc, path, [value])
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '(document)'}: {e.message[:300]}"
            for e in validator.iter_errors(doc)]


def is_credential(doc: dict) -> bool:
    """A W3C verifiable credential (rather than an OB 2.0 assertion)."""
    return (any(c in (VC2_CONTEXT, VC1_CONTEXT) for c in contexts_of(doc))
            or "VerifiableCredential" in types_of(doc.get("type")))


def check_vc(verifier, result: Verification, doc: dict) -> bool:
    """What every verifiable credential needs (W3C VC Data Model 2.0): the base context first,
    bundled contexts, the type, and a validity period that includes now."""
    contexts = contexts_of(doc)
    if not contexts or contexts[0] not in (VC2_CONTEXT, VC1_CONTEXT):
        result.error(f"the first @context must be {VC2_CONTEXT}")
        return False
    for c in contexts:
        if isinstance(c, str):
            try:
                bundled_context(c)
            except ContextNotBundled as exc:
                result.unsupported = str(exc)
                result.error(str(exc))
                return False
    if "VerifiableCredential" not in types_of(doc.get("type")):
        result.error("type must include VerifiableCredential")
        return False
    now = verifier.current_time()
    start = parse_time(doc.get("validFrom") or doc.get("issuanceDate"))
    if start is None:
        result.error("validFrom is missing or not a date-time")
    elif start > now:
        result.error(f"the credential is not valid before {doc.get('validFrom') or doc.get('issuanceDate')}")
    end_text = doc.get("validUntil") or doc.get("expirationDate")
    end = parse_time(end_text)
    if end_text and end is None:
        result.error("validUntil is not a date-time")
    elif end is not None and end < now:
        result.error(f"the credential expired on {end_text}")
    return True


def check_credential(verifier, result: Verification, doc: dict, *, ours: bool) -> bool:
    """Context, type, schema and validity period; False when nothing further makes sense."""
    if not check_vc(verifier, result, doc):
        return False
    if not any(isinstance(c, str) and c.startswith(OB3_CONTEXT_PREFIX) for c in contexts_of(doc)):
        result.error(f"the @context must include the Open Badges 3.0 context ({OB3_CONTEXT})")
        return False
    types = types_of(doc.get("type"))
    if "EndorsementCredential" in types:
        result.warnings.append("EndorsementCredential: no bundled JSON schema for endorsements; "
                               "schema not checked")
    elif not {"OpenBadgeCredential", "AchievementCredential"} & set(types):
        result.error("type must include OpenBadgeCredential or AchievementCredential")
        return False
    else:
        for message in schema_errors(doc, coerce_arrays=not ours):
            result.error(f"schema: {message}")
    return True


def resolve_key(verifier, result: Verification, method: str, issuer_id: str | None) -> Ed25519PublicKey | None:
    """The Ed25519 key a verification method names (the forms the 1EdTech validator accepts)."""
    controller = None
    multikey = None
    if "#" in method and re.fullmatch(r"z[1-9A-HJ-NP-Za-km-z]+", method.split("#", 1)[1]):
        controller, multikey = method.split("#", 1)
        try:
            ed25519_from_multikey(multikey)
        except ValueError:
            multikey = None
    if multikey is None:
        scheme = method.split(":", 1)[0] if ":" in method else ""
        if not scheme or not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme):
            result.error(f"the verification method {method!r} is not a URI (no scheme)")
            return None
        if scheme == "did":
            if method.startswith("did:key:"):
                multikey = method[len("did:key:"):].split("#")[0]
            elif method.startswith("did:web:"):
                result.unsupported = "did:web keys need the DID document from the issuer's web site"
                result.error(f"cannot resolve {method}: {result.unsupported}")
                return None
            else:
                result.error(f"unknown DID method in verification method {method}")
                return None
        elif scheme in ("http", "https"):
            try:
                key_doc = verifier.get_json(method)
            except Exception as exc:
                result.error(f"the verification method {method} cannot be dereferenced: {exc}")
                return None
            vm = key_doc if key_doc.get("publicKeyMultibase") else next(
                (m for m in key_doc.get("verificationMethod", []) if isinstance(m, dict) and m.get("id") == method),
                {})
            multikey, controller = vm.get("publicKeyMultibase"), vm.get("controller")
        else:
            result.error(f"unknown verification method scheme {scheme!r} in {method}")
            return None
    try:
        raw = ed25519_from_multikey(multikey or "")
    except ValueError as exc:
        result.error(f"verification method {method}: {exc}")
        return None
    if controller and issuer_id and controller != issuer_id:
        result.error(f"the key's controller {controller} is not the issuer {issuer_id}")
        return None
    if verifier.is_ours(issuer_id):
        if verifier.keys is None or multikey != verifier.keys.ed25519_multikey:
            result.error("the credential claims this node as issuer but is not signed with this node's key")
            return None
    elif controller and "#" in method and verifier.fetch is None:
        result.warnings.append(f"the key was read from the verification method URL; that {controller} "
                               f"publishes it was not checked (no fetching)")
    elif controller and not controller.startswith("did:") and not _controller_lists(verifier, result, controller,
                                                                                    method):
        return None
    return Ed25519PublicKey.from_public_bytes(raw)


def _controller_lists(verifier, result: Verification, controller: str, method: str) -> bool:
    """Does the controller document (the issuer's profile) list the key as an assertion method?
    (W3C VC Data Integrity, "Retrieve Verification Method" and the controller's verification
    relationships: anyone can put a key of their own in a verification method URL, only the
    issuer can list it in its profile.)"""
    try:
        doc = verifier.get_json(controller)
    except Exception as exc:
        result.unknown(f"the issuer's key cannot be confirmed: its profile {controller} cannot be read ({exc})")
        return True  # the signature is still checked: a forgery is INVALID, not merely unknown
    listed = [m if isinstance(m, str) else m.get("id") for m in as_list(doc.get("assertionMethod"))
              if isinstance(m, (str, dict))]
    if method not in listed:
        result.error(f"the issuer's profile {controller} does not list the key {method} as an assertion "
                     f"method (signed by someone else)")
        return False
    return True


def check_status(verifier, result: Verification, doc: dict, ours: bool) -> None:
    """Revoked or suspended? This node's own graph for its credentials (it has the reason and the
    date), otherwise the ``credentialStatus`` the issuer publishes (:mod:`badges.status_check`)."""
    if ours and verifier.service is not None:
        verifier.award_of(result, str(doc.get("id", "")))
        return
    status_check.check_status(verifier, result, doc)


def check_recipient(result: Verification, doc: dict, recipient) -> None:
    if not recipient:
        return
    subject = doc.get("credentialSubject") or {}
    for ident in subject.get("identifier") or []:
        if ident.get("identityType") == "emailAddress":
            check_identity(result, recipient, ident.get("identityHash"), ident.get("salt"),
                           ident.get("hashed"), ident.get("identityHash"))
            return
    check_identity(result, recipient, None, None, False, subject.get("id"))
