"""Badge classes, people and awards as read from the graph (plain dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Literal, URIRef

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


@dataclass
class Award:
    iri: str
    id: str  # the last path segment of the IRI: the key in every URL
    badge: BadgeClass
    recipient: Person
    issued_on: str  # xsd:dateTime lexical form, UTC, "Z"
    evidence: list[str]
    revoked: bool
    revocation_reason: str | None
    identity_hash: str | None  # "sha256$<hex>" of e-mail + salt, or None (then the person URL)
    salt: str | None
    graph: str  # the logical graph holding it

    @property
    def hashed(self) -> bool:
        return self.identity_hash is not None


def literal_text(term) -> str:
    return str(term) if isinstance(term, (Literal, URIRef)) else str(term)
