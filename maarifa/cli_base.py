"""What every command group shares: user errors become one line on stderr and exit 1."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from graph.errors import MaarifaError, StoreMissing

from .settings import Settings
from .wiring import node_base_url


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


def settings_of(ctx, *, rebasing_to: str | None = None, backup: Path | None = None, **flags) -> Settings:
    """The settings for a command: the global flags of the root command, then the rest; the
    base URL is the data directory's own (see :func:`wiring.node_base_url`)."""
    root = ctx.find_root().obj or {}
    settings, origins = Settings.load_with_origins({**(root.get("flags") or {}), **flags}, config=root.get("config"))
    return node_base_url(settings, origins["base_url"], rebasing_to=rebasing_to, backup=backup)


def initialised_settings(ctx, **flags) -> Settings:
    """As :func:`settings_of`, for commands that need `maarifa init` to have run."""
    settings = settings_of(ctx, **flags)
    if not (Path(settings.data_dir) / "store").is_dir():
        raise StoreMissing(settings.data_dir)
    return settings
