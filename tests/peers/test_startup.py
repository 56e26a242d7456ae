"""Start-up (issue 12, item 10): the peer index on disk, and a server that answers while it warms.

The peer index is kept per access view in ``{data_dir}/peers/{view}.sqlite3`` with the feed
position it reflects; ``PeerIndex.builds`` / ``loads`` count how each view came to be, so
these tests tell "read from its file" from "built from the store" without timing anything.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request

from click.testing import CliRunner

from graph.peer_files import PeerIndexFile
from graph.peers import PeerIndex
from graph.people import Profiles, Viewer
from maarifa import wiring
from maarifa.cli import main
from tests.served import Served

from .conftest import load_community, make_settings


def _usernames(index: PeerIndex, view: str, **query) -> list[str]:
    from graph.peers import parse_query

    return [r["username"] for r in index.view(view).find(parse_query(query))["results"]]


def _get(url: str) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_cli_imports_leave_the_peer_index_up_to_date_on_disk(tmp_path):
    """``maarifa ingest`` (like load, demo) writes every view's file before it exits."""
    data_dir = tmp_path / "data"
    runner = CliRunner()
    assert runner.invoke(main, ["--data-dir", str(data_dir), "init"]).exit_code == 0
    with wiring.open_store(make_settings(data_dir), "pytest") as store:
        load_community(store, tmp_path)  # through the library: no peer files yet
        head = store.feed.head
    assert not (data_dir / "peers").exists()
    people = tmp_path / "more.csv"
    people.write_text("username,name,visibility,known\nnia,Nia Nova,public,12:2\n", encoding="utf-8")
    result = runner.invoke(main, ["--data-dir", str(data_dir), "ingest", "people", str(people)])
    assert result.exit_code == 0, result.output

    with wiring.open_store(make_settings(data_dir), "pytest") as store:
        assert store.feed.head > head
        for view in ("public", "members", "all"):
            stored = PeerIndexFile(data_dir / "peers", view).read()
            assert stored is not None and stored[0] == store.feed.head, view
        index = PeerIndex(store, data_dir / "peers")
        assert "nia" in _usernames(index, "public", skill="12")
        assert (index.loads, index.builds) == (1, 0)  # read back, not rebuilt


def test_a_restart_reads_the_index_and_follows_commits_made_while_down(fresh_dir):
    settings = make_settings(fresh_dir)
    with wiring.open_store(settings, "pytest") as store:
        first = PeerIndex(store, wiring.peer_index_dir(settings))
        assert "pia" in _usernames(first, "public", skill="12")
        assert (first.builds, first.loads) == (1, 0)
        seq = first.view("public").seq

    with wiring.open_store(settings, "pytest") as store:  # the server is down: a commit nobody indexes
        Profiles(store).update("pete", {"add_claims": [{"skill": "12", "level": 4}]}, Viewer.admin())
        Profiles(store).update("pia", {"visibility": "members"}, Viewer.admin())
        assert store.feed.head > seq

    with wiring.open_store(settings, "pytest") as store:
        again = PeerIndex(store, wiring.peer_index_dir(settings))
        found = _usernames(again, "public", skill="12")
        assert (again.builds, again.loads) == (0, 1)  # read from its file, then caught up from the feed
        assert "pete" in found and "pia" not in found
        assert "pia" in _usernames(again, "members", skill="12")
        assert again.status()["views"]["public"]["behind"] == 0
        # the catch-up was written back: a third start reads the same answer without a feed entry to apply
        assert PeerIndexFile(fresh_dir / "peers", "public").read()[0] == store.feed.head


SIRI = """\
@prefix mf: <https://w3id.org/maarifa/ns#> .
@prefix schema: <https://schema.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<http://127.0.0.1:5000/id/person/siri> a mf:Person ; mf:username "siri" ; schema:name "Siri Siri" ;
    mf:visibility mf:Private ; mf:federationConsent false ; mf:mentoringAvailable false ;
    mf:hasClaim <http://127.0.0.1:5000/id/person/siri#claim-12> .
<http://127.0.0.1:5000/id/person/siri#claim-12> a mf:SkillClaim ; mf:skill <http://127.0.0.1:5000/id/skill/12> ;
    mf:level "2"^^xsd:integer ; mf:claimStatus mf:Known .
"""


