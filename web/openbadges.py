"""Open Badges documents, the public verification page, and the Badgr-compatible API.

Register with :func:`register` (``create_app`` does it). Two blueprints:

``ob``     ``/ob/v2/...`` and ``/ob/v3/...`` (JSON-LD, ``application/ld+json``; a revoked award
           answers HTTP 410 with the revoked body), baked images, key documents, revocation
           lists, the OB 3.0 Bitstring status list ``/ob/v3/status/revocation``, and the
           verification page ``/badges/verify/{award}``. Public: anyone with the
           link may fetch an award's documents (the recipient shares them); they never contain
           the e-mail address.
``badgr``  the Badgr v2 subset: ``POST /o/token`` (password grant, scope ``rw:issuer``),
           ``/v2/issuers``, ``/v2/issuers/{id}/badgeclasses``, ``/v2/issuers/{id}/assertions``,
           ``/v2/badgeclasses``, ``/v2/badgeclasses/{id}/assertions``, ``/v2/assertions/{id}``
           (DELETE revokes), ``/v2/assertions/revoke``, with Badgr's ``{"status": {...}, "result":
           [...]}`` envelope. Request bodies are checked by :mod:`web.badgr_requests` (HTTP 400
           naming the field, Badgr's ``fieldErrors``).

There are no password accounts: ``/o/token`` takes ``username`` = the name of an API token
and ``password`` = the API token itself (role trainer or admin) and returns it as the bearer
``access_token``. Scripts written for Badgr log in unchanged with those two values. Every
``badgr`` route, reads included, needs such a token (:func:`issuer_scope`); what a trainer's
token lists and issues to is limited to the people a member may see (public and members-only;
private people are an admin's), and a recipient nobody has and one the caller may not see get
the same answer (``badges.errors.UnknownRecipient``).
"""

from __future__ import annotations

import json
from functools import wraps

from flask import Blueprint, Response, current_app, g, jsonify, render_template, request

from badges import Actor, BadgeService, Evidence, Issuer, Verifier, load_keys
from badges import images, ob2, ob3
from badges.errors import BadImage, UnknownAward
from graph.accounts import ANONYMOUS
from badges.service import ISSUER_ROLES
from graph.errors import MaarifaError, PermissionDenied

from . import badgr_requests as bodies

ob = Blueprint("openbadges", __name__, template_folder="templates")
badgr = Blueprint("badgr", __name__)

LD_JSON = "application/ld+json"
ISSUER_ENTITY_ID = "node"
TOKEN_LIFETIME = 86400


def register(app) -> None:
    app.register_blueprint(ob)
    app.register_blueprint(badgr)


# -- services ----------------------------------------------------------------------------

def _state() -> dict:
    ext = current_app.extensions
    state = ext.get("maarifa.badges")
    if state is None:
        services = ext["maarifa.services"]
        settings = ext["maarifa.settings"]
        issuer = Issuer.from_settings(settings)
        state = ext["maarifa.badges"] = {"service": BadgeService(services.store, issuer),
                                         "data_dir": settings.data_dir, "keys": None}
    return state


def service() -> BadgeService:
    return _state()["service"]


def keys():
    state = _state()
    if state["keys"] is None:
        # loaded without the permission check; every signature checks the files again
        state["keys"] = load_keys(state["data_dir"], for_signing=False)
    return state["keys"]


def ld(doc: dict, status: int = 200, mimetype: str = LD_JSON) -> Response:
    response = Response(json.dumps(doc, ensure_ascii=False, indent=2), status=status, mimetype=mimetype)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def plain_json(doc: dict, status: int = 200) -> Response:
    """A JSON document without a JSON-LD context (1EdTech revocation list, revoked answers)."""
    return ld(doc, status, "application/json")


def _award_or_404(award_id: str):
    return service().award(award_id)


# -- Open Badges 2.0 ----------------------------------------------------------------------

@ob.get("/ob/v2/issuer")
def v2_issuer():
    return ld(ob2.issuer_profile(service().issuer))


@ob.get("/ob/v2/keys/rsa")
def v2_key():
    return ld(ob2.public_key(service().issuer, keys()))


@ob.get("/ob/v2/revocations")
def v2_revocations():
    svc = service()
    return ld(ob2.revocation_list(svc.issuer, [a for a in svc.awards() if a.revoked]))


