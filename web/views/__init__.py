"""The server-rendered UI: one blueprint per page family, over the services (see ``common``).

``register(app)`` adds them all and marks them as CSRF-protected (``web.accounts``).
"""

from __future__ import annotations

from .. import accounts


def register(app) -> None:
    from . import admin, assets, auth, people, search, skills, skills_map, trainer

    for module in (auth, search, assets, skills, people, skills_map, trainer, admin):
        app.register_blueprint(module.bp)
        accounts.CSRF_BLUEPRINTS.add(module.bp.name)
    from . import filters

    filters.install(app)
