"""Who each node belongs to, and which people may be published: the public replica's rule.

ARCHITECTURE.md, "Who sees what": a person, and everything about them (skill claims,
languages, badge awards, training completions, role assignments, endorsements), reaches the
SPARQL endpoint, linked data and harvests only when their visibility is public *and* they
gave federation consent. The replica (replica.py) asks :meth:`Ownership.withholds` about
every quad it might publish: a quad is withheld when its subject or its object belongs to a
person who may not be published. Who a node belongs to is worked out from the whole store,
every access level, and never from the graph the quad sits in nor from a type in that graph
(a person's type may be in a members-only graph while an award naming them is in a public
one).

Who a node belongs to:

- a **person** belongs to themself. A person is an IRI typed ``mf:Person``, the subject of a
  property whose domain is ``mf:Person`` that the rule reads (``mf:hasClaim``, ``mf:speaks``,
  ``mf:visibility``, ``mf:federationConsent``), or the object of a person link;
- a node that points at a person through a **person link** belongs to them: every property
  whose ``rdfs:range`` is ``mf:Person`` in the ontology (an award's ``mf:recipient``, a
  completion's ``mf:person``, and whatever is added later: endorsements, mentorships,
  attendance) and W3C ORG's ``org:member`` (a role assignment);
- a **part** of a person belongs to them: the object of ``mf:hasClaim`` or ``mf:speaks``
  (a claim a badge award created is ``{award}#claim-n``, not under the person's IRI);
- ``{node}#anything`` belongs to whoever ``{node}`` belongs to (a person's claims and role
  assignments, an award's recipient node), and a skolemized blank node
  (``/.well-known/genid/...``) to whoever the nodes pointing at it belong to.

A node may belong to several people (an endorsement names two); it is withheld unless all
of them may be published.

Who may be published: a person whom one published (public) graph describes as ``rdf:type
mf:Person``, ``mf:visibility mf:Public`` and ``mf:federationConsent true`` *together*, i.e.
their own profile graph (a statement of consent about them in any other graph, such as an
RDF file someone loaded or a harvested peer graph, counts for nothing), and whom no graph
of any access level gives another visibility or consent.

The index is built with one pattern scan per predicate above (:meth:`Ownership.scan`), not
a lookup per subject, and kept up to date for the nodes a change touches
(:meth:`Ownership.refresh`, a few lookups per node). Both read quads through the same
:class:`_Facts`, so the two cannot disagree on the rule.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Iterable, Iterator

import pyoxigraph as ox

from ontology import MF, ONTOLOGY_PATH, ORG, RDF, RDFS, XSD

from .terms import named

TYPE = named(RDF.type)
PERSON = named(MF.Person)
CONSENT = named(MF.federationConsent)
VISIBILITY = named(MF.visibility)
PUBLIC_VISIBILITY = named(MF.Public)
BOOLEAN = named(XSD.boolean)
#: properties from a person to a node that exists only for them (rdfs:domain mf:Person)
PARTS = (named(MF.hasClaim), named(MF.speaks))
#: what a person says about being published (rdfs:domain mf:Person)
PROFILE = (CONSENT, VISIBILITY)
GENID = "/.well-known/genid/"
NOBODY: frozenset[str] = frozenset()


@lru_cache(maxsize=1)
def person_links() -> tuple[ox.NamedNode, ...]:
    """Properties whose value is a person: those with ``rdfs:range mf:Person`` in the ontology,
    and ``org:member`` (W3C ORG: the agent of a membership, here of a role assignment)."""
    ontology = ox.parse(path=str(ONTOLOGY_PATH), format=ox.RdfFormat.TURTLE)
    ranged = {t.subject.value for t in ontology if t.predicate.value == RDFS.range and t.object == PERSON}
    return tuple(named(p) for p in sorted(ranged | {ORG.member}))


def _base(iri: str) -> str:
    return iri.split("#", 1)[0]


def _is_true(term) -> bool:
    return isinstance(term, ox.Literal) and term.datatype == BOOLEAN and term.value in ("true", "1")


class _Facts:
    """What quads say about people and ownership, however they were found (a scan of a
    predicate, or lookups around a few nodes)."""

    def __init__(self, published_graphs: set[ox.NamedNode]):
        self._published_graphs = published_graphs
        self._person_links = set(person_links())
        self.people: set[str] = set()
        self.links: dict[str, set[str]] = {}  # node -> the people it points at or is a part of
        self._typed: dict[str, set[ox.NamedNode]] = {}  # person -> published graphs typing them
        self._consenting: dict[str, set[ox.NamedNode]] = {}  # ... stating their consent
        self._visible: dict[str, set[ox.NamedNode]] = {}  # ... stating their public visibility
        self._refusing: set[str] = set()  # people some graph gives another consent or visibility

    def read(self, quad: ox.Quad) -> None:
        s, p, o, g = quad.subject, quad.predicate, quad.object, quad.graph_name
        if not isinstance(s, ox.NamedNode):
            return
        published = g in self._published_graphs
        if p == TYPE:
            if o == PERSON:
                self.people.add(s.value)
                if published:
                    self._typed.setdefault(s.value, set()).add(g)
        elif p in PARTS:
            self.people.add(s.value)
            # a part under the person's own IRI belongs to them by its name; no need to keep it
            if isinstance(o, ox.NamedNode) and _base(o.value) != s.value:
                self.links.setdefault(o.value, set()).add(s.value)
        elif p == CONSENT:
            self.people.add(s.value)
            if not _is_true(o):
                self._refusing.add(s.value)
            elif published:
                self._consenting.setdefault(s.value, set()).add(g)
        elif p == VISIBILITY:
            self.people.add(s.value)
            if o != PUBLIC_VISIBILITY:
                self._refusing.add(s.value)
            elif published:
                self._visible.setdefault(s.value, set()).add(g)
        elif p in self._person_links and isinstance(o, ox.NamedNode):
            self.people.add(o.value)
            self.links.setdefault(s.value, set()).add(o.value)

    def publishable(self) -> set[str]:
        """People whose own published graph types them, makes them public and has their consent."""
        return {person for person, graphs in self._typed.items() if person not in self._refusing
                and graphs & self._consenting.get(person, set()) & self._visible.get(person, set())}


class Ownership:
    """Who each node of a store belongs to, and which of those people may be published."""

    def __init__(self, store, published_graphs: Iterable[str]):
        self._store = store
        self._active = {named(g) for g in store.active_graphs()}
        self._published_graphs = {named(g) for g in published_graphs}
        self.people: set[str] = set()
        self.publishable: set[str] = set()
        self._links: dict[str, frozenset[str]] = {}
        self._genid_owners: dict[str, frozenset[str]] = {}

    @classmethod
    def scan(cls, store, published_graphs: Iterable[str]) -> "Ownership":
        """The index of the whole store: one pattern scan per predicate the rule reads."""
        index = cls(store, published_graphs)
        facts = _Facts(index._published_graphs)
        for quad in index._quads(None, TYPE, PERSON):
            facts.read(quad)
        for predicate in (*PARTS, *PROFILE, *person_links()):
            for quad in index._quads(None, predicate, None):
                facts.read(quad)
        index.people = facts.people
        index.publishable = facts.publishable()
        index._links = {node: frozenset(people) for node, people in facts.links.items()}
        return index

    def refresh(self, published_graphs: Iterable[str], nodes: Iterable[str]) -> None:
        """Read again what the store says about ``nodes`` (every subject and object of a change):
        whether each is a person, whether they may be published, whom each points at."""
        self._active = {named(g) for g in self._store.active_graphs()}
        self._published_graphs = {named(g) for g in published_graphs}
        self._genid_owners.clear()
        for iri in set(nodes):
            node = named(iri)
            facts = _Facts(self._published_graphs)
            for quad in self._around(node):
                facts.read(quad)
            # commit only what these quads say about this node itself: the rest is partial
            _set_membership(self.people, iri, iri in facts.people)
            _set_membership(self.publishable, iri, iri in facts.publishable())
            if facts.links.get(iri):
                self._links[iri] = frozenset(facts.links[iri])
            else:
                self._links.pop(iri, None)

    def _around(self, node: ox.NamedNode) -> Iterator[ox.Quad]:
        """Every quad that can make a fact about ``node`` (as a person or as an owned node)."""
        yield from self._quads(node, TYPE, PERSON)
        for predicate in PROFILE:
            yield from self._quads(node, predicate, None)
        for predicate in (*PARTS, *person_links()):
            yield from self._quads(node, predicate, None)
            yield from self._quads(None, predicate, node)

    def _quads(self, s, p, o) -> Iterator[ox.Quad]:
        # the engine is looked up each time, never kept: an erasure swaps it for a rewritten one
        for quad in self._store._store.quads_for_pattern(s, p, o, None):
            if quad.graph_name in self._active:
                yield quad

    # -- the rule ---------------------------------------------------------------------------

    def owners(self, term) -> frozenset[str]:
        """The people a term belongs to (none for a literal or an impersonal node)."""
        if not isinstance(term, ox.NamedNode):
            return NOBODY
        return self._owners(term.value, frozenset())

    def _owners(self, iri: str, seen: frozenset[str]) -> frozenset[str]:
        found = self._links.get(iri, NOBODY)
        if iri in self.people:
            found = found | {iri}
        base = _base(iri)
        if base != iri:
            found = found | self._owners(base, seen)
        if GENID in iri and iri not in seen:
            found = found | self._genid_parents_owners(iri, seen | {iri})
        return found

    def _genid_parents_owners(self, iri: str, seen: frozenset[str]) -> frozenset[str]:
        cached = self._genid_owners.get(iri)
        if cached is None:
            cached = NOBODY
            for quad in self._quads(None, None, named(iri)):
                if isinstance(quad.subject, ox.NamedNode):
                    cached = cached | self._owners(quad.subject.value, seen)
            self._genid_owners[iri] = cached
        return cached

    def withheld(self, term) -> bool:
        """True when the term belongs to someone who may not be published."""
        return not self.owners(term) <= self.publishable

    def withholds(self, quad: ox.Quad) -> bool:
        """True when the quad mentions, as subject or object, someone who may not be published."""
        return self.withheld(quad.subject) or self.withheld(quad.object)

    def differences(self, other: "Ownership") -> set[str]:
        """Nodes whose owners may differ in ``other``, an index of a later state of the store."""
        linked = {node for node in self._links.keys() | other._links.keys()
                  if self._links.get(node) != other._links.get(node)}
        return linked | (self.people ^ other.people)

    def nodes_of(self, people: set[str]) -> set[str]:
        """The persons and the nodes linked to them (not their ``#`` parts, found by name)."""
        return set(people) | {node for node, owners in self._links.items() if owners & people}


def _set_membership(items: set[str], item: str, present: bool) -> None:
    if present:
        items.add(item)
    else:
        items.discard(item)


__all__ = ["Ownership", "person_links", "PARTS"]
