"""Reading the fields every badge format shares: types, the issuer's id, date-times and the
recipient's identity (OB 2.0 ``IdentityObject``, OB 3.0 ``IdentityObject`` in
``credentialSubject.identifier``: https://www.imsglobal.org/spec/ob/v3p0/#identityobject)."""

from __future__ import annotations

import datetime as dt

from ..service import hash_identity
from .result import Verification


def parse_time(value) -> dt.datetime | None:
    """An ISO 8601 date-time (a naive one is UTC); None when it is not one."""
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


def types_of(value) -> list[str]:
    return [value] if isinstance(value, str) else [t for t in (value or []) if isinstance(t, str)]


def as_list(value) -> list:
    return value if isinstance(value, list) else [] if value is None else [value]


def contexts_of(doc: dict) -> list:
    context = doc.get("@context")
    return context if isinstance(context, list) else [context]


def issuer_id_of(doc: dict):
    issuer = doc.get("issuer")
    return issuer.get("id") if isinstance(issuer, dict) else issuer


def check_identity(result: Verification, recipient: str | None, identity: str | None, salt, hashed,
                   plain: str | None) -> None:
    """Was the badge issued to ``recipient``? (a salted SHA-256 hash, or the identity in clear)"""
    if not recipient:
        return
    if hashed and identity:
        algo, _, _ = identity.partition("$")
        if algo.lower() != "sha256":
            result.error(f"unsupported identity hash {algo!r}")
        elif hash_identity(recipient, salt or "") != identity.lower():
            result.error(f"the badge was not issued to {recipient} (the recipient hash does not match)")
    elif (plain or "") != recipient:
        result.error(f"the badge was not issued to {recipient}")
