"""JSON API for people, peers, mentors and the skills map, and the OpenAPI document of /api.

Who sees what follows the caller's token (``Authorization: Bearer``): no token → public
profiles only; any member token → members-only profiles too; an admin token → private
profiles too. A token whose *name* is a person's username acts as that person for their
own profile (reads their private data, e-mail included, and may PATCH it); tokens are
created by an administrator (``maarifa token create --name USERNAME``), so that binding is
theirs to make.
"""

from __future__ import annotations

import re

from flask import Blueprint, current_app, g, jsonify, request

from graph.people import InvalidField, Viewer

from .api import identify_caller

bp = Blueprint("peers_api", __name__)
bp.before_request(identify_caller)


def _services():
    services = current_app.extensions["maarifa.services"]
    bundle = getattr(services, "peer_services", None)
    if bundle is None:  # services built without the wiring's property (tests, other factories)
        from graph.peers import PeerServices

        bundle = current_app.extensions.get("maarifa.peer_services")
        if bundle is None:
            bundle = current_app.extensions["maarifa.peer_services"] = PeerServices(services.store)
    return bundle


def viewer() -> Viewer:
    principal = g.principal
    if principal.role is None:
        return Viewer.anonymous()
    if principal.role == "admin":
        return Viewer.admin(principal.name)
    return Viewer.member(principal.name)


def _ui_lang() -> str:
    """The language of names and reasons in an answer: ``?lang=`` or, deprecated, ``?ui_lang=``
    (any BCP 47 tag), else the locale the request negotiates (Accept-Language), as in the UI."""
    chosen = request.args.get("lang") or request.args.get("ui_lang")
    if chosen:
        if ":" in chosen:
            # the peer finder's old spoken-language filter looked like this (sw:3)
            raise InvalidField(f"lang {chosen!r} is the language of names in the answer, not a filter; "
                               f"to find people who speak a language use speaks={chosen}")
        return chosen
    from flask_babel import get_locale

    return str(get_locale() or "en").replace("_", "-")


@bp.get("/peers")
def peers():
    from graph.peers import parse_query

    from .reasons import with_words

    args = request.args
    query = parse_query({"skill": args.get("skill"), "level": args.get("level") or args.get("min_level"),
                         "status": args.getlist("status"), "speaks": args.get("speaks"),
                         "min_proficiency": args.get("min_proficiency"), "territory": args.get("territory"),
                         "org": args.get("org"), "mentoring": args.get("mentoring"),
                         "verified": args.get("verified"), "page": args.get("page"),
                         "per_page": args.get("per_page"), "ui_lang": _ui_lang()})
    return jsonify(with_words(_services().finder.find(viewer(), query)))


@bp.get("/mentors")
def mentors():
    from .reasons import with_words

    args = request.args
    result = _services().finder.mentors(
        viewer(), username=args.get("username") or None, skill=args.get("skill") or None,
        page=args.get("page") or 1, per_page=args.get("per_page") or 20,
        per_mentee=_int(args.get("per_mentee"), 3, "per_mentee"), lang=_ui_lang())
    return jsonify(with_words(result))


def federated_results(skill: str | None, level, statuses: list[str]) -> dict:
    """This node's and every allow-listed node's people with a skill (graph.federation); the
    same defaults as the peer finder: people who know or offer it unless ``statuses`` says."""
    from graph.federation import federated_peer_search
    from graph.peers import DEFAULT_STATUS
    from graph.people import check_level, check_status

    services, settings = current_app.extensions["maarifa.services"], current_app.extensions["maarifa.settings"]
    status = tuple(sorted({check_status(s) for s in statuses if s})) or DEFAULT_STATUS
    return federated_peer_search(services.peers.urls(), skill=skill or None,
                                 min_level=check_level(level or 1, "minimum level"), status=status,
                                 timeout=settings.federation_timeout, local=services.store)


@bp.get("/federation/peers")
def federated_peers():
    """Federated peer search: this node and every allow-listed node."""
    args = request.args
    return jsonify(federated_results(args.get("skill"), args.get("level"), args.getlist("status")))


