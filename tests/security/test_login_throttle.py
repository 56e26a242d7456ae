"""Issue 12, item 6: login attempts are throttled per account and per address, and say nothing.

Threats: guessing a password at full speed (from one address, or from many against one
account); parallel requests slipping past a limit while the slow hash runs; and answers
that tell an attacker whether a user name exists, which part was wrong, or whether the
limit was reached (then a correct guess during the lock would stand out).
"""

from __future__ import annotations

import re
import threading

import pytest

from graph.accounts import AccountStore, LoginRefused, SessionPolicy, address_key

from .login_node import MAX_FAILURES, PASSWORD, WINDOW, Clock, log_in, login_error

WRONG = "not the password at all"


def _page_without_token(response) -> str:
    return re.sub(r'name="csrf_token" value="[^"]+"', "", response.get_data(as_text=True))


def test_unknown_name_wrong_password_and_throttled_answers_are_identical(login_node):
    unknown = log_in(login_node.client(), "nobody-here", WRONG, address="192.0.2.1")
    wrong = log_in(login_node.client(), "ada", WRONG, address="192.0.2.2")
    for attempt in range(MAX_FAILURES - 1):
        log_in(login_node.client(), "ada", WRONG, address=f"192.0.2.{10 + attempt}")
    right_but_throttled = log_in(login_node.client(), "ada", PASSWORD, address="192.0.2.3")
    answers = [unknown, wrong, right_but_throttled]
    assert {r.status_code for r in answers} == {401}
    assert len({_page_without_token(r) for r in answers}) == 1
    assert login_error(wrong) == ("Wrong user name or password, or too many attempts: "
                                  f"try again in {WINDOW // 60} minutes.")


def test_failures_against_one_account_from_many_addresses_lock_that_account(login_node):
    for attempt in range(MAX_FAILURES):
        assert log_in(login_node.client(), "ada", WRONG, address=f"198.51.100.{attempt}").status_code == 401
    assert log_in(login_node.client(), "ada", PASSWORD, address="198.51.100.200").status_code == 401
    assert log_in(login_node.client(), "tina", PASSWORD, address="198.51.100.201").status_code == 302
    login_node.clock.advance(WINDOW)
    assert log_in(login_node.client(), "ada", PASSWORD, address="198.51.100.200").status_code == 302


def test_failures_from_one_address_against_many_names_lock_that_address(login_node):
    for name in ("nobody", "somebody", "tina")[:MAX_FAILURES]:
        assert log_in(login_node.client(), name, WRONG, address="203.0.113.7").status_code == 401
    assert log_in(login_node.client(), "ada", PASSWORD, address="203.0.113.7").status_code == 401
    assert log_in(login_node.client(), "ada", PASSWORD, address="203.0.113.8").status_code == 302


def test_an_ipv6_client_is_one_address_for_its_whole_64(login_node):
    for host in range(MAX_FAILURES):
        log_in(login_node.client(), f"guess{host}", WRONG, address=f"2001:db8:1:2::{host + 1:x}")
    assert log_in(login_node.client(), "ada", PASSWORD, address="2001:db8:1:2:ffff::9").status_code == 401
    assert log_in(login_node.client(), "ada", PASSWORD, address="2001:db8:1:3::1").status_code == 302


def test_every_ui_language_translates_the_refusal(login_node):
    english = login_error(log_in(login_node.client(), "nobody", WRONG, address="192.0.2.50"))
    for n, locale in enumerate(("es", "fr", "ar", "pt-BR")):
        client = login_node.client()
        client.set_cookie("lang", locale.replace("-", "_"))
        message = login_error(log_in(client, f"nobody{n}", WRONG, address=f"192.0.2.{60 + n}"))
        assert message != english and str(WINDOW // 60) in message, (locale, message)


def _store(tmp_path, clock, max_failures=MAX_FAILURES) -> AccountStore:
    store = AccountStore(tmp_path, SessionPolicy(idle_seconds=600, max_seconds=3600, max_failures=max_failures,
                                                 window_seconds=WINDOW), clock=clock)
    store.create("ada", "admin", PASSWORD)
    return store


def test_parallel_attempts_cannot_slip_past_the_limit_while_the_hash_runs(tmp_path):
    store = _store(tmp_path, Clock())
    outcomes, start = [], threading.Barrier(10)

    def attempt(n):
        start.wait()
        try:
            store.log_in("ada", WRONG, f"192.0.2.{n}")
        except LoginRefused as refused:
            outcomes.append(refused.throttled)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # only MAX_FAILURES attempts had their password checked; the others were refused unchecked
    assert sorted(outcomes) == [False] * MAX_FAILURES + [True] * (10 - MAX_FAILURES)


def test_a_success_forgives_the_account_but_not_the_address(tmp_path):
    clock = Clock()
    store = _store(tmp_path, clock)
    for _ in range(MAX_FAILURES - 1):
        with pytest.raises(LoginRefused):
            store.log_in("ada", WRONG, "192.0.2.1")
    assert store.log_in("ada", PASSWORD, "192.0.2.1").role == "admin"
    # the account starts afresh (from another address), the address has one failure left
    for _ in range(MAX_FAILURES - 1):
        with pytest.raises(LoginRefused) as refused:
            store.log_in("ada", WRONG, "192.0.2.2")
        assert not refused.value.throttled
    with pytest.raises(LoginRefused):
        store.log_in("ada", WRONG, "192.0.2.1")
    with pytest.raises(LoginRefused) as refused:
        store.log_in("ada", PASSWORD, "192.0.2.1")
    assert refused.value.throttled


def test_refused_attempts_do_not_prolong_the_lock_and_old_failures_leave_the_window(tmp_path):
    clock = Clock()
    store = _store(tmp_path, clock)
    for _ in range(MAX_FAILURES):
        with pytest.raises(LoginRefused):
            store.log_in("ada", WRONG, "192.0.2.1")
    for _ in range(20):  # hammering while locked
        clock.advance(WINDOW / 40)
        with pytest.raises(LoginRefused):
            store.log_in("ada", PASSWORD, "192.0.2.9")
    clock.advance(WINDOW / 2)
    assert store.log_in("ada", PASSWORD, "192.0.2.9").name == "ada"
    # what was counted has been purged, so anonymous callers cannot grow the table without bound
    rows = store.db().execute("SELECT count(*) FROM login_failures").fetchone()[0]
    assert rows == 0


@pytest.mark.parametrize("address, key", [
    ("192.0.2.7", "address:192.0.2.7"),
    ("::ffff:192.0.2.7", "address:192.0.2.7"),
    ("2001:db8:aa:bb:1:2:3:4", "address:2001:db8:aa:bb::/64"),
    (None, "address:unknown"),
    ("not an address", "address:not an address"),
])
def test_address_buckets(address, key):
    assert address_key(address) == key
