"""The community skills map of an organization or a territory, as a table and a bar chart (SVG)."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from graph.errors import MaarifaError

from .common import peer_services, ui_lang, viewer
from .people import _options

bp = Blueprint("skills_map", __name__)

BAR_WIDTH = 300


@bp.get("/skills-map")
def skills_map():
    org = request.args.get("org") or None
    territory = request.args.get("territory") or None
    result, error, status = None, None, 200
    if org or territory:
        try:
            result = peer_services().skills_map.build(viewer(), org=org, territory=None if org else territory,
                                                      lang=ui_lang())
        except MaarifaError as exc:
            error, status = str(exc), 400 if getattr(exc, "http_status", 400) == 404 else exc.http_status
    chart = []
    if result:
        top = [r for r in result["skills"] if r["depth"] == 0] or result["skills"]
        biggest = max([max(r["know"], r["want"]) for r in top] + [1])
        for n, r in enumerate(top[:30]):
            chart.append({**r, "y": n * 28, "know_w": round(r["know"] / biggest * BAR_WIDTH),
                          "want_w": round(r["want"] / biggest * BAR_WIDTH)})
    _, orgs, territories = _options()
    return render_template("skills_map.html", result=result, error=error, chart=chart, bar_width=BAR_WIDTH,
                           orgs=orgs, territories=territories, org=org, territory=territory), status
