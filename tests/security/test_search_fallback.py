"""Issue 12, item 8: the search fallback must not be empty, and ``/health`` must say so when it is.

The failure: with ``search_backend = "opensearch"`` and the cluster unreachable, the app fell
back to an embedded index holding 0 documents while ``/health`` said ``outdated: false``.
Now each index follows the change feed on a cursor of its own; ``/health`` reports, per
index, its documents, the feed position it reached against the head (``behind``) and
``outdated`` whenever it is behind or was never built.

These tests run the real OpenSearch binary: one starts its own node (``scripts/opensearch.sh``
on a port of its own, stopped at the end) only after the data is loaded and searched.
"""

from __future__ import annotations

import socket
import subprocess
import uuid
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

import corpus
from graph import Change
from maarifa import wiring
from maarifa.settings import Settings
from ontology import DCT, MF, RDF
from search import Query, search
from tests.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "opensearch.sh"
#: more single changes than the indexer reads in one batch (200): the old fallback only ever
#: received the first batch, because the cursor could not move past an unreachable OpenSearch
SMALL_CHANGES = 230
#: queries whose top results both backends must agree on (English and Spanish, assets and people)
AGREED = [("plagiarism", "en"), ("querying wikidata", "en"), ("licenses commons", "en"), ("peer review", "en"),
          ("imágenes multimedia", "es"), ("borrador", "es"), ("evaluar articulos", "es"), ("Kenya", "en"),
          ("Otieno", "en")]


def free_port() -> int:
    """A port where nothing listens, nor on its transport port (+100, as scripts/opensearch.sh uses)."""
    for port in range(9260, 9400):
        if all(_free(p) for p in (port, port + 100)):
            return port
    raise RuntimeError("no free port pair between 9260 and 9500")


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def settings_for(data_dir: Path, url: str, prefix: str, fallback: bool = True) -> Settings:
    return Settings.load({"data_dir": data_dir}, environ={
        "MAARIFA_SEARCH_BACKEND": "opensearch", "MAARIFA_OPENSEARCH_URL": url,
        "MAARIFA_OPENSEARCH_INDEX_PREFIX": prefix, "MAARIFA_SEARCH_FALLBACK": "true" if fallback else "false"})


def kestrel(i: int) -> URIRef:
    return URIRef(f"{corpus.BASE}/id/asset/kestrel-{i}")


def add_guides(store, count: int) -> None:
    """``count`` guides, one change (one feed entry) each."""
    graph = store.logical_graph("training", "public")
    for i in range(count):
        s = kestrel(i)
        store.apply(Change().adding(graph, [
            (s, URIRef(RDF.type), URIRef(MF.Guide)), (s, URIRef(DCT.title), Literal(f"Kestrel {i}", lang="en")),
            (s, URIRef(DCT.language), Literal("en", datatype=XSD.language))]))


def health(client) -> dict:
    response = client.get("/health")
    assert response.status_code == 200
    return response.get_json()


def top(backend, text: str, lang: str, k: int = 3) -> list[str]:
    return [h.id for h in search(backend, Query(text, lang=lang, per_page=k)).hits]


@pytest.fixture
def own_node(request):
    """A port for an OpenSearch node of this test's own, and a function that starts it there."""
    port = free_port()
    env = {"MAARIFA_OPENSEARCH_PORT": str(port), "PATH": "/usr/local/bin:/usr/bin:/bin",
           "HOME": str(Path.home())}
    started = []

    def start() -> None:
        started.append(port)  # stopped at the end even when it fails half-way
        result = subprocess.run(["bash", str(SCRIPT), "start"], capture_output=True, text=True, timeout=900,
                                env=env)
        if result.returncode != 0:
            pytest.fail(f"OpenSearch could not be started on port {port}:\n{result.stderr[-3000:]}")

    def stop():
        if started:
            subprocess.run(["bash", str(SCRIPT), "stop"], capture_output=True, text=True, env=env, timeout=120)

    request.addfinalizer(stop)
    return f"http://127.0.0.1:{port}", start


