"""`maarifa federation ...`: the allow-list of peer SPARQL endpoints, harvest, federated search."""

from __future__ import annotations

import json

import click

from graph.federation import PeerList, federated_peer_search, harvest

from . import wiring
from .cli_base import MaarifaGroup, initialised_settings


@click.group(cls=MaarifaGroup)
def federation():
    """Peer nodes: the SERVICE allow-list, harvesting, federated search."""


@federation.command("add")
@click.argument("url")
@click.pass_context
def add(ctx, url):
    """Allow-list a peer's SPARQL endpoint URL (e.g. https://peer.example/sparql)."""
    peers = PeerList(initialised_settings(ctx).data_dir)
    click.echo(f"added {url}" if peers.add(url) else f"{url} is already on the allow-list")


@federation.command("remove")
@click.argument("url")
@click.pass_context
def remove(ctx, url):
    """Take an endpoint off the allow-list."""
    PeerList(initialised_settings(ctx).data_dir).remove(url)
    click.echo(f"removed {url}")


@federation.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def list_peers(ctx, as_json):
    """The allow-listed endpoints."""
    urls = PeerList(initialised_settings(ctx).data_dir).urls()
    click.echo(json.dumps(urls, indent=2) if as_json else ("\n".join(urls) or "no peers yet: maarifa federation add URL"))


@federation.command("harvest")
@click.argument("url", required=False)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def harvest_command(ctx, url, as_json):
    """Copy the public graphs of one peer (or of every allow-listed peer) that changed since last time."""
    from graph.errors import MaarifaError

    settings = initialised_settings(ctx)
    peers = PeerList(settings.data_dir)
    targets = [url] if url else peers.urls()
    if url and url.rstrip("/") not in peers.urls():
        raise MaarifaError(f"{url} is not on the allow-list: run `maarifa federation add {url}` first")
    reports = []
    with wiring.open_store(settings, "maarifa federation harvest") as store:
        for target in targets:
            try:
                reports.append(harvest(store, target, timeout=max(settings.federation_timeout, 30.0)))
            except MaarifaError as exc:
                reports.append(None)
                click.echo(f"{target}: {exc}", err=True)
    if as_json:
        click.echo(json.dumps([r.__dict__ for r in reports if r], indent=2))
    else:
        for report in filter(None, reports):
            for line in report.lines():
                click.echo(line)
    if any(r is None or r.errors for r in reports):
        ctx.exit(1)


@federation.command("search")
@click.option("--skill", help="Skill code or part of its English label.")
@click.option("--level", type=click.IntRange(1, 4), default=1, show_default=True)
@click.option("--status", "statuses", multiple=True, type=click.Choice(["known", "available", "wanted"]),
              help="Claims to match (repeatable); default known and available: people who hold the skill. "
                   "wanted finds learners.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def search(ctx, skill, level, statuses, as_json):
    """Ask this node and every allow-listed node for people with a skill; merge the answers."""
    settings = initialised_settings(ctx)
    with wiring.open_store(settings, "maarifa federation search") as store:
        found = federated_peer_search(PeerList(settings.data_dir).urls(), skill=skill, min_level=level,
                                      status=tuple(statuses) or ("available", "known"),
                                      timeout=settings.federation_timeout, local=store)
    if as_json:
        click.echo(json.dumps(found, indent=2))
        return
    for row in found["results"]:
        node = "(this node)" if row["local"] else row["node"]
        click.echo(f"{row['name']:<28} {row['skill']:<32} level {row['level']}  {row['status']:<9} {node}")
    for node in found["nodes"]:
        if not node["ok"]:
            click.echo(f"! {node['endpoint']}: {node['error']}", err=True)
