"""The compiled SHACL checks in the store: SHACL Core constructs the old compiler got silently
wrong (issue 11, item 9), refusal with a pySHACL fallback, and the choice of the nodes a change
re-validates. Each test builds an on-disk store with a small shapes graph of its own."""

from __future__ import annotations

import pytest
from rdflib import Graph

from graph import Change, GraphStore, SourceGraphs, ValidationFailed
from graph.validation import CompiledValidator

from ..conftest import BASE, snapshot

PREFIXES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <http://example.org/> .
"""
EX = "http://example.org/"
GRAPH = BASE + "/graph/test/public"


def shapes(turtle: str) -> Graph:
    return Graph().parse(data=PREFIXES + turtle, format="turtle")


def triples(turtle: str) -> list:
    return list(Graph().parse(data=PREFIXES + turtle, format="turtle"))


@pytest.fixture
def open_store(tmp_path):
    opened = []

    def make(shapes_turtle: str) -> GraphStore:
        store = GraphStore.open(tmp_path / f"data{len(opened)}", base_url=BASE, create=True,
                                command="pytest", shapes=shapes(shapes_turtle))
        opened.append(store)
        return store
    yield make
    for store in opened:
        store.close()


def add(store: GraphStore, turtle: str, graph: str = GRAPH):
    return store.apply(Change().adding(graph, triples(turtle)))


def remove(store: GraphStore, turtle: str, graph: str = GRAPH):
    return store.apply(Change().removing(graph, triples(turtle)))


def rejected(store: GraphStore, write) -> list:
    before = snapshot(store)
    with pytest.raises(ValidationFailed) as failed:
        write()
    assert snapshot(store) == before, "a rejected write changed the store"
    return failed.value.violations


# -- the four constructs of the issue ------------------------------------------------------

NAMED = "sh:property [ sh:path ex:name ; sh:minCount 1 ] ."


def test_a_shape_that_is_also_a_class_targets_its_instances(open_store):
    store = open_store(f"ex:Thing a rdfs:Class, sh:NodeShape ; {NAMED}")
    [v] = rejected(store, lambda: add(store, "ex:t a ex:Thing ."))
    assert (v.node, v.path) == (EX + "t", EX + "name")
    assert v.shape.startswith("_:")  # the property shape, a blank node
    assert v.component == "http://www.w3.org/ns/shacl#MinCountConstraintComponent"
    add(store, 'ex:t a ex:Thing ; ex:name "t" .')


def test_target_class_reaches_instances_of_subclasses(open_store):
    store = open_store(f"ex:S a sh:NodeShape ; sh:targetClass ex:Super ; {NAMED}\nex:Sub rdfs:subClassOf ex:Super .")
    [v] = rejected(store, lambda: add(store, "ex:x a ex:Sub ."))
    assert (v.node, v.path) == (EX + "x", EX + "name")


def test_target_class_reaches_instances_of_subclasses_in_the_ontology(open_store):
    # the store does not hold the ontology: mf:Country rdfs:subClassOf mf:Territory comes from it
    store = open_store("""ex:S a sh:NodeShape ; sh:targetClass <https://w3id.org/maarifa/ns#Territory> ;
                          sh:property [ sh:path ex:code ; sh:minCount 1 ] .""")
    [v] = rejected(store, lambda: add(store, "ex:ke a <https://w3id.org/maarifa/ns#Country> ."))
    assert v.node == EX + "ke"


def test_a_subclass_statement_added_later_re_checks_the_instances(open_store):
    store = open_store(f"ex:S a sh:NodeShape ; sh:targetClass ex:Super ; {NAMED}")
    add(store, "ex:x a ex:Sub .", graph=BASE + "/graph/things/public")
    [v] = rejected(store, lambda: add(store, "ex:Sub rdfs:subClassOf ex:Super ."))
    assert v.node == EX + "x"


def test_sh_class_accepts_an_instance_of_a_subclass(open_store):
    store = open_store("""ex:S a sh:NodeShape ; sh:targetClass ex:Person ;
                          sh:property [ sh:path ex:home ; sh:class ex:Place ] .
                          ex:City rdfs:subClassOf ex:Place .""")
    add(store, "ex:p a ex:Person ; ex:home ex:nairobi . ex:nairobi a ex:City .")
    [v] = rejected(store, lambda: add(store, "ex:q a ex:Person ; ex:home ex:moon . ex:moon a ex:Rock ."))
    assert (v.node, v.value) == (EX + "q", f"<{EX}moon>")


def test_a_property_shape_inside_a_property_shape_is_checked(open_store):
    store = open_store("""ex:S a sh:NodeShape ; sh:targetClass ex:Person ;
                          sh:property [ sh:path ex:address ; sh:property ex:CityShape ] .
                          ex:CityShape sh:path ex:city ; sh:minCount 1 .""")
    [v] = rejected(store, lambda: add(store, "ex:p a ex:Person ; ex:address ex:a ."))
    # the nested shape's focus node is the value of the outer path (SHACL 1.0, 4.5.2)
    assert (v.node, v.path, v.shape) == (EX + "a", EX + "city", EX + "CityShape")
    add(store, 'ex:p a ex:Person ; ex:address ex:a . ex:a ex:city "Dakar" .')
    # the address is not a target itself: removing its city must re-check who points at it
    [v] = rejected(store, lambda: remove(store, 'ex:a ex:city "Dakar" .'))
    assert v.node == EX + "a"


def test_a_property_shape_with_its_own_target_checks_its_path(open_store):
    store = open_store("ex:P a sh:PropertyShape ; sh:targetClass ex:Person ; sh:path ex:name ; sh:minCount 1 .")
    [v] = rejected(store, lambda: add(store, "ex:p a ex:Person ."))
    assert (v.node, v.path, v.shape) == (EX + "p", EX + "name", EX + "P")


def test_annotations_do_not_make_a_shape_unsupported():
    graph = shapes(f"""ex:S a sh:NodeShape ; sh:targetClass ex:C ; rdfs:comment "why" ;
                       rdfs:seeAlso <https://www.w3.org/TR/shacl/> ; rdfs:subClassOf ex:Base ; {NAMED}""")
    assert CompiledValidator(graph).refused == {}


