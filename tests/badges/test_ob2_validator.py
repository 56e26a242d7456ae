"""Open Badges 2.0 checked by a verifier nobody here wrote: the PyPI ``openbadges`` 1.1.2
validator (validator-core, what Badgr uses), in its own virtual environment, against our
node served by waitress on 127.0.0.1. Its CLI exits 0 for invalid badges: we read
``report.valid``. It does not check revocation; test_web.py does."""

from __future__ import annotations

import pytest
import requests

from badges import Evidence

pytestmark = pytest.mark.slow


def errors(report):
    return [m for m in report["messages"] if m.get("messageLevel") == "ERROR"]


EVIDENCE = Evidence(url="https://commons.wikimedia.org/wiki/User:Ada/Uploads", narrative="Uploaded 40 photos.")


@pytest.fixture(scope="module")
def awards(live_node):
    svc = live_node.service
    # ada's award cites her training completion and the evidence her trainer entered
    return {"ada": svc.issue("commons", "ada", evidence=[EVIDENCE]).award, "bo": svc.issue("licensing", "bo").award}


def test_the_assertions_under_test_carry_evidence(live_node, awards):
    hosted = requests.get(f"{live_node.base}/ob/v2/assertions/{awards['ada'].id}", timeout=10).json()
    assert {"id": EVIDENCE.url, "narrative": EVIDENCE.narrative} in hosted["evidence"]
    assert {"narrative": "Completed the training About Wikimedia Commons."} in hosted["evidence"]


def test_hosted_assertion_is_valid(live_node, awards, ob_validator):
    url = f"{live_node.base}/ob/v2/assertions/{awards['ada'].id}"
    report = ob_validator({"email": "ada@example.org"}, input=url)
    assert report["valid"], errors(report)


def test_hosted_assertion_with_url_recipient_is_valid(live_node, awards, ob_validator):
    url = f"{live_node.base}/ob/v2/assertions/{awards['bo'].id}"
    report = ob_validator({"url": f"{live_node.base}/id/person/bo"}, input=url)
    assert report["valid"], errors(report)


def test_signed_assertion_is_valid(live_node, awards, ob_validator):
    jws = requests.get(f"{live_node.base}/ob/v2/assertions/{awards['ada'].id}.jws", timeout=10).text
    report = ob_validator({"email": "ada@example.org"}, input=jws)
    assert report["valid"], errors(report)


@pytest.mark.parametrize("path", ["{id}.png", "{id}.svg", "{id}/signed.png", "{id}/signed.svg"])
def test_baked_badges_are_valid(live_node, awards, ob_validator, tmp_path, path):
    response = requests.get(f"{live_node.base}/ob/v2/assertions/" + path.format(id=awards["ada"].id), timeout=10)
    assert response.status_code == 200
    image = tmp_path / ("badge." + path.rsplit(".", 1)[1])
    image.write_bytes(response.content)
    report = ob_validator({"email": "ada@example.org"}, file=str(image))
    assert report["valid"], errors(report)


def test_wrong_recipient_is_rejected(live_node, awards, ob_validator):
    url = f"{live_node.base}/ob/v2/assertions/{awards['ada'].id}"
    report = ob_validator({"email": "eve@example.org"}, input=url)
    assert not report["valid"]
    assert any(m["name"] == "VERIFY_RECIPIENT_IDENTIFIER" for m in errors(report))


def test_tampered_jws_is_rejected(live_node, awards, ob_validator):
    import base64
    import json

    jws = requests.get(f"{live_node.base}/ob/v2/assertions/{awards['ada'].id}.jws", timeout=10).text
    header, payload, signature = jws.split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    body["issuedOn"] = "2020-01-01T00:00:00Z"
    forged = base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=").decode()
    report = ob_validator({"email": "ada@example.org"}, input=f"{header}.{forged}.{signature}")
    assert not report["valid"]
    assert any("signature" in str(m.get("result", "")).lower() or m["name"] == "VERIFY_JWS" for m in errors(report))
