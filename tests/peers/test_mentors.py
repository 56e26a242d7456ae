"""Mentor matching: the smallest shared region below World, names rather than codes."""

from __future__ import annotations

import pytest

from graph.peers import PeerFinder
from graph.people import Taxonomy, Viewer


@pytest.fixture(scope="module")
def tax(ro_store):
    return Taxonomy(ro_store)


def code(tax, iri):
    return tax.territory_code[iri] if iri else None


@pytest.mark.parametrize("a, b, shared", [
    ("KE", "NG", "202"),  # East and West Africa: Sub-Saharan Africa, not just Africa
    ("KE", "MA", "002"),  # Sub-Saharan and Northern Africa: Africa
    ("KE", "TZ", "014"),  # both in Eastern Africa
    ("KE", "FR", None),   # only World (001) in common: nothing to say
    ("002", "KE", "002"),  # a region and a country in it
    ("001", "KE", None),
])
def test_smallest_shared_region_below_world(tax, a, b, shared):
    found = tax.shared_region(tax.resolve_territory(a), tax.resolve_territory(b))
    assert code(tax, found) == shared


def test_sharing_only_world_is_not_the_same_region(ro_store):
    # fred (France) wants budgeting at 2; priv (Kenya, private) offers it at 4
    result = PeerFinder(ro_store).mentors(Viewer.admin(), username="fred")
    mentor = next(m for m in result["results"][0]["mentors"] if m["username"] == "priv")
    assert mentor["same_region"] is False and mentor["region"] is None
    assert not any(r["kind"] in ("same_region", "same_territory") for r in mentor["reasons"])


def test_region_names_follow_the_callers_language(ro_store):
    finder = PeerFinder(ro_store)
    for lang, name in (("en", "Sub-Saharan Africa"), ("pt-BR", "África Subsaariana"), ("ar", "أفريقيا جنوب الصحراء الكبرى")):
        mentor = finder.mentors(Viewer.anonymous(), username="pete", lang=lang)["results"][0]["mentors"][0]
        assert mentor["region"]["name"] == name, lang
