"""Territories: every ISO 3166-1 alpha-2 country Babel knows and the UN M49 regions.

Babel's CLDR data has the territory names but (in the Babel versions we support) not the
containment table, so the M49 geoscheme (public UN data, Standard country or area codes
for statistical use) is spelled out below: each leaf region lists its countries, each
region names its parent. ``territory_containment`` from Babel is used instead when a
Babel version provides it.

The nodes live in their own source, ``territories`` (kind ``territories``, no file
needed). The people and orgs importers call :func:`territory_plan` to import it first when
it is missing, so a territory a person names always exists as an ``mf:Country`` or
``mf:Region`` with names in English, Spanish, French and Arabic.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from babel import Locale
from rdflib import URIRef

from graph import SourceGraphs
from ontology import MF, RDF, SCHEMA

from .base import ImportPlan, Importer, Report, lang_text, mint, string

SOURCE = "territories"
NAME_LANGUAGES = ("en", "es", "fr", "ar")

# leaf region -> countries (UN M49)
M49_COUNTRIES = {
    "015": "DZ EG LY MA SD TN EH",
    "014": "IO BI KM DJ ER ET TF KE MG MW MU YT MZ RE RW SC SO SS UG TZ ZM ZW",
    "017": "AO CM CF TD CG CD GQ GA ST",
    "018": "BW SZ LS NA ZA",
    "011": "BJ BF CV CI GM GH GN GW LR ML MR NE NG SH SN SL TG",
    "029": "AI AG AW BS BB BQ VG KY CU CW DM DO GD GP HT JM MQ MS PR BL KN LC MF VC SX TT TC VI",
    "013": "BZ CR SV GT HN MX NI PA",
    "005": "AR BO BV BR CL CO EC FK GF GY PY PE GS SR UY VE",
    "021": "BM CA GL PM US",
    "143": "KZ KG TJ TM UZ",
    "030": "CN HK MO KP JP MN KR TW",
    "035": "BN KH ID LA MY MM PH SG TH TL VN",
    "034": "AF BD BT IN IR MV NP PK LK",
    "145": "AM AZ BH CY GE IQ IL JO KW LB OM QA SA PS SY TR AE YE",
    "151": "BY BG CZ HU PL MD RO RU SK UA",
    "154": "AX DK EE FO FI GG IS IE IM JE LV LT NO SJ SE GB",
    "039": "AL AD BA HR GI GR VA IT MT ME MK PT SM RS SI ES XK",
    "155": "AT BE FR DE LI LU MC NL CH",
    "053": "AU CX CC HM NZ NF",
    "054": "FJ NC PG SB VU",
    "057": "GU KI MH FM NR MP PW UM",
    "061": "AS CK PF NU PN WS TK TO TV WF",
    "001": "AQ",
}
# region -> parent region
M49_PARENT = {
    "002": "001", "019": "001", "142": "001", "150": "001", "009": "001",
    "015": "002", "202": "002", "014": "202", "017": "202", "018": "202", "011": "202",
    "419": "019", "003": "019", "021": "003", "029": "419", "013": "419", "005": "419",
    "143": "142", "030": "142", "035": "142", "034": "142", "145": "142",
    "151": "150", "154": "150", "039": "150", "155": "150",
    "053": "009", "054": "009", "057": "009", "061": "009",
}
# CLDR codes that are not ISO 3166-1 countries (groupings, reserved or exceptional codes)
NOT_COUNTRIES = {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "ZZ"}


@lru_cache(maxsize=1)
def _names() -> dict[str, dict[str, str]]:
    names: dict[str, dict[str, str]] = {}
    for lang in NAME_LANGUAGES:
        for code, name in Locale.parse(lang).territories.items():
            names.setdefault(code, {})[lang] = name
    return names


@lru_cache(maxsize=1)
def countries() -> frozenset[str]:
    return frozenset(c for c in _names() if len(c) == 2 and c.isalpha() and c not in NOT_COUNTRIES)


@lru_cache(maxsize=1)
def regions() -> frozenset[str]:
    return frozenset(c for c in _names() if len(c) == 3 and c.isdigit())


@lru_cache(maxsize=1)
def containment() -> dict[str, list[str]]:
    """Territory code -> the M49 regions containing it, nearest first."""
    try:
        from babel.core import get_global
        table = get_global("territory_containment") or {}
    except Exception:
        table = {}
    parent: dict[str, str] = dict(M49_PARENT)
    if table:
        for region, members in table.items():
            for member in (members.get("contains", []) if isinstance(members, dict) else members):
                parent.setdefault(member, region)
    for region, codes in M49_COUNTRIES.items():
        for code in codes.split():
            parent.setdefault(code, region)
    chains = {}
    for code in set(parent) | countries() | regions():
        chain, seen = [], code
        while seen in parent and parent[seen] not in chain:
            seen = parent[seen]
            chain.append(seen)
        chains[code] = chain
    return chains


def normalize(code: str) -> str | None:
    """The canonical code of a territory (``ke`` -> ``KE``), or None when unknown."""
    code = (code or "").strip()
    if code.isdigit() and len(code) == 3 and code in regions():
        return code
    if code.upper() in countries():
        return code.upper()
    return None


def territory_iri(store, code: str) -> URIRef:
    return mint(store, "territory", code)


def build_source(store) -> SourceGraphs:
    """Every country and region, with names and ``schema:containedInPlace`` to its regions."""
    names = _names()
    triples = []
    origins = {}
    chains = containment()
    for code in sorted(countries() | regions()):
        node = territory_iri(store, code)
        kind = MF.Country if len(code) == 2 else MF.Region
        triples.append((node, URIRef(RDF.type), URIRef(kind)))
        triples.append((node, URIRef(MF.territoryCode), string(code)))
        for lang, name in sorted(names.get(code, {}).items()):
            triples.append((node, URIRef(SCHEMA.name), lang_text(name, lang)))
        for region in chains.get(code, []):
            if region in regions():
                triples.append((node, URIRef(SCHEMA.containedInPlace), territory_iri(store, region)))
        origins[str(node)] = f"territories (Babel/CLDR {code})"
    digest = hashlib.sha256("\n".join(sorted(f"{s} {p} {o!r}" for s, p, o in triples)).encode()).hexdigest()
    return SourceGraphs(name=SOURCE, label="Babel CLDR territories and UN M49 regions",
                        importer=TerritoriesImporter().importer_id, checksum="sha256:" + digest,
                        graphs={"public": triples}, origins=origins)


def is_loaded(store) -> bool:
    return store.record(store.logical_graph(SOURCE, "public")) is not None


def territory_plan(store) -> SourceGraphs | None:
    """The territories source when the store does not have it yet, else None."""
    return None if is_loaded(store) else build_source(store)


class TerritoriesImporter(Importer):
    kind = "territories"
    description = "ISO 3166 countries and UN M49 regions with names from Babel/CLDR (PATH is ignored; use '-')"
    path_optional = True

    def read(self, path: Path, store, options) -> ImportPlan:
        report = Report(self.kind, str(path))
        source = build_source(store)
        report.records = len(countries() | regions())
        return ImportPlan(report, [source])


def with_territories(plan, store):
    """Import the territories source first when the store does not have it yet."""
    prerequisite = territory_plan(store)
    if prerequisite is not None:
        plan.sources.insert(0, prerequisite)
        plan.prerequisites.add(prerequisite.name)
    return plan