def test_the_project_shapes_are_compiled_whole():
    store = GraphStore.in_memory(BASE)
    assert store.validator.refused == {}
    assert store.validator.fallback is None


# -- refusal: never silently skipped -------------------------------------------------------

SPARQL_SHAPE = """
ex:NoSelfLinks a sh:NodeShape ; sh:targetClass ex:Page ;
    sh:sparql [ sh:message "links to itself" ;
                sh:select "SELECT $this WHERE { $this <http://example.org/link> $this }" ] .
"""


def test_an_unknown_shacl_parameter_refuses_the_shape_only():
    graph = shapes(f"ex:Odd a sh:NodeShape ; sh:targetClass ex:C ; sh:frobnicate 3 .\n"
                   f"ex:Fine a sh:NodeShape ; sh:targetClass ex:C ; {NAMED}")
    validator = CompiledValidator(graph)
    assert set(map(str, validator.refused)) == {EX + "Odd"}
    assert "sh:frobnicate" in validator.refused[next(iter(validator.refused))].reason or \
        "frobnicate" in str(validator.refused[next(iter(validator.refused))])
    assert validator.compiled.by_class[EX + "C"][0].node.endswith("Fine")


def test_a_refused_shape_is_checked_by_pyshacl_on_write(open_store):
    store = open_store(SPARQL_SHAPE + f"ex:Named a sh:NodeShape ; sh:targetClass ex:Page ; {NAMED}")
    assert set(map(str, store.validator.refused)) == {EX + "NoSelfLinks"}
    [v] = rejected(store, lambda: add(store, 'ex:p a ex:Page ; ex:name "p" ; ex:link ex:p .'))
    assert (v.node, v.shape, v.message) == (EX + "p", EX + "NoSelfLinks", "links to itself")
    [v] = rejected(store, lambda: add(store, "ex:q a ex:Page ; ex:link ex:p ."))
    assert (v.node, v.path) == (EX + "q", EX + "name")  # by the compiled shape, reported once
    add(store, 'ex:q a ex:Page ; ex:name "q" ; ex:link ex:p .')


