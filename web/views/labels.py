"""Names of skills, organizations, territories and roles, cached until the graph changes."""

from __future__ import annotations

import threading

from flask import current_app

from .common import services

_lock = threading.Lock()


def taxonomy():
    """A :class:`graph.people.Taxonomy` (public, non-personal data) for the current feed head."""
    from graph.people import Taxonomy

    store = services().store
    cache = current_app.extensions.setdefault("maarifa.ui_taxonomy", {})
    head = store.feed.head
    if cache.get("head") != head or "tax" not in cache:
        with _lock:
            if cache.get("head") != head or "tax" not in cache:
                cache["tax"] = Taxonomy(store)
                cache["head"] = head
    return cache["tax"]
