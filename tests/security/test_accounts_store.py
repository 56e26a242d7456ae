"""graph/accounts.py on its own: hashes, session records, settings, backups (no web app)."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from contextlib import closing

import pytest
from click.testing import CliRunner

from graph.accounts import (ACCOUNTS_FILE, AccountError, AccountStore, LoginRefused, Principal, SessionExpired,
                            SessionPolicy, TokenStore, backup_accounts)
from graph.errors import MaarifaError
from maarifa import wiring
from maarifa.cli import main
from maarifa.settings import Settings

from .login_node import PASSWORD, Clock

IDLE, MAX_AGE = 600, 3600


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def accounts(tmp_path, clock):
    store = AccountStore(tmp_path, SessionPolicy(IDLE, MAX_AGE, max_failures=5, window_seconds=300), clock=clock)
    store.create("ada", "admin", PASSWORD)
    return store


def _stored_hash(accounts, username: str) -> str:
    return accounts.db().execute("SELECT hash FROM users WHERE username = ?", (username,)).fetchone()[0]


def _hash_as_version_0_1_did(password: str) -> str:
    """The format the first release wrote with hashlib.scrypt: ``scrypt$n$r$p$salt$key``."""
    salt = os.urandom(16)
    key = hashlib.scrypt(password.encode(), salt=salt, n=2 ** 14, r=8, p=1, maxmem=64 * 1024 * 1024, dklen=32)
    return f"scrypt${2 ** 14}$8$1${salt.hex()}${key.hex()}"


def test_new_hashes_are_werkzeug_scrypt(accounts):
    assert _stored_hash(accounts, "ada").startswith("scrypt:")
    assert PASSWORD not in _stored_hash(accounts, "ada")


def test_an_old_hash_still_verifies_and_is_replaced_at_login(accounts):
    accounts.db().execute("INSERT INTO users (username, role, hash, created) VALUES ('old', 'trainer', ?, 0)",
                          (_hash_as_version_0_1_did("an old long password"),))
    with pytest.raises(LoginRefused):
        accounts.log_in("old", "a wrong password", "192.0.2.1")
    assert _stored_hash(accounts, "old").startswith("scrypt$")  # a failure changes nothing
    assert accounts.log_in("old", "an old long password", "192.0.2.1").role == "trainer"
    assert _stored_hash(accounts, "old").startswith("scrypt:")
    assert accounts.log_in("old", "an old long password", "192.0.2.1").name == "old"


@pytest.mark.parametrize("damaged", ["", "scrypt$1$2", "scrypt$x$y$z$00$00", "md5$abc", "pbkdf2:sha256:1$$"])
def test_a_damaged_hash_matches_no_password(accounts, damaged):
    accounts.db().execute("INSERT INTO users (username, role, hash, created) VALUES ('broken', 'member', ?, 0)",
                          (damaged,))
    with pytest.raises(LoginRefused):
        accounts.log_in("broken", "", "192.0.2.1")


def test_the_file_holds_no_session_id(tmp_path, accounts):
    session_id = accounts.start_session(Principal("ada", "admin"))
    assert accounts.session_principal(session_id) == Principal("ada", "admin")
    raw = b"".join(path.read_bytes() for path in tmp_path.glob(ACCOUNTS_FILE + "*"))  # the file and its WAL
    assert session_id.encode() not in raw
    assert hashlib.sha256(session_id.encode()).hexdigest().encode() in raw
    assert {oct(path.stat().st_mode & 0o777) for path in tmp_path.glob(ACCOUNTS_FILE + "*")} == {"0o600"}
    assert accounts.session_principal("not-" + session_id) is None


def test_last_seen_is_written_at_most_once_a_minute(accounts, clock):
    session_id = accounts.start_session(Principal("ada", "admin"))
    started = clock()

    def last_seen():
        return accounts.sessions("ada")[0]["last_seen"]

    clock.advance(30)
    accounts.session_principal(session_id)
    assert last_seen() == started  # no write for a request 30 s later
    clock.advance(31)
    accounts.session_principal(session_id)
    assert last_seen() == started + 61


def test_expired_sessions_raise_once_and_are_removed(accounts, clock):
    session_id = accounts.start_session(Principal("ada", "admin"))
    clock.advance(IDLE)
    with pytest.raises(SessionExpired):
        accounts.session_principal(session_id)
    assert accounts.session_principal(session_id) is None


def test_sessions_nobody_came_back_to_are_purged_at_the_next_login(accounts, clock):
    for _ in range(5):
        accounts.start_session(Principal("ada", "admin"))
    clock.advance(IDLE)
    accounts.start_session(Principal("ada", "admin"))
    assert accounts.db().execute("SELECT count(*) FROM sessions").fetchone()[0] == 1
    assert len(accounts.sessions()) == 1


def test_sessions_of_an_account_end_together_and_others_stay(accounts):
    accounts.create("tina", "trainer", PASSWORD)
    ada = [accounts.start_session(Principal("ada", "admin")) for _ in range(2)]
    tina = accounts.start_session(Principal("tina", "trainer"))
    assert accounts.end_sessions("ada") == 2
    assert [accounts.session_principal(s) for s in ada] == [None, None]
    assert accounts.session_principal(tina).name == "tina"
    with pytest.raises(AccountError, match="no account 'nobody'"):
        accounts.end_sessions("nobody")


@pytest.mark.parametrize("field, setting", [("idle_seconds", "session_idle_seconds"),
                                            ("max_seconds", "session_max_seconds"),
                                            ("max_failures", "login_max_failures"),
                                            ("window_seconds", "login_window_seconds")])
def test_a_limit_that_is_not_positive_is_refused_naming_the_setting(field, setting):
    values = {"idle_seconds": 1, "max_seconds": 1, "max_failures": 1, "window_seconds": 1, field: 0}
    with pytest.raises(MaarifaError, match=f"setting {setting} must be greater than 0"):
        SessionPolicy(**values)


def test_the_node_refuses_to_start_with_a_bad_session_setting(tmp_path):
    data = tmp_path / "data"
    wiring.init_data_dir(Settings.load({"data_dir": data}, environ={}))
    (data / "maarifa.toml").write_text("session_idle_seconds = -5\n")
    with pytest.raises(MaarifaError, match="session_idle_seconds"):
        wiring.open_services(Settings.load({"data_dir": data}, environ={}), "pytest")
    result = CliRunner().invoke(main, ["--data-dir", str(data), "user", "list"])
    assert result.exit_code == 1 and "session_idle_seconds must be greater than 0" in result.output
    assert "Traceback" not in result.output
    (data / "maarifa.toml").unlink()
    wiring.open_services(Settings.load({"data_dir": data}, environ={}), "pytest").close()  # the store is intact


def test_a_backup_holds_accounts_and_tokens_but_no_sessions_or_failures(tmp_path, accounts, clock):
    token = TokenStore(tmp_path).create("script", "trainer")
    session_id = accounts.start_session(Principal("ada", "admin"))
    with pytest.raises(LoginRefused):
        accounts.log_in("ada", "a wrong password", "192.0.2.1")
    target = tmp_path / "backup"
    target.mkdir()
    backup_accounts(tmp_path, target)
    with closing(sqlite3.connect(target / ACCOUNTS_FILE)) as copy:
        assert copy.execute("SELECT count(*) FROM sessions").fetchone()[0] == 0
        assert copy.execute("SELECT count(*) FROM login_failures").fetchone()[0] == 0
    restored = AccountStore(target, accounts.policy, clock=clock)
    assert restored.session_principal(session_id) is None
    assert restored.log_in("ada", PASSWORD, "192.0.2.1").role == "admin"
    assert TokenStore(target).check(token).name == "script"
    assert session_id.encode() not in (target / ACCOUNTS_FILE).read_bytes()
    assert oct((target / ACCOUNTS_FILE).stat().st_mode & 0o777) == "0o600"


def test_maarifa_backup_and_restore_bring_back_no_session(tmp_path, clock):
    settings = Settings.load({"data_dir": tmp_path / "data"}, environ={})
    wiring.init_data_dir(settings)
    accounts = AccountStore.from_settings(settings, clock=clock)
    accounts.create("ada", "admin", PASSWORD)
    session_id = accounts.start_session(Principal("ada", "admin"))
    wiring.backup_data_dir(settings, tmp_path / "backup")
    accounts.end_session(session_id)  # logged out after the backup ...
    wiring.restore_data_dir(settings, tmp_path / "backup")
    restored = AccountStore.from_settings(settings, clock=clock)
    assert restored.session_principal(session_id) is None  # ... and the restore does not log it back in
    assert restored.list()[0]["username"] == "ada"


def test_a_busy_file_skips_last_seen_and_the_request_goes_on(tmp_path, accounts, clock):
    session_id = accounts.start_session(Principal("ada", "admin"))
    started = clock()
    clock.advance(120)
    with closing(sqlite3.connect(tmp_path / ACCOUNTS_FILE, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")  # e.g. `maarifa user create` writing
        assert accounts.session_principal(session_id).name == "ada"
        other.execute("ROLLBACK")
    assert accounts.sessions("ada")[0]["last_seen"] == started
    assert accounts.session_principal(session_id).name == "ada"
    assert accounts.sessions("ada")[0]["last_seen"] == started + 120
