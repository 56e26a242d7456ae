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


#: `badge verify` exit status per verdict (README, "Command line")
VERIFY_EXIT = {"VALID": 0, "INVALID": 1, "REVOKED": 1, "STATUS UNKNOWN": 3}


@click.group(cls=MaarifaGroup)
def badge():
    """Open Badges: issue, verify, revoke."""


@badge.command("issue")
@click.argument("badge_ref", metavar="BADGE")
@click.argument("username")
@click.option("--evidence", "evidence_url", metavar="URL",
              help="A public web page showing what the recipient did (the recorded training completion is "
                   "always cited too).")
@click.option("--narrative", help="Evidence as text: what the recipient did.")
@click.option("--json", "as_json", is_flag=True, help="Print the award as JSON.")
@click.pass_context
def issue(ctx, badge_ref, username, evidence_url, narrative, as_json):
    """Award BADGE (slug or IRI) to USERNAME; signs the OB 2.0 and OB 3.0 forms."""
    from badges import CLI_ACTOR, BadgeService, Evidence, load_keys, ob2, ob3

    settings = settings_of(ctx)
    keys = load_keys(settings.data_dir)  # refuses unsafe key files before anything is written
    evidence = [Evidence(url=evidence_url, narrative=narrative)] if evidence_url or narrative else []
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
    """Verify a baked PNG/SVG, a JSON assertion or credential, a JWS/VC-JWT, or a URL.

    Exit 0 when VALID, 1 when INVALID or REVOKED, 3 when the STATUS is UNKNOWN (the issuer's
    status list or key could not be read: try again when it is reachable)."""
    from badges import BadgeService, Verifier, load_keys
    from badges.fetch import http_fetch
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
    if VERIFY_EXIT[result.verdict]:
        sys.exit(VERIFY_EXIT[result.verdict])


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
