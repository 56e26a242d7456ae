"""Attack: people without federation consent (or not public) reach the public replica.

Issue 12, item 2. ARCHITECTURE.md, "Who sees what": a person appears on the SPARQL endpoint,
linked data and harvests only when their visibility is public *and* they gave federation
consent; members-only and private people never. The replica used to decide who a triple is
about from a subject's ``rdf:type`` in the same graph, so ``person mf:hasClaim award#claim-1``
in the awards graph (no type there) was published for everyone who holds a badge.

The community here is made the way a node makes it: the real importers read generated files
(taxonomy, organizations, roles, a training, people of every visibility x consent with
claims and languages, completions, badge classes), the badge service issues each completion's
badge, and the profile service gives everyone a role. Who must be withheld is then worked out
from the main store with SPARQL (awards naming them, completions naming them, anything under
their IRI), independently of the replica's own rule, and the replica, ``/id/...`` and
``/sparql`` are checked against it: after a rebuild, and after incremental syncs in both
directions (consent withdrawn and given again, visibility changed).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Literal, URIRef

from badges import BadgeService, Issuer
from graph import Change
from graph.people import Profiles, Viewer
from ingest import run_import
from maarifa import wiring
from maarifa.settings import Settings
from ontology import MF
from web import create_app

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "demo" / "data"
BASE = "http://127.0.0.1:5000"
VISIBILITIES = ("public", "members", "private")
CONSENTS = ("yes", "no")
PER_KIND = 1  # one person of each visibility x consent (each profile update reads the whole taxonomy)
MODULE = "consent-basics"
TRAINING = """\
name: Consent basics
description: Who may see what, and why federation needs consent.
slides:
  - slug: who-sees-what
"""
SLIDE = """\
title: Who sees what
content: Public profiles reach other wikis only with federation consent.
"""
BADGES = f"""\
- slug: {MODULE}
  name: {{en: Consent basics}}
  description: {{en: Completed the training module "Consent basics".}}
  skills: ['113']
  training: {MODULE}
