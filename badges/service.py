"""Issuing and revoking badge awards in the graph.

An award (``mf:Award`` at ``{base}/id/award/{id}``) is written with ``store.apply`` into the
logical graph ``awards/{access}`` where ``access`` follows the recipient's visibility
(public / members / private), so the graph's access rules hold for the award's triples.
Its Open Badges documents (``/ob/v2/...``, ``/ob/v3/...``) are served to anyone who has the
link whatever the visibility: an award is something its recipient shares, and the
documents never carry the e-mail address (the recipient is the salted SHA-256 hash of the
e-mail, or the person URL when there is no e-mail).

An award marks the recipient's claims on each aligned skill ``mf:verified true`` with the
award as ``mf:evidence`` (in the same awards graph, so a later re-import of the people
file keeps them); a ``known`` claim at level 1 is created when the person has none.
Revoking undoes that.

Evidence a trainer enters (a web page and/or a narrative) is a node ``{award}#evidence-N``
(``obi:Evidence`` with ``schema:url`` and ``obi:narrative``) that the award points to with
``obi:evidence``, next to the training completion that earned it, if any.

Each award gets a position in the node's Bitstring status list (``mf:statusListIndex``), from
a counter (``mf:nextStatusIndex`` of ``{base}/id/status-list/revocation``) read and advanced
under the store's write lock, so no two awards share a position and a position is never given
out again, not even after the award was erased (its bit then reads "revoked").
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import uuid
from dataclasses import dataclass
from typing import Iterable
from urllib.parse import urlsplit

from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from graph import Change, GraphStore
from graph.errors import MaarifaError
from graph.terms import valid_iri
from ontology import DCT, MF, OBI, RDF, SCHEMA, SKOS

from .errors import BadEvidence, BadgeError, NotAllowed, UnknownAward, UnknownBadge, UnknownRecipient, UnservableAward
from .model import VISIBILITY_ACCESS, Award, BadgeClass, Evidence, Person, Skill

log = logging.getLogger(__name__)

AWARDS_SOURCE = "awards"
ISSUER_ROLES = ("trainer", "admin")
MAX_EVIDENCE = 10
MAX_EVIDENCE_URL = 2000
MAX_NARRATIVE = 5000
ALL_LEVELS = ("public", "members", "private")
MEMBER_LEVELS = ("public", "members")

U = URIRef
TYPE = U(RDF.type)


def now_xsd() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def checked_evidence(evidence: "Iterable[Evidence] | str | None") -> list[Evidence]:
    """The evidence as it will be stored: each item a public http(s) page, a narrative, or both;
    :class:`BadEvidence` naming the item and the field otherwise. A string is one URL."""
    items = [Evidence(url=evidence)] if isinstance(evidence, str) else list(evidence or [])
    if len(items) > MAX_EVIDENCE:
        raise BadEvidence(f"at most {MAX_EVIDENCE} pieces of evidence per award ({len(items)} given); nothing was issued")
    out = []
    for n, item in enumerate(items, start=1):
        where = f"evidence {n}" if len(items) > 1 else "evidence"
        url = (item.url or "").strip() or None
        narrative = (item.narrative or "").strip() or None
        if url is not None:
            parts = urlsplit(url)
            if (parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() or ord(c) < 32 for c in url)
                    or '"' in url or "<" in url or ">" in url):
                raise BadEvidence(f"{where}: url {url[:200]!r} must be a web address (http:// or https://, no spaces); "
                                  f"nothing was issued")
            if len(url) > MAX_EVIDENCE_URL:
                raise BadEvidence(f"{where}: url is longer than {MAX_EVIDENCE_URL} characters; nothing was issued")
        if narrative is not None and len(narrative) > MAX_NARRATIVE:
            raise BadEvidence(f"{where}: narrative is longer than {MAX_NARRATIVE} characters ({len(narrative)}); "
                              f"nothing was issued")
        if url is None and narrative is None:
            raise BadEvidence(f"{where}: give a url, a narrative or both; nothing was issued")
        out.append(Evidence(url=url, narrative=narrative))
    return out


def hash_identity(email: str, salt: str) -> str:
    """Open Badges hashed identity: ``sha256$`` + hex SHA-256 of e-mail followed by salt."""
    return "sha256$" + hashlib.sha256((email + salt).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Issuer:
    """The node's organization, which issues every badge (settings: name, URL, e-mail)."""

    name: str
    base_url: str
    url: str | None = None
    email: str | None = None

    def __post_init__(self):
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))
        if not self.url:
            object.__setattr__(self, "url", self.base_url + "/")

    @classmethod
    def from_settings(cls, settings) -> "Issuer":
        """The issuer the settings describe (issuer_* settings, falling back to node_name and base_url)."""
        return cls(name=settings.issuer_name or settings.node_name, base_url=settings.base_url,
                   url=settings.issuer_url or None, email=settings.issuer_email or None)