@pytest.mark.slow
def test_data_loaded_while_opensearch_is_down_is_found_and_both_backends_agree_once_it_is_back(tmp_path, own_node):
    url, start_node = own_node
    settings = settings_for(tmp_path / "data", url, f"sec-{uuid.uuid4().hex[:8]}")
    wiring.init_data_dir(settings)
    services = wiring.open_services(settings, "pytest")
    try:
        client = wiring.make_app(settings, services).test_client()
        services.start_background()  # the indexers follow the feed, as under `maarifa serve`
        corpus.load(services.store)
        add_guides(services.store, SMALL_CHANGES)
        head = services.store.feed.head

        index = wait_for("the fallback catching up", lambda: health(client)["index"],
                         lambda i: i["fallback"]["behind"] == 0 and "building" not in i["fallback"])
        fallback = index["fallback"]
        assert fallback["documents"] >= 200 + SMALL_CHANGES and fallback["outdated"] is False
        assert fallback["position"] == fallback["head"] == head
        # OpenSearch is reported as it is: unreachable, and every entry still waiting for it
        assert index["ok"] is False and "unreachable" in index["error"]
        assert index["behind"] == head and index["position"] == 0 and index["outdated"] is True

        # search finds everything through the fallback, the last small change included
        results = search(services.search, Query(f"kestrel {SMALL_CHANGES - 1}"))
        assert "fallback" in results.backend and results.hits[0].id == str(kestrel(SMALL_CHANGES - 1))
        page = client.get("/search?q=plagiarism")
        assert page.status_code == 200 and "Plagiarism" in page.get_data(as_text=True)

        start_node()
        index = wait_for("OpenSearch catching up", lambda: health(client)["index"],
                         lambda i: i["ok"] and i["behind"] == 0 and not i["outdated"])
        assert index["documents"] == index["fallback"]["documents"], index
        assert index["fallback"]["behind"] == 0 and index["fallback"]["outdated"] is False
        primary, embedded = services.search.primary, services.search.fallback
        # a node that has just started may take longer than the client's timeout to answer its
        # first searches: until it answers, the pair keeps serving from the fallback
        wait_for("OpenSearch answering searches", lambda: search(services.search, Query("plagiarism")).backend,
                 lambda backend: "fallback" not in backend)
        for text, lang in AGREED + [(f"kestrel {SMALL_CHANGES - 1}", "en")]:
            on_opensearch, on_embedded = top(primary, text, lang), top(embedded, text, lang)
            assert on_opensearch and on_opensearch[0] == on_embedded[0], text
            if text in dict(AGREED):
                assert set(on_opensearch) == set(on_embedded), text
    finally:
        services.close()


def test_a_fallback_switched_on_later_is_built_and_health_says_so_until_it_is(tmp_path, opensearch_url):
    """The index was filled while OpenSearch worked and the fallback was off; then the fallback is
    switched on and OpenSearch becomes unreachable: the fallback must not serve an empty index
    while /health calls it current."""
    data_dir, prefix = tmp_path / "data", f"sec-{uuid.uuid4().hex[:8]}"
    first = settings_for(data_dir, opensearch_url, prefix, fallback=False)
    wiring.init_data_dir(first)
    services = wiring.open_services(first, "pytest")
    try:
        corpus.load(services.store)
        report = services.search_sync.sync()
        assert report.error is None and services.search_sync.lag() == 0
    finally:
        services.close()

    down = f"http://127.0.0.1:{free_port()}"
    services = wiring.open_services(settings_for(data_dir, down, prefix), "pytest")
    try:
        client = wiring.make_app(services.settings, services).test_client()
        fallback = health(client)["index"]["fallback"]
        assert fallback["documents"] == 0
        assert fallback["outdated"] is True and fallback["behind"] == services.store.feed.head > 0

        report = services.search_sync.sync()
        assert report.error and "unreachable" in report.error
        index = health(client)["index"]
        assert index["fallback"]["documents"] > 200 and index["fallback"]["behind"] == 0
        assert index["fallback"]["outdated"] is False
        assert index["ok"] is False and index["behind"] == 0  # it had everything before it went away
        results = search(services.search, Query("plagiarism"))
        assert "fallback" in results.backend and str(corpus.asset("plagiarism")) in [h.id for h in results.hits]
    finally:
        services.close()
        from search.opensearch import OpenSearchBackend

        OpenSearchBackend(opensearch_url, prefix=prefix).drop()
