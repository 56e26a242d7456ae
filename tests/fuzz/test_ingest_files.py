"""Fuzzing every single-file importer (issue 13): damaged copies of the real inputs in demo/data
and tests/fixtures/ingest are imported through :func:`ingest.run_import` into a real on-disk
store; each is imported, or rejected with located errors leaving store, feed and search index
unchanged (:mod:`tests.fuzz.importing`). The training folder has its own module
(test_ingest_training.py), the command line its own (test_ingest_cli.py)."""

from __future__ import annotations

import bz2
import gzip
import json

import pyoxigraph as ox
import pytest
from hypothesis import given
from hypothesis import strategies as st

from .importing import DATA, FIXTURES, Node, write
from .mutations import mutated_bytes, mutated_document

TAXONOMY = DATA / "capx_taxonomy"
CAPACITIES = TAXONOMY / "capx-frontend/src/app/capacities_visualization/data"
ORGS_JSON = TAXONOMY / "capx-backend/fixtures/orgs.json"
TRAINING = DATA / "wikiedu_training"
MAPPINGS = DATA / "mappings"
BADGES = DATA.parent / "badges.yaml"
PEOPLE = FIXTURES / "people-good.csv"
DUMP = DATA / "mediawiki_dumps" / "article-pear.xml"

#: what every target's node holds: the demo's sources, in the order they depend on each other
BASE = [("taxonomy", TAXONOMY, {}), ("orgs", TAXONOMY, {}), ("training", TRAINING, {}),
        ("mappings", MAPPINGS / "training-capacities.yaml", {}), ("roles", MAPPINGS / "roles.yaml", {}),
        ("people", PEOPLE, {})]


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    loaded = Node(tmp_path_factory.mktemp("fuzz-ingest"), BASE)
    yield loaded
    loaded.close()


def completions_csv() -> bytes:
    rows = json.loads((FIXTURES / "completions-good.json").read_bytes())
    return ("username,module,completed_at\n" + "".join(
        f"{r['username']},{r['module']},{r['completed_at']}\n" for r in rows)).encode("utf-8")


# -- JSON: taxonomy and organizations ---------------------------------------------------------

@given(file=st.sampled_from(["capacities.json", "capacities_descriptions.json"]), data=st.data())
def test_taxonomy_json(node, file, data):
    folder = node.example_dir()
    for name in ("capacities.json", "capacities_descriptions.json"):
        seed = (CAPACITIES / name).read_bytes()
        write(folder, name, data.draw(mutated_document(seed, "json"), label=name) if name == file else seed)
    node.check_import("taxonomy", folder / "capacities.json", names={"capacities.json", "capacities_descriptions.json"},
                      restore=(TAXONOMY, {}))


@given(damaged=mutated_document((FIXTURES / "skos.ttl").read_bytes(), "turtle"))
def test_taxonomy_skos(node, damaged):
    path = write(node.example_dir(), "skos.ttl", damaged)
    node.check_import("taxonomy", path, names={"skos.ttl"}, restore=(TAXONOMY, {}))


@given(damaged=mutated_document(ORGS_JSON.read_bytes(), "json"))
def test_orgs_json(node, damaged):
    path = write(node.example_dir(), "orgs.json", damaged)
    node.check_import("orgs", path, names={"orgs.json"}, restore=(TAXONOMY, {}))


# -- CSV and JSON: people and completions ---------------------------------------------------------

@given(damaged=mutated_document(PEOPLE.read_bytes(), "csv"))
def test_people_csv(node, damaged):
    path = write(node.example_dir(), "people.csv", damaged)
    node.check_import("people", path, names={"people.csv"}, restore=(PEOPLE, {}))


