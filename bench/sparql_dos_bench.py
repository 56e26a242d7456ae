"""Anonymous runaway SPARQL queries against a served node (issue 12, item 1).

    python bench/sparql_dos_bench.py [--seconds 30] [--attackers 20] [--data-dir DIR]

The node: the demo's data (``maarifa demo --no-serve`` into a fresh data directory, or
``--data-dir`` to reuse one), served by ``maarifa serve`` in its own process with the default
settings (waitress with 8 threads, 2 shared query workers and the fast lane's one,
``sparql_timeout`` 10 s), as in production.

Two phases of ``--seconds`` each, in the same run:

1. **baseline**: a page client fetches ``/`` and ``/search?q=...`` one after the other, and an
   ASK client sends ``ASK {}`` once a second from its own address (127.0.0.250);
2. **attack**: the same, while ``--attackers`` clients, each bound to its own source address
   (127.0.0.10, .11, ...; the per-client limits apply as on the internet), send the runaway
   query of the issue continuously, each the moment its previous answer came back, ignoring
   ``Retry-After``. They run in a separate process, so the measuring clients' latencies do
   not include the attackers' own Python work.

It reports p50 / p95 latency of ``/`` and ``/search`` in both phases, every ASK's status and
latency (goal: each succeeds within 1 s), the attackers' answers by status, and the markdown
row for bench/RESULTS.md. Goal: ``/`` and ``/search`` p95 under 300 ms during the attack.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import http.client
import json
import multiprocessing as mp
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAARIFA = [sys.executable, "-m", "maarifa.cli"]
RUNAWAY = "SELECT (COUNT(*) AS ?c) WHERE {?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l}"
PAGES = ["/", "/search?q=wikipedia"]
ASK_SOURCE = "127.0.0.250"
PAGE_SOURCE = "127.0.0.1"


def request(port: int, path: str, source: str, timeout: float = 30.0) -> tuple[int, float, bytes]:
    """(status, seconds, body) of one GET on a new connection from ``source``."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=(source, 0))
    try:
        connection.request("GET", path, headers={"Accept": "application/sparql-results+json, text/html"})
        response = connection.getresponse()
        body = response.read()
        return response.status, time.perf_counter() - started, body
    except OSError as exc:
        return 0, time.perf_counter() - started, str(exc).encode()
    finally:
        connection.close()


def reason(body: bytes) -> str:
    """The kind of a refusal, from its message (the first words say which limit)."""
    text = body.decode("utf-8", "replace")
    for words in ("stopped recently", "already has", "more than", "to make room", "did not finish",
                  "every query worker is busy (", "no spare worker", "answering", "not ready"):
        if words in text:
            return words.strip(" (")
    return "answer" if text.startswith("{") else text[:40]


def sparql_path(query: str) -> str:
    return "/sparql?" + urllib.parse.urlencode({"query": query})


def attack(port: int, attackers: int, seconds: float, results) -> None:
    """In its own process: ``attackers`` threads sending the runaway query back to back."""
    counts: collections.Counter = collections.Counter()
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def attacker(n: int):
        source = f"127.0.0.{10 + n}"
        while time.monotonic() < stop:
            status, _, body = request(port, sparql_path(RUNAWAY), source, timeout=60)
            with lock:
                counts[f"{status} {reason(body)}"] += 1

    threads = [threading.Thread(target=attacker, args=(n,)) for n in range(attackers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put(dict(counts))


def measure(port: int, seconds: float) -> dict:
    """Pages back to back and an ASK a second, for ``seconds``."""
    stop = time.monotonic() + seconds
    pages: dict[str, list[float]] = {path: [] for path in PAGES}
    page_errors: collections.Counter = collections.Counter()
    asks: list[tuple[int, float]] = []
    refusals: list[str] = []

    started = time.monotonic()

    def ask_client():
        while time.monotonic() < stop:
            sent = time.monotonic() - started
            status, took, body = request(port, sparql_path("ASK {}"), ASK_SOURCE)
            asks.append((status, took))
            if status != 200:
                refusals.append(f"{sent:.1f} s: {status} {reason(body)}")
            time.sleep(max(0.0, 1.0 - took))

    asker = threading.Thread(target=ask_client)
    asker.start()
    n = 0
    while time.monotonic() < stop:
        path = PAGES[n % len(PAGES)]
        status, took, _ = request(port, path, PAGE_SOURCE)
        if status == 200:
            pages[path].append(took)
        else:
            page_errors[f"{path} {status}"] += 1
        n += 1
    asker.join()
    return {"pages": pages, "page_errors": dict(page_errors), "asks": asks, "ask_refusals": refusals}


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered))) - 1))] if ordered else float("nan")


