"""One record this node cannot serve never breaks a document built from many records.

An award (or badge class) whose IRI is under another base URL (a record from before a base
URL change, or copied from another node) is left out of every list (OB 2.0 revocation list,
OB 3.0 revocation list, the Badgr issuer, badge-class and assertion lists, the person page,
the trainer page) and logged, while the node's own records are listed as before. Issue 11,
item 2.
"""

from __future__ import annotations

import logging

import pytest
import requests

from graph import SourceGraphs, sha256_checksum
from graph.rdfio import parse_file

from .test_web import Node, bearer

FOREIGN = "https://old-node.example.org"


def insert_foreign_records(store, tmp_path) -> dict[str, str]:
    """A revoked award under a foreign base URL (of our badge, to our person bo), and a badge class
    under that base, written through the store like any import; returns their IRIs."""
    text = f"""
@prefix mf: <https://w3id.org/maarifa/ns#> .
@prefix obi: <https://w3id.org/openbadges#> .
@prefix schema: <https://schema.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<{FOREIGN}/id/award/0123456789abcdef0123456789abcdef> a mf:Award ;
    mf:recipient <{store.base_url}/id/person/bo> ; mf:badge <{store.base_url}/id/badge/licensing> ;
    obi:issuedOn "2023-01-01T00:00:00Z"^^xsd:dateTime ; mf:revoked true ; mf:revocationReason "old node" .
<{FOREIGN}/id/badge/old-badge> a mf:BadgeClass ; mf:slug "old-badge" ; schema:name "Old badge"@en ;
    obi:criteria "Did something on the old node." .
"""
    path = tmp_path / "foreign.ttl"
    path.write_text(text, encoding="utf-8")
    source = SourceGraphs(name="foreign-records", label=path.name, importer="pytest",
                          checksum=sha256_checksum(text.encode()))
    store.replace_source_parsed(source, {"public": parse_file(path)})
    return {"award": f"{FOREIGN}/id/award/0123456789abcdef0123456789abcdef",
            "badge": f"{FOREIGN}/id/badge/old-badge"}


@pytest.fixture
def node(tmp_path):
    n = Node(tmp_path)
    n.foreign = insert_foreign_records(n.services.store, tmp_path)
    yield n
    n.services.close()


def test_revocation_lists_skip_and_log_a_foreign_award(node, caplog):
    award = node.service.issue("commons", "ada").award
    node.service.revoke(award.id, "issued in error")
    with caplog.at_level(logging.WARNING, logger="badges.service"):
        v2 = node.client.get("/ob/v2/revocations")
        v3 = node.client.get("/ob/v3/revocations")
    assert v2.status_code == 200 and v3.status_code == 200
    revoked = v2.get_json()["revokedAssertions"]
    assert {"id": f"{node.base}/ob/v2/assertions/{award.id}", "revocationReason": "issued in error"} in revoked
    assert len(revoked) == 2  # the hosted and the signed id of our award; nothing of the foreign one
    assert [c["id"] for c in v3.get_json()["revokedCredentials"]] == [f"{node.base}/ob/v3/credentials/{award.id}"]
    assert "old node" not in v2.get_data(as_text=True) + v3.get_data(as_text=True)
    assert any(node.foreign["award"] in r.getMessage() and "not under" in r.getMessage() for r in caplog.records)


def test_badgr_lists_skip_foreign_records(node, caplog):
    headers = bearer(node, "trainer")
    ours = node.service.issue("licensing", "ada").award
    with caplog.at_level(logging.WARNING, logger="badges.service"):
        classes = node.client.get("/v2/issuers/node/badgeclasses", headers=headers)
        assertions = node.client.get("/v2/badgeclasses/licensing/assertions", headers=headers)
    assert classes.status_code == 200 and assertions.status_code == 200
    assert [c["entityId"] for c in classes.get_json()["result"]] == ["commons", "licensing"]
    assert [a["entityId"] for a in assertions.get_json()["result"]] == [ours.id]
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert node.foreign["badge"] in logged and node.foreign["award"] in logged


def test_a_foreign_award_alone_answers_a_clear_404(node):
    response = node.client.get("/ob/v2/assertions/0123456789abcdef0123456789abcdef",
                               headers={"Accept": "application/json"})
    assert response.status_code == 404 and "no badge award" in response.get_json()["error"]
    with pytest.raises(Exception, match="cannot be served: its IRI is not under"):
        node.service.award_by_iri(node.foreign["award"])


def test_person_page_links_only_awards_this_node_serves(node):
    ours = node.service.issue("commons", "bo").award
    # the foreign award is revoked; one that is not must not get a link to a 404 either
    store = node.services.store
    from graph import Change
    from rdflib import Literal, URIRef

    from ontology import MF
    iri = URIRef(node.foreign["award"])
    change = Change(note="un-revoke the foreign award")
    change.removing(store.logical_graph("foreign-records", "public"), [(iri, URIRef(MF.revoked), Literal(True))])
    change.adding(store.logical_graph("foreign-records", "public"), [(iri, URIRef(MF.revoked), Literal(False))])
    store.apply(change, source="foreign-records")
    html = node.client.get("/people/bo").get_data(as_text=True)
    assert f"/badges/verify/{ours.id}" in html
    assert "0123456789abcdef0123456789abcdef" not in html


# -- the openbadges validator on a signed badge, the node holding a foreign award ------------

@pytest.fixture(scope="module")
def live_with_foreign(tmp_path_factory):
    from .conftest import LiveNode

    tmp = tmp_path_factory.mktemp("live-foreign")
    node = LiveNode(tmp)
    insert_foreign_records(node.services.store, tmp)
    yield node
    node.close()


@pytest.mark.slow
def test_signed_badge_still_validates_and_list_answers(live_with_foreign, ob_validator):
    node = live_with_foreign
    award = node.service.issue("commons", "ada").award
    revoked = node.service.issue("licensing", "ada").award
    node.service.revoke(revoked.id, "duplicate")
    listing = requests.get(f"{node.base}/ob/v2/revocations", timeout=10)
    assert listing.status_code == 200
    assert [e["id"] for e in listing.json()["revokedAssertions"]][0] == f"{node.base}/ob/v2/assertions/{revoked.id}"
    jws = requests.get(f"{node.base}/ob/v2/assertions/{award.id}.jws", timeout=10).text
    report = ob_validator({"email": "ada@example.org"}, input=jws)
    assert report["valid"], [m for m in report["messages"] if m.get("messageLevel") == "ERROR"]
    # and the validator does read the list: a signed badge of the revoked award is refused
    from badges import ob2
    from badges.model import Award

    as_if_live = Award(**{**revoked.__dict__, "revoked": False})
    forged = ob2.jws_sign(ob2.signed_assertion(node.service.issuer, as_if_live), node.keys)
    refused = ob_validator({"email": "ada@example.org"}, input=forged)
    assert not refused["valid"]
    assert "duplicate" in str(refused["messages"]) or "revoked" in str(refused["messages"]).lower()
