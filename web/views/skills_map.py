"""The community skills map of an organization or a territory: a bar chart (server-rendered,
accessible SVG) in front of the table that holds the same numbers.

The chart follows the page's direction: in a right-to-left page its bars grow from the right
and its labels start there, computed here rather than mirrored by CSS (a mirrored SVG would
mirror its text too). It is an image to assistive technology (``role="img"`` with a
``<title>`` and a ``<desc>`` that lists every number), whose data table comes right after it.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, render_template, request

from graph.errors import MaarifaError

from .common import peer_services, ui_lang, viewer
from .filters import page_dir
from .people import _options

bp = Blueprint("skills_map", __name__)

#: the chart's coordinate system (the SVG scales to the width it is given, at most 40rem)
WIDTH = 360
MARGIN = 4
NUMBER_ROOM = 126  # room after the longest bar for its label ("want to learn: 12")
ROW = 72  # a skill: its name, then three bars (know, offer, want)
BAR = 12
MAX_BARS = 30


@dataclass(frozen=True)
class Bar:
    measure: str  # know | offer | want
    count: int
    x: float
    width: float
    y: float
    label_x: float


@dataclass(frozen=True)
class ChartRow:
    skill: dict
    name_x: float
    name_y: float
    bars: tuple[Bar, ...]


def chart_rows(skills: list[dict], *, rtl: bool) -> list[ChartRow]:
    """Geometry of the chart: the top-level skills, each with a bar per measure, scaled to the
    largest count; anchored on the left, or on the right in a right-to-left page."""
    top = ([r for r in skills if r["depth"] == 0] or skills)[:MAX_BARS]
    biggest = max([max(r["know"], r["offer"], r["want"]) for r in top] + [1])
    span = WIDTH - 2 * MARGIN - NUMBER_ROOM
    start = WIDTH - MARGIN if rtl else MARGIN
    rows = []
    for n, r in enumerate(top):
        bars = []
        for k, measure in enumerate(("know", "offer", "want")):
            width = round(r[measure] / biggest * span, 1)
            end = start - width if rtl else start + width
            bars.append(Bar(measure, r[measure], x=min(start, end), width=width,
                            y=n * ROW + 22 + k * (BAR + 3), label_x=end - 4 if rtl else end + 4))
        rows.append(ChartRow(r, name_x=start, name_y=n * ROW + 16, bars=tuple(bars)))
    return rows


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
    rtl = page_dir() == "rtl"
    chart = chart_rows(result["skills"], rtl=rtl) if result and result["skills"] else []
    _, orgs, territories = _options()
    return render_template("skills_map.html", result=result, error=error, chart=chart, chart_width=WIDTH,
                           chart_height=len(chart) * ROW, bar_height=BAR, rtl=rtl, anonymous=viewer().role is None,
                           orgs=orgs, territories=territories, org=org, territory=territory), status