@ob.get("/ob/v2/badges/<slug>")
def v2_badge(slug):
    svc = service()
    return ld(ob2.badge_class(svc.issuer, svc.badge_class(slug)))


@ob.get("/ob/v2/badges/<slug>/image")
def v2_badge_image(slug):
    badge = service().badge_class(slug)
    data, kind = images.load_image(_state()["data_dir"], badge.slug, badge.name)
    return Response(data, mimetype=images.MEDIA_TYPES[kind])


@ob.get("/ob/v2/assertions/<award_id>")
def v2_assertion(award_id):
    svc = service()
    award = _award_or_404(award_id)
    return ld(ob2.assertion(svc.issuer, award), 410 if award.revoked else 200)


@ob.get("/ob/v2/assertions/<award_id>.jws")
def v2_signed(award_id):
    svc = service()
    award = _award_or_404(award_id)
    if award.revoked:
        return ld(ob2.revoked_body(ob2.signed_assertion_id(award.id), award), 410)
    return Response(ob2.jws_sign(ob2.signed_assertion(svc.issuer, award), keys()), mimetype="text/plain")


def _baked(award, payload: str, kind: str, ob3_form: bool = False) -> Response:
    data, _ = images.load_image(_state()["data_dir"], award.badge.slug, award.badge.name)
    if kind == "png" and images.sniff(data) != "png":
        data = images.default_png()
    baked, real = (images.bake_ob3 if ob3_form else images.bake)(data, payload)
    if real != kind:
        from werkzeug.exceptions import NotFound
        raise NotFound(f"the badge image is {real.upper()}; ask for .{real}")
    response = Response(baked, mimetype=images.MEDIA_TYPES[kind])
    response.headers["Content-Disposition"] = f'inline; filename="{award.badge.slug}-{award.id}.{kind}"'
    return response


@ob.get("/ob/v2/assertions/<award_id>.<any(png, svg):kind>")
def v2_baked(award_id, kind):
    svc = service()
    award = _award_or_404(award_id)
    if award.revoked:
        return ld(ob2.assertion(svc.issuer, award), 410)
    baked = _baked(award, json.dumps(ob2.assertion(svc.issuer, award)), kind)
    if kind == "svg":
        # Keep only the assertion JSON (CDATA): validator-core 1.1.2 (what Badgr runs) reads the
        # verify attribute as bytes on Python 3 and then cannot recognise the URL in it.
        import re
        baked.set_data(re.sub(rb'(<openbadges:assertion)\s+verify="[^"]*"', rb"\1", baked.get_data(), count=1))
    return baked


@ob.get("/ob/v2/assertions/<award_id>/signed.<any(png, svg):kind>")
def v2_baked_signed(award_id, kind):
    svc = service()
    award = _award_or_404(award_id)
    if award.revoked:
        return ld(ob2.assertion(svc.issuer, award), 410)
    return _baked(award, ob2.jws_sign(ob2.signed_assertion(svc.issuer, award), keys()), kind)


# -- Open Badges 3.0 ----------------------------------------------------------------------

def _image_url(award_or_badge_slug: str) -> str:
    return ob2.badge_image_url(service().issuer, award_or_badge_slug)


@ob.get("/ob/v3/issuer")
def v3_issuer():
    return ld(ob3.profile(service().issuer, keys()))


@ob.get("/ob/v3/keys/ed25519")
def v3_key():
    return ld(ob3.key_document(service().issuer, keys()))


@ob.get("/ob/v3/achievements/<slug>")
def v3_achievement(slug):
    svc = service()
    badge = svc.badge_class(slug)
    return ld({"@context": ob3.CONTEXT, **ob3.achievement(svc.issuer, badge, _image_url(badge.slug))})


@ob.get("/ob/v3/revocations")
def v3_revocations():
    svc = service()
    return plain_json(ob3.revocation_list(svc.issuer, [a for a in svc.awards() if a.revoked]))


@ob.get("/ob/v3/status/revocation")
def v3_status_list():
    svc = service()
    return ld(ob3.status_list_credential(svc.issuer, svc.status_list_state(), keys()))


def _revoked_v3(award) -> Response:
    return plain_json(ob3.revoked_entry(service().issuer, award), 410)


