"""OB 2.0 hosted assertions of other issuers (badges/verify/ob2_assertions.py): what their id
URL answers decides, and an answer that is not an assertion is a clear INVALID, not a crash."""

from __future__ import annotations

import pytest

from badges import Verifier

FOREIGN = "https://badges.example.org/assertions/1"


def _assertion() -> dict:
    return {"@context": "https://w3id.org/openbadges/v2", "type": "Assertion", "id": FOREIGN,
            "recipient": {"type": "email", "hashed": False, "identity": "ada@example.org"},
            "badge": "https://badges.example.org/badges/sparql", "issuedOn": "2024-05-01T00:00:00Z",
            "verification": {"type": "hosted"}}


def _answering(status: int, body: bytes):
    def fetch(url):
        assert url == FOREIGN, url
        return status, "application/json", body
    return fetch


@pytest.mark.parametrize("body, message", [
    (b"<html>moved</html>", f"the hosted assertion {FOREIGN} did not answer with JSON"),
    (b"[1, 2]", f"the hosted assertion {FOREIGN} did not answer with a JSON object"),
])
def test_a_hosted_assertion_url_that_answers_no_assertion_is_invalid(body, message):
    result = Verifier(fetch=_answering(200, body)).verify(_assertion())
    assert result.verdict == "INVALID" and result.errors == [message]


def test_the_hosted_copy_decides():
    import json

    hosted = json.dumps(_assertion()).encode()
    assert Verifier(fetch=_answering(200, hosted)).verify(_assertion(), recipient="ada@example.org").verdict == "VALID"
    altered = {**_assertion(), "issuedOn": "2020-01-01T00:00:00Z"}
    result = Verifier(fetch=_answering(200, hosted)).verify(altered)
    assert result.errors == [f"issuedOn differs from the hosted assertion at {FOREIGN} (altered copy)"]
