"""/api/peers, /api/mentors, /api/skills-map, /api/people/<username>, /api/openapi.json."""

from __future__ import annotations

import re

import pytest

from maarifa import wiring

from .conftest import SECRETS, make_settings


@pytest.fixture
def services(fresh_dir):
    opened = wiring.open_services(make_settings(fresh_dir), "pytest")
    yield opened
    opened.close()


@pytest.fixture
def client(services):
    app = wiring.make_app(services.settings, services)
    app.testing = True
    return app.test_client()


def bearer(services, name, role):
    return {"Authorization": f"Bearer {services.tokens.create(name, role)}"}


def test_anonymous_api_callers_never_see_members_or_private_people(client):
    for url in ("/api/peers", "/api/peers?skill=12", "/api/peers?speaks=sw&territory=002", "/api/mentors",
                "/api/skills-map?org=AM", "/api/skills-map?territory=002&format=csv", "/api/people/pia",
                "/api/peers?per_page=100", "/api/mentors?skill=10"):
        response = client.get(url)
        assert response.status_code == 200, (url, response.get_data(as_text=True))
        body = response.get_data(as_text=True)
        for secret in SECRETS + ("pia@example.org", "\"mona\"", "\"priv\""):
            assert secret not in body, (url, secret)
    assert client.get("/api/people/mona").status_code == 404
    assert client.get("/api/people/priv").status_code == 404


def test_members_admins_and_the_person_themself(client, services):
    member = bearer(services, "pete", "member")
    assert "mona" in [r["username"] for r in client.get("/api/peers?skill=12", headers=member).get_json()["results"]]
    assert "email" not in client.get("/api/people/mona", headers=member).get_json()
    assert client.get("/api/people/priv", headers=member).status_code == 404
    assert client.get("/api/people/pete", headers=member).get_json()["email"] == "pete@example.org"
    admin = bearer(services, "root", "admin")
    assert client.get("/api/people/priv", headers=admin).get_json()["email"] == "priv@example.org"


def test_patch_profile(client, services):
    me = bearer(services, "pia", "member")
    response = client.patch("/api/people/pia", json={"add_claims": [{"skill": "14", "level": 2}]}, headers=me)
    assert response.status_code == 200 and any(c["skill"]["code"] == "14" for c in response.get_json()["claims"])
    found = client.get("/api/peers?skill=14").get_json()["results"]
    assert [r["username"] for r in found] == ["pia"]
    bad = client.patch("/api/people/pia", json={"add_claims": [{"skill": "14", "level": 9}]}, headers=me)
    assert bad.status_code == 400 and "from 1 to 4" in bad.get_json()["error"]
    assert client.patch("/api/people/pia", json={"name": "X"}).status_code == 403
    assert client.patch("/api/people/pia", json={"name": "X"},
                        headers=bearer(services, "pete", "member")).status_code == 403
    assert client.patch("/api/people/pia", data="nope", headers=me).status_code == 400


def test_bad_queries_are_400_with_a_message(client):
    for url in ("/api/peers?skill=nonsense", "/api/peers?level=7", "/api/peers?speaks=sw:8",
                "/api/peers?lang=sw:3", "/api/peers?min_proficiency=2", "/api/peers?per_page=5000",
                "/api/skills-map", "/api/skills-map?territory=ZZ", "/api/mentors?username=nobody"):
        response = client.get(url)
        assert response.status_code in (400, 404), url
        assert response.get_json()["error"]


def test_mentors_pair_wanted_and_offered_skills(client):
    body = client.get("/api/mentors?username=pete").get_json()
    want = body["results"][0]
    assert want["wants"]["skill"]["code"] == "13"
    assert [m["username"] for m in want["mentors"]] == ["pia"]
    why = want["mentors"][0]["why"]
    assert "also speaks English and Swahili" in why
    # Kenya (pia) and Nigeria (pete): the smallest region they share below World
    assert "lives in the same region (Sub-Saharan Africa)" in why
    assert {"kind": "same_region", "region": {"iri": want["mentors"][0]["region"]["iri"], "code": "202",
                                              "name": "Sub-Saharan Africa"}} in want["mentors"][0]["reasons"]


def test_mentor_reasons_in_the_callers_language_without_codes(client):
    for query, expected in (("lang=ar", "يعيش في المنطقة نفسها (أفريقيا جنوب الصحراء الكبرى)"),
                            ("lang=fr", "vit dans la même région (Afrique subsaharienne)")):
        why = client.get(f"/api/mentors?username=pete&{query}").get_json()["results"][0]["mentors"][0]["why"]
        assert expected in why, why
        assert not re.search(r"\b(202|002|001|KE|NG|sw|en)\b", " ".join(why)), why
    accept = client.get("/api/mentors?username=pete", headers={"Accept-Language": "es"}).get_json()
    assert "vive en la misma región (África subsahariana)" in accept["results"][0]["mentors"][0]["why"]


def test_speaks_is_the_filter_and_lang_the_language_of_the_answer(client):
    # speaks=ar filters by spoken Arabic (nobody here speaks it); it does not switch the answer to Arabic
    assert client.get("/api/peers?skill=12&speaks=ar").get_json()["results"] == []
    swahili = client.get("/api/peers?skill=12&speaks=sw:4&lang=ar").get_json()
    assert [r["username"] for r in swahili["results"]] == ["pia"]
    assert swahili["query"]["speaks"] == "sw" and swahili["query"]["min_proficiency"] == 4
    assert swahili["results"][0]["why"][1] == "يتحدث السواحلية (4 من 5)"
    english = client.get("/api/peers?skill=12&speaks=sw:4").get_json()["results"][0]["why"]
    assert english == ["knows budgeting at level 3, self-declared", "speaks Swahili (4 of 5)"]
    old = client.get("/api/peers?skill=12&lang=sw:3")
    assert old.status_code == 400 and "speaks=sw:3" in old.get_json()["error"]
    params = {p["name"]: p for p in client.get("/api/openapi.json").get_json()["paths"]["/api/peers"]["get"]["parameters"]}
    assert "speaks" in params and "Not a filter" in params["lang"]["description"]
    assert params["ui_lang"]["deprecated"] is True


def test_openapi_describes_every_api_route(client):
    doc = client.get("/api/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    app = client.application
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            path = rule.rule.replace("<", "{").replace(">", "}")
            path = path.split("{")[0] + "{" + path.split("{")[1].split(":")[-1] if "{" in path else path
            assert path in doc["paths"], path
    for path in ("/api/whoami", "/api/graphs", "/api/peers", "/api/mentors", "/api/skills-map",
                 "/api/people/{username}", "/api/openapi.json"):
        assert path in doc["paths"], path
    assert set(doc["paths"]["/api/people/{username}"]) == {"get", "patch"}
