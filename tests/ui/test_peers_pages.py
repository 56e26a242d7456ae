"""The peer finder and skills map pages: the filter is not the interface language, the chart
is labelled and mirrors in right-to-left pages, empty communities say why."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import pytest

from graph.people import Viewer
from web.views.skills_map import MARGIN, WIDTH

SVG = "{http://www.w3.org/2000/svg}"


def chart_of(html: str) -> ElementTree.Element:
    return ElementTree.fromstring(re.search(r"<svg.*?</svg>", html, re.S).group(0))


@pytest.fixture(scope="module")
def hidden_org(node):
    """An organization whose members are all members-only: anonymous visitors see none of them."""
    finder = node.services.peer_services.finder
    public, members = (finder.index.view(v) for v in ("public", "members"))
    tax = public.taxonomy
    code = next(tax.org_code[o] for o in sorted(tax.org_code)
                if not public.by_org.get(o) and members.by_org.get(o))
    return code


def test_speaks_filters_and_lang_stays_the_interface_language(client):
    page = client.get("/peers?skill=115&speaks=ar").get_data(as_text=True)
    assert '<html lang="en"' in page and 'dir="rtl"' not in page
    assert '<option value="ar" selected>' in page  # the filter kept its value
    arabic = client.get("/peers?skill=115&lang=ar").get_data(as_text=True)
    assert '<html lang="ar"' in arabic and 'dir="rtl"' in arabic
    assert 'name="speaks"' in arabic and 'name="lang"' not in arabic.split("<main", 1)[1]


def test_peer_finder_page_defaults_to_people_who_hold_the_skill(client, node):
    finder = node.services.peer_services.finder
    learners = {r["username"] for r in finder.find(Viewer.anonymous(), {"skill": "115", "status": "wanted"})["results"]}
    holders = {r["username"] for r in finder.find(Viewer.anonymous(), {"skill": "115"})["results"]}
    only_learners = learners - holders
    assert only_learners and holders
    page = client.get("/peers?skill=115").get_data(as_text=True)
    assert all(f"/people/{u}\"" in page for u in holders)
    assert not any(f"/people/{u}\"" in page for u in only_learners)
    wanted = client.get("/peers?skill=115&status=wanted").get_data(as_text=True)
    assert all(f"/people/{u}\"" in wanted for u in learners)


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_chart_is_an_accessible_labelled_svg(client, lang):
    html = client.get(f"/skills-map?territory=002&lang={lang}").get_data(as_text=True)
    svg = chart_of(html)
    assert svg.get("role") == "img"
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert svg.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    rows = svg.findall(f"{SVG}g")
    assert rows
    for row in rows:
        name, *numbers = [t.text for t in row.findall(f"{SVG}text")]
        bars = row.findall(f"{SVG}rect")
        assert name and len(bars) == 3 and len(numbers) == 3  # a label per bar: know, offer, want
        assert all(re.search(r"\d", n) for n in numbers)
        assert name in desc.text
        ends = [float(b.get("x")) + float(b.get("width")) for b in bars]
        starts = [float(b.get("x")) for b in bars]
        if lang == "ar":  # bars grow from the right edge, labels start there
            assert all(abs(e - (WIDTH - MARGIN)) < 0.01 for e in ends), ends
            assert svg.get("direction") == "rtl"
        else:
            assert all(abs(s - MARGIN) < 0.01 for s in starts), starts
            assert svg.get("direction") == "ltr"
    assert "hatched" not in html and "transform" not in html
    if lang == "en":
        assert "know: " in html and "want to learn: " in html
        assert "The table below has the same numbers" in html
    else:
        assert "يعرفونها: " in html


def test_the_chart_numbers_are_the_tables(client, node):
    result = node.services.peer_services.skills_map.build(Viewer.anonymous(), territory="002")
    svg = chart_of(client.get("/skills-map?territory=002").get_data(as_text=True))
    for row in svg.findall(f"{SVG}g"):
        name, know, offer, want = [t.text for t in row.findall(f"{SVG}text")]
        skill = next(r for r in result["skills"] if r["label"] == name and r["depth"] == 0)
        assert (know, offer, want) == (f"know: {skill['know']}", f"offer: {skill['offer']}",
                                       f"want to learn: {skill['want']}")


def test_an_empty_community_says_why_and_lists_no_missing_skills(client, node, ui, hidden_org):
    page = client.get("/skills-map", query_string={"org": hidden_org}).get_data(as_text=True)
    assert "Nobody in this community is visible to you" in page
    assert "Visitors see public profiles only." in page and "/login?next=" in page
    assert "Or pick another organization" in page
    assert "Missing skills" not in page and "<svg" not in page and "<table" not in page
    arabic = client.get("/skills-map", query_string={"org": hidden_org, "lang": "ar"}).get_data(as_text=True)
    assert "لا يظهر لك أحد من هذا المجتمع" in arabic
    ui.login(client, node.demo.accounts["member"])
    member = client.get("/skills-map", query_string={"org": hidden_org}).get_data(as_text=True)
    assert "Nobody in this community is visible to you" not in member and "<svg" in member


def test_no_community_chosen_asks_for_one(client):
    page = client.get("/skills-map").get_data(as_text=True)
    assert "Pick an organization, or a territory or region, to see its map." in page
