"""Seeded generator of a large, valid Maarifa dataset in N-Triples.

N people with 10 skill claims each (skills from the sample capacity taxonomy when it is in
the repo, else a synthetic scheme), two languages each, a territory, an affiliation, plus
organizations and knowledge assets. Written as text: generating must not be the bottleneck
of what it measures.

    python bench/generate.py --people 10000 --out bench/out/people-10k.nt
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

MF = "https://w3id.org/maarifa/ns#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SCHEMA = "https://schema.org/"
ORG = "http://www.w3.org/ns/org#"
DCT = "http://purl.org/dc/terms/"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
XSD = "http://www.w3.org/2001/XMLSchema#"
TAXONOMY = Path(__file__).resolve().parent.parent / "demo/data/capx_taxonomy/capx-frontend/src/app/capacities_visualization/data/capacities.json"
LANGS = ["en", "es", "fr", "ar", "pt", "sw", "de", "hi", "id", "yo"]
COUNTRIES = ["KE", "NG", "GH", "BR", "AR", "MX", "FR", "DE", "EG", "IN", "ID", "ES"]
STATUS = ["Known", "Available", "Wanted"]
WORDS = ("wiki edit source citation commons image licence query data community event grant "
         "outreach training policy translation article reference volunteer mentor library").split()


def _lit(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def skill_codes() -> list[tuple[str, str, str | None]]:
    """(code, English name, broader code) of the sample taxonomy, or a synthetic one."""
    if TAXONOMY.exists():
        data = json.loads(TAXONOMY.read_text(encoding="utf-8"))
        return [(str(c["code"]), c["name"], str(c["parentCapacity"]["code"]) if c.get("parentCapacity") else None)
                for c in data.values()]
    return [(str(i), f"skill {i}", None if i < 10 else str(i % 10)) for i in range(134)]


def generate(people: int, out, *, base: str = "http://127.0.0.1:5000", seed: int = 42, assets: int | None = None) -> int:
    """Write N-Triples to ``out``; returns the number of triples."""
    rng = random.Random(seed)
    skills = skill_codes()
    codes = [c for c, _, _ in skills]
    scheme = f"<{base}/id/scheme/capacities>"
    n = 0

    def t(s, p, o):
        nonlocal n
        out.write(f"{s} {p} {o} .\n")
        n += 1

    t(scheme, RDF_TYPE, f"<{SKOS}ConceptScheme>")
    t(scheme, f"<{SKOS}prefLabel>", '"Capacities"@en')
    for code, name, broader in skills:
        s = f"<{base}/id/skill/{code}>"
        t(s, RDF_TYPE, f"<{SKOS}Concept>")
        t(s, f"<{SKOS}inScheme>", scheme)
        t(s, f"<{SKOS}prefLabel>", _lit(name) + "@en")
        t(s, f"<{SKOS}notation>", _lit(code))
        if broader:
            t(s, f"<{SKOS}broader>", f"<{base}/id/skill/{broader}>")
    for cc in COUNTRIES:
        s = f"<{base}/id/territory/{cc}>"
        t(s, RDF_TYPE, f"<{MF}Country>")
        t(s, f"<{MF}territoryCode>", _lit(cc))
        t(s, f"<{SCHEMA}name>", _lit(cc) + "@en")
    orgs = max(5, people // 500)
    for i in range(orgs):
        s = f"<{base}/id/org/org{i}>"
        t(s, RDF_TYPE, f"<{ORG}Organization>")
        t(s, f"<{SKOS}prefLabel>", _lit(f"Organization {i}") + "@en")
        t(s, f"<{MF}organizationType>", f"<{MF}UserGroup>")
    for i in range(people):
        s = f"<{base}/id/person/user{i}>"
        t(s, RDF_TYPE, f"<{MF}Person>")
        t(s, f"<{MF}username>", _lit(f"user{i}"))
        t(s, f"<{SCHEMA}name>", _lit(f"Person {i}"))
        t(s, f"<{MF}visibility>", f"<{MF}{rng.choice(['Public', 'Public', 'MembersOnly', 'Private'])}>")
        t(s, f"<{MF}federationConsent>", f'"{rng.choice(["true", "false"])}"^^<{XSD}boolean>')
        t(s, f"<{MF}mentoringAvailable>", f'"{rng.choice(["true", "false"])}"^^<{XSD}boolean>')
        t(s, f"<{MF}territory>", f"<{base}/id/territory/{rng.choice(COUNTRIES)}>")
        t(s, f"<{ORG}memberOf>", f"<{base}/id/org/org{rng.randrange(orgs)}>")
        for lang in rng.sample(LANGS, 2):
            ls = f"<{base}/id/person/user{i}#lang-{lang}>"
            t(s, f"<{MF}speaks>", ls)
            t(ls, RDF_TYPE, f"<{MF}LanguageAbility>")
            t(ls, f"<{MF}language>", f'"{lang}"^^<{XSD}language>')
            t(ls, f"<{MF}proficiency>", f'"{rng.randint(0, 5)}"^^<{XSD}integer>')
        for code in rng.sample(codes, 10):
            cs = f"<{base}/id/person/user{i}#claim-{code}>"
            t(s, f"<{MF}hasClaim>", cs)
            t(cs, RDF_TYPE, f"<{MF}SkillClaim>")
            t(cs, f"<{MF}skill>", f"<{base}/id/skill/{code}>")
            t(cs, f"<{MF}level>", f'"{rng.randint(1, 4)}"^^<{XSD}integer>')
            t(cs, f"<{MF}claimStatus>", f"<{MF}{rng.choice(STATUS)}>")
    for i in range(people // 10 if assets is None else assets):
        s = f"<{base}/id/asset/a{i}>"
        lang = rng.choice(LANGS[:4])
        t(s, RDF_TYPE, f"<{MF}LearningResource>")
        t(s, f"<{DCT}title>", _lit(" ".join(rng.sample(WORDS, 4))) + f"@{lang}")
        t(s, f"<{DCT}language>", f'"{lang}"^^<{XSD}language>')
        t(s, f"<{SCHEMA}teaches>", f"<{base}/id/skill/{rng.choice(codes)}>")
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--base", default="http://127.0.0.1:5000")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as out:
        count = generate(args.people, out, base=args.base, seed=args.seed)
    print(f"wrote {count:,} triples to {args.out}")


if __name__ == "__main__":
    main()
