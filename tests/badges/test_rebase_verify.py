"""A badge issued before `maarifa rebase` verifies at its new URL, checked by the PyPI
``openbadges`` 1.1.2 validator against the node served by waitress under the new base; a
signed copy handed out before the rebase names the old host and no longer verifies once
nothing answers there (README: old URLs stay verifiable only if the old host redirects)."""

from __future__ import annotations

import json
from urllib.parse import urlparse

import pytest
import requests

from badges import Issuer, load_keys, ob2
from badges.service import BadgeService
from maarifa import wiring
from maarifa.settings import Settings
from tests.served import Served, free_port
from web import create_app

from ..maarifa.test_cli import run
from .conftest import load_badge_data

pytestmark = pytest.mark.slow


@pytest.fixture
def moved_node(tmp_path, monkeypatch):
    """A node that issued a badge under OLD (never served), then moved to NEW, served by waitress."""
    for name in ("MAARIFA_BASE_URL", "MAARIFA_DATA_DIR", "MAARIFA_SEARCH_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    old, port = f"http://127.0.0.1:{free_port()}", free_port()
    new = f"http://127.0.0.1:{port}"
    data = tmp_path / "data"
    assert run("--data-dir", data, "--base-url", old, "init").exit_code == 0
    with wiring.open_store(Settings.load({"data_dir": data, "base_url": old}, environ={})) as store:
        load_badge_data(store, tmp_path)
        award = BadgeService(store, Issuer("Test Chapter", old)).issue("commons", "ada").award
    handed_out = ob2.jws_sign(ob2.signed_assertion(Issuer("Test Chapter", old), award), load_keys(data))
    moved = run("--data-dir", data, "rebase", new, "--yes")
    assert moved.exit_code == 0, moved.output
    settings = Settings.load({"data_dir": data, "base_url": new}, environ={})
    services = wiring.open_services(settings, "pytest moved node")
    served = Served(create_app(settings, services), port).start()
    yield {"old": old, "new": new, "award": award.id, "handed_out": handed_out}
    served.stop()
    services.close()


def test_the_hosted_assertion_verifies_at_the_new_url(moved_node, ob_validator):
    url = f"{moved_node['new']}/ob/v2/assertions/{moved_node['award']}"
    document = requests.get(url, timeout=10).json()
    assert document["id"] == url and moved_node["old"] not in json.dumps(document)
    report = ob_validator({"email": "ada@example.org"}, input=url)
    assert report["valid"], report


def test_the_signed_form_fetched_from_the_new_url_verifies(moved_node, ob_validator):
    jws = requests.get(f"{moved_node['new']}/ob/v2/assertions/{moved_node['award']}.jws", timeout=10).text
    report = ob_validator({"email": "ada@example.org"}, input=jws)
    assert report["valid"], report


def test_a_signed_copy_handed_out_before_the_rebase_needs_the_old_host(moved_node, ob_validator):
    _, payload, _, _ = ob2.jws_parts(moved_node["handed_out"])
    assert payload["verification"]["creator"].startswith(moved_node["old"] + "/")
    report = ob_validator({"email": "ada@example.org"}, input=moved_node["handed_out"])
    assert not report["valid"]
    failed = [m for m in report["messages"] if m.get("messageLevel") == "ERROR"]
    assert any(m["name"] == "FETCH_HTTP_NODE" and str(urlparse(moved_node["old"]).port) in m["result"]
               for m in failed), failed  # it tried the old host for the badge class and key