def summary(phase: dict) -> dict:
    out = {}
    for path, took in phase["pages"].items():
        out[path] = {"n": len(took), "p50_ms": round(pct(took, 50) * 1000, 1), "p95_ms": round(pct(took, 95) * 1000, 1)}
    asks = phase["asks"]
    ok = [took for status, took in asks if status == 200]
    out["ask"] = {"n": len(asks), "ok": len(ok), "statuses": dict(collections.Counter(s for s, _ in asks)),
                  "ok_within_1s": sum(1 for status, took in asks if status == 200 and took < 1.0),
                  "p50_ms": round(pct(ok, 50) * 1000, 1), "max_ms": round(max(ok) * 1000, 1) if ok else None}
    out["page_errors"] = phase["page_errors"]
    out["ask_refusals"] = phase["ask_refusals"]
    return out


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(port: int, server: subprocess.Popen) -> None:
    for _ in range(1200):
        if server.poll() is not None:
            raise SystemExit(f"maarifa serve stopped: exit {server.returncode}")
        if request(port, "/health", PAGE_SOURCE, timeout=2)[0] == 200:
            return
        time.sleep(0.25)
    raise SystemExit("maarifa serve did not answer /health")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--attackers", type=int, default=20)
    parser.add_argument("--data-dir", type=Path, help="A data directory with the demo loaded (default: a new one).")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="maarifa-dos-bench-"))
    data_dir = args.data_dir or work / "data"
    port = free_port()
    base = ["--data-dir", str(data_dir), "--base-url", f"http://127.0.0.1:{port}"]
    if args.data_dir is None:
        started = time.perf_counter()
        subprocess.run(MAARIFA + base + ["demo", "--no-serve"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        print(f"demo data loaded in {time.perf_counter() - started:.0f} s", flush=True)
    else:
        base = ["--data-dir", str(data_dir)]  # the data directory keeps its own base URL
    server = subprocess.Popen(MAARIFA + base + ["serve", "--port", str(port)], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(port, server)
        for path in PAGES * 3 + [sparql_path("ASK {}")]:  # warm: templates, search index, workers
            request(port, path, "127.0.0.249")
        baseline = measure(port, args.seconds)
        print(json.dumps({"baseline": summary(baseline)}), flush=True)
        results = mp.get_context("spawn").Queue()
        attackers = mp.get_context("spawn").Process(target=attack, args=(port, args.attackers, args.seconds, results))
        attackers.start()
        time.sleep(0.5)  # the attackers are sending before the measurement starts
        attacked = measure(port, args.seconds)
        counts = results.get(timeout=args.seconds + 120)
        attackers.join(30)
    finally:
        server.terminate()
        server.wait(60)
        shutil.rmtree(work, ignore_errors=True)
    calm, under = summary(baseline), summary(attacked)
    print(json.dumps({"attack": under, "attackers": counts}), flush=True)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(f"\n{stamp} python bench/sparql_dos_bench.py --seconds {args.seconds:g} --attackers {args.attackers}")
    print("| phase | `/` p50 / p95 ms | `/search` p50 / p95 ms | ASK ok within 1 s | ASK p50 / max ms | attackers' answers |")
    print("|---|---|---|---|---|---|")
    for name, phase, answers in (("baseline", calm, "-"), (f"{args.attackers} attackers", under, counts)):
        home, search, ask = phase["/"], phase[PAGES[1]], phase["ask"]
        print(f"| {name} | {home['p50_ms']} / {home['p95_ms']} | {search['p50_ms']} / {search['p95_ms']} | "
              f"{ask['ok_within_1s']} of {ask['n']} | {ask['p50_ms']} / {ask['max_ms']} | {answers} |")
    print(f"ratio of p95 under attack to baseline: `/` {under['/']['p95_ms'] / calm['/']['p95_ms']:.2f}, "
          f"`/search` {under[PAGES[1]]['p95_ms'] / calm[PAGES[1]]['p95_ms']:.2f}")


if __name__ == "__main__":
    main()
