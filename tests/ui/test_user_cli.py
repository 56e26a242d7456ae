"""``maarifa user ...`` (the group lives in maarifa/user_cli.py; tested on its own here)."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from maarifa import wiring
from maarifa.settings import Settings
from maarifa.user_cli import user


def _root():
    @click.group()
    @click.option("--data-dir")
    @click.pass_context
    def root(ctx, data_dir):
        ctx.obj = {"flags": {"data_dir": data_dir}, "config": None}

    root.add_command(user)
    return root


def test_create_list_password_disable(tmp_path):
    data = tmp_path / "data"
    wiring.init_data_dir(Settings.load({"data_dir": data}, environ={}))
    run = CliRunner().invoke
    root = _root()
    result = run(root, ["--data-dir", str(data), "user", "create", "--role", "trainer", "--name", "tina",
                        "--password-stdin"], input="a long enough password\n")
    assert result.exit_code == 0, result.output
    listed = run(root, ["--data-dir", str(data), "user", "list", "--json"])
    assert '"tina"' in listed.output and "scrypt" not in listed.output
    short = run(root, ["--data-dir", str(data), "user", "create", "--role", "admin", "--name", "ada",
                       "--password-stdin"], input="short\n")
    assert short.exit_code == 1 and "at least 10" in short.output
    again = run(root, ["--data-dir", str(data), "user", "create", "--role", "admin", "--name", "tina",
                       "--password-stdin"], input="another long password\n")
    assert again.exit_code == 1 and "already exists" in again.output
    from graph.accounts import AccountStore, LoginRefused

    accounts = AccountStore.from_settings(Settings.load({"data_dir": data}, environ={}))
    assert accounts.log_in("tina", "a long enough password", "127.0.0.1").role == "trainer"
    assert run(root, ["--data-dir", str(data), "user", "disable", "--name", "tina"]).exit_code == 0
    with pytest.raises(LoginRefused):
        accounts.log_in("tina", "a long enough password", "127.0.0.1")
    missing = run(root, ["--data-dir", str(tmp_path / "nowhere"), "user", "list"])
    assert missing.exit_code == 1
