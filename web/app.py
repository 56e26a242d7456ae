"""Application factory: ``create_app(settings, services)``; no module-level app."""

from __future__ import annotations

from flask import Flask, abort, jsonify, render_template, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import Babel, get_locale, gettext
from werkzeug.exceptions import HTTPException, NotFound

from graph.errors import MaarifaError
from graph.sparql_admission import parse_networks

from . import accounts, api, core, openbadges, peers_api, sparql, views
from .forwarded import ForwardedFor
from .locales import select_locale


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, except that a document nested deeper than Python's parser follows is
    invalid JSON (a ``ValueError``, which every body reader answers with a 400), not a
    ``RecursionError`` (a 500)."""

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("the JSON is nested too deeply to read") from None


def create_app(settings, services) -> Flask:
    """Build the app over already-opened services (see ``maarifa.wiring``)."""
    app = Flask(__name__)
    app.json = JSONProvider(app)
    app.config.update(
        SECRET_KEY=services.secret_key,
        MAX_CONTENT_LENGTH=settings.max_upload_bytes,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.base_url.startswith("https://"),
    )
    app.extensions["maarifa.settings"] = settings
    app.extensions["maarifa.services"] = services
    Babel(app, locale_selector=select_locale)
    app.jinja_env.globals["get_locale"] = get_locale
    app.register_blueprint(core.bp)
    app.register_blueprint(api.bp, url_prefix="/api")
    app.register_blueprint(peers_api.bp, url_prefix="/api")
    openbadges.register(app)
    sparql.init_app(app, settings)

    @app.errorhandler(MaarifaError)
    def service_error(error: MaarifaError):
        return _error_response(error.http_status, str(error))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if isinstance(error, NotFound) and error.description == NotFound.description:
            # no route matched: say which path, Werkzeug's text names none
            return _error_response(404, gettext("nothing at %(path)s: no page or resource has that address",
                                                path=request.path))
        return _error_response(error.code or 500, error.description or error.name)

    @app.before_request
    def refuse_oversized_bodies():
        # checked up front, so no view (and no 405 for a wrong method) ever reads a too-large body
        if (request.content_length or 0) > app.config["MAX_CONTENT_LENGTH"]:
            abort(413, f"the request body is larger than {app.config['MAX_CONTENT_LENGTH']:,} bytes")

    @app.after_request
    def security_headers(response):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    views.register(app)  # the HTML UI (web/views)
    accounts.init_app(app, settings)  # session cookie, CSRF check on the UI's forms
    trusted = parse_networks(settings.trusted_proxies)
    if trusted:
        app.wsgi_app = ForwardedFor(app.wsgi_app, trusted)
    return app


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/health" or (
        request.accept_mimetypes.best_match(["application/json", "text/html"]) == "application/json")


def _error_response(status: int, message: str):
    """JSON for API clients, a page for browsers; the one place errors become responses."""
    if _wants_json():
        return jsonify({"error": message, "status": status}), status
    return render_template("error.html", status=status, message=message), status
