"""Our verifier agrees with the 1EdTech validator's OB 3.0 samples (tests/fixtures/badges/ob30):
the ``*-err-*`` samples fail, the others pass, except those that need documents, contexts or
cryptosuites that are not bundled (listed below with the reason; those are skipped)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from badges import Verifier

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "badges" / "ob30"
NOW = dt.datetime(2024, 6, 1, tzinfo=dt.timezone.utc)

NEEDS_MORE = {
    "simple-did-web-method.json": "did:web key: needs the DID document from the issuer's web site",
    "credential-status-revoked.json": "VC 1.1 context, Ed25519Signature2020 and a did:web key (not bundled)",
    "bit-string-list/credential-status-revoked.json": "revocation is in a remote bitstring status list",
    "bit-string-list/credential-status-revoked-blank-nodes.json": "revocation is in a remote bitstring status list",
    "complete.json": "its credentialSchema and status list are remote documents (1EdTech expects the 404 "
                     "of the inline schema to fail it)",
    "complete_v1.json": "VC 1.1 context and Ed25519Signature2020 suite (not bundled); remote credentialSchema",
    "simple_v1.json": "VC 1.1 context and Ed25519Signature2020 suite (not bundled)",
    "simple-noproof.json": "VC 1.1 and ed25519-2020 contexts (not bundled)",
    "simple-eddsa-2022.json": "legacy eddsa-2022 cryptosuite with the VC 1.1 and data-integrity v1 contexts",
    "sd/derivedcredential.json": "ecdsa-sd-2023 selective-disclosure cryptosuite",
}


def samples():
    return sorted(str(p.relative_to(SAMPLES)) for p in SAMPLES.rglob("*.json"))


def test_every_skip_names_a_sample():
    assert set(NEEDS_MORE) <= set(samples())


@pytest.mark.parametrize("name", samples())
def test_sample(name):
    if name in NEEDS_MORE:
        pytest.skip(f"{name}: {NEEDS_MORE[name]}")
    doc = json.loads((SAMPLES / name).read_text(encoding="utf-8"))
    result = Verifier(now=NOW).verify(doc)
    if "-err-" in Path(name).name:
        assert not result.valid, f"{name} should fail"
        if doc["@context"][0] == "https://www.w3.org/ns/credentials/v2":
            # it fails for what is wrong with it, not merely for a document we do not bundle
            assert result.unsupported is None, f"{name} failed only for lack of documents: {result.errors}"
    else:
        assert result.valid, f"{name}: {result.summary()}"
