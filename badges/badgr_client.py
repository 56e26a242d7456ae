"""A small client of the Badgr v2 API (requests): pushes our issuer, badge classes and awards
to a Badgr server (badgr.com, a self-hosted Badgr, or another Maarifa node's ``/v2``).

    client = BadgrClient("https://api.badgr.io", username, password)
    report = client.push(service, data_dir=...)   # issuer -> badge classes -> awards

Badge classes are matched by name within the issuer and awards by (badge class, recipient
identity), so pushing twice does not duplicate anything. Recipients are pushed by e-mail
when the person has one (Badgr hashes it), otherwise by their person URL.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

import requests

from .errors import BadgeError
from .images import MEDIA_TYPES, load_image


class BadgrError(BadgeError):
    pass


@dataclass
class PushReport:
    issuer: str | None = None
    badge_classes_created: list[str] = field(default_factory=list)
    badge_classes_existing: list[str] = field(default_factory=list)
    awards_created: list[str] = field(default_factory=list)
    awards_existing: list[str] = field(default_factory=list)
    awards_revoked: list[str] = field(default_factory=list)


class BadgrClient:
    def __init__(self, base_url: str, username: str, password: str, *, session: requests.Session | None = None,
                 timeout: float = 30.0):
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()
        self.timeout = timeout
        self.username, self.password = username, password
        self.token: str | None = None

    # -- plumbing ---------------------------------------------------------------------------

    def login(self) -> str:
        response = self.session.post(f"{self.base_url}/o/token", data={
            "grant_type": "password", "username": self.username, "password": self.password, "scope": "rw:issuer",
            "client_id": "public"}, timeout=self.timeout)
        if response.status_code != 200:
            raise BadgrError(f"Badgr login at {self.base_url} failed (HTTP {response.status_code}): "
                             f"{response.text[:300]}")
        self.token = response.json()["access_token"]
        return self.token

    def _call(self, method: str, path: str, **kwargs) -> list:
        if self.token is None:
            self.login()
        response = self.session.request(method, f"{self.base_url}{path}", timeout=self.timeout,
                                        headers={"Authorization": f"Bearer {self.token}"}, **kwargs)
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code >= 400 or not (body.get("status") or {}).get("success", False):
            description = (body.get("status") or {}).get("description") or response.text[:300]
            raise BadgrError(f"Badgr {method} {path} failed (HTTP {response.status_code}): {description}")
        return body.get("result") or []

    # -- API ------------------------------------------------------------------------------

    def issuers(self) -> list[dict]:
        return self._call("GET", "/v2/issuers")

    def create_issuer(self, name: str, url: str, email: str | None) -> dict:
        return self._call("POST", "/v2/issuers", json={"name": name, "url": url, "email": email,
                                                         "description": f"Badges of {name}"})[0]

    def badge_classes(self, issuer_id: str) -> list[dict]:
        return self._call("GET", f"/v2/issuers/{issuer_id}/badgeclasses")

    def create_badge_class(self, issuer_id: str, body: dict) -> dict:
        return self._call("POST", f"/v2/issuers/{issuer_id}/badgeclasses", json=body)[0]

    def assertions(self, badge_class_id: str) -> list[dict]:
        return self._call("GET", f"/v2/badgeclasses/{badge_class_id}/assertions")

    def issue(self, badge_class_id: str, body: dict) -> dict:
        return self._call("POST", f"/v2/badgeclasses/{badge_class_id}/assertions", json=body)[0]

    def revoke(self, assertion_id: str, reason: str) -> dict:
        return self._call("DELETE", f"/v2/assertions/{assertion_id}", json={"revocation_reason": reason})[0]

    # -- push -----------------------------------------------------------------------------

    def push(self, service, *, data_dir=None, issuer_id: str | None = None) -> PushReport:
        """Push our issuer, every badge class and every award (revocations included).

        ``issuer_id``: push into that existing remote issuer instead of one named like ours."""
        report = PushReport()
        ours = service.issuer
        remote_issuers = self.issuers()
        issuer = next((i for i in remote_issuers if i.get("entityId") == issuer_id or
                       (issuer_id is None and i.get("name") == ours.name)), None)
        if issuer is None and issuer_id is not None:
            raise BadgrError(f"no issuer {issuer_id!r} on {self.base_url}")
        if issuer is None:
            issuer = self.create_issuer(ours.name, ours.url, ours.email)
        report.issuer = issuer["entityId"]
        remote_classes = {c.get("name"): c for c in self.badge_classes(issuer["entityId"])}
        for badge in service.badge_classes():
            remote = remote_classes.get(badge.name)
            if remote is None:
                data, kind = load_image(data_dir, badge.slug, badge.name)
                body = {"name": badge.name, "description": badge.description,
                        "image": f"data:{MEDIA_TYPES[kind]};base64,{base64.b64encode(data).decode('ascii')}",
                        "criteriaUrl": badge.criteria_url, "criteriaNarrative": badge.criteria_text or
                        badge.description,
                        "alignments": [{"targetName": s.label, "targetUrl": s.iri, "targetCode": s.notation}
                                       for s in badge.skills]}
                remote = self.create_badge_class(issuer["entityId"], body)
                report.badge_classes_created.append(badge.slug)
            else:
                report.badge_classes_existing.append(badge.slug)
            existing = self.assertions(remote["entityId"])
            for award in service.awards(badge):
                person = award.recipient
                identity, kind = (person.email, "email") if person.email else (person.iri, "url")
                match = next((a for a in existing if _same_recipient(a.get("recipient") or {}, identity)), None)
                if match is None:
                    match = self.issue(remote["entityId"], {
                        "recipient": {"identity": identity, "type": kind, "hashed": kind == "email"},
                        "issuedOn": award.issued_on, "notify": False,
                        "narrative": f"Issued by {ours.name} ({ours.base_url}/badges/verify/{award.id})"})
                    report.awards_created.append(award.id)
                else:
                    report.awards_existing.append(award.id)
                if award.revoked and not match.get("revoked"):
                    self.revoke(match["entityId"], award.revocation_reason or "revoked")
                    report.awards_revoked.append(award.id)
        return report


def _same_recipient(recipient: dict, identity: str) -> bool:
    import hashlib

    value = str(recipient.get("identity") or "")
    if recipient.get("plaintextIdentity") == identity or value == identity:
        return True
    if value.startswith("sha256$"):
        digest = "sha256$" + hashlib.sha256((identity + str(recipient.get("salt") or "")).encode()).hexdigest()
        return digest == value.lower()
    return False
