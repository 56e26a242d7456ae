"""Fixtures for the badge tests: a store with badge classes, people and completions, keys,
and the services over them."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from badges import BadgeService, Issuer, ensure_keys, load_keys
from graph import GraphStore, SourceGraphs, sha256_checksum
from graph.rdfio import parse_file
from tests.served import Served, free_port

ROOT = Path(__file__).resolve().parent.parent.parent

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


# -- the app over a fresh data directory, through Flask's test client (no socket) ----------

class AppNode:
    def __init__(self, tmp_path):
        from maarifa import wiring
        from maarifa.settings import Settings
        from web import create_app

        self.base = BASE
        self.settings = Settings.load({"data_dir": tmp_path / "data", "node_name": "Test Chapter"}, environ={})
        wiring.init_data_dir(self.settings)
        ensure_keys(self.settings.data_dir)
        self.services = wiring.open_services(self.settings, "pytest")
        load_badge_data(self.services.store, tmp_path)
        self.app = create_app(self.settings, self.services)
        self.client = self.app.test_client()
        self.service = BadgeService(self.services.store, Issuer(name="Test Chapter", base_url=self.base))
        self.keys = load_keys(self.settings.data_dir)

    def fetch(self, url: str) -> tuple[int, str, bytes]:
        """A Verifier's fetch that reaches this node's routes (the real app, without a socket)."""
        assert url.startswith(self.base + "/"), f"the test fetched {url}, outside the node"
        response = self.client.get(url[len(self.base):])
        return response.status_code, response.mimetype, response.get_data()

    def json(self, path: str) -> dict:
        response = self.client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response.get_json(force=True)


# -- a node served for real (waitress on 127.0.0.1, a free port) -------------------------

class LiveNode:
    def __init__(self, tmp_path: Path, name: str = "Wikimedia Test Chapter"):
        from maarifa import wiring
        from maarifa.settings import Settings
        from web import create_app

        self.port = free_port()
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
        self.served = Served(self.app, self.port).start()

    def close(self):
        """Stop serving and release the data directory (again: a no-op)."""
        if self.served is None:
            return
        self.served.stop()
        self.served = None
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


# -- Digital Bazaar's verifier (npm packages from package.json / package-lock.json) ------------

@pytest.fixture(scope="session")
def db_verify():
    """Run tests/badges/db_verify.mjs on a credential with the documents a verifier may load."""
    import json
    import shutil
    import subprocess

    from badges.jsonld import BUNDLED, CONTEXTS_DIR

    node = shutil.which("node")
    assert node, "Node.js is needed for Digital Bazaar's verifier (`make test` runs on a machine with it)"
    if not (ROOT / "node_modules" / "@digitalbazaar" / "vc").is_dir():
        subprocess.run(["npm", "ci", "--silent", "--no-audit", "--no-fund"], cwd=ROOT, check=True, timeout=600)
    script = Path(__file__).with_name("db_verify.mjs")
    contexts = {url: str(CONTEXTS_DIR / name) for url, name in BUNDLED.items()}

    def run(credential: dict, documents: dict) -> dict:
        request = {"credential": credential, "documents": documents, "contexts": contexts}
        done = subprocess.run([node, str(script)], input=json.dumps(request), capture_output=True, text=True,
                              cwd=ROOT, timeout=120)
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout.strip().splitlines()[-1])
    return run