@dataclass(frozen=True)
class Actor:
    """Who asks for an award: a token's name and role (the local CLI acts as admin)."""

    name: str
    role: str | None

    @property
    def may_issue_by_hand(self) -> bool:
        return self.role in ISSUER_ROLES

    @property
    def sees(self) -> tuple[str, ...]:
        """The access levels of the people (and their awards) this actor may name or list: what
        a member sees, public and members-only people; private people only for admins (the
        ARCHITECTURE table: "the person and admins only"). A trainer issues to the people a
        member can find; a private person's badge comes from a recorded completion or an admin."""
        if self.role == "admin":
            return ALL_LEVELS
        return MEMBER_LEVELS if self.role else ("public",)


CLI_ACTOR = Actor("maarifa command line", "admin")
AUTOMATIC = Actor("training completion", "admin")


@dataclass
class IssueResult:
    award: Award
    created: bool


@dataclass(frozen=True)
class StatusListState:
    """The node's revocation status list: positions ``0 .. allocated-1`` were given out; a position
    not held by a live award (revoked, or the award was erased) reads "revoked"."""

    allocated: int
    live: frozenset[int]

    def revoked_positions(self) -> list[int]:
        return [i for i in range(self.allocated) if i not in self.live]


class StatusCounter:
    """The next free status list position, read once; :meth:`take` hands out positions and
    :meth:`record` adds the advanced counter to the change. Use under ``store.exclusive()``."""

    def __init__(self, service: "BadgeService"):
        self.store = service.store
        self.node = U(service.status_list_node)
        self.graph = self.store.logical_graph(AWARDS_SOURCE, "public")
        stored = [int(o) for _, _, o in self.store.triples(self.node, U(MF.nextStatusIndex), None)]
        highest = self.store.select("SELECT (MAX(?i) AS ?max) WHERE { ?a mf:statusListIndex ?i }")
        in_use = int(highest[0]["max"]) + 1 if highest and highest[0].get("max") is not None else 0
        self.stored = stored
        # never below a position in use (a restored or hand-edited store), never reusing one
        self.next = max(stored + [in_use])

    def take(self) -> int:
        position, self.next = self.next, self.next + 1
        return position

    def record(self, change: Change) -> None:
        if self.stored == [self.next]:
            return
        change.removing(self.graph, [(self.node, U(MF.nextStatusIndex), Literal(n)) for n in self.stored])
        change.adding(self.graph, [(self.node, TYPE, U(MF.StatusList)),
                                   (self.node, U(MF.nextStatusIndex), Literal(self.next))])


