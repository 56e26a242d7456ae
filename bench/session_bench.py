"""Server-side sessions (issue 12, item 6): what one request pays to learn who holds its session.

    python bench/session_bench.py [--sessions 10000] [--lookups 20000] [--threads 8] [--pages 300]

Three measurements in one run, each next to its baseline:

1. **Lookup**: ``AccountStore.session_principal`` over a table of ``--sessions`` open
   sessions, ``--threads`` threads side by side, against the baseline the cookie sessions
   paid before (one ``SELECT role FROM users`` per request, the same threads). Once with
   "last seen" fresh (no write: the common case) and once with every lookup writing it (the
   worst case, each session seen once a minute).
2. **Page**: the home page through the app (Flask's test client, one thread), logged in
   against anonymous: the whole per-request cost of the session as a visitor sees it.
3. **Login**: one password check (werkzeug scrypt) against the hashes older versions wrote.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graph.accounts import AccountStore, Principal, SessionPolicy, check_password, hash_password  # noqa: E402

PASSWORD = "correct horse battery staple"


class Clock:
    def __init__(self):
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


def per_second(threads: int, total: int, work) -> float:
    """Run ``work(i)`` ``total`` times split over ``threads`` threads; calls per second."""
    barrier = threading.Barrier(threads + 1)

    def run(part):
        barrier.wait()
        for i in range(part, total, threads):
            work(i)

    workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    barrier.wait()
    start = time.perf_counter()
    for w in workers:
        w.join()
    return total / (time.perf_counter() - start)


def lookups(accounts: AccountStore, clock: Clock, sessions: int, total: int, threads: int) -> dict:
    db = accounts.db
    db().execute("PRAGMA synchronous = OFF")  # setup only: the measured calls below sync as in production
    db().execute("BEGIN")
    db().executemany("INSERT INTO users (username, role, hash, created) VALUES (?, 'member', 'x', 0)",
                     [(f"user{n}",) for n in range(sessions)])
    db().execute("COMMIT")
    ids = [accounts.start_session(Principal(f"user{n}", "member")) for n in range(sessions)]
    db().execute("PRAGMA synchronous = FULL")
    rng = random.Random(7)
    picks = [rng.randrange(sessions) for _ in range(total)]
    names = [f"user{p}" for p in picks]
    chosen = [ids[p] for p in picks]

    def old_cookie_role(i):
        db().execute("SELECT role FROM users WHERE username = ? AND disabled = 0", (names[i],)).fetchone()

    def session_lookup(i):
        assert accounts.session_principal(chosen[i]) is not None

    baseline = per_second(threads, total, old_cookie_role)
    fresh = per_second(threads, total, session_lookup)
    # every session's "last seen" is now older than the touch interval: each lookup writes it once
    clock.offset += accounts.policy.touch_seconds + 1
    distinct = list(dict.fromkeys(chosen))
    writing = per_second(threads, len(distinct), lambda i: accounts.session_principal(distinct[i]))
    return {"sessions": sessions, "lookups": total, "threads": threads,
            "baseline_role_select_per_s": round(baseline), "session_lookup_per_s": round(fresh),
            "session_lookup_with_write_per_s": round(writing),
            "ratio_fresh_vs_baseline": round(baseline / fresh, 2),
            "ratio_write_vs_baseline": round(baseline / writing, 2)}


def pages(data_dir: Path, count: int) -> dict:
    from maarifa import wiring
    from maarifa.settings import Settings

    settings = Settings.load({"data_dir": data_dir / "node", "search_backend": "none"}, environ={})
    wiring.init_data_dir(settings)
    services = wiring.open_services(settings, "session bench")
    try:
        services.accounts.create("ada", "admin", PASSWORD)
        app = wiring.make_app(settings, services)
        anonymous, member = app.test_client(), app.test_client()
        token = re.search(r'name="csrf_token" value="([^"]+)"', member.get("/login").get_data(as_text=True)).group(1)
        assert member.post("/login", data={"username": "ada", "password": PASSWORD, "csrf_token": token}).status_code == 302

        def median_ms(client) -> float:
            times = []
            for _ in range(count):
                start = time.perf_counter()
                assert client.get("/").status_code == 200
                times.append((time.perf_counter() - start) * 1000)
            return statistics.median(times)

        median_ms(anonymous), median_ms(member)  # warm up templates and connections
        anon, logged_in = median_ms(anonymous), median_ms(member)
    finally:
        services.close()
    return {"requests": count, "anonymous_median_ms": round(anon, 3), "logged_in_median_ms": round(logged_in, 3),
            "ratio_logged_in_vs_anonymous": round(logged_in / anon, 2)}


def password_checks() -> dict:
    import hashlib
    import os

    salt = os.urandom(16)
    key = hashlib.scrypt(PASSWORD.encode(), salt=salt, n=2 ** 14, r=8, p=1, maxmem=64 * 1024 * 1024, dklen=32)
    legacy = f"scrypt${2 ** 14}$8$1${salt.hex()}${key.hex()}"
    current = hash_password(PASSWORD)

    def median_ms(stored) -> float:
        times = []
        for _ in range(5):
            start = time.perf_counter()
            assert check_password(PASSWORD, stored)
            times.append((time.perf_counter() - start) * 1000)
        return statistics.median(times)

    old, new = median_ms(legacy), median_ms(current)
    return {"legacy_scrypt_ms": round(old, 1), "werkzeug_scrypt_ms": round(new, 1), "method": current.split("$")[0],
            "ratio_new_vs_legacy": round(new / old, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--lookups", type=int, default=20_000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--pages", type=int, default=300)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="session-bench-"))
    try:
        clock = Clock()
        accounts = AccountStore(work, SessionPolicy(3600, 8 * 3600, 10, 900), clock=clock)
        result = {"date": dt.datetime.now().isoformat(timespec="minutes"),
                  "lookup": lookups(accounts, clock, args.sessions, args.lookups, args.threads),
                  "page": pages(work, args.pages), "login": password_checks()}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
