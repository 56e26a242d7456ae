"""Why a peer or a mentor matched, in words of the reader's language.

The peer finder and mentor matching (``graph/peers.py``) return structured reasons
(``{"kind": "lives_in", "territory": {...}, "within": {...}}``) with the names of skills,
places and organizations already in the caller's language; this module turns them into
sentences. Words come from the UI's message catalogs (``gettext``); language names from
CLDR through Babel, so no code such as ``MA`` or ``002`` is ever what a person reads.

In a request, :func:`sentences` uses Flask-Babel's ``gettext`` and the request's locale;
the command line passes its own (``maarifa.peers_cli``: English words, names in
``--ui-lang``).
"""

from __future__ import annotations

from typing import Callable

from babel import Locale, UnknownLocaleError
from babel.lists import format_list

Gettext = Callable[..., str]


def english(text: str, **variables) -> str:
    """A ``gettext`` without catalogs (the messages are written in English)."""
    return text % variables if variables else text


def language_name(code: str, locale: Locale) -> str:
    try:
        return Locale.parse(code, sep="-").get_display_name(locale) or code
    except (UnknownLocaleError, ValueError, TypeError):
        return code


def _place(info: dict | None) -> str:
    return (info or {}).get("name") or (info or {}).get("code") or ""


def _claim(reason: dict, gettext: Gettext) -> str:
    skill, level = reason["skill"]["label"], reason["level"]
    text = {
        "known": gettext("knows %(skill)s at level %(level)s", skill=skill, level=level),
        "available": gettext("offers %(skill)s at level %(level)s", skill=skill, level=level),
        "wanted": gettext("wants to learn %(skill)s at level %(level)s", skill=skill, level=level),
    }[reason["status"]]
    if reason.get("narrower_of"):
        text += " (" + gettext("a narrower skill of %(skill)s", skill=reason["narrower_of"]["label"]) + ")"
    return text + ", " + (gettext("verified by a badge") if reason["verified"] else gettext("self-declared"))


def sentence(reason: dict, gettext: Gettext, locale: Locale) -> str:
    """One reason as a phrase, such as "lives in Morocco (in Africa)"."""
    kind = reason["kind"]
    if kind == "claim":
        return _claim(reason, gettext)
    if kind == "offers":
        text = gettext("offers %(skill)s at level %(level)s (wanted at level %(wanted)s)",
                       skill=reason["skill"]["label"], level=reason["level"], wanted=reason["wanted_level"])
        if reason.get("narrower_of"):
            text += ", " + gettext("a narrower skill of %(skill)s", skill=reason["narrower_of"]["label"])
        return text
    if kind == "speaks":
        return gettext("speaks %(language)s (%(n)s of 5)", language=language_name(reason["code"], locale),
                       n=reason["proficiency"])
    if kind == "lives_in":
        if reason.get("within"):
            return gettext("lives in %(place)s (in %(region)s)", place=_place(reason["territory"]),
                           region=_place(reason["within"]))
        return gettext("lives in %(place)s", place=_place(reason["territory"]))
    if kind == "member_of":
        return gettext("member of %(organization)s", organization=reason["organization"]["label"])
    if kind == "shares_languages":
        names = [language_name(code, locale) for code in reason["languages"]]
        return gettext("also speaks %(languages)s", languages=format_list(names, locale=locale))
    if kind == "same_territory":
        return gettext("lives in the same country (%(place)s)", place=_place(reason["territory"]))
    if kind == "same_region":
        return gettext("lives in the same region (%(region)s)", region=_place(reason["region"]))
    if kind == "mentoring":
        return gettext("available for mentoring")
    if kind == "verified":
        return gettext("verified by a badge")
    raise ValueError(f"no words for a reason of kind {kind!r}")


def sentences(reasons: list[dict], gettext: Gettext | None = None, locale: Locale | str | None = None) -> list[str]:
    """Every reason in words; in a request, in its locale unless told otherwise."""
    if gettext is None:
        from flask_babel import gettext, get_locale

        locale = locale or get_locale()
    if not isinstance(locale, Locale):
        try:
            locale = Locale.parse(str(locale or "en").replace("-", "_"))
        except (UnknownLocaleError, ValueError):
            locale = Locale("en")  # names of languages then in English; the reasons are still said
    return [sentence(r, gettext, locale) for r in reasons]


def with_words(result: dict, gettext: Gettext | None = None, locale: Locale | str | None = None) -> dict:
    """A peer page or a mentor page with ``why`` (the reasons in words) next to every ``reasons``."""
    def add(item):
        if isinstance(item, dict):
            if "reasons" in item:
                item["why"] = sentences(item["reasons"], gettext, locale)
            for value in item.values():
                add(value)
        elif isinstance(item, list):
            for value in item:
                add(value)
    add(result)
    return result
