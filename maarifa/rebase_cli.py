"""``maarifa rebase NEW_URL``: move the node to a new base URL (graph/rebase.py does the work).

Registered in :mod:`maarifa.cli` with ``main.add_command(rebase_command)``. After the store
moved, the public replica and the search index catch up from the change feed's ``rebase``
entry (both rebuild from scratch); a search cluster that is down rebuilds when it is back.
"""

from __future__ import annotations

import json

import click

from graph.errors import MaarifaError

from . import wiring
from .cli_base import settings_of


def badge_warning(plan) -> str:
    return (f"warning: {plan.awards} badge award(s) were issued under {plan.old}. Their documents move to "
            f"{plan.new} (the hosted assertion of award ID at {plan.new}/ob/v2/assertions/ID); copies already "
            f"handed out (baked images, signed JWS, OB 3.0 credentials) name {plan.old} and verify only while "
            f"{plan.old} redirects to {plan.new}.")


def _confirmed(plan) -> bool:
    click.echo(badge_warning(plan), err=True)
    try:
        return click.confirm(f"Move the node to {plan.new}?", default=False, err=True)
    except click.Abort:  # no answer (end of input)
        click.echo(err=True)
        return False


def _catch_up(services) -> dict:
    """Let the public replica and the search index apply the rebase entry (a full rebuild each)."""
    while services.replica.sync():
        pass
    index = services.search_sync.sync()  # OpenSearch and, with the fallback on, the embedded index
    services.peer_services.index.sync()  # the rebase entry rebuilds every view and rewrites its file
    return {"replica": {"triples": services.replica.count(), "lag": services.store.feed.lag("replica")},
            "index": {"backend": services.search.name, "rebuilt": index.reindexed and not index.error,
                      "error": index.error, "lag": services.search_sync.lag()},
            "peers": {"behind": services.peer_services.index.status()["behind"]}}


@click.command("rebase")
@click.argument("new_url")
@click.option("--dry-run", is_flag=True, help="Count what would change, check it, write nothing.")
@click.option("--yes", is_flag=True, help="Do not ask before moving a node that has issued badges.")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@click.pass_context
def rebase_command(ctx, new_url, dry_run, yes, as_json):
    """Move the node to NEW_URL: rewrite every IRI minted under the old base URL (store, catalog,
    change feed), then rebuild the public replica and the search index."""
    from graph.rebase import plan_rebase, rebase

    new = wiring.check_base_url(new_url)
    settings = settings_of(ctx, rebasing_to=new)  # base_url may already name the new URL
    services = wiring.open_services(settings, "maarifa rebase")
    try:
        if services.store.base_url == new:
            click.echo(f"the node's base URL is {new} already; nothing to do")
            return
        plan = plan_rebase(services.store, new)
        if dry_run:
            out = {"dry_run": True, **plan.counts()}
        else:
            if plan.awards and not yes and not _confirmed(plan):
                raise MaarifaError(f"not moved to {new}; nothing was changed")
            plan = rebase(services.store, plan)
            out = {"dry_run": False, **plan.counts(), **_catch_up(services)}
    finally:
        services.close()
    if as_json:
        click.echo(json.dumps(out, indent=2))
        return
    click.echo(("would move" if dry_run else "moved") + f" the node from {plan.old} to {plan.new}")
    for line in plan.lines()[1:]:
        click.echo("  " + line)
    if dry_run:
        return
    index = out["index"]
    click.echo(f"  public replica: rebuilt, {out['replica']['triples']:,} triples")
    click.echo(f"  search index [{index['backend']}]: " + (
        "rebuilt" if index["rebuilt"] else f"not rebuilt yet ({index['error']}); it is rebuilt from the change "
                                           f"feed as soon as the backend answers"))
    click.echo(f"note: where base_url is set (--base-url, MAARIFA_BASE_URL, maarifa.toml), set it to {plan.new} "
               f"or remove it: {plan.old} is refused from now on")
    if plan.awards:
        click.echo("note: " + badge_warning(plan).removeprefix("warning: "))
