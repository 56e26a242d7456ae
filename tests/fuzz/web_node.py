"""The node every web fuzz target talks to, and the property each answer must have (issue 13).

One real data directory for the whole session (an on-disk Oxigraph store, the embedded search
index, keys, accounts): the peers tests' community (taxonomy, organizations, roles, five people
of every visibility), a training with its badge class, a learning resource and a pack, and
three awards (live, revoked, of a private person). The app is ``maarifa.wiring.make_app``
over it with ``testing`` on, so an exception in a view reaches the test with its traceback
(in production it would be a 500).

Callers: ``anonymous``, an API token and a login session for each role (``member``,
``organizer``, ``trainer``, ``admin``), and ``self``: a member token and account named after
the public person ``fred``, who may change his own profile.

:meth:`FuzzNode.call` sends one request and checks the property of every target:

- the status is below 500 (and no exception left the view);
- a rejected request (4xx) carries a message a person can read: the JSON ``error``
  (``error_description``, Badgr's ``status.description``), the text of a ``text/plain``
  answer, or the page's alert (``role="alert"``) or error text;
- for a 400, 404, 406, 415 or 422 that message names what is wrong: one of the fields,
  parameters or headers the request carried, or the offending value;
- after a rejected request the store, the search index and the change feed are as before
  (:class:`NodeState`; the search index is brought up to date with the feed first, so a
  write that slipped through would show there too).
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from flask import request as flask_request

BASE = "http://127.0.0.1:5000"
PASSWORD = "correct horse battery staple"
ROLES = ("member", "organizer", "trainer", "admin")
CALLERS = ("anonymous", *ROLES, "self")
SELF = "fred"  # a public person of the community; "self" callers act as him

#: non-personal things for the routes that show them: a training, its badge class, an asset, a pack
CONTENT_TTL = """\
@base <{base}/id/> .
@prefix mf: <https://w3id.org/maarifa/ns#> .
@prefix schema: <https://schema.org/> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix obi: <https://w3id.org/openbadges#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

<training/budgets> a mf:Training ; mf:slug "budgets" ; dct:title "Budgets for chapters"@en ;
    schema:teaches <skill/12> ; mf:material <pack/budget-pack> .
<badge/budgets> a mf:BadgeClass ; mf:slug "budgets" ;
    schema:name "Budgets for chapters"@en, "Presupuestos"@es ;
    schema:description "Completed the training module on budgets."@en ;
    obi:criteria <{base}/id/training/budgets> ;
    mf:alignedSkill <skill/12> ; mf:forTraining <training/budgets> .
<asset/budget-guide> a mf:LearningResource ; mf:slug "budget-guide" ;
    dct:title "A guide to budgets"@en ; dct:description "How a chapter plans a year."@en ;
    dct:language "en"^^xsd:language ; dct:format "text/html" ; schema:teaches <skill/12> .
<pack/budget-pack> a mf:LearningPack ; mf:slug "budget-pack" ; dct:title "Budget pack"@en ;
    dct:language "en"^^xsd:language ; mf:hasItem <pack/budget-pack#1> .
