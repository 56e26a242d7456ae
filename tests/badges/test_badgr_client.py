"""The Badgr client pushes issuer, badge classes and awards; tested against our own
Badgr-compatible endpoints served by waitress."""

from __future__ import annotations

import pytest

from badges import Actor, BadgeService
from badges.badgr_client import BadgrClient, BadgrError

from .conftest import BASE, make_issuer


@pytest.fixture
def source(badge_store):
    """Another node's data: the same people, a different issuer."""
    return BadgeService(badge_store, make_issuer(BASE))


def test_push_creates_classes_and_awards_once(live_node, source):
    token = live_node.services.tokens.create("pusher", "trainer")
    ada = source.issue("commons", "ada").award
    source.create_badge_class("mentor", {"en": "Mentor"}, {"en": "Mentored newcomers."},
                              criteria_text="Mentor three newcomers.")
    source.issue("mentor", "ada", actor=Actor("t", "trainer"))
    revoked = source.issue("licensing", "ada", actor=Actor("t", "trainer")).award
    source.revoke(revoked.id, "duplicate")

    client = BadgrClient(live_node.base, "pusher", token)
    report = client.push(source, issuer_id="node")
    assert report.issuer == "node"
    assert report.badge_classes_created == ["mentor"]
    assert sorted(report.badge_classes_existing) == ["commons", "licensing"]
    assert len(report.awards_created) == 3 and report.awards_revoked == [revoked.id]
    remote = {a.badge.slug: a for a in live_node.service.awards() if a.recipient.username == "ada"}
    assert remote["licensing"].revoked and remote["licensing"].revocation_reason == "duplicate"
    assert not remote["commons"].revoked and remote["commons"].identity_hash != ada.identity_hash  # new salt

    again = BadgrClient(live_node.base, "pusher", token).push(source, issuer_id="node")
    assert again.awards_created == [] and again.badge_classes_created == []


def test_bad_credentials_are_reported(live_node, source):
    with pytest.raises(BadgrError, match="login .* failed"):
        BadgrClient(live_node.base, "nobody", "mf_x_y").push(source)
