"""The OpenSearch backend (opensearch-py): one index per document type behind an alias.

Text goes into per-language sub-fields analysed by OpenSearch's own language analyzers
(all 35 it ships; ``other`` uses the standard analyzer), each with a ``folded`` sub-field
that removes diacritics except the letters a language keeps (Spanish ñ, German ä ö ü ß,
Swedish and Finnish å ä ö, Turkish ı/İ: CirrusSearch's exceptions). With the
``analysis-icu`` plugin the folding is ``icu_folding`` and the tokenizer ``icu_tokenizer``
(scripts without spaces); without it, a mapping char filter and ``asciifolding``.

"Did you mean" draws only from documents the caller may see (issue 12, item 3). The term
suggester cannot filter, so it runs over a field of the caller's access level (``public_text``
holds the text of public documents only; members see ``all_text``), and every candidate it
offers is then counted among the live documents the caller may see, in a second request:
terms of deleted or replaced documents linger in Lucene's dictionaries until their segments
merge, and are never offered.

A reindex fills fresh indexes and swaps the aliases in one ``_aliases`` call: search never
goes down. An index whose ``_meta.mapping_version`` is older than ours makes
:meth:`needs_reindex` true; searching it raises :class:`IndexOutdated` instead of failing
in some odd way, and the indexer reindexes.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import uuid
from typing import Iterable

from .backend import make_snippet, title_of
from .documents import FACET_FIELDS, FACET_SOURCE, FILTER_SOURCE, TYPES, all_text
from .errors import IndexOutdated, SearchError, SearchUnavailable
from .query import Hit, Query, Results
from .text import FOLDING_EXCEPTIONS, fold, primary, query_forms

log = logging.getLogger(__name__)

MAPPING_VERSION = 5
FACET_LIMIT = 20
LAYOUT_TTL = 30.0  # seconds the backend trusts what it knows of the indexes and aliases

#: BCP 47 primary language -> OpenSearch language analyzer (every one OpenSearch ships).
LANGUAGE_ANALYZERS = {
    "ar": "arabic", "hy": "armenian", "eu": "basque", "bn": "bengali", "bg": "bulgarian", "ca": "catalan",
    "zh": "cjk", "ja": "cjk", "ko": "cjk", "cs": "czech", "da": "danish", "nl": "dutch", "en": "english",
    "et": "estonian", "fi": "finnish", "fr": "french", "gl": "galician", "de": "german", "el": "greek",
    "hi": "hindi", "hu": "hungarian", "id": "indonesian", "ga": "irish", "it": "italian", "lv": "latvian",
    "lt": "lithuanian", "no": "norwegian", "nb": "norwegian", "nn": "norwegian", "fa": "persian",
    "pt": "portuguese", "ro": "romanian", "ru": "russian", "ckb": "sorani", "es": "spanish",
    "sv": "swedish", "tr": "turkish", "th": "thai",
}
BRAZILIAN = "brazilian"  # pt-BR
ANALYZED_LANGUAGES = sorted(set(LANGUAGE_ANALYZERS.values()) | {BRAZILIAN})
OTHER = "other"
TEXT_FIELDS = {"titles": "title", "texts": "body", "keywords": "keywords"}
BOOSTS = {"title": 10, "body": 1, "keywords": 3}
#: the text of public documents only: the dictionary anonymous callers' suggestions come from
PUBLIC_TEXT = "public_text"
#: Lucene's limit on the clauses of one query (``indices.query.bool.max_clause_count``, 1,024 by
#: default) with room for the filters and the fuzzy clauses: the text sub-fields a query names
#: per word are cut to fit it (see :func:`text_fields`)
CLAUSE_BUDGET = 900
SUGGESTIONS_PER_WORD = 10  # candidates the term suggester offers per word, before the visibility check
KEYWORD_FIELDS = sorted({"type", "kind", "access", *FACET_SOURCE.values(), *FILTER_SOURCE.values()})
# folding exceptions keyed by analyzer name
_EXCEPTIONS = {LANGUAGE_ANALYZERS[code]: code for code in FOLDING_EXCEPTIONS}


def field_key(lang: str) -> str:
    """The sub-field a text in ``lang`` goes to: its language analyzer's name, or ``other``."""
    tag = (lang or "").lower()
    if tag in ("pt-br", "pt_br"):
        return BRAZILIAN
    return LANGUAGE_ANALYZERS.get(primary(tag), OTHER)


