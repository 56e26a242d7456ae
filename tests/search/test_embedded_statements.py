"""The embedded backend's query plan (issue 19, item 3): one ``MATCH`` per query, and the
facets, total and page it takes from that one pass agree with the documents it returns."""

from __future__ import annotations

import pytest

from search import Query, search
from search.embedded import facet_counts


@pytest.fixture(scope="module")
def embedded(corpus_docs, tmp_path_factory, request):
    from conftest import make_backend

    backend = make_backend("embedded", request, tmp_path_factory.mktemp("plan"))
    backend.reindex(corpus_docs)
    return backend


def statements_of(backend, query: Query) -> list[str]:
    """The SQL statements the search of ``query`` runs, through this thread's reader."""
    seen: list[str] = []
    reader = backend._reader()
    reader.set_trace_callback(seen.append)
    try:
        search(backend, query)
    finally:
        reader.set_trace_callback(None)
    return seen


@pytest.mark.parametrize("query", [
    Query("wikipedia"),
    Query("wikipedia articles", page=2, per_page=5),
    Query("wikipedia", filters={"type": ["asset"], "language": ["en"]}),
    Query("wikipdia"),  # corrected first, then searched once
], ids=["one word", "two words, page 2", "with filters", "typo"])
def test_a_query_runs_its_match_once(embedded, query):
    matches = [s for s in statements_of(embedded, query) if " MATCH " in s.upper()]
    assert len(matches) == 1, matches


def test_facets_of_a_text_query_count_the_documents_it_finds(embedded, corpus_docs):
    results = search(embedded, Query("wikipedia", per_page=100))
    assert 10 < results.total <= 100 and len(results.hits) == results.total
    by_id = {d["id"]: d for d in corpus_docs}
    expected = facet_counts([by_id[h.id] for h in results.hits])
    for facet, counts in results.facets.items():
        top = sorted(expected[facet].items(), key=lambda kv: (-kv[1], kv[0]))[:20]
        assert counts == top, facet
    assert set(results.facets) == set(expected)


def test_the_pages_of_a_text_query_are_its_ranking_cut_in_order(embedded):
    whole = search(embedded, Query("wikipedia", per_page=100))
    pages = [search(embedded, Query("wikipedia", per_page=7, page=n)) for n in (1, 2, 3)]
    assert [h.id for p in pages for h in p.hits] == [h.id for h in whole.hits[:21]]
    assert [h.score for h in whole.hits] == sorted((h.score for h in whole.hits), reverse=True)
