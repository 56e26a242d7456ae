"""`maarifa rebase NEW_URL` (issue 11, item 2): every IRI minted under the old base is rewritten
in the store, the catalog and the change feed; the public replica and the search index are
rebuilt; pages and badge documents are served under the new base."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from graph import GraphStore
from graph.rebase import is_under
from maarifa import wiring
from ontology import MF
from maarifa.settings import Settings

from ..badges.conftest import load_badge_data
from ..conftest import snapshot
from .test_cli import run

OLD = "https://old.example.org"
NEW = "https://new.example.org"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ("MAARIFA_BASE_URL", "MAARIFA_DATA_DIR", "MAARIFA_SEARCH_BACKEND", "MAARIFA_OPENSEARCH_URL",
                 "MAARIFA_OPENSEARCH_INDEX_PREFIX", "MAARIFA_SEARCH_FALLBACK"):
        monkeypatch.delenv(name, raising=False)


def make_node(data_dir: Path, tmp_path: Path) -> str:
    """A node at OLD with skills, trainings, badge classes, people, one award, a synced search
    index and public replica. Returns the award's id."""
    assert run("--data-dir", data_dir, "--base-url", OLD, "init").exit_code == 0
    with wiring.open_store(Settings.load({"data_dir": data_dir, "base_url": OLD}, environ={})) as store:
        load_badge_data(store, tmp_path)
    issued = run("--data-dir", data_dir, "badge", "issue", "commons", "ada", "--json")  # no --base-url: the stored one
    assert issued.exit_code == 0, issued.output
    assert json.loads(issued.output)["award"].startswith(f"{OLD}/id/award/")
    assert json.loads(issued.output)["ob2"].startswith(f"{OLD}/ob/v2/assertions/")
    searched = run("--data-dir", data_dir, "search", "Licensing", "--json")
    assert OLD + "/id/skill/18" in [h["id"] for h in json.loads(searched.output)["hits"]]
    services = wiring.open_services(Settings.load({"data_dir": data_dir, "base_url": OLD}, environ={}), "pytest")
    try:
        services.sync_replica()
        assert services.replica.count() > 0
    finally:
        services.close()
    return json.loads(issued.output)["id"]


@pytest.fixture
def node(data_dir, tmp_path):
    make_node(data_dir, tmp_path)
    return data_dir


def store_snapshot(data_dir, base=OLD) -> bytes:
    with GraphStore.open(data_dir, base_url=base) as store:
        return snapshot(store)


def iris_under(store: ox.Store, base: str) -> list[str]:
    """Every IRI under ``base`` in a store: subjects, predicates, objects and graph names."""
    found = []
    for q in store:
        for term in (q.subject, q.predicate, q.object, q.graph_name):
            if isinstance(term, ox.NamedNode) and is_under(term.value, base):
                found.append(term.value)
    return found


def feed_payloads(store: GraphStore) -> list[dict]:
    return [store.feed.entry(seq).payload for seq in range(1, store.feed.head + 1)]


def search_ids(data_dir, text: str) -> list[str]:
    result = run("--data-dir", data_dir, "search", text, "--json")
    assert result.exit_code == 0, result.output
    return [h["id"] for h in json.loads(result.output)["hits"]]


def test_is_under_respects_the_boundary_of_the_base():
    assert is_under("http://127.0.0.1:5000/id/x", "http://127.0.0.1:5000")
    assert is_under("http://127.0.0.1:5000", "http://127.0.0.1:5000")
    assert not is_under("http://127.0.0.1:50001/id/x", "http://127.0.0.1:5000")


def test_dry_run_counts_and_changes_nothing(node):
    before = store_snapshot(node)
    result = run("--data-dir", node, "rebase", NEW, "--dry-run", "--json")
    assert result.exit_code == 0, result.output
    counts = json.loads(result.output)
    assert counts["dry_run"] is True and counts["old"] == OLD and counts["new"] == NEW
    assert counts["graphs"] >= 3 and counts["rewritten"] > 0 and counts["catalog"] > 0
    assert counts["feed_entries"] >= 3 and counts["awards"] == 1
    assert store_snapshot(node) == before
    text = run("--data-dir", node, "rebase", NEW, "--dry-run")
    assert text.exit_code == 0 and text.output.startswith(f"would move the node from {OLD} to {NEW}")


def test_with_issued_badges_it_warns_and_a_no_changes_nothing(node):
    before = store_snapshot(node)
    result = run("--data-dir", node, "rebase", NEW, input="n\n")
    assert result.exit_code == 1
    assert "1 badge award(s) were issued under" in result.output
    assert f"verify only while {OLD} redirects to {NEW}" in result.output
    assert f"not moved to {NEW}; nothing was changed" in result.output
    assert store_snapshot(node) == before
    assert run("--data-dir", node, "rebase", NEW).exit_code == 1  # no answer at all is a no, too
    assert store_snapshot(node) == before


