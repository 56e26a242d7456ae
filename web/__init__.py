"""The web app: the only package that imports Flask. Views stay thin over the services."""

from .app import create_app

__all__ = ["create_app"]
