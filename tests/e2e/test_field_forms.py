"""Field forms that are not tallies, on a phone with no network: filled in, kept, sent once each.

A plugin may mark any form as a field form (``tests/e2e/field_plugin.py`` does, as an outside plugin
would): its phone page shows the form's questions and a save button, and each save is kept on the phone
and sent when the network returns, through the same rules as online. This module serves the app with that
plugin loaded, on its own database.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.core.plugin_kit import assert_rollup_exact
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, LiveServer, login, playwright_sync, seed, start_server
from tests.e2e.test_field_offline import SHOTS, Network, queued, wait_true, wait_waiting, waiting
from tremplin.core.models import Contact, SyncedEntry

FORM = "streetwork.encounter"


@pytest.fixture(scope="module")
def field_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    from tremplin.core.app import create_app
    from tremplin.core.migrate import upgrade
    from tremplin.core.plugins import DEFAULT_PLUGINS
    from tremplin.core.settings import Settings

    path = tmp_path_factory.mktemp("e2e-field-forms") / "tremplin.db"
    settings = Settings(database_url=f"sqlite:///{path}", load_entrypoints=False, secret_key="e2e-not-a-secret")
    app = create_app(settings, plugins=(*DEFAULT_PLUGINS, "tests.e2e.field_plugin"))
    upgrade(app)
    seeded = seed(app)
    server = start_server(app, path)
    server.seeded = seeded
    yield server
    server.server.should_exit = True
    server.thread.join(timeout=10)
    app.close()


@pytest.fixture(scope="module")
def playwright() -> Iterator[Any]:
    os.environ["PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS"] = "1"
    try:
        with playwright_sync.sync_playwright() as pw:
            yield pw
    finally:
        os.environ.pop("PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS", None)


@pytest.fixture(scope="module")
def browser(playwright: Any) -> Iterator[Any]:
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()


@pytest.fixture
def phone(browser: Any, field_server: LiveServer) -> Iterator[Any]:
    context = browser.new_context(base_url=field_server.url, locale="fr-BE", **PHONE)
    context.set_default_timeout(10_000)
    context.route(lambda url: not url.startswith(field_server.url), lambda route: route.abort())
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors  # type: ignore[attr-defined]
    yield page
    context.close()


def encounters(server: LiveServer) -> list[tuple[str, datetime, Contact]]:
    with server.app.session() as session:
        rows = session.execute(
            select(SyncedEntry.key, SyncedEntry.made_at, Contact)
            .join(Contact, Contact.id == SyncedEntry.record_id)
            .where(SyncedEntry.form == FORM)
        ).all()
        return [(key, made, contact) for key, made, contact in rows]


def fill(page: Any, place: str, headcount: int, themes: list[str], note: str = "") -> None:
    page.locator(f"label[for=f-attr-place-{place}]").tap()
    for name, value in (("language", "fr"), ("gender", "unknown"), ("age-band", "18_24")):
        page.locator(f"label[for=f-{name}-{value}]").tap()
    page.locator("#f-headcount").fill(str(headcount))
    for theme in themes:
        page.locator(f"label[for=f-themes-{theme}]").tap()
    if note:
        page.locator("#f-note").fill(note)
    before = waiting(page)
    page.locator("#tap-save").tap()
    wait_waiting(page, before + 1)


def test_a_field_form_that_is_not_a_tally_offline(phone: Any, field_server: LiveServer, axe: Any) -> None:
    page = phone
    login(page, "neet_worker")
    page.goto(f"/field/{FORM}")
    page.wait_for_selector("body[data-ready='1']")
    wait_true(page, "() => navigator.serviceWorker.controller !== null")
    wait_true(
        page,
        f"""async () => {{
        for (const name of await caches.keys()) {{
            if (await (await caches.open(name)).match("/field/{FORM}")) return true;
        }}
        return false;
    }}""",
    )
    assert page.locator(".tap[data-theme]").count() == 0, "no +1 buttons: the form's own questions"
    header = page.locator("header.bar").bounding_box()
    assert header and header["height"] <= 64
    SHOTS.mkdir(parents=True, exist_ok=True)
    axe(page, "field form that is not a tally (phone)")

    network = Network(page.context)
    network.off()
    page.locator("#tap-save").tap()
    page.wait_for_timeout(200)
    assert waiting(page) == 0, "the place is required: nothing is kept without it"
    fill(page, "street", 3, ["work", "learn"], "Rencontrés près de la gare, intéressés par une formation")
    assert page.locator("#f-headcount").input_value() == "1", "the form starts blank for the next encounter"
    assert page.locator("#f-note").input_value() == "" and not page.locator("#f-themes-work").is_checked()
    fill(page, "youth_centre", 1, ["choose"])
    fill(
        page,
        "street",
        2,
        ["move"],
        "Deux jeunes intéressés par un stage à l'étranger, rappeler au 0470 12 34 56 la semaine prochaine",
    )
    fill(page, "youth_centre", 4, ["self_employment"])
    # The last one was a mistake: undone before it was sent.
    page.locator("#entries li[data-state='waiting'] button").first.tap()
    wait_waiting(page, 3)
    entries = queued(page)
    page.screenshot(path=str(SHOTS / "field-form-360-offline.png"), full_page=True)
    page.reload()
    page.wait_for_selector("body[data-ready='1']")
    assert waiting(page) == 3 and encounters(field_server) == []

    network.on()
    wait_waiting(page, 0, timeout=30)
    assert queued(page) == [], [(e["values"], e.get("reason")) for e in queued(page)]
    rows = encounters(field_server)
    assert sorted(k for k, _m, _c in rows) == sorted(e["key"] for e in entries)
    made = {e["key"]: datetime.fromisoformat(e["at"].replace("Z", "+00:00")) for e in entries}
    by_headcount = {}
    for key, made_at, contact in rows:
        assert contact.occurred_at == made_at == made[key], "each keeps the moment it was saved"
        assert contact.audience == "neet" and contact.channel == "field" and contact.modality == "field_awareness"
        by_headcount[contact.headcount] = contact
    assert sorted(by_headcount) == [1, 2, 3], "exactly the three saved, with their own counts"
    assert by_headcount[3].attributes["place"] == "street" and sorted(by_headcount[3].themes) == ["learn", "work"]
    assert by_headcount[1].attributes["place"] == "youth_centre" and by_headcount[1].themes == ["choose"]
    # The note passed the scrubber, as online: the phone number never reached the database.
    note = by_headcount[2].note or ""
    assert "stage" in note and "0470" not in note, note
    with field_server.app.session() as session:
        assert session.scalar(select(func.sum(Contact.headcount)).where(Contact.modality == "field_awareness")) == 6
    assert_rollup_exact(field_server.app)
    # Sent again (a second tab, a lost answer): nothing doubles.
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    page.wait_for_timeout(300)
    assert len(encounters(field_server)) == 3
    assert not page.errors, page.errors  # type: ignore[attr-defined]
