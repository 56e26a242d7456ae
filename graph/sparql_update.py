"""SPARQL 1.1 Update (https://www.w3.org/TR/sparql11-update/) on the main store, for admins.

An update names *logical* graphs (what the catalog lists), never the physical versions
that hold them, and it is one write like every other: its net effect becomes one
:class:`~graph.changes.Change` that :meth:`GraphStore.apply` validates against the shapes on
the nodes it touches and commits with its change-feed entry (so the search index and the
public replica follow), or rejects whole, leaving the store unchanged.

How a request runs (section numbers are the Update spec's):

- rdflib's SPARQL 1.1 grammar parses it, keeping the text of each WHERE pattern, and what
  is refused is refused before anything runs (sparql_update_syntax.py);
- its operations run in order (3: each sees what the ones before it did) against a
  :class:`Workspace`: the store's logical graphs plus the changes pending so far;
- ``DELETE/INSERT ... WHERE`` (3.1.3), ``DELETE WHERE`` (3.1.3.3): the engine evaluates the
  WHERE pattern, on the stored graphs when it has no GRAPH and reads nothing changed
  earlier in the request, else on an in-memory copy of the graphs it reads, named by their
  logical IRIs; the templates are instantiated here with each solution;
- ``INSERT DATA`` / ``DELETE DATA`` (3.1.1, 3.1.2), ``CLEAR`` / ``DROP`` / ``CREATE`` (3.2.2-3.2.4)
  and ``ADD`` / ``MOVE`` / ``COPY`` (3.2.5-3.2.7) are computed here;
- ``LOAD`` (3.1.4) is refused: a serving node fetches nothing.

The dataset a WHERE pattern reads (3.1.3 and SPARQL 1.1 Protocol 2.2.3): the ``USING`` /
``USING NAMED`` graphs, or the protocol's ``using-graph-uri`` / ``using-named-graph-uri``
(never both), or else ``WITH``'s graph as the default graph; by default the default graph
is the union of every graph and the named graphs are all of them. This node keeps every
triple in a named graph, so an update cannot write into the default graph: templates and
data outside ``GRAPH`` need ``WITH``. A graph the catalog does not know is created (with
provenance, like ``maarifa load``), with the access level its IRI names (its last path
segment) or else public.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from .catalog import SYSTEM_PREFIX, access_by_convention
from .changes import Change
from .errors import QueryRefused
from .sparql_guard import check_size
from .store import solution_rows
from .sparql_update_syntax import (Operation, ProtocolDataset, Reads, check_operation, parse_update,
                                   quad_pattern_reads, reads_of)
from .terms import named, to_ox

DEFAULT = "DEFAULT"
SOURCE = "sparql-update"
IMPORTER = "maarifa.sparql"


class UpdateFailed(QueryRefused):
    """An operation of a SPARQL update failed (3: the whole request then changes nothing)."""


@dataclass(frozen=True)
class UpdateResult:
    added: int
    removed: int
    created: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{self.added} added, {self.removed} removed"]
        if self.created:
            parts.append("created " + ", ".join(f"<{g}>" for g in self.created))
        if self.dropped:
            parts.append("dropped " + ", ".join(f"<{g}>" for g in self.dropped))
        return "; ".join(parts)


# -- the graphs as the request sees them ----------------------------------------------------

class Workspace:
    """The store's logical graphs plus the net changes of the operations run so far.

    Net additions and removals are kept per graph against the store; the graphs a WHERE
    pattern reads are copied once into an in-memory store (under their logical IRIs) that
    every later change is mirrored into.
    """

    def __init__(self, store):
        self.store = store
        self.at_start = {r.logical for r in store.records()}
        self._versions = {r.physical: r.logical for r in store.records()}
        self.existing = set(self.at_start)
        self.added: dict[str, set[tuple]] = {}
        self.removed: dict[str, set[tuple]] = {}
        self._copy = ox.Store()
        self._copied: set[str] = set()

    def contains(self, graph: str, triple: tuple) -> bool:
        if triple in self.added.get(graph, ()):
            return True
        if triple in self.removed.get(graph, ()):
            return False
        return self.store.has_triple(graph, triple)

    def triples(self, graph: str) -> list[tuple]:
        removed = self.removed.get(graph, set())
        return [t for t in self.store.graph_triples(graph) if t not in removed] + list(self.added.get(graph, ()))

    def insert(self, graph: str, triples) -> None:
        self.create(graph)
        self._net(graph, triples, deleting=False)

    def delete(self, graph: str, triples) -> None:
        self._net(graph, triples, deleting=True)

    def _net(self, graph: str, triples, *, deleting: bool) -> None:
        """Record a change against the store: one that undoes a pending change cancels it."""
        pending, undone = (self.removed, self.added) if deleting else (self.added, self.removed)
        pending, undone = pending.setdefault(graph, set()), undone.setdefault(graph, set())
        mirror = self._copy.remove if deleting else self._copy.add
        for triple in triples:
            if self.contains(graph, triple) != deleting:
                continue  # nothing to insert or to delete
            if triple in undone:
                undone.discard(triple)
            else:
                pending.add(triple)
            if graph in self._copied:
                mirror(ox.Quad(*triple, named(graph)))

    def clear(self, graph: str) -> None:
        self.delete(graph, self.triples(graph))

    def drop(self, graph: str) -> None:
        self.clear(graph)
        self.existing.discard(graph)

    def create(self, graph: str) -> None:
        if graph not in self.existing:
            self._check_new(graph)
        self.existing.add(graph)

    def _check_new(self, graph: str) -> None:
        """A new logical graph may not take the name of the node's own bookkeeping or of the
        physical version that holds another graph."""
        if graph.startswith(SYSTEM_PREFIX):
            raise UpdateFailed(f"<{graph}> is this node's own bookkeeping; it cannot be written by an update")
        if graph in self._versions:
            raise UpdateFailed(f"<{graph}> is the stored version of <{self._versions[graph]}>: name that graph")

    def _pending(self, graph: str) -> bool:
        """Whether the request changed the graph so far (then only the copy shows it as it is)."""
        return (bool(self.added.get(graph)) or bool(self.removed.get(graph)) or graph not in self.at_start
                or graph not in self.existing)

    def _copy_in(self, graphs) -> None:
        for graph in sorted(set(graphs) - self._copied):
            target = named(graph)
            data = self.store.graph_ntriples(graph)
            if data:
                self._copy.bulk_load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=target)
            for triple in self.removed.get(graph, ()):
                self._copy.remove(ox.Quad(*triple, target))
            for triple in self.added.get(graph, ()):
                self._copy.add(ox.Quad(*triple, target))
            self._copied.add(graph)

    def solutions(self, select: str, *, default: list[str], named_graphs: list[str], reads: Reads):
        """Evaluate a WHERE pattern (as SELECT *, its prologue declaring the base and prefixes)
        over the current state of the given graphs; only the graphs it reads are copied."""
        wanted = (default if reads.default else []) + [
            g for g in named_graphs if reads.named is None or g in reads.named]
        try:
            if reads.named == frozenset() and not any(self._pending(g) for g in wanted):
                # no GRAPH in the pattern and nothing pending: no graph name shows, so the
                # engine can read the stored versions themselves (no copy, whatever their size)
                return self.store.solutions(select, default_graphs=[g for g in default if g in self.existing])
            self._copy_in([g for g in wanted if g in self.existing])
            return solution_rows(self._copy.query(
                select, default_graph=[named(g) for g in default if g in self.existing] or [ox.DefaultGraph()],
                named_graphs=[named(g) for g in named_graphs if g in self.existing]))
        except SyntaxError as exc:
            raise QueryRefused(f"malformed update: {exc}") from None
        except OSError as exc:
            raise UpdateFailed(f"the WHERE clause could not be evaluated: {exc}") from None

    def change(self) -> Change:
        """The net effect as one change to the store."""
        change = Change(note="SPARQL update")
        for graph, triples in sorted(self.added.items()):
            if triples:
                change.adding(graph, sorted(triples, key=str))
        for graph, triples in sorted(self.removed.items()):
            if triples:
                change.removing(graph, sorted(triples, key=str))
        change.create = self.existing - self.at_start
        change.drop = self.at_start - self.existing
        change.access = {g: access_by_convention(g) for g in change.graphs() - self.at_start}
        return change


# -- operations -----------------------------------------------------------------------------

class UpdateRunner:
    """Runs one update request against a workspace (one runner per request)."""

    def __init__(self, workspace: Workspace, *, protocol: ProtocolDataset):
        self.ws = workspace
        self.protocol = protocol

    def run(self, operation: Operation) -> None:
        getattr(self, "_" + operation.name.lower())(operation)

    # 3.1.1, 3.1.2
    def _insertdata(self, op: Operation) -> None:
        fresh: dict = {}  # one new blank node per label in the whole operation
        for graph, triples in _grouped(op.algebra, None):
            self.ws.insert(graph, [_ground(t, fresh=fresh) for t in triples])

    def _deletedata(self, op: Operation) -> None:
        for graph, triples in _grouped(op.algebra, None):
            self.ws.delete(graph, [_ground(t, fresh=None) for t in triples])

    # 3.1.3
    def _modify(self, op: Operation) -> None:
        algebra = op.algebra
        with_graph = str(algebra["withClause"]) if algebra.withClause else None
        default, named_graphs = self._dataset(algebra, with_graph)
        solutions = self.ws.solutions(op.select, default=default, named_graphs=named_graphs,
                                      reads=reads_of(algebra.where))
        deletes = _instantiate(algebra.delete, solutions, with_graph, inserting=False)
        inserts = _instantiate(algebra.insert, solutions, with_graph, inserting=True)
        for graph, triples in deletes.items():
            self.ws.delete(graph, triples)
        for graph, triples in inserts.items():
            self.ws.insert(graph, triples)

    # 3.1.3.3: DELETE WHERE is DELETE { pattern } WHERE { pattern }
    def _deletewhere(self, op: Operation) -> None:
        default, named_graphs = self._dataset(op.algebra, None)
        solutions = self.ws.solutions(op.select, default=default, named_graphs=named_graphs,
                                      reads=quad_pattern_reads(op.algebra))
        for graph, triples in _instantiate(op.algebra, solutions, None, inserting=False).items():
            self.ws.delete(graph, triples)

    def _dataset(self, algebra, with_graph: str | None) -> tuple[list[str], list[str]]:
        using = algebra.using or []
        if using:
            return ([str(u["default"]) for u in using if u.default],
                    [str(u["named"]) for u in using if u.named])
        if self.protocol:
            return list(self.protocol.default), list(self.protocol.named)
        everything = sorted(self.ws.existing)
        return ([with_graph] if with_graph else everything), everything

    # 3.2.2
    def _clear(self, op: Operation) -> None:
        for graph in self._targets(op, "CLEAR"):
            self.ws.clear(graph)

    # 3.2.3
    def _drop(self, op: Operation) -> None:
        target = op.algebra["graphiri"]
        if target not in ("ALL", "NAMED", DEFAULT) and str(target) not in self.ws.existing:
            if op.algebra.silent:
                return
            raise UpdateFailed(f"DROP GRAPH <{target}>: there is no such graph (DROP SILENT ignores this)")
        for graph in self._targets(op, "DROP"):
            self.ws.drop(graph)

    def _targets(self, op: Operation, verb: str) -> list[str]:
        target = op.algebra["graphiri"]
        if target in ("ALL", "NAMED"):
            return sorted(self.ws.existing)
        if target == DEFAULT:
            if op.algebra.silent:
                return []
            raise UpdateFailed(f"{verb} DEFAULT: this node keeps no triples in the default graph (it is the union "
                               f"of the named graphs); use {verb} GRAPH <iri> or {verb} ALL")
        return [str(target)] if str(target) in self.ws.existing else []

    # 3.2.4
    def _create(self, op: Operation) -> None:
        graph = str(op.algebra["graphiri"])
        if graph in self.ws.existing:
            if op.algebra.silent:
                return
            raise UpdateFailed(f"CREATE GRAPH <{graph}>: the graph exists already (CREATE SILENT ignores this)")
        self.ws.create(graph)

    # 3.2.5-3.2.7
    def _add(self, op: Operation) -> None:
        self._transfer(op, "ADD", clear_target=False, drop_source=False)

    def _copy(self, op: Operation) -> None:
        self._transfer(op, "COPY", clear_target=True, drop_source=False)

    def _move(self, op: Operation) -> None:
        self._transfer(op, "MOVE", clear_target=True, drop_source=True)

    def _transfer(self, op: Operation, verb: str, *, clear_target: bool, drop_source: bool) -> None:
        source, target = (str(g) if g != DEFAULT else DEFAULT for g in op.algebra["graph"])
        if target == DEFAULT or (drop_source and source == DEFAULT):
            raise UpdateFailed(f"{verb}: this node keeps no triples in the default graph; name the graphs "
                               f"with GRAPH <iri>")
        if source == target:
            return
        if source != DEFAULT and source not in self.ws.existing:
            if op.algebra.silent:
                return
            raise UpdateFailed(f"{verb}: there is no graph <{source}> ({verb} SILENT ignores this)")
        triples = ({t for g in sorted(self.ws.existing) for t in self.ws.triples(g)} if source == DEFAULT
                   else self.ws.triples(source))
        if clear_target:
            self.ws.clear(target)
        self.ws.insert(target, triples)
        if drop_source:
            self.ws.drop(source)


def _grouped(template, with_graph: str | None) -> list[tuple]:
    """(graph, triples) pairs of a template: the graph an IRI string or a Variable; triples
    outside GRAPH belong to the WITH graph (without one, :func:`_check` refused them)."""
    from rdflib.term import URIRef

    groups = [(str(g) if isinstance(g, URIRef) else g, list(ts)) for g, ts in (template.quads or {}).items()]
    if template.triples and with_graph:
        groups.append((with_graph, list(template["triples"])))
    return groups


def _ground(triple: tuple, *, fresh: dict | None) -> tuple:
    """A DATA triple as engine terms; blank nodes become new ones, one per label (3.1.1)."""
    from rdflib.term import BNode

    out = []
    for term in triple:
        if isinstance(term, BNode):
            if fresh is None:
                raise QueryRefused("DELETE DATA: blank nodes are not allowed in what is deleted (3.1.2)")
            term = fresh.setdefault(str(term), ox.BlankNode())
            out.append(term)
        else:
            out.append(to_ox(term))
    return tuple(out)


def _instantiate(template, solutions: list[dict], with_graph: str | None, *, inserting: bool) -> dict[str, set]:
    """Quads of a template for every solution (3.1.3): a quad with an unbound variable, or that
    would not be RDF (a literal subject, a non-IRI graph), is left out; blank nodes in an
    INSERT template are new for each solution."""
    from rdflib.term import BNode, Variable

    if not template:
        return {}
    patterns = _grouped(template, with_graph)
    out: dict[str, set] = {}
    for solution in solutions:
        fresh: dict[str, ox.BlankNode] = {}

        def term_of(term):
            if isinstance(term, Variable):
                return solution.get(str(term))
            if isinstance(term, BNode):
                return fresh.setdefault(str(term), ox.BlankNode()) if inserting else None
            return to_ox(term)
        for graph, triples in patterns:
            g = solution.get(str(graph)) if isinstance(graph, Variable) else named(graph)
            if not isinstance(g, ox.NamedNode):
                continue
            for triple in triples:
                s, p, o = (term_of(t) for t in triple)
                if (isinstance(s, (ox.NamedNode, ox.BlankNode)) and isinstance(p, ox.NamedNode)
                        and isinstance(o, (ox.NamedNode, ox.BlankNode, ox.Literal))):
                    out.setdefault(g.value, set()).add((s, p, o))
    return out


# -- entry point ----------------------------------------------------------------------------

def run_update(store, text: str, *, base_iri: str | None, protocol: ProtocolDataset = ProtocolDataset(),
               allowed_endpoints: set[str] = frozenset(), max_bytes: int | None = None) -> UpdateResult:
    """Parse, check, evaluate and commit one SPARQL update request, all or nothing."""
    if max_bytes is not None:
        check_size(text, max_bytes)
    operations = parse_update(text, base_iri=base_iri)
    for operation in operations:
        check_operation(operation, protocol=protocol, allowed_endpoints=allowed_endpoints)
    # nobody else commits between reading the graphs and writing the result
    with store.exclusive():
        workspace = Workspace(store)
        runner = UpdateRunner(workspace, protocol=protocol)
        for operation in operations:
            runner.run(operation)
        change = workspace.change()
        result = store.apply(change, source=SOURCE, importer=IMPORTER)
    return UpdateResult(result.added, result.removed, sorted(change.create), sorted(change.drop))


__all__ = ["ProtocolDataset", "UpdateFailed", "UpdateResult", "run_update"]
