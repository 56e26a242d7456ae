"""Open the backend the settings ask for (the composition root calls this; so do tests).

``settings`` is the node's settings object (``maarifa.settings.Settings``, or anything with the
same attributes: :class:`BackendSettings` lists the ones read here). The defaults live in the
settings table only; a missing attribute is an error, not a silent default.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from .backend import FallbackBackend, NullBackend
from .errors import SearchError


class BackendSettings(Protocol):
    """The settings :func:`open_backend` reads (see the README's settings table)."""

    search_backend: str
    data_dir: Path
    opensearch_url: str
    opensearch_user: str
    opensearch_password: str
    opensearch_verify_tls: bool
    opensearch_index_prefix: str
    search_fallback: bool


def open_backend(settings: BackendSettings):
    kind = (settings.search_backend or "embedded").lower()
    if kind == "none":
        return NullBackend()
    from .embedded import EmbeddedBackend

    if kind == "embedded":
        return EmbeddedBackend.in_data_dir(Path(settings.data_dir))
    if kind == "opensearch":
        from .opensearch import OpenSearchBackend

        backend = OpenSearchBackend(
            settings.opensearch_url, prefix=settings.opensearch_index_prefix,
            user=settings.opensearch_user or None,
            password=settings.opensearch_password or None,
            verify_tls=bool(settings.opensearch_verify_tls))
        if settings.search_fallback:
            return FallbackBackend(backend, EmbeddedBackend.in_data_dir(Path(settings.data_dir)))
        return backend
    raise SearchError(f"unknown search_backend {kind!r}: use embedded, opensearch or none")
