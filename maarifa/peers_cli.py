"""`maarifa peers`, `maarifa skills-map` and `maarifa erase` (registered by maarifa/cli.py).

The command line reads as an anonymous visitor by default (public profiles only);
``--member`` adds members-only profiles, ``--admin`` private ones too, the way the web API
answers a member's or an admin's token.
"""

from __future__ import annotations

import json

import click

from graph.people import Viewer

from . import wiring
from .cli_base import settings_of


def _viewer(member: bool, admin: bool) -> Viewer:
    if admin:
        return Viewer.admin()
    return Viewer.member() if member else Viewer.anonymous()


def _table(headers: list[str], rows: list[list]) -> str:
    widths = [max([len(h)] + [len(str(r[i])) for r in rows]) for i, h in enumerate(headers)]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows])


def _access_options(f):
    f = click.option("--admin", is_flag=True, help="Read as an admin: private profiles too.")(f)
    f = click.option("--member", is_flag=True, help="Read as a member: members-only profiles too.")(f)
    return f


@click.command("peers")
@click.option("--skill", help="Skill code, label or IRI; its narrower skills match too.")
@click.option("--level", type=int, help="Minimum level of the claim (1-4).")
@click.option("--status", multiple=True,
              help="known, available or wanted (repeatable); default known and available (people who hold the "
                   "skill), wanted finds learners.")
@click.option("--speaks", help="Spoken language, BCP 47, optionally with a minimum proficiency: sw or sw:3 "
                               "(proficiency 0 is not speaking).")
@click.option("--min-proficiency", type=int, help="Minimum proficiency (1-5) in --speaks.")
@click.option("--territory", help="ISO 3166 country or UN M49 region code (a region includes its countries).")
@click.option("--org", help="Organization acronym, slug or IRI.")
@click.option("--mentoring/--no-mentoring", default=None, help="Only people (not) available for mentoring.")
@click.option("--verified", is_flag=True, help="Only claims verified by a badge.")
@click.option("--page", default=1, show_default=True, type=int)
@click.option("--per-page", default=20, show_default=True, type=int)
@click.option("--ui-lang", default="en", show_default=True, help="Language of skill and place names.")
@_access_options
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.pass_context
def peers_command(ctx, skill, level, status, speaks, min_proficiency, territory, org, mentoring, verified, page,
                  per_page, ui_lang, member, admin, as_json):
    """Find peers: ranked (badge-verified first, then level, then recency), each with why it matched."""
    from graph.peers import PeerFinder, parse_query
    from web.reasons import english, with_words

    query = parse_query({"skill": skill, "level": level, "status": list(status), "speaks": speaks,
                         "min_proficiency": min_proficiency, "territory": territory, "org": org,
                         "mentoring": mentoring, "verified": verified or None, "page": page,
                         "per_page": per_page, "ui_lang": ui_lang})
    settings = settings_of(ctx)
    with wiring.open_store(settings, "maarifa peers") as store:
        result = PeerFinder(store).find(_viewer(member, admin), query)
    with_words(result, english, ui_lang)
    if as_json:
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
        return
    if not result["results"]:
        click.echo("no peers match" + (" on this page" if page > 1 else ""))
        return
    start = (result["page"] - 1) * result["per_page"]
    rows = [[start + i, r["username"], r["name"], (r["territory"] or {}).get("name") or "", "; ".join(r["why"])]
            for i, r in enumerate(result["results"], start=1)]
    click.echo(_table(["#", "username", "name", "place", "why"], rows))
    if result["has_more"]:
        click.echo(f"(more: --page {result['page'] + 1})")


@click.command("skills-map")
@click.option("--org", help="Organization acronym, slug or IRI.")
@click.option("--territory", help="ISO 3166 country or UN M49 region code (a region includes its countries).")
@click.option("--all-skills", is_flag=True, help="List every skill, also those nobody knows or wants.")
@click.option("--ui-lang", default="en", show_default=True, help="Language of skill names.")
@_access_options
@click.option("--json", "as_json", is_flag=True, help="Print the map as JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Print the map as CSV.")
@click.pass_context
def skills_map_command(ctx, org, territory, all_skills, ui_lang, member, admin, as_json, as_csv):
    """Community skills map: per skill subtree, how many know, offer and want it; role skills nobody holds."""
    from graph.skills_map import SkillsMap, to_csv

    if as_json and as_csv:
        raise click.UsageError("choose one of --json and --csv")
    settings = settings_of(ctx)
    with wiring.open_store(settings, "maarifa skills-map") as store:
        result = SkillsMap(store).build(_viewer(member, admin), org=org, territory=territory, lang=ui_lang,
                                        include_empty=all_skills)
    if as_json:
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
        return
    if as_csv:
        click.echo(to_csv(result), nl=False)
        return
    scope = result["scope"]
    name = scope.get("label") or scope.get("name") or scope.get("code")
    click.echo(f"{scope['kind']} {name}: {result['people']} people")
    if not result["people"]:
        hint = "" if admin else (" (--admin to see private profiles too)" if member else
                                 " (only public profiles: --member or --admin to see more)")
        click.echo(f"nobody in this community is visible to you{hint}")
        return
    rows = [["  " * r["depth"] + r["label"], r["know"], r["offer"], r["want"], ", ".join(r["required_by"]),
             "MISSING" if r["missing"] else ""] for r in result["skills"]]
    click.echo(_table(["skill", "know", "offer", "want", "required by", ""], rows))
    if result["missing"]:
        click.echo(f"\nrequired by roles but held by nobody ({result['roles_from']}):")
        for m in result["missing"]:
            click.echo(f"  - {m['label']} ({m['code'] or m['skill']}): {', '.join(m['required_by'])}")


@click.command("erase")
@click.argument("username")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def erase_command(ctx, username, as_json):
    """Remove a person from the store, the change feed, the search index, the public replica and
    the accounts, and rewrite their files so no copy is left in the data directory (stop the node first)."""
    from .erasure import erase

    outcome = erase(settings_of(ctx), username)
    if as_json:
        click.echo(json.dumps(outcome.as_dict(), indent=2))
        return
    for line in outcome.lines():
        click.echo(line)


COMMANDS = (peers_command, skills_map_command, erase_command)
