"""Attack: triples about a withheld person reach the public replica by a path the importers
do not take (issue 12, item 2; the rule is graph/ownership.py).

Each test writes, through the store's validated writes, a shape of data someone can load
(``maarifa load``, a SPARQL update, a harvest) into a *public* graph: a node naming two
people, a skolemized blank node under an award, a claim outside the person's IRI, a fragment
nothing links to, a node that later gains a link to a person. The replica is the real one on
disk; after every sync it must also equal a rebuild from scratch (the two paths apply one rule).
"""

from __future__ import annotations

import pytest
import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

from graph import Change
from graph.ownership import person_links
from graph.replica import PublicReplica
from ontology import DCT, MF, OBI, ONTOLOGY_PATH, ORG, RDF, SCHEMA

from ..factories import iri, person, taxonomy

U = URIRef
OPEN, SHY, MEMBER = iri("person", "open"), iri("person", "shy"), iri("person", "member")
WITHHELD = (SHY, MEMBER)


def _consent(triples: list, subject: URIRef, value: bool) -> list:
    return [t for t in triples if not (t[0] == subject and t[1] == U(MF.federationConsent))] + [
        (subject, U(MF.federationConsent), Literal(value))]


@pytest.fixture
def replica(store, tmp_path):
    """Skills; ``open`` (public, consenting), ``shy`` (public, no consent), ``member`` (members only)."""
    store.apply(Change().adding(store.logical_graph("taxonomy", "public"), taxonomy()))
    store.apply(Change().adding(store.logical_graph("people", "public"),
                                person("open", {"1": 2}) + _consent(person("shy", {"1": 3}), SHY, False)))
    store.apply(Change().adding(store.logical_graph("people", "members"),
                                person("member", {"2": 1}, visibility="MembersOnly")))
    replica = PublicReplica(store, tmp_path / "replica")
    replica.rebuild()
    yield replica
    replica.close()


def extra(store) -> str:
    return store.logical_graph("loaded", "public")


def terms(replica) -> set[str]:
    return {t.value for q in replica.quads() for t in (q.subject, q.object) if hasattr(t, "value")}


def mentions(replica, node: URIRef) -> list[str]:
    return [str(q) for q in replica.quads()
            if any(getattr(t, "value", "").split("#")[0] == str(node) for t in (q.subject, q.object))]


def sync(replica) -> None:
    """Apply the feed, then check that a rebuild from scratch publishes exactly the same."""
    while replica.sync():
        pass
    synced = sorted(map(str, replica.quads()))
    replica.rebuild()
    rebuilt = sorted(map(str, replica.quads()))
    assert set(synced) - set(rebuilt) == set() and set(rebuilt) - set(synced) == set()
    assert rebuilt == synced


def set_consent(store, subject: URIRef, value: bool) -> None:
    graph = store.logical_graph("people", "public")
    store.apply(Change().removing(graph, [(subject, U(MF.federationConsent), Literal(not value))])
                .adding(graph, [(subject, U(MF.federationConsent), Literal(value))]))


def test_person_links_are_every_property_the_ontology_ranges_over_people():
    ontology = rdflib.Graph().parse(ONTOLOGY_PATH, format="turtle")
    ranged = {str(p) for p in ontology.subjects(rdflib.RDFS.range, U(MF.Person))}
    assert ranged >= {MF.recipient, MF.person}
    assert {n.value for n in person_links()} == ranged | {ORG.member}


def test_a_node_naming_two_people_is_published_only_when_both_may_be(store, replica):
    endorsement = iri("endorsement", "e1")
    store.apply(Change().adding(extra(store), [
        (endorsement, U(MF.recipient), OPEN), (endorsement, U(MF.person), SHY),
        (endorsement, U(SCHEMA.text), Literal("A patient mentor")),
    ]))
    sync(replica)
    assert str(endorsement) not in terms(replica)
    set_consent(store, SHY, True)
    sync(replica)
    assert len(mentions(replica, endorsement)) == 3


def test_a_skolemized_blank_node_belongs_to_what_points_at_it(store, replica):
    blank = BNode("recipient1")
    award = iri("award", "a1")
    store.apply(Change().adding(extra(store), [
        (award, U(MF.recipient), SHY), (award, U(OBI.recipient), blank),
        (blank, U(OBI.identityHash), Literal("sha256$0123")),
    ]))
    sync(replica)
    assert not [q for q in replica.quads() if "/.well-known/genid/" in str(q)]
    set_consent(store, SHY, True)
    sync(replica)
    assert [q for q in replica.quads() if "/.well-known/genid/" in str(q.subject)]


