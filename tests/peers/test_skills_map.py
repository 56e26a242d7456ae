"""Community skills map: subtree counts, access views, missing role skills, CSV/JSON."""

from __future__ import annotations

import csv
import io

import pytest

from graph.people import InvalidField, UnknownOrganization, UnknownTerritory, Viewer
from graph.skills_map import SkillsMap, to_csv


def row(result, code):
    return next(r for r in result["skills"] if r["code"] == code)


def test_org_map_counts_subtrees_and_follows_access(ro_store):
    maps = SkillsMap(ro_store)
    anon = maps.build(Viewer.anonymous(), org="AM")
    assert anon["people"] == 2  # pia, pete: mona and priv are not public
    # finance (11) subtree: pete knows 11, pia knows 12 and offers 13; pete wants 13
    assert (row(anon, "11")["know"], row(anon, "11")["offer"], row(anon, "11")["want"]) == (2, 1, 1)
    assert (row(anon, "11")["know_direct"], row(anon, "13")["offer_direct"]) == (1, 1)
    assert row(anon, "10")["know"] == 2  # a person counts once per subtree
    admin = maps.build(Viewer.admin(), org="AM")
    assert admin["people"] == 4 and row(admin, "12")["know"] == 3
    assert "Mona" not in str(anon) and "mona" not in str(anon)


def test_missing_skills_required_by_roles(ro_store):
    result = SkillsMap(ro_store).build(Viewer.anonymous(), org="AM")
    missing = {m["code"]: m for m in result["missing"]}
    assert "14" in missing and "Treasurer" in missing["14"]["required_by"]  # financial reporting: nobody
    assert "12" not in missing and "13" not in missing
    assert row(result, "14")["missing"] is True


def test_territory_map_includes_the_countries_of_a_region(ro_store):
    maps = SkillsMap(ro_store)
    assert maps.build(Viewer.anonymous(), territory="002")["people"] == 2
    assert maps.build(Viewer.member(), territory="011")["people"] == 2  # pete (NG), mona (GH)
    assert maps.build(Viewer.admin(), territory="KE")["people"] == 2


def test_csv_export(ro_store):
    result = SkillsMap(ro_store).build(Viewer.anonymous(), territory="002")
    rows = list(csv.DictReader(io.StringIO(to_csv(result))))
    finance = next(r for r in rows if r["code"] == "11")
    assert finance["know"] == "2" and finance["label"] == "finance"


@pytest.mark.parametrize("kwargs, error", [({}, InvalidField), ({"org": "AM", "territory": "KE"}, InvalidField),
                                           ({"org": "NOPE"}, UnknownOrganization), ({"territory": "QQ"}, UnknownTerritory)])
def test_bad_scopes(ro_store, kwargs, error):
    with pytest.raises(error):
        SkillsMap(ro_store).build(Viewer.anonymous(), **kwargs)


def test_nobody_visible_means_no_skills_and_nothing_missing(ro_store):
    # WMB: an organization of the taxonomy with nobody in this community; before, every skill its
    # roles need was listed as missing although nobody could be counted
    result = SkillsMap(ro_store).build(Viewer.anonymous(), org="WMB")
    assert result["people"] == 0
    assert result["missing"] == [] and result["skills"] == []
    assert SkillsMap(ro_store).build(Viewer.anonymous(), org="AM")["missing"]  # someone visible: still listed

