"""The search suite's corpus: the real Wiki Education training modules (English and Spanish),
the CapX capacity taxonomy and the training -> capacity mapping, plus a few people and an
organization in public, members and private graphs (who-sees-what).

Reads ``demo/data/wikiedu_training`` when it is there, else the copy in
``tests/fixtures/search/`` (see SOURCE.txt there).
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from graph import GraphStore, SourceGraphs
from ontology import DCT, MF, ORG, RDF, SCHEMA, SKOS

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "search"
BASE = "https://node.example"


def training_dir() -> Path:
    demo = ROOT / "demo" / "data" / "wikiedu_training" / "training_content" / "wiki_ed"
    if (demo / "modules").is_dir() and any((demo / "modules").glob("*.yml")):
        return demo
    return FIXTURES / "wikiedu_training"


def iri(kind: str, slug) -> URIRef:
    return URIRef(f"{BASE}/id/{kind}/{slug}")


def skill(code) -> URIRef:
    return iri("skill", code)


def asset(slug) -> URIRef:
    return iri("asset", slug)


def person(username) -> URIRef:
    return iri("person", username)


def taxonomy_triples() -> list[tuple]:
    scheme = iri("scheme", "capx")
    out = [(scheme, URIRef(RDF.type), URIRef(SKOS.ConceptScheme)),
           (scheme, URIRef(SKOS.prefLabel), Literal("Capacities", lang="en"))]
    capacities = json.loads((FIXTURES / "capacities.json").read_text(encoding="utf-8"))
    for code, c in capacities.items():
        s = skill(code)
        out += [(s, URIRef(RDF.type), URIRef(SKOS.Concept)), (s, URIRef(SKOS.inScheme), scheme),
                (s, URIRef(SKOS.prefLabel), Literal(c["name"], lang="en")),
                (s, URIRef(SKOS.notation), Literal(str(code)))]
        parent = str(c.get("skill_type"))
        if parent and parent != str(code) and parent in capacities:
            out.append((s, URIRef(SKOS.broader), skill(parent)))
    # a Spanish label, so skills are found in Spanish too
    out.append((skill(113), URIRef(SKOS.prefLabel), Literal("Wikidata", lang="es")))
    out.append((skill(143), URIRef(SKOS.prefLabel), Literal("Servicio de consultas de Wikidata", lang="es")))
    return out


def training_triples() -> list[tuple]:
    mapping = yaml.safe_load((FIXTURES / "training-capacities.yaml").read_text(encoding="utf-8")) or {}
    root = training_dir()
    out = []
    slugs = set()
    for path in sorted((root / "modules").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not data.get("name"):
            continue
        slug = path.stem
        slugs.add(slug)
        s = asset(slug)
        out += [(s, URIRef(RDF.type), URIRef(MF.LearningResource)),
                (s, URIRef(DCT.title), Literal(str(data["name"]).strip(), lang="en")),
                (s, URIRef(DCT.language), Literal("en", datatype=XSD.language)),
                (s, URIRef(DCT.format), Literal("text/html")),
                (s, URIRef(MF.slug), Literal(slug))]
        if data.get("description"):
            out.append((s, URIRef(DCT.description), Literal(str(data["description"]).strip(), lang="en")))
        es = (data.get("translations") or {}).get("es") or {}
        if es.get("name"):
            out += [(s, URIRef(DCT.title), Literal(str(es["name"]).strip(), lang="es")),
                    (s, URIRef(DCT.language), Literal("es", datatype=XSD.language))]
        if es.get("description"):
            out.append((s, URIRef(DCT.description), Literal(str(es["description"]).strip(), lang="es")))
        for code in mapping.get(slug, []) or []:
            out.append((s, URIRef(SCHEMA.teaches), skill(code)))
    for path in sorted((root / "libraries").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        items = [m["slug"] for cat in data.get("categories") or [] for m in cat.get("modules") or []
                 if m.get("slug") in slugs]
        if not items:
            continue
        s = asset(f"library-{path.stem}")
        out += [(s, URIRef(RDF.type), URIRef(MF.LearningPack)),
                (s, URIRef(DCT.title), Literal(str(data["name"]).strip(), lang="en")),
                (s, URIRef(DCT.language), Literal("en", datatype=XSD.language)),
                (s, URIRef(DCT.format), Literal("application/x-learning-pack")),
                (s, URIRef(MF.slug), Literal(f"library-{path.stem}"))]
        if data.get("introduction"):
            out.append((s, URIRef(DCT.description), Literal(str(data["introduction"]).strip(), lang="en")))
        for position, slug in enumerate(dict.fromkeys(items), 1):
            item = URIRef(f"{s}#item-{position}")
            out += [(s, URIRef(MF.hasItem), item), (item, URIRef(RDF.type), URIRef(MF.PackItem)),
                    (item, URIRef(SCHEMA.position), Literal(position)), (item, URIRef(MF.item), asset(slug))]
    return out


def place_triples() -> list[tuple]:
    region, country, org = iri("territory", "014"), iri("territory", "KE"), iri("org", "wmke")
    return [
        (region, URIRef(RDF.type), URIRef(MF.Region)), (region, URIRef(MF.territoryCode), Literal("014")),
        (region, URIRef(SCHEMA.name), Literal("Eastern Africa", lang="en")),
        (region, URIRef(SCHEMA.name), Literal("África Oriental", lang="es")),
        (country, URIRef(RDF.type), URIRef(MF.Country)), (country, URIRef(MF.territoryCode), Literal("KE")),
        (country, URIRef(SCHEMA.name), Literal("Kenya", lang="en")),
        (country, URIRef(SCHEMA.containedInPlace), region),
        (org, URIRef(RDF.type), URIRef(ORG.Organization)),
        (org, URIRef(SKOS.prefLabel), Literal("Wikimedia Kenya", lang="en")),
        (org, URIRef(SKOS.notation), Literal("WMKE")),
        (org, URIRef(MF.organizationType), URIRef(MF.Chapter)),
        (org, URIRef(MF.territory), country),
    ]


def person_triples(username: str, name: str, visibility: str, skills=(113,), email: str | None = None) -> list[tuple]:
    p = person(username)
    out = [(p, URIRef(RDF.type), URIRef(MF.Person)), (p, URIRef(MF.username), Literal(username)),
           (p, URIRef(SCHEMA.name), Literal(name)), (p, URIRef(MF.visibility), URIRef(MF[visibility])),
           (p, URIRef(MF.federationConsent), Literal(False)), (p, URIRef(MF.territory), iri("territory", "KE")),
           (p, URIRef(ORG.memberOf), iri("org", "wmke"))]
    if email:
        out.append((p, URIRef(SCHEMA.email), Literal(email)))
    lang = URIRef(f"{p}#lang-sw")
    out += [(p, URIRef(MF.speaks), lang), (lang, URIRef(RDF.type), URIRef(MF.LanguageAbility)),
            (lang, URIRef(MF.language), Literal("sw", datatype=XSD.language)),
            (lang, URIRef(MF.proficiency), Literal(5))]
    for code in skills:
        claim = URIRef(f"{p}#claim-{code}")
        out += [(p, URIRef(MF.hasClaim), claim), (claim, URIRef(RDF.type), URIRef(MF.SkillClaim)),
                (claim, URIRef(MF.skill), skill(code)), (claim, URIRef(MF.level), Literal(3)),
                (claim, URIRef(MF.claimStatus), URIRef(MF.Known))]
    return out


#: username -> (name, graph access level, visibility); every name shares the word "Otieno"
PEOPLE = {
    "amani": ("Amani Otieno", "public", "Public"),
    "bruno": ("Bruno Otieno", "members", "MembersOnly"),
    "carla": ("Carla Otieno", "private", "Private"),
    "dina": ("Dina Otieno", "public", "MembersOnly"),  # in a public graph, but asks for members only
}


def load(store: GraphStore) -> None:
    def replace(name, graphs):
        store.replace_source(SourceGraphs(name=name, label=name, importer="tests", checksum="sha256:" + name,
                                          graphs=graphs))

    replace("taxonomy", {"public": taxonomy_triples()})
    replace("places", {"public": place_triples()})
    replace("training", {"public": training_triples()})
    people: dict[str, list] = {}
    for username, (name, access, visibility) in PEOPLE.items():
        people.setdefault(access, []).extend(
            person_triples(username, name, visibility, email=f"{username}.secret@example.org"))
    replace("people", people)


def make_store() -> GraphStore:
    store = GraphStore.in_memory(BASE)
    load(store)
    return store
