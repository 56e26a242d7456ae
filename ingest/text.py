"""Markup to plain text, for search and display: HTML, Markdown and MediaWiki wikitext.

HTML and Markdown with the standard library, wikitext parsed by mwparserfromhell; good enough
for indexing (not a renderer). Block boundaries become line breaks so that words of adjacent
paragraphs are not glued together.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import mwparserfromhell
from mwparserfromhell.nodes import Argument, Comment, Tag, Template, Text, Wikilink
from mwparserfromhell.wikicode import Wikicode

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


#: Link namespaces whose links are not running text: files (their captions are not part of the
#: sentence around them) and categories, in the languages of the sample wikis.
_MEDIA_NAMESPACES = {"file", "image", "media", "category", "fichier", "catégorie", "archivo", "categoría",
                     "datei", "kategorie", "ficheiro", "imagem", "categoria"}
#: Tags whose content is not running text: footnotes (they break the sentence they annotate),
#: tables (rows of cells, not prose), galleries of files.
_DROPPED_TAGS = {"ref", "references", "table", "gallery"}
_BEHAVIOUR_SWITCH = re.compile(r"__[A-Z]+__")


def _is_running_text(node) -> bool:
    if isinstance(node, (Template, Argument, Comment)):
        return False
    if isinstance(node, Tag):
        return str(node.tag).strip().lower() not in _DROPPED_TAGS
    if isinstance(node, Wikilink):
        prefix, colon, _ = str(node.title).strip().lstrip(":").partition(":")
        # [[es:Pera]] is an interlanguage link; [[:es:Pera]] (leading colon) is an inline one
        interlanguage = colon and not str(node.title).lstrip().startswith(":") \
            and re.fullmatch(r"[a-z]{2,3}(-[a-z0-9]{2,8})*", prefix.strip())
        return not (colon and (prefix.strip().lower() in _MEDIA_NAMESPACES or interlanguage))
    return True


def _prune(code: Wikicode) -> None:
    """Keep only running text: drop templates, refs, tables, files, categories and interlanguage
    links, and turn block-level HTML into line breaks (``strip_code`` glues their words)."""
    kept = []
    for node in code.nodes:
        if not _is_running_text(node):
            continue
        if isinstance(node, Tag) and not node.wiki_markup and str(node.tag).strip().lower() in _BLOCK:
            if node.contents:
                _prune(node.contents)
                kept += [Text("\n"), *node.contents.nodes, Text("\n")]
            else:
                kept.append(Text("\n"))
            continue
        for child in (getattr(node, name, None) for name in ("contents", "text", "title")):
            if isinstance(child, Wikicode):
                _prune(child)
        kept.append(node)
    code.nodes = kept


def wikitext_to_text(source: str) -> str:
    """MediaWiki wikitext to plain text: link labels kept; templates, tables, refs, files,
    categories and interlanguage links dropped. Parsed by mwparserfromhell (which also decodes
    HTML entities); https://www.mediawiki.org/wiki/Help:Formatting is what it reads."""
    if not source:
        return ""
    code = mwparserfromhell.parse(source)
    _prune(code)
    text = code.strip_code(normalize=True, collapse=True, keep_template_params=False)
    return _tidy(_BEHAVIOUR_SWITCH.sub("", text))
