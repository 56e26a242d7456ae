"""``maarifa user create|list|password|disable|logout|sessions``: password accounts of the web UI.

Registered in :mod:`maarifa.cli` with ``main.add_command(user)`` (``from .user_cli import user``).
Accounts and their sessions live next to the API tokens (``accounts.sqlite3`` in the data
directory, see :mod:`graph.accounts`); passwords are stored as scrypt hashes only. An account
whose name is a person's username acts as that person in the UI (their own private profile).
A new password, ``disable`` and ``logout`` end every open session of the account at once,
also while ``maarifa serve`` runs.

    maarifa user create --role trainer --name tina            # asks for the password twice
    printf '%s\\n' "$PASSWORD" | maarifa user create --role admin --name ada --password-stdin
    maarifa user logout --name tina                           # a lost laptop: end tina's sessions
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone

import click

from graph.accounts import ROLES, AccountStore

from .cli_base import MaarifaGroup, initialised_settings


def _accounts(ctx) -> AccountStore:
    return AccountStore.from_settings(initialised_settings(ctx))


def _sessions_ended(count: int) -> str:
    return f"{count} open session{'' if count == 1 else 's'} ended"


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@click.group(cls=MaarifaGroup)
def user():
    """Password accounts for the web UI (roles member, organizer, trainer, admin)."""


@user.command("create")
@click.option("--role", type=click.Choice(list(ROLES)), required=True)
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
    """Set a new password for an account; its open sessions end."""
    ended = _accounts(ctx).set_password(name, _password(password_stdin))
    click.echo(f"password of {name} changed; {_sessions_ended(ended)}")


@user.command("disable")
@click.option("--name", required=True)
@click.pass_context
def disable(ctx, name):
    """Disable an account: it can no longer log in, and its open sessions end."""
    ended = _accounts(ctx).disable(name)
    click.echo(f"disabled {name}; {_sessions_ended(ended)}")


@user.command("logout")
@click.option("--name", required=True)
@click.pass_context
def logout(ctx, name):
    """End every open session of an account (it may log in again)."""
    click.echo(f"{name}: {_sessions_ended(_accounts(ctx).end_sessions(name))}")


@user.command("sessions")
@click.option("--name", help="Only this account's sessions.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def sessions(ctx, name, as_json):
    """List open sessions: account, how it logged in, when it started and was last seen (UTC)."""
    rows = _accounts(ctx).sessions(name)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for r in rows:
        click.echo(f"{r['username']:<24} {r['provider']:<9} since {_utc(r['created'])}  last seen {_utc(r['last_seen'])}")


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


def _utc(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%d %H:%M")
