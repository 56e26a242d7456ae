"""Badge benchmark (issue 6): issue 1,000 signed OB 3.0 awards (eddsa-rdfc-2022) of the demo's
badge classes, then verify the 1,000 credentials. Targets: ≤ 10 s each.

    python bench/badges_bench.py [--awards 1000] [--batch 100]

The store is an on-disk one in a temporary data directory, with the demo's badge classes
(demo/badges.yaml: names, skills, trainings) and N people, each with a completed training.
"Issue" is the whole job: the awards are validated and committed to the graph
(``BadgeService.issue_many``, in batches) and each award's credential is built, canonicalized
(RDFC-1.0) and signed. "Verify" canonicalizes again, checks the proof against the node's
key and the award's revocation status in the graph.

Issue 11 added two figures: the cost of JSON-LD safe mode, as the ratio of our
``canonicalize`` (checked expansion, then RDFC-1.0) to pyld's plain ``normalize`` of the same
credentials in the same run (the baseline: what signing cost before); and the time to build
and sign the node's Bitstring status list credential (``/ob/v3/status/revocation``) with a
tenth of the awards revoked.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import yaml
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from badges import AUTOMATIC, BadgeService, Issuer, Verifier, ensure_keys, load_keys, ob3  # noqa: E402
from badges.jsonld import _options, canonicalize  # noqa: E402
from graph import GraphStore, SourceGraphs, sha256_checksum  # noqa: E402
from ontology import DCT, MF, OBI, RDF, SCHEMA, SKOS  # noqa: E402

BASE = "http://127.0.0.1:5000"
U = URIRef


def demo_graph(people: int) -> tuple[list, list[str]]:
    badges = yaml.safe_load((ROOT / "demo" / "badges.yaml").read_text(encoding="utf-8"))
    t = []
    scheme = U(f"{BASE}/id/scheme/capacities")
    t += [(scheme, U(RDF.type), U(SKOS.ConceptScheme)), (scheme, U(SKOS.prefLabel), Literal("Capacities", lang="en"))]
    skills = sorted({str(s) for b in badges for s in b.get("skills") or []})
    for code in skills:
        s = U(f"{BASE}/id/skill/{code}")
        t += [(s, U(RDF.type), U(SKOS.Concept)), (s, U(SKOS.inScheme), scheme),
              (s, U(SKOS.prefLabel), Literal(f"Skill {code}", lang="en")), (s, U(SKOS.notation), Literal(code))]
    slugs = []
    for b in badges:
        slug = b["slug"]
        slugs.append(slug)
        training, badge = U(f"{BASE}/id/training/{b.get('training') or slug}"), U(f"{BASE}/id/badge/{slug}")
        t += [(training, U(RDF.type), U(MF.Training)), (training, U(MF.slug), Literal(b.get("training") or slug)),
              (training, U(DCT.title), Literal(b["name"]["en"], lang="en")),
              (badge, U(RDF.type), U(MF.BadgeClass)), (badge, U(MF.slug), Literal(slug)),
              (badge, U(OBI.criteria), training), (badge, U(MF.forTraining), training)]
        t += [(badge, U(SCHEMA.name), Literal(v, lang=k)) for k, v in b["name"].items()]
        t += [(badge, U(SCHEMA.description), Literal(v, lang=k)) for k, v in (b.get("description") or {}).items()]
        t += [(badge, U(MF.alignedSkill), U(f"{BASE}/id/skill/{s}")) for s in b.get("skills") or []]
    for i in range(people):
        p = U(f"{BASE}/id/person/user{i}")
        t += [(p, U(RDF.type), U(MF.Person)), (p, U(MF.username), Literal(f"user{i}")),
              (p, U(SCHEMA.name), Literal(f"User {i}")), (p, U(SCHEMA.email), Literal(f"user{i}@example.org")),
              (p, U(MF.visibility), U(MF.Public)), (p, U(MF.federationConsent), Literal(True))]
        c = U(f"{BASE}/id/completion/user{i}")
        t += [(c, U(RDF.type), U(MF.TrainingCompletion)), (c, U(MF.person), p),
              (c, U(MF.training), U(f"{BASE}/id/training/{badges[i % len(badges)].get('training') or slugs[i % len(slugs)]}")),
              (c, U(MF.completedAt), Literal("2024-05-01T10:00:00Z", datatype=XSD.dateTime)),
              (c, U(DCT.source), Literal("bench"))]
    return t, slugs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--awards", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        ensure_keys(data_dir)
        keys = load_keys(data_dir)
        with GraphStore.open(data_dir, base_url=BASE, create=True, command="bench") as store:
            triples, slugs = demo_graph(args.awards)
            store.replace_source(SourceGraphs(name="bench", label="bench", importer="bench",
                                              checksum=sha256_checksum(b"bench"), graphs={"public": triples}))
            service = BadgeService(store, Issuer("Bench Chapter", BASE, email="badges@example.org"))
            pairs = [(slugs[i % len(slugs)], f"user{i}") for i in range(args.awards)]

            start = time.perf_counter()
            credentials = []
            for k in range(0, len(pairs), args.batch):
                results = service.issue_many(pairs[k:k + args.batch], actor=AUTOMATIC)
                credentials += [ob3.signed_credential(service.issuer, r.award, keys) for r in results]
            issued = time.perf_counter() - start
            assert len(credentials) == args.awards

            verifier = Verifier(service, keys)
            start = time.perf_counter()
            ok = sum(verifier.verify(c).valid for c in credentials)
            verified = time.perf_counter() - start
            assert ok == args.awards, f"only {ok} of {args.awards} verified"

            safe, plain = canonical_costs(credentials)
            for r in credentials[::10]:
                service.revoke(r["id"].rsplit("/", 1)[-1], "bench")
            start = time.perf_counter()
            rounds = 20
            for _ in range(rounds):
                ob3.status_list_credential(service.issuer, service.status_list_state(), keys)
            status_list_ms = (time.perf_counter() - start) / rounds * 1000
    result = {"badge_classes": len(slugs), "awards": args.awards, "batch": args.batch,
              "issue_seconds": round(issued, 2), "issue_per_second": round(args.awards / issued, 1),
              "verify_seconds": round(verified, 2), "verify_per_second": round(args.awards / verified, 1),
              "issue_target_met": issued <= 10, "verify_target_met": verified <= 10,
              "canonicalize_safe_seconds": round(safe, 2), "pyld_normalize_baseline_seconds": round(plain, 2),
              "safe_mode_ratio": round(safe / plain, 2), "status_list_build_and_sign_ms": round(status_list_ms, 1)}
    print(json.dumps(result, indent=2))


def canonical_costs(credentials: list[dict]) -> tuple[float, float]:
    """Seconds to canonicalize every credential (without proof) in safe mode, and with pyld's
    plain normalize (no check, pyld's default base): the baseline, in the same run."""
    from pyld import jsonld

    unsigned = [{k: v for k, v in c.items() if k != "proof"} for c in credentials]
    start = time.perf_counter()
    for doc in unsigned:
        canonicalize(doc)
    safe = time.perf_counter() - start
    options = {k: v for k, v in _options(algorithm="URDNA2015", format="application/n-quads").items() if k != "base"}
    start = time.perf_counter()
    for doc in unsigned:
        jsonld.normalize(doc, options)
    return safe, time.perf_counter() - start


if __name__ == "__main__":
    main()
