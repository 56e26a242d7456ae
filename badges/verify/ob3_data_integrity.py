"""Open Badges 3.0 credentials secured with an embedded proof: a ``DataIntegrityProof`` of the
``eddsa-rdfc-2022`` cryptosuite, by a key the issuer controls; and Bitstring status list
credentials, which are secured the same way.

Implements W3C Verifiable Credential Data Integrity 1.0 "Verify Proof"
(https://www.w3.org/TR/vc-data-integrity/#verify-proof) with the suite of Data Integrity EdDSA
Cryptosuites v1.0 §3.2 (https://www.w3.org/TR/vc-di-eddsa/#eddsa-rdfc-2022), as OB 3.0 asks
(https://www.imsglobal.org/spec/ob/v3p0/#verification, "Linked Data Proofs").
"""

from __future__ import annotations

from .. import ob3
from ..errors import ContextNotBundled
from ..jsonld import JsonLdFailed, UnsafeJsonLd
from . import ob3_credential
from .fields import issuer_id_of
from .result import Verification


def verify_credential(verifier, doc: dict, recipient) -> Verification:
    result = Verification(kind="Open Badges 3.0 credential (eddsa-rdfc-2022)", document=doc)
    issuer_id = issuer_id_of(doc)
    ours = verifier.is_ours(issuer_id)
    if not ob3_credential.check_credential(verifier, result, doc, ours=ours):
        return result
    if not check_proof(verifier, result, doc, issuer_id):
        return result
    ob3_credential.check_status(verifier, result, doc, ours)
    ob3_credential.check_recipient(result, doc, recipient)
    return result


def verify_status_list(verifier, doc: dict) -> Verification:
    """A status list credential on its own: a credential whose proof verifies (its bits are read
    when a credential that points into it is verified)."""
    result = Verification(kind="Bitstring status list credential (eddsa-rdfc-2022)", document=doc)
    if ob3_credential.check_vc(verifier, result, doc):
        check_proof(verifier, result, doc, issuer_id_of(doc))
    return result


def check_proof(verifier, result: Verification, doc: dict, issuer_id: str | None) -> bool:
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
    key = ob3_credential.resolve_key(verifier, result, str(proof.get("verificationMethod", "")), issuer_id)
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