@ob.get("/ob/v3/credentials/<award_id>")
def v3_credential(award_id):
    svc = service()
    award = _award_or_404(award_id)
    if award.revoked:
        return _revoked_v3(award)
    return ld(ob3.signed_credential(svc.issuer, award, keys(), _image_url(award.badge.slug)))


@ob.get("/ob/v3/credentials/<award_id>.jwt")
def v3_jwt(award_id):
    svc = service()
    award = _award_or_404(award_id)
    if award.revoked:
        return _revoked_v3(award)
    return Response(ob3.jwt(svc.issuer, award, keys(), _image_url(award.badge.slug)), mimetype="application/jwt")


@ob.get("/ob/v3/credentials/<award_id>.<any(png, svg):kind>")
def v3_baked(award_id, kind):
    svc = service()
    award = _award_or_404(award_id)
    if award.revoked:
        return _revoked_v3(award)
    doc = ob3.signed_credential(svc.issuer, award, keys(), _image_url(award.badge.slug))
    return _baked(award, json.dumps(doc, ensure_ascii=False), kind, ob3_form=True)


# -- verification page ---------------------------------------------------------------------

@ob.get("/badges/verify/<award_id>")
def verify_page(award_id):
    svc = service()
    try:
        award = svc.award(award_id)
    except UnknownAward:
        return render_template("badges/verify.html", award=None, result=None, award_id=award_id), 404
    # the credential as issued, checked like any other (the graph answers for the revocation)
    result = Verifier(svc, keys()).verify(ob3.signed_credential(svc.issuer, award, keys()))
    links = {
        "OB 2.0 assertion": ob2.assertion_id(svc.issuer, award.id),
        "OB 2.0 signed (JWS)": ob2.assertion_id(svc.issuer, award.id) + ".jws",
        "OB 2.0 baked PNG": ob2.assertion_id(svc.issuer, award.id) + ".png",
        "OB 3.0 credential": ob3.credential_id(svc.issuer, award.id),
        "OB 3.0 VC-JWT": ob3.credential_id(svc.issuer, award.id) + ".jwt",
        "OB 3.0 baked SVG": ob3.credential_id(svc.issuer, award.id) + ".svg",
        "OB 3.0 status list": ob3.status_list_id(svc.issuer),
        "OB 3.0 revocation list (reasons, dates)": ob3.revocation_list_id(svc.issuer),
    }
    return render_template("badges/verify.html", award=award, result=result, links=links, award_id=award_id,
                           issuer=svc.issuer)


# -- Badgr-compatible API ------------------------------------------------------------------

def envelope(result, status: int = 200, description: str = "ok"):
    body = {"status": {"success": 200 <= status < 300, "description": description},
            "result": result if isinstance(result, list) else [result]}
    return jsonify(body), status


@badgr.errorhandler(MaarifaError)
def badgr_error(error: MaarifaError):
    status = getattr(error, "http_status", 400)
    body = {"status": {"success": False, "description": str(error)}, "result": [],
            "validationErrors": [str(error)], "fieldErrors": getattr(error, "field_errors", {})}
    return jsonify(body), status


def _principal():
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return current_app.extensions["maarifa.services"].tokens.check(header[len("Bearer "):].strip())
    if header:
        raise PermissionDenied("use 'Authorization: Bearer <token>'")
    return ANONYMOUS


