"""Jinja filters and globals of the UI: numbers and dates through Babel, content in the reader's language."""

from __future__ import annotations

import datetime as dt

from flask import request
from flask_babel import format_datetime, format_decimal, format_date, get_locale, gettext, lazy_gettext

from search.text import is_rtl

from .common import language_name, pick, safe_snippet, territory_name, ui_url

LOCALE_NAMES = {"en": "English", "es": "Español", "fr": "Français", "ar": "العربية", "pt_BR": "Português (Brasil)"}
LOCALE_TAGS = {"en": "en", "es": "es", "fr": "fr", "ar": "ar", "pt_BR": "pt-BR"}


def parse_time(value):
    if isinstance(value, (dt.datetime, dt.date)):
        return value
    if isinstance(value, (int, float)):
        return dt.datetime.fromtimestamp(value, dt.timezone.utc)
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            return dt.date.fromisoformat(text[:10])
        except ValueError:
            return None


def fmt_datetime(value, format="medium"):
    when = parse_time(value)
    if when is None:
        return value or ""
    if isinstance(when, dt.datetime):
        return format_datetime(when, format)
    return format_date(when, format)


def fmt_date(value, format="medium"):
    when = parse_time(value)
    if when is None:
        return value or ""
    return format_date(when.date() if isinstance(when, dt.datetime) else when, format)


def fmt_number(value):
    try:
        return format_decimal(value)
    except (TypeError, ValueError):
        return value


def fmt_bytes(value):
    value = float(value or 0)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            return f"{format_decimal(round(value, 1))} {unit}"
        value /= 1000


def page_lang() -> str:
    return LOCALE_TAGS.get(str(get_locale()), str(get_locale()).replace("_", "-"))


def page_dir() -> str:
    return "rtl" if is_rtl(str(get_locale())) else "ltr"


def url_with(**changes) -> str:
    """The current URL with some query parameters replaced (``None`` removes one)."""
    from urllib.parse import urlencode

    args = request.args.to_dict(flat=False)
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value if isinstance(value, list) else [value]
    query = urlencode([(k, v) for k, values in args.items() for v in values])
    return request.path + ("?" + query if query else "")


#: role names, so the catalogs have them (templates say ``_(role)``)
ROLE_NAMES = (lazy_gettext("member"), lazy_gettext("organizer"), lazy_gettext("trainer"), lazy_gettext("admin"))


def status_label(status: str) -> str:
    return {"known": gettext("knows"), "available": gettext("offers to others"),
            "wanted": gettext("wants to learn")}.get(status, status)


def install(app) -> None:
    env = app.jinja_env
    env.filters.update(datetime=fmt_datetime, date=fmt_date, num=fmt_number, bytes=fmt_bytes,
                       snippet=safe_snippet, language_name=language_name, territory_name=territory_name)
    env.globals.update(ui_url=ui_url, pick=pick, page_lang=page_lang, page_dir=page_dir, url_with=url_with,
                       LOCALE_NAMES=LOCALE_NAMES, status_label=status_label)
