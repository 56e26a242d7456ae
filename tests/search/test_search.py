"""One suite, both backends: relevance, facets, pagination, privacy, labels, bad input."""

from __future__ import annotations

import pytest

from corpus import asset, person, skill
from search import BadQuery, Query, search
from search.embedded import facet_counts


def ids(results):
    return [h.id for h in results.hits]


def top(backend, text, k=5, **kw):
    return ids(search(backend, Query(text, per_page=k, **kw)))


# -- relevance (English and Spanish, over the real training modules) -------------------------


@pytest.mark.parametrize("text, lang, expected", [
    ("querying wikidata", "en", "querying-wikidata"),
    ("queries", "en", "querying-wikidata"),  # inflected form
    ("licenses commons", "en", "licensing-on-wikimedia-commons"),  # inflected form
    ("plagiarism", "en", "plagiarism"),
    ("imágenes multimedia", "es", "images-and-media"),  # the Spanish title
    ("imagenes multimedia", "es", "images-and-media"),  # missing accents
    ("politicas wikipedia", "es", "wikipedia-policies-professional"),  # missing accent
    ("borrador", "es", "drafting-professional"),  # inflected (title says "borradores")
    ("evaluar articulos", "es", "evaluating-articles-professional"),  # inflected, no accent
])
def test_relevance(loaded, text, lang, expected):
    assert str(asset(expected)) in top(loaded, text, k=5, lang=lang, types=("asset",))


def test_spanish_query_shows_spanish_title(loaded):
    results = search(loaded, Query("imágenes multimedia", lang="es", types=("asset",)))
    hit = next(h for h in results.hits if h.id == str(asset("images-and-media")))
    assert hit.title == "Contribuyendo con imágenes y archivos multimedia"
    assert hit.lang == "es" and not hit.fallback
    assert "<mark>" in hit.snippet


def test_typo_is_tolerated_and_corrected(loaded):
    results = search(loaded, Query("wikidta", types=("asset",)))
    assert str(asset("adding-to-wikidata")) in ids(search(loaded, Query("wikidta", per_page=50, types=("asset",))))
    assert results.suggestion == "wikidata"


def test_skill_filter_includes_narrower_skills(loaded):
    # 113 Wikidata is narrower than 109 Wikimedia project; 143 (query service) narrower than 124 tools
    found = ids(search(loaded, Query("wikidata", filters={"skill": [str(skill(109))]}, per_page=100)))
    assert str(asset("adding-to-wikidata")) in found
    found = ids(search(loaded, Query("", filters={"skill": [str(skill(124))]}, per_page=100)))
    assert str(asset("querying-wikidata")) in found
    assert str(asset("plagiarism")) not in found


def test_fallback_chain_for_titles(loaded):
    results = search(loaded, Query("imagenes multimedia", lang="pt-BR", types=("asset",)))
    hit = next(h for h in results.hits if h.id == str(asset("images-and-media")))
    assert hit.lang == "en" and hit.fallback  # pt-BR -> pt -> en
    results = search(loaded, Query("imagenes multimedia", lang="es-MX", types=("asset",)))
    hit = next(h for h in results.hits if h.id == str(asset("images-and-media")))
    assert hit.lang == "es" and not hit.fallback


# -- facets and pagination ---------------------------------------------------------------


def test_facets_count_what_matches(loaded, corpus_docs):
    results = search(loaded, Query("", filters={"type": ["asset", "learning_pack"]}, per_page=5))
    visible = [d for d in corpus_docs if d["type"] in ("asset", "learning_pack") and d["access"] == "public"]
    assert results.total == len(visible)
    expected = facet_counts(visible)
    assert dict(results.facets["type"]) == expected["type"]
    assert dict(results.facets["language"]) == expected["language"]
    assert dict(results.facets["format"]) == expected["format"]
    assert dict(results.facets["skill"]) == dict(sorted(expected["skill"].items(), key=lambda kv: (-kv[1], kv[0]))[:20])


def test_filters_narrow_the_results(loaded):
    spanish = search(loaded, Query("", filters={"language": ["es"], "type": ["asset"]}, per_page=100))
    assert spanish.total == 10
    assert all(h.type == "asset" for h in spanish.hits)
    kenya = search(loaded, Query("", filters={"territory": ["014"]}, per_page=100, viewer_is_member=True))
    assert {h.type for h in kenya.hits} == {"organization", "person"}


def test_pagination(loaded):
    first = search(loaded, Query("wikipedia", per_page=5, page=1))
    second = search(loaded, Query("wikipedia", per_page=5, page=2))
    assert first.total == second.total > 10
    assert len(first.hits) == len(second.hits) == 5
    assert not set(ids(first)) & set(ids(second))
    beyond = search(loaded, Query("wikipedia", per_page=5, page=1000))
    assert beyond.hits == [] and beyond.total == first.total


# -- who sees what -----------------------------------------------------------------------


def test_anonymous_sees_public_people_only(loaded):
    found = ids(search(loaded, Query("Otieno", per_page=50)))
    assert found == [str(person("amani"))]


def test_members_see_members_people(loaded):
    found = set(ids(search(loaded, Query("Otieno", per_page=50, viewer_is_member=True))))
    assert found == {str(person("amani")), str(person("bruno")), str(person("dina"))}