class BadgeService:
    """Reads badge classes, people and awards from the graph; issues and revokes awards."""

    def __init__(self, store: GraphStore, issuer: Issuer):
        self.store = store
        self.issuer = issuer
        self.base_url = store.base_url

    # -- reads --------------------------------------------------------------------------

    def _iri(self, kind: str, slug: str) -> str:
        return f"{self.base_url}/id/{kind}/{slug}"

    def badge_class(self, ref: str) -> BadgeClass:
        ref = str(ref).strip()
        iri = ref if ref.startswith(("http://", "https://")) else self._iri("badge", ref)
        for prefix in (f"{self.base_url}/ob/v2/badges/", f"{self.base_url}/ob/v3/achievements/"):
            if iri.startswith(prefix):
                iri = self._iri("badge", iri[len(prefix):].split("/")[0])
        # an id no IRI can be (a space, a ``<``) names no badge class: the store would refuse it
        if not valid_iri(iri) or not any(True for _ in self.store.triples(U(iri), TYPE, U(MF.BadgeClass))):
            raise UnknownBadge(ref)
        return self._load_badge(iri)

    def badge_classes(self) -> list[BadgeClass]:
        """Every badge class this node serves, by slug. One it cannot serve (see
        :meth:`_servable_badge`) is left out and logged: one bad record never breaks a list."""
        rows = self.store.select("SELECT DISTINCT ?b WHERE { ?b a mf:BadgeClass }")
        badges = []
        for row in rows:
            badge = self._load_badge(str(row["b"]))
            problem = self._servable_badge(badge)
            if problem:
                log.warning("badge class %s left out of a list: %s", badge.iri, problem)
                continue
            badges.append(badge)
        return sorted(badges, key=lambda b: b.slug)

    def _servable_badge(self, badge: BadgeClass) -> str | None:
        """Why the documents of a badge class cannot be served here, or None when they can:
        they are found again by slug at ``{base}/id/badge/{slug}``, so its IRI must be that."""
        if badge.iri != self._iri("badge", badge.slug):
            return f"its IRI is not {self._iri('badge', badge.slug)} (this node's base URL is {self.base_url})"
        return None

    def _load_badge(self, iri: str) -> BadgeClass:
        props: dict[str, list] = {}
        for _, p, o in self.store.triples(U(iri), None, None):
            props.setdefault(str(p), []).append(o)
        texts = lambda p: {(o.language or "en"): str(o) for o in props.get(p, [])}  # noqa: E731
        criteria = props.get(OBI.criteria, [])
        criteria_url = next((str(c) for c in criteria if isinstance(c, URIRef)), None)
        criteria_text = next((str(c) for c in criteria if isinstance(c, Literal)), None)
        training = next((str(t) for t in props.get(MF.forTraining, [])), None)
        training_title = None
        if training:
            titles = {(o.language or "en"): str(o) for _, _, o in self.store.triples(U(training), U(DCT.title), None)}
            from .model import pick_language
            training_title = pick_language(titles) or None
        skills = [self._load_skill(str(s)) for s in props.get(MF.alignedSkill, [])]
        slug = str((props.get(MF.slug) or [iri.rsplit("/", 1)[-1]])[0])
        image = next((str(i) for i in props.get(SCHEMA.image, [])), None)
        return BadgeClass(iri=iri, slug=slug, names=texts(SCHEMA.name), descriptions=texts(SCHEMA.description),
                          criteria_url=criteria_url, criteria_text=criteria_text, image=image,
                          skills=sorted(skills, key=lambda s: s.iri), training=training,
                          training_title=training_title)

    def _load_skill(self, iri: str) -> Skill:
        skill = Skill(iri)
        for _, p, o in self.store.triples(U(iri), None, None):
            if str(p) == SKOS.prefLabel:
                skill.labels[o.language or "en"] = str(o)
            elif str(p) == SKOS.notation:
                skill.notation = str(o)
            elif str(p) == SKOS.inScheme:
                skill.scheme = str(o)
        return skill

    def person(self, username: str, actor: Actor | None = None) -> Person:
        """The person ``username`` names, among those ``actor`` may see (default: everyone)."""
        levels = actor.sees if actor else ALL_LEVELS
        # pattern lookups (index scans), not SPARQL: issuing in bulk calls these per award
        for subject, _, _ in self.store.triples(None, U(MF.username), Literal(str(username)), access=levels):
            if self._is_person(subject, levels):
                return self._load_person(str(subject))
        raise UnknownRecipient(username)

    def _is_person(self, node, levels: Iterable[str]) -> bool:
        return any(True for _ in self.store.triples(node, TYPE, U(MF.Person), access=levels))

    def _load_person(self, iri: str) -> Person:
        props: dict[str, list] = {}
        for _, p, o in self.store.triples(U(iri), None, None):
            props.setdefault(str(p), []).append(o)
        visibility = str((props.get(MF.visibility) or [U(MF.Private)])[0])
        email = props.get(SCHEMA.email)
        return Person(iri=iri, username=str((props.get(MF.username) or [""])[0]),
                      name=str((props.get(SCHEMA.name) or [""])[0]),
                      email=str(email[0]).strip() if email else None,
                      access=VISIBILITY_ACCESS.get(visibility, "private"))

    def award(self, ref: str, actor: Actor | None = None) -> Award:
        """The award ``ref`` names (id, IRI or document URL); with ``actor``, only among the awards
        of the people they may see: one of a private person is as unknown to a trainer as a made-up id."""
        ref = str(ref).strip()
        award_id = ref.rstrip("/").rsplit("/", 1)[-1] if "/" in ref else ref
        for suffix in (".json", ".jws", ".jwt", ".png", ".svg"):
            award_id = award_id.removesuffix(suffix)
        award_id = award_id.removeprefix("urn:uuid:")
        iri = self._iri("award", award_id)
        if not valid_iri(iri):  # names no award (and the store would refuse it)
            raise UnknownAward(ref)
        for access in actor.sees if actor else ALL_LEVELS:
            if any(True for _ in self.store.triples(U(iri), TYPE, U(MF.Award), access=[access])):
                return self._load_award(iri, access)
        raise UnknownAward(ref)

    def awards(self, badge: BadgeClass | None = None, *, actor: Actor | None = None) -> list[Award]:
        """Every award this node serves (of one badge class), oldest first; with ``actor``, only
        the awards of the people they may see (:attr:`Actor.sees`). An award it cannot serve
        (:class:`UnservableAward`: a foreign IRI, a missing badge) is left out and logged, so one
        bad record never makes a revocation list or a Badgr listing fail."""
        rows = self.store.select("SELECT DISTINCT ?a WHERE { ?a a mf:Award }",
                                 access=actor.sees if actor else ALL_LEVELS)
        out = []
        for row in rows:
            try:
                award = self.award_by_iri(str(row["a"]))
            except UnservableAward as problem:
                log.warning("badge award %s left out of a list: %s", problem.iri, problem.reason)
                continue
            if badge is None or award.badge.iri == badge.iri:
                out.append(award)
        return sorted(out, key=lambda a: (a.issued_on, a.id))

    def award_by_iri(self, iri: str) -> Award:
        """The award with this IRI, when this node can serve it; :class:`UnservableAward` otherwise."""
        award_prefix = self._iri("award", "")
        award_id = iri[len(award_prefix):]
        if not iri.startswith(award_prefix) or not award_id or "/" in award_id:
            raise UnservableAward(iri, f"its IRI is not under {award_prefix} (this node's base URL is "
                                       f"{self.base_url})")
        return self.award(award_id)

    def _load_award(self, iri: str, access: str) -> Award:
        props: dict[str, list] = {}
        for _, p, o in self.store.triples(U(iri), None, None):
            props.setdefault(str(p), []).append(o)
        for required, name in ((MF.badge, "mf:badge"), (MF.recipient, "mf:recipient"), (OBI.issuedOn, "obi:issuedOn")):
            if not props.get(required):
                raise UnservableAward(iri, f"it has no {name}")
        badge = self._load_badge(str(props[MF.badge][0]))
        problem = self._servable_badge(badge)
        if problem:
            raise UnservableAward(iri, f"its badge class {badge.iri} cannot be served: {problem}")
        identity = salt = None
        for node in props.get(OBI.recipient, []):
            for _, p, o in self.store.triples(node, None, None):
                if str(p) == OBI.identityHash:
                    identity = str(o)
                elif str(p) == OBI.salt:
                    salt = str(o)
        completion, evidence = self._load_evidence(props.get(OBI.evidence, []))
        reason = props.get(MF.revocationReason)
        index = props.get(MF.statusListIndex)
        revoked_on = props.get(MF.revokedOn)
        return Award(
            iri=iri, id=iri.rsplit("/", 1)[-1], badge=badge,
            recipient=self._load_person(str(props[MF.recipient][0])),
            issued_on=str(props[OBI.issuedOn][0]), evidence=evidence,
            revoked=any(o.toPython() is True for o in props.get(MF.revoked, [])),
            revocation_reason=str(reason[0]) if reason else None, identity_hash=identity, salt=salt,
            graph=self.store.logical_graph(AWARDS_SOURCE, access), completion=completion,
            status_index=int(index[0]) if index else None, revoked_on=str(revoked_on[0]) if revoked_on else None)

    def _load_evidence(self, objects: list) -> tuple[str | None, list[Evidence]]:
        """(the training completion, the trainer's evidence) among an award's ``obi:evidence``."""
        completion, evidence = None, []
        for node in sorted(objects, key=str):
            types = {str(t) for _, _, t in self.store.triples(node, TYPE, None)}
            if MF.TrainingCompletion in types:
                completion = completion or str(node)
            elif OBI.Evidence in types:
                props = {str(p): o for _, p, o in self.store.triples(node, None, None)}
                evidence.append(Evidence(url=str(props[SCHEMA.url]) if SCHEMA.url in props else None,
                                         narrative=str(props[OBI.narrative]) if OBI.narrative in props else None))
            else:  # a bare page IRI, as awards issued before evidence nodes recorded it
                evidence.append(Evidence(url=str(node)))
        return completion, evidence

    def completion(self, badge: BadgeClass, person: Person) -> str | None:
        if not badge.training:
            return None
        found = sorted(str(c) for c, _, _ in self.store.triples(None, U(MF.person), U(person.iri))
                       if any(True for _ in self.store.triples(c, U(MF.training), U(badge.training))))
        return found[0] if found else None

    def held(self, badge: BadgeClass, person: Person) -> list[str]:
        return sorted({str(a) for a, _, _ in self.store.triples(None, U(MF.recipient), U(person.iri))
                       if any(True for _ in self.store.triples(a, U(MF.badge), U(badge.iri)))})

    # -- writes -------------------------------------------------------------------------

    def issue(self, badge_ref: str, username: str, *, actor: Actor = CLI_ACTOR,
              evidence: Iterable[Evidence] | str | None = None, issued_on: str | None = None) -> IssueResult:
        """Award a badge to a person by hand (trainer or admin, or anyone when the training is completed).
        ``evidence``: what the trainer saw (pages and/or narratives; a string is one URL)."""
        return self.issue_many([(badge_ref, username)], actor=actor, evidence=evidence, issued_on=issued_on)[0]

    def issue_many(self, pairs: Iterable[tuple[str, str]], *, actor: Actor = CLI_ACTOR,
                   evidence: Iterable[Evidence] | str | None = None, issued_on: str | None = None,
                   automatic: bool = False) -> list[IssueResult]:
        """Award several (badge, username) pairs in one validated change: all of them or none."""
        evidence = checked_evidence(evidence)
        # the status list counter is read and advanced in the same locked step as the awards
        with self.store.exclusive():
            return self._issue_locked(pairs, actor, evidence, issued_on, automatic)

    def _issue_locked(self, pairs, actor: Actor, evidence: list[Evidence], issued_on: str | None,
                      automatic: bool) -> list[IssueResult]:
        change = Change(note=f"badge awards by {actor.name}")
        counter = StatusCounter(self)
        results: list[IssueResult] = []
        planned: set[tuple[str, str]] = set()
        badges: dict[str, BadgeClass] = {}
        people: dict[str, Person] = {}
        for badge_ref, username in pairs:
            badge = badges.get(badge_ref) or badges.setdefault(badge_ref, self.badge_class(badge_ref))
            person = people.get(username) or people.setdefault(username, self.person(username, actor))
            completion = self.completion(badge, person)
            if not actor.may_issue_by_hand and completion is None:
                training = f"the training {badge.training_title or badge.training!r}" if badge.training else \
                    "no training (this badge is only awarded by hand)"
                raise NotAllowed(  # the recipient as the caller named them: never who an e-mail belongs to
                    f"the recipient has not completed {training}, so the badge {badge.slug!r} can only be "
                    f"issued by hand with a trainer token (this token {actor.name!r} has the role "
                    f"{actor.role or 'none'}); nothing was issued")
            existing = [a for a in self.held(badge, person)]
            if existing or (badge.iri, person.iri) in planned:
                if automatic or not actor.may_issue_by_hand:
                    if existing:
                        results.append(IssueResult(self.award(existing[0].rsplit("/", 1)[-1]), False))
                    continue
                holder = existing[0].rsplit("/", 1)[-1] if existing else "in this batch"
                raise BadgeError(f"the recipient already holds the badge {badge.slug!r} (award {holder}); "
                                 f"revoke it first to issue it again; nothing was issued")
            planned.add((badge.iri, person.iri))
            award = self._plan(change, badge, person, completion, evidence, issued_on or now_xsd(), counter.take())
            results.append(IssueResult(award, True))
        counter.record(change)
        self.store.apply(change, source=AWARDS_SOURCE, importer="maarifa.badges")
        return results

    def _plan(self, change: Change, badge: BadgeClass, person: Person, completion: str | None,
              evidence: list[Evidence], issued_on: str, status_index: int) -> Award:
        award_id = uuid.uuid4().hex
        iri = self._iri("award", award_id)
        a = U(iri)
        graph = self.store.logical_graph(AWARDS_SOURCE, person.access)
        triples = [
            (a, TYPE, U(MF.Award)), (a, U(MF.recipient), U(person.iri)), (a, U(MF.badge), U(badge.iri)),
            (a, U(OBI.issuedOn), Literal(issued_on, datatype=XSD.dateTime, normalize=False)),
            (a, U(MF.revoked), Literal(False)), (a, U(MF.statusListIndex), Literal(status_index)),
        ]
        if completion:
            triples.append((a, U(OBI.evidence), U(completion)))
        for n, item in enumerate(evidence, start=1):
            node = U(f"{iri}#evidence-{n}")
            triples += [(a, U(OBI.evidence), node), (node, TYPE, U(OBI.Evidence))]
            if item.url:
                triples.append((node, U(SCHEMA.url), U(item.url)))
            if item.narrative:
                triples.append((node, U(OBI.narrative), Literal(item.narrative)))
        identity = salt = None
        if person.email:
            salt = secrets.token_hex(16)
            identity = hash_identity(person.email, salt)
            node = U(iri + "#recipient")
            triples += [(a, U(OBI.recipient), node), (node, U(OBI.identityHash), Literal(identity)),
                        (node, U(OBI.salt), Literal(salt)), (node, U(OBI.hashed), Literal(True))]
        triples += self._verify_claims(a, person, badge)
        change.adding(graph, triples)
        change.origins[iri] = f"award of {badge.slug} to {person.username}"
        return Award(iri=iri, id=award_id, badge=badge, recipient=person, issued_on=issued_on,
                     evidence=evidence, revoked=False, revocation_reason=None, identity_hash=identity, salt=salt,
                     graph=graph, completion=completion, status_index=status_index)

    def _claims(self, person: Person) -> list[dict]:
        rows = []
        for _, _, claim in self.store.triples(U(person.iri), U(MF.hasClaim), None):
            props = {str(p): o for _, p, o in self.store.triples(claim, None, None)}
            if MF.skill in props and MF.claimStatus in props:
                rows.append({"c": claim, "skill": props[MF.skill], "status": props[MF.claimStatus]})
        return rows

    def _verify_claims(self, award: URIRef, person: Person, badge: BadgeClass) -> list[tuple]:
        claims = self._claims(person)
        triples = []
        for n, skill in enumerate(badge.skills, start=1):
            held = [r["c"] for r in claims if str(r["skill"]) == skill.iri and str(r["status"]) != MF.Wanted]
            if not held:
                claim = U(f"{award}#claim-{n}")
                triples += [(U(person.iri), U(MF.hasClaim), claim), (claim, TYPE, U(MF.SkillClaim)),
                            (claim, U(MF.skill), U(skill.iri)),
                            (claim, U(MF.level), Literal("1", datatype=XSD.integer)),
                            (claim, U(MF.claimStatus), U(MF.Known))]
                held = [claim]
            for claim in held:
                triples += [(claim, U(MF.verified), Literal(True)), (claim, U(MF.evidence), award)]
        return triples

    def issue_pending(self) -> list[Award]:
        """Issue the badge of every recorded training completion that has none yet (exactly once:
        a revoked award is not issued again automatically)."""
        rows = self.store.select(
            "SELECT DISTINCT ?b ?u WHERE { ?b a mf:BadgeClass ; mf:forTraining ?t . "
            "?c a mf:TrainingCompletion ; mf:training ?t ; mf:person ?p . ?p mf:username ?u . "
            "FILTER NOT EXISTS { ?a a mf:Award ; mf:badge ?b ; mf:recipient ?p } } ORDER BY ?b ?u")
        if not rows:
            return []
        pairs = [(str(r["b"]), str(r["u"])) for r in rows]
        return [r.award for r in self.issue_many(pairs, actor=AUTOMATIC, automatic=True) if r.created]

    def revoke(self, award_ref: str, reason: str, *, actor: Actor = CLI_ACTOR) -> Award:
        reason = (reason or "").strip()
        if not reason:
            raise BadgeError("a revocation needs a reason (--reason / revocation_reason)")
        if not actor.may_issue_by_hand:
            raise NotAllowed(f"revoking a badge needs a trainer or admin token (this token has the role "
                             f"{actor.role or 'none'})")
        award = self.award(award_ref, actor)
        if award.revoked:
            raise BadgeError(f"award {award.id} is already revoked ({award.revocation_reason})")
        a = U(award.iri)
        change = Change(note=f"revocation of award {award.id} by {actor.name}")
        change.removing(award.graph, [(a, U(MF.revoked), Literal(False))])
        change.adding(award.graph, [(a, U(MF.revoked), Literal(True)), (a, U(MF.revocationReason), Literal(reason)),
                                    (a, U(MF.revokedOn), Literal(now_xsd(), datatype=XSD.dateTime, normalize=False))])
        self._unverify_claims(change, award)
        self.store.apply(change, source=AWARDS_SOURCE, importer="maarifa.badges")
        return self.award(award.id)

    # -- the Bitstring status list ----------------------------------------------------------

    @property
    def status_list_node(self) -> str:
        return self._iri("status-list", "revocation")

    def status_list_state(self) -> "StatusListState":
        """How many positions were given out, and which of them belong to a live (unrevoked) award."""
        live = {int(r["i"]) for r in self.store.select(
            "SELECT ?i WHERE { ?a a mf:Award ; mf:statusListIndex ?i ; mf:revoked false }")}
        return StatusListState(allocated=StatusCounter(self).next, live=frozenset(live))

    def assign_status_indexes(self) -> int:
        """Give a status list position to every award that has none (awards issued before there was
        a status list), oldest first; returns how many. A no-op once every award has one."""
        def waiting() -> list[str]:
            # only this node's awards: one under another base URL is not served here at all
            rows = self.store.select("SELECT ?a WHERE { ?a a mf:Award ; obi:issuedOn ?on "
                                     "FILTER NOT EXISTS { ?a mf:statusListIndex ?i } } ORDER BY ?on ?a")
            return [str(r["a"]) for r in rows if str(r["a"]).startswith(self._iri("award", ""))]

        if not waiting():
            return 0
        given = 0
        with self.store.exclusive():
            change = Change(note="status list positions for earlier awards")
            counter = StatusCounter(self)
            for iri in waiting():
                try:
                    award = self.award(iri.rsplit("/", 1)[-1])
                except MaarifaError as problem:  # one broken record must not keep the node from starting
                    log.warning("badge award %s gets no status list position: %s", iri, problem)
                    continue
                change.adding(award.graph, [(U(award.iri), U(MF.statusListIndex), Literal(counter.take()))])
                given += 1
            counter.record(change)
            self.store.apply(change, source=AWARDS_SOURCE, importer="maarifa.badges")
        return given

    def _unverify_claims(self, change: Change, award: Award) -> None:
        a = U(award.iri)
        access = award.graph.rsplit("/", 1)[-1]
        for claim, _, _ in list(self.store.triples(None, U(MF.evidence), a, access=[access])):
            if str(claim).startswith(award.iri + "#claim-"):
                change.removing(award.graph, [(claim, p, o) for _, p, o in self.store.triples(claim, None, None,
                                                                                             access=[access])])
                change.removing(award.graph, [(U(award.recipient.iri), U(MF.hasClaim), claim)])
                continue
            change.removing(award.graph, [(claim, U(MF.evidence), a)])
            others = [str(e) for _, _, e in self.store.triples(claim, U(MF.evidence), None)
                      if str(e) != award.iri and self._is_live_award(str(e))]
            if not others:
                change.removing(award.graph, [(claim, U(MF.verified), Literal(True))])

    def _is_live_award(self, iri: str) -> bool:
        return any(True for _ in self.store.triples(U(iri), U(MF.revoked), Literal(False)))

    # -- lookups and writes used by the Badgr-compatible API ------------------------------

    def person_by_identity(self, identity: str, kind: str = "email", actor: Actor | None = None) -> Person:
        """The person a Badgr recipient names: ``email`` (address), ``url`` (person URL) or
        ``username``, among the people ``actor`` may see. Someone unknown and someone the actor
        may not see raise the same :class:`UnknownRecipient`: the answer never tells whether an
        e-mail address belongs to a person (the e-mail itself lives in the private graph only)."""
        levels = actor.sees if actor else ALL_LEVELS
        identity = (identity or "").strip()
        if kind == "email":
            email = U(SCHEMA.email)
            holders = [s for s, _, _ in self.store.triples(None, email, Literal(identity))] or \
                [s for s, _, o in self.store.triples(None, email, None) if str(o).strip().lower() == identity.lower()]
            for holder in holders:
                if self._is_person(holder, levels):
                    return self._load_person(str(holder))
            raise UnknownRecipient(identity)
        if kind == "url":
            if not identity.startswith(("http://", "https://")) or not self._is_person(U(identity), levels):
                raise UnknownRecipient(identity)
            return self._load_person(identity)
        if kind in ("username", "id"):
            return self.person(identity, actor)
        raise BadgeError(f"unsupported recipient type {kind!r}; use email, url or username")

    def create_badge_class(self, slug: str, names: dict[str, str], descriptions: dict[str, str], *,
                           criteria_url: str | None = None, criteria_text: str | None = None,
                           skills: Iterable[str] = (), training: str | None = None) -> BadgeClass:
        """Add a badge class to the graph (source ``badge-classes``, public)."""
        import re as _re

        if not _re.fullmatch(r"[a-z0-9][a-z0-9-]{0,79}", slug or ""):
            raise BadgeError(f"badge slug {slug!r} must be lower-case letters, digits and dashes")
        if any(True for _ in self.store.triples(U(self._iri("badge", slug)), TYPE, U(MF.BadgeClass))):
            raise BadgeError(f"a badge class {slug!r} already exists")
        if not names:
            raise BadgeError("a badge class needs a name")
        if not (criteria_url or criteria_text or training):
            raise BadgeError("a badge class needs criteria (a URL or a narrative)")
        b = U(self._iri("badge", slug))
        triples = [(b, TYPE, U(MF.BadgeClass)), (b, U(MF.slug), Literal(slug))]
        triples += [(b, U(SCHEMA.name), Literal(t, lang=lang)) for lang, t in names.items()]
        triples += [(b, U(SCHEMA.description), Literal(t, lang=lang)) for lang, t in descriptions.items() if t]
        if criteria_url:
            triples.append((b, U(OBI.criteria), U(criteria_url)))
        if criteria_text:
            triples.append((b, U(OBI.criteria), Literal(criteria_text)))
        if training:
            triples += [(b, U(MF.forTraining), U(training))]
            if not (criteria_url or criteria_text):
                triples.append((b, U(OBI.criteria), U(training)))
        triples += [(b, U(MF.alignedSkill), U(s)) for s in skills]
        change = Change(note=f"badge class {slug}").adding(self.store.logical_graph("badge-classes", "public"), triples)
        change.origins[str(b)] = f"badge class {slug}"
        self.store.apply(change, source="badge-classes", importer="maarifa.badges")
        return self._load_badge(str(b))

    def is_skill(self, iri: str) -> bool:
        return any(True for _ in self.store.triples(U(iri), TYPE, U(SKOS.Concept)))