# -- which nodes a change re-validates -------------------------------------------------------

def test_an_inverse_path_is_re_checked_when_someone_else_points_at_the_node(open_store):
    store = open_store("""ex:S a sh:NodeShape ; sh:targetClass ex:Post ;
                          sh:property [ sh:path [ sh:inversePath ex:wrote ] ; sh:maxCount 1 ] .""")
    add(store, "ex:post a ex:Post . ex:ada ex:wrote ex:post .")
    [v] = rejected(store, lambda: add(store, "ex:bob ex:wrote ex:post .", graph=BASE + "/graph/other/public"))
    assert (v.node, v.path) == (EX + "post", f"^<{EX}wrote>")


def test_objects_of_a_predicate_become_focus_nodes_literals_too(open_store):
    store = open_store("ex:S a sh:NodeShape ; sh:targetObjectsOf ex:homepage ; sh:nodeKind sh:IRI .")
    add(store, "ex:a ex:homepage <https://example.org/a> .")
    [v] = rejected(store, lambda: add(store, 'ex:b ex:homepage "not a link" .'))
    assert v.node == '"not a link"'


def test_a_node_that_loses_one_of_its_types_re_checks_who_points_at_it(open_store):
    store = open_store("""ex:S a sh:NodeShape ; sh:targetClass ex:Person ;
                          sh:property [ sh:path ex:memberOf ; sh:class ex:Org ] .""")
    things = SourceGraphs(name="orgs", label="orgs.ttl", importer="pytest", checksum="sha256:" + "1" * 64,
                          graphs={"public": triples("ex:wmke a ex:Org, ex:Chapter .")})
    store.replace_source(things)
    add(store, "ex:p a ex:Person ; ex:memberOf ex:wmke .")
    # the new version of the source still describes ex:wmke, as a chapter only
    again = SourceGraphs(name="orgs", label="orgs.ttl", importer="pytest", checksum="sha256:" + "2" * 64,
                         graphs={"public": triples("ex:wmke a ex:Chapter .")})
    [v] = rejected(store, lambda: store.replace_source(again))
    assert (v.node, v.path) == (EX + "p", EX + "memberOf")


def test_a_type_gained_under_sh_not_re_checks_who_points_at_it(open_store):
    store = open_store("""ex:S a sh:NodeShape ; sh:targetClass ex:Person ;
                          sh:property [ sh:path ex:friend ; sh:not [ sh:class ex:Bot ] ] .""")
    add(store, "ex:p a ex:Person ; ex:friend ex:r .")
    [v] = rejected(store, lambda: add(store, "ex:r a ex:Bot .", graph=BASE + "/graph/bots/public"))
    assert (v.node, v.path) == (EX + "p", EX + "friend")


def test_warnings_are_reported_but_do_not_reject_a_write(open_store):
    # a result takes the severity of the shape that produced it: here the property shape
    store = open_store("ex:S a sh:NodeShape ; sh:targetClass ex:C ; "
                       "sh:property [ sh:path ex:name ; sh:minCount 1 ; sh:severity sh:Warning ] .")
    add(store, "ex:c a ex:C .")
    [v] = store.validate_all()
    assert (v.node, v.severity) == (EX + "c", "Warning")
    assert [(w.node, w.severity) for w in store.validate_all(reference=True)] == [(EX + "c", "Warning")]
