"""Moving a node to a new base URL: every IRI minted under the old base is rewritten.

An IRI is *under* a base when it is the base itself or continues it with ``/``, ``#`` or
``?`` (``http://127.0.0.1:5000`` does not own ``http://127.0.0.1:50001/...``). Literals are
data and stay as they are. :func:`plan_rebase` reads and checks; :func:`rebase` writes:

1. every active named graph is read with its IRIs rewritten, and the result is validated
   against the shapes as an import would be; an IRI already under the new base that was not
   minted under the old one (a peer's data, a graph loaded under that URL) refuses the whole
   rebase, because the two would merge;
2. the rewritten graphs are bulk-loaded under their rewritten names, invisible until
3. one transaction rewrites the catalog (history included), every past change-feed payload,
   stores the new base (the old one as ``mf:formerBaseUrl``) and appends a ``rebase`` entry
   to the feed; the old graphs are then dropped. A crash before that transaction leaves
   staged graphs that reopening the store removes; after it, the rebase is complete.

The feed's consumers rebuild from scratch when they meet a ``rebase`` entry (the search
index reindexes, the public replica is rebuilt), so a consumer that was behind, or a search
cluster that was down, catches up with the new IRIs.

Nothing is re-signed, and nothing needs to be: badge documents are made on request under the
node's current base, so an award's hosted assertion is now ``{new}/ob/v2/assertions/{id}``.
Copies handed out before (baked images, signed JWS, OB 3.0 credentials) name the old URLs;
they verify only while the old host redirects to the new one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from .catalog import CATALOG_GRAPH
from .affected import StoreState
from .errors import MaarifaError
from .node import base_url_change
from .store import GraphStore, _StagedLoad, _update_text
from .terms import named

KIND = "rebase"
BOUNDARIES = ("/", "#", "?")
EXAMPLES = 3
KEPT_AS_WRITTEN = ("note", "old", "new")  # payload texts that are not IRIs minted here
AWARDS_QUERY = "SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a a mf:Award }"


class RebaseConflict(MaarifaError):
    http_status = 409

    def __init__(self, new: str, examples: list[str], count: int):
        shown = ", ".join(f"<{e}>" for e in examples)
        super().__init__(
            f"the store already holds {count} IRI(s) under {new} that this node did not mint (e.g. {shown}); "
            f"rebasing onto {new} would merge them with this node's own: choose another base URL, or remove "
            f"those graphs first; nothing was changed")
        self.examples, self.count = examples, count


def is_under(iri: str, base: str) -> bool:
    return iri == base or (iri.startswith(base) and iri[len(base)] in BOUNDARIES)


@dataclass
class RebasePlan:
    """What a rebase would change, counted; :func:`rebase` carries it out."""

    old: str
    new: str
    graphs: int = 0  # active named graphs (each gets a rewritten name)
    statements: int = 0  # statements in them
    rewritten: int = 0  # statements naming an IRI under the old base
    catalog: int = 0  # catalog statements rewritten
    feed_entries: int = 0  # past change-feed entries whose payload is rewritten
    awards: int = 0  # issued badge awards: their hosted URLs move to the new base
    seq: int | None = None  # the rebase's feed entry, once done
    _staged: dict[str, list[tuple]] = field(default_factory=dict, repr=False)
    _graphs: dict[str, str] = field(default_factory=dict, repr=False)  # rewritten logical graph -> physical
    _switch: tuple[list, list] = field(default_factory=lambda: ([], []), repr=False)  # the one transaction
    _head: int = field(default=0, repr=False)  # the feed head the plan was made at

    def counts(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def lines(self) -> list[str]:
        return [f"base URL {self.old} -> {self.new}",
                f"store: {self.graphs} named graph(s), {self.statements:,} statement(s), "
                f"{self.rewritten:,} of them naming an IRI under the old base",
                f"catalog: {self.catalog} statement(s); change feed: {self.feed_entries} past entr"
                f"{'y' if self.feed_entries == 1 else 'ies'} rewritten",
                f"badge awards: {self.awards} (their documents move to {self.new}/ob/...)"]


class _Rewriter:
    def __init__(self, old: str, new: str):
        self.old, self.new = old, new
        self.foreign: list[str] = []  # IRIs under the new base that were not minted under the old one
        self.foreign_count = 0

    def iri(self, value: str) -> str:
        if is_under(value, self.old):
            return self.new + value[len(self.old):]
        if is_under(value, self.new):
            self.foreign_count += 1
            if len(self.foreign) < EXAMPLES and value not in self.foreign:
                self.foreign.append(value)
        return value

    def term(self, term):
        if isinstance(term, ox.NamedNode):
            value = self.iri(term.value)
            return term if value == term.value else ox.NamedNode(value)
        return term

    def quad(self, quad: ox.Quad) -> ox.Quad:
        return ox.Quad(self.term(quad.subject), self.term(quad.predicate), self.term(quad.object),
                       self.term(quad.graph_name))

    def nquads(self, text: str) -> str:
        if self.old not in text:
            return text
        quads = ox.parse(text.encode("utf-8"), format=ox.RdfFormat.N_QUADS)
        return ox.serialize((self.quad(q) for q in quads), format=ox.RdfFormat.N_QUADS).decode("utf-8")

    def payload(self, value, key: str | None = None):
        """A feed payload with its IRIs rewritten: N-Quads texts (``add``, ``remove``), IRIs in
        lists and dicts (keys too); free text (``note``) and an earlier move's bases stay."""
        if isinstance(value, dict):
            return {self.iri(k): self.payload(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.payload(v) for v in value]
        if isinstance(value, str):
            if key in ("add", "remove"):
                return self.nquads(value)
            return value if key in KEPT_AS_WRITTEN else self.iri(value)
        return value


def plan_rebase(store: GraphStore, new: str) -> RebasePlan:
    """Read, rewrite and validate everything a rebase to ``new`` changes; write nothing."""
    return _prepare(store, new.rstrip("/"))


def rebase(store: GraphStore, plan: RebasePlan | str) -> RebasePlan:
    """Move the store to a new base URL (see the module docstring); returns what changed.

    ``plan`` is a new base URL, or a :func:`plan_rebase` result, used as it is when nothing
    was committed since it was made."""
    with store._write_lock:
        if isinstance(plan, str) or plan._head != store.feed.head:
            plan = _prepare(store, plan if isinstance(plan, str) else plan.new)
        loader = _StagedLoad(store._store, plan._staged)
        loader.finish()
        seq = store.feed.next_seq()
        entry = {"kind": KIND, "old": plan.old, "new": plan.new, "graphs": plan._graphs}
        delete, insert = plan._switch
        try:
            store._store.update(_update_text(delete=delete, insert=insert + store.feed.entry_quads(seq, entry)))
        except BaseException:
            loader.discard()  # reopening the store would drop them too
            raise
        store.feed.committed(seq)
        store.base_url = plan.new
        store._reload_catalog()
        store._drop_orphans()
        plan.seq = seq
        plan._staged, plan._switch = {}, ([], [])
    return plan


def _prepare(store: GraphStore, new: str) -> RebasePlan:
    old = store.base_url
    if new == old:
        raise MaarifaError(f"the node's base URL is {old} already; nothing to do")
    plan = RebasePlan(old, new, _head=store.feed.head)
    rewriter = _Rewriter(old, new)
    by_subject: dict[str, list[tuple]] = {}
    for record in store.records():
        triples = []
        for q in store._store.quads_for_pattern(None, None, None, named(record.physical)):
            s, p, o = rewriter.term(q.subject), rewriter.term(q.predicate), rewriter.term(q.object)
            plan.rewritten += (s, p, o) != (q.subject, q.predicate, q.object)
            triples.append((s, p, o))
            by_subject.setdefault(s.value, []).append((p, o))
        physical = rewriter.iri(record.physical)
        plan._staged[physical] = triples
        plan._graphs[rewriter.iri(record.logical)] = physical
        plan.graphs += 1
        plan.statements += len(triples)
    if rewriter.foreign_count:
        raise RebaseConflict(new, rewriter.foreign, rewriter.foreign_count)
    # the rewritten graphs alone are the whole store after the switch: validate them as such
    state = StoreState(store._store, (), by_subject)
    store._run_validation({named(s) for s in by_subject}, state, {})
    delete, insert = base_url_change(old, new)
    for q in store._store.quads_for_pattern(None, None, None, named(CATALOG_GRAPH)):
        moved = rewriter.quad(q)
        if moved != q:
            delete.append(q)
            insert.append(moved)
            plan.catalog += 1
    for seq in range(1, store.feed.head + 1):
        entry = store.feed.entry(seq)
        if entry is None:
            continue
        payload = {k: v for k, v in entry.payload.items() if k != "seq"}
        moved = rewriter.payload(payload)
        if moved != payload:
            delete += store.feed.stored_quads(seq)
            insert += store.feed.entry_quads(seq, moved)
            plan.feed_entries += 1
    plan.awards = int(store.select(AWARDS_QUERY)[0]["n"]) if store.records() else 0
    plan._switch = (delete, insert)
    return plan


__all__ = ["RebaseConflict", "RebasePlan", "is_under", "plan_rebase", "rebase"]