def test_an_import_into_another_access_level_leaves_a_view_as_it_is(fresh_dir, tmp_path):
    """A private graph loaded by ``maarifa load`` touches the ``all`` view only: the files of the
    public and members views are brought to the new position without being rebuilt."""
    settings = make_settings(fresh_dir)
    with wiring.open_store(settings, "pytest") as store:
        wiring.update_peer_index(store, settings)
    files = {v: fresh_dir / "peers" / f"{v}.sqlite3" for v in ("public", "members", "all")}
    inodes = {v: f.stat().st_ino for v, f in files.items()}  # a rebuild writes a new file over the old
    siri = tmp_path / "siri.ttl"
    siri.write_text(SIRI, encoding="utf-8")
    result = CliRunner().invoke(main, ["--data-dir", str(fresh_dir), "load", str(siri), "--graph",
                                       "http://127.0.0.1:5000/graph/extra/private", "--access", "private"])
    assert result.exit_code == 0, result.output
    assert {v: f.stat().st_ino == inodes[v] for v, f in files.items()} == {"public": True, "members": True, "all": False}
    with wiring.open_store(settings, "pytest") as store:
        head = store.feed.head
        index = PeerIndex(store, wiring.peer_index_dir(settings))
        assert "siri" not in _usernames(index, "public", skill="12")
        assert "siri" not in _usernames(index, "members", skill="12")
        assert "siri" in _usernames(index, "all", skill="12")
        assert (index.builds, index.loads) == (0, 3)
        assert all(PeerIndexFile(fresh_dir / "peers", v).read()[0] == head for v in ("public", "members", "all"))


def test_a_change_of_the_graphs_a_view_reads_rebuilds_it(fresh_dir, tmp_path):
    """Re-importing the people source without its public people drops the public graph."""
    settings = make_settings(fresh_dir)
    with wiring.open_store(settings, "pytest") as store:
        index = PeerIndex(store, wiring.peer_index_dir(settings))
        assert "pia" in _usernames(index, "public", skill="12")
        people = tmp_path / "people.csv"
        people.write_text("username,name,visibility,known\nsiri,Siri Siri,private,12:2\n", encoding="utf-8")
        from ingest import run_import

        assert not run_import(store, "people", people).errors
        assert _usernames(index, "public", skill="12") == []
        assert index.builds == 2


def test_a_damaged_or_foreign_file_is_rebuilt_from_the_store(fresh_dir):
    settings = make_settings(fresh_dir)
    (fresh_dir / "peers").mkdir()
    (fresh_dir / "peers" / "public.sqlite3").write_bytes(b"not a database, just bytes " * 100)
    with wiring.open_store(settings, "pytest") as store:
        index = PeerIndex(store, wiring.peer_index_dir(settings))
        assert "pia" in _usernames(index, "public", skill="12")
        assert (index.builds, index.loads) == (1, 0)
    assert PeerIndexFile(fresh_dir / "peers", "public").read() is not None  # and written afresh


def test_a_file_ahead_of_the_feed_is_not_trusted(fresh_dir):
    """A store restored from an older backup: the file reflects changes the store never saw."""
    settings = make_settings(fresh_dir)
    with wiring.open_store(settings, "pytest") as store:
        PeerIndexFile(fresh_dir / "peers", "public").replace(store.feed.head + 10, [], [])
        index = PeerIndex(store, wiring.peer_index_dir(settings))
        assert "pia" in _usernames(index, "public", skill="12")
        assert index.builds == 1 and index.loads == 0


def test_erase_rewrites_the_peer_index_files(fresh_dir):
    settings = make_settings(fresh_dir)
    with wiring.open_store(settings, "pytest") as store:
        wiring.update_peer_index(store, settings)
    assert b"Pia Publica" in (fresh_dir / "peers" / "all.sqlite3").read_bytes()

    result = CliRunner().invoke(main, ["--data-dir", str(fresh_dir), "erase", "pia"])
    assert result.exit_code == 0, result.output
    for path in (fresh_dir / "peers").iterdir():
        assert b"Pia Publica" not in path.read_bytes(), path.name
    with wiring.open_store(settings, "pytest") as store:
        index = PeerIndex(store, wiring.peer_index_dir(settings))
        found = _usernames(index, "all", skill="12")
        assert "pia" not in found and "mona" in found
        assert index.builds == 0  # the rewritten files are current