def test_rebase_rewrites_every_iri_and_rebuilds_replica_and_index(node):
    result = run("--data-dir", node, "rebase", NEW, "--yes", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["seq"] and report["index"]["rebuilt"] and report["replica"]["lag"] == 0
    # the store: data, catalog and feed, system graphs included
    raw = ox.Store.read_only(str(node / "store"))
    assert iris_under(raw, OLD) == []
    assert any(is_under(i, NEW) for i in iris_under(raw, NEW))
    del raw
    with GraphStore.open(node, base_url=NEW) as store:
        assert store.base_url == NEW and store.count() > 0
        assert store.record(f"{NEW}/graph/awards/public") is not None
        assert store.ask(f"ASK {{ <{NEW}/id/person/ada> a mf:Person }}")
        assert store.validate_all() == []
        payloads = feed_payloads(store)
        assert all(OLD not in json.dumps(p) for p in payloads if p["kind"] != "rebase")
        assert any(f"<{NEW}/id/award/" in p.get("add", "") for p in payloads)
    # the public replica and its snapshots
    replica = ox.Store.read_only(str(node / "replica" / "store"))
    assert iris_under(replica, OLD) == []
    assert list(replica.quads_for_pattern(ox.NamedNode(NEW + "/id/skill/18"), None, None, None))
    del replica
    snapshots = [p for p in (node / "replica" / "snapshots").iterdir() if p.is_dir()]
    assert len(snapshots) == 1
    assert iris_under(ox.Store.read_only(str(snapshots[0])), OLD) == []
    # the search index: a known document under its new IRI
    ids = search_ids(node, "Licensing")
    assert NEW + "/id/skill/18" in ids and not [i for i in ids if is_under(i, OLD)]
    assert not any(is_under(i, OLD) for i in search_ids(node, "Ada"))


def test_after_a_rebase_the_old_base_is_refused_and_the_new_one_used(node, tmp_path):
    assert run("--data-dir", node, "rebase", NEW, "--yes").exit_code == 0
    refused = run("--data-dir", node, "--base-url", OLD, "validate")
    assert refused.exit_code == 1 and f"has the base URL {NEW}, but --base-url asks for {OLD}" in refused.output
    assert json.loads(run("--data-dir", node, "settings", "--json").output)["base_url"] == NEW
    again = run("--data-dir", node, "rebase", NEW)
    assert again.exit_code == 0 and "already; nothing to do" in again.output


def test_pages_and_badge_documents_are_served_under_the_new_base(data_dir, tmp_path):
    award = make_node(data_dir, tmp_path)
    assert run("--data-dir", data_dir, "rebase", NEW, "--yes").exit_code == 0
    settings = Settings.load({"data_dir": data_dir, "base_url": NEW}, environ={})
    services = wiring.open_services(settings, "pytest")
    try:
        client = wiring.make_app(settings, services).test_client()
        for path in ("/people/ada", "/skill/18", "/search?q=Licensing", f"/badges/verify/{award}"):
            response = client.get(path)
            page = response.get_data(as_text=True)
            assert response.status_code == 200, path
            assert OLD not in page, path
        assert 'href="/skill/18"' in client.get("/search?q=Licensing").get_data(as_text=True)
        assert f"{NEW}/ob/v2/assertions/{award}" in client.get(f"/badges/verify/{award}").get_data(as_text=True)
        assertion = client.get(f"/ob/v2/assertions/{award}").get_json()
        assert assertion["id"] == f"{NEW}/ob/v2/assertions/{award}"
        assert assertion["badge"] == f"{NEW}/ob/v2/badges/commons"
        turtle = client.get("/id/person/ada", headers={"Accept": "text/turtle"}).get_data(as_text=True)
        assert f"{NEW}/id/person/ada" in turtle and OLD not in turtle
    finally:
        services.close()


def test_rebase_may_run_with_the_new_base_already_set(node, monkeypatch):
    monkeypatch.setenv("MAARIFA_BASE_URL", NEW)
    assert run("--data-dir", node, "rebase", NEW, "--yes").exit_code == 0
    assert run("--data-dir", node, "validate").exit_code == 0  # MAARIFA_BASE_URL now agrees


def test_rebase_with_a_third_base_set_is_refused(node):
    before = store_snapshot(node)
    result = run("--data-dir", node, "--base-url", "https://third.example.org", "rebase", NEW, "--yes")
    assert result.exit_code == 1 and OLD in result.output and "https://third.example.org" in result.output
    assert store_snapshot(node) == before


def test_rebase_onto_iris_the_node_did_not_mint_is_refused(node, tmp_path):
    foreign = tmp_path / "foreign.ttl"
    foreign.write_text(f'<{NEW}/id/thing> <http://example.org/says> "not ours" .\n')
    assert run("--data-dir", node, "load", foreign, "--graph", "https://peer.example.org/graph/x").exit_code == 0
    before = store_snapshot(node)
    result = run("--data-dir", node, "rebase", NEW, "--yes")
    assert result.exit_code == 1
    assert f"already holds 1 IRI(s) under {NEW}" in result.output and f"<{NEW}/id/thing>" in result.output
    assert "nothing was changed" in result.output
    assert store_snapshot(node) == before


def test_a_bad_new_url_is_refused(node):
    result = run("--data-dir", node, "rebase", "ftp://new.example.org")
    assert result.exit_code == 1 and "must start with http:// or https://" in result.output


def test_a_second_rebase_moves_what_the_first_one_wrote(node):
    third = "https://third.example.org"
    assert run("--data-dir", node, "rebase", NEW, "--yes").exit_code == 0
    assert run("--data-dir", node, "rebase", third, "--yes").exit_code == 0
    with GraphStore.open(node, base_url=third) as store:
        for payload in feed_payloads(store):
            text = json.dumps({k: v for k, v in payload.items() if k not in ("old", "new")})
            assert OLD not in text and NEW not in text, payload["kind"]
        formers = {q.object.value for q in store._store.quads_for_pattern(None, ox.NamedNode(MF.formerBaseUrl), None)}
    assert formers == {OLD, NEW}
    assert third + "/id/skill/18" in search_ids(node, "Licensing")
