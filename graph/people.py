"""People's profiles: who may see what, reading a profile, and validated updates.

Every read takes the caller's :class:`Viewer` and reads *only* the graphs of the access
levels that viewer may see (``anonymous`` → public graphs; a member → public and members
graphs; the person themself or an admin → private graphs too). Members-only and private
data are therefore unreachable for other callers rather than filtered out afterwards, and
the e-mail address, which the importers only ever write into a private graph, is reachable
only by the person and by admins.

An update (:meth:`Profiles.update`) is checked field by field first, with typed errors a
person can read (unknown skill, level or proficiency out of range, unknown language or
territory, a skill outside the taxonomy's schemes, conflicting claims), then written with
one :meth:`graph.store.GraphStore.apply`, which validates the touched nodes against the
shapes before anything becomes visible: a rejected update changes nothing.

Where an update writes: a person's facts stay in the logical graph that already holds the
person (``people/{access}`` for imported people, where ``access`` follows their
visibility); a new person-facing node (claim, language ability, role assignment) goes
next to the person; the e-mail goes into the private graph of the same source. Changing the
visibility moves every node of the person (claims, languages, role assignments,
completions, awards) into the same source's graph of the new access level.

Re-importing a people CSV replaces the ``people`` source, so edits made here to imported
people are overwritten by the next import of that file (the file is the source of truth
for what it holds).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.namespace import XSD as RXSD

from ontology import DCT, MF, OBI, ORG, RDF, SCHEMA

from .changes import ACCESS_LEVELS, Change
from .errors import MaarifaError, NotFound, PermissionDenied
from .ownership import PARTS, person_links
from .terms import from_ox, named

# -- errors --------------------------------------------------------------------------------


class ProfileError(MaarifaError):
    """A profile update or a peer query that cannot be carried out; nothing was changed."""

    http_status = 400


class UnknownSkill(ProfileError):
    def __init__(self, ref: str):
        super().__init__(f"unknown skill {ref!r}: not a code, label or IRI of the skill taxonomy")
        self.ref = ref


class SkillOutsideScheme(ProfileError):
    def __init__(self, ref: str):
        super().__init__(f"{ref!r} is not a skill of the taxonomy (a skos:Concept in a skos:ConceptScheme)")
        self.ref = ref


class LevelOutOfRange(ProfileError):
    def __init__(self, value, what: str = "level", low: int = 1, high: int = 4):
        super().__init__(f"{what} {value!r} is out of range: use an integer from {low} to {high}")
        self.value = value


class ProficiencyOutOfRange(LevelOutOfRange):
    def __init__(self, value, language: str = ""):
        super().__init__(value, f"proficiency of {language}" if language else "proficiency", 0, 5)


class UnknownLanguage(ProfileError):
    def __init__(self, code: str):
        super().__init__(f"unknown language {code!r}: use a BCP 47 code such as sw or pt-BR")
        self.code = code


class UnknownTerritory(ProfileError):
    def __init__(self, code: str):
        super().__init__(f"unknown territory {code!r}: use an ISO 3166-1 alpha-2 country code (KE) "
                         f"or a UN M49 region code (011) that this node knows")
        self.code = code


class UnknownOrganization(ProfileError):
    def __init__(self, ref: str):
        super().__init__(f"unknown organization {ref!r}: use its acronym, slug or IRI")
        self.ref = ref


class UnknownRole(ProfileError):
    def __init__(self, ref: str):
        super().__init__(f"unknown role {ref!r}: use its slug or IRI (roles come from `maarifa ingest roles`)")
        self.ref = ref


class UnknownStatus(ProfileError):
    def __init__(self, value: str):
        super().__init__(f"unknown claim status {value!r}: use known, available or wanted")
        self.value = value


class ConflictingClaims(ProfileError):
    def __init__(self, message: str):
        super().__init__(f"conflicting skill claims: {message}")


class InvalidField(ProfileError):
    pass


class PersonNotFound(NotFound):
    def __init__(self, username: str):
        super().__init__(f"no person {username!r} (or not visible to you)")
        self.username = username


# -- who is asking -------------------------------------------------------------------------

ALL = ACCESS_LEVELS
MEMBERS = ("public", "members")
PUBLIC = ("public",)
VIEW_LEVELS = {"public": PUBLIC, "members": MEMBERS, "all": ALL}


@dataclass(frozen=True)
class Viewer:
    """The caller: anonymous (role None), a member (any token role), or an admin.

    ``username`` names the person the caller is, when known (a token named after a
    username): that person sees their own private data and may edit their profile.
    """

    role: str | None = None
    username: str | None = None

    @classmethod
    def anonymous(cls) -> "Viewer":
        return cls(None)

    @classmethod
    def member(cls, username: str | None = None) -> "Viewer":
        return cls("member", username)

    @classmethod
    def admin(cls, username: str | None = None) -> "Viewer":
        return cls("admin", username)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def view(self) -> str:
        """The name of the access view for queries about other people."""
        if self.is_admin:
            return "all"
        return "members" if self.role else "public"

    def levels(self, about: str | None = None) -> tuple[str, ...]:
        """The access levels this caller may read (about one person, when given)."""
        if self.is_admin or (about is not None and self.username is not None and about == self.username):
            return ALL
        return MEMBERS if self.role else PUBLIC

    def may_edit(self, username: str) -> bool:
        return self.is_admin or (self.username is not None and self.username == username)


# -- low-level reads restricted to access levels --------------------------------------------

TYPE = named(RDF.type)
STATUS_NAMES = {MF.Known: "known", MF.Available: "available", MF.Wanted: "wanted"}
STATUS_IRIS = {v: k for k, v in STATUS_NAMES.items()}
VISIBILITY_NAMES = {MF.Public: "public", MF.MembersOnly: "members", MF.Private: "private"}
VISIBILITY_IRIS = {v: k for k, v in VISIBILITY_NAMES.items()}


def graphs_of(store, levels: Iterable[str]) -> list[ox.NamedNode]:
    return [named(g) for g in store.active_graphs(levels)]


def quads(store, s=None, p=None, o=None, levels: Iterable[str] = ALL):
    """Quads of the active graphs of ``levels`` only (graphs of other levels are never read)."""
    for g in graphs_of(store, levels):
        yield from store._store.quads_for_pattern(s, p, o, g)


def values(store, s, p, levels) -> list:
    return [q.object for q in quads(store, s, named(p), None, levels)]


def logical_by_physical(store) -> dict[str, str]:
    return {r.physical: r.logical for r in store.records()}


def find_person(store, username: str, levels: Iterable[str]) -> ox.NamedNode | None:
    for q in quads(store, None, named(MF.username), ox.Literal(username), levels):
        if any(True for _ in quads(store, q.subject, TYPE, named(MF.Person), levels)):
            return q.subject
    return None


def owned_nodes(store, person: ox.NamedNode, levels: Iterable[str] = ALL, *,
                thorough: bool = False) -> set[ox.NamedNode]:
    """The person and every node that exists only for them: claims, language abilities, role
    assignments, training completions, badge awards (and their recipient and evidence nodes and
    the claims they created), and anything named ``{person}#...``."""
    levels = tuple(levels)
    nodes = {person}
    for p in PARTS:  # the same links the public replica's rule follows (ownership.py)
        nodes |= {q.object for q in quads(store, person, p, None, levels) if isinstance(q.object, ox.NamedNode)}
    for p in person_links():
        for q in quads(store, None, p, person, levels):
            if isinstance(q.subject, ox.NamedNode):
                nodes.add(q.subject)
                for r in quads(store, q.subject, named(OBI.recipient), None, levels):
                    if isinstance(r.object, ox.NamedNode):
                        nodes.add(r.object)
                # an award's own evidence nodes ({award}#evidence-N): a narrative may name the person
                for r in quads(store, q.subject, named(OBI.evidence), None, levels):
                    if isinstance(r.object, ox.NamedNode) and r.object.value.startswith(q.subject.value + "#"):
                        nodes.add(r.object)
    if thorough:  # fragments of the person nothing above reached (a full scan: for erasure)
        prefix = person.value + "#"
        for g in graphs_of(store, levels):
            for q in store._store.quads_for_pattern(None, None, None, g):
                if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(prefix):
                    nodes.add(q.subject)
    return nodes


