"""Attack: after `maarifa erase`, read the data directory's files and find the person anyway.

Issue 12, item 5. Deleting quads is not erasing them: RocksDB keeps deleted values in older
SST files and its write-ahead log until a compaction drops them, the public replica's
snapshots are hard links to such files, SQLite keeps deleted rows in free pages and its WAL,
OpenSearch keeps deleted documents in its segments. The attacker here is anyone who can read
the data directory after an erasure (a disk image, a copy made for debugging, a restored
host): they run `grep -a` over it. The test does the same, byte by byte, for the person's
names and e-mail addresses (UTF-8 and the escaped forms N-Triples and JSON use) and their
username, after giving every layer a chance to keep a copy: a CSV import, a profile edit
that renames them (an older version of every value), a badge award, an account and a token
named after them, the search index built and the public replica synced (with snapshots).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from graph.accounts import LoginRefused

from graph.people import ALL, Profiles, Viewer, find_person
from ingest import run_import
from maarifa import wiring
from maarifa.erasure import PENDING
from maarifa.settings import Settings
from tests.security.disk import readable

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "demo" / "data"
MAARIFA = Path(sys.executable).parent / "maarifa"

USERNAME = "zawadi-7q-erase"
NAME = "Zawadi Kipchumbá-Øyelaran"
EMAIL = "zawadi.kipchumba.7q@example.org"
RENAMED = "Zawadi Øyelaran Mwangi-Kipchumbá"
NEW_EMAIL = "z.oyelaran.7q@example.net"
#: folded forms the search index stores its words in
WORDS = ("kipchumba", "oyelaran")
#: people who stay: a members-only, a private and a public person with federation consent
STAYING = ("Mona Membra-Kwabena", "Priva Secreta-Njeri", "Pete Publico-Otieno")

PEOPLE = f"""\
username,name,email,languages,territory,organizations,visibility,federation_consent,mentoring,known,available,wanted
{USERNAME},{NAME},{EMAIL},sw:4;en:3,KE,AM,public,yes,yes,12:3,13:4,
mona,{STAYING[0]},mona.kwabena@example.org,sw:5,GH,AM,members,yes,yes,12:4,,
priv,{STAYING[1]},priv.njeri@example.org,sw:5,KE,AM,private,no,yes,12:4,12:4,
pete,{STAYING[2]},pete.otieno@example.org,sw:2;en:5,NG,AM,public,yes,no,11:2,,13:1
"""


def traces(text: str) -> list[bytes]:
    """The byte strings that give ``text`` away: UTF-8, and the escaped forms of JSON
    (``\\u00e1``) and N-Triples (``\\u00E1``)."""
    escaped = json.dumps(text)[1:-1]
    return list(dict.fromkeys([text.encode("utf-8"), escaped.encode("ascii"),
                               _upper_escapes(escaped).encode("ascii")]))


def _upper_escapes(escaped: str) -> str:
    out, i = [], 0
    while i < len(escaped):
        if escaped.startswith("\\u", i):
            out.append("\\u" + escaped[i + 2:i + 6].upper())
            i += 6
        else:
            out.append(escaped[i])
            i += 1
    return "".join(out)


SECRETS = [t for text in (NAME, EMAIL, RENAMED, NEW_EMAIL, USERNAME) for t in traces(text)]


def found_on_disk(data_dir: Path, needles: list[bytes], *, folded: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """``grep -a -l`` over every file under ``data_dir`` (hidden ones too): file -> what it holds.
    ``folded`` words are looked for case-insensitively."""
    hits: dict[str, list[str]] = {}
    for path in sorted(data_dir.rglob("*")):
        if not path.is_file() or path.is_symlink():
            continue
        data = readable(path)
        lowered = data.lower()
        held = [n.decode("utf-8", "replace") for n in needles if n in data]
        held += [w for w in folded if w.encode() in lowered]
        if held:
            hits[str(path.relative_to(data_dir))] = held
    return hits


def settings_for(data_dir: Path) -> Settings:
    return Settings.load({"data_dir": data_dir}, environ={})


def build_node(data_dir: Path, work: Path, toml: str = "") -> None:
    """A node whose every layer has seen the person (and two people who stay)."""
    data_dir.mkdir(parents=True)
    if toml:
        (data_dir / "maarifa.toml").write_text(toml, encoding="utf-8")
    settings = settings_for(data_dir)
    wiring.init_data_dir(settings)
    services = wiring.open_services(settings, "pytest")
    try:
        from badges import BadgeService

        store = services.store
        for kind, path in [("taxonomy", DATA / "capx_taxonomy"), ("orgs", DATA / "capx_taxonomy"),
                           ("roles", DATA / "mappings" / "roles.yaml")]:
            assert not run_import(store, kind, path).errors
        people = work / "people.csv"
        people.write_text(PEOPLE, encoding="utf-8")
        assert not run_import(store, "people", people).errors
        indexer = services.search_sync  # every index the settings keep (OpenSearch: its fallback too)
        indexer.sync()
        services.sync_replica()
        # an older version of every value: rename, new e-mail, one more claim
        Profiles(store).update(USERNAME, {"name": RENAMED, "email": NEW_EMAIL,
                                          "add_claims": [{"skill": "14", "level": 2}]}, Viewer.admin())
        indexer.sync()
        services.sync_replica()
        service = BadgeService(store, wiring.issuer_of(settings))
        service.create_badge_class("budgeting-basics", {"en": "Budgeting basics"}, {"en": "Knows budgets."},
                                   criteria_text="Completed the budgeting module.", skills=[f"{store.base_url}/id/skill/12"])
        service.issue("budgeting-basics", USERNAME)
        indexer.sync()
        services.sync_replica()
        services.tokens.create(USERNAME, "member")
        services.accounts.create(USERNAME, "member", "a long enough password")
        # a signed-in session and a failed login: both rows name the person
        services.accounts.start_session(services.accounts.log_in(USERNAME, "a long enough password", "127.0.0.9"))
        try:
            services.accounts.log_in(USERNAME, "not the password", "127.0.0.9")
        except LoginRefused:
            pass
    finally:
        services.close()


def run_cli(data_dir: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MAARIFA_")}
    return subprocess.run([str(MAARIFA), "--data-dir", str(data_dir), *args], capture_output=True, text=True,
                          env={**environ, **(env or {})}, timeout=600)


def assert_erased_from_disk(data_dir: Path) -> None:
    left = found_on_disk(data_dir, SECRETS, folded=WORDS)
    assert left == {}, f"the erased person is still in these files: {json.dumps(left, indent=1, ensure_ascii=False)}"
    # the files still hold the people who stay, so the search above could have seen the erased one
    # (it reads through RocksDB's compressed blocks: a bulk-loaded store is compressed throughout)
    for place, names in (("store", STAYING), ("replica/store", STAYING[2:]), ("replica/snapshots", STAYING[2:])):
        held = {n for found in found_on_disk(data_dir / place, [n.encode() for n in names]).values() for n in found}
        assert held == set(names), (place, held)


def assert_node_still_works(data_dir: Path, *, searchable: bool = True) -> None:
    settings = settings_for(data_dir)
    services = wiring.open_services(settings, "pytest")
    try:
        from search import Query, search

        store = services.store
        assert find_person(store, USERNAME, ALL) is None
        assert find_person(store, "mona", ALL) is not None and find_person(store, "priv", ALL) is not None
        assert store.validate_all() == []
        services.sync_replica()
        if searchable:
            hits = search(services.search, Query("Mona", types=("person",), viewer_is_member=True)).hits
            assert [h.title for h in hits] == [STAYING[0]]
        assert services.replica.count() > 100
        assert services.replica.latest_snapshot() is not None
    finally:
        services.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A node built once (embedded search); each test works on a copy of its data directory."""
    work = tmp_path_factory.mktemp("node")
    build_node(work / "data", work)
    return work / "data"


