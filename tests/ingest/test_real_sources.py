"""Each importer on the real sample data copied into demo/."""

from __future__ import annotations


from rdflib import Literal, URIRef

from graph import GraphStore
from ingest import get, kinds, run_import

from .conftest import BASE_SOURCES, DUMPS, FIXTURES, TAXONOMY, TRAINING


def test_every_documented_kind_is_registered():
    for kind in ["training", "taxonomy", "orgs", "people", "completions", "mappings", "roles", "badges",
                 "mediawiki", "rdf", "territories"]:
        assert kind in kinds()
        assert get(kind).description


def test_training_modules_slides_translations_and_the_three_warnings():
    store = GraphStore.in_memory()
    run_import(store, "taxonomy", TAXONOMY)
    report = run_import(store, "training", TRAINING)
    trainings = store.select("SELECT (COUNT(?t) AS ?n) WHERE { ?t a mf:Training }")[0]["n"].toPython()
    slides = store.select("SELECT (COUNT(?s) AS ?n) WHERE { ?s a mf:LearningResource }")[0]["n"].toPython()
    assert (trainings, slides) == (81, 781)
    spanish = store.select("SELECT ?t WHERE { ?x a mf:Training ; dct:title ?t FILTER(lang(?t) = 'es') }")
    assert spanish, "Spanish module titles are imported as @es"
    warnings = sorted(str(w) for w in report.warnings)
    assert len(warnings) == 3
    assert "modules/databases-and-linked-data.yml, line 14" in warnings[0]
    assert "identifiers-and-databses-together" in warnings[0]
    assert "illustrations-week-4" in warnings[1] and "illustrations-week-5" in warnings[2]
    # modules that no library lists are imported too; time and quizzes kept as data
    base = store.base_url
    assert (URIRef(f"{base}/id/training/fact-verification-exercise"), None, None) and list(
        store.triples(URIRef(f"{base}/id/training/fact-verification-exercise")))
    times = dict(store.select("SELECT ?s ?d WHERE { ?s mf:slug 'databases-and-linked-data' ; "
                              "a mf:Training ; schema:timeRequired ?d }")[0])
    assert str(times["d"]) == "PT20M"
    quiz = store.select("SELECT ?q ?a WHERE { ?s schema:hasPart ?q . ?q a schema:Question ; schema:acceptedAnswer ?a }")
    assert quiz
    body = store.select("SELECT ?b WHERE { ?s mf:slug 'part-i-databases-wikidata' ; mf:body ?b }")[0]["b"]
    assert "linked data" in str(body) and "<" not in str(body)


def test_taxonomy_concepts_broader_and_wikidata():
    store = GraphStore.in_memory()
    run_import(store, "taxonomy", TAXONOMY)
    n = store.select("SELECT (COUNT(?c) AS ?n) WHERE { ?c a skos:Concept }")[0]["n"].toPython()
    assert n == 134
    assert store.select("SELECT (COUNT(*) AS ?n) WHERE { ?c skos:broader ?b }")[0]["n"].toPython() == 127
    matches = {str(r["m"]) for r in store.select("SELECT ?m WHERE { ?c skos:exactMatch ?m }")}
    assert "http://www.wikidata.org/entity/Q759524" in matches and len(matches) == 7
    assert (URIRef(f"{store.base_url}/id/skill/113"), URIRef("http://www.w3.org/2004/02/skos/core#notation"),
            Literal("113")) in set(store.triples(URIRef(f"{store.base_url}/id/skill/113")))


def test_taxonomy_from_skos_turtle():
    store = GraphStore.in_memory()
    report = run_import(store, "taxonomy", FIXTURES / "skos.ttl")
    assert report.records == 1
    assert store.select("SELECT ?c WHERE { ?c skos:notation 'T1' }")


