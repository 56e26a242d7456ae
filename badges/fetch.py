"""Fetching an issuer's documents over HTTP for :class:`badges.Verifier`: status lists,
revocation lists, hosted assertions, key and controller documents.

Only ``http``/``https``, with a timeout and a size limit, so a verification waits a bounded
time on an issuer that is down and cannot be fed an endless body. JSON-LD contexts are never
fetched (they come from the bundle, see :mod:`badges.jsonld`).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import requests

TIMEOUT = 10.0
MAX_DOCUMENT_BYTES = 8 * 1024 * 1024
ACCEPT = "application/ld+json, application/json;q=0.9, */*;q=0.1"


class FetchFailed(LookupError):
    """The document could not be fetched (the message says why: refused URL, network, size)."""


def http_fetch(url: str, *, timeout: float = TIMEOUT, max_bytes: int = MAX_DOCUMENT_BYTES) -> tuple[int, str, bytes]:
    """(HTTP status, content type, body) of a GET; :class:`FetchFailed` when there is no answer."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise FetchFailed(f"{url}: only http(s) URLs are fetched")
    try:
        with requests.get(url, headers={"Accept": ACCEPT}, timeout=timeout, stream=True) as response:
            body = response.raw.read(max_bytes + 1, decode_content=True)
            if len(body) > max_bytes:
                raise FetchFailed(f"{url}: the answer is larger than {max_bytes:,} bytes")
            return response.status_code, response.headers.get("Content-Type", ""), body
    except requests.RequestException as exc:
        raise FetchFailed(f"{url}: {_reason(exc, timeout)}") from None


def _reason(exc: requests.RequestException, timeout: float) -> str:
    if isinstance(exc, requests.Timeout):
        return f"no answer within {timeout:g} seconds"
    if isinstance(exc, requests.ConnectionError):
        return "cannot connect (the server is down or unreachable)"
    return str(exc) or type(exc).__name__