def test_a_claim_outside_the_persons_iri_in_another_graph_is_withheld(store, replica):
    claim = iri("claim", "c9")
    store.apply(Change().adding(extra(store), [
        (SHY, U(MF.hasClaim), claim), (claim, U(RDF.type), U(MF.SkillClaim)), (claim, U(MF.skill), iri("skill", "2")),
        (claim, U(MF.level), Literal("4", datatype=XSD.integer)), (claim, U(MF.claimStatus), U(MF.Known)),
    ]))
    sync(replica)
    assert str(claim) not in terms(replica) and str(SHY) not in terms(replica)


def test_a_members_only_person_is_withheld_in_a_public_graph_holding_no_type_of_theirs(store, replica):
    completion = iri("completion", "member--x")
    store.apply(Change().adding(extra(store), [
        (completion, U(MF.person), MEMBER), (completion, U(DCT.source), Literal("loaded.ttl")),
        (MEMBER, U(SCHEMA.knowsAbout), Literal("Grant writing")),
    ]))
    sync(replica)
    assert mentions(replica, completion) == [] and mentions(replica, MEMBER) == []


def test_an_impersonal_node_keeps_its_triples_but_not_the_one_naming_a_withheld_person(store, replica):
    asset = iri("asset", "guide")
    store.apply(Change().adding(extra(store), [
        (asset, U(DCT.title), Literal("A guide", lang="en")), (asset, U(DCT.creator), SHY),
        (asset, U(DCT.contributor), OPEN),
    ]))
    sync(replica)
    published = {q.predicate.value for q in replica.quads() if q.subject.value == str(asset)}
    assert published == {DCT.title, DCT.contributor}


def test_a_fragment_nothing_links_to_goes_when_consent_is_withdrawn(store, replica):
    note = U(f"{OPEN}#note")
    store.apply(Change().adding(extra(store), [(note, U(SCHEMA.text), Literal("call me on Tuesdays"))]))
    sync(replica)
    assert mentions(replica, OPEN)
    assert str(note) in terms(replica)
    set_consent(store, OPEN, False)
    sync(replica)
    assert mentions(replica, OPEN) == []


def test_a_part_whose_link_was_removed_goes_with_its_person(store, replica):
    claim = U(f"{OPEN}#claim-1")
    people = store.logical_graph("people", "public")
    store.apply(Change().removing(people, [(OPEN, U(MF.hasClaim), claim)]))
    while replica.sync():  # no rebuild in between: the sync itself must remember the part
        pass
    assert str(claim) in terms(replica)  # still published on its own, its IRI naming the person
    set_consent(store, OPEN, False)
    sync(replica)
    assert mentions(replica, OPEN) == []


def test_a_published_node_that_gains_a_link_to_a_withheld_person_is_withdrawn_with_its_parts(store, replica):
    node = iri("endorsement", "e2")
    part = U(f"{node}#quote")
    store.apply(Change().adding(extra(store), [
        (node, U(SCHEMA.text), Literal("Thanks!")), (node, U(SCHEMA.hasPart), part),
        (part, U(SCHEMA.text), Literal("She taught me SPARQL")),
    ]))
    sync(replica)
    assert len(mentions(replica, node)) == 3
    link = [(node, U(MF.recipient), SHY)]
    store.apply(Change().adding(extra(store), link))
    sync(replica)
    assert mentions(replica, node) == []
    store.apply(Change().removing(extra(store), link))
    sync(replica)
    assert len(mentions(replica, node)) == 3


def test_a_new_process_syncs_a_withdrawal_with_no_index_of_its_own(store, replica, tmp_path):
    assert mentions(replica, OPEN)
    replica.close()
    set_consent(store, OPEN, False)
    again = PublicReplica(store, tmp_path / "replica")
    try:
        while again.sync():
            pass
        assert mentions(again, OPEN) == []
    finally:
        again.close()


def test_a_person_with_consent_but_members_only_visibility_is_withheld_even_in_a_public_graph(store, replica):
    lurker = iri("person", "lurker")
    store.apply(Change().adding(store.logical_graph("people", "public"),
                                person("lurker", {"3": 1}, visibility="MembersOnly")))
    sync(replica)
    assert mentions(replica, lurker) == []
