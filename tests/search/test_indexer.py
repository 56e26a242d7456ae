"""Sync through the change feed, on both backends: changes become searchable, crashes resume,
an unreachable OpenSearch keeps the work in the feed, an index of an older mapping is rebuilt."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from corpus import asset, person, skill
from graph import Change
from ontology import DCT, MF, RDF, SKOS
from search import FallbackBackend, IndexOutdated, Query, SearchUnavailable, search
from search.embedded import EmbeddedBackend
from search.indexer import Indexer, reindex
from search.opensearch import OpenSearchBackend

UNREACHABLE = "http://127.0.0.1:9"  # the discard port: nothing listens there


def training_graph(store):
    return store.logical_graph("training", "public")


def new_asset(slug: str, title_en: str, title_es: str | None = None, teaches=()):
    s = asset(slug)
    triples = [(s, URIRef(RDF.type), URIRef(MF.Guide)), (s, URIRef(DCT.title), Literal(title_en, lang="en")),
               (s, URIRef(DCT.language), Literal("en", datatype=XSD.language))]
    if title_es:
        triples.append((s, URIRef(DCT.title), Literal(title_es, lang="es")))
    triples += [(s, URIRef("https://schema.org/teaches"), skill(code)) for code in teaches]
    return triples


def hits(backend, text, **kw):
    return [h.id for h in search(backend, Query(text, per_page=50, **kw)).hits]


@pytest.fixture
def synced(store, fresh):
    indexer = Indexer(store, fresh)
    reindex(store, fresh)
    assert indexer.lag() == 0
    return indexer


def test_committed_change_becomes_searchable(synced):
    store, backend = synced.store, synced.backend
    store.apply(Change().adding(training_graph(store), new_asset("zebra-guide", "Zebra crossings for editors",
                                                               "Pasos de cebra", teaches=[113])))
    assert synced.lag() == 1
    report = synced.sync()
    assert report.error is None and report.entries == 1 and synced.lag() == 0
    assert hits(backend, "zebra") == [str(asset("zebra-guide"))]
    assert hits(backend, "cebra", lang="es") == [str(asset("zebra-guide"))]
    # a skill filter finds it through the broader skill
    assert str(asset("zebra-guide")) in hits(backend, "zebra", filters={"skill": [str(skill(109))]})

    # an edit replaces the document; a removal deletes it
    s = asset("zebra-guide")
    store.apply(Change().removing(training_graph(store), [(s, URIRef(DCT.title), Literal("Zebra crossings for editors", lang="en"))])
                .adding(training_graph(store), [(s, URIRef(DCT.title), Literal("Okapi crossings for editors", lang="en"))]))
    synced.sync()
    # the old title is gone ("zebra" may still be corrected to the Spanish title's "cebra")
    assert all(h.title != "Zebra crossings for editors" for h in search(backend, Query("zebra", per_page=50)).hits)
    assert hits(backend, "okapi") == [str(s)]
    store.apply(Change().removing(training_graph(store), list(store.triples(s, None, None))))
    synced.sync()
    assert hits(backend, "okapi") == []


def test_skill_label_change_reaches_assets_and_people(synced):
    store, backend = synced.store, synced.backend
    graph = store.logical_graph("taxonomy", "public")
    store.apply(Change().adding(graph, [(skill(113), URIRef(SKOS.prefLabel), Literal("Quetzalbase", lang="fr"))]))
    synced.sync()
    found = set(hits(backend, "quetzalbase", viewer_is_member=True))
    assert str(skill(113)) in found
    assert str(asset("adding-to-wikidata")) in found
    assert str(person("amani")) in found


def test_broader_change_moves_assets_under_the_new_parent(synced):
    store, backend = synced.store, synced.backend
    graph = store.logical_graph("taxonomy", "public")
    before = hits(backend, "", filters={"skill": [str(skill(99))], "type": ["asset"]})
    assert str(asset("adding-to-wikidata")) not in before
    store.apply(Change().adding(graph, [(skill(113), URIRef(SKOS.broader), skill(99))]))
    synced.sync()
    after = hits(backend, "", filters={"skill": [str(skill(99))], "type": ["asset"]})
    assert str(asset("adding-to-wikidata")) in after


def test_person_made_private_disappears(synced):
    store, backend = synced.store, synced.backend
    graph = store.logical_graph("people", "public")
    amani = person("amani")
    assert hits(backend, "Amani") == [str(amani)]
    store.apply(Change().removing(graph, [(amani, URIRef(MF.visibility), URIRef(MF.Public))])
                .adding(graph, [(amani, URIRef(MF.visibility), URIRef(MF.Private))]))
    synced.sync()
    assert hits(backend, "Amani") == []
    assert hits(backend, "Amani", viewer_is_member=True) == []


def test_crash_between_apply_and_cursor_resumes_without_duplicates(synced, monkeypatch):
    store, backend = synced.store, synced.backend
    store.apply(Change().adding(training_graph(store), new_asset("yak-guide", "Yak shaving guide")))
    real = store.feed.set_cursor

    def crash(*args):
        raise RuntimeError("power cut")

    monkeypatch.setattr(store.feed, "set_cursor", crash)
    with pytest.raises(RuntimeError):
        synced.sync()
    assert synced.lag() == 1  # the cursor did not move
    monkeypatch.setattr(store.feed, "set_cursor", real)
    report = synced.sync()
    assert report.entries == 1 and synced.lag() == 0
    results = search(backend, Query("yak"))
    assert results.total == 1 and [h.id for h in results.hits] == [str(asset("yak-guide"))]


def test_unreachable_opensearch_keeps_changes_in_the_feed(store, fresh):
    down = OpenSearchBackend(UNREACHABLE, prefix="down", timeout=2)
    with pytest.raises(SearchUnavailable, match="unreachable"):
        search(down, Query("wikidata"))
    indexer = Indexer(store, down)
    store.apply(Change().adding(training_graph(store), new_asset("ibis-guide", "Ibis guide")))
    head = store.feed.head
    report = indexer.sync()
    assert report.error and "unreachable" in report.error
    assert store.feed.cursor("search") == 0 and indexer.lag() == head
    # OpenSearch is back (here: the working backend of this run): everything is applied
    indexer.backend = fresh
    report = indexer.sync()
    assert report.error is None and indexer.lag() == 0
    assert hits(fresh, "ibis") == [str(asset("ibis-guide"))]


def test_fallback_to_embedded_when_opensearch_is_down(store, tmp_path):
    embedded = EmbeddedBackend(tmp_path / "index.sqlite3")
    both = FallbackBackend(OpenSearchBackend(UNREACHABLE, prefix="down", timeout=2), embedded)
    reindex(store, embedded)
    results = search(both, Query("plagiarism"))
    assert str(asset("plagiarism")) in [h.id for h in results.hits]
    assert "fallback" in results.backend
    embedded.close()


def test_embedded_index_of_an_older_schema_is_rebuilt(store, tmp_path):
    path = tmp_path / "search" / "index.sqlite3"
    path.parent.mkdir(parents=True)
    old = sqlite3.connect(path)
    old.executescript("CREATE TABLE docs (id TEXT PRIMARY KEY, body TEXT); INSERT INTO docs VALUES ('x', 'y');"
                      "PRAGMA user_version = 1;")
    old.close()
    backend = EmbeddedBackend(path)
    assert backend.needs_reindex()
    with pytest.raises(IndexOutdated, match="reindex"):
        search(backend, Query("plagiarism"))
    report = Indexer(store, backend).sync()
    assert report.reindexed and not backend.needs_reindex()
    assert str(asset("plagiarism")) in hits(backend, "plagiarism")
    backend.close()


def test_opensearch_index_of_an_older_mapping_is_rebuilt(store, opensearch_url):
    import uuid

    backend = OpenSearchBackend(opensearch_url, prefix=f"test-old-{uuid.uuid4().hex[:8]}")
    try:
        client = backend.client
        client.indices.create(index=f"{backend.prefix}-asset-v1", body={
            "mappings": {"_meta": {"mapping_version": 1}, "properties": {"title": {"type": "keyword"}}}})
        client.indices.put_alias(index=f"{backend.prefix}-asset-v1", name=backend.alias("asset"))
        client.indices.create(index=backend.alias("skill"), body={"mappings": {"properties": {
            "title": {"type": "keyword"}}}})  # a concrete index under the alias name, no _meta at all
        assert backend.needs_reindex()
        with pytest.raises(IndexOutdated, match="reindex"):
            search(backend, Query("plagiarism"))
        report = Indexer(store, backend).sync()
        assert report.reindexed and not backend.needs_reindex()
        assert str(asset("plagiarism")) in hits(backend, "plagiarism")
        assert str(skill(113)) in hits(backend, "wikidata", types=("skill",))
        assert not client.indices.exists(index=f"{backend.prefix}-asset-v1")
    finally:
        backend.drop()
        backend.close()


def test_reindex_swaps_without_losing_search(store, fresh):
    reindex(store, fresh)
    first = search(fresh, Query("plagiarism")).total
    assert first >= 1
    assert reindex(store, fresh) > 200
    assert search(fresh, Query("plagiarism")).total == first
    assert fresh.health()["ok"] and fresh.health()["documents"] > 200


def test_null_backend_does_nothing(store):
    from search import NullBackend

    null = NullBackend()
    assert Indexer(store, null).sync().error is None
    assert search(null, Query("wikidata")).total == 0


def test_status_says_building_and_how_far_while_an_index_is_rebuilt(store, tmp_path):
    backend = EmbeddedBackend(tmp_path / "search" / "index.sqlite3")
    indexer = Indexer(store, backend)
    status = indexer.status()  # never built: empty, and said to be
    assert status["documents"] == 0 and status["outdated"] and status["behind"] == store.feed.head > 0
    # the rebuilt file is swapped in under the backend's lock: holding it stops the rebuild
    # after its last document, where the status can be read
    with backend._lock:
        worker = threading.Thread(target=indexer.sync)
        worker.start()
        deadline = time.monotonic() + 300
        while not (indexer.building and indexer.building["done"] == indexer.building["total"]):
            assert time.monotonic() < deadline, "the rebuild did not reach its last document"
            time.sleep(0.05)
        status = indexer.status()
        assert status["building"]["done"] == status["building"]["total"] > 200
        assert status["outdated"] and status["position"] == 0
    worker.join()
    status = indexer.status()
    assert "building" not in status and not status["outdated"] and status["behind"] == 0
    assert status["documents"] > 200
    backend.close()


def test_a_fallback_pair_is_synced_index_by_index(store, tmp_path):
    from search.indexer import FALLBACK_CONSUMER, SearchSync

    embedded = EmbeddedBackend(tmp_path / "index.sqlite3")
    pair = FallbackBackend(OpenSearchBackend(UNREACHABLE, prefix="down", timeout=2), embedded)
    with pytest.raises(TypeError, match="SearchSync"):
        Indexer(store, pair)
    report = SearchSync(store, pair).sync()
    assert report.error and report.error.startswith("search: ") and "unreachable" in report.error
    assert store.feed.cursor("search") == 0 and store.feed.cursor(FALLBACK_CONSUMER) == store.feed.head
    assert str(asset("plagiarism")) in hits(pair, "plagiarism")
    embedded.close()
