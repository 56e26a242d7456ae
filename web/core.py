"""Home page and health."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template

bp = Blueprint("core", __name__)


def services():
    return current_app.extensions["maarifa.services"]


@bp.get("/")
def home():
    status = services().status()
    return render_template("home.html", status=status)


@bp.get("/health")
def health():
    status = services().status()
    code = 200 if status["store"]["ok"] else 503
    return jsonify(status), code
