"""``maarifa badge issue|verify|revoke``: badges from the command line (the local CLI acts as admin).

Registered in :mod:`maarifa.cli` with ``main.add_command(badge)``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import wiring
from .cli_base import MaarifaGroup, settings_of


def http_fetch(url: str):
    """The fetcher `badge verify` uses for other issuers' documents (and for URLs)."""
    import requests

    response = requests.get(url, headers={"Accept": "application/ld+json, application/json, */*"}, timeout=20)
    return response.status_code, response.headers.get("Content-Type", ""), response.content


@click.group(cls=MaarifaGroup)
def badge():
    """Open Badges: issue, verify, revoke."""


@badge.command("issue")
@click.argument("badge_ref", metavar="BADGE")
@click.argument("username")
@click.option("--evidence", help="URL of evidence (default: the recorded training completion).")
@click.option("--json", "as_json", is_flag=True, help="Print the award as JSON.")
@click.pass_context
def issue(ctx, badge_ref, username, evidence, as_json):
    """Award BADGE (slug or IRI) to USERNAME; signs the OB 2.0 and OB 3.0 forms."""
    from badges import CLI_ACTOR, BadgeService, load_keys, ob2, ob3

    settings = settings_of(ctx)
    keys = load_keys(settings.data_dir)  # refuses unsafe key files before anything is written
    with wiring.open_store(settings, "maarifa badge issue") as store:
        service = BadgeService(store, wiring.issuer_of(settings))
        award = service.issue(badge_ref, username, actor=CLI_ACTOR, evidence=evidence).award
    issuer = wiring.issuer_of(settings)
    ob3.signed_credential(issuer, award, keys)  # proves the keys sign before we report success
    out = {"award": award.iri, "id": award.id, "badge": award.badge.slug, "recipient": award.recipient.username,
           "issued_on": award.issued_on, "ob2": ob2.assertion_id(issuer, award.id),
           "ob3": ob3.credential_id(issuer, award.id),
           "verify_page": f"{issuer.base_url}/badges/verify/{award.id}"}
    if as_json:
        click.echo(json.dumps(out, indent=2))
    else:
        click.echo(f"issued {award.badge.slug} to {award.recipient.username}: award {award.id}")
        click.echo(f"  OB 2.0: {out['ob2']}\n  OB 3.0: {out['ob3']}\n  verify: {out['verify_page']}")


@badge.command("verify")
@click.argument("source", metavar="FILE|URL")
@click.option("--recipient", help="E-mail address or URL the badge should have been issued to.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def verify(ctx, source, recipient, as_json):
    """Verify a baked PNG/SVG, a JSON assertion or credential, a JWS/VC-JWT, or a URL. Exit 1 if invalid."""
    from badges import BadgeService, Verifier, load_keys
    from graph.errors import MaarifaError, StoreLocked, StoreMissing

    settings = settings_of(ctx)
    if source.startswith(("http://", "https://")):
        data = source.encode()
    else:
        path = Path(source)
        try:
            data = sys.stdin.buffer.read() if source == "-" else path.read_bytes()
        except OSError as exc:
            raise MaarifaError(f"{source}: cannot read ({exc.strerror})") from None
    store = None
    try:
        store = wiring.open_store(settings, "maarifa badge verify")
    except (StoreMissing, StoreLocked):
        store = None  # verify over HTTP only (e.g. while `maarifa serve` holds the store)
    try:
        if store is not None:
            verifier = Verifier(BadgeService(store, wiring.issuer_of(settings)), load_keys(settings.data_dir, for_signing=False),
                                fetch=http_fetch)
        else:
            verifier = Verifier(fetch=http_fetch)
        result = verifier.verify(data, recipient=recipient)
    finally:
        if store is not None:
            store.close()
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
    else:
        click.echo(result.summary())
    if not result.valid:
        sys.exit(1)


@badge.command("revoke")
@click.argument("award_ref", metavar="AWARD")
@click.option("--reason", required=True, help="Why the award is revoked (published in the revocation list).")
@click.pass_context
def revoke(ctx, award_ref, reason):
    """Revoke AWARD (its id, IRI or any of its OB URLs)."""
    from badges import CLI_ACTOR, BadgeService

    settings = settings_of(ctx)
    with wiring.open_store(settings, "maarifa badge revoke") as store:
        award = BadgeService(store, wiring.issuer_of(settings)).revoke(award_ref, reason, actor=CLI_ACTOR)
    click.echo(f"revoked award {award.id} ({award.badge.slug} of {award.recipient.username}): {reason}")
