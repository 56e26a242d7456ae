"""Peer finder and mentor matching over an in-memory peer index kept in sync from the change feed.

Why an index: a ranked query over a whole skill subtree ("who knows anything under
Wikidata, speaks Swahili at 3+, best first") is a sort over tens of thousands of claims in
SPARQL and takes seconds at 100k people (``bench/peers_bench.py`` measures both). The index
holds, per access view, each person's claims in posting lists sorted by rank, so the first
page of a query is a k-way merge that stops as soon as the page is full.

Who sees what: there is one index per *view* — ``public`` (built only from public graphs),
``members`` (public + members graphs) and ``all`` (every graph; admins). A caller's query
runs on the view of their access, so members-only and private people are not in the data
an anonymous query touches at all. Views are built lazily, on first use. E-mail addresses
are never read into any view.

Keeping in sync: each view remembers the feed sequence number it reflects; before a query
it applies the feed entries committed since (a changed person is re-read from the graphs
of the view's access levels; a taxonomy, territory or bulk import change rebuilds the view).

Ranking: claims backed by a badge (``mf:verified true``) first, then level, then recency
(``dct:modified``), then username. A person's rank in a query is that of their best claim
matching the query's claim filters; each result says which claim, language, territory,
organization and mentoring availability made it match.
"""

from __future__ import annotations

import bisect
import datetime as dt
import heapq
import re
import sys
import threading
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path

from ontology import DCT, MF, ORG, RDF, SCHEMA

from .people import (
    ALL, STATUS_NAMES, VIEW_LEVELS, InvalidField, PersonNotFound, Taxonomy, Viewer, _bool, check_language,
    check_level, check_proficiency, check_status, graphs_of,
)
from .terms import named

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
_QUAD_LINE = re.compile(r"\s*<([^>]*)>\s+<([^>]*)>\s+(?:<([^>]*)>)?")
_TAXONOMY_PREDICATES = {
    "http://www.w3.org/2004/02/skos/core#broader", "http://www.w3.org/2004/02/skos/core#inScheme",
    "http://www.w3.org/2004/02/skos/core#prefLabel", "http://www.w3.org/2004/02/skos/core#notation",
    SCHEMA.containedInPlace, MF.territoryCode, MF.requiresSkill,
}
_PERSON_LINKS = {MF.person, MF.recipient, ORG.member}


def _timestamp(text: str | None) -> float:
    if not text:
        return 0.0
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0


class Claim:
    __slots__ = ("iri", "skill", "level", "status", "verified", "modified", "person", "key")

    def __init__(self, iri, skill, level, status, verified, modified, person):
        self.iri, self.skill, self.level, self.status = iri, skill, level, status
        self.verified, self.modified, self.person = verified, modified, person
        self.key = (not verified, -level, -_timestamp(modified), person.username, iri)


class Person:
    __slots__ = ("iri", "username", "name", "visibility", "mentoring", "territory", "places", "orgs", "langs",
                 "claims", "roles", "best")

    def __init__(self, iri):
        self.iri = iri
        self.username = ""
        self.name = ""
        self.visibility = None
        self.mentoring = False
        self.territory = None
        self.places = frozenset()
        self.orgs = frozenset()
        self.langs: dict[str, int] = {}
        self.claims: list[Claim] = []
        self.roles: list[tuple[str, str | None]] = []
        self.best = None

    def speaks(self, code: str, minimum: int) -> tuple[str, int] | None:
        """The best of this person's languages matching ``code`` (``pt`` matches ``pt-BR``)."""
        code = code.casefold()
        best = None
        for tag, prof in self.langs.items():
            folded = tag.casefold()
            if (folded == code or folded.split("-")[0] == code) and prof >= minimum:
                if best is None or prof > best[1]:
                    best = (tag, prof)
        return best


#: the claims a query with a skill (or level, or ``verified``) but no ``status`` matches: people
#: who hold the skill. Learners are found with ``status=wanted`` (issue 11, item 11).
DEFAULT_STATUS = ("available", "known")


@dataclass
class PeerQuery:
    """A peer query; every filter is optional and they combine (AND).

    ``speaks`` is the spoken-language filter (``sw``, proficiency at least ``min_proficiency``,
    and never 0: a language at proficiency 0 is not spoken). It is not the language names are
    given in, which is ``lang_label`` (the caller's interface language).
    """

    skill: str | None = None
    min_level: int = 1
    status: tuple[str, ...] = DEFAULT_STATUS
    speaks: str | None = None
    min_proficiency: int = 1
    territory: str | None = None
    org: str | None = None
    mentoring: bool | None = None
    verified: bool = False
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    lang_label: str = "en"

    @property
    def has_claim_filter(self) -> bool:
        return bool(self.skill or self.min_level > 1 or self.verified or self.status != DEFAULT_STATUS)

    def describe(self) -> dict:
        return {k: v for k, v in {
            "skill": self.skill, "min_level": self.min_level if self.min_level > 1 else None,
            "status": list(self.status), "speaks": self.speaks,
            "min_proficiency": self.min_proficiency if self.speaks else None,
            "territory": self.territory, "org": self.org, "mentoring": self.mentoring,
            "verified": self.verified or None}.items() if v is not None}


