"""What every command group shares: user errors become one line on stderr and exit 1."""

from __future__ import annotations

import sys

import click

from graph.errors import MaarifaError


class MaarifaGroup(click.Group):
    """Turns a :class:`MaarifaError` into one line on stderr and exit code 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except MaarifaError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
