"""The UI languages this node speaks and how a request chooses one.

A ``?lang=`` parameter wins, then the ``lang`` cookie the language menu sets, then the
browser's ``Accept-Language``; English when none of them names a language listed here.
"""

from __future__ import annotations

from flask import request

LOCALES = ("en", "es", "fr", "ar", "pt_BR")


def select_locale() -> str:
    """Flask-Babel's locale selector."""
    chosen = (request.args.get("lang") or request.cookies.get("lang") or "").replace("-", "_")
    if chosen in LOCALES:
        return chosen
    return request.accept_languages.best_match(LOCALES) or "en"