def parse_query(params: dict) -> PeerQuery:
    """A :class:`PeerQuery` from loose parameters (CLI options, query string); typed errors.

    ``speaks`` is ``code`` or ``code:min_proficiency``; ``ui_lang`` the language of names."""
    def get(name, default=None):
        value = params.get(name, default)
        return default if value in (None, "", [], ()) else value

    q = PeerQuery()
    q.skill = get("skill")
    if get("level") is not None or get("min_level") is not None:
        q.min_level = check_level(get("level", get("min_level")), "minimum level")
    status = get("status")
    if status:
        items = status if isinstance(status, (list, tuple)) else str(status).split(",")
        q.status = tuple(sorted({check_status(s) for s in items}))
    speaks = get("speaks")
    if speaks:
        code, _, prof = str(speaks).partition(":")
        q.speaks = check_language(code)
        prof = prof or get("min_proficiency")
        if prof not in (None, ""):
            # 0 is a valid proficiency of a profile, but "speaks at 0 or more" would match
            # people who do not speak the language at all
            q.min_proficiency = max(1, check_proficiency(prof, q.speaks))
    elif get("min_proficiency") is not None:
        raise InvalidField("min_proficiency needs a spoken language (speaks)")
    q.territory = get("territory")
    q.org = get("org")
    mentoring = get("mentoring")
    if mentoring is not None:
        q.mentoring = _bool(mentoring, "mentoring")
    verified = get("verified")
    if verified is not None:
        q.verified = _bool(verified, "verified")
    q.page = positive_int(get("page", 1), "page")
    q.per_page = positive_int(get("per_page", DEFAULT_PER_PAGE), "per_page")
    if q.per_page > MAX_PER_PAGE:
        raise InvalidField(f"per_page {q.per_page} is above the limit of {MAX_PER_PAGE}")
    q.lang_label = str(get("ui_lang", "en"))
    return q


def positive_int(value, name: str) -> int:
    """``value`` (a number or its digits) as an integer of 1 or more, or :class:`InvalidField`
    naming ``name``; digits past Python's limit for reading an integer (4300) are refused too."""
    try:
        number = int(str(value))
    except ValueError:  # also a text of more digits than int() reads
        raise InvalidField(f"{name} {value!r:.60} must be a positive integer") from None
    if number < 1:
        raise InvalidField(f"{name} {value!r:.60} must be a positive integer")
    return number


# -- one view of the index -------------------------------------------------------------------