@pytest.fixture
def node(built, tmp_path) -> Path:
    data_dir = tmp_path / "data"
    shutil.copytree(built, data_dir, symlinks=True)
    return data_dir


def test_erase_leaves_no_copy_in_the_data_directory(node):
    data_dir = node
    before = found_on_disk(data_dir, SECRETS, folded=WORDS)
    # the attack works before the erasure: the store, the replica, its snapshots, the index, the accounts
    for place in ("store/", "replica/store/", "replica/snapshots/", "search/", "accounts.sqlite3"):
        assert any(f.startswith(place) for f in before), (place, sorted(before))

    erased = run_cli(data_dir, "erase", USERNAME)
    assert erased.returncode == 0, erased.stderr
    assert f"erased {USERNAME}" in erased.stdout

    assert_erased_from_disk(data_dir)
    assert_node_still_works(data_dir)


def test_erase_with_opensearch_leaves_no_deleted_document_in_any_segment(tmp_path, opensearch_url):
    from opensearchpy import OpenSearch

    prefix = f"test-erase-{uuid.uuid4().hex[:8]}"
    data_dir = tmp_path / "data"
    client = OpenSearch(hosts=[opensearch_url])
    try:
        build_node(data_dir, tmp_path, toml=f'search_backend = "opensearch"\nopensearch_url = "{opensearch_url}"\n'
                                             f'opensearch_index_prefix = "{prefix}"\n')
        person = f"http://127.0.0.1:5000/id/person/{USERNAME}"
        held = client.search(index=f"{prefix}-*", body={"query": {"ids": {"values": [person]}}})
        assert held["hits"]["total"]["value"] == 1
        indexes_before = set(client.indices.get(index=f"{prefix}-*"))

        erased = run_cli(data_dir, "erase", USERNAME)
        assert erased.returncode == 0, erased.stderr

        client.indices.refresh(index=f"{prefix}-*")
        for query in ({"ids": {"values": [person]}},
                      {"query_string": {"query": "Kipchumbá OR Øyelaran OR Kipchumba OR Oyelaran"}},
                      {"match": {"all_text": "Kipchumba Oyelaran"}}):
            found = client.search(index=f"{prefix}-*", body={"query": query})
            assert found["hits"]["total"]["value"] == 0, query
        stats = client.indices.stats(index=f"{prefix}-*", metric="docs")["indices"]
        assert stats and all(s["primaries"]["docs"]["deleted"] == 0 for s in stats.values()), stats
        # an index that held the person is gone with its segments and translog, not just emptied
        assert not indexes_before & set(stats), sorted(indexes_before & set(stats))
        assert any(s["primaries"]["docs"]["count"] > 0 for s in stats.values())
        assert_erased_from_disk(data_dir)
        assert_node_still_works(data_dir)
    finally:
        client.indices.delete(index=f"{prefix}-*", ignore_unavailable=True, expand_wildcards="all")
        client.close()


