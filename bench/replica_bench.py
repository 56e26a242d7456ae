"""Public replica benchmark (issue 12, items 2 and 10): rebuild and incremental sync.

    python bench/replica_bench.py [--people 10000] [--changes 20]

Data: bench/generate.py's N people (10 skill claims and 2 languages each, in one public
graph), every one made public and half of them consenting, so that the rule before and
after issue 12 item 2 publishes the same people (the old one leaked one triple per
non-consenting person), plus what the badge service and the completions importer write for
each of them: an award with a hashed recipient node and the claim it created
(``{award}#claim-1``, linked from the person) in an awards graph, and a training completion
in a completions graph. Everything is loaded with the validated bulk load.

Measured one after the other in the same process:

1. **baseline**: copying every quad of the public graphs into an empty on-disk store with
   the same ``bulk_extend`` the replica uses, no rule applied (what a rebuild costs at least);
2. ``PublicReplica.rebuild()`` (the ratio to the baseline is the figure to compare);
3. ``sync()`` after one claim's level changes (a profile edit), median over ``--changes``;
4. ``sync()`` after one published person withdraws federation consent, then gives it again.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pyoxigraph as ox  # noqa: E402
from rdflib import Literal, URIRef  # noqa: E402
from rdflib.namespace import XSD as RXSD  # noqa: E402

from bench.generate import generate  # noqa: E402
from graph import Change, GraphStore, SourceGraphs, sha256_checksum  # noqa: E402
from graph.rdfio import parse_file  # noqa: E402
from graph.replica import PublicReplica  # noqa: E402
from ontology import MF  # noqa: E402

BASE = "http://127.0.0.1:5000"
MF_ = "https://w3id.org/maarifa/ns#"
OBI = "https://w3id.org/openbadges#"
SCHEMA = "https://schema.org/"
DCT = "http://purl.org/dc/terms/"
TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
BOOLEAN = "<http://www.w3.org/2001/XMLSchema#boolean>"
DATETIME = "<http://www.w3.org/2001/XMLSchema#dateTime>"
INTEGER = "<http://www.w3.org/2001/XMLSchema#integer>"


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def awards_and_completions(people: int) -> tuple[str, str]:
    """N-Triples of one award and one completion per person, shaped like the services write them."""
    training, badge, skill = f"<{BASE}/id/training/t1>", f"<{BASE}/id/badge/b1>", f"<{BASE}/id/skill/113>"
    awards = [f"{training} {TYPE} <{MF_}Training> .", f'{training} <{MF_}slug> "t1" .',
              f'{training} <{DCT}title> "Training one"@en .',
              f"{badge} {TYPE} <{MF_}BadgeClass> .", f'{badge} <{MF_}slug> "b1" .',
              f'{badge} <{SCHEMA}name> "Badge one"@en .', f"{badge} <{OBI}criteria> {training} .",
              f"{badge} <{MF_}forTraining> {training} .", f"{badge} <{MF_}alignedSkill> {skill} ."]
    completions = []
    for i in range(people):
        person, award = f"<{BASE}/id/person/user{i}>", f"{BASE}/id/award/a{i}"
        a, recipient, claim = f"<{award}>", f"<{award}#recipient>", f"<{award}#claim-1>"
        awards += [f"{a} {TYPE} <{MF_}Award> .", f"{a} <{MF_}recipient> {person} .", f"{a} <{MF_}badge> {badge} .",
                   f'{a} <{OBI}issuedOn> "2025-01-01T00:00:00Z"^^{DATETIME} .', f'{a} <{MF_}revoked> "false"^^{BOOLEAN} .',
                   f"{a} <{OBI}recipient> {recipient} .", f'{recipient} <{OBI}identityHash> "sha256${i:064x}" .',
                   f'{recipient} <{OBI}salt> "s{i}" .', f'{recipient} <{OBI}hashed> "true"^^{BOOLEAN} .',
                   f"{person} <{MF_}hasClaim> {claim} .", f"{claim} {TYPE} <{MF_}SkillClaim> .",
                   f"{claim} <{MF_}skill> {skill} .", f'{claim} <{MF_}level> "1"^^{INTEGER} .',
                   f"{claim} <{MF_}claimStatus> <{MF_}Known> .", f'{claim} <{MF_}verified> "true"^^{BOOLEAN} .',
                   f"{claim} <{MF_}evidence> {a} ."]
        c = f"<{BASE}/id/completion/user{i}--t1>"
        completions += [f"{c} {TYPE} <{MF_}TrainingCompletion> .", f"{c} <{MF_}person> {person} .",
                        f"{c} <{MF_}training> {training} .", f'{c} <{MF_}completedAt> "2024-12-01T00:00:00Z"^^{DATETIME} .']
    return "\n".join(awards) + "\n", "\n".join(completions) + "\n"


def load(store: GraphStore, name: str, path: Path) -> None:
    source = SourceGraphs(name=name, label=path.name, importer="bench", checksum=sha256_checksum(path.read_bytes()))
    store.replace_source_parsed(source, {"public": parse_file(path)})


def baseline_copy(store: GraphStore, target: Path) -> tuple[float, int]:
    """Every quad of the public graphs into an empty on-disk store, with no rule at all."""
    copy = ox.Store(str(target))

    def run():
        total = 0
        for physical in store.active_graphs(["public"]):
            quads = list(store._store.quads_for_pattern(None, None, None, ox.NamedNode(physical)))
            copy.bulk_extend(quads)
            total += len(quads)
        copy.flush()
        return total

    return timed(run)


def consenting_public_person(store: GraphStore) -> str:
    rows = store.select("SELECT ?u WHERE { ?p mf:username ?u ; mf:visibility mf:Public ; mf:federationConsent true }"
                        " ORDER BY ?u LIMIT 1")
    return str(rows[0]["u"])


def run(people: int, changes: int, work: Path) -> dict:
    store = GraphStore.open(work / "data", base_url=BASE, create=True)
    people_file = work / "people.nt"
    text = io.StringIO()
    triples = generate(people, text, base=BASE)
    people_file.write_text(text.getvalue().replace(f"<{MF_}MembersOnly>", f"<{MF_}Public>")
                           .replace(f"<{MF_}Private>", f"<{MF_}Public>"))
    awards, completions = awards_and_completions(people)
    (work / "awards.nt").write_text(awards)
    (work / "completions.nt").write_text(completions)
    for name, path in (("people", people_file), ("awards", work / "awards.nt"), ("completions", work / "completions.nt")):
        load(store, name, path)
    quads_public = sum(1 for g in store.active_graphs(["public"])
                       for _ in store._store.quads_for_pattern(None, None, None, ox.NamedNode(g)))

    baseline_seconds, copied = baseline_copy(store, work / "baseline")
    replica = PublicReplica(store, work / "replica")
    rebuild_seconds, published = timed(replica.rebuild)

    graph = store.logical_graph("people", "public")
    level = URIRef(MF.level)
    edit_ms = []
    for i in range(changes):
        person = f"{BASE}/id/person/user{i}"
        claim = next(c for _, _, c in store.triples(URIRef(person), URIRef(MF.hasClaim)) if str(c).startswith(person))
        old = next(iter(store.triples(claim, level)))[2]
        new = Literal(str(int(old) % 4 + 1), datatype=RXSD.integer)
        store.apply(Change().removing(graph, [(claim, level, old)]).adding(graph, [(claim, level, new)]))
        seconds, _ = timed(replica.sync)
        edit_ms.append(seconds * 1000)

    username = consenting_public_person(store)
    person = URIRef(f"{BASE}/id/person/{username}")
    consent = URIRef(MF.federationConsent)

    def toggle(value: bool) -> float:
        store.apply(Change().removing(graph, [(person, consent, Literal(not value))])
                    .adding(graph, [(person, consent, Literal(value))]))
        seconds, _ = timed(replica.sync)
        return seconds

    withdraw_seconds = toggle(False)
    after_withdrawal = replica.count()
    give_seconds = toggle(True)
    publishing = len(store.select("SELECT ?p WHERE { ?p mf:visibility mf:Public ; mf:federationConsent true }"))
    result = {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "people": people,
        "generated_triples": triples, "public_quads": quads_public, "published_triples": published,
        "published_people": publishing, "baseline_copy_s": round(baseline_seconds, 2), "baseline_quads": copied,
        "rebuild_s": round(rebuild_seconds, 2), "rebuild_over_baseline": round(rebuild_seconds / baseline_seconds, 2),
        "claim_edit_sync_ms_p50": round(statistics.median(edit_ms), 1),
        "withdraw_consent_sync_s": round(withdraw_seconds, 2), "give_consent_sync_s": round(give_seconds, 2),
        "withdrawn_triples": replica.count() - after_withdrawal,
    }
    replica.close()
    store.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10000)
    parser.add_argument("--changes", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="maarifa-replica-bench-") as tmp:
        print(json.dumps(run(args.people, args.changes, Path(tmp)), indent=2))


if __name__ == "__main__":
    main()
