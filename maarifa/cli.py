"""The ``maarifa`` command line (click).

User errors print one readable message on stderr and exit 1; usage errors exit 2 (click).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from graph import SourceGraphs, sha256_checksum
from graph.accounts import ROLES, TokenStore
from graph.catalog import source_slug
from graph.errors import MaarifaError, ValidationFailed

from . import wiring
from .cli_base import MaarifaGroup, initialised_settings, settings_of
from .settings import Settings, check_serving

LOAD_IMPORTER = "maarifa.load"
RESULT_FORMATS = ["json", "xml", "csv", "tsv", "turtle", "ntriples", "jsonld"]


@click.group(cls=MaarifaGroup)
@click.option("--data-dir", type=click.Path(path_type=Path), help="Data directory [MAARIFA_DATA_DIR].")
@click.option("--base-url", help="Public base URL of this node [MAARIFA_BASE_URL].")
@click.option("--config", type=click.Path(path_type=Path), help="TOML settings file (default: maarifa.toml in the data directory).")
@click.version_option(package_name="maarifa")
@click.pass_context
def main(ctx, data_dir, base_url, config):
    """Maarifa: a federated knowledge-management and skills graph."""
    ctx.ensure_object(dict)
    ctx.obj["flags"] = {"data_dir": data_dir, "base_url": base_url}
    ctx.obj["config"] = config


@main.command()
@click.pass_context
def init(ctx):
    """Create the data directory, store and keys (idempotent; never replaces keys)."""
    settings = settings_of(ctx)
    created = wiring.init_data_dir(settings)
    if created:
        click.echo(f"initialised {settings.data_dir} (created: {', '.join(Path(c).name for c in created)})")
    else:
        click.echo(f"{settings.data_dir} is already initialised; nothing changed")


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--graph", "graph_iri", help="Logical named graph to load into (default: one per file).")
@click.option("--format", "fmt", help="RDF format when the extension does not tell (ttl, nt, nq, trig, jsonld, rdf).")
@click.option("--access", type=click.Choice(["public", "members", "private"]), default="public", show_default=True,
              help="Who may see the loaded data.")
@click.option("--dry-run", is_flag=True, help="Parse and validate, write nothing.")
@click.pass_context
def load(ctx, files, graph_iri, fmt, access, dry_run):
    """Load RDF files into a named graph (replacing that graph's previous content)."""
    from graph.rdfio import describe_file, locate_violations, parse_file

    settings = settings_of(ctx)
    with wiring.open_store(settings, "maarifa load") as store:
        groups = [list(files)] if graph_iri else [[f] for f in files]
        for group in groups:
            triples, data, described = [], b"", []
            for path in group:
                triples += parse_file(path, fmt=fmt, base_iri=f"{store.base_url}/id/")
                described.append(describe_file(path, fmt=fmt, base_iri=f"{store.base_url}/id/"))
                data += Path(path).read_bytes()
            name = store.source_for_graph(graph_iri, LOAD_IMPORTER) if graph_iri else source_slug(group[0].stem)
            label = ", ".join(p.name for p in group)
            source = SourceGraphs(name=name, label=label, importer=LOAD_IMPORTER, checksum=sha256_checksum(data),
                                  graph_iris={access: graph_iri} if graph_iri else {})
            try:
                result = store.replace_source_parsed(source, {access: triples}, dry_run=dry_run,
                                                     files={access: described})
            except ValidationFailed as failed:
                raise ValidationFailed(locate_violations(group, failed.violations)) from None
            target = graph_iri or store.logical_graph(name, access)
            if result.seq is None and not dry_run and result.unchanged:
                click.echo(f"{label}: unchanged ({result.unchanged} triples in <{target}>); nothing to do")
            else:
                verb = "would load" if dry_run else "loaded"
                click.echo(f"{label}: {verb} into <{target}>: {result.added} added, {result.removed} removed, "
                           f"{result.unchanged} unchanged")
        if not dry_run:
            wiring.update_peer_index(store, settings)


@main.command()
@click.argument("file", required=False, type=click.Path(path_type=Path))
@click.option("--format", "fmt", help="RDF format of FILE when the extension does not tell.")
@click.option("--pyshacl", "reference", is_flag=True, help="Use pySHACL (the reference validator) over the whole data.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def validate(ctx, file, fmt, reference, as_json):
    """Validate the store (or FILE) against the shapes; exit 1 when anything violates them."""
    from graph.rdfio import locate_violations, parse_file

    settings = settings_of(ctx)
    with wiring.open_store(settings, "maarifa validate") as store:
        if file:
            triples = parse_file(file, fmt=fmt, base_iri=f"{store.base_url}/id/")
            violations = locate_violations([file], store.validate_triples(triples, reference=reference))
            subject = file.name
        else:
            violations = store.validate_all(reference=reference)
            subject = "the store"
    # sh:Warning and sh:Info results are listed, but only sh:Violation fails (as on writes)
    conforms = not any(v.blocking for v in violations)
    if as_json:
        click.echo(json.dumps({"conforms": conforms, "violations": [v.__dict__ for v in violations]}, indent=2))
    elif violations:
        click.echo(f"{subject}: {len(violations)} result(s)" if conforms else f"{subject}: {len(violations)} violation(s)")
        for v in violations:
            click.echo(f"  - {v}")
    else:
        click.echo(f"{subject} conforms to the shapes")
    if not conforms:
        sys.exit(1)


@main.command()
@click.argument("sparql")
@click.option("--format", "fmt", type=click.Choice(RESULT_FORMATS), default=None,
              help="json/xml/csv/tsv for SELECT and ASK (default json), turtle/ntriples/jsonld for graphs.")
@click.option("--timeout", type=float, help="Seconds before the query is stopped [query_timeout].")
@click.pass_context
def query(ctx, sparql, fmt, timeout):
    """Run a SPARQL query on the store (SPARQL text, @FILE, or - for stdin)."""
    from graph.lock import ProcessLock
    from graph.query import run_isolated
    from graph.store import STORE_DIR

    settings = initialised_settings(ctx)
    if sparql == "-":
        sparql = sys.stdin.read()
    elif sparql.startswith("@"):
        try:
            sparql = Path(sparql[1:]).read_text(encoding="utf-8")
        except OSError as exc:
            raise MaarifaError(f"{sparql[1:]}: cannot read ({exc.strerror})") from None
    store_dir = Path(settings.data_dir) / STORE_DIR
    graph_fmt = fmt if fmt in ("turtle", "ntriples", "jsonld") else "turtle"
    result_fmt = fmt if fmt in ("json", "xml", "csv", "tsv") else "json"
    with ProcessLock(settings.data_dir).acquire("maarifa query"):
        out = run_isolated(store_dir, sparql, fmt=result_fmt, graph_fmt=graph_fmt,
                           timeout=timeout or settings.query_timeout, limit=settings.query_result_limit)
    sys.stdout.buffer.write(out.body)
    if not out.body.endswith(b"\n"):
        sys.stdout.buffer.write(b"\n")
    if out.truncated:
        click.echo(f"warning: results truncated at {settings.query_result_limit} (query_result_limit)", err=True)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["trig", "nquads"]), default="trig", show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="File to write (default: stdout).")
