"""Every {base}/id/... IRI by content negotiation; 404 for what the public may not see."""

from __future__ import annotations

import json

import pytest
import requests


@pytest.mark.parametrize("accept, mime", [("text/turtle", "text/turtle"), ("application/ld+json", "application/ld+json"),
                                          ("application/n-triples", "application/n-triples"),
                                          ("text/html,application/xhtml+xml", "text/html")])
def test_content_negotiation(shared_node, accept, mime):
    iri = str(shared_node.iri("person", "open"))
    response = requests.get(iri, headers={"Accept": accept})
    assert response.status_code == 200 and response.headers["Content-Type"].startswith(mime)
    assert "Accept" in response.headers["Vary"]
    assert "open" in response.text and "open@example.org" not in response.text
    if mime == "application/ld+json":
        assert any(node.get("@id") == iri for node in json.loads(response.text))


@pytest.mark.parametrize("username", ["shy", "member", "secret", "nobody"])
def test_people_the_public_may_not_see_are_404(shared_node, username):
    for accept in ("text/turtle", "text/html"):
        response = requests.get(str(shared_node.iri("person", username)), headers={"Accept": accept})
        assert response.status_code == 404
        assert username not in response.text or username == "nobody" or "nothing public" in response.text


def test_a_skill_page_lists_its_statements_escaped(shared_node):
    html = requests.get(str(shared_node.iri("skill", "1")), headers={"Accept": "text/html"}).text
    assert "Skill 1" in html and "<script" not in html.lower()


def test_unknown_accept_is_406(shared_node):
    response = requests.get(str(shared_node.iri("skill", "1")), headers={"Accept": "image/gif"})
    assert response.status_code == 406
