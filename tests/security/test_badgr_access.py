"""Attack: a member's API token against the Badgr-compatible API, and recipient lookups as an oracle.

Issue 12, item 4. The assertion lists carry every recipient's salted e-mail hash (with its
salt): whoever holds them can test any list of addresses offline, private people included.
And an issuing error that names the person behind an e-mail, or answers differently for a
private person than for nobody, tells a caller who has an account here. Every Badgr route,
reads included, now needs a trainer or admin token; a trainer reaches the people a member
may see (public and members-only), never a private person, and a recipient nobody has and
one the caller may not see get the same answer.
"""

from __future__ import annotations

import re

import pytest

from badges.service import hash_identity
from tests.badges.conftest import AppNode as Node
from tests.conftest import snapshot

PRIVATE_EMAIL = "cy@example.org"  # cy's profile is private
READ_ROUTES = ("/v2/issuers", "/v2/issuers/node", "/v2/badgeclasses", "/v2/issuers/node/badgeclasses",
               "/v2/badgeclasses/commons", "/v2/badgeclasses/commons/assertions", "/v2/issuers/node/assertions")


@pytest.fixture
def node(tmp_path):
    n = Node(tmp_path)
    n.private_award = n.service.issue("commons", "cy").award  # issued from the command line (an admin)
    n.public_award = n.service.issue("commons", "ada").award
    yield n
    n.services.close()


def bearer(node, role: str, name: str | None = None) -> dict:
    return {"Authorization": f"Bearer {node.services.tokens.create(name or role + '-token', role)}"}


@pytest.mark.parametrize("role", ["member", "organizer"])
def test_a_token_below_trainer_reads_nothing(node, role):
    headers = bearer(node, role)
    for path in (*READ_ROUTES, f"/v2/assertions/{node.private_award.id}"):
        response = node.client.get(path, headers=headers)
        assert response.status_code == 403, path
        text = response.get_data(as_text=True)
        assert "needs a trainer or admin token" in text and "sha256$" not in text, path


@pytest.mark.parametrize("role", ["member", "organizer"])
def test_a_token_below_trainer_writes_nothing(node, role):
    headers = bearer(node, role)
    before = snapshot(node.services.store)
    for method, path, body in (
            ("post", "/v2/issuers/node/badgeclasses", {"name": "Sneaky", "criteriaNarrative": "none"}),
            ("post", "/v2/badgeclasses/licensing/assertions", {"recipient": {"identity": "ada@example.org"}}),
            ("delete", f"/v2/assertions/{node.public_award.id}", None),
            ("post", "/v2/assertions/revoke", [{"entityId": node.public_award.id, "revocationReason": "x"}])):
        response = getattr(node.client, method)(path, headers=headers, json=body)
        assert response.status_code == 403, path
    assert snapshot(node.services.store) == before


def test_the_hashes_a_trainer_lists_are_only_of_people_a_member_may_see(node):
    """What the list gives away: with the salt, any address can be tested offline."""
    listed = node.client.get("/v2/issuers/node/assertions", headers=bearer(node, "trainer")).get_json()["result"]
    recipients = [a["recipient"] for a in listed]
    assert [a["entityId"] for a in listed] == [node.public_award.id]
    assert any(r["identity"] == hash_identity("ada@example.org", r["salt"]) for r in recipients)
    assert not any(r["identity"] == hash_identity(PRIVATE_EMAIL, r["salt"]) for r in recipients)
    admin = node.client.get("/v2/issuers/node/assertions", headers=bearer(node, "admin")).get_json()["result"]
    assert {a["entityId"] for a in admin} == {node.public_award.id, node.private_award.id}


def _issue(node, headers, identity: str, kind: str = "email"):
    response = node.client.post("/v2/badgeclasses/licensing/assertions", headers=headers,
                                json={"recipient": {"identity": identity, "type": kind}})
    return response.status_code, response.get_data(as_text=True).replace(identity, "<identity>")


@pytest.mark.parametrize("role", ["member", "organizer", "trainer"])
def test_a_private_persons_email_gets_the_same_answer_as_nobodys(node, role):
    headers = bearer(node, role)
    before = snapshot(node.services.store)
    private = _issue(node, headers, PRIVATE_EMAIL)
    nobody = _issue(node, headers, "nobody-at-all@example.org")
    assert private == nobody and private[0] in (403, 404)
    assert "cy" not in private[1] and "Cy Private" not in private[1]
    assert snapshot(node.services.store) == before