def issuer_scope(view):
    """A token with the trainer or admin role, as Badgr's ``rw:issuer`` scope, for reading as for
    writing: the assertion lists carry every recipient's salted e-mail hash, which anyone holding
    them could match against addresses offline, so a member's token reads nothing here (403)."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        g.principal = _principal()
        if g.principal.role is None:
            error = PermissionDenied("authentication required: get a token from POST /o/token")
            error.http_status = 401
            raise error
        if g.principal.role not in ISSUER_ROLES:
            raise PermissionDenied(f"the Badgr API needs a trainer or admin token (this token has the role "
                                   f"{g.principal.role})")
        return view(*args, **kwargs)
    return wrapper


def _actor() -> Actor:
    return Actor(g.principal.name, g.principal.role)


def _oauth_error(error: str, description: str):
    return jsonify({"error": error, "error_description": description}), 400


@badgr.post("/o/token")
def token():
    if request.form:
        form = request.form
    else:
        try:
            form = bodies.json_body(bodies.TOKEN, optional=True)
        except bodies.BadRequestBody as error:
            return _oauth_error("invalid_request", str(error))
    if (form.get("grant_type") or "password") != "password":
        return _oauth_error("unsupported_grant_type", "only the password grant is supported")
    scope = form.get("scope") or "rw:issuer"
    if "rw:issuer" not in scope.split():
        return _oauth_error("invalid_scope", "only the scope rw:issuer is offered")
    username, password = form.get("username") or "", form.get("password") or ""
    try:
        principal = current_app.extensions["maarifa.services"].tokens.check(password)
    except PermissionDenied:
        principal = None
    if principal is None or principal.name != username or principal.role not in ("trainer", "admin"):
        return _oauth_error("invalid_grant", "username must be an API token's name and password that token "
                                             "(role trainer or admin; `maarifa token create --role trainer`)")
    return jsonify({"access_token": password, "token_type": "Bearer", "expires_in": TOKEN_LIFETIME,
                    "scope": "rw:issuer", "refresh_token": None})


def _issuer_json() -> dict:
    issuer = service().issuer
    return {"entityType": "Issuer", "entityId": ISSUER_ENTITY_ID, "openBadgeId": ob2.issuer_id(issuer),
            "name": issuer.name, "url": issuer.url, "email": issuer.email, "description": "",
            "image": None, "createdAt": None, "createdBy": None, "staff": [], "extensions": {}}


def _badgeclass_json(badge) -> dict:
    issuer = service().issuer
    return {"entityType": "BadgeClass", "entityId": badge.slug, "openBadgeId": ob2.badge_id(issuer, badge.slug),
            "issuer": ISSUER_ENTITY_ID, "issuerOpenBadgeId": ob2.issuer_id(issuer), "name": badge.name,
            "description": badge.description, "image": ob2.badge_image_url(issuer, badge.slug),
            "criteriaUrl": badge.criteria_url, "criteriaNarrative": badge.criteria_text,
            "alignments": [{"targetName": s.label, "targetUrl": s.iri, "targetCode": s.notation,
                            "targetFramework": s.scheme, "targetDescription": None} for s in badge.skills],
            "tags": [], "expires": None, "createdAt": None, "createdBy": None, "extensions": {}}


def _assertion_json(award) -> dict:
    issuer = service().issuer
    doc = ob2.signed_assertion(issuer, award)
    return {"entityType": "Assertion", "entityId": award.id, "openBadgeId": ob2.assertion_id(issuer, award.id),
            "createdAt": award.issued_on, "createdBy": None, "badgeclass": award.badge.slug,
            "badgeclassOpenBadgeId": ob2.badge_id(issuer, award.badge.slug), "issuer": ISSUER_ENTITY_ID,
            "issuerOpenBadgeId": ob2.issuer_id(issuer), "image": ob2.assertion_id(issuer, award.id) + ".png",
            "recipient": doc["recipient"], "issuedOn": award.issued_on, "narrative": None,
            "evidence": [{"url": e.url, "narrative": e.narrative} for e in award.published_evidence],
            "revoked": award.revoked,
            "revocationReason": award.revocation_reason, "expires": None, "extensions": {}}


def _check_issuer(entity_id: str) -> None:
    if entity_id not in (ISSUER_ENTITY_ID, ob2.issuer_id(service().issuer)):
        from graph.errors import NotFound
        raise NotFound(f"no issuer {entity_id!r}; this node has one issuer, {ISSUER_ENTITY_ID!r}")


@badgr.get("/v2/issuers")
@issuer_scope
def issuers():
    return envelope([_issuer_json()])


@badgr.get("/v2/issuers/<entity_id>")
@issuer_scope
def issuer_detail(entity_id):
    _check_issuer(entity_id)
    return envelope([_issuer_json()])


@badgr.get("/v2/issuers/<entity_id>/badgeclasses")
@issuer_scope
def issuer_badgeclasses(entity_id):
    _check_issuer(entity_id)
    return envelope([_badgeclass_json(b) for b in service().badge_classes()])


@badgr.post("/v2/issuers/<entity_id>/badgeclasses")
@issuer_scope
def create_badgeclass(entity_id):
    _check_issuer(entity_id)
    body = bodies.json_body(bodies.CREATE_BADGE_CLASS)
    name = body["name"].strip()
    if not name:
        raise bodies.BadRequestBody("bad request body: name: must not be blank", {"name": ["must not be blank"]})
    image = None
    if body.get("image"):
        image = images.decode_data_uri(body["image"], "image")
        images.sniff(image, "image")  # refuse before anything is written
    import re
    slug = body.get("slug") or re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:80] or "badge"
    svc = service()
    # alignments to skills of this node's taxonomy become mf:alignedSkill; others are not kept
    skills = [a["targetUrl"] for a in body.get("alignments") or [] if a.get("targetUrl") and svc.is_skill(a["targetUrl"])]
    badge = svc.create_badge_class(slug, {"en": name}, {"en": body.get("description") or ""},
                                   criteria_url=body.get("criteriaUrl") or None,
                                   criteria_text=body.get("criteriaNarrative") or None, skills=skills)
    if image is not None:
        images.save_image(_state()["data_dir"], badge.slug, image)
    return envelope([_badgeclass_json(badge)], 201)


@badgr.get("/v2/badgeclasses")
@issuer_scope
def badgeclasses():
    """Every badge class of the (one) issuer, as Badgr lists the caller's badge classes."""
    return envelope([_badgeclass_json(b) for b in service().badge_classes()])


