"""A small community: taxonomy, organizations, roles and five people of every visibility."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest import run_import
from maarifa import wiring
from maarifa.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "demo" / "data"
BASE = "http://127.0.0.1:5000"

# skills: 10 organizational structure > 11 finance > 12 budgeting, 13 financial management, 14 financial reporting
# territories: KE in 014 East Africa; NG, GH in 011 West Africa; all three in 002 Africa
PEOPLE = """\
username,name,email,languages,territory,organizations,visibility,federation_consent,mentoring,known,available,wanted
pia,Pia Publica,pia@example.org,sw:4;en:3,KE,AM,public,yes,yes,12:3,13:4,
pete,Pete Publico,pete@example.org,sw:2;en:5,NG,AM,public,no,no,11:2,,13:1
mona,Mona Membra,mona@example.org,sw:5,GH,AM,members,yes,yes,12:4,,
priv,Priva Secreta,priv@example.org,sw:5,KE,AM,private,no,yes,12:4,12:4,
fred,Fred Francais,fred@example.org,fr:5;sw:3,FR,AR,public,yes,no,36:1,,12:2
"""
SECRETS = ("Mona Membra", "mona@example.org", "Priva Secreta", "priv@example.org")


def iri(kind: str, slug: str) -> str:
    return f"{BASE}/id/{kind}/{slug}"


def load_community(store, tmp: Path) -> None:
    for kind, path in [("taxonomy", DATA / "capx_taxonomy"), ("orgs", DATA / "capx_taxonomy"),
                       ("roles", DATA / "mappings" / "roles.yaml")]:
        report = run_import(store, kind, path)
        assert not report.errors, report.lines()
    people = tmp / "people.csv"
    people.write_text(PEOPLE, encoding="utf-8")
    report = run_import(store, "people", people)
    assert not report.errors, report.lines()


def make_settings(data_dir: Path) -> Settings:
    return Settings.load({"data_dir": data_dir}, environ={})


@pytest.fixture(scope="module")
def community_dir(tmp_path_factory) -> Path:
    """A data directory holding the community (closed: open it yourself)."""
    data_dir = tmp_path_factory.mktemp("community") / "data"
    settings = make_settings(data_dir)
    wiring.init_data_dir(settings)
    with wiring.open_store(settings, "pytest") as store:
        load_community(store, data_dir.parent)
    return data_dir


@pytest.fixture
def fresh_dir(tmp_path) -> Path:
    """A data directory of its own, for tests that write."""
    data_dir = tmp_path / "data"
    settings = make_settings(data_dir)
    wiring.init_data_dir(settings)
    with wiring.open_store(settings, "pytest") as store:
        load_community(store, tmp_path)
    return data_dir


@pytest.fixture(scope="module")
def ro_store(community_dir):
    """The community store, for tests that only read."""
    with wiring.open_store(make_settings(community_dir), "pytest") as store:
        yield store


@pytest.fixture
def rw_store(fresh_dir):
    with wiring.open_store(make_settings(fresh_dir), "pytest") as store:
        yield store