@pytest.mark.parametrize("identity, kind", [("cy", "username"), ("http://127.0.0.1:5000/id/person/cy", "url")])
def test_a_private_person_named_otherwise_gets_the_same_answer_as_nobody(node, identity, kind):
    headers = bearer(node, "trainer")
    before = snapshot(node.services.store)
    unknown = identity.replace("cy", "zz")
    assert _issue(node, headers, identity, kind) == _issue(node, headers, unknown, kind)
    assert snapshot(node.services.store) == before


def test_an_error_about_a_visible_person_does_not_name_them(node):
    """ada already holds commons: the answer says so without saying whose address it is."""
    status, text = _issue(node, bearer(node, "trainer"), "ada@example.org")
    assert status == 201
    again = node.client.post("/v2/badgeclasses/licensing/assertions", headers=bearer(node, "trainer", "t2"),
                             json={"recipient": {"identity": "ada@example.org"}})
    assert again.status_code == 400 and "already holds" in again.get_data(as_text=True)
    assert not re.search(r"\bada\b", again.get_data(as_text=True).replace("ada@example.org", ""))


def test_an_admin_still_issues_to_a_private_person(node):
    response = node.client.post("/v2/badgeclasses/licensing/assertions", headers=bearer(node, "admin"),
                                json={"recipient": {"identity": PRIVATE_EMAIL}})
    assert response.status_code == 201
    assert response.get_json()["result"][0]["recipient"]["identity"].startswith("sha256$")


def test_the_trainer_page_hides_private_people(node):
    from tests.ui.conftest import csrf_of, login
    node.services.accounts.create("trainer-ui", "trainer", "a long enough password")
    node.app.testing = True
    client = node.app.test_client()
    login(client, "trainer-ui", "a long enough password")
    page = client.get("/trainer").get_data(as_text=True)
    assert node.public_award.id in page and node.private_award.id not in page and ">cy<" not in page
    answers = []
    for username in ("cy", "zz"):
        response = client.post("/trainer/issue", data={"badge": "licensing", "username": username,
                                                       "csrf_token": csrf_of(page)})
        answers.append((response.status_code, re.sub(rf"\b{username}\b", "?", response.get_data(as_text=True))))
    assert answers[0][0] == 404 and answers[0] == answers[1]


def test_a_revoked_awards_page_names_no_recipient(node):
    """Revoked awards are listed in the public revocation list, so anyone can reach their pages."""
    node.service.revoke(node.private_award.id, "issued in error")
    revoked = node.client.get("/ob/v2/revocations").get_json()["revokedAssertions"]
    assert any(r["id"].endswith(node.private_award.id) for r in revoked)
    page = node.client.get(f"/badges/verify/{node.private_award.id}").get_data(as_text=True)
    assert "Revoked" in page and "Recipient" not in page and "/id/person/" not in page
    valid = node.client.get(f"/badges/verify/{node.public_award.id}").get_data(as_text=True)
    assert "Recipient" in valid  # a valid award's page still says how its recipient is identified


def test_a_private_persons_award_is_as_unknown_to_a_trainer_as_a_made_up_one(node):
    """Its id is public once revoked (the revocation list), and the Badgr form carries the hash."""
    node.service.revoke(node.private_award.id, "issued in error")
    headers = bearer(node, "trainer")
    before = snapshot(node.services.store)
    for method, path in (("get", "/v2/assertions/{}"), ("delete", "/v2/assertions/{}")):
        hidden = getattr(node.client, method)(path.format(node.private_award.id), headers=headers)
        made_up = getattr(node.client, method)(path.format("f" * 32), headers=headers)
        assert hidden.status_code == made_up.status_code == 404
        assert hidden.get_data(as_text=True).replace(node.private_award.id, "?") == \
            made_up.get_data(as_text=True).replace("f" * 32, "?")
    assert snapshot(node.services.store) == before
    admin = node.client.get(f"/v2/assertions/{node.private_award.id}", headers=bearer(node, "admin"))
    assert admin.status_code == 200
