"""Seeded generator of sample people (with skill claims) and training completions.

Standard library only, deterministic for a given seed::

    python demo/generate.py --people 200 --seed 7 --out demo/out

writes ``people.csv`` (ARCHITECTURE.md format: 10 skill claims per person, codes from the
sample capacity taxonomy, organizations by acronym from orgs.json, mixed visibility) and
``completions.csv`` (``username,module,completed_at`` over the mapped training modules).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
CAPACITIES = DATA / "capx_taxonomy/capx-frontend/src/app/capacities_visualization/data/capacities.json"
ORGS = DATA / "capx_taxonomy/capx-backend/fixtures/orgs.json"
MAPPINGS = DATA / "mappings/training-capacities.yaml"

LANGUAGES = ["en", "es", "fr", "ar", "sw", "pt", "pt-BR", "de", "hi", "yo", "ha", "ig", "zu", "am", "id", "bn"]
TERRITORIES = ["KE", "NG", "GH", "ZA", "TZ", "UG", "RW", "SN", "CI", "BJ", "EG", "MA", "TN", "BR", "AR", "MX",
               "CO", "PE", "ES", "FR", "DE", "IT", "GB", "US", "CA", "IN", "BD", "ID", "PH", "NP",
               "011", "014", "015", "419", "142"]
FIRST = ["Ada", "Amina", "Kwame", "Lucía", "Mateo", "Chidi", "Fatima", "Juma", "Wanjiru", "Tariq", "Ngozi",
         "Sofia", "Yusuf", "Aisha", "Kofi", "Imani", "Diego", "Leila", "Omar", "Zainab", "Hugo", "Noor", "Asha"]
LAST = ["Kamau", "Okafor", "Mensah", "García", "Diallo", "Haddad", "Mwangi", "Silva", "Traoré", "Nasser",
        "Osei", "Ndlovu", "Rahman", "Pérez", "Adeyemi", "Kariuki", "Benali", "Moreau", "Achieng", "Banda"]


def _training_slugs() -> list[str]:
    return [line.split(":", 1)[0].strip() for line in MAPPINGS.read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#") and ":" in line]


def generate(out: Path, people: int = 200, seed: int = 7, claims: int = 10, completions: int | None = None) -> dict:
    rng = random.Random(seed)
    codes = sorted(json.loads(CAPACITIES.read_text(encoding="utf-8")), key=int)
    acronyms = [r["fields"]["acronym"] for r in json.loads(ORGS.read_text(encoding="utf-8"))
                if r["model"] == "orgs.Organization"]
    out.mkdir(parents=True, exist_ok=True)
    usernames = []
    with (out / "people.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["username", "name", "email", "languages", "territory", "organizations", "visibility",
                    "federation_consent", "mentoring", "known", "available", "wanted"])
        for i in range(people):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            username = f"{first.lower()[:3]}{last.lower()[:3]}{i}".encode("ascii", "ignore").decode()
            username = "".join(c for c in username if c.isalnum()) or f"user{i}"
            usernames.append(username)
            langs = rng.sample(LANGUAGES, rng.randint(1, 3))
            skills = rng.sample(codes, claims)
            split = sorted(rng.sample(range(1, claims), 2))
            claim = lambda cs: ";".join(f"{c}:{rng.randint(1, 4)}" for c in cs)  # noqa: E731
            w.writerow([
                username, f"{first} {last}", f"{username}@example.org",
                ";".join(f"{lang}:{rng.randint(0, 5)}" for lang in langs),
                rng.choice(TERRITORIES),
                ";".join(rng.sample(acronyms, rng.randint(0, 2))),
                rng.choices(["public", "members", "private"], weights=[6, 3, 1])[0],
                rng.choice(["yes", "no"]), rng.choice(["yes", "no"]),
                claim(skills[:split[0]]), claim(skills[split[0]:split[1]]), claim(skills[split[1]:]),
            ])
    slugs = _training_slugs()
    start = dt.datetime(2023, 1, 1, tzinfo=dt.timezone.utc)
    pairs = set()
    total = completions if completions is not None else people
    with (out / "completions.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["username", "module", "completed_at"])
        while len(pairs) < min(total, len(usernames) * len(slugs)):
            pair = (rng.choice(usernames), rng.choice(slugs))
            if pair in pairs:
                continue
            pairs.add(pair)
            when = start + dt.timedelta(minutes=rng.randint(0, 60 * 24 * 700))
            w.writerow([*pair, when.strftime("%Y-%m-%dT%H:%M:%SZ")])
    return {"people": out / "people.csv", "completions": out / "completions.csv"}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--claims", type=int, default=10)
    parser.add_argument("--out", type=Path, default=HERE / "out")
    args = parser.parse_args(argv)
    paths = generate(args.out, args.people, args.seed, args.claims)
    print(f"wrote {paths['people']} and {paths['completions']}")


if __name__ == "__main__":
    main()
