"""The application factory, health, home page and API tokens with roles."""

from __future__ import annotations

import pytest

from maarifa import wiring
from maarifa.settings import Settings


@pytest.fixture
def services(tmp_path):
    settings = Settings.load({"data_dir": tmp_path / "data", "max_upload_bytes": 1024}, environ={})
    wiring.init_data_dir(settings)
    opened = wiring.open_services(settings, "pytest")
    yield opened
    opened.close()


@pytest.fixture
def client(services):
    app = wiring.make_app(services.settings, services)
    app.testing = True
    return app.test_client()


def test_health_reports_store_and_index(client):
    response = client.get("/health")
    assert response.status_code == 200
    body = response.get_json()
    assert body["store"]["ok"] is True and body["store"]["quads"] == 0
    assert body["index"]["behind"] == 0 and body["index"]["position"] == body["store"]["feed_head"]


def test_home_page_has_a_labelled_search_box_and_security_headers(client):
    response = client.get("/", headers={"Accept-Language": "es"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<label for="q">' in html and 'lang="es"' in html
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_arabic_is_right_to_left(client):
    html = client.get("/?lang=ar").get_data(as_text=True)
    assert 'dir="rtl"' in html and 'lang="ar"' in html


@pytest.mark.parametrize("role, status", [(None, 401), ("member", 403), ("trainer", 403), ("admin", 200)])
def test_api_roles(client, services, role, status):
    headers = {"Authorization": f"Bearer {services.tokens.create('test', role)}"} if role else {}
    assert client.get("/api/graphs", headers=headers).status_code == status


def test_whoami_and_bad_tokens(client, services):
    token = services.tokens.create("script", "organizer")
    assert client.get("/api/whoami", headers={"Authorization": f"Bearer {token}"}).get_json() == \
        {"name": "script", "role": "organizer"}
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for header in (f"Bearer {tampered}", "Bearer nonsense", "Basic abc"):
        response = client.get("/api/whoami", headers={"Authorization": header})
        assert response.status_code == 403 and "error" in response.get_json()


def test_revoked_token_is_refused(client, services):
    token = services.tokens.create("old", "admin")
    services.tokens.revoke(token.split("_")[1])
    assert client.get("/api/whoami", headers={"Authorization": f"Bearer {token}"}).status_code == 403


def test_oversized_body_is_refused(client):
    response = client.post("/api/whoami", data=b"x" * 4096, headers={"Content-Type": "application/octet-stream"})
    assert response.status_code == 413


def test_unknown_page_is_a_404_page(client):
    response = client.get("/nowhere", headers={"Accept": "text/html"})
    assert response.status_code == 404 and "<h1>404</h1>" in response.get_data(as_text=True)


@pytest.mark.parametrize(("lang", "words"), [("en", "nothing at /no/such&lt;page&gt;: no page or resource"),
                                             ("es", "no hay nada en /no/such&lt;page&gt;: ninguna página"),
                                             ("ar", "لا شيء في /no/such&lt;page&gt;")])
def test_a_path_no_route_matches_is_a_404_page_in_the_interface_language(client, lang, words):
    response = client.get(f"/no/such%3Cpage%3E?lang={lang}", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert words in response.get_data(as_text=True)
