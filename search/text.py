"""Text processing shared by the backends: languages, tokens, folding, stemming, labels.

The embedded backend indexes what :func:`forms` makes of each word of a text and looks up what
:func:`query_forms` makes of a query; FTS5 itself only splits on spaces. Folding removes
diacritics except the letters a language treats as letters of their own (as Wikimedia's
CirrusSearch does): Spanish ñ, German ä ö ü ß, Swedish/Finnish å ä ö, Turkish ı and the dotted İ.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import Stemmer
from babel import Locale, UnknownLocaleError
from babel.core import get_global

from .errors import BadQuery

DEFAULT_LANGUAGE = "en"
UNDETERMINED = "und"

#: BCP 47 primary language -> Snowball algorithm (PyStemmer) used by the embedded backend.
SNOWBALL = {
    "ar": "arabic", "hy": "armenian", "eu": "basque", "ca": "catalan", "cs": "czech", "da": "danish",
    "nl": "dutch", "en": "english", "eo": "esperanto", "et": "estonian", "fi": "finnish", "fr": "french",
    "de": "german", "el": "greek", "hi": "hindi", "hu": "hungarian", "id": "indonesian", "ga": "irish",
    "it": "italian", "lt": "lithuanian", "ne": "nepali", "no": "norwegian", "nb": "norwegian",
    "nn": "norwegian", "fa": "persian", "pl": "polish", "pt": "portuguese", "ro": "romanian",
    "ru": "russian", "sr": "serbian", "st": "sesotho", "es": "spanish", "sv": "swedish", "ta": "tamil",
    "tr": "turkish", "yi": "yiddish",
}

#: Letters that folding keeps, per language (CirrusSearch's ICU folding exceptions).
FOLDING_EXCEPTIONS = {
    "es": "ñ",
    "de": "äöüß",
    "sv": "åäö",
    "fi": "åäö",
    "tr": "ıçğöşü",
}

#: Letters that NFD does not decompose but that fold to ASCII.
SPECIAL_FOLDS = {"ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "đ": "d", "ł": "l", "ı": "i", "þ": "th", "ð": "d"}

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\u0e00-\u0e7f]")


def primary(lang: str | None) -> str:
    """The primary language subtag, lower case: 'pt-BR' -> 'pt'; None or '' -> 'und'."""
    if not lang:
        return UNDETERMINED
    return lang.replace("_", "-").split("-", 1)[0].lower()


def normalize_tag(lang: str | None) -> str:
    """A BCP 47 tag in the form the documents use as a key: lower case, hyphens ('pt-br')."""
    return (lang or UNDETERMINED).replace("_", "-").lower()


@functools.lru_cache(maxsize=512)
def parse_locale(lang: str) -> Locale:
    """Parse a BCP 47 tag with Babel; :class:`BadQuery` when Babel does not know it."""
    if not isinstance(lang, str) or not re.fullmatch(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*", lang or ""):
        raise BadQuery(f"unknown language code {lang!r}: expected a BCP 47 tag such as en, es or pt-BR")
    try:
        return Locale.parse(lang.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        raise BadQuery(f"unknown language code {lang!r}: expected a BCP 47 tag such as en, es or pt-BR") from None


@functools.lru_cache(maxsize=512)
def fallback_chain(lang: str) -> tuple[str, ...]:
    """Languages to try for a label, best first: 'pt-BR' -> ('pt-br', 'pt', 'en').

    Uses CLDR's parent locales where they differ from simple truncation (es-419 -> es, ...).
    """
    locale = parse_locale(lang)
    chain: list[str] = []
    name = str(locale)
    parents = get_global("parent_exceptions")
    while name:
        tag = normalize_tag(name)
        if tag not in chain:
            chain.append(tag)
        if name in parents and parents[name] != "root":
            name = parents[name]
        elif "_" in name:
            name = name.rsplit("_", 1)[0]
        else:
            break
    if locale.language not in chain:
        chain.append(locale.language)
    if DEFAULT_LANGUAGE not in chain:
        chain.append(DEFAULT_LANGUAGE)
    return tuple(chain)


def pick_label(labels: dict[str, str], lang: str) -> tuple[str, str, bool]:
    """The label to show a reader of ``lang``: (text, its language, whether it is a fallback).

    Tries the fallback chain, then a label without language, then the first in tag order.
    """
    if not labels:
        return "", UNDETERMINED, True
    wanted = primary(lang)
    for tag in fallback_chain(lang):
        if tag in labels:
            return labels[tag], tag, primary(tag) != wanted
        for key in sorted(labels):  # 'pt' also accepts a 'pt-br' label
            if primary(key) == tag and "-" not in tag:
                return labels[key], key, primary(key) != wanted
    if UNDETERMINED in labels:
        return labels[UNDETERMINED], UNDETERMINED, False
    key = sorted(labels)[0]
    return labels[key], key, True


@functools.lru_cache(maxsize=512)
def is_rtl(lang: str | None) -> bool:
    """Is ``lang`` (a BCP 47 tag, 'ar', 'pa-Arab', 'pt_BR') written right to left? CLDR's
    character order, through Babel, so the script subtag counts ('sd' is Arabic script, 'sd-Deva'
    is not). A tag Babel does not know is left-to-right: the answer chooses a ``dir`` attribute,
    never an error."""
    try:
        return parse_locale(lang).character_order == "right-to-left"
    except BadQuery:
        return False


# -- tokens ---------------------------------------------------------------------------


def tokens(text: str) -> list[str]:
    """Words of a text; characters of scripts written without spaces are one token each."""
    out = []
    for match in _TOKEN.finditer(text):
        word = match.group()
        if _CJK.search(word):
            out.extend(_split_cjk(word))
        else:
            out.append(word)
    return out


def token_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, word) of every token, for highlighting."""
    spans = []
    for match in _TOKEN.finditer(text):
        word = match.group()
        if _CJK.search(word):
            pos = match.start()
            for piece in _split_cjk(word):
                start = text.index(piece, pos)
                spans.append((start, start + len(piece), piece))
                pos = start + len(piece)
        else:
            spans.append((match.start(), match.end(), word))
    return spans


