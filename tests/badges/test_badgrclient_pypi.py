"""A second Badgr client nobody here wrote: PyPI ``badgrclient`` 0.1.2 (the ``test`` extra) logs
in, issues, reads and revokes through our Badgr-compatible API served by waitress on
127.0.0.1. Its ``Assertion.revoke`` sends a DELETE without a body (the reason it is given is
dropped) and ``revoke_assertions`` a top-level JSON array: both revoke. Issue 11, item 6."""

from __future__ import annotations

import pytest
from badgrclient import Assertion, BadgeClass, BadgrClient, Issuer
from badgrclient.exceptions import APIError

from web.badgr_requests import DEFAULT_REVOCATION_REASON


@pytest.fixture(scope="module")
def client(live_node):
    token = live_node.services.tokens.create("badgrclient-script", "trainer")
    client = BadgrClient(username="badgrclient-script", password=token, client_id="public", base_url=live_node.base)
    yield client
    client.session.close()  # its keep-alive socket, before the node stops (no ResourceWarning)


def test_issues_fetches_and_revokes_one_assertion(live_node, client):
    issued = BadgeClass(client, "commons").issue("ada@example.org", narrative="Completed it.", notify=False)
    assert issued.entityId and issued.data["badgeclass"] == "commons"
    fetched = client.fetch_assertion(issued.entityId)[0]
    assert isinstance(fetched, Assertion) and fetched.data["revoked"] is False
    assert fetched.data["recipient"]["hashed"] is True

    response = issued.revoke("badgrclient drops this reason")
    assert response["status"]["success"] is True
    award = live_node.service.award(issued.entityId)
    assert award.revoked and award.revocation_reason == DEFAULT_REVOCATION_REASON
    assert client.fetch_assertion(issued.entityId)[0].data["revoked"] is True


def test_revokes_many_with_a_top_level_array(live_node, client):
    first = BadgeClass(client, "licensing").issue("ada@example.org", notify=False)
    second = BadgeClass(client, "commons").issue("dee@example.org", notify=False)
    response = client.revoke_assertions([first.entityId, second.entityId], reason="issued to the wrong class")
    assert [r["revoked"] for r in response["result"]] == [True, True]
    for assertion in (first, second):
        award = live_node.service.award(assertion.entityId)
        assert award.revoked and award.revocation_reason == "issued to the wrong class"


def test_lists_issuer_badge_classes_and_assertions(live_node, client):
    from badges import Actor

    issued = BadgeClass(client, "licensing").issue("dee@example.org", notify=False)
    private = live_node.service.issue("commons", "cy").award  # by an admin: a trainer may not see cy
    issuer = client.fetch_issuer()[0]
    assert isinstance(issuer, Issuer) and issuer.entityId == "node"
    assert sorted(b.entityId for b in issuer.fetch_badgeclasses()) == ["commons", "licensing"]
    assert sorted(b.entityId for b in client.fetch_badgeclass()) == ["commons", "licensing"]
    listed = {a.entityId for a in issuer.fetch_assertions()}
    trainer = Actor("badgrclient-script", "trainer")
    assert issued.entityId in listed and listed == {a.id for a in live_node.service.awards(actor=trainer)}
    assert private.id not in listed and private.id in {a.id for a in live_node.service.awards()}


def test_errors_reach_the_client_as_api_errors(client):
    with pytest.raises(APIError, match="no person"):
        BadgeClass(client, "commons").issue("nobody@example.org", notify=False)
    with pytest.raises(APIError, match="no person"):  # a private person: the same answer as nobody
        BadgeClass(client, "licensing").issue("cy@example.org", notify=False)
    with pytest.raises(APIError, match="already revoked|no badge award"):
        Assertion(client, "0" * 32).revoke("x")
