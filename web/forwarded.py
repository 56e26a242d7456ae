"""The client's address behind a trusted reverse proxy (setting ``trusted_proxies``).

Like werkzeug's ``ProxyFix`` for ``X-Forwarded-For``, but trusting the header only when the
connection comes from one of the configured proxies (``ProxyFix`` trusts a number of hops
from anyone), so a client that reaches the node directly cannot pick its own address and
step around the per-client limits (/sparql, the login throttle).
"""

from __future__ import annotations

from graph.sparql_admission import client_address


class ForwardedFor:
    """WSGI middleware: ``REMOTE_ADDR`` becomes the client that the trusted proxies name."""

    def __init__(self, app, trusted: tuple):
        self.app, self.trusted = app, trusted

    def __call__(self, environ, start_response):
        remote = environ.get("REMOTE_ADDR")
        environ["maarifa.proxy_addr"] = remote
        environ["REMOTE_ADDR"] = client_address(remote, environ.get("HTTP_X_FORWARDED_FOR"), self.trusted)
        return self.app(environ, start_response)
