"""Issue 11, item 5: evidence a trainer enters (a web page and a narrative) is stored in the
graph and published everywhere: the OB 2.0 assertion (hosted and signed), the OB 3.0 credential
(valid against the 1EdTech JSON schema), the Badgr API and the verification page. Bad evidence
issues nothing. (The OB 2.0 validator checks it too: test_ob2_validator.py issues with evidence.)"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from rdflib import URIRef

from badges import Actor, BadEvidence, Evidence, ob2, ob3
from badges.verify import schema_errors
from ontology import OBI, SCHEMA

from ..conftest import snapshot
from .conftest import AppNode

TRAINER = Actor("trainer-token", "trainer")
PAGE = "https://commons.wikimedia.org/wiki/Commons:Photo_challenge/2024"
NARRATIVE = "Ran the photo walk in Kisumu and uploaded 40 photos under CC BY-SA 4.0."


@pytest.fixture
def award(service):
    return service.issue("commons", "ada", evidence=[Evidence(url=PAGE, narrative=NARRATIVE)]).award


def test_evidence_is_a_node_of_the_award_in_the_graph(service, badge_store, award):
    node = URIRef(award.iri + "#evidence-1")
    assert (URIRef(award.iri), URIRef(OBI.evidence), node) in set(badge_store.triples(URIRef(award.iri), None, None))
    props = {str(p): str(o) for _, p, o in badge_store.triples(node, None, None)}
    assert props[SCHEMA.url] == PAGE and props[OBI.narrative] == NARRATIVE
    reread = service.award(award.id)
    assert reread.evidence == [Evidence(url=PAGE, narrative=NARRATIVE)] and reread.completion
    assert badge_store.validate_all() == []


def test_ob3_credential_carries_the_evidence_and_fits_the_1edtech_schema(service, keys, award):
    credential = ob3.signed_credential(service.issuer, award, keys)
    assert credential["evidence"] == [
        {"type": ["Evidence"], "narrative": "Completed the training About Wikimedia Commons."},
        {"type": ["Evidence"], "id": PAGE, "narrative": NARRATIVE}]
    assert schema_errors(credential) == []  # as is: no single-value-to-array leniency for our own


def test_ob2_assertions_carry_the_evidence(service, keys, award):
    expected = [{"narrative": "Completed the training About Wikimedia Commons."}, {"id": PAGE, "narrative": NARRATIVE}]
    assert ob2.assertion(service.issuer, award)["evidence"] == expected
    signed = ob2.jws_verify_rs256(ob2.jws_sign(ob2.signed_assertion(service.issuer, award), keys), keys.rsa_public_pem)
    assert signed["evidence"] == expected


def test_a_narrative_alone_or_a_page_alone_is_evidence(service, keys):
    only_text = service.issue("licensing", "bo", actor=TRAINER, evidence=[Evidence(narrative="Taught the session.")])
    assert ob3.credential(service.issuer, only_text.award)["evidence"] == [
        {"type": ["Evidence"], "narrative": "Taught the session."}]
    only_page = service.issue("licensing", "dee", actor=TRAINER, evidence=PAGE)  # a string is one URL
    credential = ob3.signed_credential(service.issuer, only_page.award, keys)
    assert {"type": ["Evidence"], "id": PAGE} in credential["evidence"] and schema_errors(credential) == []


@pytest.mark.parametrize("evidence, message", [
    ([Evidence(url="ftp://example.org/file")], "evidence: url 'ftp://example.org/file' must be a web address"),
    ([Evidence(url="javascript:alert(1)")], "must be a web address"),
    ([Evidence(url="https://example.org/a page")], "no spaces"),
    ([Evidence(url="https://")], "must be a web address"),
    ([Evidence(url="https://example.org/" + "x" * 2000)], "url is longer than 2000 characters"),
    ([Evidence(narrative="x" * 5001)], "narrative is longer than 5000 characters (5001)"),
    ([Evidence(narrative="   ")], "give a url, a narrative or both"),
    ([Evidence(url=PAGE), Evidence(url="mailto:x@example.org")], "evidence 2: url 'mailto:x@example.org'"),
    ([Evidence(narrative="n")] * 11, "at most 10 pieces of evidence"),
])
def test_bad_evidence_issues_nothing(service, badge_store, evidence, message):
    before = snapshot(badge_store)
    with pytest.raises(BadEvidence, match=message.replace("(", r"\(").replace(")", r"\)")):
        service.issue("licensing", "bo", actor=TRAINER, evidence=evidence)
    assert snapshot(badge_store) == before


def test_the_badgr_api_takes_url_and_narrative(tmp_path):
    node = AppNode(tmp_path)
    try:
        headers = {"Authorization": f"Bearer {node.services.tokens.create('ci', 'trainer')}"}
        created = node.client.post("/v2/badgeclasses/licensing/assertions", headers=headers, json={
            "recipient": {"identity": "ada@example.org", "type": "email"},
            "evidence": [{"url": PAGE, "narrative": NARRATIVE}]})
        assert created.status_code == 201, created.get_json()
        assertion = created.get_json()["result"][0]
        assert assertion["evidence"] == [{"url": PAGE, "narrative": NARRATIVE}]
        hosted = node.json(f"/ob/v2/assertions/{assertion['entityId']}")
        assert hosted["evidence"] == [{"id": PAGE, "narrative": NARRATIVE}]
        page = node.client.get(f"/badges/verify/{assertion['entityId']}").get_data(as_text=True)
        assert PAGE in page and NARRATIVE in page

        before = snapshot(node.services.store)
        bad = node.client.post("/v2/badgeclasses/commons/assertions", headers=headers, json={
            "recipient": {"identity": "bo", "type": "username"}, "evidence": [{"url": "file:///etc/passwd"}]})
        assert bad.status_code == 400 and "must be a web address" in bad.get_json()["status"]["description"]
        assert snapshot(node.services.store) == before
    finally:
        node.services.close()


def test_the_command_line_takes_evidence_and_narrative(tmp_path):
    from maarifa import wiring
    from maarifa.badge_cli import badge
    from maarifa.settings import Settings

    from .conftest import load_badge_data

    settings = Settings.load({"data_dir": tmp_path / "data"}, environ={})
    wiring.init_data_dir(settings)
    with wiring.open_store(settings, "pytest") as store:
        load_badge_data(store, tmp_path)
    run = CliRunner().invoke(badge, ["issue", "licensing", "bo", "--evidence", PAGE, "--narrative", NARRATIVE,
                                     "--json"], obj={"flags": {"data_dir": settings.data_dir, "base_url": None},
                                                     "config": None})
    assert run.exit_code == 0, run.output
    with wiring.open_store(settings, "pytest") as store:
        from badges import BadgeService, Issuer
        award = BadgeService(store, Issuer("Maarifa", store.base_url)).award(json.loads(run.output)["id"])
    assert award.evidence == [Evidence(url=PAGE, narrative=NARRATIVE)]


def test_erasing_the_recipient_removes_the_evidence_nodes(tmp_path):
    from graph.erase import erase_person
    from maarifa import wiring
    from maarifa.settings import Settings

    from .conftest import load_badge_data

    settings = Settings.load({"data_dir": tmp_path / "data"}, environ={})
    wiring.init_data_dir(settings)
    with wiring.open_store(settings, "pytest") as store:
        load_badge_data(store, tmp_path)
        from badges import BadgeService, Issuer
        award = BadgeService(store, Issuer("Maarifa", store.base_url)).issue(
            "licensing", "bo", actor=TRAINER, evidence=[Evidence(narrative="Bo Baker led the walk.")]).award
        erase_person(store, "bo")
        assert not list(store.triples(URIRef(award.iri + "#evidence-1"), None, None))
        assert "Bo Baker led the walk" not in snapshot(store).decode("utf-8")
        assert store.validate_all() == []