@bp.get("/skills-map")
def skills_map():
    from graph.skills_map import to_csv

    args = request.args
    result = _services().skills_map.build(viewer(), org=args.get("org") or None,
                                          territory=args.get("territory") or None, lang=_ui_lang(),
                                          include_empty=args.get("all_skills") in ("1", "true", "yes"))
    wants_csv = args.get("format") == "csv" or (
        request.accept_mimetypes.best_match(["application/json", "text/csv"]) == "text/csv"
        and "application/json" not in request.headers.get("Accept", ""))
    if wants_csv:
        return current_app.response_class(to_csv(result), mimetype="text/csv",
                                          headers={"Content-Disposition": "attachment; filename=skills-map.csv"})
    return jsonify(result)


@bp.get("/people/<username>")
def person(username):
    return jsonify(_services().profiles.get(username, viewer(), lang=_ui_lang()))


@bp.patch("/people/<username>")
def update_person(username):
    patch = request.get_json(silent=True)
    if not isinstance(patch, dict):
        raise InvalidField("send the fields to change as a JSON object (Content-Type: application/json)")
    return jsonify(_services().profiles.update(username, patch, viewer(), lang=_ui_lang()))


def _int(value, default: int, name: str) -> int:
    from graph.peers import positive_int

    return default if value in (None, "") else positive_int(value, name)


# -- OpenAPI -----------------------------------------------------------------------------------

def _param(name, description, schema=None, where="query", required=False):
    return {"name": name, "in": where, "required": required or where == "path", "description": description,
            "schema": schema or {"type": "string"}}


PAGING = [_param("page", "Page number, from 1.", {"type": "integer", "minimum": 1, "default": 1}),
          _param("per_page", "Results per page (at most 100).",
                 {"type": "integer", "minimum": 1, "maximum": 100, "default": 20})]
LANG = _param("lang", "Language of the names of skills, places and organizations and of the reasons "
                      "(`why`) in the answer, BCP 47 (default: Accept-Language). Not a filter: the spoken-language "
                      "filter of /api/peers is `speaks`.")
UI_LANG = {**_param("ui_lang", "Deprecated (removed in the next release): the old name of `lang`."),
           "deprecated": True}
NAMES_LANG = [LANG, UI_LANG]
#: the claim filters of the peer finder and of the federated peer search (same defaults)
CLAIM_FILTERS = [
    _param("level", "Minimum level of the claim.", {"type": "integer", "minimum": 1, "maximum": 4}),
    _param("status", "known, available or wanted (repeatable). Without it: known and available, "
                     "people who hold the skill; `wanted` finds learners.",
           {"type": "string", "enum": ["known", "available", "wanted"]})]
