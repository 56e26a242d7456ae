"""`maarifa erase`: store, feed payloads, search index and public replica; bad input."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from graph.erase import NoSuchPerson, erase_person
from graph.people import Viewer
from maarifa import wiring
from maarifa.cli import main

from ..conftest import snapshot
from .conftest import iri, make_settings


def _everything(data_dir) -> str:
    """Every quad of the store, the feed included, as text."""
    with wiring.open_store(make_settings(data_dir), "pytest") as store:
        return snapshot(store).decode("utf-8")


def test_erase_removes_the_person_everywhere(fresh_dir):
    settings = make_settings(fresh_dir)
    services = wiring.open_services(settings, "pytest")
    try:
        from graph.peers import PeerFinder
        from graph.people import Profiles
        from search import Query, search
        from search.indexer import Indexer

        Profiles(services.store).update("pia", {"add_claims": [{"skill": "14", "level": 2}]}, Viewer.admin())
        Indexer(services.store, services.search).sync()
        services.sync_replica()
        assert iri("person", "pia") in [h.id for h in search(services.search, Query("Pia Publica")).hits]
        finder = PeerFinder(services.store)
        assert "pia" in [r["username"] for r in finder.find(Viewer.anonymous(), {"skill": "12"})["results"]]
    finally:
        services.close()
    assert "Pia Publica" in _everything(fresh_dir)

    result = CliRunner().invoke(main, ["--data-dir", str(fresh_dir), "erase", "pia"])
    assert result.exit_code == 0, result.output
    assert "erased pia" in result.output and "backups" in result.output

    text = _everything(fresh_dir)
    for trace in ("Pia Publica", "pia@example.org", iri("person", "pia")):
        assert trace not in text, trace
    services = wiring.open_services(settings, "pytest")
    try:
        from search import Query, search

        for text in ("Pia Publica", "pia", "Publica"):
            hits = search(services.search, Query(text, types=("person",), viewer_is_member=True)).hits
            assert iri("person", "pia") not in [h.id for h in hits] and "Pia" not in str(hits)
        replica_text = b"".join(q.encode() if isinstance(q, str) else str(q).encode()
                                for q in services.replica._replica.quads_for_pattern(None, None, None, None))
        assert b"Pia Publica" not in replica_text and iri("person", "pia").encode() not in replica_text
        from graph.peers import PeerFinder

        assert "pia" not in [r["username"] for r in
                             PeerFinder(services.store).find(Viewer.admin(), {})["results"]]
        assert services.store.validate_all() == []
    finally:
        services.close()


def test_erasing_someone_who_does_not_exist_changes_nothing(rw_store):
    before = snapshot(rw_store)
    with pytest.raises(NoSuchPerson) as raised:
        erase_person(rw_store, "nobody")
    assert "nothing was changed" in str(raised.value)
    assert snapshot(rw_store) == before


def test_erase_cli_unknown_person_is_one_line_and_exit_1(fresh_dir):
    result = CliRunner().invoke(main, ["--data-dir", str(fresh_dir), "erase", "nobody"])
    assert result.exit_code == 1
    assert "no person 'nobody'" in result.output and "Traceback" not in result.output


def test_erase_json_report(fresh_dir):
    result = CliRunner().invoke(main, ["--data-dir", str(fresh_dir), "erase", "mona", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["username"] == "mona" and report["triples"] > 5 and report["rewritten"]
    assert "mona@example.org" not in _everything(fresh_dir)