@badgr.get("/v2/badgeclasses/<entity_id>")
@issuer_scope
def badgeclass_detail(entity_id):
    return envelope([_badgeclass_json(service().badge_class(entity_id))])


@badgr.get("/v2/badgeclasses/<entity_id>/assertions")
@issuer_scope
def badgeclass_assertions(entity_id):
    svc = service()
    badge = svc.badge_class(entity_id)
    return envelope([_assertion_json(a) for a in svc.awards(badge, actor=_actor())])


@badgr.get("/v2/issuers/<entity_id>/assertions")
@issuer_scope
def issuer_assertions(entity_id):
    _check_issuer(entity_id)
    return envelope([_assertion_json(a) for a in service().awards(actor=_actor())])


@badgr.post("/v2/badgeclasses/<entity_id>/assertions")
@issuer_scope
def issue_assertion(entity_id):
    svc = service()
    body = bodies.json_body(bodies.ISSUE)
    recipient = body["recipient"]
    badge = svc.badge_class(entity_id)
    person = svc.person_by_identity(str(recipient["identity"]), str(recipient.get("type") or "email"), actor=_actor())
    evidence = [Evidence(url=str(item.get("url") or "") or None, narrative=str(item.get("narrative") or "") or None)
                for item in body.get("evidence") or [] if isinstance(item, dict)]
    if body.get("narrative"):  # Badgr's assertion-level narrative
        evidence.append(Evidence(narrative=str(body["narrative"])))
    result = svc.issue(badge.slug, person.username, actor=_actor(), evidence=evidence)
    return envelope([_assertion_json(result.award)], 201)


@badgr.get("/v2/assertions/<entity_id>")
@issuer_scope
def assertion_detail(entity_id):
    return envelope([_assertion_json(service().award(entity_id, _actor()))])


@badgr.delete("/v2/assertions/<entity_id>")
@issuer_scope
def revoke_assertion(entity_id):
    """Revoke one award; ``revocation_reason`` from the JSON body or the query string, else a default."""
    body = bodies.json_body(bodies.REVOKE_ONE, optional=True)
    reason = body.get("revocation_reason") or request.args.get("revocation_reason") or \
        bodies.DEFAULT_REVOCATION_REASON
    award = service().revoke(entity_id, reason, actor=_actor())
    return envelope([_assertion_json(award)], 200, "Assertion revoked")


@badgr.post("/v2/assertions/revoke")
@issuer_scope
def revoke_many():
    """Badgr's BatchAssertionsRevoke: every item is tried, each result says whether it was revoked."""
    items = bodies.revocations(bodies.json_body(None))
    svc = service()
    results = []
    for item in items:
        entity_id = item["entityId"]
        reason = item.get("revocationReason") or bodies.DEFAULT_REVOCATION_REASON
        try:
            svc.revoke(entity_id, reason, actor=_actor())
            results.append({"entityId": entity_id, "revocationReason": reason, "revoked": True})
        except MaarifaError as error:
            results.append({"entityId": entity_id, "revocationReason": reason, "revoked": False, "reason": str(error)})
    return envelope(results, 200, "revoked badges")


__all__ = ["badgr", "ob", "register", "BadImage"]