class View:
    """Every person the access levels of this view reveal, with posting lists per skill."""

    def __init__(self, store, name: str):
        self.store = store
        self.name = name
        self.levels = VIEW_LEVELS[name]
        self.people: dict[str, Person] = {}
        self.by_username: dict[str, Person] = {}
        self.postings: dict[str, list[Claim]] = {}
        self.claim_owner: dict[str, str] = {}
        self.by_lang: dict[str, set[str]] = {}
        self.by_place: dict[str, set[str]] = {}
        self.by_org: dict[str, set[str]] = {}
        self.mentors: set[str] = set()
        self.taxonomy: Taxonomy | None = None
        self.seq = 0
        self.graphs: frozenset[str] = frozenset()
        self._ranked: list[Person] | None = None

    # building

    def build(self) -> "View":
        self.seq = self.store.feed.head
        self.graphs = self.visible_graphs()
        self.taxonomy = Taxonomy(self.store)
        facts = self._read_all()
        for iri in facts["persons"]:
            person = self._make_person(iri, facts)
            if person is not None:
                self._insert(person)
        for claims in self.postings.values():
            claims.sort(key=attrgetter("key"))
        return self

    # on disk (graph.peer_files): one document per person; places come from the taxonomy
    # when read back, so a territory change (which rebuilds the view) needs no rewrite of them

    @staticmethod
    def doc_of(p: Person) -> dict:
        return {"username": p.username, "name": p.name, "visibility": p.visibility, "mentoring": p.mentoring,
                "territory": p.territory, "orgs": sorted(p.orgs), "langs": p.langs,
                "claims": [[c.iri, c.skill, c.level, c.status, c.verified, c.modified] for c in p.claims]}

    def docs(self):
        return ((iri, self.doc_of(p)) for iri, p in self.people.items())

    def _person_from_doc(self, iri: str, doc: dict) -> Person:
        p = Person(iri)
        p.username, p.name, p.visibility = doc["username"], doc["name"], doc["visibility"]
        p.mentoring, p.territory = doc["mentoring"], doc["territory"]
        p.places = self.taxonomy.places(p.territory) if p.territory else frozenset()
        p.orgs = frozenset(doc["orgs"])
        p.langs = doc["langs"]
        # one string object per distinct skill and status (JSON makes one per occurrence: at 100k
        # people, a million claims, that is tens of MB per view)
        p.claims = [Claim(iri, sys.intern(skill), level, sys.intern(status), verified, modified, p)
                    for iri, skill, level, status, verified, modified in doc["claims"]]  # stored in rank order
        p.best = p.claims[0].key if p.claims else (True, 0, 0, p.username, "")
        return p

    def visible_graphs(self) -> frozenset[str]:
        """The (physical) graphs this view reads: an import into another access level's graph
        leaves this set, and so the view, unchanged."""
        return frozenset(self.store.active_graphs(self.levels))

    def load(self, seq: int, graphs: frozenset[str], docs) -> "View":
        """The view as a file stored it at feed position ``seq`` (see :meth:`build`)."""
        self.seq = seq
        self.graphs = graphs
        self.taxonomy = Taxonomy(self.store)
        for iri, doc in docs:
            self._insert(self._person_from_doc(iri, doc))
        for claims in self.postings.values():
            claims.sort(key=attrgetter("key"))
        return self

    def _read_all(self) -> dict:
        graphs = graphs_of(self.store, self.levels)
        raw = self.store._store

        def pairs(predicate):
            p = named(predicate)
            for g in graphs:
                for q in raw.quads_for_pattern(None, p, None, g):
                    yield q.subject.value, q.object.value

        facts = {"persons": [s for s, o in pairs(RDF.type) if o == MF.Person]}
        for pred in (MF.username, SCHEMA.name, MF.visibility, MF.mentoringAvailable, MF.territory, ORG.memberOf,
                     MF.speaks, MF.hasClaim, MF.language, MF.proficiency, MF.skill, MF.level, MF.claimStatus,
                     MF.verified, DCT.modified, ORG.member, ORG.role, ORG.organization):
            table: dict[str, list[str]] = {}
            for s, o in pairs(pred):
                table.setdefault(s, []).append(o)
            facts[pred] = table
        return facts

    def _read_one(self, iri: str) -> dict:
        """The facts about one person (and their nodes) in this view's graphs."""
        graphs = graphs_of(self.store, self.levels)
        raw = self.store._store
        facts: dict = {"persons": []}

        def add(node):
            for g in graphs:
                for q in raw.quads_for_pattern(node, None, None, g):
                    facts.setdefault(q.predicate.value, {}).setdefault(q.subject.value, []).append(q.object.value)
                    if q.predicate.value == RDF.type and q.object.value == MF.Person:
                        facts["persons"].append(q.subject.value)

        person = named(iri)
        add(person)
        for pred in (MF.hasClaim, MF.speaks):
            for node in facts.get(pred, {}).get(iri, []):
                add(named(node))
        for g in graphs:
            for q in raw.quads_for_pattern(None, named(ORG.member), person, g):
                facts.setdefault(ORG.member, {}).setdefault(q.subject.value, []).append(iri)
                add(q.subject)
        return facts

    def _make_person(self, iri: str, facts: dict) -> Person | None:
        def first(pred, s=iri):
            found = facts.get(pred, {}).get(s)
            return found[0] if found else None

        username = first(MF.username)
        if username is None:
            return None
        p = Person(iri)
        p.username = username
        p.name = first(SCHEMA.name) or username
        p.visibility = first(MF.visibility)
        p.mentoring = first(MF.mentoringAvailable) == "true"
        p.territory = first(MF.territory)
        tax = self.taxonomy
        p.places = tax.places(p.territory) if p.territory else frozenset()
        p.orgs = frozenset(facts.get(ORG.memberOf, {}).get(iri, ()))
        for ability in facts.get(MF.speaks, {}).get(iri, ()):
            code, prof = first(MF.language, ability), first(MF.proficiency, ability)
            if code is not None:
                try:
                    p.langs[code] = int(prof) if prof is not None else 0
                except ValueError:
                    continue
        claims = []
        for c in dict.fromkeys(facts.get(MF.hasClaim, {}).get(iri, ())):
            skill, level, status = first(MF.skill, c), first(MF.level, c), first(MF.claimStatus, c)
            if skill is None or level is None or status not in STATUS_NAMES:
                continue
            try:
                level = int(level)
            except ValueError:
                continue
            claims.append(Claim(c, skill, level, STATUS_NAMES[status], first(MF.verified, c) == "true",
                                first(DCT.modified, c), p))
        p.claims = sorted(claims, key=attrgetter("key"))
        p.best = p.claims[0].key if p.claims else (True, 0, 0, username, "")
        return p

    def _roles_of(self, facts: dict) -> dict[str, list]:
        out: dict[str, list] = {}
        for a, members in facts.get(ORG.member, {}).items():
            roles = facts.get(ORG.role, {}).get(a)
            if not roles:
                continue
            orgs = facts.get(ORG.organization, {}).get(a) or [None]
            for m in members:
                out.setdefault(m, []).append((roles[0], orgs[0]))
        return out

    def _insert(self, p: Person, *, sort: bool = False) -> None:
        self.people[p.iri] = p
        self.by_username[p.username] = p
        for c in p.claims:
            self.claim_owner[c.iri] = p.iri
            postings = self.postings.setdefault(c.skill, [])
            if sort:
                bisect.insort(postings, c, key=attrgetter("key"))
            else:
                postings.append(c)
        for tag in p.langs:
            folded = tag.casefold()
            self.by_lang.setdefault(folded, set()).add(p.iri)
            self.by_lang.setdefault(folded.split("-")[0], set()).add(p.iri)
        for code in p.places:
            self.by_place.setdefault(code, set()).add(p.iri)
        for org in p.orgs:
            self.by_org.setdefault(org, set()).add(p.iri)
        if p.mentoring:
            self.mentors.add(p.iri)
        self._ranked = None

    def _remove(self, iri: str) -> None:
        p = self.people.pop(iri, None)
        if p is None:
            return
        if self.by_username.get(p.username) is p:
            del self.by_username[p.username]
        for c in p.claims:
            self.claim_owner.pop(c.iri, None)
            postings = self.postings.get(c.skill, [])
            i = bisect.bisect_left(postings, c.key, key=attrgetter("key"))
            while i < len(postings) and postings[i] is not c:
                i += 1
            if i < len(postings):
                del postings[i]
        for index in (self.by_lang, self.by_place, self.by_org):
            for members in index.values():
                members.discard(iri)
        self.mentors.discard(iri)
        self._ranked = None

    def refresh_person(self, iri: str) -> None:
        self._remove(iri)
        facts = self._read_one(iri)
        if iri in facts["persons"]:
            person = self._make_person(iri, facts)
            if person is not None:
                person.roles = self._roles_of(facts).get(iri, [])
                self._insert(person, sort=True)

    def load_roles(self) -> None:
        """Role assignments (for the skills map), read on demand."""
        facts = {"persons": []}
        graphs = graphs_of(self.store, self.levels)
        for pred in (ORG.member, ORG.role, ORG.organization):
            table: dict[str, list[str]] = {}
            for g in graphs:
                for q in self.store._store.quads_for_pattern(None, named(pred), None, g):
                    table.setdefault(q.subject.value, []).append(q.object.value)
            facts[pred] = table
        roles = self._roles_of(facts)
        for iri, person in self.people.items():
            person.roles = roles.get(iri, [])

    def ranked(self) -> list[Person]:
        """Everyone, by their best claim (for queries without claim filters)."""
        if self._ranked is None:
            self._ranked = sorted(self.people.values(), key=attrgetter("best"))
        return self._ranked

    # querying

    def resolve(self, q: PeerQuery) -> dict:
        tax = self.taxonomy
        out = {}
        if q.skill:
            out["skill"] = tax.resolve_skill(q.skill)
            out["skills"] = tax.subtree(out["skill"])
        if q.territory:
            iri = tax.resolve_territory(q.territory)
            out["territory"] = tax.territory_code[iri]
        if q.org:
            out["org"] = tax.resolve_org(q.org)
        return out

    def find(self, q: PeerQuery, viewer_username: str | None = None) -> dict:
        r = self.resolve(q)
        skills = r.get("skills")
        statuses = set(q.status) if q.status else None

        def claim_ok(c: Claim) -> bool:
            return (c.level >= q.min_level and (statuses is None or c.status in statuses)
                    and (not q.verified or c.verified) and (skills is None or c.skill in skills))

        def person_ok(p: Person) -> bool:
            if q.speaks and p.speaks(q.speaks, q.min_proficiency) is None:
                return False
            if "territory" in r and r["territory"] not in p.places:
                return False
            if "org" in r and r["org"] not in p.orgs:
                return False
            if q.mentoring is not None and p.mentoring != q.mentoring:
                return False
            return True

        # candidate people from the person-side filters (None: no such filter)
        sets = []
        if q.speaks:
            sets.append(self.by_lang.get(q.speaks.casefold(), set()))
        if "territory" in r:
            sets.append(self.by_place.get(r["territory"], set()))
        if "org" in r:
            sets.append(self.by_org.get(r["org"], set()))
        if q.mentoring:
            sets.append(self.mentors)
        candidates = set.intersection(*sorted(sets, key=len)) if sets else None

        start = (q.page - 1) * q.per_page
        stop = start + q.per_page + 1  # one more: is there a next page?
        rows: list[tuple[Person, Claim | None]] = []
        if q.has_claim_filter:
            lists = [self.postings[s] for s in (skills if skills is not None else self.postings) if s in self.postings]
            volume = sum(len(x) for x in lists)
            if candidates is not None and len(candidates) * 12 < volume:
                found = []
                for iri in candidates:
                    p = self.people[iri]
                    if not person_ok(p):
                        continue
                    best = next((c for c in p.claims if claim_ok(c)), None)
                    if best is not None:
                        found.append((best.key, p, best))
                found.sort(key=lambda t: t[0])
                rows = [(p, c) for _, p, c in found[start:stop]]
                strategy = "people"
            else:
                seen: set[str] = set()
                n = 0
                for c in heapq.merge(*lists, key=attrgetter("key")):
                    p = c.person
                    if p.iri in seen or not claim_ok(c):
                        continue
                    seen.add(p.iri)
                    if not person_ok(p):
                        continue
                    if n >= start:
                        rows.append((p, c))
                    n += 1
                    if n >= stop:
                        break
                strategy = "postings"
        else:
            if candidates is not None:
                people = sorted((self.people[i] for i in candidates), key=attrgetter("best"))
            else:
                people = self.ranked()
            n = 0
            for p in people:
                if not person_ok(p):
                    continue
                if n >= start:
                    rows.append((p, next((c for c in p.claims if claim_ok(c)), None)))
                n += 1
                if n >= stop:
                    break
            strategy = "people"
        has_more = len(rows) > q.per_page
        rows = rows[:q.per_page]
        return {
            "query": q.describe(), "view": self.name, "page": q.page, "per_page": q.per_page,
            "has_more": has_more, "strategy": strategy,
            "results": [self.explain(p, c, q, r) for p, c in rows],
        }

    def explain(self, p: Person, c: Claim | None, q: PeerQuery, r: dict) -> dict:
        """One result: who, what matched (``match``) and why, as structured ``reasons`` that
        the web layer and the command line put into words (see ``web/reasons.py``)."""
        tax, lang = self.taxonomy, q.lang_label
        reasons = []
        match: dict = {}
        if c is not None:
            match["claim"] = {"skill": tax.skill_info(c.skill, lang), "status": c.status, "level": c.level,
                              "verified": c.verified, "modified": c.modified}
            if r.get("skill") and c.skill != r["skill"]:
                match["claim"]["narrower_of"] = tax.skill_info(r["skill"], lang)
            reasons.append({"kind": "claim", **match["claim"]})
        if q.speaks:
            spoken = p.speaks(q.speaks, q.min_proficiency)
            if spoken:
                match["language"] = {"code": spoken[0], "proficiency": spoken[1]}
                reasons.append({"kind": "speaks", **match["language"]})
        if "territory" in r:
            match["territory"] = r["territory"]
            place = tax.territory_info(p.territory, lang)
            within = tax.territory_info(tax.territory_by_code[r["territory"]], lang)
            reasons.append({"kind": "lives_in", "territory": place,
                            "within": within if within["code"] != place["code"] else None})
        if "org" in r:
            match["organization"] = tax.org_info(r["org"], lang)
            reasons.append({"kind": "member_of", "organization": match["organization"]})
        if q.mentoring:
            match["mentoring"] = True
            reasons.append({"kind": "mentoring"})
        return {"username": p.username, "name": p.name, "iri": p.iri,
                "territory": tax.territory_info(p.territory, lang), "mentoring": p.mentoring,
                "reasons": reasons, "match": match}


