"""Verification of Open Badges: baked images, OB 2.0 hosted JSON and signed JWS, OB 3.0
credentials with an embedded proof and VC-JWT.

Documents of this node are checked against the graph (does the award exist, is it revoked,
is the key ours) when the verifier has the node's store. Everything else is checked against
what the issuer publishes, fetched only through the ``fetch`` callable given to
:class:`Verifier` (:func:`badges.fetch.http_fetch` in the CLI; none means offline): the
controller document that must list the signing key, and the revocation status (a W3C
Bitstring status list, a 1EdTech revocation list, see :mod:`badges.status_check`). Contexts
always come from the bundle.

A verification ends in one of four verdicts: VALID; INVALID (something is wrong with the
badge); REVOKED; STATUS UNKNOWN (nothing is wrong with the badge itself, but what the issuer
publishes about it could not be read: the badge is not reported valid).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from . import ob2, ob3, status_check
from .errors import BadImage, ContextNotBundled, UnknownAward
from .images import sniff, unbake_any
from .jsonld import OB3_CONTEXT, VC2_CONTEXT, JsonLdFailed, UnsafeJsonLd, bundled_context
from .multibase import b64url_decode, ed25519_from_multikey
from .service import hash_identity

SCHEMA_PATH = Path(__file__).with_name("schemas") / "ob_v3p0_achievementcredential_schema.json"
VC1_CONTEXT = "https://www.w3.org/2018/credentials/v1"
OB3_CONTEXT_PREFIX = "https://purl.imsglobal.org/spec/ob/v3p0/context"

#: fetch(url) -> (HTTP status, content type, body)
Fetch = Callable[[str], tuple[int, str, bytes]]


@dataclass
class Verification:
    valid: bool = True
    kind: str = "unknown"
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    document: dict | None = None
    award_id: str | None = None
    revoked: bool = False
    unsupported: str | None = None  # set when it needs documents or suites we do not have
    unknowns: list[str] = field(default_factory=list)  # what the issuer publishes that could not be read
    revocation_reason: str | None = None
    revoked_on: str | None = None

    def error(self, message: str) -> "Verification":
        self.valid = False
        self.errors.append(message)
        return self

    def unknown(self, message: str) -> "Verification":
        """Something the verdict depends on that could not be checked: never VALID then."""
        self.valid = False
        self.unknowns.append(message)
        return self

    def revoke(self, reason: str | None, revoked_on: str | None = None) -> "Verification":
        self.revoked = True
        self.revocation_reason = reason or None
        self.revoked_on = revoked_on or None
        when = f" (revoked on {revoked_on})" if revoked_on else ""
        return self.error(f"the badge was revoked: {reason}{when}" if reason else
                          f"the badge was revoked{when}; the issuer gives no reason")

    @property
    def verdict(self) -> str:
        if self.revoked:
            return "REVOKED"
        if self.errors:
            return "INVALID"
        if self.unknowns:
            return "STATUS UNKNOWN"
        return "VALID"

    def to_dict(self) -> dict:
        return {"valid": self.valid, "verdict": self.verdict, "kind": self.kind, "errors": self.errors,
                "unknown": self.unknowns, "warnings": self.warnings, "award": self.award_id,
                "revoked": self.revoked, "revocation_reason": self.revocation_reason,
                "revoked_on": self.revoked_on}

    def summary(self) -> str:
        lines = ([f"{self.verdict} ({self.kind})"] + [f"  error: {e}" for e in self.errors]
                 + [f"  status unknown: {u}" for u in self.unknowns] + [f"  warning: {w}" for w in self.warnings])
        return "\n".join(lines)


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


def _parse_time(value) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


def types_of(value) -> list[str]:
    return [value] if isinstance(value, str) else [t for t in (value or []) if isinstance(t, str)]


def _as_list(value) -> list:
    return value if isinstance(value, list) else [] if value is None else [value]


def issuer_id_of(doc: dict):
    issuer = doc.get("issuer")
    return issuer.get("id") if isinstance(issuer, dict) else issuer


def looks_like_jws(text: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*", text.strip()))


class Verifier:
    def __init__(self, service=None, keys=None, fetch: Fetch | None = None, now: dt.datetime | None = None):
        self.service = service
        self.keys = keys
        self.fetch = fetch
        self.now = now
        self._fetched: dict[str, dict] | None = None  # documents read during one verify() call

    @property
    def base_url(self) -> str | None:
        return self.service.issuer.base_url if self.service is not None else None

    def _now(self) -> dt.datetime:
        return self.now or dt.datetime.now(dt.timezone.utc)

    def _ours(self, url) -> bool:
        return bool(self.base_url) and isinstance(url, str) and url.startswith(self.base_url + "/")

    def get(self, url: str) -> tuple[int, str, bytes]:
        """(HTTP status, content type, body) of an issuer's document; LookupError when fetching is off."""
        if self.fetch is None:
            raise LookupError(f"{url} would have to be fetched, and fetching is off here")
        return self.fetch(url)

    def get_json(self, url: str) -> dict:
        """The JSON object at ``url`` (fragment dropped), read once per verification;
        :class:`LookupError` saying why when there is none."""
        address = url.split("#")[0]
        cache = self._fetched if self._fetched is not None else {}
        if address not in cache:
            status, _, body = self.get(address)
            if status >= 400:
                raise LookupError(f"{address} answered HTTP {status}")
            try:
                doc = json.loads(body)
            except ValueError:
                raise LookupError(f"{address} did not answer with JSON") from None
            if not isinstance(doc, dict):
                raise LookupError(f"{address} did not answer with a JSON object")
            cache[address] = doc
        return cache[address]


    # -- entry point ----------------------------------------------------------------------

    def verify(self, data: bytes | str | dict, *, recipient: str | None = None) -> Verification:
        """Verify a baked image, a JSON document, a JWS/VC-JWT or an http(s) URL."""
        if self._fetched is not None:  # a nested call (a baked image's payload): same documents
            return self._verify(data, recipient)
        self._fetched = {}
        try:
            return self._verify(data, recipient)
        finally:
            self._fetched = None

    def _verify(self, data: bytes | str | dict, recipient: str | None) -> Verification:
        if isinstance(data, dict):
            return self._verify_json(data, recipient)
        if isinstance(data, bytes):
            head = data[:1024].lstrip()
            if data.startswith(b"\x89PNG") or head.startswith((b"<?xml", b"<svg", b"<!--")):
                try:
                    payload = unbake_any(data)
                except BadImage as exc:
                    return Verification(kind="image").error(str(exc))
                if not payload:
                    return Verification(kind="image").error("the image carries no baked Open Badges data")
                result = self.verify(payload, recipient=recipient)
                result.kind = f"baked {sniff(data).upper()}: {result.kind}"
                return result
            try:
                data = data.decode("utf-8")
            except UnicodeDecodeError:
                return Verification().error("not an image, JSON, a JWS or a URL (binary data)")
        text = data.strip()
        if re.match(r"https?://", text):
            return self._verify_url(text, recipient)
        if text.startswith("{"):
            try:
                doc = json.loads(text)
            except json.JSONDecodeError as exc:
                return Verification(kind="json").error(f"not valid JSON: {exc}")
            if not isinstance(doc, dict):
                return Verification(kind="json").error("a badge is a JSON object")
            return self._verify_json(doc, recipient)
        if looks_like_jws(text):
            try:
                header, _, _, _ = ob2.jws_parts(text)
            except (ValueError, UnicodeDecodeError) as exc:
                return Verification(kind="jws").error(f"malformed JWS: {exc}")
            if header.get("alg") == "EdDSA":
                return self._verify_vc_jwt(text, recipient)
            return self._verify_ob2_signed(text, recipient)
        return Verification().error("not a baked image, JSON, a JWS/VC-JWT or an http(s) URL")

    def _verify_url(self, url: str, recipient) -> Verification:
        if self._ours(url) and self.service is not None:
            local = self._local_document(url)
            if isinstance(local, Verification):
                return local
            if local is not None:
                return self.verify(local, recipient=recipient)
        try:
            status, ctype, body = self.get(url)
        except Exception as exc:  # fetching off, or no answer: nothing is known about the badge
            return Verification(kind="url").unknown(f"cannot fetch {url}: {exc}")
        if status == 410:
            reason, revoked_on = status_check.revoked_body(body)
            return Verification(kind="url").revoke(reason, revoked_on)
        if status >= 400:
            return Verification(kind="url").error(f"{url} answered HTTP {status}")
        return self.verify(body, recipient=recipient)

    def _local_document(self, url: str):
        """Our own OB URL, read from the graph without HTTP (a revoked award: its verdict)."""
        path = url[len(self.base_url):]
        m = re.fullmatch(r"/ob/v2/assertions/([0-9a-f]{32})(\.jws)?", path)
        m3 = re.fullmatch(r"/ob/v3/credentials/([0-9a-f]{32})(\.jwt)?", path)
        if not (m or m3):
            return None
        try:
            award = self.service.award((m or m3).group(1))
        except UnknownAward:
            return None
        if award.revoked:
            return Verification(kind="url", award_id=award.id).revoke(award.revocation_reason, award.revoked_on)
        issuer = self.service.issuer
        if m and not m.group(2):
            return ob2.assertion(issuer, award)
        if m:
            return ob2.jws_sign(ob2.signed_assertion(issuer, award), self.keys)
        if m3.group(2):
            return ob3.jwt(issuer, award, self.keys)
        return ob3.signed_credential(issuer, award, self.keys)

    def _verify_json(self, doc: dict, recipient) -> Verification:
        context = doc.get("@context")
        contexts = context if isinstance(context, list) else [context]
        types = types_of(doc.get("type"))
        if "BitstringStatusListCredential" in types:
            return self._verify_status_list(doc)
        if any(c in (VC2_CONTEXT, VC1_CONTEXT) for c in contexts) or "VerifiableCredential" in types:
            return self._verify_ob3(doc, recipient)
        if "Assertion" in types or ob2.OB2_CONTEXT in contexts:
            return self._verify_ob2_hosted(doc, recipient)
        return Verification(kind="json").error("neither an Open Badges 2.0 assertion nor a verifiable credential")

    # -- recipient ----------------------------------------------------------------------

    @staticmethod
    def _check_identity(result: Verification, recipient: str | None, identity: str | None, salt, hashed,
                        plain: str | None) -> None:
        if not recipient:
            return
        if hashed and identity:
            algo, _, _ = identity.partition("$")
            if algo.lower() != "sha256":
                result.error(f"unsupported identity hash {algo!r}")
            elif hash_identity(recipient, salt or "") != identity.lower():
                result.error(f"the badge was not issued to {recipient} (the recipient hash does not match)")
        elif (plain or "") != recipient:
            result.error(f"the badge was not issued to {recipient}")

    # -- OB 2.0 -------------------------------------------------------------------------

    def _award_of(self, result: Verification, url: str, prefix: str):
        if self.service is None:
            return None
        award_id = url.split("/")[-1].removeprefix("urn:uuid:").replace("-", "")
        try:
            award = self.service.award(award_id)
        except UnknownAward:
            result.error(f"{url}: this node never issued such a badge")
            return None
        result.award_id = award.id
        if award.revoked:
            result.revoke(award.revocation_reason, award.revoked_on)
        return award

    def _verify_ob2_hosted(self, doc: dict, recipient) -> Verification:
        result = Verification(kind="Open Badges 2.0 hosted assertion", document=doc)
        aid = doc.get("id")
        if doc.get("revoked") is True:
            return result.revoke(doc.get("revocationReason"))
        if not isinstance(aid, str) or not aid.startswith(("http://", "https://")):
            return result.error("a hosted assertion needs an http(s) id")
        if (doc.get("verification") or {}).get("type", "hosted").lower() not in ("hosted", "hostedbadge"):
            return result.error("verification type must be 'hosted'")
        if self._ours(aid):
            award = self._award_of(result, aid, "/ob/v2/assertions/")
            if award is None or award.revoked:
                return result
            hosted = ob2.assertion(self.service.issuer, award)
        else:
            try:
                status, _, body = self.get(aid)
            except Exception as exc:
                return result.unknown(f"the hosted assertion cannot be read: {exc}")
            if status == 410:
                return result.revoke(*status_check.revoked_body(body))
            if status >= 400:
                return result.error(f"the hosted assertion {aid} answered HTTP {status}")
            hosted = json.loads(body)
        for key in ("recipient", "badge", "issuedOn"):
            if hosted.get(key) != doc.get(key):
                result.error(f"{key} differs from the hosted assertion at {aid} (altered copy)")
        expires = _parse_time(hosted.get("expires"))
        if expires and expires < self._now():
            result.error(f"the badge expired on {hosted['expires']}")
        r = hosted.get("recipient") or {}
        self._check_identity(result, recipient, r.get("identity"), r.get("salt"), r.get("hashed"), r.get("identity"))
        return result

    def _verify_ob2_signed(self, token: str, recipient) -> Verification:
        result = Verification(kind="Open Badges 2.0 signed assertion (JWS)")
        try:
            header, payload, _, _ = ob2.jws_parts(token)
        except (ValueError, UnicodeDecodeError) as exc:
            return result.error(f"malformed JWS: {exc}")
        result.document = payload
        creator = (payload.get("verification") or {}).get("creator")
        if not isinstance(creator, str):
            return result.error("a signed assertion names its key in verification.creator")
        try:
            if self._ours(creator):
                pem, owner = self.keys.rsa_public_pem, ob2.issuer_id(self.service.issuer)
            else:
                key_doc = self.get_json(creator)
                pem, owner = key_doc.get("publicKeyPem", ""), key_doc.get("owner")
            ob2.jws_verify_rs256(token, pem)
        except ValueError as exc:
            return result.error(str(exc))
        except Exception as exc:
            return result.error(f"cannot get the signing key {creator}: {exc}")
        if self._ours(creator):
            award = self._award_of(result, str(payload.get("id", "")), "urn:uuid:")
            if award is not None and not award.revoked:
                expected = ob2.signed_assertion(self.service.issuer, award)
                if expected.get("recipient") != payload.get("recipient"):
                    result.error("the recipient differs from the award's")
        elif self.fetch is not None:
            try:
                badge = self.get_json(payload["badge"]) if isinstance(payload.get("badge"), str) else payload["badge"]
                issuer = self.get_json(badge["issuer"]) if isinstance(badge.get("issuer"), str) else badge["issuer"]
                if owner and issuer.get("id") != owner:
                    result.error("the key's owner is not the badge's issuer")
                if issuer.get("revocationList"):
                    revoked = self.get_json(issuer["revocationList"]).get("revokedAssertions", [])
                    for entry in revoked:
                        if entry == payload.get("id") or (isinstance(entry, dict) and entry.get("id") == payload.get("id")):
                            result.revoke(entry.get("revocationReason") if isinstance(entry, dict) else None)
            except Exception as exc:
                result.unknown(f"the issuer's revocation list cannot be read: {exc}")
        else:
            result.unknown("the issuer's revocation list would have to be fetched, and fetching is off here")
        expires = _parse_time(payload.get("expires"))
        if expires and expires < self._now():
            result.error(f"the badge expired on {payload['expires']}")
        r = payload.get("recipient") or {}
        self._check_identity(result, recipient, r.get("identity"), r.get("salt"), r.get("hashed"), r.get("identity"))
        return result

    # -- OB 3.0 -------------------------------------------------------------------------

    def _check_credential(self, result: Verification, doc: dict, *, ours: bool) -> bool:
        """Context, type, schema and validity period; False when nothing further makes sense."""
        if not self.check_vc(result, doc):
            return False
        contexts = doc.get("@context")
        contexts = contexts if isinstance(contexts, list) else [contexts]
        if not any(isinstance(c, str) and c.startswith(OB3_CONTEXT_PREFIX) for c in contexts):
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

    def check_vc(self, result: Verification, doc: dict) -> bool:
        """What every verifiable credential needs (W3C VC Data Model 2.0): the base context first,
        bundled contexts, the type, and a validity period that includes now."""
        contexts = doc.get("@context")
        contexts = contexts if isinstance(contexts, list) else [contexts]
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
        now = self._now()
        start = _parse_time(doc.get("validFrom") or doc.get("issuanceDate"))
        if start is None:
            result.error("validFrom is missing or not a date-time")
        elif start > now:
            result.error(f"the credential is not valid before {doc.get('validFrom') or doc.get('issuanceDate')}")
        end_text = doc.get("validUntil") or doc.get("expirationDate")
        end = _parse_time(end_text)
        if end_text and end is None:
            result.error("validUntil is not a date-time")
        elif end is not None and end < now:
            result.error(f"the credential expired on {end_text}")
        return True

    def check_proof(self, result: Verification, doc: dict, issuer_id: str | None) -> bool:
        """The document's eddsa-rdfc-2022 Data Integrity proof, by a key its issuer controls."""
        proofs = doc.get("proof")
        proofs = proofs if isinstance(proofs, list) else [proofs] if proofs else []
        if not proofs:
            result.error("the credential has no proof")
            return False
        usable = [p for p in proofs if isinstance(p, dict) and p.get("type") == "DataIntegrityProof"
                  and p.get("cryptosuite") == ob3.CRYPTOSUITE and p.get("proofPurpose") == "assertionMethod"]
        if not usable:
            found = ", ".join(sorted({f"{p.get('type')}/{p.get('cryptosuite', '-')}" for p in proofs if isinstance(p, dict)}))
            result.unsupported = f"no eddsa-rdfc-2022 DataIntegrityProof (found {found})"
            result.error(result.unsupported)
            return False
        proof = usable[0]
        key = self._resolve_key(result, str(proof.get("verificationMethod", "")), issuer_id)
        if key is None:
            return False
        try:
            ok = ob3.verify_proof(doc, proof, key)
        except UnsafeJsonLd as exc:  # the document's own fault, like a wrong signature
            result.error(f"{exc} (verifiers in JSON-LD safe mode refuse it)")
            return False
        except (ContextNotBundled, JsonLdFailed) as exc:
            result.unsupported = str(exc)
            result.error(str(exc))
            return False
        if not ok:
            result.error("the proof does not verify: the credential was altered or signed with another key")
        return ok

    def _resolve_key(self, result: Verification, method: str, issuer_id: str | None) -> Ed25519PublicKey | None:
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
                    key_doc = self.get_json(method)
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
        if self._ours(issuer_id):
            if self.keys is None or multikey != self.keys.ed25519_multikey:
                result.error("the credential claims this node as issuer but is not signed with this node's key")
                return None
        elif controller and "#" in method and self.fetch is None:
            result.warnings.append(f"the key was read from the verification method URL; that {controller} "
                                   f"publishes it was not checked (no fetching)")
        elif controller and not controller.startswith("did:") and not self._controller_lists(result, controller, method):
            return None
        return Ed25519PublicKey.from_public_bytes(raw)

    def _controller_lists(self, result: Verification, controller: str, method: str) -> bool:
        """Does the controller document (the issuer's profile) list the key as an assertion method?
        (W3C VC Data Integrity, "Retrieve Verification Method" and the controller's verification
        relationships: anyone can put a key of their own in a verification method URL, only the
        issuer can list it in its profile.)"""
        try:
            doc = self.get_json(controller)
        except Exception as exc:
            result.unknown(f"the issuer's key cannot be confirmed: its profile {controller} cannot be read ({exc})")
            return True  # the signature is still checked: a forgery is INVALID, not merely unknown
        listed = [m if isinstance(m, str) else m.get("id") for m in _as_list(doc.get("assertionMethod"))
                  if isinstance(m, (str, dict))]
        if method not in listed:
            result.error(f"the issuer's profile {controller} does not list the key {method} as an assertion "
                         f"method (signed by someone else)")
            return False
        return True

    def _verify_ob3(self, doc: dict, recipient) -> Verification:
        result = Verification(kind="Open Badges 3.0 credential (eddsa-rdfc-2022)", document=doc)
        issuer_id = issuer_id_of(doc)
        ours = self._ours(issuer_id)
        if not self._check_credential(result, doc, ours=ours):
            return result
        if not self.check_proof(result, doc, issuer_id):
            return result
        self._ob3_status(result, doc, ours)
        self._ob3_recipient(result, doc, recipient)
        return result

    def _verify_status_list(self, doc: dict) -> Verification:
        """A status list credential on its own: a credential whose proof verifies (its bits are read
        when a credential that points into it is verified)."""
        result = Verification(kind="Bitstring status list credential (eddsa-rdfc-2022)", document=doc)
        if self.check_vc(result, doc):
            self.check_proof(result, doc, issuer_id_of(doc))
        return result

    def _ob3_status(self, result: Verification, doc: dict, ours: bool) -> None:
        if ours and self.service is not None:
            # the node's own graph is the authority (and has the reason and the date)
            self._award_of(result, str(doc.get("id", "")), "/ob/v3/credentials/")
            return
        status_check.check_status(self, result, doc)

    def _ob3_recipient(self, result: Verification, doc: dict, recipient) -> None:
        if not recipient:
            return
        subject = doc.get("credentialSubject") or {}
        for ident in subject.get("identifier") or []:
            if ident.get("identityType") == "emailAddress":
                self._check_identity(result, recipient, ident.get("identityHash"), ident.get("salt"),
                                     ident.get("hashed"), ident.get("identityHash"))
                return
        self._check_identity(result, recipient, None, None, False, subject.get("id"))

    def _verify_vc_jwt(self, token: str, recipient) -> Verification:
        result = Verification(kind="Open Badges 3.0 credential (VC-JWT, EdDSA)")
        parts = token.split(".")
        try:
            header = json.loads(b64url_decode(parts[0]))
            payload = json.loads(b64url_decode(parts[1]))
            signature = b64url_decode(parts[2])
        except (ValueError, UnicodeDecodeError) as exc:
            return result.error(f"malformed JWT: {exc}")
        vc = payload.get("vc", payload) if isinstance(payload, dict) else None
        if not isinstance(vc, dict):
            return result.error("the JWT carries no credential")
        result.document = vc
        issuer_id = issuer_id_of(vc)
        if payload.get("iss") not in (None, issuer_id):
            result.error("the JWT's iss is not the credential's issuer")
        key = self._resolve_key(result, str(header.get("kid", "")), issuer_id)
        if key is None:
            return result
        from cryptography.exceptions import InvalidSignature
        try:
            key.verify(signature, f"{parts[0]}.{parts[1]}".encode("ascii"))
        except InvalidSignature:
            return result.error("the JWT signature does not verify: the credential was altered or signed "
                                "with another key")
        ours = self._ours(issuer_id)
        if not self._check_credential(result, vc, ours=ours):
            return result
        exp = payload.get("exp")
        if isinstance(exp, (int, float)) and exp < self._now().timestamp():
            result.error("the JWT has expired")
        self._ob3_status(result, vc, ours)
        self._ob3_recipient(result, vc, recipient)
        return result
