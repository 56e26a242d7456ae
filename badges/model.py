"""Badge classes, people and awards as read from the graph (plain dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ontology import MF

VISIBILITY_ACCESS = {MF.Public: "public", MF.MembersOnly: "members", MF.Private: "private"}


def pick_language(texts: dict[str, str], prefer: str = "en") -> str:
    """One text out of a {lang: text} map: the preferred language, then English, then any."""
    if not texts:
        return ""
    for lang in (prefer, prefer.split("-")[0], "en"):
        if lang in texts:
            return texts[lang]
    return texts[sorted(texts)[0]]


@dataclass
class Skill:
    iri: str
    labels: dict[str, str] = field(default_factory=dict)
    notation: str | None = None
    scheme: str | None = None

    @property
    def label(self) -> str:
        return pick_language(self.labels) or self.notation or self.iri.rsplit("/", 1)[-1]


@dataclass
class BadgeClass:
    iri: str
    slug: str
    names: dict[str, str]
    descriptions: dict[str, str]
    criteria_url: str | None
    criteria_text: str | None
    image: str | None
    skills: list[Skill]
    training: str | None
    training_title: str | None = None

    @property
    def name(self) -> str:
        return pick_language(self.names) or self.slug

    @property
    def description(self) -> str:
        return pick_language(self.descriptions) or f"Awarded for: {self.name}."


@dataclass
class Person:
    iri: str
    username: str
    name: str
    email: str | None
    access: str  # public | members | private


@dataclass(frozen=True)
class Evidence:
    """Evidence of an award as its documents publish it: a web page (``url``), a narrative, or both
    (OB 2.0 Evidence, https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html#Evidence;
    OB 3.0 Evidence, https://www.imsglobal.org/spec/ob/v3p0/#evidence)."""

    url: str | None = None
    narrative: str | None = None


@dataclass
class Award:
    iri: str
    id: str  # the last path segment of the IRI: the key in every URL
    badge: BadgeClass
    recipient: Person
    issued_on: str  # xsd:dateTime lexical form, UTC, "Z"
    evidence: list[Evidence]  # what the trainer entered
    revoked: bool
    revocation_reason: str | None
    identity_hash: str | None  # "sha256$<hex>" of e-mail + salt, or None (then the person URL)
    salt: str | None
    graph: str  # the logical graph holding it
    completion: str | None = None  # the training completion that earned it (an internal IRI: never published)
    status_index: int | None = None  # its bit in the node's Bitstring status list
    revoked_on: str | None = None  # xsd:dateTime of the revocation

    @property
    def hashed(self) -> bool:
        return self.identity_hash is not None

    @property
    def published_evidence(self) -> list[Evidence]:
        """The evidence every document and the verification page show: the completed training (as a
        narrative: the completion's IRI names the person, who may not be public), then the trainer's."""
        completed = [Evidence(narrative=f"Completed the training {self.badge.training_title or self.badge.slug}.")]
        return (completed if self.completion else []) + list(self.evidence)
