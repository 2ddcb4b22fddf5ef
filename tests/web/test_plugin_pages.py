"""Pages from plugins: their ``templates/`` and ``static/`` folders are found, their menu entries shown by role.

One outside plugin package is written on the spot (a folder on ``sys.path``, as pip would install it);
the Formtruck's own page is the real one.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import full_registry, make_app
from tests.web.conftest import Web
from tremplin.core.app import App
from tremplin.core.plugins import DEFAULT_PLUGINS
from tremplin.core.records import log_contact

PACKAGE = "tests_pages_plugin"

PLUGIN_CODE = """
from fastapi import APIRouter, Depends, Request

from tremplin import MenuItem, T, hookimpl
from tremplin.core.models import Staff
from tremplin.core.web.deps import ensure_audience, require_capability

router = APIRouter()


@router.get("/mobility")
def mobility(request: Request, staff: Staff = Depends(require_capability("activities"))):
    from tremplin.core.web.templating import render

    ensure_audience(staff, "neet")
    return render(request, "tests_pages_plugin/mobility.html", {"places": ["Lisbon", "Tallinn"]})


@hookimpl
def register_routes(app):
    return [router]


@hookimpl
def register_menu_items(app, staff):
    return [
        MenuItem(
            T("Mobility", fr="Mobilité", nl="Mobiliteit", uk="Мобільність"), "/mobility", "activities", audience="neet"
        ),
        # No route serves it: never shown.
        MenuItem(T("Nowhere", fr="Nulle part", nl="Nergens", uk="Ніде"), "/nowhere", "dashboard"),
    ]
"""

TEMPLATE = """{% extends "base.html" %}
{% block head %}<link rel="stylesheet" href="/static/plugins/tests_pages_plugin/mobility.css">{% endblock %}
{% block content %}<h1 class="mobility">Mobility</h1>
<ul>{% for p in places %}<li>{{ p }}</li>{% endfor %}</ul>{% endblock %}
"""


@pytest.fixture
def pages_web(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Web]:
    package = tmp_path / "site-packages" / PACKAGE
    (package / "templates" / PACKAGE).mkdir(parents=True)
    (package / "static").mkdir()
    (package / "__init__.py").write_text(PLUGIN_CODE, encoding="utf-8")
    (package / "templates" / PACKAGE / "mobility.html").write_text(TEMPLATE, encoding="utf-8")
    (package / "static" / "mobility.css").write_text(".mobility { color: #036; }\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(package.parent))
    app = make_app(db_url, plugins=list(DEFAULT_PLUGINS) + [PACKAGE])
    from tremplin.core.admin import ensure_centre

    with app.transaction() as session:
        centre_id = ensure_centre(session, "bxl", "Cité des métiers de Bruxelles")[0].id
    web = Web(app, centre_id)
    web.add_role_accounts()
    yield web
    web.close()
    app.close()
    sys.modules.pop(PACKAGE, None)
    from tremplin.core.web.templating import template_dirs

    if package / "templates" in template_dirs:
        template_dirs.remove(package / "templates")


ROLES = full_registry().roles.keys()


def menu(html: str) -> list[str]:
    nav = re.search(r'<nav class="main".*?</nav>', html, re.S)
    return re.findall(r'<a href="([^"]+)"', nav.group(0)) if nav else []


def test_hook_register_menu_items(pages_web: Web) -> None:
    """A plugin package's page renders its own template in the core layout, with its own stylesheet,
    and its menu entry is shown only to the roles with the capability that see the audience."""
    seen = {}
    for role in ROLES:
        page = pages_web.client(role).get("/dashboard")
        assert page.status_code == 200, role
        seen[role] = "/mobility" in menu(page.text)
        assert "/nowhere" not in menu(page.text)
    # "activities" belongs to admin, programme lead, counsellor, NEET worker and schools coordinator;
    # of those only the accounts that see the NEET audience get the entry.
    assert seen == {
        "admin": True,
        "programme_lead": True,
        "counsellor": False,
        "reception": False,
        "neet_worker": True,
        "schools_coordinator": False,
        "formtruck_adviser": False,
        "formtruck_coordinator": False,
    }
    neet = pages_web.client("neet_worker")
    page = neet.get("/mobility")
    assert page.status_code == 200
    assert '<h1 class="mobility">Mobility</h1>' in page.text and "<li>Tallinn</li>" in page.text
    assert 'href="/static/plugins/tests_pages_plugin/mobility.css"' in page.text and 'id="lang-uk"' in page.text
    assert 'id="nav-mobility"' in page.text and ">Mobilité</a>" in page.text  # labelled in the account's language
    css = neet.get("/static/plugins/tests_pages_plugin/mobility.css")
    assert css.status_code == 200 and ".mobility" in css.text and css.headers["content-type"].startswith("text/css")
    assert neet.get("/static/plugins/tests_pages_plugin/missing.css").status_code == 404
    assert neet.get("/static/tremplin.css").status_code == 200  # the core's own static files still served
    # The page checks the rules itself: the menu is a convenience, not the guard.
    assert pages_web.client("counsellor").get("/mobility").status_code == 403
    assert pages_web.client("reception").get("/mobility").status_code == 403


def test_formtruck_page_by_stop_and_commune(app: App, centre: int) -> None:
    """The Formtruck's page lives in its plugin folder: template, stylesheet, menu entry."""
    with app.transaction() as session:
        for site, commune, headcount in (
            ("truck-flagey", "ixelles", 5),
            ("truck-flagey", "ixelles", 2),
            ("", "jette", 3),
        ):
            log_contact(
                app,
                session,
                {
                    "centre": "bxl",
                    "occurred_at": "2025-01-02T11:00",
                    "audience": "formtruck",
                    "modality": "individual_advice",
                    "channel": "field",
                    "headcount": headcount,
                    "site": site,
                },
                {"commune": commune},
            )
    web = Web(app, centre)
    web.add_role_accounts()
    try:
        shown = {role for role in ROLES if "/formtruck" in menu(web.client(role).get("/dashboard").text)}
        assert shown == {"admin", "programme_lead", "formtruck_adviser", "formtruck_coordinator"}
        truck = web.client("formtruck_adviser")
        page = truck.get("/formtruck?on=2025-01-31")
        assert page.status_code == 200
        assert 'href="/static/plugins/formtruck/formtruck.css"' in page.text
        rows = dict(
            re.findall(
                r'<tr data-code="([^"]+)"><th scope="row">[^<]*</th><td class="num" data-value="(\d+)"', page.text
            )
        )
        assert rows == {"truck-flagey": "7", "unknown": "3", "ixelles": "7", "jette": "3"}
        assert (
            "Truck Flagey" in page.text
            and 'id="formtruck-by-stop"' in page.text
            and 'id="formtruck-by-commune"' in page.text
        )
        assert 'aria-current="page"' in page.text.split('id="nav-formtruck"')[1][:40]
        assert truck.get("/static/plugins/formtruck/formtruck.css").status_code == 200
        assert web.client("schools_coordinator").get("/formtruck").status_code == 403
    finally:
        web.close()
