"""JSON-LD processing over bundled contexts only, in safe mode, and RDF Dataset Canonicalization
(RDFC-1.0).

Every context a document names must be one of the copies in ``badges/contexts/``: the
document loader below refuses any other URL (:class:`ContextNotBundled`), so processing a
credential never touches the network. Canonicalization is pyld's URDNA2015, which is
RDFC-1.0 (the W3C Recommendation is URDNA2015 renamed, same output).

**Safe mode** (W3C VC Data Integrity asks verifiers to refuse terms the declared contexts do
not define; jsonld.js calls it ``safe: true``): a term, a type or an identifier that the
declared contexts do not define is an error, never dropped or resolved against a made-up base. pyld has no safe mode and, by
default, drops undefined properties and turns an undefined type such as
``1EdTechRevocationList`` into ``http://example.org/base/1EdTechRevocationList``, so what it
signs or verifies is not what Digital Bazaar's verifier (jsonld.js) sees. :func:`expand`
therefore expands with one more context that maps every undefined term into a sentinel
vocabulary, and relative references under a sentinel base, and refuses the document when
anything lands there (:class:`UnsafeJsonLd`).
"""

from __future__ import annotations

import copy
import json
import re
from functools import lru_cache
from pathlib import Path

from pyld import jsonld
from pyld.context_resolver import ContextResolver
from pyld.jsonld import JsonLdError

from .errors import ContextNotBundled

CONTEXTS_DIR = Path(__file__).with_name("contexts")

OB2_CONTEXT = "https://w3id.org/openbadges/v2"
VC2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB3_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
DID_CONTEXT = "https://www.w3.org/ns/did/v1"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"

#: context URL -> bundled file
BUNDLED: dict[str, str] = {
    OB2_CONTEXT: "openbadges-v2.jsonld",
    "https://openbadgespec.org/v2/context.json": "openbadges-v2.jsonld",
    VC2_CONTEXT: "credentials-v2.jsonld",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json": "ob-v3p0-context-3.0.1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json": "ob-v3p0-context-3.0.2.json",
    OB3_CONTEXT: "ob-v3p0-context-3.0.3.json",
    OB3_EXTENSIONS: "ob-v3p0-extensions.json",
    DID_CONTEXT: "did-v1.jsonld",
    MULTIKEY_CONTEXT: "multikey-v1.jsonld",
}


@lru_cache(maxsize=None)
def _bundled_text(name: str) -> str:
    return (CONTEXTS_DIR / name).read_text(encoding="utf-8")


def bundled_context(url: str) -> dict:
    """The parsed bundled copy of a context URL; :class:`ContextNotBundled` for any other URL."""
    name = BUNDLED.get(url.rstrip("#")) if isinstance(url, str) else None
    if name is None:
        raise ContextNotBundled(str(url))
    return json.loads(_bundled_text(name))


def document_loader(url: str, options=None) -> dict:
    """pyld document loader: bundled copies only, never the network.

    ``tag: static`` lets pyld keep the processed context in its shared cache (it only caches
    tagged remote contexts), so each bundled context is processed once per process."""
    return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url,
            "document": bundled_context(url), "tag": "static"}


class _Resolver(ContextResolver):
    """pyld's resolver, plus a cache of the scoped (embedded) contexts by object identity.

    pyld keys embedded contexts by their JSON canonical form, recomputed at every use; the
    scoped contexts of the bundled OB 3.0 / VC 2.0 contexts are the same objects every time
    (pyld caches the processed bundled contexts), so identity is a safe and much cheaper key.
    Entries keep their context object alive, so an id is never reused while cached."""

    _by_id: dict[int, tuple] = {}
    MAX = 4096

    def resolve(self, active_ctx, context, base, cycles=None):
        if isinstance(context, dict) and "@context" not in context:
            hit = self._by_id.get(id(context))
            if hit is not None and hit[0] is context:
                return [hit[1]]
            resolved = super().resolve(active_ctx, context, base, cycles)
            if len(resolved) == 1:
                if len(self._by_id) >= self.MAX:
                    self._by_id.clear()
                self._by_id[id(context)] = (context, resolved[0])
            return resolved
        return super().resolve(active_ctx, context, base, cycles)


