"""JSON-LD processing over bundled contexts only, and RDF Dataset Canonicalization (RDFC-1.0).

Every context a document names must be one of the copies in ``badges/contexts/``: the
document loader below refuses any other URL (:class:`ContextNotBundled`), so processing a
credential never touches the network. Canonicalization is pyld's URDNA2015, which is
RDFC-1.0 (the W3C Recommendation is URDNA2015 renamed, same output).
"""

from __future__ import annotations

import copy
import json
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

#: context URL -> bundled file
BUNDLED: dict[str, str] = {
    OB2_CONTEXT: "openbadges-v2.jsonld",
    "https://openbadgespec.org/v2/context.json": "openbadges-v2.jsonld",
    VC2_CONTEXT: "credentials-v2.jsonld",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json": "ob-v3p0-context-3.0.1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json": "ob-v3p0-context-3.0.2.json",
    OB3_CONTEXT: "ob-v3p0-context-3.0.3.json",
    OB3_EXTENSIONS: "ob-v3p0-extensions.json",
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


def _run(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except JsonLdError as error:
        cause = _unwrap(error)
        if isinstance(cause, ContextNotBundled):
            raise cause from None
        raise JsonLdFailed(f"JSON-LD processing failed: {error.type if hasattr(error, 'type') else error}: "
                           f"{getattr(error, 'details', '') or error}") from None


def canonicalize(document: dict) -> str:
    """RDFC-1.0 canonical N-Quads of a JSON-LD document (contexts from the bundle only)."""
    return _run(jsonld.normalize, copy.deepcopy(document),
                _options(algorithm="URDNA2015", format="application/n-quads", safe=True))


def expand(document: dict) -> list:
    return _run(jsonld.expand, copy.deepcopy(document), _options(safe=True))


def compact(document: dict, context) -> dict:
    return _run(jsonld.compact, copy.deepcopy(document), context, _options())