@click.pass_context
def export(ctx, fmt, output):
    """Export the data (active named graphs) as TriG or N-Quads."""
    from graph.store import export_format

    settings = settings_of(ctx)
    with wiring.open_store(settings, "maarifa export") as store:
        body = store.dump(export_format(fmt))
    if output:
        output.write_bytes(body)
        click.echo(f"wrote {len(body):,} bytes to {output}", err=True)
    else:
        sys.stdout.buffer.write(body)


@main.command()
@click.argument("directory", type=click.Path(path_type=Path))
@click.pass_context
def backup(ctx, directory):
    """Back up the store, keys and accounts to a new DIRECTORY (hard links where possible)."""
    settings = settings_of(ctx)
    wiring.backup_data_dir(settings, directory)
    click.echo(f"backed up {settings.data_dir} to {directory}")


@main.command()
@click.argument("directory", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.pass_context
def restore(ctx, directory):
    """Replace the store with a backup made by `maarifa backup`."""
    settings = settings_of(ctx, backup=directory)  # the data directory takes the backup's base URL
    wiring.restore_data_dir(settings, directory)
    with wiring.open_store(settings, "maarifa restore") as store:
        click.echo(f"restored {directory} into {settings.data_dir}: {store.count():,} statements")


@main.command()
@click.option("--host", help="Address to bind [host].")
@click.option("--port", type=int, help="Port [port].")
@click.pass_context
def serve(ctx, host, port):
    """Serve the web app with a production WSGI server (waitress, threads)."""
    settings = settings_of(ctx, host=host, port=port)
    _serve(settings)


def _serve(settings: Settings) -> None:
    import waitress

    check_serving(settings)
    services = wiring.open_services(settings, f"maarifa serve on {settings.host}:{settings.port}")
    app = wiring.make_app(settings, services)
    services.start_background()  # the query workers too start there, once the public replica has a snapshot
    click.echo(f"serving {settings.data_dir} on http://{settings.host}:{settings.port}/ (Ctrl-C stops)")
    try:
        waitress.serve(app, host=settings.host, port=settings.port, threads=settings.threads,
                       max_request_body_size=settings.max_upload_bytes, ident="maarifa")
    finally:
        services.close()


@main.command()
@click.option("--host", help="Address to bind [host].")
@click.option("--port", type=int, help="Port [port].")
@click.option("--no-serve", is_flag=True, help="Load the sample data and stop.")
@click.pass_context
def demo(ctx, host, port, no_serve):
    """Initialise, load the sample data in demo/, and serve."""
    from .demo import load_demo

    settings = settings_of(ctx, host=host, port=port)
    wiring.init_data_dir(settings)
    with wiring.open_store(settings, "maarifa demo") as store:
        for line in load_demo(store):
            click.echo(line)
        awards = wiring.issue_pending_badges(store, settings)
        click.echo(f"badges: {len(awards)} issued for the sample training completions")
        wiring.update_peer_index(store, settings)
        from search.factory import open_backend
        from search.indexer import SearchSync

        backend = open_backend(settings)
        try:  # the pages search at once, rather than while the indexer catches up in the background
            report = SearchSync(store, backend).sync()
            click.echo(f"search index: {report.upserted} documents" + (f" ({report.error})" if report.error else ""))
        finally:
            backend.close()
    if not no_serve:
        _serve(settings)


@main.group()
def token():
    """API tokens for scripts."""


@token.command("create")
@click.option("--role", type=click.Choice(list(ROLES)), required=True)
@click.option("--name", required=True, help="Who or what uses the token.")
@click.pass_context
def token_create(ctx, role, name):
    """Create a token; it is printed once and stored only as a hash."""
    click.echo(TokenStore(initialised_settings(ctx).data_dir).create(name, role))


@token.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def token_list(ctx, as_json):
    """List tokens (never their secrets)."""
    rows = TokenStore(settings_of(ctx).data_dir).list()
    if as_json:
        click.echo(json.dumps(rows, indent=2))
    else:
        for r in rows:
            click.echo(f"{r['id']}  {r['role']:<9}  {r['name']}{'  (revoked)' if r['revoked'] else ''}")


@token.command("revoke")
@click.argument("token_id")
@click.pass_context
def token_revoke(ctx, token_id):
    """Revoke a token by its id."""
    TokenStore(settings_of(ctx).data_dir).revoke(token_id)
    click.echo(f"revoked {token_id}")


@main.command("settings")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def show_settings(ctx, as_json):
    """Show the effective settings and where each can be set."""
    settings = settings_of(ctx)
    rows = {name: str(getattr(settings, name)) for name in Settings.names()}
    if as_json:
        click.echo(json.dumps(rows, indent=2))
    else:
        for name, help_text in Settings.help().items():
            click.echo(f"{name} = {rows[name]}    [{Settings.env_name(name)}] {help_text}")


def _register_commands() -> None:
    """Commands defined in their own modules join the main group here."""
    from .badge_cli import badge
    from .federation_cli import federation
    from .ingest_cli import ingest
    from .peers_cli import COMMANDS as PEERS_COMMANDS
    from .rebase_cli import rebase_command
    from .search_cli import reindex_command, search_command
    from .user_cli import user

    for command in (ingest, search_command, reindex_command, badge, federation, user, rebase_command,
                    *PEERS_COMMANDS):
        main.add_command(command)


_register_commands()


if __name__ == "__main__":
    main()