def test_nobody_sees_private_people_or_email(loaded, corpus_docs):
    assert str(person("carla")) not in {d["id"] for d in corpus_docs}
    for text in ("Carla", "secret", "example.org"):
        assert search(loaded, Query(text, viewer_is_member=True)).total == 0
    assert "secret" not in repr(corpus_docs)


def test_people_found_by_skill_org_and_territory(loaded):
    found = ids(search(loaded, Query("", filters={"skill": [str(skill(113))], "type": ["person"]},
                                     viewer_is_member=True, per_page=50)))
    assert set(found) == {str(person("amani")), str(person("bruno")), str(person("dina"))}
    assert str(person("amani")) in ids(search(loaded, Query("Kenya", types=("person",))))


# -- bad input -----------------------------------------------------------------------------


def test_empty_query_needs_a_filter(loaded):
    with pytest.raises(BadQuery, match="empty query"):
        search(loaded, Query(""))
    with pytest.raises(BadQuery, match="no words"):
        search(loaded, Query('" * ( ) :'))
    assert search(loaded, Query("", types=("organization",))).total == 1


def test_long_query_is_refused(loaded):
    with pytest.raises(BadQuery, match="limit is 1,000"):
        search(loaded, Query("wiki " * 2048))
    with pytest.raises(BadQuery, match="words"):
        search(loaded, Query("wiki " * 40))


@pytest.mark.parametrize("text", ['"querying', "querying*", "(querying", "querying)", "title:querying",
                                  "querying AND", "OR querying", 'querying " * ( ) : AND OR', "NOT -querying"])
def test_query_syntax_is_text(loaded, text):
    results = search(loaded, Query(text, per_page=50))
    assert isinstance(results.total, int)  # no crash; the words are searched as words
    if text in ('"querying', "querying*", "(querying", "querying)"):
        assert str(asset("querying-wikidata")) in ids(results)


@pytest.mark.parametrize("lang", ["xx", "en-XX-!!", "", "klingon", "12"])
def test_unknown_language_is_a_clear_error(loaded, lang):
    with pytest.raises(BadQuery, match="unknown language code"):
        search(loaded, Query("wikidata", lang=lang))


def test_unknown_type_filter_and_page(loaded):
    with pytest.raises(BadQuery, match="unknown type"):
        search(loaded, Query("wikidata", types=("spaceship",)))
    with pytest.raises(BadQuery, match="unknown filter"):
        search(loaded, Query("wikidata", filters={"colour": ["red"]}))
    with pytest.raises(BadQuery, match="page"):
        search(loaded, Query("wikidata", page=0))


def test_one_word_of_a_thousand_characters_finds_nothing_without_failing(loaded):
    """Issue 19, bad input: a single word as long as a query may be (no correction is tried
    for what no vocabulary word comes near)."""
    results = search(loaded, Query("w" * 1000, per_page=5))
    assert results.total == 0 and results.hits == [] and results.suggestion is None


def _doc(slug: str, lang: str, title: str) -> dict:
    return {"id": str(asset(slug)), "type": "asset", "kind": "KnowledgeAsset", "access": "public",
            "titles": {lang: title}, "texts": [], "keywords": [], "languages": [lang], "skills": [],
            "skill_paths": [], "formats": [], "organizations": [], "territories": []}


def test_mixed_scripts_search_each_word_in_its_script(fresh):
    """Issue 19, bad input: Latin and Arabic words in one query are each looked up in their
    own script; the document holding both is found, and each word alone finds its own."""
    fresh.reindex([_doc("latin", "en", "Wikidata queries"), _doc("arabic", "ar", "تحرير ويكيبيديا"),
                   _doc("both", "ar", "Wikidata ويكيبيديا")])
    assert top(fresh, "wikidata ويكيبيديا", lang="ar") == [str(asset("both"))]
    assert set(top(fresh, "ويكيبيديا", lang="ar")) == {str(asset("arabic")), str(asset("both"))}
    assert set(top(fresh, "wikidata", lang="en")) == {str(asset("latin")), str(asset("both"))}


@pytest.mark.parametrize("name, value", [("skill", "https://example.org/no-such-skill"), ("language", "zz"),
                                          ("format", "text/nothing"), ("territory", "999")])
def test_a_filter_value_nothing_has_lists_nothing(loaded, name, value):
    """Issue 19, bad input: a facet value that does not exist is an empty answer, not an error."""
    results = search(loaded, Query("wikipedia", filters={name: [value]}))
    assert results.total == 0 and results.hits == []
    assert search(loaded, Query("", filters={name: [value]})).total == 0


def test_a_query_of_as_many_words_as_allowed_is_answered(loaded):
    """Found by bench/relevance_bench.py: five words or more over every language sub-field
    went past Lucene's 1,024 clauses and OpenSearch answered "all shards failed" (a
    SearchUnavailable for a query that is valid). The longest valid query is answered."""
    from search.query import MAX_QUERY_TERMS

    for text in ("how do I add references", "sandboxes talk pages and watchlists",
                 " ".join(["wikipedia", "wikidata", "commons", "sources", "articles"] * 7)[:-1]):
        words = text.split()[:MAX_QUERY_TERMS]
        results = search(loaded, Query(" ".join(words), per_page=5))
        assert isinstance(results.total, int)
    assert search(loaded, Query("sandboxes talk pages and watchlists", per_page=10)).total > 0
