"""Search benchmarks (issue 4), both backends in one run: bulk indexing, query latency, index lag.

    python bench/search_bench.py [--assets 100000] [--queries 1000] [--changes 100] [--seed 11]
                                 [--backends embedded opensearch]

Corpus: the sample data of ``demo/`` (``maarifa.demo.load_demo``: taxonomy, orgs, trainings,
mappings, roles, 200 people, completions, badges, MediaWiki pages) plus N generated knowledge
assets in eight languages (en es fr ar pt de sw id): titles, descriptions and bodies drawn
from a seeded word list per language (real words plus language-flavoured made-up words with
a Zipf distribution, so some words are common and most are rare), a format, one or two skills
of the sample taxonomy. They are written as N-Triples and imported with the ``rdf`` importer
(``ingest.run_import``: parsed, validated, written like ``maarifa load``).

For each backend (opened by ``search.factory.open_backend``; OpenSearch without the embedded
fallback, under its own index prefix ``maarifabench`` so nothing else is touched):

1. **bulk indexing**: ``search.indexer.reindex(store, backend)`` -- documents built from the
   graph and written into a new index -- docs/s end to end. The time to build the documents
   alone (``documents.build_all``) is reported once, so the backend's own share is visible.
2. **query latency**: the same 1,000 mixed queries (1-3 words in the language of the query or
   another, typos, filters by type/language/skill/format, filter-only listings, pages 1-3,
   members and anonymous) through ``search.query.search`` -- validation, backend, client and
   result objects included -- p50/p95/p99 and mean. 20 warm-up queries are not counted.
3. **lag**: ``Indexer(store, backend).start()`` runs in the background; each change is a
   committed ``store.apply(Change)`` that gives an existing generated asset a new title with a
   unique word; the lag is the time from ``apply`` returning to the first search that finds
   the asset by that word (polled every 10 ms). A second row does the same for a *new* asset
   (``rdf:type``, title, language, skill) with fewer samples.

OpenSearch is started with ``scripts/opensearch.sh start`` when nothing answers on its URL,
and stopped at the end only then. Only 127.0.0.1 is contacted. Work files go to
``bench/out/search`` (git-ignored) and are removed at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rdflib import Literal, URIRef  # noqa: E402

from graph import Change, GraphStore  # noqa: E402
from ingest import run_import  # noqa: E402
from ingest.lookup import SkillIndex  # noqa: E402
from maarifa.demo import load_demo  # noqa: E402
from ontology import DCT, MF, RDF, SCHEMA  # noqa: E402
from search import documents  # noqa: E402
from search.factory import open_backend  # noqa: E402
from search.indexer import Indexer, reindex  # noqa: E402
from search.query import Query, search  # noqa: E402

OUT = ROOT / "bench" / "out" / "search"
BASE = "http://127.0.0.1:5000"
OPENSEARCH_URL = "http://127.0.0.1:9250"
PREFIX = "maarifabench"
XSD_LANGUAGE = "http://www.w3.org/2001/XMLSchema#language"

ASSET_CLASSES = ["KnowledgeAsset", "LearningResource", "Toolkit", "Guide", "SlideDeck", "Video", "WikiPage"]
FORMATS = ["text/html", "video/mp4", "application/pdf", "text/markdown", "image/png"]
# a few hundred real words per language would not change the picture; these give each
# language its own stems, accents and stop-words-free vocabulary
REAL = {
    "en": "wikipedia editing sources citation references community volunteers training workshop "
          "article articles images licensing copyright commons translation translating policy policies "
          "guidelines outreach education library libraries librarians museum archives campaign campaigns "
          "photography photographs biography biographies notability verifiability neutrality "
          "mentoring mentors newcomers onboarding grant grants reporting evaluation metrics statistics "
          "organizing organizers meetup conference hackathon accessibility diversity gender",
    "es": "edición ediciones fuentes referencias comunidad voluntarios voluntarias taller talleres "
          "artículo artículos imágenes licencias traducción traducciones políticas educación biblioteca "
          "bibliotecas museo archivos campaña campañas fotografía fotografías biografía biografías "
          "mentoría mentores novatos subvención subvenciones evaluación estadísticas organización "
          "organizadores conferencia accesibilidad diversidad género enseñanza aprendizaje niño año",
    "fr": "édition éditions sources références communauté bénévoles atelier ateliers article articles "
          "images licences traduction traductions politiques éducation bibliothèque bibliothèques musée "
          "archives campagne campagnes photographie photographies biographie biographies mentorat "
          "mentors nouveaux subvention subventions évaluation statistiques organisation organisateurs "
          "conférence accessibilité diversité genre enseignement apprentissage élève été",
    "ar": "ويكيبيديا تحرير مصادر مراجع مجتمع متطوعين تدريب ورشة مقالة مقالات صور ترخيص ترجمة سياسات "
          "تعليم مكتبة مكتبات متحف أرشيف حملة حملات تصوير سيرة إرشاد منحة منح تقييم إحصاءات تنظيم "
          "مؤتمر إتاحة تنوع معرفة",
    "pt": "edição edições fontes referências comunidade voluntários oficina oficinas artigo artigos "
          "imagens licenças tradução traduções políticas educação biblioteca bibliotecas museu arquivos "
          "campanha campanhas fotografia fotografias biografia biografias mentoria mentores novatos "
          "subsídio subsídios avaliação estatísticas organização organizadores conferência "
          "acessibilidade diversidade gênero ensino aprendizagem",
    "de": "bearbeitung bearbeitungen quellen belege gemeinschaft ehrenamtliche schulung werkstatt "
          "artikel bilder lizenzen übersetzung übersetzungen richtlinien bildung bibliothek bibliotheken "
          "museum archive kampagne kampagnen fotografie fotografien biografie biografien mentoring "
          "neulinge förderung förderungen auswertung statistiken organisation veranstaltung konferenz "
          "barrierefreiheit vielfalt straße größe müller",
    "sw": "wikipedia kuhariri vyanzo marejeo jamii wajitoleaji mafunzo warsha makala picha leseni "
          "tafsiri sera elimu maktaba makumbusho kumbukumbu kampeni upigaji wasifu ushauri ruzuku "
          "tathmini takwimu uandaaji mkutano ufikiaji utofauti maarifa",
    "id": "penyuntingan sumber rujukan komunitas sukarelawan pelatihan lokakarya artikel gambar lisensi "
          "terjemahan kebijakan pendidikan perpustakaan museum arsip kampanye fotografi biografi "
          "pendampingan hibah evaluasi statistik pengorganisasian konferensi aksesibilitas keberagaman",
}
SYLLABLES = {
    "en": "ba be bi bo ter ing tion al er ly ment ness ship wor ric stan der",
    "es": "ca ción dad mien to ra ri lla ño ñe que gui ta mos ble za",
    "fr": "eau eux ain oir ité ment qu ré çon ève lle ier ette ois",
    "ar": "كا تب مل سا عر قو نا يد فت حم لي بر",
    "pt": "ção ões dade mento lha nho ção ra ri qu ã õ ta vel",
    "de": "ung keit heit sch ach ä ö ü ß lich ber ter ge",
    "sw": "ku wa ma ji ta na ri si ha mbo nga ki",
    "id": "pe ng an ber ter ka si me ny ra lu da",
}
LANGS = list(REAL)
LANG_WEIGHTS = [30, 18, 14, 10, 10, 8, 5, 5]


# -- corpus -------------------------------------------------------------------------------


class Vocabulary:
    """Per language: the real words first (the most frequent), then made-up words; Zipf-like."""

    def __init__(self, rng: random.Random, size: int = 4000):
        self.words: dict[str, list[str]] = {}
        self.cum: dict[str, list[float]] = {}
        for lang in LANGS:
            words = list(dict.fromkeys(REAL[lang].split()))
            syl = SYLLABLES[lang].split()
            seen = set(words)
            while len(words) < size:
                w = "".join(rng.choice(syl) for _ in range(rng.randint(2, 4)))
                if w not in seen and len(w) > 3:
                    seen.add(w)
                    words.append(w)
            weights = [1.0 / (rank + 10) for rank in range(len(words))]
            total, cum = 0.0, []
            for w in weights:
                total += w
                cum.append(total)
            self.words[lang], self.cum[lang] = words, cum

    def sample(self, rng: random.Random, lang: str, k: int) -> list[str]:
        return rng.choices(self.words[lang], cum_weights=self.cum[lang], k=k)


def _lit(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_assets(path: Path, n: int, skills: list[str], vocab: Vocabulary, rng: random.Random) -> int:
    """N generated knowledge assets as N-Triples; returns the number of triples."""
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            s = f"<{BASE}/id/asset/gen{i}>"
            lang = rng.choices(LANGS, weights=LANG_WEIGHTS)[0]
            lines = [
                f"{s} <{RDF.type}> <{MF[rng.choice(ASSET_CLASSES)]}> .",
                f"{s} <{DCT.title}> {_lit(' '.join(vocab.sample(rng, lang, rng.randint(3, 6))).capitalize())}@{lang} .",
                f"{s} <{DCT.description}> {_lit(' '.join(vocab.sample(rng, lang, rng.randint(10, 20))))}@{lang} .",
                f"{s} <{MF.body}> {_lit(' '.join(vocab.sample(rng, lang, rng.randint(40, 80))))}@{lang} .",
                f"{s} <{DCT.language}> \"{lang}\"^^<{XSD_LANGUAGE}> .",
                f"{s} <{DCT.format}> {_lit(rng.choice(FORMATS))} .",
            ]
            if lang != "en" and rng.random() < 0.2:  # a translated title
                lines.append(f"{s} <{DCT.title}> {_lit(' '.join(vocab.sample(rng, 'en', 4)).capitalize())}@en .")
            for skill in rng.sample(skills, rng.randint(1, 2)):
                lines.append(f"{s} <{SCHEMA.teaches}> <{skill}> .")
            out.write("\n".join(lines) + "\n")
            count += len(lines)
    return count


def build_corpus(work: Path, assets: int, seed: int) -> tuple[GraphStore, dict]:
    store = GraphStore.open(work / "data", base_url=BASE, create=True)
    info = {}
    start = time.perf_counter()
    for _line in load_demo(store):
        pass
    info["demo_s"] = round(time.perf_counter() - start, 1)
    skills = sorted(SkillIndex(store).iris)
    rng = random.Random(seed)
    vocab = Vocabulary(rng)
    nt = work / "assets.nt"
    start = time.perf_counter()
    info["asset_triples"] = write_assets(nt, assets, skills, vocab, rng)
    info["generate_s"] = round(time.perf_counter() - start, 1)
    start = time.perf_counter()
    report = run_import(store, "rdf", nt, options={"source": "bench-assets"})
    info["load_s"] = round(time.perf_counter() - start, 1)
    info["statements"] = store.count()
    info["skills"] = skills
    info["vocab"] = vocab
    nt.unlink()
    print(f"corpus: demo in {info['demo_s']} s; {assets:,} assets ({info['asset_triples']:,} triples) generated in "
          f"{info['generate_s']} s, imported in {info['load_s']} s "
          f"({sum(r['added'] for r in report.results):,} added); {info['statements']:,} statements", flush=True)
    return store, info


# -- queries ------------------------------------------------------------------------------


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]  # swap two letters


def make_queries(n: int, vocab: Vocabulary, skills: list[str], rng: random.Random) -> list[Query]:
    queries = []
    lang_pool = LANGS + ["pt-BR", "es-419"]
    for _ in range(n):
        lang = rng.choices(LANGS, weights=LANG_WEIGHTS)[0]
        ui = rng.choice(lang_pool) if rng.random() < 0.3 else lang
        roll = rng.random()
        filters: dict[str, tuple[str, ...]] = {}
        if roll < 0.10:  # filter-only listing
            text = ""
            filters["type"] = (rng.choice(["asset", "training", "skill", "organization", "person"]),)
            if rng.random() < 0.5:
                filters["language"] = (rng.choice(LANGS),)
        else:
            k = rng.choices([1, 2, 3], weights=[5, 4, 1])[0]
            words = vocab.sample(rng, lang, k) if rng.random() < 0.8 else \
                [rng.choice(vocab.words[lang][:rng.choice([20, 200, 2000])]) for _ in range(k)]
            if rng.random() < 0.1:
                words[0] = _typo(words[0], rng)
            text = " ".join(words)
            r = rng.random()
            if r < 0.25:
                filters["language"] = (lang,)
            elif r < 0.40:
                filters["skill"] = (rng.choice(skills),)
            elif r < 0.50:
                filters["format"] = (rng.choice(FORMATS),)
            elif r < 0.60:
                filters["type"] = ("asset",)
        queries.append(Query(text=text, lang=ui, filters=filters, page=rng.choices([1, 2, 3], weights=[8, 1, 1])[0],
                             per_page=10, viewer_is_member=rng.random() < 0.3))
    return queries


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered))) - 1))]


def run_queries(backend, queries: list[Query]) -> dict:
    for q in queries[:20]:
        search(backend, q)
    times, hits, empty = [], 0, 0
    for q in queries:
        start = time.perf_counter()
        results = search(backend, q)
        times.append((time.perf_counter() - start) * 1000)
        hits += results.total
        empty += results.total == 0
    return {"p50_ms": round(pct(times, 50), 1), "p95_ms": round(pct(times, 95), 1),
            "p99_ms": round(pct(times, 99), 1), "mean_ms": round(statistics.mean(times), 1),
            "empty": empty, "mean_total": round(hits / len(queries))}


# -- lag ----------------------------------------------------------------------------------


def _wait_found(backend, word: str, iri: str, timeout: float) -> float | None:
    """Seconds until a search for ``word`` finds ``iri`` (None after ``timeout``)."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        results = search(backend, Query(text=word, lang="en", per_page=5))
        if any(h.id == iri for h in results.hits):
            return time.perf_counter() - start
        time.sleep(0.01)
    return None


