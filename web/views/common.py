"""Helpers every UI view shares: who is asking, in which language, and how to show content."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import wraps
from urllib.parse import urlsplit

from flask import abort, current_app, g, redirect, request, url_for
from flask_babel import get_locale
from markupsafe import Markup, escape

from graph.people import Viewer

from ..accounts import current_principal


def services():
    return current_app.extensions["maarifa.services"]


def settings():
    return current_app.extensions["maarifa.settings"]


def peer_services():
    svc = services()
    bundle = getattr(svc, "peer_services", None)
    if bundle is None:
        from graph.peers import PeerServices

        bundle = current_app.extensions.get("maarifa.peer_services")
        if bundle is None:
            bundle = current_app.extensions["maarifa.peer_services"] = PeerServices(svc.store)
    return bundle


def ui_lang() -> str:
    """The UI locale as a BCP 47 tag (``pt-BR``), for picking content labels."""
    return str(get_locale() or "en").replace("_", "-")


def viewer() -> Viewer:
    principal = current_principal()
    if principal.role is None:
        return Viewer.anonymous()
    if principal.role == "admin":
        return Viewer.admin(principal.name)
    return Viewer.member(principal.name)


def levels() -> tuple[str, ...]:
    """Access levels of non-personal content the viewer may read."""
    return ("public", "members") if current_principal().is_member else ("public",)


def login_required(role: str = "member"):
    """The view needs a logged-in account with ``role``: anonymous → login page, wrong role → 403."""
    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            principal = current_principal()
            if principal.role is None:
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?"),
                                        expired="1" if g.get("session_expired") else None))
            if not principal.has(role):
                abort(403, f"this page needs the {role} role")
            return view(*args, **kwargs)
        return wrapper
    return decorator


def safe_next(target: str | None, default: str = "/") -> str:
    """Only local paths: never redirect to another site."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


# -- multilingual content ------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """A piece of content and its language; ``fallback`` when it is not in the reader's language."""

    text: str
    lang: str
    fallback: bool

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return bool(self.text)

    def __html__(self) -> str:
        """Marked with ``lang`` when its language differs from the page's (WCAG 3.1.2)."""
        if self.lang and self.lang != "und" and (self.fallback or _primary(self.lang) != _primary(ui_lang())):
            return f'<span lang="{escape(self.lang)}">{escape(self.text)}</span>'
        return str(escape(self.text))


def _primary(tag: str) -> str:
    return tag.replace("_", "-").split("-")[0].lower()


def pick(labels: dict[str, str], lang: str | None = None) -> Text:
    """The label for the reader (``pt-BR → pt → en → any``), as a :class:`Text`."""
    from search.text import pick_label

    text, tag, fallback = pick_label({_norm(k): v for k, v in (labels or {}).items()}, lang or ui_lang())
    return Text(text, _bcp47(tag), fallback)


def _norm(tag: str) -> str:
    return (tag or "und").replace("_", "-").lower()


def _bcp47(tag: str) -> str:
    parts = tag.split("-")
    if len(parts) == 2 and len(parts[1]) == 2:
        return f"{parts[0]}-{parts[1].upper()}"
    return tag


def texts_by_lang(literals) -> dict[str, str]:
    out: dict[str, str] = {}
    for lit in literals:
        out.setdefault(getattr(lit, "language", None) or "und", str(lit))
    return out


_MARK = re.compile(r"(</?mark>)")


def safe_snippet(snippet: str) -> Markup:
    """A search snippet with only its ``<mark>`` tags kept: everything else escaped again."""
    out, open_mark = [], False
    for piece in _MARK.split(snippet or ""):
        if piece == "<mark>" and not open_mark:
            out.append("<mark>")
            open_mark = True
        elif piece == "</mark>" and open_mark:
            out.append("</mark>")
            open_mark = False
        else:
            out.append(str(escape(html.unescape(piece))))
    if open_mark:
        out.append("</mark>")
    return Markup("".join(out))


# -- IRIs and UI links -------------------------------------------------------------------------------

KIND_ENDPOINTS = {"asset": "assets.asset", "pack": "assets.pack", "training": "assets.training",
                  "skill": "skills.skill", "person": "people.person", "badge": "assets.badge_class"}


def split_iri(iri: str) -> tuple[str, str] | None:
    """(kind, slug) of a ``{base}/id/{kind}/{slug}`` IRI of this node, else None."""
    prefix = services().store.base_url + "/id/"
    if not iri.startswith(prefix):
        return None
    kind, _, slug = iri[len(prefix):].partition("/")
    return (kind, slug) if slug and "#" not in slug else None


def ui_url(iri: str) -> str:
    """The UI page of an IRI of this node (or the linked-data page, or the IRI itself)."""
    parts = split_iri(iri)
    if parts is None:
        return iri
    kind, slug = parts
    endpoint = KIND_ENDPOINTS.get(kind)
    if endpoint is None:
        return iri
    key = {"person": "username", "skill": "code"}.get(kind, "slug")
    return url_for(endpoint, **{key: slug})


def iri_of(kind: str, slug: str) -> str:
    return f"{services().store.base_url}/id/{kind}/{slug}"


def language_name(code: str) -> str:
    """A language's name in the UI language (Babel/CLDR), or the code."""
    from babel import Locale

    try:
        locale = get_locale() or Locale("en")
        name = Locale.parse(code.replace("-", "_")).get_display_name(locale)
        return name or code
    except Exception:
        return code


def territory_name(code: str) -> str:
    locale = get_locale()
    if locale is None or not code:
        return code or ""
    return locale.territories.get(code.upper(), code)
