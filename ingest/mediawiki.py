"""MediaWiki XML exports and dumps (plain, .bz2 or .gz) -> ``mf:WikiPage`` knowledge assets.

Read with ``mwxml`` as a stream (:mod:`ingest.limits`): a compressed dump is decompressed as
it is read and may expand to at most ``max_expanded_bytes``, the XML is parsed by defusedxml
with the tree pruned behind it, one page's text is at most ``max_xml_text_bytes``, and only a
page's latest revision is kept, so memory does not grow with the dump. The XML parser
honours the encoding the file declares (UTF-8, UTF-16, ...). The language is the root element's ``xml:lang`` (else the wiki's database name, e.g.
``frwiki``; ``options["language"]`` overrides both). Only content pages (namespace 0)
that are not redirects are imported, from their latest revision, with the wikitext turned
into plain text and the page URL kept as ``dct:source``. A page that cannot be read is an
error naming the page and the line.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from urllib.parse import quote
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from mwxml.errors import MalformedXML
from rdflib import URIRef

from graph import SourceGraphs
from ontology import DCT, MF, RDF, XSD

from .base import ImportPlan, Importer, Report, lang_text, mint, slugify, string, typed
from .limits import InputTooLarge, Limits, open_input, xml_events
from .text import wikitext_to_text


def open_dump(path: Path, limits: Limits):
    """The dump as ``mwxml`` sees it, read through the limits of :mod:`ingest.limits`."""
    import mwxml
    from mwxml.element_iterator import ElementIterator, EventPointer

    reader = open_input(path, limits)
    try:
        pointer = EventPointer(xml_events(reader))
        _, root = next(pointer)
        return reader, mwxml.Dump.from_element(ElementIterator(root, pointer))
    except BaseException:
        reader.close()
        raise


def sniff_language(path: Path, limits: Limits) -> str | None:
    """``xml:lang`` of the root element, whatever the declared encoding."""
    with open_input(path, limits) as f:
        head = f.read(4096)
    for encoding in ("utf-16", "utf-8") if head[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-8", "latin-1"):
        try:
            text = head.decode(encoding, errors="ignore")
        except LookupError:
            continue
        m = re.search(r"<mediawiki[^>]*\sxml:lang=\"([A-Za-z0-9-]+)\"", text)
        if m:
            return m.group(1)
    return None


def page_url(base: str | None, title: str) -> str | None:
    if not base or "/" not in base:
        return None
    return base.rsplit("/", 1)[0] + "/" + quote(title.replace(" ", "_"), safe="/:@!$()*,;~'")


def _source_name(path: Path) -> str:
    stem = re.sub(r"\.(xml)?(\.(bz2|gz))?$", "", path.name)
    return "mediawiki-" + slugify(stem)


class MediaWikiImporter(Importer):
    kind = "mediawiki"
    description = "MediaWiki XML export/dump (plain, .bz2, .gz; any declared encoding) -> wiki pages"

    reads_whole = False  # streamed, within max_expanded_bytes and max_xml_text_bytes

    def read(self, path: Path, store, options) -> ImportPlan:
        report = Report(self.kind, str(path))
        label = path.name
        limits = Limits.of(options)
        with path.open("rb") as f:
            digest = hashlib.file_digest(f, "sha256")
        triples, origins = [], {}
        progress = options["progress"]
        progress.start(None)
        number, title, inside = 0, None, False  # inside: page `number` is being read
        try:
            reader, dump = open_dump(path, limits)
            with reader:
                info = dump.site_info
                lang = options.get("language") or sniff_language(path, limits) or _lang_of_db(info.dbname) or "en"
                wiki = slugify(info.dbname or info.name or "wiki")
                for page in dump:
                    number, inside = number + 1, True
                    title = page.title
                    progress.advance()
                    latest = None
                    for latest in page:  # noqa: B007 - a history dump: only the last revision is kept
                        pass
                    inside = False
                    if not title:
                        report.error(label, f"page {number}", "a page without a title")
                        continue
                    if page.namespace not in (0, None) or latest is None:
                        continue
                    text = latest.text or ""
                    if page.redirect or re.match(r"\s*#redirect", text, re.I):
                        continue
                    node = mint(store, "asset", f"{wiki}-{slugify(title)}")
                    origins[str(node)] = f"{label}, page {number} ({title})"
                    triples += [(node, URIRef(RDF.type), URIRef(MF.WikiPage)),
                                (node, URIRef(DCT.title), lang_text(title, lang)),
                                (node, URIRef(DCT.language), typed(lang, XSD.language)),
                                (node, URIRef(MF.slug), string(f"{wiki}-{slugify(title)}")),
                                (node, URIRef(DCT["format"]), string("text/x-wiki"))]
                    body = wikitext_to_text(text)
                    if body:
                        triples.append((node, URIRef(MF.body), lang_text(body, lang)))
                    url = page_url(info.base, title)
                    if url:
                        triples.append((node, URIRef(DCT.source), URIRef(url)))
                    if latest.timestamp:
                        triples.append((node, URIRef(DCT.modified), typed(str(latest.timestamp).replace("+00:00", "Z"),
                                                                          XSD.dateTime)))
        except InputTooLarge as exc:
            report.error(label, f"page {number if inside else number + 1}", exc.reason)
        except DefusedXmlException as exc:
            report.error(label, None, f"refused: the XML declares entities or loads external ones ({exc}); "
                                      f"a MediaWiki dump needs neither")
        except MalformedXML as exc:  # well-formed XML, but not laid out as a MediaWiki export
            report.error(label, f"page {number + 1}" if number else None, _malformed(exc, number, title))
        except ParseError as exc:
            line = exc.position[0] if getattr(exc, "position", None) else None
            report.error(label, f"line {line}" if line else f"page {number + 1}",
                         f"page {number + 1} cannot be read (after {title!r}): malformed XML: {exc}")
        except (OSError, EOFError, ValueError, AssertionError, KeyError, AttributeError, TypeError) as exc:
            report.error(label, f"page {number + 1}", f"cannot be read as a MediaWiki dump "
                         f"(after {title!r}): {type(exc).__name__}: {exc}")
        report.records = number
        source = SourceGraphs(name=options.get("source", _source_name(path)), label=label, importer=self.importer_id,
                              checksum="sha256:" + digest.hexdigest(), graphs={"public": triples}, origins=origins)
        return ImportPlan(report, [source])


def _malformed(exc: MalformedXML, number: int, title: str | None) -> str:
    """What mwxml found out of place, said in the terms of the export format
    (https://www.mediawiki.org/xml/export-0.11.xsd)."""
    if "<siteinfo>" in str(exc):
        return ("not a MediaWiki export: no <siteinfo> element at the start of <mediawiki> (an export "
                "names its wiki, base URL and namespaces there, before the first <page>)")
    return f"page {number + 1} cannot be read (after {title!r}): not laid out as a MediaWiki export: {exc}"


def _lang_of_db(dbname: str | None) -> str | None:
    m = re.fullmatch(r"([a-z]{2,3})(wiki|wiktionary|wikibooks|wikisource|wikivoyage|wikinews|wikiquote)", dbname or "")
    return m.group(1) if m else None
