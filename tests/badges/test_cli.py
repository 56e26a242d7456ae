"""`maarifa badge issue|verify|revoke`."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from maarifa import wiring
from maarifa.badge_cli import badge
from maarifa.settings import Settings

from .conftest import load_badge_data


@pytest.fixture
def cli(tmp_path, monkeypatch):
    data = tmp_path / "data"
    settings = Settings.load({"data_dir": data}, environ={})
    wiring.init_data_dir(settings)
    from badges import ensure_keys
    ensure_keys(data)
    with wiring.open_store(settings, "pytest") as store:
        load_badge_data(store, tmp_path)
    for name in ("MAARIFA_DATA_DIR", "MAARIFA_BASE_URL"):
        monkeypatch.delenv(name, raising=False)

    def run(*args):
        # the group as `maarifa` will mount it (main.add_command(badge)), with main's context object
        assert args[0] == "badge"
        return CliRunner().invoke(badge, list(args[1:]), obj={"flags": {"data_dir": data, "base_url": None},
                                                              "config": None})
    run.data = data
    return run


def test_issue_verify_revoke(cli, tmp_path):
    issued = cli("badge", "issue", "licensing", "bo", "--json")
    assert issued.exit_code == 0, issued.output
    award = json.loads(issued.output)
    assert award["badge"] == "licensing" and award["recipient"] == "bo"

    from badges import BadgeService, Issuer, load_keys, ob3
    with wiring.open_store(Settings.load({"data_dir": cli.data}, environ={}), "pytest") as store:
        svc = BadgeService(store, Issuer("Maarifa", store.base_url))
        credential = ob3.signed_credential(svc.issuer, svc.award(award["id"]), load_keys(cli.data))
    path = tmp_path / "credential.json"
    path.write_text(json.dumps(credential))
    ok = cli("badge", "verify", str(path))
    assert ok.exit_code == 0 and ok.output.startswith("VALID"), ok.output

    revoked = cli("badge", "revoke", award["id"], "--reason", "wrong person")
    assert revoked.exit_code == 0 and "revoked award" in revoked.output
    bad = cli("badge", "verify", str(path))
    assert bad.exit_code == 1 and "revoked: wrong person" in bad.output


@pytest.mark.parametrize("args, message", [
    (("badge", "issue", "nope", "ada"), "no badge class 'nope'"),
    (("badge", "issue", "commons", "zed"), "no person you may issue badges to is identified by 'zed'"),
    (("badge", "revoke", "0" * 32, "--reason", "x"), "no badge award"),
])
def test_user_errors_are_one_line(cli, args, message):
    result = cli(*args)
    assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output


def test_unsafe_key_refuses_to_issue_and_writes_nothing(cli):
    (cli.data / "keys" / "rsa.pem").chmod(0o640)
    result = cli("badge", "issue", "commons", "ada")
    assert result.exit_code == 1 and "refusing to sign" in result.output
    with wiring.open_store(Settings.load({"data_dir": cli.data}, environ={}), "pytest") as store:
        assert not store.ask("ASK { ?a a mf:Award }")


def test_verify_unreadable_input(cli, tmp_path):
    junk = tmp_path / "junk.txt"
    junk.write_text("hello")
    result = cli("badge", "verify", str(junk))
    assert result.exit_code == 1 and "INVALID" in result.output


def test_verify_a_url_of_a_revoked_award_with_the_store(cli):
    """The node's own URL, nobody serving it: the graph answers (it used to try HTTP and fail)."""
    award = json.loads(cli("badge", "issue", "licensing", "bo", "--json").output)
    assert cli("badge", "revoke", award["id"], "--reason", "wrong person").exit_code == 0
    result = cli("badge", "verify", award["ob3"])
    assert result.exit_code == 1 and result.output.startswith("REVOKED") and "wrong person" in result.output


def test_verify_a_url_nobody_answers_is_status_unknown(cli):
    import socket

    with socket.socket() as probe:  # a port nothing listens on once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = cli("badge", "verify", f"http://127.0.0.1:{port}/ob/v3/credentials/{'0' * 32}")
    assert result.exit_code == 3 and result.output.startswith("STATUS UNKNOWN") and "cannot connect" in result.output