def test_rebase_rebuilds_the_peer_index(fresh_dir):
    settings = make_settings(fresh_dir)
    with wiring.open_store(settings, "pytest") as store:
        wiring.update_peer_index(store, settings)
    new = "https://maarifa.example.org"
    result = CliRunner().invoke(main, ["--data-dir", str(fresh_dir), "rebase", new, "--yes"])
    assert result.exit_code == 0, result.output
    text = (fresh_dir / "peers" / "public.sqlite3").read_bytes()
    assert b"http://127.0.0.1:5000/id/person/pia" not in text
    assert f"{new}/id/person/pia".encode() in text
    from maarifa.settings import Settings

    with wiring.open_store(Settings.load({"data_dir": fresh_dir, "base_url": new}, environ={}), "pytest") as store:
        index = PeerIndex(store, wiring.peer_index_dir(settings))
        assert index.view("public").people[f"{new}/id/person/pia"].username == "pia"
        assert index.builds == 0


def test_serve_answers_while_the_replica_is_first_built(fresh_dir):
    """The first replica build runs in the background: /health and the peer finder answer, /sparql
    says the public data is being prepared (503, Retry-After) until the first snapshot exists."""
    settings = make_settings(fresh_dir)
    services = wiring.open_services(settings, "pytest")
    release, started = threading.Event(), threading.Event()
    real_rebuild = services.replica.rebuild

    def held_rebuild():  # the real rebuild, once the test lets it run
        started.set()
        release.wait(120)
        return real_rebuild()

    services.replica.rebuild = held_rebuild
    served = Served(wiring.make_app(settings, services)).start()
    try:
        services.start_background()
        assert started.wait(60)
        status, _, body = _get(served.url + "/health")
        assert status == 200
        replica = json.loads(body)["consumers"]["replica"]
        assert replica["building"] and replica["building"]["rebuild"] is True and replica["ready"] is False
        status, _, body = _get(served.url + "/api/peers?skill=12")
        assert status == 200 and "pia" in [r["username"] for r in json.loads(body)["results"]]
        status, headers, body = _get(served.url + "/sparql?query=" + urllib.request.quote("ASK { ?s ?p ?o }"))
        assert status == 503 and headers["Retry-After"] == str(settings.replica_retry_after)
        assert b"being prepared" in body

        release.set()
        thread = next(t for t, _ in services._stop if t.name == "public-replica")
        while services.replica_building:  # the builder clears it when its first build is done
            thread.join(0.2)
            assert thread.is_alive()
        status, _, body = _get(served.url + "/sparql?query=" + urllib.request.quote("ASK { ?s ?p ?o }"))
        assert status == 200 and b"true" in body
        consumers = json.loads(_get(served.url + "/health")[2])["consumers"]
        assert consumers["replica"]["building"] is None and consumers["replica"]["ready"] is True
        assert set(consumers) >= {"search", "replica", "peers"}
        for entry in consumers.values():
            assert {"position", "head", "behind", "building"} <= set(entry)
    finally:
        release.set()
        served.stop()
        services.close()


def test_serve_reads_the_peer_index_from_disk_in_the_background(tmp_path):
    data_dir = tmp_path / "data"
    settings = make_settings(data_dir)
    wiring.init_data_dir(settings)
    with wiring.open_store(settings, "pytest") as store:
        load_community(store, tmp_path)
        wiring.update_peer_index(store, settings)
    services = wiring.open_services(settings, "pytest")
    try:
        services.start_background()
        index = services.peer_services.index
        thread = next(t for t, _ in services._stop if t.name == "peer-index")
        while len(index._views) < 3:  # the background thread opens every view
            thread.join(0.2)
            assert thread.is_alive()
        assert (index.loads, index.builds) == (3, 0)
        peers = services.status()["consumers"]["peers"]
        assert peers["behind"] == 0 and set(peers["views"]) == {"public", "members", "all"}
    finally:
        services.close()
