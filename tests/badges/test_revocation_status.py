"""Issue 11, item 4: a revoked OB 3.0 badge must verify as REVOKED (with the reason) wherever
it is checked, as long as the issuer is reachable, and as STATUS UNKNOWN (exit 3, never VALID)
when it is not. The node is served for real (waitress on 127.0.0.1); ``maarifa badge verify``
runs as its own process, as a stranger (no store of the node) and as the node's own command
line (while the server holds the store, and after it stopped)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from badges import Evidence, Verifier, ob3
from badges.fetch import http_fetch
from badges.jsonld import OB3_EXTENSIONS

from .conftest import LiveNode

pytestmark = pytest.mark.slow

MAARIFA = Path(sys.executable).with_name("maarifa")


@pytest.fixture
def node(tmp_path):
    n = LiveNode(tmp_path / "node")
    yield n
    n.close()


def verify_cli(data_dir: Path, *args, base_url: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAARIFA_")}
    base = ["--base-url", base_url] if base_url else []
    return subprocess.run([str(MAARIFA), "--data-dir", str(data_dir), *base, "badge", "verify", *map(str, args)],
                          capture_output=True, text=True, timeout=180, env=env)


def download(node, path: str, target: Path) -> Path:
    response = requests.get(node.base + path, timeout=30)
    assert response.status_code == 200, (path, response.status_code)
    target.write_bytes(response.content)
    return target


@pytest.mark.parametrize("kind", ["png", "svg"])
def test_a_revoked_baked_image_is_revoked_while_the_issuer_is_up_and_unknown_when_it_is_down(node, tmp_path, kind):
    award = node.service.issue("commons", "ada").award
    image = download(node, f"/ob/v3/credentials/{award.id}.{kind}", tmp_path / f"badge.{kind}")
    stranger = tmp_path / "stranger"  # another machine: it has no store of the node

    valid = verify_cli(stranger, image)
    assert valid.returncode == 0 and valid.stdout.startswith("VALID"), valid.stdout + valid.stderr

    node.service.revoke(award.id, "copied the exercise")
    # the stranger, and the node's own command line while the server holds the store
    for data_dir in (stranger, node.settings.data_dir):
        revoked = verify_cli(data_dir, image, base_url=node.base)
        assert revoked.returncode == 1, revoked.stdout + revoked.stderr
        assert revoked.stdout.startswith("REVOKED") and "copied the exercise" in revoked.stdout, revoked.stdout
        assert "(revoked on 20" in revoked.stdout

    node.close()  # the issuer is down
    unknown = verify_cli(stranger, image, "--json")
    assert unknown.returncode == 3, unknown.stdout + unknown.stderr
    report = json.loads(unknown.stdout)
    assert report["verdict"] == "STATUS UNKNOWN" and report["valid"] is False and not report["errors"]
    assert any("status list cannot be read" in u and "cannot connect" in u for u in report["unknown"]), report
    text = verify_cli(stranger, image)
    assert text.returncode == 3 and text.stdout.startswith("STATUS UNKNOWN") and "VALID (" not in text.stdout

    own = verify_cli(node.settings.data_dir, image, base_url=node.base)  # the node's store, nobody serving it: the graph answers
    assert own.returncode == 1 and own.stdout.startswith("REVOKED") and "copied the exercise" in own.stdout


def test_the_verifier_reads_a_1edtech_revocation_list_too(node):
    """Credentials of issuers that use the 1EdTech Revocation List Status Method (with the OB 3.0
    extensions context, which defines its type): our list at /ob/v3/revocations answers for ours."""
    issuer = node.service.issuer
    award = node.service.issue("licensing", "bo").award
    doc = ob3.credential(issuer, award)
    doc["@context"] = doc["@context"] + [OB3_EXTENSIONS]
    doc["credentialStatus"] = {"id": ob3.revocation_list_id(issuer), "type": "1EdTechRevocationList"}
    signed = ob3.sign(doc, node.keys, ob3.verification_method(issuer, node.keys))
    stranger = Verifier(fetch=http_fetch)
    assert stranger.verify(signed).verdict == "VALID"
    node.service.revoke(award.id, "duplicate award")
    result = stranger.verify(signed)
    assert result.verdict == "REVOKED" and result.revocation_reason == "duplicate award" and result.revoked_on


def test_an_unreachable_revocation_list_is_status_unknown(node):
    issuer = node.service.issuer
    award = node.service.issue("licensing", "bo").award
    doc = ob3.credential(issuer, award)
    doc["@context"] = doc["@context"] + [OB3_EXTENSIONS]
    doc["credentialStatus"] = {"id": f"{node.base}/no-such-list", "type": "1EdTechRevocationList"}
    result = Verifier(fetch=http_fetch).verify(ob3.sign(doc, node.keys, ob3.verification_method(issuer, node.keys)))
    assert result.verdict == "STATUS UNKNOWN" and "answered HTTP 404" in result.unknowns[0], result.summary()


def test_the_verification_page_shows_reason_date_and_evidence(node):
    award = node.service.issue("licensing", "bo", evidence=[Evidence(
        url="https://commons.wikimedia.org/wiki/User:Bo/Uploads", narrative="Uploaded <ten> photos.\n\nAll CC BY-SA.")]
    ).award
    page = requests.get(f"{node.base}/badges/verify/{award.id}", timeout=30).text
    assert "Verified" in page and "https://commons.wikimedia.org/wiki/User:Bo/Uploads" in page
    assert "<p>Uploaded &lt;ten&gt; photos.</p><p>All CC BY-SA.</p>" in page  # escaped, paragraphs kept
    node.service.revoke(award.id, "photos were not Bo's own")
    page = requests.get(f"{node.base}/badges/verify/{award.id}", timeout=30).text
    assert "Revoked" in page and "photos were not Bo&#39;s own" in page and "revoked on" in page
    assert "Verified" not in page
    listed = requests.get(f"{node.base}/ob/v3/revocations", timeout=30).json()["revokedCredentials"]
    assert {"id": ob3.credential_id(node.service.issuer, award.id), "revoked": True,
            "revocationReason": "photos were not Bo's own",
            "revocationDate": node.service.award(award.id).revoked_on} in listed
