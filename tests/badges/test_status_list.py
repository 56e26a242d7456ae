"""The node's Bitstring status list: positions (unique, never reused, given to earlier awards
once), the encoding (W3C Bitstring Status List v1.0), and bad lists read by the verifier."""

from __future__ import annotations

import base64
import gzip
import threading

import pytest
from rdflib import Literal, URIRef

from badges import Actor, ob3, status
from graph import Change
from ontology import MF, OBI, RDF

TRAINER = Actor("trainer-token", "trainer")


def positions(badge_store) -> dict[str, int]:
    return {str(r["a"]): int(r["i"]) for r in badge_store.select("SELECT ?a ?i WHERE { ?a mf:statusListIndex ?i }")}


def bit(service, keys, position: int) -> bool:
    listed = ob3.status_list_credential(service.issuer, service.status_list_state(), keys)
    return status.is_set(status.decode(listed["credentialSubject"]["encodedList"]), position)


def test_positions_are_unique_and_never_given_out_again(service, badge_store, keys):
    first = [service.issue(b, u, actor=TRAINER).award for b, u in (("commons", "ada"), ("licensing", "bo"))]
    assert [a.status_index for a in first] == [0, 1]
    # the award at position 1 disappears (as an erasure removes it): its position stays taken
    award = URIRef(first[1].iri)
    change = Change().removing(first[1].graph, [(award, p, o) for _, p, o in badge_store.triples(award, None, None)])
    badge_store.apply(change)
    assert service.issue("licensing", "dee", actor=TRAINER).award.status_index == 2
    assert bit(service, keys, 1) is True  # a vanished award reads "revoked"
    assert bit(service, keys, 0) is False and bit(service, keys, 2) is False
    service.revoke(first[0].id, "test")
    assert bit(service, keys, 0) is True
    assert badge_store.validate_all() == []


def test_awards_issued_at_the_same_time_get_different_positions(service, badge_store):
    errors = []

    def issue(badge, user):
        try:
            service.issue(badge, user, actor=TRAINER)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
    threads = [threading.Thread(target=issue, args=pair) for pair in
               (("commons", "ada"), ("commons", "bo"), ("licensing", "ada"), ("licensing", "bo"), ("commons", "dee"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(positions(badge_store).values()) == [0, 1, 2, 3, 4]


def test_earlier_awards_get_a_position_once_and_foreign_ones_none(service, badge_store, keys):
    legacy = service.issue("commons", "ada").award
    a = URIRef(legacy.iri)
    badge_store.apply(Change().removing(legacy.graph, [(a, URIRef(MF.statusListIndex), Literal(0))]))
    foreign = URIRef("https://elsewhere.example/id/award/" + "f" * 32)  # not this node's: never served here
    badge_store.apply(Change().adding(legacy.graph, [
        (foreign, URIRef(RDF.type), URIRef(MF.Award)), (foreign, URIRef(MF.recipient), URIRef(legacy.recipient.iri)),
        (foreign, URIRef(MF.badge), URIRef(legacy.badge.iri)), (foreign, URIRef(MF.revoked), Literal(False)),
        (foreign, URIRef(OBI.issuedOn), Literal("2024-01-01T00:00:00Z", datatype=URIRef(
            "http://www.w3.org/2001/XMLSchema#dateTime")))]))
    with pytest.raises(Exception, match="no status list position"):
        ob3.credential(service.issuer, service.award(legacy.id))
    assert service.assign_status_indexes() == 1
    assert service.assign_status_indexes() == 0
    assert positions(badge_store) == {legacy.iri: 1}  # position 0 was given out once already
    assert ob3.credential(service.issuer, service.award(legacy.id))["credentialStatus"]["statusListIndex"] == "1"


def test_encoding_follows_the_spec():
    encoded = status.encode([0, 9, 131071], 131072)
    assert encoded.startswith("u") and "=" not in encoded
    bits = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(bits) == 16384  # 131,072 positions, the spec's minimum
    assert bits[0] == 0x80 and bits[1] == 0x40 and bits[-1] == 0x01  # position 0 is the left-most bit
    decoded = status.decode(encoded)
    assert [p for p in (0, 1, 9, 131070, 131071) if status.is_set(decoded, p)] == [0, 9, 131071]
    assert status.encode([], 131072) == status.encode([], 131072)  # same bits, same text
    assert status.list_length(0) == status.list_length(131072) == 131072 and status.list_length(131073) == 262144


@pytest.mark.parametrize("encoded, message", [
    ("H4sIAAAA", "starting with 'u'"),
    ("u%%%", "not valid base64url"),
    ("u" + base64.urlsafe_b64encode(b"not gzip").decode().rstrip("="), "not GZIP-compressed"),
    ("u" + base64.urlsafe_b64encode(gzip.compress(b"\0" * (16 * 1024 * 1024 + 1))).decode().rstrip("="),
     "larger than 16,777,216 bytes"),
    (None, "starting with 'u'"),
])
def test_bad_lists_are_reported(encoded, message):
    with pytest.raises(status.StatusListError, match=message):
        status.decode(encoded)


def test_a_position_outside_the_list_is_an_error_not_unrevoked():
    with pytest.raises(status.StatusListError, match="outside the status list"):
        status.is_set(status.decode(status.encode([], 131072)), 131072)