# -- the service -----------------------------------------------------------------------------


class PeerIndex:
    """The views, kept in step with the change feed and, given a ``directory``, on disk.

    With a directory, a view is read from its file (:mod:`graph.peer_files`) rather than built
    from the store, then caught up from the feed; every catch-up writes what changed back, so
    the files follow every commit of the process that holds the store. ``builds`` and
    ``loads`` count how each view came to be (start-up tests assert on them).
    """

    def __init__(self, store, directory: Path | None = None):
        self.store = store
        self.directory = Path(directory) if directory else None
        self._views: dict[str, View] = {}
        self.lock = threading.RLock()
        self.builds = 0
        self.loads = 0
        self.preparing: str | None = None  # the view being built or read, for /health

    def view(self, name: str) -> View:
        with self.lock:
            view = self._views.get(name)
            if view is None:
                view = self._views[name] = self._open(name)
            self._catch_up(view)
            return view

    def sync(self, names=VIEW_LEVELS) -> None:
        """Bring every view in ``names`` (default: all) up to the feed head, and its file with it."""
        for name in names:
            self.view(name)

    def invalidate(self) -> None:
        with self.lock:
            self._views.clear()

    def rewrite(self) -> None:
        """Build every view afresh from the store and write each file anew (after an erasure: the
        old files, and the free pages inside them, may still hold the erased person)."""
        with self.lock:
            self._views.clear()
            for name in VIEW_LEVELS:
                self._views[name] = self._build(name)

    def status(self) -> dict:
        """Per view: the feed position it reflects and how far behind the head it is."""
        head = self.store.feed.head
        views = {}
        for name in VIEW_LEVELS:
            view = self._views.get(name)
            if view is not None:
                views[name] = {"position": view.seq, "head": head, "behind": max(0, head - view.seq),
                               "people": len(view.people)}
            elif self.preparing == name:
                views[name] = {"position": None, "head": head, "behind": None, "building": True}
        position = min((v["position"] for v in views.values() if v["position"] is not None), default=None)
        return {"consumer": "peers", "position": position, "head": head,
                "behind": None if position is None else max(0, head - position),
                "building": self.preparing, "views": views, "builds": self.builds, "loads": self.loads,
                "path": str(self.directory) if self.directory else None}

    def _file(self, name: str):
        from .peer_files import PeerIndexFile

        return PeerIndexFile(self.directory, name) if self.directory else None

    def _open(self, name: str) -> View:
        file = self._file(name)
        stored = file.read() if file is not None else None
        if stored is not None and stored[0] <= self.store.feed.head:
            self.preparing = name
            try:
                view = View(self.store, name).load(*stored)
            finally:
                self.preparing = None
            self.loads += 1
            return view
        return self._build(name)

    def _build(self, name: str) -> View:
        self.preparing = name
        try:
            view = View(self.store, name).build()
        finally:
            self.preparing = None
        self.builds += 1
        file = self._file(name)
        if file is not None:
            file.replace(view.seq, view.graphs, view.docs())
        return view

    def _catch_up(self, view: View) -> None:
        head = self.store.feed.head
        if view.seq >= head:
            return
        entries = self.store.feed.read(view.seq, limit=head - view.seq)
        people: set[str] = set()
        rebuild = replaced = False
        for entry in entries:
            payload = entry.payload
            if payload.get("kind") == "replace":  # an import switched graphs in or out: see below
                replaced = True
                continue
            if payload.get("kind") != "change":
                rebuild = True
                break
            for text in (payload.get("add", ""), payload.get("remove", "")):
                for line in text.splitlines():
                    m = _QUAD_LINE.match(line)
                    if not m:
                        continue
                    s, p, o = m.group(1), m.group(2), m.group(3)
                    if p in _TAXONOMY_PREDICATES or (p == RDF.type and o in _TAXONOMY_TYPES):
                        rebuild = True
                    people.add(s.split("#", 1)[0])
                    if s in view.claim_owner:
                        people.add(view.claim_owner[s])
                    if p in _PERSON_LINKS and o:
                        people.add(o)
                    if p == MF.hasClaim or p == MF.speaks:
                        people.add(s)
            if rebuild:
                break
        # an import into graphs this view does not read (another access level's) changes nothing here
        if replaced and not rebuild:
            rebuild = view.visible_graphs() != view.graphs
        if rebuild or len(people) > 5000:
            fresh = self._build(view.name)
            view.__dict__.update(fresh.__dict__)
            return
        changed = {}
        for iri in people:
            if iri in view.people or self._is_person(iri):
                view.refresh_person(iri)
                person = view.people.get(iri)
                changed[iri] = view.doc_of(person) if person is not None else None
        view.seq = entries[-1].seq if entries else head
        file = self._file(view.name)
        if file is not None:
            if file.exists():
                file.update(view.seq, changed)
            else:
                file.replace(view.seq, view.graphs, view.docs())

    def _is_person(self, iri: str) -> bool:
        person = named(iri)
        return any(True for g in graphs_of(self.store, ALL)
                   for _ in self.store._store.quads_for_pattern(person, named(RDF.type), named(MF.Person), g))


