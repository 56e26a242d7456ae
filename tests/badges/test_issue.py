"""Issuing and revoking awards in the graph; claims become verified; bad input issues nothing."""

from __future__ import annotations

import pytest
from rdflib import Literal, URIRef

from badges import Actor, BadgeError, NotAllowed, UnknownAward, UnknownBadge, UnknownRecipient
from badges.service import hash_identity
from ontology import MF

from ..conftest import snapshot

TRAINER = Actor("trainer-token", "trainer")
ORGANIZER = Actor("organizer-token", "organizer")


def claims_of(store, username):
    return store.select(
        "SELECT ?c ?skill ?verified ?evidence ?level ?u WHERE { ?p mf:username ?u ; mf:hasClaim ?c . "
        "?c mf:skill ?skill ; mf:level ?level . OPTIONAL { ?c mf:verified ?verified } "
        "OPTIONAL { ?c mf:evidence ?evidence } }", u=Literal(username))


def test_issue_writes_award_in_the_recipients_graph_and_verifies_claims(service, badge_store):
    award = service.issue("commons", "ada").award
    assert award.graph.endswith("/graph/awards/public")
    assert award.identity_hash == hash_identity("ada@example.org", award.salt)
    assert award.completion == f"{badge_store.base_url}/id/completion/ada-commons" and award.evidence == []
    assert service.award(award.id).completion == award.completion
    rows = claims_of(badge_store, "ada")
    assert len(rows) == 1 and rows[0]["verified"].toPython() is True
    assert str(rows[0]["evidence"]) == award.iri and int(rows[0]["level"]) == 3  # the existing claim, kept


def test_missing_claim_is_created_as_known_level_1(service, badge_store):
    award = service.issue("licensing", "bo", actor=TRAINER).award
    rows = claims_of(badge_store, "bo")
    assert {str(r["skill"]).rsplit("/", 1)[-1] for r in rows} == {"115", "18"}
    assert all(int(r["level"]) == 1 and r["verified"].toPython() is True for r in rows)
    assert award.identity_hash is None  # no e-mail: the person URL identifies the recipient


def test_private_recipient_award_is_private(service, badge_store):
    award = service.issue("licensing", "cy").award
    assert award.graph.endswith("/graph/awards/private")
    public = badge_store.select("SELECT ?a WHERE { ?a a mf:Award }", access=["public"])
    assert URIRef(award.iri) not in [r["a"] for r in public]


def test_completions_issue_their_badge_automatically_once(service, badge_store):
    first = service.issue_pending()
    assert sorted((a.badge.slug, a.recipient.username) for a in first) == [("commons", "ada"), ("licensing", "cy")]
    assert service.issue_pending() == []
    service.revoke(first[0].id, "issued by mistake")
    assert service.issue_pending() == []  # a revoked award is not re-issued automatically


def test_revoke_marks_the_award_and_unverifies_the_claims(service, badge_store):
    award = service.issue("licensing", "bo", actor=TRAINER).award
    revoked = service.revoke(award.id, "wrong person")
    assert revoked.revoked and revoked.revocation_reason == "wrong person"
    assert claims_of(badge_store, "bo") == []  # the claims the award created are gone
    award = service.issue("commons", "ada").award
    service.revoke(award.iri, "test")
    row = claims_of(badge_store, "ada")[0]
    assert "verified" not in row and "evidence" not in row
    with pytest.raises(BadgeError, match="already revoked"):
        service.revoke(award.id, "again")


@pytest.mark.parametrize("badge, user, actor, error, message", [
    ("nope", "ada", TRAINER, UnknownBadge, "no badge class 'nope'"),
    ("commons", "zed", TRAINER, UnknownRecipient, "no person you may issue badges to is identified by 'zed'"),
    ("commons", "cy", TRAINER, UnknownRecipient, "no person you may issue badges to is identified by 'cy'"),
    ("licensing", "bo", ORGANIZER, NotAllowed, "has not completed the training 'Licensing on Commons'"),
    ("licensing", "bo", Actor("anonymous", None), NotAllowed, "trainer token"),
])
def test_bad_input_issues_nothing(service, badge_store, badge, user, actor, error, message):
    before = snapshot(badge_store)
    with pytest.raises(error, match=message):
        service.issue(badge, user, actor=actor)
    assert snapshot(badge_store) == before


def test_completed_training_may_be_recorded_by_a_non_trainer(service):
    assert service.issue("commons", "ada", actor=ORGANIZER).created


def test_a_held_badge_is_not_issued_twice_by_hand(service, badge_store):
    service.issue("commons", "ada")
    before = snapshot(badge_store)
    with pytest.raises(BadgeError, match="already holds"):
        service.issue("commons", "ada", actor=TRAINER)
    assert snapshot(badge_store) == before


def test_unknown_award_and_reasonless_revocation(service):
    with pytest.raises(UnknownAward):
        service.award("0" * 32)
    award = service.issue("commons", "ada").award
    with pytest.raises(BadgeError, match="needs a reason"):
        service.revoke(award.id, "  ")
    with pytest.raises(NotAllowed):
        service.revoke(award.id, "x", actor=ORGANIZER)


def test_award_shapes_hold(service, badge_store):
    service.issue_pending()
    assert badge_store.validate_all() == []
    assert badge_store.ask("ASK { ?a a mf:Award ; mf:revoked false }")
    assert MF.Award