def measure_lag(store: GraphStore, backend, consumer: str, changes: int, new_assets: int, skills: list[str],
                rng: random.Random, total_assets: int, timeout: float = 120.0) -> dict:
    indexer = Indexer(store, backend, consumer=consumer)
    graph = store.logical_graph("bench-assets", "public")
    title = URIRef(DCT.title)
    thread, stop = indexer.start()
    edit_lags, new_lags, apply_ms, missed = [], [], [], 0
    try:
        time.sleep(0.5)
        for i in range(changes):
            iri = f"{BASE}/id/asset/gen{rng.randrange(total_assets)}"
            word = f"zqx{consumer[:3]}{i}lagword"
            node = URIRef(iri)
            old = [t for t in store.triples(node, title, None) if t[2].language and t[2].language != "en"][:1] or \
                list(store.triples(node, title, None))[:1]
            lang = old[0][2].language or "en"
            change = Change(note="bench lag").removing(graph, old).adding(
                graph, [(node, title, Literal(f"{word} edited", lang=lang))])
            start = time.perf_counter()
            store.apply(change)
            apply_ms.append((time.perf_counter() - start) * 1000)
            lag = _wait_found(backend, word, iri, timeout)
            if lag is None:
                missed += 1
            else:
                edit_lags.append(lag)
            time.sleep(rng.random() * 0.25)  # changes arrive at random points of the indexer's cycle
        for i in range(new_assets):
            iri = f"{BASE}/id/asset/lagnew-{consumer}-{i}"
            word = f"zqy{consumer[:3]}{i}newword"
            node = URIRef(iri)
            change = Change(note="bench lag").adding(graph, [
                (node, URIRef(RDF.type), URIRef(MF.Guide)),
                (node, title, Literal(f"{word} guide", lang="en")),
                (node, URIRef(DCT.language), Literal("en", datatype=URIRef(XSD_LANGUAGE))),
                (node, URIRef(SCHEMA.teaches), URIRef(rng.choice(skills))),
            ])
            start = time.perf_counter()
            store.apply(change)
            apply_ms.append((time.perf_counter() - start) * 1000)
            lag = _wait_found(backend, word, iri, timeout)
            if lag is None:
                missed += 1
            else:
                new_lags.append(lag)
            time.sleep(rng.random() * 0.25)
    finally:
        stop.set()
        thread.join(timeout=120)

    def summary(lags):
        if not lags:
            return {"n": 0}
        return {"n": len(lags), "p50_ms": round(pct(lags, 50) * 1000), "p95_ms": round(pct(lags, 95) * 1000),
                "max_ms": round(max(lags) * 1000)}
    return {"edit": summary(edit_lags), "new": summary(new_lags), "missed": missed,
            "apply_p50_ms": round(pct(apply_ms, 50), 1)}