_TAXONOMY_TYPES = {"http://www.w3.org/2004/02/skos/core#Concept", "http://www.w3.org/2004/02/skos/core#ConceptScheme",
                   MF.Country, MF.Region, MF.Territory, ORG.Role, ORG.Organization}


class PeerFinder:
    """Peer finder and mentor matching for a caller (see :class:`graph.people.Viewer`)."""

    def __init__(self, store, index: PeerIndex | None = None):
        self.store = store
        self.index = index or PeerIndex(store)

    def find(self, viewer: Viewer, query: PeerQuery | dict) -> dict:
        q = query if isinstance(query, PeerQuery) else parse_query(query)
        with self.index.lock:
            view = self.index.view(viewer.view)
            result = view.find(q)
        head = self.store.feed.head  # a commit after the catch-up shows as "behind" until the next query
        result["index"] = {"position": view.seq, "head": head, "behind": max(0, head - view.seq)}
        return result

    # mentor matching

    def mentors(self, viewer: Viewer, *, username: str | None = None, skill: str | None = None,
                page: int = 1, per_page: int = DEFAULT_PER_PAGE, per_mentee: int = 3, lang: str = "en") -> dict:
        """Pairs where a mentee's *wanted* skill meets a mentor's *available* claim on that skill
        (or a narrower one) at a higher level; preferring a shared language, then a shared
        territory, then mentoring availability, a badge and the level.

        With ``username``: that person's wanted claims, each with its best mentors. Without it,
        everyone's wanted claims (on ``skill``'s subtree when given), mentees by username."""
        page = positive_int(page, "page")
        per_page = positive_int(per_page, "per_page")
        if per_page > MAX_PER_PAGE:
            raise InvalidField(f"per_page {per_page} is above the limit of {MAX_PER_PAGE}")
        with self.index.lock:
            return self._mentors(self.index.view(viewer.view), username, skill, page, per_page, per_mentee, lang)

    def _mentors(self, view, username, skill, page, per_page, per_mentee, lang) -> dict:
        tax = view.taxonomy
        scope = tax.subtree(tax.resolve_skill(skill)) if skill else None
        if username:
            mentee = view.by_username.get(username)
            if mentee is None:
                raise PersonNotFound(username)
            mentees = [mentee]
        else:
            mentees = sorted((p for p in view.people.values()
                              if any(c.status == "wanted" and (scope is None or c.skill in scope) for c in p.claims)),
                             key=attrgetter("username"))
        wants = [(p, c) for p in mentees for c in sorted(p.claims, key=lambda c: c.skill)
                 if c.status == "wanted" and (scope is None or c.skill in scope)]
        start = (page - 1) * per_page
        chosen = wants[start:start + per_page]
        results = []
        for p, want in chosen:
            results.append({
                "mentee": {"username": p.username, "name": p.name},
                "wants": {"skill": tax.skill_info(want.skill, lang), "level": want.level},
                "mentors": self._best_mentors(view, p, want, per_mentee, lang),
            })
        return {"page": page, "per_page": per_page, "has_more": len(wants) > start + per_page,
                "view": view.name, "results": results}

    def _best_mentors(self, view: View, mentee: Person, want: Claim, limit: int, lang: str) -> list[dict]:
        tax = view.taxonomy
        scored = []
        for skill in tax.subtree(want.skill):
            for c in view.postings.get(skill, ()):
                m = c.person
                if c.status != "available" or c.level <= want.level or m.iri == mentee.iri:
                    continue
                shared = sorted({t for t in m.langs for u in mentee.langs
                                 if t.casefold().split("-")[0] == u.casefold().split("-")[0]
                                 and m.langs[t] >= 2 and mentee.langs[u] >= 2})
                region = None
                if m.territory and m.territory == mentee.territory:
                    same_place = 2
                else:
                    region = tax.shared_region(m.territory, mentee.territory) if m.territory and mentee.territory \
                        else None
                    same_place = 1 if region else 0
                # a smaller shared region (deeper in the M49 tree) is a closer match
                closeness = tax.depth(region) if region else 0
                key = (not shared, -same_place, -closeness, not m.mentoring, not c.verified, -c.level, m.username)
                scored.append((key, m, c, shared, same_place, region))
        scored.sort(key=lambda t: t[0])
        out, seen = [], set()
        for _key, m, c, shared, same_place, region in scored:
            if m.iri in seen:
                continue
            seen.add(m.iri)
            offer = {"kind": "offers", "skill": tax.skill_info(c.skill, lang), "level": c.level,
                     "wanted_level": want.level,
                     "narrower_of": tax.skill_info(want.skill, lang) if c.skill != want.skill else None}
            reasons = [offer]
            if shared:
                reasons.append({"kind": "shares_languages", "languages": shared})
            if same_place == 2:
                reasons.append({"kind": "same_territory", "territory": tax.territory_info(m.territory, lang)})
            elif region:
                reasons.append({"kind": "same_region", "region": tax.territory_info(region, lang)})
            if m.mentoring:
                reasons.append({"kind": "mentoring"})
            if c.verified:
                reasons.append({"kind": "verified"})
            out.append({"username": m.username, "name": m.name, "skill": tax.skill_info(c.skill, lang),
                        "level": c.level, "verified": c.verified, "shared_languages": shared,
                        "same_territory": same_place == 2, "same_region": same_place >= 1,
                        "region": tax.territory_info(region, lang) if region else None,
                        "mentoring": m.mentoring, "reasons": reasons})
            if len(out) >= limit:
                break
        return out


