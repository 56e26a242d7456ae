"""SPARQL endpoint and federation benchmarks (issue 8).

    python bench/sparql_bench.py [--people 100000] [--seconds 30] [--connections 8]

1. Throughput of simple queries against /sparql served by waitress on 127.0.0.1, driven by
   wrk for ``--seconds`` (each request a different person's name lookup), compared with the
   raw engine answering the same queries in-process on the same replica snapshot (the
   baseline, measured in the same run).
2. A federated peer search across 3 local nodes: p50/p95 over 100 searches.

wrk is installed from Debian's packages (``apt-get install wrk``); without it the script
says so and stops.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pyoxigraph as ox  # noqa: E402
import waitress  # noqa: E402

from bench.generate import generate  # noqa: E402
from graph import SourceGraphs, sha256_checksum  # noqa: E402
from graph.federation import federated_peer_search  # noqa: E402
from graph.rdfio import parse_file  # noqa: E402
from maarifa import wiring  # noqa: E402
from maarifa.settings import Settings  # noqa: E402
from web import create_app  # noqa: E402

QUERY = "SELECT ?name WHERE {{ <{base}/id/person/user{n}> <https://schema.org/name> ?name }}"
WRK_SCRIPT = """
counter = 0
request = function()
  counter = counter + 1
  local n = (counter * 7919) %% %(people)d
  return wrk.format("GET", "/sparql?query=" .. %(prefix)s .. n .. %(suffix)s, {["Accept"] = "application/sparql-results+json"})
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %%d %%d %%d %%d %%d %%f %%f\\n", summary.requests, summary.errors.connect,
    summary.errors.read + summary.errors.write + summary.errors.timeout, summary.errors.status,
    summary.duration, latency:percentile(50) / 1000, latency:percentile(95) / 1000))
