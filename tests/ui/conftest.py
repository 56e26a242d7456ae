"""The web UI over the demo data, served for real (werkzeug on 127.0.0.1, a free port).

``demo_dir`` (session) loads ``demo/`` once (maarifa.demo.load_demo), issues the pending
badges, adds an asset whose text carries XSS payloads, and creates password accounts;
``node`` (module) opens the services over it, keeps the index and replica in sync and
serves the app; ``client`` is Flask's test client over the same app.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from maarifa import wiring
from maarifa.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "web" / "translations"
PASSWORD = "correct horse battery staple"
XSS = '<script>alert("xss")</script><img src=x onerror=alert(1)>'
XSS_SLUG = "xss-probe"


def compile_catalogs() -> None:
    """Compile the .po catalogs when their .mo is missing or older (``make`` does it too)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source, locale=po.parts[-3])
        with mo.open("wb") as target:
            write_mo(target, catalog)


def _xss_asset(store, tmp: Path) -> None:
    from ingest import run_import

    ttl = tmp / "xss.ttl"
    payload = XSS.replace("\\", "\\\\").replace('"', '\\"')
    ttl.write_text(f"""
@prefix mf: <https://w3id.org/maarifa/ns#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<{store.base_url}/id/asset/{XSS_SLUG}> a mf:LearningResource ;
    dct:title "Zanzibarium probe {payload}"@en ;
    dct:description "Zanzibarium description {payload}"@en ;
    mf:body "Zanzibarium body {payload}"@en ;
    dct:language "en"^^xsd:language ;
    dct:format "text/html" ;
    mf:slug "{XSS_SLUG}" .
""", encoding="utf-8")
    report = run_import(store, "rdf", ttl)
    assert not report.errors, report.lines()


@dataclass
class Demo:
    data_dir: Path
    people: dict = field(default_factory=dict)  # visibility -> username
    accounts: dict = field(default_factory=dict)  # role -> account name


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory) -> Demo:
    compile_catalogs()
    from maarifa.demo import load_demo
    from graph.accounts import AccountStore

    data_dir = tmp_path_factory.mktemp("ui") / "data"
    settings = Settings.load({"data_dir": data_dir}, environ={})
    wiring.init_data_dir(settings)
    demo = Demo(data_dir)
    with wiring.open_store(settings, "pytest ui") as store:
        for _ in load_demo(store):
            pass
        wiring.issue_pending_badges(store, settings)
        _xss_asset(store, data_dir.parent)
        from search.factory import open_backend
        from search.indexer import reindex

        backend = open_backend(settings)
        try:
            reindex(store, backend)  # in bulk: much faster than following the feed
        finally:
            backend.close()
        for visibility, iri in (("public", "Public"), ("members", "MembersOnly"), ("private", "Private")):
            rows = store.select("SELECT ?u ?v WHERE { ?p a mf:Person ; mf:username ?u ; mf:visibility ?v } ORDER BY ?u",
                                v=_iri(f"https://w3id.org/maarifa/ns#{iri}"))
            demo.people[visibility] = [str(r["u"]) for r in rows]
    accounts = AccountStore.from_settings(settings)
    for role in ("member", "organizer", "trainer", "admin"):
        accounts.create(f"ui-{role}", role, PASSWORD)
        demo.accounts[role] = f"ui-{role}"
    # an account named after a private person acts as that person
    accounts.create(demo.people["private"][0], "member", PASSWORD)
    return demo


def _iri(text: str):
    from rdflib import URIRef

    return URIRef(text)


class Node:
    def __init__(self, demo: Demo):
        from werkzeug.serving import make_server

        self.demo = demo
        self.settings = Settings.load({"data_dir": demo.data_dir}, environ={})
        self.services = wiring.open_services(self.settings, "pytest ui node")
        from search.indexer import Indexer

        Indexer(self.services.store, self.services.search).sync()
        self.services.start_background()
        self.app = wiring.make_app(self.settings, self.services)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.server = make_server("127.0.0.1", port, self.app, threaded=True)
        self.base = f"http://127.0.0.1:{port}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="ui-test-server", daemon=True)
        self.thread.start()

    def close(self) -> None:
        deadline = time.monotonic() + 60  # let the indexer finish what it started before closing
        while self.services.store.feed.lag("search") and time.monotonic() < deadline:
            time.sleep(0.2)
        self.server.shutdown()
        self.thread.join(timeout=10)
        self.services.close()


@pytest.fixture(scope="module")
def node(demo_dir):
    served = Node(demo_dir)
    yield served
    served.close()


@pytest.fixture
def client(node):
    node.app.testing = True
    return node.app.test_client()


def login(client, username: str, password: str = PASSWORD):
    """Log in through the form (fetching its CSRF token first); returns the response."""
    page = client.get("/login").get_data(as_text=True)
    token = csrf_of(page)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


def csrf_of(html: str) -> str:
    import re

    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


@pytest.fixture
def ui():
    """Helpers for the tests (pytest's importlib mode does not let tests import conftest)."""
    from types import SimpleNamespace

    return SimpleNamespace(login=login, csrf_of=csrf_of, PASSWORD=PASSWORD, XSS=XSS, XSS_SLUG=XSS_SLUG)