@given(file=st.sampled_from(["people-mapped.csv", "people-mapping.yaml"]), data=st.data())
def test_people_csv_with_a_mapping(node, file, data):
    folder = node.example_dir()
    for name, syntax in (("people-mapped.csv", "csv"), ("people-mapping.yaml", "yaml")):
        seed = (FIXTURES / name).read_bytes()
        write(folder, name, data.draw(mutated_document(seed, syntax), label=name) if name == file else seed)
    node.check_import("people", folder / "people-mapped.csv", names={"people-mapped.csv", "people-mapping.yaml"},
                      options={"mapping": folder / "people-mapping.yaml", "source": "people-mapped"})


@given(damaged=mutated_document(completions_csv(), "csv"))
def test_completions_csv(node, damaged):
    path = write(node.example_dir(), "completions.csv", damaged)
    node.check_import("completions", path, names={"completions.csv"})


@given(damaged=mutated_document((FIXTURES / "completions-good.json").read_bytes(), "json"))
def test_completions_json(node, damaged):
    path = write(node.example_dir(), "completions.json", damaged)
    node.check_import("completions", path, names={"completions.json"})


# -- YAML: mappings, roles, badges -------------------------------------------------------------

@pytest.mark.parametrize("kind, seed", [("mappings", MAPPINGS / "training-capacities.yaml"),
                                        ("roles", MAPPINGS / "roles.yaml"), ("badges", BADGES)],
                         ids=["mappings", "roles", "badges"])
@given(data=st.data())
def test_yaml_files(node, kind, seed, data):
    damaged = data.draw(mutated_document(seed.read_bytes(), "yaml"), label=seed.name)
    path = write(node.example_dir(), seed.name, damaged)
    node.check_import(kind, path, names={seed.name}, restore=(seed, {}) if kind != "badges" else None)


# -- MediaWiki XML, plain and compressed -----------------------------------------------------------

COMPRESSIONS = {"": lambda b: b, ".bz2": bz2.compress, ".gz": gzip.compress}


@pytest.mark.parametrize("suffix", sorted(COMPRESSIONS), ids=["plain", "bz2", "gz"])
@given(data=st.data())
def test_mediawiki_xml(node, suffix, data):
    compress = COMPRESSIONS[suffix]
    seed = DUMP.read_bytes()
    # damage the XML inside the archive, or the archive itself (truncated, bytes flipped)
    damaged = data.draw(st.one_of(mutated_bytes(seed).map(compress), mutated_bytes(compress(seed)))
                        if suffix else mutated_bytes(seed))
    name = DUMP.name + suffix
    node.check_import("mediawiki", write(node.example_dir(), name, damaged), names={name})


# -- RDF in each format --------------------------------------------------------------------------

RDF_FORMATS = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "nq": ox.RdfFormat.N_QUADS,
               "trig": ox.RdfFormat.TRIG, "jsonld": ox.RdfFormat.JSON_LD, "rdf": ox.RdfFormat.RDF_XML}


def rdf_seed(extension: str) -> bytes:
    """tests/fixtures/ingest/skos.ttl written in the format of ``extension`` (in a named graph
    for the formats of datasets)."""
    triples = list(ox.parse(path=FIXTURES / "skos.ttl", format=ox.RdfFormat.TURTLE))
    fmt = RDF_FORMATS[extension]
    if fmt.supports_datasets and fmt is not ox.RdfFormat.JSON_LD:
        graph = ox.NamedNode("http://example.org/graph")
        return ox.serialize([ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples], format=fmt)
    return ox.serialize(triples, format=fmt)


@pytest.mark.parametrize("extension", sorted(RDF_FORMATS))
def test_rdf_seeds_are_valid(node, extension):
    """The seeds import: else every damaged copy would be rejected, and the target test nothing."""
    path = write(node.example_dir(), f"seed.{extension}", rdf_seed(extension))
    assert node.check_import("rdf", path, names={path.name}) is None


@pytest.mark.parametrize("extension", sorted(RDF_FORMATS))
@given(data=st.data())
def test_rdf(node, extension, data):
    seed = rdf_seed(extension)
    damaged = data.draw(mutated_document(seed, "json" if extension == "jsonld" else extension))
    name = f"fuzzed.{extension}"
    node.check_import("rdf", write(node.example_dir(), name, damaged), names={name})