def test_orgs_186_with_types():
    store = GraphStore.in_memory()
    report = run_import(store, "orgs", TAXONOMY)
    assert not report.warnings
    rows = store.select("SELECT ?type (COUNT(?o) AS ?n) WHERE { ?o a org:Organization ; mf:organizationType ?type } "
                        "GROUP BY ?type")
    counts = {str(r["type"]).rsplit("#")[-1]: r["n"].toPython() for r in rows}
    assert counts == {"Chapter": 38, "UserGroup": 146, "ThematicOrganization": 2}


def test_mappings_roles_people_completions_badges(fresh, tmp_path):
    store = fresh
    base = store.base_url
    teaches = store.select("SELECT ?s WHERE { ?t mf:slug 'querying-wikidata' ; schema:teaches ?s }")
    assert {str(r["s"]) for r in teaches} == {f"{base}/id/skill/143", f"{base}/id/skill/113"}
    assert store.select("SELECT ?s WHERE { ?r a org:Role ; mf:requiresSkill ?s }")
    # people are split by visibility; e-mail only ever in the private graph
    public = {str(o) for _, _, o in store.triples(None, URIRef("https://w3id.org/maarifa/ns#username"), None,
                                                  access=["public"])}
    members = {str(o) for _, _, o in store.triples(None, URIRef("https://w3id.org/maarifa/ns#username"), None,
                                                   access=["members"])}
    assert public == {"ada.k"} and members == {"bea"}
    email = URIRef("https://schema.org/email")
    assert not list(store.triples(None, email, None, access=["public", "members"]))
    assert len(list(store.triples(None, email, None, access=["private"]))) == 3
    claims = store.select("SELECT ?c WHERE { ?p mf:username 'ada.k' ; mf:hasClaim ?c }")
    assert len(claims) == 4
    assert store.select("SELECT ?t WHERE { ?p mf:username 'ada.k' ; mf:territory ?t . ?t a mf:Country ; "
                        "schema:containedInPlace ?r . ?r mf:territoryCode '014' }")
    report = run_import(store, "completions", FIXTURES / "completions-good.json")
    assert report.records == 2
    report = run_import(store, "badges", FIXTURES.parents[2] / "demo" / "badges.yaml")
    assert report.records == 43
    assert store.validate_all() == []


def test_people_mapping_file(fresh):
    report = run_import(fresh, "people", FIXTURES / "people-mapped.csv",
                        options={"mapping": FIXTURES / "people-mapping.yaml", "source": "people-mapped"})
    assert report.records == 1
    assert fresh.select("SELECT ?p WHERE { ?p mf:username 'zed' ; mf:territory ?t }")


def test_mediawiki_samples_plain_bz2_utf16():
    store = GraphStore.in_memory()
    report = run_import(store, "mediawiki", DUMPS / "article-pear-0.10.xml")
    assert report.records == 1
    row = store.select("SELECT ?src ?b ?l WHERE { ?a a mf:WikiPage ; dct:source ?src ; mf:body ?b ; dct:language ?l }")
    assert str(row[0]["src"]) == "http://en.wikipedia.org/wiki/Pear"
    assert "{{" not in str(row[0]["b"]) and "[[" not in str(row[0]["b"]) and str(row[0]["l"]) == "en"
    assert row[0]["b"].language == "en"
    for name in ["article-pyrus.xml.bz2", "article-pyrus-utf16.xml"]:
        assert run_import(store, "mediawiki", DUMPS / name).records == 1  # a redirect: read, not imported


def test_rdf_into_its_own_graph():
    store = GraphStore.in_memory()
    run_import(store, "rdf", FIXTURES / "skos.ttl")
    assert store.record(store.logical_graph("rdf-skos", "public")) is not None


def test_base_sources_load_together_on_disk(disk_store):
    """The demo's base sources import into an empty on-disk store (timed in bench/ingest_bench.py)."""
    for kind, path in BASE_SOURCES:
        report = run_import(disk_store, kind, path)
        assert report.results and not report.errors
    assert disk_store.validate_all() == []