# -- the same selection as one SPARQL query (the baseline, and a cross-check in the tests) ----


def sparql_for(q: PeerQuery, tax: Taxonomy) -> str:
    """One SPARQL SELECT for a peer query: ranked, first page; run with the view's access levels."""
    # written in the order that lets the engine start from the skill subtree (35x faster than
    # starting from the people): the fair baseline for the peer index
    where = [f"?s skos:broader* <{tax.resolve_skill(q.skill)}> ." if q.skill else "",
             "?c mf:skill ?s ; mf:level ?level ; mf:claimStatus ?st .",
             "?p mf:hasClaim ?c ; a mf:Person ; mf:username ?u .",
             "OPTIONAL { ?c mf:verified ?v } OPTIONAL { ?c dct:modified ?m }"]
    if q.min_level > 1:
        where.append(f"FILTER(?level >= {q.min_level})")
    if q.status:
        where.append("VALUES ?st { " + " ".join(f"mf:{s.capitalize()}" for s in q.status) + " }")
    if q.verified:
        where.append("FILTER(BOUND(?v) && ?v = true)")
    if q.speaks:
        where.append("?p mf:speaks ?a . ?a mf:language ?lang ; mf:proficiency ?prof .")
        where.append(f'FILTER((LCASE(STR(?lang)) = "{q.speaks.lower()}" || STRSTARTS(LCASE(STR(?lang)), '
                     f'"{q.speaks.lower()}-")) && ?prof >= {q.min_proficiency})')
    if q.territory:
        code = tax.territory_code[tax.resolve_territory(q.territory)]
        where.append(f'?p mf:territory ?t . ?t schema:containedInPlace* ?place . ?place mf:territoryCode "{code}" .')
    if q.org:
        where.append(f"?p org:memberOf <{tax.resolve_org(q.org)}> .")
    if q.mentoring is not None:
        where.append(f"?p mf:mentoringAvailable {'true' if q.mentoring else 'false'} .")
    body = "\n  ".join(w for w in where if w)
    offset = (q.page - 1) * q.per_page
    rank = 'CONCAT(IF(BOUND(?v) && ?v, "1", "0"), STR(?level), COALESCE(STR(?m), ""))'
    return (f"SELECT ?p ?u (MAX({rank}) AS ?rank)\n"
            f"WHERE {{\n  {body}\n}}\nGROUP BY ?p ?u\nORDER BY DESC(?rank) ?u\n"
            f"LIMIT {q.per_page + 1} OFFSET {offset}")


def run_sparql(store, viewer: Viewer, q: PeerQuery, tax: Taxonomy | None = None) -> list[str]:
    """Usernames the plain SPARQL query returns (on the graphs of the caller's view only)."""
    tax = tax or Taxonomy(store)
    rows = store.select(sparql_for(q, tax), access=VIEW_LEVELS[viewer.view])
    return [str(r["u"]) for r in rows][:q.per_page]


__all__ = ["PeerFinder", "PeerIndex", "PeerServices", "PeerQuery", "View", "parse_query", "sparql_for", "run_sparql",
           "DEFAULT_PER_PAGE", "MAX_PER_PAGE"]



class PeerServices:
    """Profiles, the peer finder, mentor matching and the skills map over one shared peer index."""

    def __init__(self, store, directory: Path | None = None):
        from .people import Profiles
        from .skills_map import SkillsMap

        self.store = store
        self.index = PeerIndex(store, directory)
        self.profiles = Profiles(store)
        self.finder = PeerFinder(store, self.index)
        self.skills_map = SkillsMap(store, self.index)
