"""The JSON API: every call may carry ``Authorization: Bearer <token>``."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, current_app, g, jsonify, request

from graph.accounts import ANONYMOUS
from graph.errors import PermissionDenied

bp = Blueprint("api", __name__)


@bp.before_request
def identify_caller():
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        g.principal = current_app.extensions["maarifa.services"].tokens.check(header[len("Bearer "):].strip())
    elif header:
        raise PermissionDenied("use 'Authorization: Bearer <token>'")
    else:
        g.principal = ANONYMOUS


def require(role: str):
    """Allow the view only to callers whose token carries ``role`` (admins may do everything)."""
    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not g.principal.has(role):
                error = PermissionDenied(f"this needs a token with the {role} role")
                error.http_status = 401 if g.principal.role is None else 403
                raise error
            return view(*args, **kwargs)
        return wrapper
    return decorator


@bp.get("/whoami")
def whoami():
    return jsonify({"name": g.principal.name, "role": g.principal.role})


@bp.get("/graphs")
@require("admin")
def graphs():
    store = current_app.extensions["maarifa.services"].store
    return jsonify([{"graph": r.logical, "source": r.label, "access": r.access, "checksum": r.checksum,
                     "generated_at": r.generated_at, "importer": r.importer} for r in store.records()])
