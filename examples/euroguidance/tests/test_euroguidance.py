"""The plugin's registrations and its figures, on an app given the plugin by name (no install needed)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from tremplin.core.app import App, create_app

PLUGIN = "tremplin_euroguidance"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    from tremplin.core.migrate import upgrade
    from tremplin.core.plugins import BUILTIN_PLUGINS
    from tremplin.core.settings import Settings

    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'eg.db'}", load_entrypoints=False, outbox_dir=str(tmp_path / "outbox")
    )
    app = create_app(settings, plugins=[*BUILTIN_PLUGINS, PLUGIN])
    upgrade(app)
    try:
        yield app
    finally:
        app.close()


def test_registers_an_audience_a_role_codes_a_form_counters_and_a_dimension(app: App) -> None:
    reg = app.registry
    assert "euroguidance" in reg.audiences
    assert reg.roles["euroguidance_adviser"].default_audiences == ("euroguidance",)
    assert "mobility_session" in reg.codes["workshop"]
    assert "europass" in reg.codes["channel"]
    assert "euroguidance.contact" in reg.forms
    for key in ("euroguidance.advised", "euroguidance.erasmus", "euroguidance.contacts"):
        assert key in reg.counters
    assert reg.dimensions["euroguidance.country"].audience == "euroguidance"
    assert "euroguidance-destinations" in reg.flows


def test_its_branch_makes_its_table(app: App) -> None:
    from sqlalchemy import inspect

    from tremplin.core.migrate import current_heads, plugin_heads

    assert "euroguidance_0001" in current_heads(app)
    assert plugin_heads(app)[PLUGIN] == ["euroguidance@euroguidance_0001"]
    assert inspect(app.db.engine).has_table("euroguidance_fairs")


#: The registration hooks the example shows (it has no bot commands, scrubbers or case workflows).
HOOKS = (
    "register_audiences",
    "register_roles",
    "register_codes",
    "register_forms",
    "register_counters",
    "register_dimensions",
    "register_demo",
    "register_routes",
    "register_menu_items",
    "register_report_sections",
    "register_flows",
)


def test_implements_the_registration_hooks(app: App) -> None:
    from tremplin.core.plugins import hook_names

    assert set(HOOKS) <= set(hook_names())
    plugin = app.pm.get_plugin(PLUGIN)
    implemented = {caller.name for caller in app.pm.get_hookcallers(plugin) or ()}
    assert set(HOOKS) <= implemented, sorted(set(HOOKS) - implemented)


def test_report_sections_and_menu(app: App) -> None:
    import tremplin_euroguidance as plugin

    sections = plugin.register_report_sections(app, "annual")
    assert [s.key for s in sections] == ["euroguidance.mobility"]
    assert plugin.register_report_sections(app, "esf") == []
    (item,) = plugin.register_menu_items(app, None)
    assert item.path == "/euroguidance"
    (router,) = plugin.register_routes(app)
    assert [route.path for route in router.routes] == ["/euroguidance"]
    template = Path(plugin.__file__).parent / "templates" / "euroguidance" / "destinations.html"
    assert template.is_file()


def test_demo_figures_by_destination(app: App) -> None:
    from tremplin_euroguidance.web import by_country

    from tremplin.core.demo import generate

    year = 2019
    generate(app, year=year, scale=0.1, seed=7, reset=True)
    with app.session() as session:
        rows = by_country(app, session, None, date(year, 1, 1), date(year, 12, 31), "en")
    people = sum(n for _code, _label, n in rows)
    assert 40 <= people <= 80  # 600 at scale 1.0
    assert {code for code, _label, _n in rows} <= {"be", "de", "es", "fr", "ie", "it", "nl", "pt", "other"}
    assert rows[0][2] > 0


def test_flow_counts_by_destination(app: App) -> None:
    from tremplin_euroguidance.flows import count_by_country

    from tremplin.core.demo import generate

    generate(app, year=2019, scale=0.05, seed=3, reset=True)
    found = count_by_country.fn(app.settings.database_url, 2019)
    assert found and all(n > 0 for n in found.values())


def test_page_and_menu_for_the_adviser(app: App) -> None:
    import re

    from fastapi.testclient import TestClient
    from tremplin_euroguidance.models import MobilityFair

    from tremplin.core.demo import generate
    from tremplin.core.models import Centre
    from tremplin.core.web.app import create_web_app

    generate(app, year=2019, scale=0.05, seed=5, reset=True)
    with app.transaction() as session:
        centre = session.scalars(select(Centre)).one()
        session.add(MobilityFair(centre_id=centre.id, day=date(2020, 3, 14), name="Erasmus Days", city="Liège"))
        session.add(MobilityFair(centre_id=centre.id, day=date(2019, 3, 14), name="Past fair"))
    with TestClient(create_web_app(app), base_url="http://testserver", follow_redirects=False) as client:
        client.headers["accept-language"] = "en"
        login = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
        assert token
        data = {
            "username": "euroguidance_adviser",
            "password": "tremplin-demo-euroguidance_adviser",
            "csrf_token": token.group(1),
        }
        assert client.post("/login", data=data).status_code == 303
        assert 'href="/euroguidance"' in client.get("/dashboard?on=2019-12-31").text
        page = client.get("/euroguidance?on=2019-12-31")
        assert page.status_code == 200, page.text[:500]
        assert 'id="euroguidance-countries"' in page.text
        assert "Par pays de destination" in page.text  # the demo accounts read French
        fairs = page.text[page.text.index('id="euroguidance-fair-list"') :]
        assert "Erasmus Days (Liège)" in fairs and "Past fair" not in fairs