# -- OpenSearch ---------------------------------------------------------------------------


def opensearch_up(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_cluster/health", timeout=3) as r:
            return json.load(r).get("status") in ("green", "yellow")
    except Exception:
        return False


def ensure_opensearch(url: str) -> bool:
    """True when this run started the node (and so must stop it)."""
    if opensearch_up(url):
        return False
    print("starting OpenSearch with scripts/opensearch.sh start ...", flush=True)
    subprocess.run([str(ROOT / "scripts" / "opensearch.sh"), "start"], check=True, timeout=900,
                   stdout=subprocess.DEVNULL)
    return True


def stop_opensearch() -> None:
    subprocess.run([str(ROOT / "scripts" / "opensearch.sh"), "stop"], check=False, timeout=120)


def settings_for(kind: str, data_dir: Path):
    return SimpleNamespace(search_backend=kind, data_dir=data_dir, opensearch_url=OPENSEARCH_URL,
                           opensearch_index_prefix=PREFIX, opensearch_user="", opensearch_password="",
                           opensearch_verify_tls=True, search_fallback=False)


# -- main ---------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--changes", type=int, default=100)
    parser.add_argument("--new-assets", type=int, default=3)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--backends", nargs="+", default=["embedded", "opensearch"],
                        choices=["embedded", "opensearch"])
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    started = False
    results: dict[str, dict] = {}
    store = None
    try:
        if "opensearch" in args.backends:
            started = ensure_opensearch(OPENSEARCH_URL)
        store, info = build_corpus(OUT, args.assets, args.seed)
        gc.collect()
        start = time.perf_counter()
        docs = sum(1 for _ in documents.build_all(store))
        build_s = time.perf_counter() - start
        print(f"documents.build_all: {docs:,} documents in {build_s:.1f} s ({docs / build_s:,.0f}/s)", flush=True)
        queries = make_queries(args.queries, info["vocab"], info["skills"], random.Random(args.seed + 1))
        for kind in args.backends:
            backend = open_backend(settings_for(kind, OUT / "data"))
            try:
                if kind == "opensearch":
                    backend.drop()
                r: dict = {}
                gc.collect()
                start = time.perf_counter()
                n = reindex(store, backend, consumer=f"bench-{kind}")
                r["index_s"] = round(time.perf_counter() - start, 1)
                r["docs"] = n
                r["docs_per_s"] = round(n / r["index_s"])
                r["backend_only_docs_per_s"] = round(n / max(1e-9, r["index_s"] - build_s))
                print(f"{kind}: reindex {n:,} docs in {r['index_s']} s ({r['docs_per_s']:,}/s)", flush=True)
                r["queries"] = run_queries(backend, queries)
                print(f"{kind}: queries {r['queries']}", flush=True)
                r["lag"] = measure_lag(store, backend, f"bench-{kind}", args.changes, args.new_assets,
                                       info["skills"], random.Random(args.seed + 2), args.assets)
                print(f"{kind}: lag {r['lag']}", flush=True)
                if kind == "opensearch":
                    backend.drop()
            finally:
                backend.close()
            results[kind] = r
    finally:
        if store is not None:
            store.close()
        if started:
            stop_opensearch()
        if not args.keep:
            shutil.rmtree(OUT, ignore_errors=True)

    goals = {"embedded": 20, "opensearch": 30}
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    argv = " ".join(sys.argv[1:])
    print(f"\n{stamp} python bench/search_bench.py {argv}".rstrip()
          + f"  ({platform.python_version()}, {os.cpu_count()} CPUs; corpus: demo + {args.assets:,} assets, "
            f"{docs:,} documents; documents.build_all alone: {docs / build_s:,.0f} docs/s)")
    print("\n| backend | reindex docs/s (goal) | query p50 / p95 / p99 ms (goal p50) | "
          "lag edit p50 / p95 ms (goal p95 < 1000) | lag new asset p50 / p95 ms |")
    print("|---|---|---|---|---|")
    for kind, r in results.items():
        q, lag = r["queries"], r["lag"]
        idx_goal = " (≥ 5,000: " + ("met" if r["docs_per_s"] >= 5000 else "MISSED") + ")" if kind == "opensearch" else ""
        q_goal = "met" if q["p50_ms"] <= goals[kind] else "MISSED"
        e, nw = lag["edit"], lag["new"]
        lag_goal = "met" if e.get("n") and e["p95_ms"] < 1000 and not lag["missed"] else "MISSED"
        print(f"| {kind} | {r['docs_per_s']:,} ({r['docs']:,} in {r['index_s']} s){idx_goal} | "
              f"{q['p50_ms']} / {q['p95_ms']} / {q['p99_ms']} (≤ {goals[kind]}: {q_goal}) | "
              f"{e.get('p50_ms')} / {e.get('p95_ms')} (n={e.get('n')}, {lag_goal}) | "
              f"{nw.get('p50_ms')} / {nw.get('p95_ms')} (n={nw.get('n')}) |")
    print(f"\nmissed lag samples (not found within 120 s): "
          f"{', '.join(k + ': ' + str(r['lag']['missed']) for k, r in results.items())}")


if __name__ == "__main__":
    main()
