"""Wikitext to plain text (ingest.text.wikitext_to_text, parsed by mwparserfromhell): what a
MediaWiki page's indexed body keeps and what it drops."""

from __future__ import annotations

import pytest

from graph import GraphStore
from ingest import run_import
from ingest.text import wikitext_to_text

from .conftest import DUMPS


@pytest.mark.parametrize("wikitext, text", [
    ("'''Bold''' and ''italic'' and '''''both'''''", "Bold and italic and both"),
    ("see [[Pyrus|the genus]] and [[Rosaceae]]", "see the genus and Rosaceae"),
    ("[https://example.org the site] and [https://example.org/bare] here", "the site and here"),
    ("[[:es:Pera|in Spanish]]", "in Spanish"),  # an inline interwiki link is running text
    ("== Etymology ==\nfrom Latin", "Etymology\nfrom Latin"),
    ("* one\n# two\n; term\n: definition", "one\ntwo\nterm\ndefinition"),
    ("&amp; &eacute;&nbsp;t&#233;", "& é té"),
    ("first<br>second<br/>third <div>block</div>after", "first\nsecond\nthird\nblock\nafter"),
    ("<nowiki>[[not a link]]</nowiki>", "[[not a link]]"),
])
def test_markup_becomes_its_text(wikitext, text):
    assert wikitext_to_text(wikitext) == text


@pytest.mark.parametrize("wikitext", [
    "{{Infobox fruit|name=Pear|image=[[File:Pear.jpg]]|genus={{taxon|Pyrus}}}}",
    "<ref>{{cite journal|title=Phylogeny}}</ref><ref name=\"Potter\" />",
    "{| class=\"wikitable\"\n|-\n! Species !! Origin\n|-\n| Pyrus || Asia\n|}",
    "[[File:Pyrus pyrifolia.jpg|thumb|Many varieties, such as the [[Nashi pear]]]]",
    "[[Image:Pears.jpg]] [[Category:Fruit]] [[Catégorie:Fruit]] [[es:Pera]] [[pt-br:Pera]]",
    "{{{parameter|default}}}",
    "<!-- a comment --> __NOTOC__ __TOC__",
    "<gallery>\nPear.jpg|A pear\n</gallery>",
])
def test_what_is_not_running_text_is_dropped(wikitext):
    # on lines of their own: a table starts a line, and so the others may as well
    assert wikitext_to_text(f"before\n{wikitext}\nafter").split() == ["before", "after"]


def test_inline_notes_and_templates_leave_the_sentence_whole():
    assert wikitext_to_text("genus Pyrus<ref>Potter 2007</ref> {{IPAc-en|p|r}}, in the family") == \
        "genus Pyrus , in the family"


def test_unbalanced_markup_stays_text():
    assert wikitext_to_text("unclosed {{template and [[link") == "unclosed {{template and [[link"


def test_empty_page():
    assert wikitext_to_text("") == "" and wikitext_to_text("{{stub}}") == ""


def test_the_sample_article_is_indexed_as_prose():
    """The English Wikipedia article in the demo dump: its body is the article's sentences, none of
    the infobox, the references, the file captions or the markup around them."""
    store = GraphStore.in_memory()
    run_import(store, "mediawiki", DUMPS / "article-pear-0.10.xml")
    body = str(store.select("SELECT ?b WHERE { ?a a mf:WikiPage ; mf:body ?b }")[0]["b"])
    assert body.startswith("The pear is any of several tree and shrub species of genus Pyrus , in the family "
                           "Rosaceae.")
    assert "\nEtymology\nThe English word “pear” is probably from Common West Germanic pera," in body
    for markup in ("{{", "}}", "[[", "]]", "<ref", "''", "thumb|", "Taxobox", "cite journal", "Pears.jpg"):
        assert markup not in body, markup
