"""Open the backend the settings ask for (the composition root calls this; so do tests).

Reads these settings by name, with these defaults when the settings object lacks them:
``search_backend`` ("embedded" | "opensearch" | "none"), ``opensearch_url``,
``opensearch_user``, ``opensearch_password``, ``opensearch_verify_tls``,
``opensearch_index_prefix``, ``search_fallback`` (use the embedded index while OpenSearch
is unreachable) and ``data_dir``.
"""

from __future__ import annotations

from pathlib import Path

from .backend import FallbackBackend, NullBackend
from .errors import SearchError

DEFAULTS = {
    "search_backend": "embedded",
    "opensearch_url": "http://127.0.0.1:9250",
    "opensearch_user": "",
    "opensearch_password": "",
    "opensearch_verify_tls": True,
    "opensearch_index_prefix": "maarifa",
    "search_fallback": True,
}


def setting(settings, name: str):
    return getattr(settings, name, DEFAULTS.get(name))


def open_backend(settings):
    kind = (setting(settings, "search_backend") or "embedded").lower()
    if kind == "none":
        return NullBackend()
    from .embedded import EmbeddedBackend

    if kind == "embedded":
        return EmbeddedBackend.in_data_dir(Path(settings.data_dir))
    if kind == "opensearch":
        from .opensearch import OpenSearchBackend

        backend = OpenSearchBackend(
            setting(settings, "opensearch_url"), prefix=setting(settings, "opensearch_index_prefix"),
            user=setting(settings, "opensearch_user") or None,
            password=setting(settings, "opensearch_password") or None,
            verify_tls=bool(setting(settings, "opensearch_verify_tls")))
        if setting(settings, "search_fallback"):
            return FallbackBackend(backend, EmbeddedBackend.in_data_dir(Path(settings.data_dir)))
        return backend
    raise SearchError(f"unknown search_backend {kind!r}: use embedded, opensearch or none")