<pack/budget-pack#1> a mf:PackItem ; mf:item <asset/budget-guide> ; schema:position 1 .
"""


@dataclass(frozen=True)
class NodeState:
    """What a rejected request must leave as it was. ``digest`` (the full sorted N-Quads dump
    of tests/conftest.py ``snapshot``, hashed) only in the long run: it costs a dump per
    request; the feed head and the quad count catch every write through ``graph`` anyway."""

    feed_head: int
    quads: int
    graphs: tuple
    index: tuple
    digest: str | None = None


@dataclass
class Answer:
    status: int
    message: str
    response: object


class FuzzNode:
    def __init__(self, tmp: Path, long_run: bool = False):
        from badges import Actor, BadgeService, ensure_keys
        from graph.accounts import AccountStore
        from ingest import run_import
        from maarifa import wiring
        from maarifa.settings import Settings
        from search.factory import open_backend
        from search.indexer import reindex

        from ..peers.conftest import load_community

        self.long_run = long_run  # the long profile: every example, and a full dump around each rejection
        self.full_snapshots = long_run
        self.settings = Settings.load({"data_dir": tmp / "data", "node_name": "Fuzz Chapter"}, environ={})
        wiring.init_data_dir(self.settings)
        ensure_keys(self.settings.data_dir)
        with wiring.open_store(self.settings, "pytest fuzz") as store:
            load_community(store, tmp)
            content = tmp / "content.ttl"
            content.write_text(CONTENT_TTL.format(base=store.base_url), encoding="utf-8")
            report = run_import(store, "rdf", content)
            assert not report.errors, report.lines()
            badges = BadgeService(store, wiring.issuer_of(self.settings))
            admin = Actor("fuzz-setup", "admin")
            self.awards = {"live": badges.issue("budgets", "pia", actor=admin).award.id,
                           "private": badges.issue("budgets", "priv", actor=admin).award.id}
            revoked = badges.issue("budgets", "pete", actor=admin).award.id
            badges.revoke(revoked, "issued by mistake", actor=admin)
            self.awards["revoked"] = revoked
            backend = open_backend(self.settings)
            try:
                reindex(store, backend)
            finally:
                backend.close()
        accounts = AccountStore.from_settings(self.settings)
        for role in ROLES:
            accounts.create(f"fuzz-{role}", role, PASSWORD)
        accounts.create(SELF, "member", PASSWORD)
        self.services = wiring.open_services(self.settings, "pytest fuzz")
        self.services.search_sync.sync()
        self.tokens = {role: self.services.tokens.create(f"fuzz-{role}", role) for role in ROLES}
        self.tokens["self"] = self.services.tokens.create(SELF, "member")
        self.app = wiring.make_app(self.settings, self.services)
        self.app.testing = True
        self.reached: Counter = Counter()
        self.app.url_value_preprocessor(self._count_route)  # before any before_request refusal
        self._sessions: dict[str, tuple[str, str]] = {}

    def close(self) -> None:
        self.services.close()

    # -- callers ------------------------------------------------------------------------------

    def _count_route(self, endpoint=None, values=None):
        rule = flask_request.url_rule
        if rule is not None:
            self.reached[(rule.rule, flask_request.method)] += 1

    def bearer(self, caller: str) -> dict:
        """The Authorization header of an API caller (none for anonymous)."""
        return {} if caller == "anonymous" else {"Authorization": f"Bearer {self.tokens[caller]}"}

    def account(self, caller: str) -> str | None:
        return None if caller == "anonymous" else SELF if caller == "self" else f"fuzz-{caller}"

    def session(self, caller: str, fresh: bool = False) -> tuple[str, str] | None:
        """(session id, CSRF token) of a login session of ``caller``'s account; ``fresh``: a new
        one (for requests that end it, such as logging out)."""
        import secrets

        from graph.accounts import Principal

        name = self.account(caller)
        if name is None:
            return None
        if fresh or caller not in self._sessions:
            role = "member" if caller == "self" else caller
            sid = self.services.accounts.start_session(Principal(name, role))
            pair = (sid, secrets.token_urlsafe(16))
            if fresh:
                return pair
            self._sessions[caller] = pair
        return self._sessions[caller]

    def browser(self, caller: str, fresh: bool = False):
        """A test client holding ``caller``'s login session (anonymous: none); returns (client, csrf)."""
        client = self.app.test_client()
        pair = self.session(caller, fresh)
        csrf = ""
        if pair is not None:
            sid, csrf = pair
            with client.session_transaction() as cookie:
                cookie["sid"], cookie["csrf"] = sid, csrf
        return client, csrf

    # -- state ----------------------------------------------------------------------------------

    def settle(self) -> None:
        """Let the search index catch up with the feed (what the indexer thread does when serving)."""
        self.services.search_sync.sync()

    def state(self) -> NodeState:
        store = self.services.store
        # every index of the backend: its documents and how far along the feed it is
        index = tuple((i.consumer, i.backend.health().get("documents"), store.feed.cursor(i.consumer))
                      for i in self.services.search_sync.indexers)
        digest = None
        if self.full_snapshots:
            from ..conftest import snapshot

            digest = hashlib.sha256(snapshot(store)).hexdigest()
        return NodeState(store.feed.head, store.count(), tuple(sorted((r.logical, r.checksum) for r in store.records())),
                         index, digest)

    # -- one request and its property -------------------------------------------------------------

    def call(self, method: str, path: str, *, caller: str = "anonymous", client=None,
             query: Sequence[tuple[str, str]] | None = None, names: Iterable[str] = (),
             values: Iterable[str] = (), **kwargs) -> Answer:
        """Send one request (Flask test client ``open`` arguments in ``kwargs``) and check the
        property; ``names`` and ``values``: what the request carried, one of which a 4xx message
        must name (the query's names and values are added)."""
        if client is None:
            client = self.app.test_client()
            kwargs.setdefault("headers", {}).update(self.bearer(caller))
        if query:
            kwargs["query_string"] = _encode_query(query).decode("ascii")
            # a name the fuzzer made up counts only when it is long enough not to be any word
            names = [*names, *(n for n, _ in query if len(n.strip()) >= 3)]
            values = [*values, *(shown for _, v in query for shown in _shown(v))]
        # a header the request carried may be what is wrong ("none of the formats in the Accept header")
        names = [*names, *(kwargs.get("headers") or {})]
        self.settle()  # an accepted write of an earlier example is indexed before "before" is taken
        before = self.state()
        response = client.open(path, method=method, **kwargs)
        status = response.status_code
        where = f"{method} {path} {kwargs.get('query_string', '')[:300]!r} as {caller}"
        assert status < 500, f"{where}: {status} {response.get_data()[:2000]!r}"
        message = error_message(response) if status >= 400 else ""
        if status >= 400:
            assert message.strip(), f"{where}: {status} without a message: {response.get_data()[:2000]!r}"
            self.settle()
            assert self.state() == before, f"{where}: rejected ({status}: {message[:300]}) but the node changed"
            if status in NAMING_STATUSES:
                assert names_something(message, names, values), (
                    f"{where}: {status} {message[:500]!r} names none of {sorted(set(names))[:20]} "
                    f"nor their values")
        return Answer(status, message, response)

    def fuzz(self, routes: Sequence[str], examples, send: Callable[[Any], object], seeds: Sequence = ()) -> None:
        """One fuzz target: ``send`` each example Hypothesis draws from the strategy ``examples``
        (as many as the profile says), then assert that the requests reached every route of
        ``routes`` ("METHOD /rule", as in the app's url_map: tests/fuzz/test_web_routes.py reads
        these to know which routes have a target). ``seeds``: examples sent every run besides
        the drawn ones (Hypothesis's ``@example``), so that a target of many routes reaches each."""
        import warnings

        from hypothesis import example as explicit
        from hypothesis import given
        from hypothesis.errors import HypothesisWarning

        from hypothesis import settings

        @settings(max_examples=self.examples())
        @given(examples)
        def run(example):
            send(example)

        for seed in seeds:
            run = explicit(seed)(run)

        with self.reaching(*routes), warnings.catch_warnings():
            # a failing example of HUGE values is long; printing it is still what we want
            warnings.filterwarnings("ignore", "Generating overly large repr", HypothesisWarning)
            run()

    def examples(self) -> int:
        """How many examples a web target draws: the profile's number in the long run; in the ci
        profile a quarter of it (at least :data:`CI_WEB_MINIMUM`), since each example is a request
        through the whole app and `make test` runs some twenty web targets."""
        from hypothesis import settings

        profile = settings.default.max_examples
        return profile if self.long_run else max(CI_WEB_MINIMUM, profile // 4)

    @contextmanager
    def reaching(self, *routes: str):
        """Assert that the requests made inside reached each route ("METHOD /rule") at least once:
        a target whose requests all miss its view (a typo in a path) fuzzes nothing."""
        before = Counter(self.reached)
        yield
        for route in routes:
            method, rule = route.split(" ", 1)
            assert self.reached[(rule, method)] > before[(rule, method)], f"no request reached {route}"


#: the fewest examples a web target draws in the ci profile (besides its seeds)
CI_WEB_MINIMUM = 5

#: statuses whose message must say which field or value is wrong (auth, size and method
#: refusals say what is wrong without a field)
NAMING_STATUSES = {400, 404, 406, 415, 422}


def _encode_query(pairs: Sequence[tuple[str, str | bytes]]) -> bytes:
    """The query string of ``pairs``, percent-encoded; a ``bytes`` value is sent as those bytes
    (invalid UTF-8 included, as a browser or a script may send it)."""
    from urllib.parse import quote

    return "&".join(f"{quote(n, safe='')}={quote(v, safe='')}" for n, v in pairs).encode("ascii")


def _shown(value: str | bytes) -> list[str]:
    """How a view may show a value: bytes that are not UTF-8 as Werkzeug reads them (each bad
    byte left percent-encoded) or with replacement characters."""
    if not isinstance(value, bytes):
        return [value]
    escaped = re.sub("[\udc80-\udcff]", lambda m: f"%{ord(m.group()) - 0xdc00:02X}",
                     value.decode("utf-8", "surrogateescape"))
    return [escaped, value.decode("utf-8", "replace")]


_ALERT = re.compile(r'role="alert"[^>]*>(.*?)</p>', re.S)
_ERROR_PAGE = re.compile(r"<h1>\d{3}</h1>\s*<p>(.*?)</p>", re.S)
_MAIN = re.compile(r"<main[^>]*>(.*?)</main>", re.S)
_TAG = re.compile(r"<[^>]+>")


def error_message(response) -> str:
    """The readable message of an error answer, whatever its form ('' when there is none)."""
    mimetype = response.mimetype or ""
    body = response.get_data()
    if mimetype.endswith("json"):
        try:
            doc = response.get_json(force=True)
        except Exception:  # an unreadable JSON error body is no message
            return ""
        if isinstance(doc, dict):
            status = doc.get("status")
            for text in (doc.get("error_description"), doc.get("error"), doc.get("detail"),
                         status.get("description") if isinstance(status, dict) else None):
                if isinstance(text, str) and text.strip():
                    return text
        return ""
    text = body.decode("utf-8", "replace")
    if mimetype == "text/html":
        found = _ALERT.findall(text) or _ERROR_PAGE.findall(text) or _MAIN.findall(text)
        return html.unescape(_TAG.sub(" ", " ".join(found))).strip()
    return text


def _forms(name: str) -> set[str]:
    plain = name.casefold().strip().removesuffix("[]")
    return {plain, plain.replace("_", " "), plain.replace("-", " "), plain.replace("_", "-")} - {""}


def _blank(text: str) -> bool:
    """Whether ``text`` shows nothing: only spaces and invisible characters (Unicode categories
    Z*, Cc and Cf: a zero-width space, a direction mark)."""
    return all(unicodedata.category(c)[0] == "Z" or unicodedata.category(c) in ("Cc", "Cf") for c in text)


def names_something(message: str, names: Iterable[str], values: Iterable[str]) -> bool:
    """Whether ``message`` names one of ``names`` (as a word, in any of its spellings: ``per_page``,
    ``per page``) or shows one of ``values``."""
    said = message.casefold()
    if any(str(v) and _blank(str(v)) for v in values):
        return True  # a blank value cannot be shown; the message says what was expected instead
    for name in names:
        for form in _forms(str(name)):
            if re.search(rf"(?<![\w]){re.escape(form)}(?![\w])", said):
                return True
    for value in values:
        value = str(value)
        shown = {value[:40], repr(value)[1:41], value.strip()[:40]}
        if any(len(v.strip()) >= 2 and v.casefold() in said for v in shown):
            return True
        if value and any(f"{q}{value[:40]}" in message for q in ("'", '"', "<", "`")):
            return True
    return False
