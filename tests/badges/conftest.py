"""Fixtures for the badge tests: a store with badge classes, people and completions, keys,
and the services over them."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
from badges import BadgeService, Issuer, ensure_keys, load_keys
from graph import GraphStore, SourceGraphs, sha256_checksum
from graph.rdfio import parse_file

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "badges"
BASE = "http://127.0.0.1:5000"


def load_badge_data(store: GraphStore, tmp_path: Path) -> None:
    """Load the public and private fixture graphs with BASE replaced by the store's base URL."""
    for access in ("public", "private"):
        text = (FIXTURES / f"{access}.ttl").read_text(encoding="utf-8").replace("BASE", store.base_url)
        path = tmp_path / f"badges-{access}.ttl"
        path.write_text(text, encoding="utf-8")
        triples = parse_file(path)
        source = SourceGraphs(name=f"badge-fixture-{access}", label=path.name, importer="pytest",
                              checksum=sha256_checksum(text.encode()))
        store.replace_source_parsed(source, {access: triples})


def make_issuer(base: str) -> Issuer:
    return Issuer(name="Wikimedia Test Chapter", base_url=base, url="https://chapter.example.org/",
                  email="badges@chapter.example.org")


@pytest.fixture
def badge_store(tmp_path):
    store = GraphStore.in_memory(BASE)
    load_badge_data(store, tmp_path)
    return store


@pytest.fixture
def keys(tmp_path):
    ensure_keys(tmp_path / "data")
    return load_keys(tmp_path / "data")


@pytest.fixture
def service(badge_store):
    return BadgeService(badge_store, make_issuer(BASE))


# -- the app over a fresh data directory, and a node served for real ----------------------

class Node:
    """The app over a fresh data directory, through Flask's test client (no socket)."""

    def __init__(self, tmp_path):
        from maarifa import wiring
        from maarifa.settings import Settings
        from web import create_app

        self.base = "http://127.0.0.1:5000"
        self.settings = Settings.load({"data_dir": tmp_path / "data", "node_name": "Test Chapter"}, environ={})
        wiring.init_data_dir(self.settings)
        ensure_keys(self.settings.data_dir)
        self.services = wiring.open_services(self.settings, "pytest")
        load_badge_data(self.services.store, tmp_path)
        self.app = create_app(self.settings, self.services)
        self.client = self.app.test_client()
        self.service = BadgeService(self.services.store, Issuer(name="Test Chapter", base_url=self.base))
        self.keys = load_keys(self.settings.data_dir)


class LiveNode:
    def __init__(self, tmp_path: Path, name: str = "Wikimedia Test Chapter"):
        import socket
        import threading

        import waitress

        from maarifa import wiring
        from maarifa.settings import Settings
        from web import create_app

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.settings = Settings.load({"data_dir": tmp_path / "data", "base_url": self.base, "node_name": name},
                                      environ={})
        wiring.init_data_dir(self.settings)
        ensure_keys(self.settings.data_dir)
        self.services = wiring.open_services(self.settings, "pytest live node")
        load_badge_data(self.services.store, tmp_path)
        self.app = create_app(self.settings, self.services)
        self.service = BadgeService(self.services.store, Issuer(name=name, base_url=self.base))
        self.keys = load_keys(self.settings.data_dir)
        self.server = waitress.create_server(self.app, host="127.0.0.1", port=self.port, threads=4)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()

    def close(self):
        self.server.close()
        self.thread.join(timeout=5)
        self.services.close()


@pytest.fixture(scope="module")
def live_node(tmp_path_factory):
    node = LiveNode(tmp_path_factory.mktemp("live"))
    yield node
    node.close()


# -- the PyPI openbadges 1.1.2 validator, in its own virtual environment ------------------

def validator_python() -> Path:
    """Create (once) ${MAARIFA_CACHE:-~/.cache/maarifa}/ob-validator-venv with openbadges 1.1.2."""
    import os
    import shutil
    import subprocess

    cache = Path(os.environ.get("MAARIFA_CACHE") or Path.home() / ".cache" / "maarifa")
    venv = cache / "ob-validator-venv"
    python = venv / "bin" / "python"
    probe = [str(python), "-c", "import openbadges.verifier.verifier"]
    if python.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return python
    cache.mkdir(parents=True, exist_ok=True)
    staging = cache / f"ob-validator-venv.{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(staging)], check=True)
    pip = [str(staging / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run(pip + ["openbadges==1.1.2"], check=True)
    # openbadges 1.1.2 pins versions that do not import on Python 3.11; pip warns about the pins
    subprocess.run(pip + ["pycryptodome==3.23.0", "python-jose==3.1.0", "pytz>=2023"], check=True)
    shutil.rmtree(venv, ignore_errors=True)
    staging.rename(venv)
    return python


@pytest.fixture(scope="session")
def ob_validator():
    import json
    import subprocess

    python = validator_python()
    driver = Path(__file__).with_name("ob_validator_driver.py")
    context = ROOT / "badges" / "contexts" / "openbadges-v2.jsonld"

    def run(recipient: dict | None = None, **badge) -> dict:
        request = {**badge, "recipient": recipient, "context": str(context)}
        done = subprocess.run([str(python), str(driver)], input=json.dumps(request), capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout.strip().splitlines()[-1])
    return run
