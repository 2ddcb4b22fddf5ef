"""Plugins add pages through ``register_routes``, with the core's access rules and template folders."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import Depends, Request
from sqlalchemy.orm import Session

from tests.conftest import make_app
from tests.web.conftest import Web
from tremplin.core import hookimpl
from tremplin.core.app import App
from tremplin.core.models import Staff
from tremplin.core.plugins import DEFAULT_PLUGINS

PLUGIN = "tests_web_stops_plugin"


def _plugin(template_dir: Path) -> types.ModuleType:
    module = types.ModuleType(PLUGIN)

    @hookimpl
    def register_routes(app: App) -> list:
        # A real plugin keeps these imports in its own web module, imported here; annotations of the route
        # functions must name types FastAPI can resolve from that module.
        from fastapi import APIRouter

        from tremplin.core.web.deps import ensure_audience, get_session, require_roles
        from tremplin.core.web.templating import render, template_dirs

        if template_dir not in template_dirs:
            template_dirs.append(template_dir)
        router = APIRouter()

        @router.get("/formtruck/stops")
        def stops(
            request: Request,
            staff: Staff = Depends(require_roles("formtruck_adviser", "admin")),
            session: Session = Depends(get_session),
        ):
            ensure_audience(staff, "formtruck")
            return render(request, "stops_plugin/stops.html", {"stops": ["Flagey", "Rogier"]})

        return [router]

    module.register_routes = register_routes  # type: ignore[attr-defined]
    return module


@pytest.fixture
def plugin_web(db_url: str, tmp_path: Path) -> Iterator[Web]:
    folder = tmp_path / "templates"
    (folder / "stops_plugin").mkdir(parents=True)
    (folder / "stops_plugin" / "stops.html").write_text(
        '{% extends "base.html" %}{% block content %}<h1>{{ _("Sites") }}</h1><ul>{% for s in stops %}<li>{{ s '
        "}}</li>{% endfor %}</ul>{% endblock %}",
        encoding="utf-8",
    )
    sys.modules[PLUGIN] = _plugin(folder)
    app = make_app(db_url, plugins=list(DEFAULT_PLUGINS) + [PLUGIN])
    from tremplin.core.admin import ensure_centre

    with app.transaction() as session:
        centre, _ = ensure_centre(session, "bxl", "Cité des métiers de Bruxelles")
        centre_id = centre.id
    web = Web(app, centre_id)
    web.add_role_accounts()
    yield web
    web.close()
    app.close()
    del sys.modules[PLUGIN]
    from tremplin.core.web.templating import template_dirs

    if folder in template_dirs:
        template_dirs.remove(folder)


def test_hook_register_routes(plugin_web: Web) -> None:
    """A plugin's router is mounted, renders its own template in the base layout, and keeps the rules."""
    page = plugin_web.client("formtruck_adviser").get("/formtruck/stops")
    assert page.status_code == 200
    assert "Flagey" in page.text and "<h1>Sites</h1>" in page.text and 'lang="fr"' in page.text
    assert 'id="lang-uk"' in page.text, "the layout's language switch is there"
    assert plugin_web.client("neet_worker").get("/formtruck/stops").status_code == 403
    plugin_web.add_account("truck_without_audience", ["formtruck_adviser"], audiences=["general"])
    assert plugin_web.client("truck_without_audience").get("/formtruck/stops").status_code == 403
    anonymous = plugin_web.anonymous().get("/formtruck/stops")
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