def text_fields(words: int, lang: str, present: Iterable[str]) -> list[str]:
    """The boosted sub-fields each word of a query is matched against: those of the languages
    the index holds (``present``: analyzer keys), the query's own language first, then text of
    no known language, then the others by name, as many as ``CLAUSE_BUDGET`` allows for
    ``words`` words (each key costs a plain and a folded sub-field of title, body and keywords:
    six clauses; the query's language is always kept)."""
    keys = list(dict.fromkeys([field_key(lang), OTHER, *sorted(present)]))
    per_key = 2 * len(BOOSTS)
    keep = max(1, (CLAUSE_BUDGET // max(1, words) - 1) // per_key)
    return [name for key in keys[:keep] for field, boost in BOOSTS.items()
            for name in (f"{field}.{key}^{boost}", f"{field}.{key}.folded^{boost / 2}")]


def _fold_mapping(lang: str) -> list[str]:
    """Mapping char filter rules folding Latin letters, except those ``lang`` keeps."""
    rules = []
    for code in list(range(0xC0, 0x250)) + [0x130, 0x131]:
        ch = chr(code)
        if not ch.isalpha():
            continue
        folded = fold(ch, lang)
        if folded and folded != ch.lower() and folded.isascii():
            rules.append(f"{ch} => {folded}")
    return sorted(set(rules))


#: analyzer name -> language of OpenSearch's ``snowball`` token filter, for the ``folded`` sub-fields
SNOWBALL_LANGUAGES = {
    "armenian": "Armenian", "basque": "Basque", "catalan": "Catalan", "danish": "Danish", "dutch": "Dutch",
    "english": "English", "finnish": "Finnish", "french": "French", "german": "German2",
    "hungarian": "Hungarian", "italian": "Italian", "lithuanian": "Lithuanian", "norwegian": "Norwegian",
    "portuguese": "Portuguese", "brazilian": "Portuguese", "romanian": "Romanian", "russian": "Russian",
    "spanish": "Spanish", "swedish": "Swedish", "turkish": "Turkish",
}


def folded_analyzer(language: str) -> str:
    """The analyzer of ``{field}.{language}.folded``."""
    if language in _EXCEPTIONS or language in SNOWBALL_LANGUAGES:
        return f"mf_fold_{language}"
    return "mf_fold"


def analysis_settings(icu: bool) -> dict:
    """Folding analyzers: diacritics removed (bar each language's exceptions), then the
    language's Snowball stemmer, as the embedded backend does in Python."""
    char_filters, analyzers, filters = {}, {}, {}
    tokenizer = "icu_tokenizer" if icu else "standard"
    folding = "icu_folding" if icu else "asciifolding"
    analyzers["mf_fold"] = {"type": "custom", "tokenizer": tokenizer, "filter": ["lowercase", folding]}
    filters["mf_turkish_lowercase"] = {"type": "lowercase", "language": "turkish"}
    for analyzer in sorted(set(_EXCEPTIONS) | set(SNOWBALL_LANGUAGES)):
        code = _EXCEPTIONS.get(analyzer)
        chain = ["mf_turkish_lowercase"] if code == "tr" else ["lowercase"]
        spec = {"type": "custom", "tokenizer": tokenizer}
        if code and icu:
            keep = "".join(sorted(set(FOLDING_EXCEPTIONS[code] + FOLDING_EXCEPTIONS[code].upper())))
            filters[f"mf_fold_{code}"] = {"type": "icu_folding", "unicode_set_filter": f"[^{keep}]"}
        elif code:
            char_filters[f"mf_fold_{code}"] = {"type": "mapping", "mappings": _fold_mapping(code)}
            spec["char_filter"] = [f"mf_fold_{code}"]
        if analyzer in SNOWBALL_LANGUAGES:
            filters[f"mf_snowball_{analyzer}"] = {"type": "snowball", "language": SNOWBALL_LANGUAGES[analyzer]}
            chain.append(f"mf_snowball_{analyzer}")
        chain.append(f"mf_fold_{code}" if code and icu else (folding if not code else None))
        spec["filter"] = [f for f in chain if f]
        analyzers[f"mf_fold_{analyzer}"] = spec
    return {"analysis": {"char_filter": char_filters, "filter": filters, "analyzer": analyzers}}


def _text_field(analyzer: str, folded: str) -> dict:
    return {"type": "text", "analyzer": analyzer, "copy_to": "all_text",
            "fields": {"folded": {"type": "text", "analyzer": folded}}}


def mapping() -> dict:
    properties: dict = {name: {"type": "keyword"} for name in KEYWORD_FIELDS}
    properties["id"] = {"type": "keyword"}
    properties["sort_title"] = {"type": "keyword"}
    properties["all_text"] = {"type": "text", "analyzer": "mf_fold"}
    properties[PUBLIC_TEXT] = {"type": "text", "analyzer": "mf_fold"}
    properties["doc"] = {"type": "object", "enabled": False}
    for field in TEXT_FIELDS.values():
        subs = {lang: _text_field(lang, folded_analyzer(lang)) for lang in ANALYZED_LANGUAGES}
        subs[OTHER] = _text_field("standard", "mf_fold")
        properties[field] = {"properties": subs}
    return {"dynamic": "strict", "_meta": {"mapping_version": MAPPING_VERSION},
            "_source": {"excludes": [PUBLIC_TEXT]}, "properties": properties}


def to_source(doc: dict) -> dict:
    source = {name: doc.get(name) for name in KEYWORD_FIELDS if name in doc}
    source["id"] = doc["id"]
    source["sort_title"] = fold(title_of(doc, "en")[0])[:200]
    source["doc"] = doc
    for key, field in TEXT_FIELDS.items():
        values = doc[key].items() if isinstance(doc[key], dict) else doc[key]
        out: dict[str, list[str]] = {}
        for lang, text in values:
            out.setdefault(field_key(lang), []).append(text)
        source[field] = out
    if doc["access"] == "public":
        source[PUBLIC_TEXT] = [text for _, text in all_text(doc)]
    return source


class OpenSearchBackend:
    name = "opensearch"

    def __init__(self, url: str = "http://127.0.0.1:9250", *, prefix: str = "maarifa", user: str | None = None,
                 password: str | None = None, verify_tls: bool = True, timeout: float = 10.0, client=None):
        from opensearchpy import OpenSearch

        self.url = url
        self.prefix = prefix.strip("-").lower() or "maarifa"
        auth = (user, password or "") if user else None
        self.client = client or OpenSearch(
            hosts=[url], http_auth=auth, verify_certs=verify_tls, ssl_show_warn=False, timeout=timeout,
            max_retries=0, retry_on_timeout=False)
        self._icu: bool | None = None
        self._layout_cache: dict | None = None
        self._layout_at = 0.0
        self._languages: tuple[float, frozenset[str]] | None = None  # (when, analyzer keys with text)

    # -- plumbing ---------------------------------------------------------------------

    def alias(self, doc_type: str) -> str:
        return f"{self.prefix}-{doc_type}"

    def _call(self, what: str, fn, *args, **kwargs):
        from opensearchpy import exceptions as ex

        try:
            return fn(*args, **kwargs)
        except (ex.ConnectionError, ex.ConnectionTimeout) as exc:
            raise SearchUnavailable(f"OpenSearch at {self.url} is unreachable ({what}): "
                                    f"{_reason(exc)}") from None
        except ex.AuthenticationException:
            raise SearchUnavailable(f"OpenSearch at {self.url} refused the credentials ({what}); "
                                    f"check opensearch_user / opensearch_password") from None
        except ex.TransportError as exc:
            status = exc.status_code if isinstance(exc.status_code, int) else 0
            if status >= 500 or status == 429:
                raise SearchUnavailable(f"OpenSearch at {self.url} failed ({what}): HTTP {status} "
                                        f"{_reason(exc)}") from None
            raise SearchError(f"OpenSearch rejected {what}: HTTP {status} {_reason(exc)}") from None

    def icu(self) -> bool:
        if self._icu is None:
            plugins = self._call("listing plugins", self.client.cat.plugins, format="json")
            self._icu = any(p.get("component") == "analysis-icu" for p in plugins)
        return self._icu

    def _create_index(self, doc_type: str) -> str:
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d%H%M%S")
        name = f"{self.alias(doc_type)}-v{MAPPING_VERSION}-{stamp}-{uuid.uuid4().hex[:6]}"
        body = {"settings": {"index": {"number_of_shards": 1, "number_of_replicas": 0},
                             **analysis_settings(self.icu())},
                "mappings": mapping()}
        self._call(f"creating index {name}", self.client.indices.create, index=name, body=body)
        return name

    def _layout(self, refresh: bool = False) -> dict[str, dict]:
        """doc type -> {"targets": [indexes behind the alias], "version": mapping version or None,
        "concrete": True when an index (not an alias) has the alias's name}; one request."""
        if self._layout_cache is not None and not refresh and time.monotonic() - self._layout_at < LAYOUT_TTL:
            return self._layout_cache
        indexes = self._call("reading the indexes", self.client.indices.get, index=f"{self.prefix}-*",
                             ignore_unavailable=True, allow_no_indices=True, expand_wildcards="open")
        layout = {t: {"targets": [], "version": None, "concrete": False} for t in TYPES}
        by_alias = {self.alias(t): t for t in TYPES}
        for name, info in indexes.items():
            version = info.get("mappings", {}).get("_meta", {}).get("mapping_version", 0)
            owners = [by_alias[a] for a in info.get("aliases", {}) if a in by_alias]
            if name in by_alias:
                owners.append(by_alias[name])
                layout[by_alias[name]]["concrete"] = True
            for doc_type in owners:
                entry = layout[doc_type]
                if name != self.alias(doc_type):
                    entry["targets"].append(name)
                entry["version"] = version if entry["version"] is None else min(entry["version"], version)
        self._layout_cache, self._layout_at = layout, time.monotonic()
        return layout

    def _ensure(self, doc_type: str) -> None:
        """Make sure the alias of ``doc_type`` points at an index with the current mapping."""
        entry = self._layout()[doc_type]
        if entry["version"] is None:
            name = self._create_index(doc_type)
            self._call("creating alias", self.client.indices.update_aliases, body={"actions": [
                {"add": {"index": name, "alias": self.alias(doc_type)}}]})
            self._layout(refresh=True)
        elif entry["version"] != MAPPING_VERSION:
            raise IndexOutdated(f"the OpenSearch index {self.alias(doc_type)} was built by an older mapping "
                                f"(version {entry['version']}, now {MAPPING_VERSION}): run `maarifa reindex`")

    # -- writes -----------------------------------------------------------------------

    def index(self, docs: Iterable[dict]) -> int:
        actions = []
        for doc in docs:
            self._ensure(doc["type"])
            # a document may change type (a guide becomes a pack): remove it from the others
            for other in TYPES:
                if other != doc["type"]:
                    actions.append({"delete": {"_index": self.alias(other), "_id": doc["id"]}})
            actions.append({"index": {"_index": self.alias(doc["type"]), "_id": doc["id"]}})
            actions.append(to_source(doc))
        done = self._bulk(actions, refresh=True)
        self._languages = None  # after the write: a search in between must not keep the old list
        return done

    def delete(self, ids: Iterable[str]) -> int:
        layout = self._layout()
        actions = [{"delete": {"_index": self.alias(t), "_id": doc_id}} for doc_id in ids for t in TYPES
                   if layout[t]["version"] is not None]
        return self._bulk(actions, refresh=True)

    def _bulk(self, actions: list[dict], refresh, chunk: int = 2000) -> int:
        done = 0
        lines = []
        i = 0
        while i < len(actions):
            step = 1 if "delete" in actions[i] else 2
            lines.extend(actions[i:i + step])
            i += step
            if len(lines) >= chunk or i >= len(actions):
                body = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n"
                response = self._call("bulk indexing", self.client.bulk, body=body,
                                      refresh="true" if refresh else "false")
                for item in response.get("items", []):
                    (op, result), = item.items()
                    status = result.get("status", 200)
                    if status >= 300 and not (op == "delete" and status == 404):
                        if status >= 500 or status == 429:
                            raise SearchUnavailable(f"OpenSearch at {self.url} failed to index: {result.get('error')}")
                        if op == "delete" and result.get("error", {}).get("type") == "index_not_found_exception":
                            continue
                        raise SearchError(f"OpenSearch rejected a document {result.get('_id')}: {result.get('error')}")
                    if op == "index":
                        done += 1
                lines = []
        return done

    def reindex(self, docs: Iterable[dict]) -> int:
        new = {t: self._create_index(t) for t in TYPES}
        try:
            actions = []
            total = 0
            for doc in docs:
                actions.append({"index": {"_index": new[doc["type"]], "_id": doc["id"]}})
                actions.append(to_source(doc))
                if len(actions) >= 4000:
                    total += self._bulk(actions, refresh=False)
                    actions = []
            total += self._bulk(actions, refresh=False)
            self._call("refreshing", self.client.indices.refresh, index=",".join(new.values()))
            self._languages = None
        except BaseException:
            for name in new.values():
                try:
                    self.client.indices.delete(index=name, ignore_unavailable=True)
                except Exception:
                    pass
            raise
        swap, old = [], []
        layout = self._layout(refresh=True)
        for doc_type, name in new.items():
            alias = self.alias(doc_type)
            if layout[doc_type]["concrete"]:
                swap.append({"remove_index": {"index": alias}})  # a concrete index under the alias's name
            for target in layout[doc_type]["targets"]:
                swap.append({"remove": {"index": target, "alias": alias}})
                old.append(target)
            swap.append({"add": {"index": name, "alias": alias}})
        self._call("swapping aliases", self.client.indices.update_aliases, body={"actions": swap})
        for name in old:
            self._call("deleting an old index", self.client.indices.delete, index=name, ignore_unavailable=True)
        self._layout(refresh=True)
        return total

    def needs_reindex(self) -> bool:
        layout = self._layout(refresh=True)
        return any(e["version"] is not None and e["version"] != MAPPING_VERSION for e in layout.values())

    def drop(self) -> None:
        """Delete every index and alias of this prefix (tests, `maarifa reindex --drop`)."""
        self._call("deleting indexes", self.client.indices.delete, index=f"{self.prefix}-*",
                   ignore_unavailable=True, expand_wildcards="all")
        self._layout_cache = None

    def health(self) -> dict:
        try:
            health = self._call("health", self.client.cluster.health)
            count = 0
            layout = self._layout(refresh=True)
            for doc_type in TYPES:
                if layout[doc_type]["version"] is not None:
                    count += self._call("counting", self.client.count, index=self.alias(doc_type))["count"]
            return {"backend": self.name, "ok": health.get("status") in ("green", "yellow"),
                    "status": health.get("status"), "documents": count, "url": self.url,
                    "icu": self.icu(), "outdated": self.needs_reindex()}
        except SearchError as exc:
            return {"backend": self.name, "ok": False, "url": self.url, "error": str(exc)}

    def close(self) -> None:
        try:
            self.client.close()
        except Exception:
            pass

    # -- search -----------------------------------------------------------------------

    def search(self, query: Query) -> Results:
        types = query.filters.get("type") or TYPES
        layout = self._layout()
        stale = [t for t in types if layout[t]["version"] not in (None, MAPPING_VERSION)]
        if stale:
            raise IndexOutdated(f"the OpenSearch index {self.alias(stale[0])} was built by an older mapping: "
                                f"run `maarifa reindex`")
        indexes = [self.alias(t) for t in types if layout[t]["version"] is not None]
        if not indexes:
            return Results(0, [], {}, None, query.page, query.per_page, self.name)
        visible = {"terms": {"access": list(query.access_levels)}}
        filters = [visible]
        for name, values in query.filters.items():
            filters.append({"terms": {FILTER_SOURCE[name]: list(values)}})
        body: dict = {"from": query.offset, "size": query.per_page, "track_total_hits": True,
                      "_source": ["doc"],
                      "aggs": {facet: {"terms": {"field": FACET_SOURCE[facet], "size": FACET_LIMIT}}
                               for facet in FACET_FIELDS}}
        if query.words:
            fields = text_fields(len(query.words), query.lang, self._present_languages(indexes))
            must = [{"bool": {"should": [
                {"multi_match": {"query": word, "fields": fields, "type": "best_fields"}},
                {"match": {"all_text": {"query": word, "fuzziness": "AUTO", "prefix_length": 1, "boost": 0.2}}},
            ], "minimum_should_match": 1}} for word in query.words]
            body["query"] = {"bool": {"must": must, "filter": filters}}
            # highlight what the words match exactly: highlighting every term the fuzzy clause
            # expands to across ~240 language sub-fields cost ~10x the search (bench/RESULTS.md)
            exact = {"bool": {"should": [{"multi_match": {"query": word, "fields": fields}}
                                         for word in query.words]}}
            body["highlight"] = {"pre_tags": ["<mark>"], "post_tags": ["</mark>"], "encoder": "html",
                                 "fragment_size": 160, "number_of_fragments": 1, "require_field_match": False,
                                 "highlight_query": exact,
                                 "fields": {f"{f}.*": {} for f in ("body", "keywords", "title")}}
            field = "all_text" if query.viewer_is_member else PUBLIC_TEXT
            body["suggest"] = {"text": query.text,
                               "words": {"term": {"field": field, "suggest_mode": "missing", "min_word_length": 3,
                                                  "size": SUGGESTIONS_PER_WORD}}}
        else:
            body["query"] = {"bool": {"filter": filters}}
            body["sort"] = [{"sort_title": "asc"}, {"id": "asc"}]
        response = self._call("searching", self.client.search, index=",".join(indexes), body=body,
                              ignore_unavailable=True)
        wanted = set()
        if query.words:
            for word in query.words:
                wanted.update(query_forms(word, [query.lang, "und"]))
        hits = []
        for hit in response["hits"]["hits"]:
            doc = hit["_source"]["doc"]
            title, lang, fallback = title_of(doc, query.lang)
            snippet = _best_highlight(hit.get("highlight") or {}) or make_snippet(doc, query.lang, wanted)
            hits.append(Hit(doc["id"], doc["type"], title, snippet, lang, fallback, doc.get("kind", ""),
                            float(hit.get("_score") or 0.0)))
        facets = {facet: [(b["key"], b["doc_count"]) for b in agg["buckets"]]
                  for facet, agg in response.get("aggregations", {}).items() if agg["buckets"]}
        entries = response.get("suggest", {}).get("words", [])
        suggestion = _suggestion(query.text, entries, self._visible_terms(indexes, visible, entries))
        return Results(response["hits"]["total"]["value"], hits, facets, suggestion, query.page, query.per_page,
                       self.name)

    def _present_languages(self, indexes: list[str]) -> frozenset[str]:
        """The analyzer keys some document's text uses (one request; trusted ``LAYOUT_TTL``
        seconds, and forgotten when this process writes)."""
        if self._languages is not None and time.monotonic() - self._languages[0] < LAYOUT_TTL:
            return self._languages[1]
        keys = [*ANALYZED_LANGUAGES, OTHER]
        body = {"size": 0, "aggs": {key: {"filter": {"bool": {"should": [
            {"exists": {"field": f"{field}.{key}"}} for field in BOOSTS]}}} for key in keys}}
        response = self._call("listing languages", self.client.search, index=",".join(indexes), body=body,
                              ignore_unavailable=True)
        present = frozenset(k for k in keys if response["aggregations"][k]["doc_count"] > 0)
        self._languages = (time.monotonic(), present)
        return present

    def _visible_terms(self, indexes: list[str], visible: dict, entries: list[dict]) -> set[str]:
        """The suggested terms that some live document the caller may see holds (one request)."""
        terms = sorted({option["text"] for entry in entries for option in entry.get("options", [])})
        if not terms:
            return set()
        body = {"size": 0, "query": {"bool": {"filter": [visible]}},
                "aggs": {"visible": {"filters": {"filters": {
                    str(i): {"term": {"all_text": term}} for i, term in enumerate(terms)}}}}}
        response = self._call("checking suggestions", self.client.search, index=",".join(indexes), body=body,
                              ignore_unavailable=True)
        buckets = response["aggregations"]["visible"]["buckets"]
        return {term for i, term in enumerate(terms) if buckets[str(i)]["doc_count"] > 0}


def _best_highlight(highlight: dict) -> str | None:
    for prefix in ("body.", "keywords.", "title."):
        for field, fragments in sorted(highlight.items()):
            if field.startswith(prefix) and fragments:
                return fragments[0]
    return None


def _suggestion(text: str, entries: list[dict], visible: set[str]) -> str | None:
    """The query with each word the suggester could correct replaced by its best ``visible`` option."""
    if not entries:
        return None
    out, pos, changed = [], 0, False
    for entry in entries:
        start, length = entry["offset"], entry["length"]
        out.append(text[pos:start])
        best = next((o["text"] for o in entry.get("options", []) if o["text"] in visible), None)
        if best is not None:
            out.append(best)
            changed = True
        else:
            out.append(text[start:start + length])
        pos = start + length
    out.append(text[pos:])
    return "".join(out) if changed else None


def _reason(exc) -> str:
    info = getattr(exc, "info", None)
    if isinstance(info, dict):
        error = info.get("error")
        if isinstance(error, dict):
            return error.get("reason") or error.get("type") or str(error)
        if error:
            return str(error)
    if isinstance(info, Exception):
        return str(info).split(": ", 1)[-1][:200]
    return str(getattr(exc, "error", exc))[:200]
