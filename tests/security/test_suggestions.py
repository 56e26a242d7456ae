"""Issue 12, item 3: "did you mean" must not leak names.

The attack: an anonymous caller sends a near-miss of a members-only username
(``/search?q=memwaxi``) and reads the suggestion (``memwazi``); or anyone probes for a person
who was erased. Suggestions may only come from documents the caller may see, per access
level, and an erased person's words are never suggested again. Both backends face the same
attacks.
"""

from __future__ import annotations

import pytest
from rdflib import URIRef

import corpus
from graph import Change, SourceGraphs
from graph.erase import erase_person
from ontology import MF
from search import Query, search
from search.indexer import Indexer, reindex

from .conftest import BACKENDS, make_backend

#: username -> (name, graph access level, visibility); one unusual word each, so that a near
#: miss has exactly one word it can be corrected to
PEOPLE = {
    "pubwazi": ("Pubwazi Achieng", "public", "Public"),
    "memwazi": ("Memwazi Njerikio", "members", "MembersOnly"),
    "halfwazi": ("Halfwazi Mumbikia", "public", "MembersOnly"),  # public graph, asks for members only
    "privwazi": ("Privwazi Wanjikio", "private", "Private"),
}


def people_source() -> SourceGraphs:
    graphs: dict[str, list] = {}
    for username, (name, access, visibility) in PEOPLE.items():
        graphs.setdefault(access, []).extend(corpus.person_triples(username, name, visibility))
    return SourceGraphs(name="people-at-risk", label="people-at-risk", importer="tests",
                        checksum="sha256:people-at-risk", graphs=graphs)


@pytest.fixture(params=BACKENDS)
def indexed(request, tmp_path):
    """(store, backend): the search corpus plus the people above, indexed."""
    store = corpus.make_store()
    request.addfinalizer(store.close)
    store.replace_source(people_source())
    backend = make_backend(request.param, request, tmp_path)
    reindex(store, backend)
    return store, backend


def suggestion(backend, text: str, member: bool = False) -> str:
    return search(backend, Query(text, viewer_is_member=member)).suggestion or ""


def test_the_suggester_works_on_visible_words(indexed):
    """The control: without it every 'never suggested' below would pass on a broken suggester."""
    _, backend = indexed
    assert suggestion(backend, "pubwaxi") == "pubwazi"
    assert suggestion(backend, "memwaxi", member=True) == "memwazi"


@pytest.mark.parametrize("probe, hidden", [
    ("memwaxi", "memwazi"),      # a members-only username
    ("njerukio", "njerikio"),    # ... and a word of their name
    ("halfwaxi", "halfwazi"),    # in a public graph, but visible to members only
    ("mumbukia", "mumbikia"),
    ("privwaxi", "privwazi"),    # private: never indexed, never suggested
])
def test_anonymous_callers_get_no_members_only_or_private_words(indexed, probe, hidden):
    _, backend = indexed
    assert hidden not in suggestion(backend, probe)


@pytest.mark.parametrize("probe, hidden", [("privwaxi", "privwazi"), ("wanjukio", "wanjikio")])
def test_members_get_no_private_words(indexed, probe, hidden):
    _, backend = indexed
    assert hidden not in suggestion(backend, probe, member=True)


def test_members_get_members_only_words(indexed):
    _, backend = indexed
    assert suggestion(backend, "halfwaxi", member=True) == "halfwazi"
    assert suggestion(backend, "njerukio", member=True) == "njerikio"


def test_a_person_who_becomes_members_only_leaves_the_public_suggestions(indexed):
    store, backend = indexed
    person = corpus.person("pubwazi")
    graph = store.logical_graph("people-at-risk", "public")
    store.apply(Change().removing(graph, [(person, URIRef(MF.visibility), URIRef(MF.Public))])
                .adding(graph, [(person, URIRef(MF.visibility), URIRef(MF.MembersOnly))]))
    assert Indexer(store, backend).sync().error is None
    assert "pubwazi" not in suggestion(backend, "pubwaxi")
    assert "achieng" not in suggestion(backend, "achiang")
    assert suggestion(backend, "pubwaxi", member=True) == "pubwazi"


@pytest.mark.parametrize("username, probes", [
    ("memwazi", [("memwaxi", "memwazi"), ("njerukio", "njerikio")]),
    ("pubwazi", [("pubwaxi", "pubwazi"), ("achiang", "achieng")]),
])
def test_an_erased_person_is_never_suggested(indexed, username, probes):
    store, backend = indexed
    indexer = Indexer(store, backend)
    for probe, word in probes:
        assert suggestion(backend, probe, member=True) == word  # before: suggested
    erase_person(store, username, before_scrub=indexer.sync)
    assert indexer.sync().error is None and indexer.lag() == 0
    for probe, word in probes:
        for member in (False, True):
            assert word not in suggestion(backend, probe, member=member), (probe, member)
        assert search(backend, Query(word, viewer_is_member=True)).total == 0


def test_the_search_page_suggests_no_members_only_name_to_an_anonymous_caller(tmp_path):
    """The attack as the issue sent it: anonymous ``/search?q=`` with a near miss of a
    members-only username, through the web app and the default (embedded) backend."""
    from maarifa import wiring
    from maarifa.settings import Settings

    settings = Settings.load({"data_dir": tmp_path / "data"}, environ={})
    wiring.init_data_dir(settings)
    services = wiring.open_services(settings, "pytest")
    try:
        corpus.load(services.store)
        services.store.replace_source(people_source())
        assert Indexer(services.store, services.search).sync().error is None
        client = wiring.make_app(settings, services).test_client()
        control = client.get("/search?q=pubwaxi").get_data(as_text=True)
        assert "pubwazi" in control  # "Did you mean pubwazi?"
        for probe, hidden in [("memwaxi", "memwazi"), ("halfwaxi", "halfwazi"), ("privwaxi", "privwazi")]:
            page = client.get(f"/search?q={probe}")
            assert page.status_code == 200 and hidden not in page.get_data(as_text=True).lower(), probe
    finally:
        services.close()
