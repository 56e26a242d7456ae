"""Fuzz targets of every page and document read with GET (issue 13): the UI's pages with their
query parameters (/search, /peers, /skills-map, ...), the linked-data paths of /id/..., the
Open Badges documents by id, /badges/verify/..., and the SPARQL endpoint's GET parameters."""

from __future__ import annotations

from urllib.parse import quote, unquote

from hypothesis import strategies as st

from .web_inputs import callers, headers, query_pairs, segment

SEARCH = {"q": "budget", "type": "LearningResource", "language": "en", "skill": "12", "format": "text/html",
          "organization": "AM", "territory": "KE", "page": "1", "lang": "fr"}
PEERS = {"skill": "12", "level": "2", "status": ["known"], "speaks": "sw", "min_proficiency": "3",
         "territory": "011", "org": "AM", "mentoring": "1", "verified": "", "federated": "1", "page": "2"}


def _pages(node, examples: dict[str, tuple]) -> None:
    """``examples``: route -> (path template with ``{}`` for one segment, valid segments, valid query)."""
    routes = sorted(examples)

    def send(example):
        route, seg, query, caller, extra = example
        template = examples[route][0]
        node.call("GET", template.format(seg), caller=caller, query=query, headers=dict(extra),
                  values=[unquote(seg)])

    @st.composite
    def one(draw):
        route = draw(st.sampled_from(routes))
        _, valid_segments, fields = examples[route]
        return (route, draw(segment(*valid_segments)), draw(query_pairs(fields)), draw(callers()), draw(headers()))

    # each route's valid request once, then the drawn ones
    seeds = [(route, quote(examples[route][1][0], safe="/"), list(examples[route][2].items()), "anonymous", {})
             for route in routes]
    node.fuzz(routes, one(), send, seeds=[(r, s, [(n, v) for n, vs in q for v in ([vs] if isinstance(vs, str) else vs)],
                                          c, h) for r, s, q, c, h in seeds])


def test_ui_pages(web_node):
    _pages(web_node, {
        "GET /": ("/", ("",), {"lang": "sw"}),
        "GET /search": ("/search", ("",), SEARCH),
        "GET /peers": ("/peers", ("",), PEERS),
        "GET /skills": ("/skills", ("",), {"lang": "es"}),
        "GET /skill/<path:code>": ("/skill/{}", ("12", "11"), {"lang": "en"}),
        "GET /skills-map": ("/skills-map", ("",), {"org": "AM", "territory": "KE"}),
        "GET /people/<username>": ("/people/{}", ("pia", "mona", "priv"), {"lang": "en"}),
        "GET /asset/<path:slug>": ("/asset/{}", ("budget-guide",), {}),
        "GET /training/<path:slug>": ("/training/{}", ("budgets",), {}),
        "GET /pack/<path:slug>": ("/pack/{}", ("budget-pack",), {}),
        "GET /badge/<slug>": ("/badge/{}", ("budgets",), {}),
        "GET /health": ("/health", ("",), {}),
        "GET /admin": ("/admin", ("",), {}),
        "GET /trainer": ("/trainer", ("",), {}),
        "GET /login": ("/login", ("",), {"next": "/peers", "expired": "1"}),
        "GET /login/<provider>": ("/login/{}", ("wikimedia",), {"next": "/"}),
        "GET /locale": ("/locale", ("",), {"lang": "fr", "next": "/search?q=x"}),
    })


def test_linked_data_and_sparql_reads(web_node):
    _pages(web_node, {
        "GET /id/<path:rest>": ("/id/{}", ("person/pia", "skill/12", "training/budgets", "org/AM"),
                                {"format": "turtle"}),
        "GET /.well-known/void": ("/.well-known/void", ("",), {"format": "ttl"}),
        "GET /sparql": ("/sparql", ("",), {"query": "SELECT ?s WHERE { ?s ?p ?o } LIMIT 3",
                                          "default-graph-uri": "urn:x:public", "named-graph-uri": "urn:x:g",
                                          "format": "json"}),
    })


def test_open_badges_documents(web_node):
    awards = tuple(web_node.awards.values())
    _pages(web_node, {
        "GET /badges/verify/<award_id>": ("/badges/verify/{}", awards, {"lang": "en"}),
        "GET /ob/v2/issuer": ("/ob/v2/issuer", ("",), {}),
        "GET /ob/v2/keys/rsa": ("/ob/v2/keys/rsa", ("",), {}),
        "GET /ob/v2/revocations": ("/ob/v2/revocations", ("",), {}),
        "GET /ob/v2/badges/<slug>": ("/ob/v2/badges/{}", ("budgets",), {}),
        "GET /ob/v2/badges/<slug>/image": ("/ob/v2/badges/{}/image", ("budgets",), {}),
        "GET /ob/v2/assertions/<award_id>": ("/ob/v2/assertions/{}", awards, {}),
        "GET /ob/v2/assertions/<award_id>.jws": ("/ob/v2/assertions/{}.jws", awards, {}),
        "GET /ob/v2/assertions/<award_id>.<any(png, svg):kind>": ("/ob/v2/assertions/{}.png", awards, {}),
        "GET /ob/v2/assertions/<award_id>/signed.<any(png, svg):kind>":
            ("/ob/v2/assertions/{}/signed.svg", awards, {}),
        "GET /ob/v3/issuer": ("/ob/v3/issuer", ("",), {}),
        "GET /ob/v3/keys/ed25519": ("/ob/v3/keys/ed25519", ("",), {}),
        "GET /ob/v3/achievements/<slug>": ("/ob/v3/achievements/{}", ("budgets",), {}),
        "GET /ob/v3/revocations": ("/ob/v3/revocations", ("",), {}),
        "GET /ob/v3/status/revocation": ("/ob/v3/status/revocation", ("",), {}),
        "GET /ob/v3/credentials/<award_id>": ("/ob/v3/credentials/{}", awards, {}),
        "GET /ob/v3/credentials/<award_id>.jwt": ("/ob/v3/credentials/{}.jwt", awards, {}),
        "GET /ob/v3/credentials/<award_id>.<any(png, svg):kind>": ("/ob/v3/credentials/{}.svg", awards, {}),
    })