def _split_cjk(word: str) -> list[str]:
    pieces, run = [], ""
    for ch in word:
        if _CJK.match(ch):
            if run:
                pieces.append(run)
                run = ""
            pieces.append(ch)
        else:
            run += ch
    if run:
        pieces.append(run)
    return pieces


def lower(word: str, lang: str) -> str:
    if primary(lang) in ("tr", "az"):
        word = word.replace("I", "ı").replace("İ", "i")
    return word.lower()


@functools.lru_cache(maxsize=200_000)
def fold(word: str, lang: str = UNDETERMINED) -> str:
    """Lower-case and remove diacritics, keeping the letters ``lang`` treats as its own."""
    keep = FOLDING_EXCEPTIONS.get(primary(lang), "")
    out = []
    for ch in lower(word, lang):
        if ch in keep:
            out.append(ch)
        elif ch in SPECIAL_FOLDS:
            out.append(SPECIAL_FOLDS[ch])
        else:
            out.append("".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c)))
    return unicodedata.normalize("NFC", "".join(out))


_stemmers: dict[str, Stemmer.Stemmer] = {}


def stemmer(lang: str) -> Stemmer.Stemmer | None:
    algorithm = SNOWBALL.get(primary(lang))
    if algorithm is None:
        return None
    if algorithm not in _stemmers:
        _stemmers[algorithm] = Stemmer.Stemmer(algorithm)
    return _stemmers[algorithm]


@functools.lru_cache(maxsize=200_000)
def forms(word: str, lang: str) -> tuple[str, ...]:
    """What one word is indexed as: its folded form and its folded stem (both in ``lang``)."""
    low = lower(word, lang)
    folded = fold(low, lang)
    out = [folded]
    stem = stemmer(lang)
    if stem is not None:
        for candidate in (fold(stem.stemWord(low), lang), stem.stemWord(folded)):
            if candidate and candidate not in out:
                out.append(candidate)
    return tuple(out)


def query_forms(word: str, langs) -> list[str]:
    """Every form a query word may have been indexed as, over the candidate languages."""
    out: list[str] = []
    for lang in langs:
        for form in forms(word, lang):
            if form not in out:
                out.append(form)
    return out
