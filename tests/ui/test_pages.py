"""The server-rendered UI without a browser: every page, languages, who sees what, bad input."""

from __future__ import annotations

import pytest

LOCALES = ("en", "es", "fr", "ar", "pt-BR")


def pages(demo):
    return ["/", "/search?q=wikipedia", "/search?q=commons&type=asset", "/asset/enwiki-pear",
            "/pack/sources-and-plagiarism-discussion", "/training/evaluate-wikipedia-exercise-professional",
            "/skills", "/skill/115", "/peers", "/peers?skill=115&status=available", f"/people/{demo.people['public'][0]}",
            "/skills-map", "/skills-map?territory=KE", "/badge/about-wikimedia-commons", "/login"]


@pytest.mark.parametrize("locale", LOCALES)
def test_every_page_renders_in_every_language(client, node, locale):
    for path in pages(node.demo):
        response = client.get(path, headers={"Accept-Language": locale})
        html = response.get_data(as_text=True)
        assert response.status_code == 200, (path, response.status_code)
        assert f'<html lang="{locale}"' in html, path
        assert ('dir="rtl"' in html) == (locale == "ar"), path
        assert "style=" not in html and "<script" not in html, path  # the CSP allows neither


def test_ui_is_translated(client):
    assert "Buscar en la base de conocimientos" in client.get("/", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Rechercher dans la base de connaissances" in client.get("/?lang=fr").get_data(as_text=True)
    assert "ابحث في قاعدة المعرفة" in client.get("/?lang=ar").get_data(as_text=True)
    assert "Buscar na base de conhecimento" in client.get("/", headers={"Accept-Language": "pt-BR"}).get_data(as_text=True)


def test_locale_switch_sets_a_cookie_and_unknown_locales_fall_back(client):
    response = client.get("/locale?lang=ar&next=/skills")
    assert response.status_code == 302 and response.headers["Location"].endswith("/skills")
    assert "lang=ar" in response.headers["Set-Cookie"]
    assert 'dir="rtl"' in client.get("/skills").get_data(as_text=True)
    # an unknown locale: falls back to the browser's languages, then English
    client.get("/locale?lang=xx-YY&next=/")
    html = client.get("/", headers={"Accept-Language": "xx, fr;q=0.5"}).get_data(as_text=True)
    assert '<html lang="fr"' in html
    assert '<html lang="en"' in client.get("/?lang=klingon", headers={"Accept-Language": "tlh"}).get_data(as_text=True)
    # never redirect to another site
    assert client.get("/locale?lang=es&next=https://evil.example/").headers["Location"] in ("/", "http://localhost/")


def test_numbers_and_dates_are_formatted_by_babel(client, node, ui):
    ui.login(client, node.demo.accounts["admin"])
    html_en = client.get("/admin?lang=en").get_data(as_text=True)
    html_fr = client.get("/admin?lang=fr").get_data(as_text=True)
    quads = node.services.store.count()
    assert f"{quads:,}" in html_en
    assert f"{quads:,}".replace(",", "\u202f") in html_fr
    assert "Import history" in html_en and "training-capacities.yaml" in html_en


def test_search_has_facets_highlights_and_pages(client):
    html = client.get("/search?q=wikipedia&lang=en").get_data(as_text=True)
    assert "<mark>" in html.lower() and 'name="type"' in html and 'name="language"' in html
    assert 'aria-current="page"' in html and 'rel="next"' in html
    filtered = client.get("/search?q=wikipedia&type=learning_pack&lang=en").get_data(as_text=True)
    assert "Filters in use" in filtered and "/pack/" in filtered and "/asset/" not in filtered.split("Refine")[0].split("results-title")[1]


def test_content_falls_back_with_a_lang_attribute(client):
    html = client.get("/asset/enwiki-pear?lang=es").get_data(as_text=True)
    assert 'lang="en"' in html and "Pear" in html and "se muestra en" in html


def test_xss_in_ingested_text_and_queries_is_escaped(client, ui):
    html = client.get(f"/asset/{ui.XSS_SLUG}").get_data(as_text=True)
    assert "Zanzibarium" in html and "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html
    found = client.get("/search?q=zanzibarium").get_data(as_text=True)
    assert "Zanzibarium" in found and "<script>alert" not in found and "<img src=x" not in found
    query = client.get('/search?q=%3Cscript%3Ealert(1)%3C/script%3E%22%3E%3Cimg+src%3Dx%3E').get_data(as_text=True)
    assert "<script>alert(1)" not in query and "<img src=x>" not in query
    response = client.get("/search?q=x")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_person_pages_follow_who_may_see_what(client, node, ui):
    public, members, private = (node.demo.people[v][0] for v in ("public", "members", "private"))
    assert client.get(f"/people/{public}").status_code == 200
    assert client.get(f"/people/{members}").status_code == 404
    assert client.get(f"/people/{private}").status_code == 404
    assert client.get("/people/nobody-at-all").status_code == 404
    ui.login(client, node.demo.accounts["member"])
    assert client.get(f"/people/{members}").status_code == 200
    assert client.get(f"/people/{private}").status_code == 404
    page = client.get(f"/people/{members}").get_data(as_text=True)
    assert "@example.org" not in page  # e-mail only for the person and admins
    ui.login(client, node.demo.accounts["admin"])
    assert "@example.org" in client.get(f"/people/{private}").get_data(as_text=True)
    ui.login(client, private)  # an account named after the person: sees their own page
    assert client.get(f"/people/{private}").status_code == 200


def test_members_only_people_are_not_in_anonymous_search_or_peer_finder(client, node, ui):
    members = node.demo.people["members"][0]
    assert f"/people/{members}" not in client.get(f"/search?q={members}").get_data(as_text=True)
    anonymous = client.get("/peers?skill=115").get_data(as_text=True)
    assert all(f"/people/{u}\"" not in anonymous for u in node.demo.people["members"])
    ui.login(client, node.demo.accounts["member"])
    assert f"/people/{members}" in client.get(f"/search?q={members}").get_data(as_text=True)


def test_login_logout_and_bad_passwords(client, node, ui):
    response = ui.login(client, node.demo.accounts["member"], "wrong password!")
    assert response.status_code == 401 and "Wrong user name or password" in response.get_data(as_text=True)
    response = ui.login(client, node.demo.accounts["member"])
    assert response.status_code == 302
    assert "ui-member" in client.get("/").get_data(as_text=True)
    token = ui.csrf_of(client.get("/").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert "ui-member" not in client.get("/").get_data(as_text=True)


def test_post_without_csrf_token_is_refused(client, node, ui):
    assert client.post("/login", data={"username": "ui-admin", "password": ui.PASSWORD}).status_code == 400
    ui.login(client, node.demo.accounts["trainer"])
    response = client.post("/trainer/issue", data={"badge": "about-wikimedia-commons", "username": "x"})
    assert response.status_code == 400
    response = client.post("/trainer/issue", data={"badge": "about-wikimedia-commons", "username": "x",
                                                   "csrf_token": "forged"})
    assert response.status_code == 400


def test_oversized_form_post_is_refused(client, node):
    limit = node.app.config["MAX_CONTENT_LENGTH"]
    response = client.post("/login", data={"username": "x" * (limit + 10), "password": "y"})
    assert response.status_code == 413


def test_roles_guard_trainer_and_admin_pages(client, node, ui):
    assert client.get("/trainer").status_code == 302
    assert client.get("/admin").status_code == 302
    ui.login(client, node.demo.accounts["member"])
    assert client.get("/trainer").status_code == 403
    assert client.get("/admin").status_code == 403
    ui.login(client, node.demo.accounts["trainer"])
    assert client.get("/trainer").status_code == 200
    assert client.get("/admin").status_code == 403


def test_trainer_issues_and_revokes_and_the_badge_page_verifies(client, node, ui):
    ui.login(client, node.demo.accounts["trainer"])
    page = client.get("/trainer").get_data(as_text=True)
    person = node.demo.people["public"][1]
    response = client.post("/trainer/issue", data={"badge": "evaluating-articles", "username": person,
                                                   "evidence": "https://outreachdashboard.wmflabs.org/courses/x",
                                                   "narrative": "Reviewed three articles with the class.",
                                                   "csrf_token": ui.csrf_of(page)})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    verify = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Verified" in verify and "the signature and the revocation status were checked" in verify
    assert "https://outreachdashboard.wmflabs.org/courses/x" in verify and "Reviewed three articles" in verify
    award = response.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    response = client.post("/trainer/revoke", data={"award": award, "reason": "issued by mistake",
                                                    "csrf_token": ui.csrf_of(page)})
    assert response.status_code == 302
    assert "Revoked" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_trainer_form_refuses_bad_evidence_and_issues_nothing(client, node, ui):
    ui.login(client, node.demo.accounts["trainer"])
    page = client.get("/trainer").get_data(as_text=True)
    before = node.services.store.select("SELECT (COUNT(?a) AS ?n) WHERE { ?a a mf:Award }")[0]["n"]
    response = client.post("/trainer/issue", data={"badge": "evaluating-articles",
                                                   "username": node.demo.people["public"][2],
                                                   "narrative": "x" * 5001, "csrf_token": ui.csrf_of(page)})
    assert response.status_code == 400
    assert "narrative is longer than 5000 characters" in response.get_data(as_text=True)
    assert node.services.store.select("SELECT (COUNT(?a) AS ?n) WHERE { ?a a mf:Award }")[0]["n"] == before


def test_linked_data_still_answers_non_html_clients(client):
    response = client.get("/id/skill/115", headers={"Accept": "text/turtle"})
    assert response.status_code in (200, 404)  # the replica may still be catching up
    assert response.headers["Content-Type"].startswith(("text/turtle", "text/plain"))