ERROR = {"description": "A readable error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _ok(description, schema=None, extra=None):
    content = {"application/json": {"schema": schema or {"type": "object"}}}
    if extra:
        content.update(extra)
    return {"description": description, "content": content}


#: Known /api operations, by (OpenAPI path, method). Routes the app has that are not listed
#: here still appear in the document, with their view's docstring as the summary.
OPERATIONS = {
    ("/api/whoami", "get"): {
        "summary": "Who the token says you are", "security": [{}, {"bearer": []}],
        "responses": {"200": _ok("Name and role (anonymous callers: role null)", {
            "type": "object", "properties": {"name": {"type": "string"}, "role": {"type": ["string", "null"]}}})},
    },
    ("/api/graphs", "get"): {
        "summary": "The named graphs of this node with their provenance (admin)", "security": [{"bearer": []}],
        "responses": {"200": _ok("Graphs", {"type": "array", "items": {"type": "object"}}), "401": ERROR, "403": ERROR},
    },
    ("/api/peers", "get"): {
        "summary": "Peer finder: people by skill (narrower skills included), level, status, language, "
                   "territory (a region includes its countries), organization, mentoring; ranked "
                   "(badge-verified, level, recency), each result saying why it matched; paginated",
        "security": [{}, {"bearer": []}],
        "parameters": [
            _param("skill", "Skill code, label or IRI."),
            *CLAIM_FILTERS,
            _param("speaks", "Spoken language (BCP 47), optionally `code:min_proficiency`, e.g. sw:3. "
                             "A language at proficiency 0 is not spoken."),
            _param("min_proficiency", "Minimum proficiency in the `speaks` language (1-5; 0 counts as 1).",
                   {"type": "integer", "minimum": 0, "maximum": 5}),
            _param("territory", "ISO 3166-1 alpha-2 or UN M49 code."),
            _param("org", "Organization acronym, slug or IRI."),
            _param("mentoring", "true: only people available for mentoring.", {"type": "boolean"}),
            _param("verified", "true: only badge-verified claims.", {"type": "boolean"}),
            *PAGING, *NAMES_LANG],
        "responses": {"200": _ok("A page of peers", {"$ref": "#/components/schemas/PeerPage"}), "400": ERROR},
    },
    ("/api/mentors", "get"): {
        "summary": "Mentor matching: wanted skills met by others' available claims at a higher level, "
                   "preferring a shared language and territory",
        "security": [{}, {"bearer": []}],
        "parameters": [_param("username", "The mentee (default: everyone who wants a skill)."),
                       _param("skill", "Only wanted skills in this skill's subtree."),
                       _param("per_mentee", "Mentors per wanted skill.", {"type": "integer", "default": 3}),
                       *PAGING, *NAMES_LANG],
        "responses": {"200": _ok("Wanted skills with their best mentors"), "400": ERROR, "404": ERROR},
    },
    ("/api/federation/peers", "get"): {
        "summary": "Federated peer search: people with a skill on this node and on every allow-listed node, "
                   "each marked with its node (`local`: this node); a node that is down is reported in `nodes`",
        "security": [{}, {"bearer": []}],
        "parameters": [
            _param("skill", "Skill code or part of its English label (narrower skills included)."),
            *CLAIM_FILTERS],
        "responses": {"200": _ok("People from every node", {"$ref": "#/components/schemas/FederatedPeers"}),
                      "400": ERROR},
    },
    ("/api/skills-map", "get"): {
        "summary": "Community skills map of an organization or a territory: per skill subtree how many "
                   "know, offer and want it; skills its roles require that nobody holds",
        "security": [{}, {"bearer": []}],
        "parameters": [_param("org", "Organization acronym, slug or IRI (or territory)."),
                       _param("territory", "ISO 3166-1 alpha-2 or UN M49 code (or org)."),
                       _param("format", "json (default) or csv.", {"type": "string", "enum": ["json", "csv"]}),
                       _param("all_skills", "true: list every skill, also those nobody knows or wants.",
                              {"type": "boolean"}), *NAMES_LANG],
        "responses": {"200": _ok("The map", extra={"text/csv": {"schema": {"type": "string"}}}), "400": ERROR},
    },
    ("/api/people/{username}", "get"): {
        "summary": "A person's profile, as far as the caller may see it (e-mail only for the person and admins)",
        "security": [{}, {"bearer": []}],
        "parameters": [_param("username", "The person's username.", where="path"), *NAMES_LANG],
        "responses": {"200": _ok("The profile", {"$ref": "#/components/schemas/Profile"}), "404": ERROR},
    },
    ("/api/people/{username}", "patch"): {
        "summary": "Update a profile (the person themself or an admin); validated by the shapes, "
                   "rejected whole on any error",
        "security": [{"bearer": []}],
        "parameters": [_param("username", "The person's username.", where="path"), *NAMES_LANG],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/ProfilePatch"}}}},
        "responses": {"200": _ok("The updated profile", {"$ref": "#/components/schemas/Profile"}),
                      "400": ERROR, "401": ERROR, "403": ERROR, "404": ERROR},
    },
    ("/api/openapi.json", "get"): {
        "summary": "This document", "security": [{}],
        "responses": {"200": _ok("OpenAPI 3.1 document")},
    },
}

CLAIM = {"type": "object", "required": ["skill"], "properties": {
    "skill": {"type": "string", "description": "code, label or IRI"},
    "status": {"type": "string", "enum": ["known", "available", "wanted"], "default": "known"},
    "level": {"type": "integer", "minimum": 1, "maximum": 4, "default": 1},
    "evidence": {"type": "array", "items": {"type": "string", "format": "iri"}}}}

COMPONENTS = {
    "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                   "description": "An API token from `maarifa token create`"}},
    "schemas": {
        "Error": {"type": "object", "properties": {"error": {"type": "string"}, "status": {"type": "integer"}}},
        "PeerPage": {"type": "object", "properties": {
            "page": {"type": "integer"}, "per_page": {"type": "integer"}, "has_more": {"type": "boolean"},
            "view": {"type": "string", "enum": ["public", "members", "all"]},
            "results": {"type": "array", "items": {"type": "object", "properties": {
                "username": {"type": "string"}, "name": {"type": "string"}, "iri": {"type": "string"},
                "why": {"type": "array", "items": {"type": "string"},
                        "description": "the reasons in words, in the language of `lang`"},
                "reasons": {"type": "array", "items": {"$ref": "#/components/schemas/Reason"}},
                "match": {"type": "object"}}}}}},
        "FederatedPeers": {"type": "object", "properties": {
            "results": {"type": "array", "items": {"type": "object", "properties": {
                "node": {"type": "string", "description": "the SPARQL endpoint that answered"},
                "local": {"type": "boolean", "description": "true: a person of this node"},
                "person": {"type": "string"}, "name": {"type": "string"}, "username": {"type": "string"},
                "skill": {"type": "string"}, "level": {"type": "integer"},
                "status": {"type": "string", "enum": ["known", "available", "wanted"]}}}},
            "nodes": {"type": "array", "items": {"type": "object", "properties": {
                "endpoint": {"type": "string"}, "local": {"type": "boolean"}, "ok": {"type": "boolean"},
                "error": {"type": ["string", "null"]}, "seconds": {"type": "number"},
                "results": {"type": "integer"}}}}}},
        "Reason": {"type": "object", "required": ["kind"], "description":
                   "Why a result matched, structured; names are in the language of `lang`, codes are never "
                   "meant to be shown.", "properties": {
                       "kind": {"type": "string", "enum": ["claim", "speaks", "lives_in", "member_of", "mentoring",
                                                           "offers", "shares_languages", "same_territory",
                                                           "same_region", "verified"]}}},
        "Profile": {"type": "object", "properties": {
            "username": {"type": "string"}, "name": {"type": "string"},
            "email": {"type": ["string", "null"], "description": "only for the person and admins"},
            "visibility": {"type": "string"}, "federation_consent": {"type": "boolean"},
            "mentoring": {"type": "boolean"}, "territory": {"type": ["object", "null"]},
            "organizations": {"type": "array"}, "languages": {"type": "array"}, "claims": {"type": "array"},
            "roles": {"type": "array"}}},
        "ProfilePatch": {"type": "object", "additionalProperties": False, "properties": {
            "name": {"type": "string"}, "email": {"type": "string"},
            "languages": {"oneOf": [{"type": "object", "additionalProperties": {"type": "integer", "minimum": 0,
                                                                               "maximum": 5}},
                                    {"type": "array", "items": {"type": "object", "properties": {
                                        "code": {"type": "string"}, "proficiency": {"type": "integer"}}}}]},
            "territory": {"type": ["string", "null"]}, "organizations": {"type": "array", "items": {"type": "string"}},
            "mentoring": {"type": "boolean"}, "visibility": {"type": "string", "enum": ["public", "members", "private"]},
            "federation_consent": {"type": "boolean"},
            "claims": {"type": "array", "items": CLAIM, "description": "replaces every claim"},
            "add_claims": {"type": "array", "items": CLAIM},
            "remove_claims": {"type": "array", "items": CLAIM},
            "roles": {"type": "array", "items": {"type": "object", "properties": {
                "role": {"type": "string"}, "organization": {"type": "string"},
                "start": {"type": "string", "format": "date"}, "end": {"type": "string", "format": "date"}}}}}},
    },
}


def openapi_document(app) -> dict:
    """Every /api route the app has, described by OPERATIONS where known."""
    paths: dict[str, dict] = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") and rule.rule != "/api":
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            m = method.lower()
            op = OPERATIONS.get((path, m))
            if op is None:
                view = app.view_functions.get(rule.endpoint)
                doc = ((view.__doc__ or "").strip().splitlines() or [rule.endpoint])[0] if view else rule.endpoint
                op = {"summary": doc, "responses": {"200": {"description": "OK"}, "default": ERROR}}
                params = [_param(a, f"{a} (path)", where="path") for a in sorted(rule.arguments)]
                if params:
                    op["parameters"] = params
            op = {"operationId": f"{m}_{rule.endpoint.replace('.', '_')}", **op}
            paths.setdefault(path, {})[m] = op
    base = app.extensions["maarifa.settings"].base_url
    return {
        "openapi": "3.1.0",
        "info": {"title": "Maarifa API", "version": "0.1.0",
                 "description": "People, peers, mentors, skills maps, search and administration of a Maarifa node. "
                                "What a call returns depends on its token: see the `security` of each operation.",
                 "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"}},
        "servers": [{"url": base}] if base else [],
        "paths": dict(sorted(paths.items())),
        "components": COMPONENTS,
    }


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI document of this API."""
    return jsonify(openapi_document(current_app))
