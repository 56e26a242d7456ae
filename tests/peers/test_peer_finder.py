"""Peer finder: filters, ranking, explanations, pagination, access views, bad input."""

from __future__ import annotations

import pytest
from rdflib import Literal, URIRef

from graph import Change
from graph.errors import MaarifaError
from graph.peers import PeerFinder, PeerQuery, parse_query, run_sparql
from graph.people import (
    LevelOutOfRange, ProficiencyOutOfRange, UnknownLanguage, UnknownOrganization, UnknownSkill, UnknownStatus,
    UnknownTerritory, Viewer,
)
from ontology import MF

from .conftest import iri

ANON, MEMBER, ADMIN = Viewer.anonymous(), Viewer.member(), Viewer.admin()


def names(result):
    return [r["username"] for r in result["results"]]


@pytest.fixture(scope="module")
def finder(ro_store):
    return PeerFinder(ro_store)


def test_skill_matches_its_narrower_skills_and_views_follow_access(finder):
    # 10 organizational structure includes finance (11) and budgeting (12) / financial management (13);
    # fred only wants budgeting: a learner, not a peer who has the skill
    assert set(names(finder.find(ANON, {"skill": "10"}))) == {"pia", "pete"}
    assert set(names(finder.find(MEMBER, {"skill": "10"}))) == {"pia", "pete", "mona"}
    assert set(names(finder.find(ADMIN, {"skill": "10"}))) == {"pia", "pete", "mona", "priv"}


def test_without_a_status_people_who_hold_the_skill_and_wanted_finds_learners(finder):
    # financial management (13): pia offers it at 4, pete only wants it
    assert names(finder.find(ANON, {"skill": "13"})) == ["pia"]
    assert finder.find(ANON, {"skill": "13"})["query"]["status"] == ["available", "known"]
    assert names(finder.find(ANON, {"skill": "13", "status": "wanted"})) == ["pete"]
    assert set(names(finder.find(ANON, {"skill": "10", "status": "wanted"}))) == {"pete", "fred"}
    # the claim shown for a person is one the status allows, never a wish
    for r in finder.find(ADMIN, {"speaks": "sw"})["results"]:
        assert r["match"].get("claim", {}).get("status") != "wanted", r


def test_anonymous_never_reaches_members_or_private_people(finder):
    for params in ({}, {"skill": "12"}, {"speaks": "sw"}, {"territory": "002"}, {"org": "AM"}, {"mentoring": True},
                   {"status": "available"}, {"skill": "budgeting", "level": 4}):
        found = names(finder.find(ANON, params))
        assert "mona" not in found and "priv" not in found, params
        assert "priv" not in names(finder.find(MEMBER, params)), params


def test_ranking_level_then_explanations(finder):
    result = finder.find(MEMBER, {"skill": "11", "status": ["known", "available"]})
    # mona: budgeting 4; pia: financial management 4 (available) then budgeting 3; pete: finance 2
    order = names(result)
    assert order.index("pete") > order.index("pia") and order.index("pete") > order.index("mona")
    pia = next(r for r in result["results"] if r["username"] == "pia")
    assert pia["match"]["claim"]["level"] == 4
    assert pia["match"]["claim"]["narrower_of"]["code"] == "11"
    claim = next(x for x in pia["reasons"] if x["kind"] == "claim")
    assert claim["narrower_of"]["label"] == "finance" and claim["status"] == "available"
    assert "email" not in str(result) and "@example.org" not in str(result)


def test_language_with_minimum_proficiency(finder):
    assert set(names(finder.find(ANON, {"speaks": "sw:3"}))) == {"pia", "fred"}
    assert set(names(finder.find(ANON, {"speaks": "sw", "min_proficiency": 4}))) == {"pia"}
    found = finder.find(ANON, {"speaks": "sw:4", "skill": "12"})["results"]
    assert [r["username"] for r in found] == ["pia"]
    assert found[0]["match"]["language"] == {"code": "sw", "proficiency": 4}
    assert {"kind": "speaks", "code": "sw", "proficiency": 4} in found[0]["reasons"]


def test_a_language_at_proficiency_0_is_not_spoken(rw_store):
    from graph.people import Profiles

    Profiles(rw_store).update("pia", {"languages": {"sw": 4, "en": 3, "ha": 0}}, ADMIN)
    finder = PeerFinder(rw_store)
    for params in ({"speaks": "ha"}, {"speaks": "ha:0"}, {"speaks": "ha", "min_proficiency": 0}):
        assert names(finder.find(ANON, params)) == [], params
        assert run_sparql(rw_store, ANON, parse_query(params)) == [], params
    assert names(finder.find(ANON, {"speaks": "en:3", "skill": "12"})) == ["pia"]