def _options(**extra) -> dict:
    return {"documentLoader": document_loader,
            "contextResolver": _Resolver(jsonld._resolved_context_cache, document_loader), **extra}


def _unwrap(error: JsonLdError) -> Exception:
    seen = error
    while seen is not None:
        if isinstance(seen, ContextNotBundled):
            return seen
        seen = getattr(seen, "cause", None) or seen.__cause__ or seen.__context__
        if seen is error:
            break
    return error


class JsonLdFailed(Exception):
    """The document is not processable JSON-LD (the message says why)."""


class UnsafeJsonLd(JsonLdFailed):
    """The document uses terms, types or identifiers its declared contexts do not define."""

    def __init__(self, problems: list[str]):
        super().__init__("JSON-LD safe mode: " + "; ".join(problems))
        self.problems = problems


#: where the checking context sends what the declared contexts leave undefined: a term or a
#: type lands under UNDEFINED_VOCAB (its @vocab), a relative reference under RELATIVE_BASE
#: (the base IRI); no real vocabulary or host lives there (.invalid is reserved, RFC 2606)
UNDEFINED_VOCAB = "urn:maarifa:undefined-term:"
RELATIVE_BASE = "https://relative-reference.invalid/"
_CHECKING_CONTEXT = {"@vocab": UNDEFINED_VOCAB}  # one object: the resolver caches it by identity
_LANDED = re.compile(re.escape(UNDEFINED_VOCAB) + r'([^\s"<>]*)|' + re.escape(RELATIVE_BASE) + r'([^\s"<>]*)')


def _sets_vocab(context) -> bool:
    if isinstance(context, list):
        return any(_sets_vocab(c) for c in context)
    return isinstance(context, dict) and "@vocab" in context


def _with_checking_context(document: dict) -> dict:
    """The document with the checking ``@vocab`` context last, unless it maps undefined terms itself."""
    doc = copy.deepcopy(document)
    context = doc.get("@context")
    if _sets_vocab(context):
        return doc  # a document-wide @vocab defines every term (the JSON-LD way to be open)
    contexts = [] if context is None else list(context) if isinstance(context, list) else [context]
    doc["@context"] = contexts + [_CHECKING_CONTEXT]
    return doc


def _refuse_what_landed(text: str) -> None:
    """:class:`UnsafeJsonLd` naming every term and reference that ``text`` (an expansion or
    N-Quads made with the checking context) shows under the sentinel IRIs."""
    problems = []
    for undefined, relative in _LANDED.findall(text):
        problems.append(f"term {undefined!r} is not defined by the document's contexts" if not relative else
                        f"identifier {relative!r} is a relative reference (not an absolute IRI)")
    if problems:
        raise UnsafeJsonLd(list(dict.fromkeys(problems)))


def _run(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except JsonLdError as error:
        cause = _unwrap(error)
        if isinstance(cause, ContextNotBundled):
            raise cause from None
        raise JsonLdFailed(f"JSON-LD processing failed: {error.type if hasattr(error, 'type') else error}: "
                           f"{getattr(error, 'details', '') or error}") from None


def expand(document: dict) -> list:
    """The expanded form, in safe mode: :class:`UnsafeJsonLd` names every undefined term or type
    and every relative identifier (contexts from the bundle only)."""
    expanded = _run(jsonld.expand, _with_checking_context(document), _options(base=RELATIVE_BASE))
    _refuse_what_landed(json.dumps(expanded))
    return expanded


def canonicalize(document: dict) -> str:
    """RDFC-1.0 canonical N-Quads of a JSON-LD document, in safe mode (see :func:`expand`). One
    pass: when nothing lands under the sentinels, the checking context changed nothing, so
    these are the N-Quads of the document as jsonld.js (no base IRI) canonicalizes it."""
    nquads = _run(jsonld.normalize, _with_checking_context(document),
                  _options(base=RELATIVE_BASE, algorithm="URDNA2015", format="application/n-quads"))
    _refuse_what_landed(nquads)
    return nquads


def compact(document: dict, context) -> dict:
    return _run(jsonld.compact, copy.deepcopy(document), context, _options())