def located(store, subjects: Iterable[ox.NamedNode], levels: Iterable[str] = ALL) -> list[tuple[str, tuple]]:
    """(logical graph, (s, p, o) as rdflib terms) of every triple about ``subjects``."""
    logical = logical_by_physical(store)
    out = []
    for subject in subjects:
        for g in graphs_of(store, levels):
            for q in store._store.quads_for_pattern(subject, None, None, g):
                out.append((logical[g.value], (from_ox(q.subject), from_ox(q.predicate), from_ox(q.object))))
    return out


def now_xsd() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


# -- catalogs: skills, territories, organizations, roles ------------------------------------


def _fold(text: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKC", str(text)).casefold().strip()


@lru_cache(maxsize=4096)
def valid_language(code: str) -> bool:
    """A BCP 47 code Babel (CLDR) knows, e.g. ``sw``, ``pt-BR``, ``zh-Hant``."""
    from babel import Locale, UnknownLocaleError

    if not re.fullmatch(r"[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*", code or ""):
        return False
    try:
        Locale.parse(code, sep="-")
        return True
    except (UnknownLocaleError, ValueError, TypeError):
        return False


class Taxonomy:
    """The skills (concepts in a scheme), their hierarchy and labels, and the territories,
    organizations and roles a profile or a query may name. Read from public graphs only
    (none of this is personal)."""

    def __init__(self, store):
        self._store = store
        self.labels: dict[str, dict[str, str]] = {}
        self.code: dict[str, str] = {}
        self.broader: dict[str, set[str]] = {}
        self.in_scheme: set[str] = set()
        self.concepts: set[str] = set()
        self.by_code: dict[str, str] = {}
        self.by_label: dict[str, str] = {}
        rows = store.select(
            "SELECT ?c ?n ?l ?b ?s WHERE { ?c a skos:Concept . OPTIONAL { ?c skos:notation ?n } "
            "OPTIONAL { ?c skos:prefLabel ?l } OPTIONAL { ?c skos:broader ?b } "
            "OPTIONAL { ?c skos:inScheme ?s . ?s a skos:ConceptScheme } }", access=PUBLIC)
        for r in rows:
            c = str(r["c"])
            self.concepts.add(c)
            if "n" in r:
                self.code.setdefault(c, str(r["n"]))
                self.by_code.setdefault(str(r["n"]), c)
            if "l" in r:
                self.labels.setdefault(c, {}).setdefault(r["l"].language or "und", str(r["l"]))
                self.by_label.setdefault(_fold(r["l"]), c)
            if "b" in r:
                self.broader.setdefault(c, set()).add(str(r["b"]))
            if "s" in r:
                self.in_scheme.add(c)
        for r in store.select("SELECT ?c ?a WHERE { ?c a skos:Concept ; skos:altLabel ?a }", access=PUBLIC):
            self.by_label.setdefault(_fold(r["a"]), str(r["c"]))
        self.narrower: dict[str, set[str]] = {}
        for c, parents in self.broader.items():
            for b in parents:
                self.narrower.setdefault(b, set()).add(c)
        self._subtree: dict[str, frozenset[str]] = {}
        self._ancestors: dict[str, tuple[str, ...]] = {}
        # territories
        self.territory_by_code: dict[str, str] = {}
        self.territory_code: dict[str, str] = {}
        self.territory_names: dict[str, dict[str, str]] = {}
        self.container: dict[str, set[str]] = {}
        for r in store.select("SELECT ?t ?code ?name ?in WHERE { ?t mf:territoryCode ?code . "
                              "OPTIONAL { ?t schema:name ?name } OPTIONAL { ?t schema:containedInPlace ?in } }",
                              access=PUBLIC):
            t = str(r["t"])
            self.territory_by_code[str(r["code"]).upper()] = t
            self.territory_code[t] = str(r["code"])
            if "name" in r:
                self.territory_names.setdefault(t, {}).setdefault(r["name"].language or "und", str(r["name"]))
            if "in" in r:
                self.container.setdefault(t, set()).add(str(r["in"]))
        self._places: dict[str, frozenset[str]] = {}
        # organizations
        self.org_labels: dict[str, dict[str, str]] = {}
        self.org_by_ref: dict[str, str] = {}
        self.org_code: dict[str, str] = {}
        for r in store.select("SELECT ?o ?n ?l WHERE { ?o a org:Organization . OPTIONAL { ?o skos:notation ?n } "
                              "OPTIONAL { ?o skos:prefLabel ?l } }", access=PUBLIC):
            o = str(r["o"])
            self.org_by_ref.setdefault(_fold(o.rstrip("/").rsplit("/", 1)[-1]), o)
            if "n" in r:
                self.org_by_ref.setdefault(_fold(r["n"]), o)
                self.org_code.setdefault(o, str(r["n"]))
            if "l" in r:
                self.org_labels.setdefault(o, {}).setdefault(r["l"].language or "und", str(r["l"]))
        # roles
        self.role_labels: dict[str, dict[str, str]] = {}
        self.role_requires: dict[str, set[str]] = {}
        for r in store.select("SELECT ?r ?l ?s WHERE { ?r a org:Role . OPTIONAL { ?r skos:prefLabel ?l } "
                              "OPTIONAL { ?r mf:requiresSkill ?s } }", access=PUBLIC):
            role = str(r["r"])
            self.role_requires.setdefault(role, set())
            if "l" in r:
                self.role_labels.setdefault(role, {}).setdefault(r["l"].language or "und", str(r["l"]))
            if "s" in r:
                self.role_requires[role].add(str(r["s"]))

    # skills

    def resolve_skill(self, ref) -> str:
        """A skill IRI from a code, a label (any language) or an IRI; typed errors otherwise."""
        text = str(ref).strip()
        iri = None
        if text in self.concepts:
            iri = text
        elif text in self.by_code:
            iri = self.by_code[text]
        elif _fold(text) in self.by_label:
            iri = self.by_label[_fold(text)]
        if iri is None:
            if re.match(r"^(https?|urn):", text) and self._store.ask("ASK { ?s a ?t }", access=PUBLIC, s=URIRef(text)):
                raise SkillOutsideScheme(text)  # something the node knows, but not a skill of the taxonomy
            raise UnknownSkill(text)
        if iri not in self.in_scheme:
            raise SkillOutsideScheme(text)
        return iri

    def check_skill_iri(self, iri: str) -> None:
        if iri not in self.concepts:
            raise UnknownSkill(iri)
        if iri not in self.in_scheme:
            raise SkillOutsideScheme(iri)

    def subtree(self, iri: str) -> frozenset[str]:
        """The skill and every narrower skill (skos:broader*, inverted)."""
        if iri not in self._subtree:
            out, todo = {iri}, [iri]
            while todo:
                for n in self.narrower.get(todo.pop(), ()):
                    if n not in out:
                        out.add(n)
                        todo.append(n)
            self._subtree[iri] = frozenset(out)
        return self._subtree[iri]

    def ancestors(self, iri: str) -> tuple[str, ...]:
        """The skill's broader skills, transitively (not the skill itself)."""
        if iri not in self._ancestors:
            out, todo = [], list(self.broader.get(iri, ()))
            while todo:
                b = todo.pop()
                if b not in out and b != iri:
                    out.append(b)
                    todo.extend(self.broader.get(b, ()))
            self._ancestors[iri] = tuple(out)
        return self._ancestors[iri]

    def skill_label(self, iri: str, lang: str = "en") -> str:
        return _pick(self.labels.get(iri, {}), lang) or self.code.get(iri) or iri.rsplit("/", 1)[-1]

    def skill_info(self, iri: str, lang: str = "en") -> dict:
        return {"iri": iri, "code": self.code.get(iri), "label": self.skill_label(iri, lang)}

    # territories

    def resolve_territory(self, code) -> str:
        text = str(code or "").strip()
        if text in self.territory_code:
            return text
        iri = self.territory_by_code.get(text.upper())
        if iri is None:
            raise UnknownTerritory(text)
        return iri

    def places(self, territory: str) -> frozenset[str]:
        """Codes of the territory and every region containing it (schema:containedInPlace*)."""
        if territory not in self._places:
            out, todo, seen = set(), [territory], set()
            while todo:
                t = todo.pop()
                if t in seen:
                    continue
                seen.add(t)
                if t in self.territory_code:
                    out.add(self.territory_code[t])
                todo.extend(self.container.get(t, ()))
            self._places[territory] = frozenset(out)
        return self._places[territory]

    def depth(self, territory: str) -> int:
        """How many regions contain the territory (World 001 is 0, Africa 002 is 1, Kenya 4)."""
        return len(self.places(territory)) - 1

    def shared_region(self, a: str, b: str) -> str | None:
        """The smallest region containing both territories, below World (UN M49 001): Kenya and
        Nigeria share Sub-Saharan Africa (202), Kenya and Morocco Africa (002), Kenya and France
        only World, which says nothing about being close (None then)."""
        common = (self.places(a) & self.places(b)) - {WORLD}
        if not common:
            return None
        regions = [self.territory_by_code[code.upper()] for code in common]
        return max(regions, key=lambda t: (self.depth(t), self.territory_code[t]))

    def territory_info(self, iri: str | None, lang: str = "en") -> dict | None:
        """Code and name of a territory in ``lang``: the graph's name in that language, else
        CLDR's (Babel has every territory in every locale), else the graph's in another one."""
        if not iri:
            return None
        code = self.territory_code.get(iri)
        names = self.territory_names.get(iri, {})
        name = names.get(lang) or _cldr_territory_name(code, lang) or _pick(names, lang) or code
        return {"iri": iri, "code": code, "name": name}

    # organizations and roles

    def resolve_org(self, ref) -> str:
        text = str(ref or "").strip()
        if text in self.org_code or text in self.org_labels or text in self.org_by_ref.values():
            return text
        iri = self.org_by_ref.get(_fold(text))
        if iri is None:
            raise UnknownOrganization(text)
        return iri

    def org_info(self, iri: str, lang: str = "en") -> dict:
        return {"iri": iri, "code": self.org_code.get(iri),
                "label": _pick(self.org_labels.get(iri, {}), lang) or self.org_code.get(iri) or iri.rsplit("/", 1)[-1]}

    def resolve_role(self, ref) -> str:
        text = str(ref or "").strip()
        if text in self.role_requires:
            return text
        for role in self.role_requires:
            if role.rstrip("/").rsplit("/", 1)[-1] == text:
                return role
        raise UnknownRole(text)

    def role_info(self, iri: str, lang: str = "en") -> dict:
        return {"iri": iri, "label": _pick(self.role_labels.get(iri, {}), lang) or iri.rsplit("/", 1)[-1]}


WORLD = "001"  # UN M49: the region every territory lies in


@lru_cache(maxsize=4096)
def _cldr_territory_name(code: str | None, lang: str) -> str | None:
    from babel import Locale, UnknownLocaleError

    if not code:
        return None
    try:
        return Locale.parse(lang, sep="-").territories.get(code.upper())
    except (UnknownLocaleError, ValueError, TypeError):
        return None


def _pick(labels: dict[str, str], lang: str) -> str | None:
    if not labels:
        return None
    for tag in (lang, lang.split("-")[0], "en", "und"):
        if tag in labels:
            return labels[tag]
    return next(iter(sorted(labels.items())))[1]


def check_level(value, what: str = "level") -> int:
    try:
        number = int(str(value).strip())
        if str(value).strip() != str(number) and not isinstance(value, int):
            raise ValueError
    except (TypeError, ValueError):
        raise LevelOutOfRange(value, what) from None
    if isinstance(value, bool) or not 1 <= number <= 4:
        raise LevelOutOfRange(value, what)
    return number


def check_proficiency(value, language: str = "") -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ProficiencyOutOfRange(value, language) from None
    if isinstance(value, bool) or not 0 <= number <= 5:
        raise ProficiencyOutOfRange(value, language)
    return number


def check_language(code) -> str:
    text = str(code or "").strip()
    if not valid_language(text):
        raise UnknownLanguage(text)
    return text


def check_status(value) -> str:
    text = str(value or "").strip().lower()
    aliases = {"know": "known", "offer": "available", "offered": "available", "want": "wanted"}
    text = aliases.get(text, text)
    if text not in STATUS_IRIS:
        raise UnknownStatus(str(value))
    return text


def _bool(value, field: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("yes", "true", "1", "y"):
        return True
    if text in ("no", "false", "0", "n"):
        return False
    raise InvalidField(f"{field} {value!r} must be true or false")


# -- the profile service --------------------------------------------------------------------

PROFILE_FIELDS = ("name", "email", "languages", "territory", "organizations", "mentoring", "visibility",
                  "federation_consent", "claims", "add_claims", "remove_claims", "roles")


class Profiles:
    """Read and update people's profiles, within the caller's access."""

    def __init__(self, store):
        self.store = store

    def taxonomy(self) -> Taxonomy:
        return Taxonomy(self.store)

    # reading

    def get(self, username: str, viewer: Viewer, *, lang: str = "en") -> dict:
        levels = viewer.levels(about=username)
        person = find_person(self.store, username, levels)
        if person is None:
            raise PersonNotFound(username)
        return self._read(person, levels, self.taxonomy(), lang)

    def _read(self, person: ox.NamedNode, levels, tax: Taxonomy, lang: str) -> dict:
        store = self.store

        def one(s, p):
            found = values(store, s, p, levels)
            return found[0].value if found else None

        languages = []
        for ability in values(store, person, MF.speaks, levels):
            code, prof = one(ability, MF.language), one(ability, MF.proficiency)
            if code is not None:
                languages.append({"code": code, "proficiency": int(prof) if prof is not None else None})
        claims = []
        for claim in values(store, person, MF.hasClaim, levels):
            skill, level, status = one(claim, MF.skill), one(claim, MF.level), one(claim, MF.claimStatus)
            if skill is None:
                continue
            claims.append({
                "id": claim.value, "skill": tax.skill_info(skill, lang),
                "status": STATUS_NAMES.get(status, status), "level": int(level) if level else None,
                "verified": one(claim, MF.verified) == "true",
                "evidence": sorted(o.value for o in values(store, claim, MF.evidence, levels)),
                "modified": one(claim, DCT.modified),
            })
        claims.sort(key=lambda c: ({"known": 0, "available": 1, "wanted": 2}.get(c["status"], 3),
                                   c["skill"]["label"].casefold()))
        roles = []
        for q in quads(store, None, named(ORG.member), person, levels):
            a = q.subject
            if not any(True for _ in quads(store, a, TYPE, named(MF.RoleAssignment), levels)):
                continue
            role, org = one(a, ORG.role), one(a, ORG.organization)
            roles.append({"id": a.value, "role": tax.role_info(role, lang) if role else None,
                          "organization": tax.org_info(org, lang) if org else None,
                          "start": one(a, SCHEMA.startDate), "end": one(a, SCHEMA.endDate)})
        territory = one(person, MF.territory)
        visibility = one(person, MF.visibility)
        out = {
            "iri": person.value,
            "username": one(person, MF.username),
            "name": one(person, SCHEMA.name),
            "visibility": VISIBILITY_NAMES.get(visibility, visibility),
            "federation_consent": one(person, MF.federationConsent) == "true",
            "mentoring": one(person, MF.mentoringAvailable) == "true",
            "territory": tax.territory_info(territory, lang),
            "organizations": sorted((tax.org_info(o.value, lang) for o in values(store, person, ORG.memberOf, levels)),
                                    key=lambda o: o["label"].casefold()),
            "languages": sorted(languages, key=lambda x: (-(x["proficiency"] or 0), x["code"])),
            "claims": claims,
            "roles": roles,
        }
        if "private" in levels:
            out["email"] = one(person, SCHEMA.email)
        return out

    # updating

    def update(self, username: str, patch: dict, viewer: Viewer, *, lang: str = "en") -> dict:
        """Apply ``patch`` (fields of :data:`PROFILE_FIELDS`) to a profile; returns the new profile."""
        if not isinstance(patch, dict):
            raise InvalidField("a profile update is a JSON object of fields to change")
        unknown = sorted(set(patch) - set(PROFILE_FIELDS))
        if unknown:
            raise InvalidField(f"unknown field(s) {', '.join(unknown)}; known: {', '.join(PROFILE_FIELDS)}")
        person = find_person(self.store, username, viewer.levels(about=username))
        if person is None:
            raise PersonNotFound(username)
        if not viewer.may_edit(username):
            raise PermissionDenied(f"only {username} or an admin may change this profile")
        change = self.plan(person, username, patch)
        if not change.is_empty():
            self.store.apply(change, source="people", importer="maarifa.graph.people")
        return self.get(username, viewer, lang=lang)

    def plan(self, person: ox.NamedNode, username: str, patch: dict) -> Change:
        """The change an update makes (checked; not yet applied)."""
        store, tax = self.store, self.taxonomy()
        P = URIRef(person.value)
        nodes = owned_nodes(store, person)
        where = located(store, nodes)
        home = next((g for g, (s, p, o) in where if str(s) == person.value and str(p) == RDF.type
                     and str(o) == MF.Person), None)
        if home is None:
            raise PersonNotFound(username)
        change = Change(note="profile update", origins={person.value: f"profile update of {username}"})
        current = [(g, t) for g, t in where]

        def person_values(pred):
            return [(g, t) for g, t in current if str(t[0]) == person.value and str(t[1]) == pred]

        def replace_person_value(pred, new_obj):
            for g, t in person_values(pred):
                change.removing(g, [t])
            if new_obj is not None:
                change.adding(home, [(P, URIRef(pred), new_obj)])

        if "name" in patch:
            name = str(patch["name"] or "").strip()
            if not name:
                raise InvalidField("the name cannot be empty")
            replace_person_value(SCHEMA.name, Literal(name))
        if "email" in patch:
            email = str(patch["email"] or "").strip()
            if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
                raise InvalidField(f"email {email[:80]!r} is not an e-mail address")
            for g, t in person_values(SCHEMA.email):
                change.removing(g, [t])
            if email:
                change.adding(_with_access(home, "private"), [(P, URIRef(SCHEMA.email), Literal(email))])
        if "mentoring" in patch:
            replace_person_value(MF.mentoringAvailable, Literal(_bool(patch["mentoring"], "mentoring")))
        if "federation_consent" in patch:
            replace_person_value(MF.federationConsent,
                                 Literal(_bool(patch["federation_consent"], "federation_consent")))
        if "territory" in patch:
            value = patch["territory"]
            replace_person_value(MF.territory, URIRef(tax.resolve_territory(value)) if value else None)
        if "organizations" in patch:
            orgs = patch["organizations"] or []
            if not isinstance(orgs, list):
                raise InvalidField("organizations is a list of acronyms, slugs or IRIs")
            for g, t in person_values(ORG.memberOf):
                change.removing(g, [t])
            change.adding(home, [(P, URIRef(ORG.memberOf), URIRef(tax.resolve_org(o))) for o in orgs])
        if "languages" in patch:
            self._plan_languages(change, patch["languages"], P, home, current)
        if any(k in patch for k in ("claims", "add_claims", "remove_claims")):
            self._plan_claims(change, patch, P, home, current, tax)
        if "roles" in patch:
            self._plan_roles(change, patch["roles"], P, home, current, tax)
        if "visibility" in patch:
            new = str(patch["visibility"] or "").strip().lower()
            if new not in VISIBILITY_IRIS:
                raise InvalidField(f"visibility {patch['visibility']!r} must be public, members or private")
            change = self._move(change, P, new, home, current)
        return change

    def _plan_languages(self, change, spec, P, home, current):
        if isinstance(spec, dict):
            items = list(spec.items())
        elif isinstance(spec, list):
            items = []
            for item in spec:
                if isinstance(item, dict):
                    items.append((item.get("code"), item.get("proficiency", 3)))
                else:
                    code, _, prof = str(item).partition(":")
                    items.append((code, prof or 3))
        else:
            raise InvalidField("languages is a list such as [{\"code\": \"sw\", \"proficiency\": 4}] or {\"sw\": 4}")
        checked = {}
        for code, prof in items:
            code = check_language(code)
            if code.casefold() in {c.casefold() for c in checked}:
                raise InvalidField(f"language {code} is listed twice")
            checked[code] = check_proficiency(prof, code)
        abilities = {str(t[2]) for g, t in current if str(t[0]) == str(P) and str(t[1]) == MF.speaks}
        for g, t in current:
            if str(t[0]) in abilities or (str(t[0]) == str(P) and str(t[1]) == MF.speaks):
                change.removing(g, [t])
        for code, prof in checked.items():
            ability = URIRef(f"{P}#lang-{code}")
            change.adding(home, [(P, URIRef(MF.speaks), ability), (ability, URIRef(RDF.type), URIRef(MF.LanguageAbility)),
                                 (ability, URIRef(MF.language), Literal(code, datatype=RXSD.language)),
                                 (ability, URIRef(MF.proficiency), Literal(str(prof), datatype=RXSD.integer))])

    def _plan_claims(self, change, patch, P, home, current, tax: Taxonomy):
        claims: dict[str, dict] = {}
        for g, (s, p, o) in current:
            if str(s) == str(P) and str(p) == MF.hasClaim:
                claims.setdefault(str(o), {"triples": [], "links": []})["links"].append((g, (s, p, o)))
        for g, (s, p, o) in current:
            if str(s) in claims:
                entry = claims[str(s)]
                entry["triples"].append((g, (s, p, o)))
                if str(p) == MF.skill:
                    entry["skill"] = str(o)
                elif str(p) == MF.claimStatus:
                    entry["status"] = STATUS_NAMES.get(str(o))
                elif str(p) == MF.level:
                    entry["level"] = int(str(o))

        def parse(item, field: str, need_level=True) -> dict:
            if not isinstance(item, dict):
                raise InvalidField(f"{field}: a claim is an object {{\"skill\": ..., \"status\": ..., \"level\": 1-4}}")
            if "skill" not in item:
                raise InvalidField(f"{field}: a claim needs a skill")
            out = {"skill": tax.resolve_skill(item["skill"]),
                   "status": check_status(item.get("status", "known"))}
            if need_level or "level" in item:
                out["level"] = check_level(item.get("level", 1))
            evidence = item.get("evidence") or []
            if isinstance(evidence, str):
                evidence = [evidence]
            for e in evidence:
                if not re.match(r"^(https?|urn):\S+$", str(e)):
                    raise InvalidField(f"{field}: evidence {e!r:.80} must be an IRI (a badge award, a completion, an event, a link)")
            out["evidence"] = [str(e) for e in evidence]
            return out

        existing = {cid: c for cid, c in claims.items() if "skill" in c and "status" in c}
        drop: set[str] = set()
        for field in ("claims", "add_claims", "remove_claims"):
            if field in patch and not isinstance(patch[field], list):
                raise InvalidField(f"{field} is a list of {{skill, status, level, evidence}}")
        if "claims" in patch:
            drop |= set(existing)
        for item in patch.get("remove_claims") or []:
            target = parse(item, "remove_claims", need_level=False)
            hits = [cid for cid, c in existing.items()
                    if c["skill"] == target["skill"] and (item.get("status") is None or c["status"] == target["status"])]
            if not hits:
                raise InvalidField(f"remove_claims: no claim on {tax.skill_label(target['skill'])} to remove")
            drop |= set(hits)
        wanted = [parse(item, field) for field in ("claims", "add_claims") for item in (patch.get(field) or [])]
        # an added claim with the same skill and status as a kept one replaces it (keeping its IRI,
        # hence its verification by a badge)
        kept = {cid: c for cid, c in existing.items() if cid not in drop}
        final: dict[tuple[str, str], dict] = {}
        for cid, c in kept.items():
            final[(c["skill"], c["status"])] = {"id": cid, **c, "old": True}
        seen_new: set[tuple[str, str]] = set()
        for w in wanted:
            key = (w["skill"], w["status"])
            if key in seen_new:
                raise ConflictingClaims(f"{tax.skill_label(w['skill'])} is claimed twice as {w['status']}")
            seen_new.add(key)
            reuse = next((cid for cid, c in existing.items() if (c["skill"], c["status"]) == key), None)
            final[key] = {"id": reuse, **w, "old": False}
        by_skill: dict[str, dict[str, int]] = {}
        for (skill, status), c in final.items():
            by_skill.setdefault(skill, {})[status] = c["level"]
        for skill, st in by_skill.items():
            held = max(st.get("known", 0), st.get("available", 0))
            if "wanted" in st and held and st["wanted"] <= held:
                raise ConflictingClaims(f"{tax.skill_label(skill)} is wanted at level {st['wanted']} but already "
                                        f"held at level {held}")
        # write: drop removed claims entirely, rewrite changed ones
        for cid in drop:
            if cid in {c["id"] for c in final.values() if c.get("id")}:
                continue
            for g, t in claims[cid]["triples"] + claims[cid]["links"]:
                change.removing(g, [t])
        stamp = Literal(now_xsd(), datatype=RXSD.dateTime)
        used = {cid.rsplit("#claim-", 1)[-1] for cid in claims}
        for _key, c in final.items():
            if c["old"]:
                continue
            if c["id"]:
                cid = URIRef(c["id"])
                graph = next(g for g, t in claims[c["id"]]["triples"] if str(t[1]) == MF.skill)
                for g, t in claims[c["id"]]["triples"]:
                    if str(t[1]) in (MF.level, DCT.modified) or (str(t[1]) == MF.evidence and not _is_award(t[2])):
                        change.removing(g, [t])
            else:
                n = 1
                while f"{n}" in used or f"s{n}" in used:
                    n += 1
                used.add(f"s{n}")
                cid, graph = URIRef(f"{P}#claim-s{n}"), home
                change.adding(graph, [(P, URIRef(MF.hasClaim), cid), (cid, URIRef(RDF.type), URIRef(MF.SkillClaim)),
                                      (cid, URIRef(MF.skill), URIRef(c["skill"])),
                                      (cid, URIRef(MF.claimStatus), URIRef(STATUS_IRIS[c["status"]]))])
            change.adding(graph, [(cid, URIRef(MF.level), Literal(str(c["level"]), datatype=RXSD.integer)),
                                  (cid, URIRef(DCT.modified), stamp)])
            change.adding(graph, [(cid, URIRef(MF.evidence), URIRef(e)) for e in c.get("evidence", [])])

    def _plan_roles(self, change, spec, P, home, current, tax: Taxonomy):
        if not isinstance(spec, list):
            raise InvalidField("roles is a list of {role, organization, start, end}")
        assignments = {str(s) for g, (s, p, o) in current if str(p) == ORG.member and str(o) == str(P)
                       and any(str(t[0]) == str(s) and str(t[2]) == MF.RoleAssignment for _, t in current)}
        for g, t in current:
            if str(t[0]) in assignments:
                change.removing(g, [t])
        for n, item in enumerate(spec, start=1):
            if not isinstance(item, dict) or "role" not in item:
                raise InvalidField("a role is an object {\"role\": slug, \"organization\": acronym, \"start\": date}")
            role = tax.resolve_role(item["role"])
            a = URIRef(f"{P}#role-{n}")
            triples = [(a, URIRef(RDF.type), URIRef(MF.RoleAssignment)), (a, URIRef(ORG.member), P),
                       (a, URIRef(ORG.role), URIRef(role))]
            if item.get("organization"):
                triples.append((a, URIRef(ORG.organization), URIRef(tax.resolve_org(item["organization"]))))
            for key, pred in (("start", SCHEMA.startDate), ("end", SCHEMA.endDate)):
                if item.get(key):
                    try:
                        dt.date.fromisoformat(str(item[key]))
                    except ValueError:
                        raise InvalidField(f"role {key} {item[key]!r} must be a date such as 2025-01-31") from None
                    triples.append((a, URIRef(pred), Literal(str(item[key]), datatype=RXSD.date)))
            change.adding(home, triples)

    def _move(self, change: Change, P, new: str, home: str, current) -> Change:
        """Set the visibility and move the person's nodes into the graphs of the new access level."""
        target = {"public": "public", "members": "members", "private": "private"}[new]
        # what the rest of the patch leaves in place: current minus removals plus additions
        removed = {(g, t) for g, ts in change.remove.items() for t in ts}
        state = [(g, t) for g, t in current if (g, t) not in removed]
        state += [(g, t) for g, ts in change.add.items() for t in ts]
        moved = Change(note=change.note, origins=change.origins)
        for g, ts in change.remove.items():
            moved.removing(g, ts)
        for g, t in current:
            if (g, t) not in removed:
                moved.removing(g, [t])
        for g, t in state:
            if str(t[1]) == MF.visibility and str(t[0]) == str(P):
                continue
            if str(t[1]) == SCHEMA.email:
                moved.adding(_with_access(g, "private"), [t])
            else:
                moved.adding(_with_access(g, target), [t])
        moved.adding(_with_access(home, target), [(P, URIRef(MF.visibility), URIRef(VISIBILITY_IRIS[new]))])
        return moved


def _is_award(term) -> bool:
    return "/id/award/" in str(term)


def _with_access(logical: str, access: str) -> str:
    head, _, tail = logical.rpartition("/")
    if tail not in ACCESS_LEVELS:
        raise MaarifaError(f"graph <{logical}> does not end in an access level")
    return f"{head}/{access}"
