"""Start-up benchmark (issue 12, item 10): how soon ``maarifa serve`` answers, and how warm.

    python bench/startup_bench.py [--people 100000] [--code DIR] [--label NAME] [--keep]

Data: ``bench/generate.py`` (seeded) writes N people with 10 skill claims each; they are split
into public / members / private N-Triples files by visibility (as ``bench/peers_bench.py``
does) and loaded the way an operator would: ``maarifa init``, then one ``maarifa load FILE
--graph IRI --access LEVEL`` per file, each a command line of its own (so whatever a command
does before it exits, such as bringing derived indexes up to date, is part of the load).

Then, on that **fresh data directory after the loads**, and again on a **restart**:

* ``maarifa serve`` is started as a process of its own; the clock starts just before;
* ``/health`` is polled until it answers 200: *health* seconds;
* an anonymous peer-finder query (``/api/peers``, a skill subtree and a spoken language) is
  sent until it answers 200: *first peer answer* seconds;
* ``/health`` is polled until every consumer it reports has caught up (nothing behind,
  nothing building): *warm* seconds; the server's resident memory is read then (``VmRSS``,
  and the peak ``VmHWM``, from ``/proc``);
* the server is stopped with SIGINT.

``--code DIR`` runs another checkout's ``maarifa`` (``python -m maarifa.cli`` with ``DIR`` first
on ``PYTHONPATH``) on the same input: the baseline is ``main`` in a ``git worktree``, measured
in the same session. Everything is written under ``bench/out/startup`` (git-ignored).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import generate, skill_codes  # noqa: E402

OUT = ROOT / "bench" / "out" / "startup"
BASE = "http://127.0.0.1:5000"
MF = "https://w3id.org/maarifa/ns#"
ACCESS_OF = {f"<{MF}Public>": "public", f"<{MF}MembersOnly>": "members", f"<{MF}Private>": "private"}
POLL = 0.1


def split_files(people: int) -> dict[str, Path]:
    """The generated people as one N-Triples file per access level (cached between runs)."""
    folder = OUT / f"input-{people}"
    files = {access: folder / f"{access}.nt" for access in ("public", "members", "private")}
    if all(f.exists() for f in files.values()):
        return files
    folder.mkdir(parents=True, exist_ok=True)
    whole = folder / "all.nt"
    with whole.open("w", encoding="utf-8") as out:
        generate(people, out, base=BASE)
    visibility = {}
    vis = f"<{MF}visibility>"
    with whole.open(encoding="utf-8") as lines:
        for line in lines:
            s, p, rest = line.split(" ", 2)
            if p == vis:
                visibility[s[1:-1]] = ACCESS_OF[rest.rsplit(" ", 1)[0]]
    handles = {a: f.open("w", encoding="utf-8") for a, f in files.items()}
    with whole.open(encoding="utf-8") as lines:
        for line in lines:
            owner = line[1:line.index(">")].split("#", 1)[0]
            handles[visibility.get(owner, "public")].write(line)
    for handle in handles.values():
        handle.close()
    whole.unlink()
    return files


class Maarifa:
    """The ``maarifa`` command line of one checkout, over one data directory."""

    def __init__(self, code: Path, data_dir: Path, python: str):
        self.code, self.data_dir, self.python = code, data_dir, python
        self.env = {**os.environ, "PYTHONPATH": str(code), "MAARIFA_SEARCH_BACKEND": "embedded",
                    "MAARIFA_DATA_DIR": str(data_dir), "MAARIFA_BASE_URL": BASE}

    def argv(self, *args: str) -> list[str]:
        return [self.python, "-m", "maarifa.cli", *args]

    def run(self, *args: str) -> float:
        start = time.perf_counter()
        subprocess.run(self.argv(*args), cwd=self.code, env=self.env, check=True, stdout=subprocess.DEVNULL)
        return time.perf_counter() - start

    def serve(self, port: int, log: Path) -> subprocess.Popen:
        return subprocess.Popen(self.argv("serve", "--port", str(port)), cwd=self.code, env=self.env,
                                stdout=log.open("w"), stderr=subprocess.STDOUT)


def get(url: str, timeout: float = 60.0) -> tuple[int, dict | None]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, None
    except (urllib.error.URLError, ConnectionError, socket.timeout, TimeoutError):
        return 0, None


def caught_up(health: dict) -> bool:
    """Every consumer /health reports is at the feed head and building nothing."""
    consumers = health.get("consumers")
    if consumers is not None:  # this branch's /health: one uniform entry per consumer
        return all(c.get("behind", 0) == 0 and not c.get("building") and c.get("ready", True)
                   for c in consumers.values())
    index, replica = health.get("index", {}), health.get("replica", {})  # main's
    return not index.get("outdated") and replica.get("lag", 0) == 0


def memory(pid: int) -> dict:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = round(int(value.split()[0]) / 1024)
    return {"rss_mb": fields["VmRSS"], "peak_rss_mb": fields["VmHWM"]}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def peer_query() -> str:
    parents = sorted({b for _, _, b in skill_codes() if b})
    skill = random.Random(3).choice(parents)
    return f"/api/peers?skill={skill}&speaks=sw:2&level=2"


def measure_start(maarifa: Maarifa, log: Path, warm_limit: float) -> dict:
    port = free_port()
    root = f"http://127.0.0.1:{port}"
    start = time.perf_counter()
    server = maarifa.serve(port, log)
    out: dict = {}
    try:
        while True:
            status, health = get(root + "/health")
            if status == 200:
                out["health_s"] = round(time.perf_counter() - start, 2)
                out["health_at_first"] = health
                break
            if server.poll() is not None:
                raise SystemExit(f"maarifa serve stopped (exit {server.returncode}); see {log}")
            time.sleep(POLL)
        while True:
            asked = time.perf_counter()
            status, answer = get(root + peer_query(), timeout=600)
            if status == 200:
                out["first_peer_answer_s"] = round(time.perf_counter() - start, 2)
                out["first_peer_request_s"] = round(time.perf_counter() - asked, 2)
                out["first_peer_results"] = len(answer["results"])
                out["first_peer_behind"] = answer.get("index", {}).get("behind")
                break
            time.sleep(POLL)
        while True:
            status, health = get(root + "/health")
            if status == 200 and caught_up(health):
                out["warm_s"] = round(time.perf_counter() - start, 2)
                break
            if time.perf_counter() - start > warm_limit:
                out["warm_s"] = None
                break
            time.sleep(1.0)
        out.update(memory(server.pid))
        out["health_when_warm"] = health
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(120)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--code", type=Path, default=ROOT, help="checkout whose maarifa runs (default: this one)")
    parser.add_argument("--python", default=sys.executable, help="interpreter with the dependencies installed")
    parser.add_argument("--label", default="this", help="name of the run (its data directory's name)")
    parser.add_argument("--warm-limit", type=float, default=1800, help="seconds to wait for the warm state")
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    args = parser.parse_args()

    files = split_files(args.people)
    work = OUT / f"{args.label}-{args.people}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    maarifa = Maarifa(args.code.resolve(), work / "data", args.python)
    commit = subprocess.run(["git", "-C", str(args.code), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    result = {"label": args.label, "code": str(args.code), "commit": commit, "people": args.people,
              "started": dt.datetime.now().strftime("%Y-%m-%d %H:%M"), "load_s": {}}
    result["load_s"]["init"] = round(maarifa.run("init"), 1)
    for access, path in files.items():
        seconds = maarifa.run("load", str(path), "--graph", f"{BASE}/graph/people/{access}", "--access", access)
        result["load_s"][access] = round(seconds, 1)
    result["fresh"] = measure_start(maarifa, work / "serve-fresh.log", args.warm_limit)
    result["restart"] = measure_start(maarifa, work / "serve-restart.log", args.warm_limit)
    if not args.keep:
        shutil.rmtree(work / "data", ignore_errors=True)
    (work / "result.json").write_text(json.dumps(result, indent=2))
    summary = {k: v for k, v in result.items() if k not in ("fresh", "restart")}
    for run in ("fresh", "restart"):
        summary[run] = {k: v for k, v in result[run].items() if not k.startswith("health_")}
    print(json.dumps(summary, indent=2))
    print(f"\n{result['started']} python bench/startup_bench.py --people {args.people} --label {args.label}"
          + (f" --code {args.code}" if args.code != ROOT else ""))
    print("| code | run | load (s) | /health (s) | first peer answer (s) | warm (s) | RSS warm / peak (MB) |")
    print("|---|---|---|---|---|---|---|")
    load = round(sum(result["load_s"].values()), 1)
    for run in ("fresh", "restart"):
        r = result[run]
        print(f"| {args.label} ({commit}) | {run} | {load if run == 'fresh' else ''} | {r['health_s']} | "
              f"{r['first_peer_answer_s']} | {r['warm_s']} | {r['rss_mb']} / {r['peak_rss_mb']} |")


if __name__ == "__main__":
    main()