def store_snapshot(data_dir: Path) -> bytes:
    from tests.conftest import snapshot

    with wiring.open_store(settings_for(data_dir), "pytest") as store:
        return snapshot(store)


def test_erase_is_refused_while_the_node_runs_and_changes_nothing(node):
    from graph.lock import ProcessLock

    before = store_snapshot(node)
    with ProcessLock(node).acquire("maarifa serve --port 5000"):
        refused = run_cli(node, "erase", USERNAME)
    assert refused.returncode == 1
    assert "Traceback" not in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
    for words in ("must be stopped", f"process {os.getpid()}", "maarifa serve --port 5000", "nothing was changed"):
        assert words in refused.stderr, (words, refused.stderr)
    assert store_snapshot(node) == before
    assert not (node / PENDING).exists()


def test_erase_is_refused_while_the_search_index_is_unreachable_and_changes_nothing(node):
    before = store_snapshot(node)
    (node / "maarifa.toml").write_text('search_backend = "opensearch"\nopensearch_url = "http://127.0.0.1:9"\n',
                                       encoding="utf-8")
    refused = run_cli(node, "erase", USERNAME)
    assert refused.returncode == 1
    assert "search index is not reachable" in refused.stderr and "127.0.0.1:9" in refused.stderr
    assert "nothing was changed" in refused.stderr and "Traceback" not in refused.stderr
    assert store_snapshot(node) == before
    assert not (node / PENDING).exists()


CUT_SHORT = """
import os, sys
from pathlib import Path
import maarifa.erasure as erasure
from maarifa.erasure import PENDING
from maarifa.settings import Settings

def die(services, username):
    os._exit(9)  # the person is out of the store; no file has been rewritten yet
erasure.rewrite_files = die
erasure.erase(Settings.load({"data_dir": Path(sys.argv[1])}, environ={}), sys.argv[2])
"""


def test_an_erasure_cut_short_is_finished_by_running_it_again(node, tmp_path):
    script = tmp_path / "cut_short.py"
    script.write_text(CUT_SHORT, encoding="utf-8")
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MAARIFA_")}
    killed = subprocess.run([sys.executable, str(script), str(node), USERNAME], cwd=ROOT, env=environ,
                            capture_output=True, text=True)
    assert killed.returncode == 9, killed.stderr
    assert (node / PENDING).exists()
    with wiring.open_store(settings_for(node), "pytest") as store:
        assert find_person(store, USERNAME, ALL) is None
    assert found_on_disk(node, SECRETS), "the files still hold the person"

    again = run_cli(node, "erase", USERNAME)
    assert again.returncode == 0, again.stderr
    assert "finished an erasure" in again.stdout
    assert not (node / PENDING).exists()
    assert_erased_from_disk(node)
    assert_node_still_works(node)
    # with nothing left to finish, an unknown name is an error again
    unknown = run_cli(node, "erase", USERNAME)
    assert unknown.returncode == 1 and f"no person {USERNAME!r}" in unknown.stderr


def test_an_embedded_index_the_settings_no_longer_use_is_rebuilt_too(node):
    (node / "maarifa.toml").write_text('search_backend = "none"\n', encoding="utf-8")
    erased = run_cli(node, "erase", USERNAME)
    assert erased.returncode == 0, erased.stderr
    assert "unused embedded index" in erased.stdout
    assert_erased_from_disk(node)
    assert b"Mona" in (node / "search" / "index.sqlite3").read_bytes()
    assert_node_still_works(node, searchable=False)
