"""The ontology and the SHACL shapes: well-formed, documented, and doing what they say.

Fixtures live in tests/fixtures/shapes: ``valid.ttl`` must conform; each file in
``invalid/`` starts with ``# expect-focus: IRI`` and ``# expect-path: IRI`` comment lines
and must produce a violation with exactly that focus node and path and a message.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyshacl
import pytest
import rdflib
from rdflib import RDF as R, RDFS as RS, Literal, URIRef
from rdflib.namespace import SH as S

import ontology
from ontology import MF, ONTOLOGY_PATH, PREFIXES, SCHEMA, SKOS, DCT, XSD
from shapes import SHAPES_DIR, load_shapes, shape_files

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "shapes"
INVALID = sorted((FIXTURES / "invalid").glob("*.ttl"))
LANGS = {"en", "es", "fr", "ar"}
EXPECTED_SHAPE_FILES = {
    "skills.ttl", "people.ttl", "territories.ttl", "organizations.ttl",
    "roles.ttl", "assets.ttl", "badges.ttl", "provenance.ttl",
}


@pytest.fixture(scope="module")
def onto() -> rdflib.Graph:
    return rdflib.Graph().parse(ONTOLOGY_PATH, format="turtle")


def _langs(graph: rdflib.Graph, subject: URIRef, predicate: URIRef) -> set[str]:
    return {
        o.language for o in graph.objects(subject, predicate)
        if isinstance(o, Literal) and o.language and str(o).strip()
    }


def _mf_terms(graph: rdflib.Graph) -> set[URIRef]:
    return {t for t in graph.all_nodes() if isinstance(t, URIRef) and str(t) in MF}


# --- the namespace module -------------------------------------------------------------

def test_namespace_constants_are_plain_strings():
    assert ontology.MF.Person == "https://w3id.org/maarifa/ns#Person"
    assert type(ontology.MF.Person) is str
    assert DCT.title == "http://purl.org/dc/terms/title"  # not str.title
    assert DCT.format == "http://purl.org/dc/terms/format"
    assert SCHEMA["name"] == "https://schema.org/name"
    assert SKOS.Concept == "http://www.w3.org/2004/02/skos/core#Concept"
    assert ontology.ORG.Organization == "http://www.w3.org/ns/org#Organization"
    assert ontology.PROV.generatedAtTime == "http://www.w3.org/ns/prov#generatedAtTime"
    assert ontology.OBI.Assertion == "https://w3id.org/openbadges#Assertion"
    assert ontology.RDF.type == str(R.type)
    assert XSD.integer == "http://www.w3.org/2001/XMLSchema#integer"
    assert ontology.FOAF.Person == "http://xmlns.com/foaf/0.1/Person"
    assert PREFIXES["mf"] == str(MF) and PREFIXES["schema"] == "https://schema.org/"
    assert "PREFIX mf: <https://w3id.org/maarifa/ns#>" in ontology.sparql_header()


# --- parsing ----------------------------------------------------------------------------

def test_ontology_parses_and_is_an_owl_ontology(onto):
    ont = URIRef("https://w3id.org/maarifa/ns")
    assert (ont, R.type, rdflib.OWL.Ontology) in onto
    assert LANGS <= _langs(onto, ont, rdflib.DCTERMS.title)
    assert onto.value(ont, rdflib.DCTERMS.license) is not None


def test_shape_files_are_the_expected_families():
    assert {p.name for p in shape_files()} == EXPECTED_SHAPE_FILES
    assert all(p.parent == SHAPES_DIR for p in shape_files())


@pytest.mark.parametrize("path", shape_files(), ids=lambda p: p.name)
def test_shape_file_parses(path):
    assert len(rdflib.Graph().parse(path, format="turtle")) > 0


def test_load_shapes_is_cached():
    assert load_shapes() is load_shapes()


# --- documentation of the vocabulary ----------------------------------------------------

def test_every_mf_term_in_the_ontology_has_labels_and_comments_in_four_languages(onto):
    declared = {s for s in onto.subjects() if isinstance(s, URIRef) and str(s) in MF}
    assert declared, "no mf: terms declared"
    for term in _mf_terms(onto):
        assert term in declared, f"{term} is used in the ontology but not declared"
    for term in declared:
        assert (term, R.type, None) in onto, f"{term} has no rdf:type"
        assert _langs(onto, term, RS.label) >= LANGS, f"{term}: rdfs:label missing a language"
        assert _langs(onto, term, RS.comment) >= LANGS, f"{term}: rdfs:comment missing a language"


def test_every_mf_term_used_in_the_shapes_is_declared_with_labels(onto):
    used = _mf_terms(load_shapes())
    assert MF.Person in {str(t) for t in used}
    for term in sorted(used):
        assert (term, R.type, None) in onto, f"{term} is used in the shapes but not declared"
        missing = LANGS - _langs(onto, term, RS.label)
        assert not missing, f"{term}: no rdfs:label in {sorted(missing)}"


def test_every_mf_term_used_in_the_valid_fixture_is_declared(onto):
    data = rdflib.Graph().parse(FIXTURES / "valid.ttl", format="turtle")
    for term in _mf_terms(data):
        assert (term, R.type, None) in onto, f"{term} is not declared in the ontology"


# --- shape conventions code relies on -----------------------------------------------------

def _node_shapes(g: rdflib.Graph) -> set:
    return set(g.subjects(S.targetClass, None)) | set(g.subjects(R.type, S.NodeShape))


def test_every_shape_and_property_shape_has_a_name_and_a_message():
    g = load_shapes()
    shapes = _node_shapes(g) | set(g.objects(None, S.property))
    assert len(shapes) > 20
    for shape in shapes:
        label = g.value(shape, S.path) or shape
        msg = g.value(shape, S.message)
        assert isinstance(msg, Literal) and len(str(msg).strip()) > 10, f"{label}: no sh:message"
        assert g.value(shape, S.name) is not None, f"{label}: no sh:name"


def test_every_node_shape_has_a_target_class():
    g = load_shapes()
    for shape in g.subjects(R.type, S.NodeShape):
        assert g.value(shape, S.targetClass) is not None, f"{shape}: no sh:targetClass"


def test_every_path_is_a_single_predicate_iri():
    g = load_shapes()
    for shape, path in g.subject_objects(S.path):
        assert isinstance(path, URIRef), f"{shape}: sh:path {path!r} is not a single IRI"


def test_only_shacl_core():
    g = load_shapes()
    for forbidden in (S.sparql, S.select, S.ask, S.SPARQLConstraint, S.rule, S.target):
        assert (None, forbidden, None) not in g and (None, None, forbidden) not in g, forbidden


def test_valid_fixture_has_an_instance_for_every_node_shape():
    g = load_shapes()
    data = rdflib.Graph().parse(FIXTURES / "valid.ttl", format="turtle")
    typed = set(data.objects(None, R.type))
    for shape in _node_shapes(g):
        # a shape targeting a family (e.g. every asset class) needs one example of it
        assert typed & set(g.objects(shape, S.targetClass)), f"valid.ttl exercises no {shape}"


# --- validation -------------------------------------------------------------------------------

def _validate(path: Path):
    data = rdflib.Graph().parse(path, format="turtle")
    conforms, report, text = pyshacl.validate(
        data, shacl_graph=load_shapes(), inference="none", allow_warnings=False
    )
    return conforms, report, text


def test_valid_fixture_conforms():
    conforms, _, text = _validate(FIXTURES / "valid.ttl")
    assert conforms, text


def _expectations(path: Path) -> tuple[str, str]:
    head = path.read_text(encoding="utf-8")
    focus = re.search(r"^# expect-focus: (\S+)$", head, re.M)
    rpath = re.search(r"^# expect-path: (\S+)$", head, re.M)
    assert focus and rpath, f"{path.name}: missing # expect-focus / # expect-path lines"
    return focus.group(1), rpath.group(1)


def test_there_are_enough_invalid_fixtures():
    assert len(INVALID) >= 15


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_fixture_is_rejected_with_focus_path_and_message(path):
    focus, rpath = _expectations(path)
    conforms, report, text = _validate(path)
    assert not conforms, f"{path.name} unexpectedly conforms"
    found = []
    for result in report.subjects(R.type, S.ValidationResult):
        f = report.value(result, S.focusNode)
        p = report.value(result, S.resultPath)
        messages = [str(m).strip() for m in report.objects(result, S.resultMessage)]
        found.append((str(f), str(p)))
        if f == URIRef(focus) and p == URIRef(rpath):
            assert any(messages), f"{path.name}: result without a message"
            assert report.value(result, S.resultSeverity) == S.Violation
            return
    pytest.fail(f"{path.name}: no result for focus {focus} path {rpath}; got {found}\n{text}")
