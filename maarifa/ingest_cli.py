"""``maarifa ingest KIND PATH``: run one importer (see ``ingest/``) against the store.

Registered in :mod:`maarifa.cli` with ``main.add_command(ingest)``. Errors raise
:class:`ingest.ImportFailed` (a MaarifaError: one message listing every located error,
exit code 1); warnings are printed and the rest is imported (``--strict`` refuses them).
On a terminal, imports longer than a second draw a progress bar with records/s and ETA;
otherwise progress is logged as plain lines.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from . import wiring
from .cli_base import settings_of


class _ProgressView:
    """Feeds ingest's progress callback into a click progress bar, or plain log lines."""

    def __init__(self, kind: str, enabled: bool, interactive: bool):
        self.kind, self.enabled, self.interactive = kind, enabled, interactive
        self.start = time.perf_counter()
        self.bar = None
        self.last_log = self.start
        self.shown = 0

    def __call__(self, done: int, total: int | None) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        elapsed = now - self.start
        if elapsed < 1.0:
            return
        rate = done / elapsed if elapsed else 0.0
        if self.interactive and total:
            if self.bar is None:
                self.bar = click.progressbar(length=total, label=f"{self.kind}", show_eta=True, show_pos=True,
                                             item_show_func=lambda _: f"{self.rate:,.0f} records/s", file=sys.stderr)
                self.bar.__enter__()
            self.rate = rate
            self.bar.update(done - self.shown, done)
            self.shown = done
        elif now - self.last_log >= 2.0:
            self.last_log = now
            of = f"/{total:,}" if total else ""
            click.echo(f"{self.kind}: {done:,}{of} records read ({rate:,.0f} records/s)", err=True)

    rate = 0.0

    def close(self):
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _kinds() -> list[str]:
    from ingest import kinds

    return kinds()


@click.command()
@click.argument("kind")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Read and validate, print the report, write nothing.")
@click.option("--strict", is_flag=True, help="Treat warnings (dangling references) as errors.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--mapping", type=click.Path(path_type=Path, exists=True),
              help="people: YAML/JSON file renaming column headings ('E-mail: email').")
@click.option("--access", type=click.Choice(["public", "members", "private"]), default=None,
              help="rdf: who may see the loaded data (default public).")
@click.option("--language", help="training/mediawiki: language of the untranslated text.")
@click.pass_context
def ingest(ctx, kind, path, dry_run, strict, as_json, mapping, access, language):
    """Import a source: KIND is training, taxonomy, orgs, people, completions, mappings, roles,
    badges, mediawiki, rdf (or territories, or a third-party importer)."""
    from ingest import ImportFailed, get, run_import

    settings = settings_of(ctx)
    get(kind)  # an unknown kind fails before the store is opened
    options = {k: v for k, v in {"mapping": mapping, "access": access, "language": language}.items() if v}
    options["limits"] = wiring.import_limits(settings)
    view = _ProgressView(kind, enabled=not as_json, interactive=sys.stderr.isatty())
    with wiring.open_store(settings, f"maarifa ingest {kind}") as store:
        try:
            report = run_import(store, kind, path, dry_run=dry_run, strict=strict, options=options, progress=view)
        except ImportFailed as failed:
            if as_json:  # the located errors as data too; the message still goes to stderr, exit 1
                click.echo(json.dumps(failed.report.as_dict(), indent=2))
            raise
        finally:
            view.close()
        awards = [] if dry_run else wiring.issue_pending_badges(store, settings)
        if not dry_run:
            wiring.update_peer_index(store, settings)
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
        return
    for line in report.lines():
        click.echo(line)
    if dry_run:
        click.echo("dry run: nothing was written")
    click.echo(f"{report.records:,} records read in {report.seconds:.2f} s")
    if awards:
        click.echo(f"issued {len(awards)} badge(s) for recorded training completions")