end
"""


logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "task queue depth" notes under load


def node(data_dir: Path, port: int, people: int, seed: int):
    base = f"http://127.0.0.1:{port}"
    settings = Settings.load({"data_dir": data_dir, "base_url": base, "port": port, "threads": 8,
                              "sparql_workers": 2, "search_backend": "none"}, environ={})
    wiring.init_data_dir(settings)
    services = wiring.open_services(settings, "bench")
    data = data_dir / "people.nt"
    with data.open("w") as out:
        generate(people, out, base=base, seed=seed, assets=0)
    # every generated person goes public with consent, so the replica has them all
    text = data.read_text().replace('federationConsent> "false"', 'federationConsent> "true"')
    data.write_text(text)
    source = SourceGraphs(name="people", label=data.name, importer="bench", checksum=sha256_checksum(text.encode()))
    services.store.replace_source_parsed(source, {"public": parse_file(data)})
    services.replica.rebuild()
    app = create_app(settings, services)
    server = waitress.create_server(app, host="127.0.0.1", port=port, threads=8)
    threading.Thread(target=server.run, daemon=True).start()
    _ = services.sparql_pool  # start the workers before measuring
    return base, services, server


def raw_engine_qps(snapshot: Path, base: str, people: int, seconds: float = 5.0) -> float:
    store = ox.Store.read_only(str(snapshot))
    graphs = list(store.named_graphs())
    done, started, n = 0, time.perf_counter(), 0
    while time.perf_counter() - started < seconds:
        n = (n + 7919) % people
        list(store.query(QUERY.format(base=base, n=n), default_graph=graphs))
        done += 1
    return done / (time.perf_counter() - started)


def run_wrk(base: str, people: int, seconds: int, connections: int) -> dict:
    prefix, suffix = (urllib.parse.quote(part, safe="") for part in QUERY.format(base=base, n="\0").split("\0"))
    script = Path(tempfile.mkdtemp()) / "sparql.lua"
    script.write_text(WRK_SCRIPT % {"people": people, "prefix": json.dumps(prefix), "suffix": json.dumps(suffix)})
    run = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", str(script), base],
                         capture_output=True, text=True, timeout=seconds + 60)
    out = run.stdout
    if "RESULT" not in out:
        raise SystemExit(f"wrk failed: {run.stdout}\n{run.stderr}")
    fields = re.search(r"RESULT (\d+) (\d+) (\d+) (\d+) (\d+) ([\d.]+) ([\d.]+)", out).groups()
    requests, connect, io_errors, status, micros, p50, p95 = fields
    return {"requests": int(requests), "errors": int(connect) + int(io_errors) + int(status),
            "qps": int(requests) / (int(micros) / 1e6), "p50_ms": float(p50), "p95_ms": float(p95)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100000)
    parser.add_argument("--federated-people", type=int, default=5000)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--only-federated", action="store_true", help="Skip the throughput part.")
    parser.add_argument("--skip-federated", action="store_true", help="Skip the federated search part.")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    work = Path(tempfile.mkdtemp(prefix="maarifa-sparql-bench-"))
    try:
        baseline, load = 1.0, {"qps": 0.0, "errors": 0, "p50_ms": 0.0, "p95_ms": 0.0, "requests": 0}
        if not args.only_federated:
            started = time.perf_counter()
            base, services, server = node(work / "main", 5710, args.people, 1)
            print(f"node with {args.people:,} people ready in {time.perf_counter() - started:.0f} s", flush=True)
            baseline = raw_engine_qps(services.replica.latest_snapshot(), base, args.people)
            load = run_wrk(base, args.people, args.seconds, args.connections)
            print(json.dumps({"raw_engine_qps": round(baseline), **load}), flush=True)
            server.close()
            services.close()
        latencies, failures = [0.0] * 100, 0
        # each federated node is its own `maarifa serve` process, as in production
        servers = []
        for i in range(0 if args.skip_federated else 3):
            base, svc, srv = node(work / f"fed{i}", 5720 + i, args.federated_people, 10 + i)
            srv.close()
            svc.close()
            servers.append(subprocess.Popen(
                [sys.executable, "-m", "maarifa.cli", "--data-dir", str(work / f"fed{i}"), "--base-url", base,
                 "serve", "--port", str(5720 + i)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        endpoints = [f"http://127.0.0.1:{5720 + i}/sparql" for i in range(3)]
        for endpoint in endpoints if servers else []:
            for _ in range(300):
                try:
                    if urllib.request.urlopen(endpoint.replace("/sparql", "/health"), timeout=2).status == 200:
                        break
                except OSError:
                    time.sleep(0.2)
        for i in range(5 if servers else 0):  # warm up: first queries open the snapshots in the workers
            federated_peer_search(endpoints, skill=str(10 + i), timeout=10.0)
        for i in range(100 if servers else 0):
            t = time.perf_counter()
            found = federated_peer_search(endpoints, skill=str(10 + i % 100), timeout=2.0)
            latencies[i] = (time.perf_counter() - t) * 1000
            failures += sum(1 for n in found["nodes"] if not n["ok"])
        latencies.sort()
        for server in servers:
            server.terminate()
            server.wait(30)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result = {"people": args.people, "seconds": args.seconds, "connections": args.connections,
              "raw_engine_qps": round(baseline), **{k: round(v, 2) if isinstance(v, float) else v for k, v in load.items()},
              "ratio_to_raw_engine": round(load["qps"] / baseline, 3),
              "federated_p50_ms": round(statistics.median(latencies), 1),
              "federated_p95_ms": round(latencies[94], 1), "federated_node_failures": failures}
    print(json.dumps(result))
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    print(f"\n{stamp} python bench/sparql_bench.py --people {args.people} --seconds {args.seconds} --connections {args.connections}")
    print("| people | /sparql q/s (wrk, errors) | p50 / p95 ms | raw engine q/s | ratio | federated 3 nodes p50 / p95 ms |")
    print("|---|---|---|---|---|---|")
    print(f"| {args.people:,} | {load['qps']:.0f} ({load['errors']}) | {load['p50_ms']:.1f} / {load['p95_ms']:.1f} | "
          f"{baseline:.0f} | {result['ratio_to_raw_engine']} | {result['federated_p50_ms']} / {result['federated_p95_ms']} |")


if __name__ == "__main__":
    main()
