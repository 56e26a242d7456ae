"""The community skills map of an organization or a territory, from the peer index.

The community: people who are members of the organization (``org:memberOf``), or whose
territory is the territory or lies in it (a region includes its countries, through
``schema:containedInPlace``), among the people the caller's access reveals (the same
views as the peer finder: anonymous callers count public profiles only).

Per skill, counted over its whole subtree (the skill and its narrower skills; a person is
counted once per skill however many of its narrower skills they claim):

* ``know``  — people holding it (a ``known`` or ``available`` claim: offering implies knowing),
* ``offer`` — people offering it to others (``available``),
* ``want``  — people who want to learn it (``wanted``);

plus the same three counted on the skill itself only (``*_direct``).

Nobody visible: when the caller's access reveals nobody in the community (an anonymous
caller and an organization whose members are all members-only), the map has no skills and no
missing skills: "nobody holds it" would describe what the caller may see, not the community.

Missing skills: skills required by the community's roles (``org:Role mf:requiresSkill``,
from ``roles.yaml``) that nobody in the community holds (no ``known``/``available`` claim
on the skill or a narrower one). The roles of an organization are those assigned in it
(``mf:RoleAssignment`` with ``org:organization``); when none is assigned yet, and for a
territory, every role the node defines counts, since any community needs them.
"""

from __future__ import annotations

import csv
import io

from .peers import PeerIndex
from .people import InvalidField, Viewer

CSV_COLUMNS = ["skill", "code", "label", "broader", "depth", "know", "offer", "want",
               "know_direct", "offer_direct", "want_direct", "required_by", "missing"]


class SkillsMap:
    def __init__(self, store, index: PeerIndex | None = None):
        self.store = store
        self.index = index or PeerIndex(store)

    def build(self, viewer: Viewer, *, org: str | None = None, territory: str | None = None,
              lang: str = "en", include_empty: bool = False) -> dict:
        if bool(org) == bool(territory):
            raise InvalidField("a skills map needs exactly one of an organization (--org) or a territory (--territory)")
        with self.index.lock:
            view = self.index.view(viewer.view)
            return self._build(view, org, territory, lang, include_empty)

    def _build(self, view, org, territory, lang, include_empty) -> dict:
        tax = view.taxonomy
        if org:
            iri = tax.resolve_org(org)
            members = view.by_org.get(iri, set())
            scope = {"kind": "organization", **tax.org_info(iri, lang)}
        else:
            t = tax.resolve_territory(territory)
            code = tax.territory_code[t]
            members = view.by_place.get(code, set())
            scope = {"kind": "territory", **tax.territory_info(t, lang)}
        counts = {"known": {}, "available": {}, "wanted": {}}
        direct = {"known": {}, "available": {}, "wanted": {}}
        for iri in members:
            person = view.people[iri]
            for claim in person.claims:
                statuses = ("known", "available") if claim.status == "available" else (claim.status,)
                for status in statuses:
                    direct[status].setdefault(claim.skill, set()).add(iri)
                    counts[status].setdefault(claim.skill, set()).add(iri)
                    for a in tax.ancestors(claim.skill):
                        counts[status].setdefault(a, set()).add(iri)
        roles = self._roles(view, org and tax.resolve_org(org))
        required: dict[str, list[str]] = {}
        for role in roles:
            for skill in tax.role_requires.get(role, ()):
                required.setdefault(skill, []).append(role)
        rows = []
        for skill in _tree_order(tax):
            row = {
                "skill": skill, "code": tax.code.get(skill), "label": tax.skill_label(skill, lang),
                "broader": sorted(tax.broader.get(skill, ())),
                "depth": len(tax.ancestors(skill)),
                "know": len(counts["known"].get(skill, ())), "offer": len(counts["available"].get(skill, ())),
                "want": len(counts["wanted"].get(skill, ())),
                "know_direct": len(direct["known"].get(skill, ())),
                "offer_direct": len(direct["available"].get(skill, ())),
                "want_direct": len(direct["wanted"].get(skill, ())),
                "required_by": sorted(tax.role_info(r, lang)["label"] for r in required.get(skill, ())),
            }
            # with nobody visible to the caller, "nobody holds it" would say nothing about the community
            row["missing"] = bool(members) and bool(row["required_by"]) and row["know"] == 0
            if include_empty or row["know"] or row["want"] or (members and row["required_by"]):
                rows.append(row)
        missing = [{"skill": r["skill"], "code": r["code"], "label": r["label"], "required_by": r["required_by"],
                    "want": r["want"]} for r in rows if r["missing"]]
        return {"scope": scope, "view": view.name, "people": len(members),
                "roles": [tax.role_info(r, lang) for r in sorted(roles)],
                "roles_from": "assignments" if org and self._assigned(view, tax.resolve_org(org)) else "all roles",
                "skills": rows, "missing": missing}

    def _assigned(self, view, org_iri) -> set[str]:
        if not getattr(view, "_roles_loaded", False):
            view.load_roles()
            view._roles_loaded = True
        return {role for p in view.people.values() for role, o in p.roles if o == org_iri}

    def _roles(self, view, org_iri) -> list[str]:
        tax = view.taxonomy
        if org_iri:
            assigned = self._assigned(view, org_iri)
            if assigned:
                return sorted(assigned)
        return sorted(tax.role_requires)


def _tree_order(tax) -> list[str]:
    """Skills depth first from the top concepts, siblings by code/label; each once."""
    out, seen = [], set()

    def key(c):
        code = tax.code.get(c) or ""
        return (0, int(code), "") if code.isdigit() else (1, 0, tax.skill_label(c).casefold())

    def visit(c):
        if c in seen:
            return
        seen.add(c)
        out.append(c)
        for n in sorted(tax.narrower.get(c, ()), key=key):
            visit(n)

    for top in sorted((c for c in tax.in_scheme if not (tax.broader.get(c, set()) & tax.concepts)), key=key):
        visit(top)
    for c in sorted(tax.in_scheme - seen, key=key):
        visit(c)
    return out


def to_csv(result: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in result["skills"]:
        writer.writerow([r["skill"], r["code"] or "", r["label"], " ".join(r["broader"]), r["depth"], r["know"],
                         r["offer"], r["want"], r["know_direct"], r["offer_direct"], r["want_direct"],
                         "; ".join(r["required_by"]), "yes" if r["missing"] else "no"])
    return out.getvalue()
