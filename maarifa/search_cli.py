"""`maarifa search` and `maarifa reindex` (registered on the main group by maarifa/cli.py).

    from .search_cli import search_command, reindex_command
    main.add_command(search_command)
    main.add_command(reindex_command)
"""

from __future__ import annotations

import json
import re

import click

from graph.errors import StoreLocked

from . import wiring
from .cli_base import settings_of

TYPES = ["asset", "learning_pack", "training", "skill", "organization", "person"]


def _iri(value: str, base_url: str, kind: str) -> str:
    if re.match(r"^https?://", value):
        return value
    return f"{base_url.rstrip('/')}/id/{kind}/{value}"


def _sync(settings, backend, command: str) -> str | None:
    """Apply pending graph changes first; when `maarifa serve` holds the store its own indexer does."""
    from search.indexer import SearchSync

    try:
        with wiring.open_store(settings, command) as store:
            report = SearchSync(store, backend).sync()
            return report.error
    except StoreLocked:
        return None


@click.command("search")
@click.argument("text", required=False, default="")
@click.option("--lang", default="en", show_default=True, help="Your language (BCP 47): titles are shown in it.")
@click.option("--type", "types", multiple=True, type=click.Choice(TYPES), help="Only this type (repeatable).")
@click.option("--skill", "skills", multiple=True, help="Skill IRI or code; includes narrower skills (repeatable).")
@click.option("--language", "languages", multiple=True, help="Language of the content, e.g. es (repeatable).")
@click.option("--format", "formats", multiple=True, help="Format, e.g. text/html (repeatable).")
@click.option("--org", "orgs", multiple=True, help="Organization IRI or slug (repeatable).")
@click.option("--territory", "territories", multiple=True, help="ISO 3166 / UN M49 code (repeatable).")
@click.option("--member", is_flag=True, help="Search as a member: members-only people are included.")
@click.option("--page", default=1, show_default=True, type=int)
@click.option("--per-page", default=10, show_default=True, type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.pass_context
def search_command(ctx, text, lang, types, skills, languages, formats, orgs, territories, member, page, per_page,
                   as_json):
    """Full-text search over the knowledge base, skills, organizations and people."""
    from search import Query, search
    from search.factory import open_backend

    settings = settings_of(ctx)
    filters = {
        "skill": [_iri(s, settings.base_url, "skill") for s in skills],
        "language": list(languages), "format": list(formats),
        "organization": [_iri(o, settings.base_url, "org") for o in orgs],
        "territory": [t.upper() if len(t) == 2 else t for t in territories],
    }
    query = Query(text, lang=lang, types=tuple(types), filters={k: v for k, v in filters.items() if v},
                  page=page, per_page=per_page, viewer_is_member=member).validated()
    backend = open_backend(settings)
    try:
        warning = _sync(settings, backend, "maarifa search")
        if warning:
            click.echo(f"warning: the index may be behind the graph: {warning}", err=True)
        results = search(backend, query)
    finally:
        backend.close()
    if as_json:
        click.echo(json.dumps(results.to_dict(), ensure_ascii=False, indent=2))
        return
    if results.suggestion:
        click.echo(f"did you mean: {results.suggestion}")
    first = (results.page - 1) * results.per_page
    shown = f"{first + 1}-{first + len(results.hits)} of " if results.hits else ""
    click.echo(f"{shown}{results.total} result(s) [{results.backend}]")
    for hit in results.hits:
        marker = f" ({hit.lang})" if hit.fallback else ""
        click.echo(f"- {hit.title}{marker}  [{hit.type}]  <{hit.id}>")
        if hit.snippet:
            click.echo("    " + _plain(hit.snippet))


def _plain(snippet: str) -> str:
    import html

    return html.unescape(snippet.replace("<mark>", "*").replace("</mark>", "*"))


@click.command("reindex")
@click.pass_context
def reindex_command(ctx):
    """Rebuild the search index from the graph (an alias swap on OpenSearch: search stays up)."""
    from search.factory import open_backend
    from search.indexer import SearchSync

    settings = settings_of(ctx)
    backend = open_backend(settings)
    try:
        with wiring.open_store(settings, "maarifa reindex") as store:
            count = SearchSync(store, backend).reindex()
    finally:
        backend.close()
    click.echo(f"reindexed {count} document(s) [{backend.name}]")
