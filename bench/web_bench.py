"""Web UI benchmark (issue 7): the search page and the peer-finder page under 10 concurrent clients.

    python bench/web_bench.py [--people 100000] [--assets 100000] [--clients 10] [--requests 300] [--keep]

Data: ``bench/generate.py`` (seeded): N people with 10 skill claims each, split into public /
members / private graphs by visibility (as ``bench/peers_bench.py`` does), and M knowledge
assets, loaded through the validated path into an on-disk store. The search index (embedded
backend) is filled with documents for every asset and every visible person, built here from
the same generated data in bulk (``DocumentBuilder`` would take half an hour at this size;
the documents have the same fields); the indexer's cursor is set to the feed head.

The app (``wiring.make_app``) is served by waitress on 127.0.0.1 (a free port, 8 threads, as
``maarifa serve``), wrapped in a WSGI middleware that times each request from the call to the
last byte of the body: the *server time*. A Python load generator runs ``--clients`` threads,
each with its own keep-alive connection, for ``--requests`` requests per page kind (search
pages with varied words, a facet now and then and a page number; peer-finder pages with a
skill subtree, a spoken language with a minimum proficiency and a minimum level), first
warming each page up once (the peer index view is built on first use). It reports p50 / p95 /
p99 server time and client latency, and requests per second. Goal: p95 server time ≤ 200 ms.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import shutil
import socket
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import WORDS, generate, skill_codes  # noqa: E402
from bench.peers_bench import LANGS, split_by_visibility  # noqa: E402

OUT = ROOT / "bench" / "out"
BASE = "http://127.0.0.1:5000"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered))) - 1))]


def build_store(settings, people: int, assets: int) -> dict:
    from graph import SourceGraphs, sha256_checksum
    from maarifa import wiring

    data = OUT / f"web-{people}-{assets}.nt"
    info = {}
    if not data.exists():
        start = time.perf_counter()
        partial = data.with_suffix(".partial")
        with partial.open("w", encoding="utf-8") as out:
            info["triples"] = generate(people, out, base=BASE, assets=assets)
        partial.replace(data)  # an interrupted run never leaves a truncated file behind
        info["generate_s"] = round(time.perf_counter() - start, 1)
    wiring.init_data_dir(settings)
    start = time.perf_counter()
    graphs = split_by_visibility(data, big_org_members=min(5000, people))
    info["triples"] = sum(len(t) for t in graphs.values())
    with wiring.open_store(settings, "web bench") as store:
        source = SourceGraphs(name="bench", label=data.name, importer="bench",
                              checksum=sha256_checksum(str(data.stat().st_size).encode()))
        store.replace_source_parsed(source, graphs)
        info["load_s"] = round(time.perf_counter() - start, 1)
        start = time.perf_counter()
        info["documents"] = index_documents(settings, store, graphs)
        info["index_s"] = round(time.perf_counter() - start, 1)
    return info


def index_documents(settings, store, graphs) -> int:
    """Search documents for every asset and every public or members-only person, in bulk."""
    from search.factory import open_backend
    from search.indexer import CONSUMER

    mf, dct, schema = "https://w3id.org/maarifa/ns#", "http://purl.org/dc/terms/", "https://schema.org/"
    broader = {f"{BASE}/id/skill/{c}": f"{BASE}/id/skill/{b}" for c, _, b in skill_codes() if b}
    label = {f"{BASE}/id/skill/{c}": name for c, name, _ in skill_codes()}

    def paths(skill):
        out = [skill]
        while out[-1] in broader and len(out) < 10:
            out.append(broader[out[-1]])
        return out

    docs: dict[str, dict] = {}
    claim_skill = {}
    for triples in graphs.values():
        for s, p, o in triples:
            if p.value == mf + "skill":
                claim_skill[s.value] = o.value
    for access, triples in graphs.items():
        if access == "private":
            continue
        for s, p, o in triples:
            iri, pred = s.value, p.value
            if pred == str(type_iri) and o.value in (mf + "LearningResource", mf + "Person"):
                kind = "asset" if o.value.endswith("LearningResource") else "person"
                doc = docs.setdefault(iri, _empty(iri))
                doc.update(type=kind, kind=o.value.rsplit("#", 1)[-1], access=access)
            elif "#" in iri:
                continue
            doc = docs.setdefault(iri, _empty(iri))
            if pred == dct + "title":
                doc["titles"][o.language or "und"] = o.value
            elif pred == dct + "language":
                doc["languages"].append(o.value)
            elif pred == schema + "teaches":
                doc["skills"].append(o.value)
                doc["skill_paths"] += paths(o.value)
                doc["keywords"].append(["en", label.get(o.value, "")])
            elif pred == schema + "name":
                doc["titles"]["und"] = o.value
            elif pred == mf + "username":
                doc["keywords"].append(["und", o.value])
            elif pred == mf + "hasClaim" and o.value in claim_skill:
                skill = claim_skill[o.value]
                doc["skills"].append(skill)
                doc["skill_paths"] += paths(skill)
            elif pred == "http://www.w3.org/ns/org#memberOf":
                doc["organizations"].append(o.value)
    ready = []
    for doc in docs.values():
        if doc.get("type") not in ("asset", "person"):
            continue
        for key in ("languages", "skills", "skill_paths", "organizations", "territories", "formats"):
            doc[key] = sorted(set(doc[key]))
        if not doc["titles"]:
            doc["titles"] = {"und": doc["id"].rsplit("/", 1)[-1]}
        ready.append(doc)
    backend = open_backend(settings)
    try:
        count = backend.reindex(ready)
    finally:
        backend.close()
    store.feed.set_cursor(CONSUMER, store.feed.head)
    return count


type_iri = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def _empty(iri: str) -> dict:
    return {"id": iri, "type": None, "kind": "", "access": "public", "titles": {}, "texts": [], "keywords": [],
            "languages": [], "skills": [], "skill_paths": [], "formats": [], "organizations": [], "territories": []}


class Timed:
    """WSGI middleware: server time per request, from the call to the last byte of the body."""

    def __init__(self, app):
        self.app = app
        self.times: dict[str, list[float]] = {}
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        start = time.perf_counter()
        kind = environ.get("PATH_INFO", "")
        body = self.app(environ, start_response)
        try:
            chunks = list(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        with self.lock:
            self.times.setdefault(kind, []).append((time.perf_counter() - start) * 1000)
        return chunks


def urls(kind: str, n: int, rng: random.Random) -> list[str]:
    codes = skill_codes()
    parents = sorted({b for _, _, b in codes if b})
    out = []
    for _ in range(n):
        if kind == "/search":
            params = {"q": " ".join(rng.sample(WORDS, rng.choice((1, 1, 2))))}
            if rng.random() < 0.3:
                params["language"] = rng.choice(["en", "es", "fr", "ar"])
            if rng.random() < 0.2:
                params["page"] = str(rng.randint(2, 5))
        else:
            params = {"skill": rng.choice(parents), "lang": rng.choice(LANGS), "min_proficiency": str(rng.randint(1, 4)),
                      "level": str(rng.randint(1, 3))}
        out.append(f"{kind}?{urlencode(params)}")
    return out


def load(port: int, paths: list[str], clients: int, lang: str) -> dict:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    queue = list(paths)

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                if not queue:
                    break
                path = queue.pop()
            start = time.perf_counter()
            conn.request("GET", path, headers={"Accept-Language": lang, "Accept": "text/html"})
            response = conn.getresponse()
            response.read()
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                latencies.append(elapsed)
                statuses[response.status] = statuses.get(response.status, 0) + 1
        conn.close()

    start = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    return {"latencies": latencies, "statuses": statuses, "rps": len(latencies) / wall}


def _load_child(port, paths, clients, lang, queue) -> None:
    queue.put(load(port, paths, clients, lang))


def load_elsewhere(port: int, paths: list[str], clients: int, lang: str) -> dict:
    """The load generator in its own process, so it does not compete with the server for the GIL."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    child = ctx.Process(target=_load_child, args=(port, paths, clients, lang, queue))
    child.start()
    result = queue.get()
    child.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--requests", type=int, default=300, help="requests per page kind")
    parser.add_argument("--lang", default="en")
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) the store in bench/out")
    args = parser.parse_args()

    import logging

    import waitress

    logging.getLogger("waitress.queue").setLevel(logging.ERROR)

    from maarifa import wiring
    from maarifa.settings import Settings

    work = OUT / f"web-{args.people}-{args.assets}"
    settings = Settings.load({"data_dir": work / "data", "search_backend": "embedded"}, environ={})
    info = {}
    if not (args.keep and (work / "data" / "store").exists()):
        shutil.rmtree(work, ignore_errors=True)
        info = build_store(settings, args.people, args.assets)
        print(f"data: {json.dumps(info)}", flush=True)
    services = wiring.open_services(settings, "web bench")
    app = Timed(wiring.make_app(settings, services))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = waitress.create_server(app, host="127.0.0.1", port=port, threads=settings.threads)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    rng = random.Random(7)
    results = {}
    try:
        for kind in ("/search", "/peers"):
            warm = time.perf_counter()
            load(port, urls(kind, 1, rng), 1, args.lang)
            warm_ms = (time.perf_counter() - warm) * 1000
            app.times.clear()
            run = load_elsewhere(port, urls(kind, args.requests, rng), args.clients, args.lang)
            server_ms = app.times.get(kind, [])
            results[kind] = {
                "requests": len(run["latencies"]), "statuses": run["statuses"], "rps": round(run["rps"], 1),
                "first_request_ms": round(warm_ms),
                "server_p50_ms": round(pct(server_ms, 50), 1), "server_p95_ms": round(pct(server_ms, 95), 1),
                "server_p99_ms": round(pct(server_ms, 99), 1), "server_mean_ms": round(statistics.mean(server_ms), 1),
                "client_p50_ms": round(pct(run["latencies"], 50), 1), "client_p95_ms": round(pct(run["latencies"], 95), 1),
            }
            print(f"{kind}: {json.dumps(results[kind])}", flush=True)
    finally:
        server.close()
        thread.join(timeout=5)
        services.close()
    print("\n| page | requests | clients | req/s | server p50 / p95 / p99 ms (goal p95 ≤ 200) | client p50 / p95 ms | first request ms |")
    print("|---|---|---|---|---|---|---|")
    for kind, r in results.items():
        goal = "met" if r["server_p95_ms"] <= 200 else "MISSED"
        print(f"| {kind} | {r['requests']} | {args.clients} | {r['rps']} | {r['server_p50_ms']} / {r['server_p95_ms']} / "
              f"{r['server_p99_ms']} ({goal}) | {r['client_p50_ms']} / {r['client_p95_ms']} | {r['first_request_ms']} |")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