"""


def username(visibility: str, consent: str, n: int) -> str:
    return f"{visibility}-{consent}-{n}"


def full_name(visibility: str, consent: str, n: int) -> str:
    # distinct words per person, so no name is a substring of another person's
    return f"{visibility.title()} {'Yesconsent' if consent == 'yes' else 'Noconsent'} Number{'ABCDEFGH'[n]}"


PEOPLE = [(visibility, consent, n) for visibility in VISIBILITIES for consent in CONSENTS for n in range(PER_KIND)]
PUBLISHED = {username(*p) for p in PEOPLE if p[0] == "public" and p[1] == "yes"}
WITHHELD = {username(*p) for p in PEOPLE} - PUBLISHED


def person_iri(name: str) -> str:
    return f"{BASE}/id/person/{name}"


def write_sources(folder: Path) -> dict[str, Path]:
    """The files the importers read: every visibility x consent, each with claims and languages."""
    (folder / "training" / "modules").mkdir(parents=True)
    (folder / "training" / "modules" / f"{MODULE}.yml").write_text(TRAINING, encoding="utf-8")
    (folder / "training" / "slides").mkdir()
    (folder / "training" / "slides" / "who-sees-what.yml").write_text(SLIDE, encoding="utf-8")
    (folder / "badges.yaml").write_text(BADGES, encoding="utf-8")
    rows = ["username,name,email,languages,territory,organizations,visibility,federation_consent,mentoring,"
            "known,available,wanted"]
    completions = ["username,module,completed_at"]
    for visibility, consent, n in PEOPLE:
        name = username(visibility, consent, n)
        rows.append(f"{name},{full_name(visibility, consent, n)},{name}@example.org,sw:4;en:3,KE,AM,{visibility},"
                    f"{consent},yes,12:3,13:2,14:1")
        completions.append(f"{name},{MODULE},2025-03-0{n + 1}T10:00:00Z")
    (folder / "people.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (folder / "completions.csv").write_text("\n".join(completions) + "\n", encoding="utf-8")
    return {"training": folder / "training", "badges": folder / "badges.yaml", "people": folder / "people.csv",
            "completions": folder / "completions.csv"}


def settings_for(data_dir: Path) -> Settings:
    return Settings.load({"data_dir": data_dir, "base_url": BASE, "search_backend": "none"}, environ={})


def build_community(data_dir: Path, sources: Path) -> None:
    settings = settings_for(data_dir)
    wiring.init_data_dir(settings)
    files = write_sources(sources)
    with wiring.open_store(settings, "pytest") as store:
        for kind, path in [("taxonomy", DATA / "capx_taxonomy"), ("orgs", DATA / "capx_taxonomy"),
                           ("roles", DATA / "mappings" / "roles.yaml"), ("training", files["training"]),
                           ("people", files["people"]), ("completions", files["completions"]),
                           ("badges", files["badges"])]:
            report = run_import(store, kind, path)
            assert not report.errors, report.lines()
        issued = BadgeService(store, Issuer(name="Consent Test Chapter", base_url=BASE)).issue_pending()
        assert len(issued) == len(PEOPLE)
        profiles = Profiles(store)
        for visibility, consent, n in PEOPLE:
            profiles.update(username(visibility, consent, n),
                            {"roles": [{"role": "treasurer", "organization": "AM", "start": "2025-01-01"}]},
                            Viewer.admin())


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("consent")
    build_community(root / "data", root / "sources")
    return root / "data"


def open_node(data_dir: Path):
    """Services and a test client of the web app over a data directory."""
    settings = settings_for(data_dir)
    services = wiring.open_services(settings, "pytest")
    return services, create_app(settings, services).test_client()


@pytest.fixture
def node(pristine, tmp_path):
    """A node over a copy of the community (each test writes its own)."""
    shutil.copytree(pristine, tmp_path / "data")
    services, client = open_node(tmp_path / "data")
    yield services, client
    services.close()


# -- the oracle: what belongs to whom, from the main store ------------------------------------

def nodes_of(store, name: str) -> set[str]:
    """IRIs that belong to a person: theirs, and the awards, completions and role assignments
    naming them (read from every access level of the main store, not from the replica)."""
    person = person_iri(name)
    rows = store.select(
        "SELECT DISTINCT ?n ?p WHERE { { ?n mf:recipient ?p } UNION { ?n mf:person ?p } UNION { ?n org:member ?p } "
        "UNION { ?p mf:hasClaim ?n } UNION { ?p mf:speaks ?n } }", p=URIRef(person))
    return {person} | {str(r["n"]) for r in rows}


def belongs(term: str, nodes: set[str]) -> bool:
    return term in nodes or term.split("#", 1)[0] in nodes


def replica_quads(services) -> list[ox.Quad]:
    return services.replica.quads()


def about(quads, nodes: set[str]) -> list[str]:
    """The quads with a subject or an object belonging to ``nodes``."""
    return [str(q) for q in quads if any(isinstance(t, ox.NamedNode) and belongs(t.value, nodes)
                                         for t in (q.subject, q.object))]


def literals(quads) -> str:
    return "\n".join(q.object.value for q in quads if isinstance(q.object, ox.Literal))


def sparql(client, query: str) -> dict:
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def assert_withheld(services, client, names) -> None:
    quads = replica_quads(services)
    text = literals(quads)
    for name in names:
        nodes = nodes_of(services.store, name)
        # person, 3 claims, award claim, 2 languages, award, completion and (until a re-import of
        # the people file replaces the profile edit that made it) a role assignment
        assert len(nodes) >= 9, nodes
        leaked = about(quads, nodes)
        assert leaked == [], f"{name}: {len(leaked)} triple(s) in the replica, e.g. {leaked[:3]}"
        for trace in (name, full_name(*name.rsplit("-", 2)[:2], int(name.rsplit("-", 1)[1])), f"{name}@example.org"):
            assert trace not in text, f"{trace!r} is a literal of the public replica"
        assert client.get(f"/id/person/{name}", headers={"Accept": "text/turtle"}).status_code == 404
        person = person_iri(name)
        assert sparql(client, f"ASK {{ {{ <{person}> ?p ?o }} UNION {{ ?s ?p <{person}> }} UNION "
                              f"{{ GRAPH ?g {{ {{ <{person}> ?p ?o }} UNION {{ ?s ?p <{person}> }} }} }} }}")["boolean"] is False
        found = sparql(client, f'SELECT ?s WHERE {{ {{ ?s ?p "{name}" }} UNION {{ GRAPH ?g {{ ?s ?p "{name}" }} }} }}')
        assert found["results"]["bindings"] == []


def assert_published(services, client, names) -> None:
    quads = replica_quads(services)
    for name in names:
        person = person_iri(name)
        mine = {q.predicate.value for q in quads if q.subject.value == person}
        assert {MF.username, MF.hasClaim, MF.speaks, MF.federationConsent} <= mine, (name, mine)
        assert client.get(f"/id/person/{name}", headers={"Accept": "text/turtle"}).status_code == 200
        held = sparql(client, f"SELECT ?award ?claim ?completion WHERE {{ "
                              f"?award a mf:Award ; mf:recipient <{person}> ; mf:badge ?badge . "
                              f"<{person}> mf:hasClaim ?claim . ?claim mf:evidence ?award ; mf:skill ?skill . "
                              f"?completion mf:person <{person}> ; mf:training ?training }}")
        assert held["results"]["bindings"], f"{name}: award, verified claim or completion missing from /sparql"
        # nothing of theirs is held back either: every triple of theirs in a public graph (their
        # role assignment too) is published
        nodes = nodes_of(services.store, name)
        expected = {(s, p, o) for s, p, o in
                    ((str(s), str(p), str(o)) for s, p, o in services.store.triples(access=["public"]))
                    if belongs(s, nodes) and p != "https://schema.org/email"}
        published = {(q.subject.value, q.predicate.value, q.object.value) for q in quads
                     if belongs(q.subject.value, nodes)}
        assert expected - published == set(), f"{name}: {sorted(expected - published)[:3]} not published"


def update(services, name: str, patch: dict) -> None:
    Profiles(services.store).update(name, patch, Viewer.admin())
    services.sync_replica()


# -- the tests --------------------------------------------------------------------------------

def test_rebuild_publishes_only_consenting_public_people(node):
    services, client = node
    services.replica.rebuild()
    assert_withheld(services, client, sorted(WITHHELD))
    assert_published(services, client, sorted(PUBLISHED))
    roles = sparql(client, "SELECT ?person WHERE { ?role a mf:RoleAssignment ; org:member ?person ; org:role ?r }")
    assert {b["person"]["value"] for b in roles["results"]["bindings"]} == {person_iri(n) for n in PUBLISHED}


def test_the_awards_graph_names_no_withheld_recipient(node):
    """The reported leak: ``person mf:hasClaim award#claim-1`` sits in the awards graph, where
    the person has no type."""
    services, client = node
    services.replica.rebuild()
    awards_graph = services.store.logical_graph("awards", "public")
    in_awards = [q for q in replica_quads(services) if q.graph_name.value == awards_graph]
    assert in_awards, "the consenting people's awards are published"
    subjects = {q.subject.value.split("#")[0] for q in in_awards} | {
        q.object.value.split("#")[0] for q in in_awards if isinstance(q.object, ox.NamedNode)}
    assert not subjects & {person_iri(n) for n in WITHHELD}


def test_withdrawing_consent_removes_everything_at_the_next_sync_and_giving_it_brings_it_back(node):
    services, client = node
    services.sync_replica()
    name = sorted(PUBLISHED)[0]
    before = sorted(about(replica_quads(services), nodes_of(services.store, name)))
    assert before
    update(services, name, {"federation_consent": False})
    assert_withheld(services, client, [name])
    assert_published(services, client, sorted(PUBLISHED - {name}))
    update(services, name, {"federation_consent": True})
    assert_published(services, client, [name])
    assert sorted(about(replica_quads(services), nodes_of(services.store, name))) == before


def test_changing_visibility_is_applied_at_the_next_sync_in_both_directions(node):
    services, client = node
    services.sync_replica()
    leaving = sorted(PUBLISHED)[0]
    update(services, leaving, {"visibility": "members"})
    assert_withheld(services, client, [leaving])
    joining = username("members", "yes", 0)
    update(services, joining, {"visibility": "public"})
    assert_published(services, client, [joining])
    private_no = username("private", "no", 0)
    update(services, private_no, {"visibility": "public"})  # public, but still no consent
    assert_withheld(services, client, [private_no])


def test_incremental_sync_and_rebuild_agree(node):
    services, client = node
    services.sync_replica()
    update(services, username("public", "yes", 0), {"federation_consent": False})
    update(services, username("members", "yes", 0), {"visibility": "public"})
    update(services, username("public", "no", 0), {"federation_consent": True})
    synced = sorted(str(q) for q in replica_quads(services))
    services.replica.rebuild()
    assert sorted(str(q) for q in replica_quads(services)) == synced


def test_consent_stated_outside_the_persons_own_profile_graph_counts_for_nothing(node, tmp_path):
    """A statement of consent (and of public visibility, where the person has none yet) in
    another public graph, e.g. an RDF file someone loads, does not publish the person."""
    services, client = node
    services.sync_replica()
    members_yes = person_iri(username("members", "yes", 0))
    private_yes = person_iri(username("private", "yes", 0))
    hostile = services.store.logical_graph("consent-claims", "public")
    services.store.apply(Change().adding(hostile, [
        (URIRef(members_yes), URIRef(MF.federationConsent), Literal(True)),
        (URIRef(private_yes), URIRef(MF.federationConsent), Literal(True)),
    ]))
    services.sync_replica()
    assert_withheld(services, client, [username("members", "yes", 0), username("private", "yes", 0)])
    services.replica.rebuild()
    assert_withheld(services, client, [username("members", "yes", 0), username("private", "yes", 0)])


def test_a_withheld_persons_badge_still_verifies_from_the_main_store(node):
    """The award leaves the replica (``/id/award/...`` is 404) but its hosted assertion, which
    a verifier fetches, is served from the main store."""
    services, client = node
    services.sync_replica()
    service = BadgeService(services.store, Issuer(name="Consent Test Chapter", base_url=BASE))
    award = service.held(service.badge_class(MODULE), service.person(username("public", "no", 0)))[0]
    award_id = award.rsplit("/", 1)[-1]
    assert client.get(f"/id/award/{award_id}", headers={"Accept": "text/turtle"}).status_code == 404
    assertion = client.get(f"/ob/v2/assertions/{award_id}")
    assert assertion.status_code == 200
    body = assertion.get_json()
    assert body["recipient"]["hashed"] is True and "@" not in body["recipient"]["identity"]
    assert username("public", "no", 0) not in assertion.get_data(as_text=True)


def test_reimporting_the_people_file_applies_consent_to_what_other_sources_hold(pristine, tmp_path):
    """A people re-import replaces only the people source; the awards, completions and role
    assignments of someone it withdraws sit elsewhere and go too: in this process (which
    indexed the store before), and in a process that starts after the import."""
    shutil.copytree(pristine, tmp_path / "data")
    name = username("public", "yes", 0)
    people = (pristine.parent / "sources" / "people.csv").read_text(encoding="utf-8")
    withdrawn = tmp_path / "withdrawn.csv"
    withdrawn.write_text(people.replace(f"{name}@example.org,sw:4;en:3,KE,AM,public,yes",
                                        f"{name}@example.org,sw:4;en:3,KE,AM,public,no"), encoding="utf-8")
    services, client = open_node(tmp_path / "data")
    try:
        services.sync_replica()
        assert_published(services, client, [name])
        assert run_import(services.store, "people", withdrawn).results
        services.sync_replica()
        assert_withheld(services, client, [name])
    finally:
        services.close()
    given_back = tmp_path / "people.csv"
    given_back.write_text(people, encoding="utf-8")
    with wiring.open_store(settings_for(tmp_path / "data"), "pytest") as store:
        assert run_import(store, "people", given_back).results
    services, client = open_node(tmp_path / "data")
    try:
        services.sync_replica()
        assert_published(services, client, [name])
        withdrawn.write_text(withdrawn.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # a new checksum
        services.close()
        with wiring.open_store(settings_for(tmp_path / "data"), "pytest") as store:
            assert run_import(store, "people", withdrawn).results
        services, client = open_node(tmp_path / "data")
        services.sync_replica()
        assert_withheld(services, client, [name])
    finally:
        services.close()
