"""Nodes served for real (waitress on 127.0.0.1, free ports) with public and non-public data."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server
from rdflib import Literal, URIRef

from graph import Change
from maarifa import wiring
from maarifa.settings import Settings
from ontology import MF, SCHEMA
from web import create_app

from ..factories import person, taxonomy
from ..served import Served, free_port


class LiveNode:
    """A node on a free port: werkzeug's threaded server by default (it shuts down cleanly
    from a test), or waitress, which ``maarifa serve`` uses (``waitress=True``)."""

    def __init__(self, data_dir: Path, *, waitress: bool = False, **overrides):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.settings = Settings.load({"data_dir": data_dir, "base_url": self.url, "sparql_timeout": 3.0,
                                       **overrides}, environ={})
        wiring.init_data_dir(self.settings)
        self.services = wiring.open_services(self.settings, "pytest node")
        self.store = self.services.store
        self.app = create_app(self.settings, self.services)
        if waitress:
            self.served = Served(self.app, self.port).start()
        else:
            self.served = None
            self.server = make_server("127.0.0.1", self.port, self.app, threaded=True)
            self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
            self.thread.start()

    @property
    def sparql(self) -> str:
        return f"{self.url}/sparql"

    def iri(self, kind: str, slug: str) -> URIRef:
        return URIRef(f"{self.url}/id/{kind}/{slug}")

    def populate(self, prefix: str = "") -> None:
        """Skills; a consenting public person, a public one without consent, a members-only and
        a private person; e-mail addresses only in the private graph."""
        base = self.url
        store = self.store

        def retarget(triples):
            return [tuple(URIRef(str(t).replace("http://127.0.0.1:5000", base)) if isinstance(t, URIRef) else t
                          for t in triple) for triple in triples]
        store.apply(Change().adding(store.logical_graph("taxonomy", "public"), retarget(taxonomy())))
        public = retarget(person(f"{prefix}open", {"1": 4}) + person(f"{prefix}shy", {"1": 3}))
        shy = self.iri("person", f"{prefix}shy")
        public = [t for t in public if not (t[0] == shy and str(t[1]) == MF.federationConsent)]
        public.append((shy, URIRef(MF.federationConsent), Literal(False)))
        store.apply(Change().adding(store.logical_graph("people", "public"), public))
        store.apply(Change().adding(store.logical_graph("people", "members"),
                                    retarget(person(f"{prefix}member", {"2": 2}, visibility="MembersOnly"))))
        store.apply(Change().adding(store.logical_graph("people", "private"),
                                    retarget(person(f"{prefix}secret", {"3": 1}, visibility="Private"))
                                    + [(self.iri("person", f"{prefix}open"), URIRef(SCHEMA.email),
                                        Literal("open@example.org"))]))
        self.services.sync_replica()

    def close(self) -> None:
        if self.served:
            self.served.stop()
        else:
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(5)
        self.services.close()


@pytest.fixture
def node(tmp_path):
    live = LiveNode(tmp_path / "a")
    live.populate()
    yield live
    live.close()


@pytest.fixture(scope="module")
def shared_node(tmp_path_factory):
    live = LiveNode(tmp_path_factory.mktemp("shared") / "data")
    live.populate()
    yield live
    live.close()
