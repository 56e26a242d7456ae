"""A node for the session and login attack tests: a real data directory, store and app, a clock the test drives.

The tests import what they need from here (``from .login_node import ...``); the fixtures are
re-exported by each test module, so this folder needs no conftest of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from click.testing import CliRunner

from graph.accounts import AccountStore
from maarifa import wiring
from maarifa.cli import main
from maarifa.settings import Settings

PASSWORD = "correct horse battery staple"
IDLE, MAX_AGE, MAX_FAILURES, WINDOW = 600, 3600, 3, 300
ACCOUNTS = {"ada": "admin", "tina": "trainer", "mo": "member"}


class Clock:
    """Seconds since the epoch, moved only by the test: expiry without sleeping."""

    def __init__(self, now: float = 1_900_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class LoginNode:
    settings: Settings
    services: wiring.Services
    app: object
    clock: Clock

    def client(self):
        return self.app.test_client()

    def cli(self, *args, input: str | None = None):
        """Run ``maarifa --data-dir D ARGS`` the way an operator would, next to the running app."""
        result = CliRunner().invoke(main, ["--data-dir", str(self.settings.data_dir), *args], input=input)
        assert "Traceback" not in result.output, result.output
        return result


@pytest.fixture
def login_node(tmp_path):
    settings = Settings.load({"data_dir": tmp_path / "data", "search_backend": "none",
                              "session_idle_seconds": IDLE, "session_max_seconds": MAX_AGE,
                              "login_max_failures": MAX_FAILURES, "login_window_seconds": WINDOW}, environ={})
    wiring.init_data_dir(settings)
    services = wiring.open_services(settings, "pytest security")
    clock = Clock()
    services.accounts = AccountStore.from_settings(settings, clock=clock)
    for name, role in ACCOUNTS.items():
        services.accounts.create(name, role, PASSWORD)
    app = wiring.make_app(settings, services)
    app.testing = True
    yield LoginNode(settings, services, app, clock)
    services.close()


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def log_in(client, username: str, password: str = PASSWORD, address: str = "127.0.0.1"):
    """The login form as a browser sends it (CSRF token first), from ``address``."""
    environ = {"REMOTE_ADDR": address}
    token = csrf_of(client.get("/login", environ_base=environ).get_data(as_text=True))
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                       environ_base=environ)


def log_out(client):
    token = csrf_of(client.get("/").get_data(as_text=True))
    return client.post("/logout", data={"csrf_token": token})


def copy_of_cookie(node: LoginNode, client):
    """Another browser holding a copy of ``client``'s session cookie (stolen, or left on a shared computer)."""
    thief = node.client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def login_error(response) -> str:
    """The login page's error message, as the visitor reads it."""
    match = re.search(r'id="login-error">([^<]*)<', response.get_data(as_text=True))
    assert match, "the login page shows no error"
    return match.group(1)