def test_a_region_includes_its_countries(finder):
    assert set(names(finder.find(ANON, {"territory": "011"}))) == {"pete"}
    assert set(names(finder.find(MEMBER, {"territory": "011"}))) == {"pete", "mona"}
    assert set(names(finder.find(ANON, {"territory": "002"}))) == {"pia", "pete"}
    assert set(names(finder.find(ADMIN, {"territory": "KE"}))) == {"pia", "priv"}
    reasons = finder.find(ANON, {"territory": "011"})["results"][0]["reasons"]
    lives = next(r for r in reasons if r["kind"] == "lives_in")
    assert (lives["territory"]["name"], lives["within"]["name"]) == ("Nigeria", "Western Africa")
    arabic = finder.find(ANON, {"territory": "011", "ui_lang": "ar"})["results"][0]["reasons"]
    assert next(r for r in arabic if r["kind"] == "lives_in")["territory"]["name"] == "نيجيريا"
    same = next(r for r in finder.find(ANON, {"territory": "NG"})["results"][0]["reasons"] if r["kind"] == "lives_in")
    assert same["within"] is None


def test_organization_mentoring_status_combined(finder):
    assert set(names(finder.find(ANON, {"org": "AM"}))) == {"pia", "pete"}
    assert set(names(finder.find(ANON, {"org": "AR"}))) == {"fred"}
    assert names(finder.find(ANON, {"mentoring": True, "org": "AM", "speaks": "en"})) == ["pia"]
    assert set(names(finder.find(ANON, {"status": "wanted"}))) == {"pete", "fred"}
    assert names(finder.find(ANON, {"status": "wanted", "skill": "13", "territory": "011"})) == ["pete"]


def test_pagination_and_queries_without_filters(finder):
    first = finder.find(ADMIN, {"per_page": 2})
    assert len(first["results"]) == 2 and first["has_more"] is True
    rest = finder.find(ADMIN, {"per_page": 2, "page": 2})["results"] + \
        finder.find(ADMIN, {"per_page": 2, "page": 3})["results"]
    everyone = names(first) + [r["username"] for r in rest]
    assert sorted(everyone) == ["fred", "mona", "pete", "pia", "priv"]
    assert finder.find(ADMIN, {"per_page": 2, "page": 3})["has_more"] is False
    assert finder.find(ANON, {})["per_page"] == 20  # never the whole population in one go


@pytest.mark.parametrize("params, error", [
    ({"skill": "no such skill"}, UnknownSkill),
    ({"level": 5}, LevelOutOfRange),
    ({"level": 0}, LevelOutOfRange),
    ({"speaks": "zz-!!"}, UnknownLanguage),
    ({"speaks": "sw:9"}, ProficiencyOutOfRange),
    ({"min_proficiency": 3}, MaarifaError),
    ({"territory": "ZZ"}, UnknownTerritory),
    ({"org": "NOPE"}, UnknownOrganization),
    ({"status": "maybe"}, UnknownStatus),
    ({"per_page": 1000}, MaarifaError),
    ({"page": 0}, MaarifaError),
])
def test_bad_queries_have_typed_errors(finder, params, error):
    with pytest.raises(error) as raised:
        finder.find(ANON, params)
    assert str(raised.value)


def test_the_sparql_baseline_selects_the_same_people(ro_store, finder):
    for viewer in (ANON, MEMBER, ADMIN):
        for params in ({"skill": "10"}, {"skill": "11", "speaks": "sw:2"}, {"skill": "13"}, {"skill": "12", "level": 3},
                       {"skill": "10", "territory": "002"}, {"skill": "10", "status": "wanted"}):
            query = parse_query(params)
            assert run_sparql(ro_store, viewer, query) == names(finder.find(viewer, query)), (viewer, params)


def test_verified_claims_rank_first_and_the_index_follows_the_feed(rw_store):
    finder = PeerFinder(rw_store)
    before = names(finder.find(ANON, {"skill": "11"}))
    assert before[-1] == "pete"  # finance at level 2 is the lowest
    claim = URIRef(iri("person", "pete") + "#claim-1")
    rw_store.apply(Change().adding(rw_store.logical_graph("awards", "public"),
                                   [(claim, URIRef(MF.verified), Literal(True))]))
    result = finder.find(ANON, {"skill": "11"})
    assert names(result)[0] == "pete"
    assert result["results"][0]["reasons"][0]["verified"] is True
    assert names(finder.find(ANON, {"skill": "11", "verified": True})) == ["pete"]
    assert run_sparql(rw_store, ANON, PeerQuery(skill="11")) == names(result)
