"""Profiles: who sees what, validated updates with typed errors, nothing changed on error."""

from __future__ import annotations

import pytest

from graph.errors import PermissionDenied
from graph.peers import PeerFinder
from graph.people import (
    ConflictingClaims, LevelOutOfRange, PersonNotFound, ProficiencyOutOfRange, Profiles, SkillOutsideScheme,
    UnknownLanguage, UnknownSkill, UnknownTerritory, Viewer,
)

from ..conftest import snapshot
from .conftest import iri


def test_profile_reads_follow_the_access_table(ro_store):
    profiles = Profiles(ro_store)
    assert profiles.get("pia", Viewer.anonymous())["name"] == "Pia Publica"
    assert "email" not in profiles.get("pia", Viewer.anonymous())
    assert "email" not in profiles.get("pia", Viewer.member("someone"))
    with pytest.raises(PersonNotFound):
        profiles.get("mona", Viewer.anonymous())
    assert "email" not in profiles.get("mona", Viewer.member("pia"))
    for username in ("priv", "mona"):
        with pytest.raises(PersonNotFound):
            profiles.get("priv", Viewer.member("pia"))
        assert profiles.get(username, Viewer.member(username))["email"] == f"{username}@example.org"
        assert profiles.get(username, Viewer.admin())["email"] == f"{username}@example.org"
    pia = profiles.get("pia", Viewer.member("pia"))
    assert {(c["skill"]["code"], c["status"], c["level"]) for c in pia["claims"]} == {("12", "known", 3),
                                                                                       ("13", "available", 4)}
    assert pia["languages"][0] == {"code": "sw", "proficiency": 4}
    assert pia["territory"]["code"] == "KE" and pia["organizations"][0]["code"] == "AM"


def test_update_claims_languages_territory_roles(rw_store):
    profiles, me = Profiles(rw_store), Viewer.member("pia")
    finder = PeerFinder(rw_store)
    assert "pia" not in [r["username"] for r in finder.find(Viewer.anonymous(), {"skill": "14"})["results"]]
    out = profiles.update("pia", {"add_claims": [{"skill": "financial reporting", "status": "available", "level": 2,
                                                  "evidence": ["https://example.org/event/1"]}],
                                  "languages": {"sw": 5, "fr": 1}, "territory": "GH",
                                  "roles": [{"role": "treasurer", "organization": "AM", "start": "2024-01-01"}],
                                  "mentoring": False}, me)
    claim = next(c for c in out["claims"] if c["skill"]["code"] == "14")
    assert claim["level"] == 2 and claim["modified"] and claim["evidence"] == ["https://example.org/event/1"]
    assert out["territory"]["code"] == "GH" and out["mentoring"] is False
    assert {(x["code"], x["proficiency"]) for x in out["languages"]} == {("sw", 5), ("fr", 1)}
    assert out["roles"][0]["role"]["label"] == "Treasurer" and out["roles"][0]["start"] == "2024-01-01"
    # the peer index followed the change feed
    found = finder.find(Viewer.anonymous(), {"skill": "14", "territory": "011"})["results"]
    assert [r["username"] for r in found] == ["pia"]
    out = profiles.update("pia", {"remove_claims": [{"skill": "14"}], "add_claims": [{"skill": "12", "level": 4}]}, me)
    assert {(c["skill"]["code"], c["level"]) for c in out["claims"]} == {("12", 4), ("13", 4)}
    assert rw_store.validate_all() == []


def test_visibility_change_moves_the_person_out_of_public_reach(rw_store):
    profiles, finder = Profiles(rw_store), PeerFinder(rw_store)
    assert "pia" in [r["username"] for r in finder.find(Viewer.anonymous(), {"skill": "12"})["results"]]
    profiles.update("pia", {"visibility": "members"}, Viewer.member("pia"))
    with pytest.raises(PersonNotFound):
        profiles.get("pia", Viewer.anonymous())
    assert profiles.get("pia", Viewer.member())["visibility"] == "members"
    assert "pia" not in [r["username"] for r in finder.find(Viewer.anonymous(), {"skill": "12"})["results"]]
    assert "pia" in [r["username"] for r in finder.find(Viewer.member(), {"skill": "12"})["results"]]
    assert profiles.get("pia", Viewer.admin())["email"] == "pia@example.org"
    assert rw_store.validate_all() == []


@pytest.mark.parametrize("patch, error", [
    ({"add_claims": [{"skill": "no such skill"}]}, UnknownSkill),
    ({"add_claims": [{"skill": "12", "level": 5}]}, LevelOutOfRange),
    ({"add_claims": [{"skill": "12", "level": 0}]}, LevelOutOfRange),
    ({"languages": {"sw": 6}}, ProficiencyOutOfRange),
    ({"languages": {"sw": -1}}, ProficiencyOutOfRange),
    ({"languages": {"klingon!": 3}}, UnknownLanguage),
    ({"territory": "XX"}, UnknownTerritory),
    ({"add_claims": [{"skill": iri("role", "treasurer")}]}, SkillOutsideScheme),
    ({"add_claims": [{"skill": iri("org", "nothing-here")}]}, UnknownSkill),
    ({"add_claims": [{"skill": "12", "status": "wanted", "level": 2}]}, ConflictingClaims),  # known at 3
    ({"add_claims": [{"skill": "14", "level": 1}, {"skill": "14", "level": 2}]}, ConflictingClaims),
])
def test_bad_updates_are_refused_and_change_nothing(rw_store, patch, error):
    before = snapshot(rw_store)
    with pytest.raises(error) as raised:
        Profiles(rw_store).update("pia", patch, Viewer.member("pia"))
    assert str(raised.value)
    assert snapshot(rw_store) == before


def test_only_the_person_or_an_admin_may_edit(rw_store):
    profiles = Profiles(rw_store)
    before = snapshot(rw_store)
    with pytest.raises(PermissionDenied):
        profiles.update("pia", {"name": "Mallory"}, Viewer.member("pete"))
    with pytest.raises(PersonNotFound):
        profiles.update("priv", {"name": "Mallory"}, Viewer.member("pete"))
    assert snapshot(rw_store) == before
    assert profiles.update("pia", {"name": "Pia P."}, Viewer.admin())["name"] == "Pia P."
