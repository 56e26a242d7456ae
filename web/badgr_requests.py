"""The request bodies the Badgr-compatible API accepts, as JSON Schemas, checked by ``jsonschema``.

Every Badgr route reads its body through :func:`json_body`, so a body that is not JSON, JSON
of the wrong type, or an object missing a field answers HTTP 400 with a message naming the
field (and Badgr's ``fieldErrors``), never a 500 from a ``'list' object has no attribute``.

The forms follow badgr-server's v2 views (``apps/issuer/api.py``):

- ``DELETE /v2/assertions/{id}`` reads ``revocation_reason`` from an optional JSON object (or
  the query string); clients such as PyPI ``badgrclient`` send no body at all, and then the
  award is revoked with :data:`DEFAULT_REVOCATION_REASON`.
- ``POST /v2/assertions/revoke`` (``BatchAssertionsRevoke``) takes a top-level JSON array of
  ``{"entityId", "revocationReason"}``; the older ``{"assertions": [...]}`` object is accepted too.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, request

from graph.errors import MaarifaError
from graph.jsoncheck import problems

DEFAULT_REVOCATION_REASON = "Revoked by the issuer"

_TEXT = {"type": ["string", "null"]}

REVOCATION = {
    "type": "object",
    "properties": {"entityId": {"type": "string", "minLength": 1}, "revocationReason": _TEXT},
    "required": ["entityId"],
}

REVOKE_MANY = {"type": "array", "items": REVOCATION, "minItems": 1}

REVOKE_ONE = {"type": "object", "properties": {"revocation_reason": _TEXT}}

ISSUE = {
    "type": "object",
    "properties": {
        "recipient": {
            "type": "object",
            "properties": {"identity": {"type": "string", "minLength": 1}, "type": _TEXT,
                           "hashed": {"type": ["boolean", "null"]}},
            "required": ["identity"],
        },
        "evidence": {"type": ["array", "null"], "items": {"type": "object", "properties": {"url": _TEXT, "narrative": _TEXT}}},
        "narrative": _TEXT,
        "issuedOn": _TEXT,
        "notify": {"type": ["boolean", "null"]},
    },
    "required": ["recipient"],
}

CREATE_BADGE_CLASS = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "slug": _TEXT,
        "description": _TEXT,
        "image": _TEXT,
        "criteriaUrl": _TEXT,
        "criteriaNarrative": _TEXT,
        "alignments": {"type": ["array", "null"],
                       "items": {"type": "object", "properties": {"targetUrl": _TEXT, "targetName": _TEXT}}},
    },
    "required": ["name"],
}

TOKEN = {
    "type": "object",
    "properties": {name: _TEXT for name in ("grant_type", "username", "password", "scope", "client_id")},
}


class BadRequestBody(MaarifaError):
    """A request body the Badgr API cannot read; ``field_errors`` maps each field to its problems."""

    def __init__(self, message: str, field_errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.field_errors = field_errors or {}


def check(body: Any, schema: dict, root: str = "") -> Any:
    """``body`` when it matches ``schema``; :class:`BadRequestBody` listing every mismatch otherwise."""
    found = problems(body, schema, prefix=(root,) if root else ())
    if not found:
        return body
    field_errors: dict[str, list[str]] = {}
    for problem in found:
        field_errors.setdefault(problem.field or "body", []).append(problem.message)
    summary = "; ".join(f"{field}: {', '.join(messages)}" for field, messages in field_errors.items())
    raise BadRequestBody(f"bad request body: {summary}", field_errors)


def json_body(schema: dict | None, *, optional: bool = False) -> Any:
    """The request's JSON body checked against ``schema`` (any JSON when None); ``{}`` for no
    body when ``optional``."""
    if not request.get_data(cache=True):
        if optional:
            return {}
        raise BadRequestBody("bad request body: a JSON body is required", {"body": ["a JSON body is required"]})
    try:
        body = current_app.json.loads(request.get_data(cache=True))
    except ValueError as exc:  # also not UTF-8
        raise BadRequestBody(f"bad request body: not valid JSON ({exc})", {"body": ["not valid JSON"]}) from None
    return body if schema is None else check(body, schema)


def revocations(body: Any) -> list[dict]:
    """The ``{entityId, revocationReason}`` list of a batch revocation, top-level or under ``assertions``."""
    if isinstance(body, dict) and "assertions" in body:
        return check(body["assertions"], REVOKE_MANY, root="assertions")
    if isinstance(body, dict):
        raise BadRequestBody("bad request body: a JSON array of {entityId, revocationReason} is required "
                             "(or an object with that array under 'assertions')",
                             {"assertions": ["this field is required"]})
    return check(body, REVOKE_MANY)
