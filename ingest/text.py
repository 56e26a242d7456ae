"""Markup to plain text, for search and display: HTML, Markdown and MediaWiki wikitext.

Standard library only; good enough for indexing (not a renderer). Block boundaries
become line breaks so that words of adjacent paragraphs are not glued together.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

_BLOCK = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
          "blockquote", "pre", "section", "figure", "figcaption", "dd", "dt"}
_SKIP = {"script", "style"}


class _Stripper(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP:
            self.skip += 1
        elif tag in _BLOCK:
            self.parts.append("\n")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.parts.append(f" {alt} ")

    def handle_endtag(self, tag):
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def _tidy(text: str) -> str:
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_text(source: str) -> str:
    """HTML (possibly mixed with Markdown, as training slides are) to plain text."""
    if not source:
        return ""
    stripper = _Stripper()
    stripper.feed(source)
    stripper.close()
    return markdown_to_text("".join(stripper.parts))


def markdown_to_text(source: str) -> str:
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", source)          # images -> alt text
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)              # links -> text
    text = re.sub(r"^\s{0,3}#{1,6}\s*", "", text, flags=re.M)         # headings
    text = re.sub(r"^\s*(?:[*+-]|\d+\.)\s+", "", text, flags=re.M)    # list markers
    text = re.sub(r"^\s*>\s?", "", text, flags=re.M)                  # quotes
    text = re.sub(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1", r"\2", text)  # emphasis, code
    return _tidy(html.unescape(text))


def _drop_nested(text: str, open_: str, close: str) -> str:
    """Remove balanced ``open_ ... close`` spans (templates, tables), innermost first."""
    pattern = re.compile(re.escape(open_) + r"(?:(?!" + re.escape(open_) + r").)*?" + re.escape(close), re.S)
    for _ in range(20):
        text, n = pattern.subn("", text)
        if not n:
            break
    return text


def wikitext_to_text(source: str) -> str:
    """MediaWiki wikitext to plain text: templates, tables, refs and files dropped."""
    if not source:
        return ""
    text = re.sub(r"<!--.*?-->", "", source, flags=re.S)
    text = re.sub(r"<ref[^>/]*/>", "", text)
    text = re.sub(r"<ref[^>]*>.*?</ref>", "", text, flags=re.S)
    text = _drop_nested(text, "{{", "}}")
    text = _drop_nested(text, "{|", "|}")
    text = re.sub(r"\[\[(?:File|Image|Category|Fichier|Archivo|Datei):[^\[\]]*(?:\[\[[^\]]*\]\][^\[\]]*)*\]\]", "",
                  text, flags=re.I)
    text = re.sub(r"\[\[[a-z-]{2,12}:[^\]]*\]\]", "", text)          # interlanguage links
    text = re.sub(r"\[\[(?:[^|\]]*\|)?([^\]]*)\]\]", r"\1", text)     # [[target|label]] -> label
    text = re.sub(r"\[(?:https?:)?//\S+\s+([^\]]+)\]", r"\1", text)  # [url label] -> label
    text = re.sub(r"\[(?:https?:)?//\S+\]", "", text)
    text = re.sub(r"'{2,}", "", text)
    text = re.sub(r"^=+\s*(.*?)\s*=+\s*$", r"\1", text, flags=re.M)
    text = re.sub(r"^[*#:;]+\s*", "", text, flags=re.M)
    text = re.sub(r"__[A-Z]+__", "", text)
    return html_to_text(text)
