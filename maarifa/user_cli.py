"""``maarifa user create|list|password|disable``: password accounts of the web UI.

Registered in :mod:`maarifa.cli` with ``main.add_command(user)`` (``from .user_cli import user``).
Accounts live next to the API tokens (``accounts.sqlite3`` in the data directory); passwords
are stored as scrypt hashes only. An account whose name is a person's username acts as that
person in the UI (their own private profile).

    maarifa user create --role trainer --name tina            # asks for the password twice
    printf '%s\\n' "$PASSWORD" | maarifa user create --role admin --name ada --password-stdin
"""

from __future__ import annotations

import json
import sys

import click

from .cli_base import MaarifaGroup, initialised_settings

ROLES = ["member", "organizer", "trainer", "admin"]


def _accounts(ctx):
    from web.accounts import AccountStore

    return AccountStore(initialised_settings(ctx).data_dir)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@click.group(cls=MaarifaGroup)
def user():
    """Password accounts for the web UI (roles member, organizer, trainer, admin)."""


@user.command("create")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--name", required=True, help="The user name (a person's username to act as that person).")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
@click.pass_context
def create(ctx, role, name, password_stdin):
    """Create an account; the password is asked for (or read from stdin) and stored as a hash."""
    accounts = _accounts(ctx)
    accounts.create(name, role, _password(password_stdin))
    click.echo(f"created {role} account {name}")


@user.command("password")
@click.option("--name", required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
@click.pass_context
def password(ctx, name, password_stdin):
    """Set a new password for an account."""
    _accounts(ctx).set_password(name, _password(password_stdin))
    click.echo(f"password of {name} changed")


@user.command("disable")
@click.option("--name", required=True)
@click.pass_context
def disable(ctx, name):
    """Disable an account: it can no longer log in, and its open sessions end."""
    _accounts(ctx).disable(name)
    click.echo(f"disabled {name}")


@user.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def list_users(ctx, as_json):
    """List accounts (never their password hashes)."""
    rows = _accounts(ctx).list()
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for r in rows:
        click.echo(f"{r['username']:<24} {r['role']:<9}{'  (disabled)' if r['disabled'] else ''}")
