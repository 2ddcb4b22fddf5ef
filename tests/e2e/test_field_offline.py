"""The field page on a phone with no network: taps kept on the phone, sent once each when it returns.

Real Chromium at 360 × 740, ``context.set_offline(True)``. Chromium's offline emulation does not reach a
service worker's own requests, so while "offline" every request a worker makes is aborted too (Playwright
sees them with ``PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS``): the page that opens offline really is
the worker's kept copy.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.core.plugin_kit import assert_rollup_exact
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, login, password_of, playwright_sync
from tremplin.core.models import Contact, FieldToken, SyncedEntry

FIELD = "/field/formtruck.contact"
THEMES = ("choose", "learn", "work", "move", "self_employment")
SHOTS = Path(os.environ.get("TREMPLIN_SCREENSHOTS", "/tmp/tremplin-field-screenshots"))


@pytest.fixture(scope="module")
def playwright() -> Iterator[Any]:
    """Playwright with the service workers' requests visible to routes (to cut them off when offline)."""
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


@pytest.fixture(autouse=True)
def todays_stop(live_server: Any) -> Iterator[None]:
    """The coordinator planned today's stop at Flagey: the phone opens on it."""
    from tremplin.core.web.common import local_today
    from tremplin.plugins.formtruck.models import FormtruckStop

    app = live_server.app
    with app.transaction() as session:
        today = local_today(app, session, live_server.seeded["centre_id"])
        stop = FormtruckStop(
            centre_id=live_server.seeded["centre_id"],
            site_id=live_server.seeded["sites"]["truck-flagey"],
            day=today,
            starts=datetime.min.time(),
            ends=datetime.max.time().replace(microsecond=0),
            commune="ixelles",
            place="Place Flagey",
        )
        session.add(stop)
        session.flush()
        stop_id = stop.id
    yield
    with app.transaction() as session:
        session.delete(session.get(FormtruckStop, stop_id))


class Network:
    """Switches a browser context off and on, its service workers' requests included."""

    def __init__(self, context: Any) -> None:
        self.context = context

    @staticmethod
    def _cut_workers(route: Any) -> None:
        if route.request.service_worker is not None:
            route.abort("internetdisconnected")
        else:
            route.fallback()

    def off(self) -> None:
        self.context.route("**/*", self._cut_workers)
        self.context.set_offline(True)

    def on(self) -> None:
        self.context.unroute("**/*", self._cut_workers)
        self.context.set_offline(False)


def open_field_page(page: Any) -> None:
    """Open the field page and wait until its worker controls it and keeps a copy of it."""
    page.goto(FIELD)
    page.wait_for_selector("body[data-ready='1']")
    wait_true(page, "() => navigator.serviceWorker.controller !== null")
    wait_true(
        page,
        f"""async () => {{
        for (const name of await caches.keys()) {{
            const cache = await caches.open(name);
            if (await cache.match("{FIELD}")) return true;
        }}
        return false;
    }}""",
    )


def wait_true(page: Any, script: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not page.evaluate(script):
        assert time.monotonic() < deadline, f"still false after {timeout} s: {script}"
        page.wait_for_timeout(100)


def waiting(page: Any) -> int:
    return int(page.locator("#waiting").get_attribute("data-waiting") or "0")


def wait_waiting(page: Any, count: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while waiting(page) != count:
        shown = page.locator("#waiting").inner_text()
        assert time.monotonic() < deadline, f"{waiting(page)} waiting, {count} expected: {shown}"
        page.wait_for_timeout(100)


def tap(page: Any, theme: str) -> None:
    before = waiting(page)
    page.locator(f"#tap-{theme}").tap()
    wait_waiting(page, before + 1)


def queued(page: Any) -> list[dict[str, Any]]:
    """The entries kept in the phone's IndexedDB, in order."""
    return page.evaluate("""() => new Promise((resolve, reject) => {
        const req = indexedDB.open("tremplin-field", 1);
        req.onsuccess = () => {
            const all = req.result.transaction("entries").objectStore("entries").getAll();
            all.onsuccess = () => resolve(all.result.sort((a, b) => a.n - b.n));
            all.onerror = () => reject(all.error);
        };
        req.onerror = () => reject(req.error);
    })""")


def stored(db: Any, keys: list[str]) -> list[tuple[str, datetime, Contact]]:
    with db() as session:
        rows = session.execute(
            select(SyncedEntry.key, SyncedEntry.made_at, Contact)
            .join(Contact, Contact.id == SyncedEntry.record_id)
            .where(SyncedEntry.key.in_(keys))
        ).all()
        return [(key, made, contact) for key, made, contact in rows]


def adviser_contacts(db: Any, live_server: Any) -> int:
    with db() as session:
        adviser = live_server.seeded["staff"]["formtruck_adviser"]
        return len(session.scalars(select(Contact.id).where(Contact.staff_id == adviser)).all())


def shown_figures(page: Any) -> dict[str, int]:
    return {theme: int(page.locator(f"#tap-{theme} .count").inner_text()) for theme in THEMES}


def server_figures(page: Any) -> dict[str, int]:
    figures = page.evaluate(f"() => fetch('/field/state?form={FIELD.rsplit('/', 1)[1]}').then((r) => r.json())")[
        "figures"
    ]
    return {theme: figures[theme] for theme in THEMES}


def check_stored(db: Any, live_server: Any, entries: list[dict[str, Any]]) -> None:
    """Exactly these entries became contacts, each with the moment of its tap; the roll-up is exact."""
    keys = [e["key"] for e in entries]
    rows = stored(db, keys)
    assert sorted(key for key, _m, _c in rows) == sorted(keys)
    made = {e["key"]: datetime.fromisoformat(e["at"].replace("Z", "+00:00")) for e in entries}
    for key, made_at, contact in rows:
        assert contact.occurred_at == made[key] == made_at, "each contact keeps the moment of its tap"
        assert contact.site_id == live_server.seeded["sites"]["truck-flagey"]
        assert contact.attributes["commune"] == "ixelles" and contact.headcount == 1
    assert_rollup_exact(live_server.app)


def test_twenty_taps_offline_one_undone_a_reload_then_the_network(
    new_page: Any, db: Any, live_server: Any, axe: Any
) -> None:
    page = new_page(phone=True)
    login(page, "formtruck_adviser")
    open_field_page(page)
    before = adviser_contacts(db, live_server)

    # The phone opens on today's stop; the header is one line; the five buttons are on the first screen.
    assert "Place Flagey, Ixelles" in page.locator("#stop-summary").inner_text()
    header = page.locator("header.bar").bounding_box()
    assert header and header["height"] <= 64, header
    for theme in THEMES:
        box = page.locator(f"#tap-{theme}").bounding_box()
        assert box and box["y"] >= 0 and box["y"] + box["height"] <= 740, f"{theme} is below the first screen: {box}"
        assert box["height"] >= 44
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "field-360.png"))
    axe(page, "field page (phone)")

    network = Network(page.context)
    network.off()
    assert page.locator("#net").inner_text() == "Hors ligne"
    assert "Pas de réseau" in page.locator("#net-line").inner_text()
    for i in range(20):
        tap(page, THEMES[i % 5])
    assert page.locator("#waiting").inner_text() == "20 entrées en attente d'envoi"
    assert page.locator("#tap-work .count").inner_text() == "4"

    # Undo the last one but three (each waiting entry has its Undo).
    page.locator("#entries li[data-state='waiting'] button").nth(3).tap()
    wait_waiting(page, 19)
    entries = queued(page)
    assert len(entries) == 19 and len({e["key"] for e in entries}) == 19
    page.screenshot(path=str(SHOTS / "field-360-offline.png"))

    # Reloaded with no network: the kept page opens, with its 19 entries.
    page.reload()
    page.wait_for_selector("body[data-ready='1']")
    assert waiting(page) == 19 and page.locator("#entries li").count() == 19
    assert adviser_contacts(db, live_server) == before, "nothing reached the server while offline"

    network.on()
    wait_waiting(page, 0, timeout=30)
    assert queued(page) == []
    assert "toutes les entrées ont été envoyées" in page.locator("#waiting").inner_text()
    assert adviser_contacts(db, live_server) == before + 19
    check_stored(db, live_server, entries)
    assert shown_figures(page) == server_figures(page), "the buttons show today's figures, as the server counts them"

    # Online, a tap costs one small request carrying the entry, and nothing else.
    requests: list[Any] = []
    page.on("request", lambda request: requests.append(request))
    tap(page, "move")
    wait_waiting(page, 0)
    page.wait_for_timeout(300)
    assert [(r.method, r.url.replace(live_server.url, "")) for r in requests] == [("POST", "/field/sync")]
    assert len(requests[0].post_data or "") < 300, requests[0].post_data
    assert shown_figures(page) == server_figures(page)
    assert not page.console.errors, page.console.errors  # type: ignore[attr-defined]


def test_two_tabs_share_the_queue_and_never_double_a_figure(new_page: Any, db: Any, live_server: Any) -> None:
    first = new_page(phone=True)
    login(first, "formtruck_adviser")
    open_field_page(first)
    second = first.context.new_page()
    second.goto(FIELD)
    second.wait_for_selector("body[data-ready='1']")
    before = adviser_contacts(db, live_server)

    network = Network(first.context)
    network.off()
    for i in range(10):
        tap(first, THEMES[i % 5])
        tap(second, THEMES[(i + 2) % 5])
    wait_waiting(first, 20)
    wait_waiting(second, 20)
    second.locator("#entries li[data-state='waiting'] button").first.tap()
    wait_waiting(second, 19)
    wait_waiting(first, 19)  # the other tab sees it too
    entries = queued(first)
    first.reload()
    first.wait_for_selector("body[data-ready='1']")
    assert waiting(first) == 19

    network.on()
    wait_waiting(first, 0, timeout=30)
    wait_waiting(second, 0, timeout=30)
    # Both tabs tried to send the same queue: the key decides, and the server holds each entry once.
    second.evaluate("() => window.dispatchEvent(new Event('online'))")
    first.wait_for_timeout(500)
    assert adviser_contacts(db, live_server) == before + 19
    check_stored(db, live_server, entries)
    assert shown_figures(first) == shown_figures(second) == server_figures(first)


def test_an_entry_the_server_refuses_is_shown_with_its_reason(new_page: Any, db: Any, live_server: Any) -> None:
    page = new_page(phone=True)
    login(page, "formtruck_adviser")
    open_field_page(page)
    before = adviser_contacts(db, live_server)
    network = Network(page.context)
    network.off()
    for i in range(20):
        tap(page, THEMES[i % 5])
    page.locator("#entries li[data-state='waiting'] button").first.tap()
    wait_waiting(page, 19)
    # Meanwhile the form changed: the commune one entry names is no longer offered.
    page.evaluate("""() => new Promise((resolve) => {
        indexedDB.open("tremplin-field", 1).onsuccess = (event) => {
            const store = event.target.result.transaction("entries", "readwrite").objectStore("entries");
            const cursor = store.openCursor();
            cursor.onsuccess = () => {
                const entry = cursor.result.value;
                entry.values["attr.commune"] = "atlantis";
                cursor.result.update(entry).onsuccess = () => resolve(true);
            };
        };
    })""")
    entries = queued(page)
    refused_key = entries[0]["key"]
    network.on()
    wait_waiting(page, 0, timeout=30)
    refused = page.locator(f"#entries li[data-key='{refused_key}']")
    assert refused.get_attribute("data-state") == "refused"
    assert "Non enregistrée" in refused.inner_text() and "Choisissez une des options." in refused.inner_text()
    assert "1 entrée n'a pas été enregistrée" in page.locator("#waiting").inner_text()
    assert [e["key"] for e in queued(page)] == [refused_key], "the refused entry stays on the phone"
    page.screenshot(path=str(SHOTS / "field-360-refused.png"))
    assert adviser_contacts(db, live_server) == before + 18
    check_stored(db, live_server, entries[1:])
    # The adviser reads it, then removes it.
    refused.get_by_role("button").tap()
    wait_true(page, "() => document.querySelectorAll('#entries li').length === 0")


def test_logging_out_warns_before_deleting_the_queue(new_page: Any, db: Any, live_server: Any) -> None:
    page = new_page(phone=True)
    login(page, "formtruck_adviser")
    open_field_page(page)
    day_token(page)
    network = Network(page.context)
    network.off()
    tap(page, "learn")
    tap(page, "work")
    network.on()
    page.context.route("**/field/sync", lambda route: route.abort())  # the server cannot be reached
    messages: list[str] = []

    def dismiss(dialog: Any) -> None:
        messages.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.locator("details.menu summary").tap()
    page.locator("#logout").tap()
    page.wait_for_timeout(300)
    assert messages and messages[0].startswith("2 entrées n'ont pas encore été envoyées"), messages
    assert len(queued(page)) == 2, "dismissed: nothing deleted, still logged in"
    page.once("dialog", lambda dialog: dialog.accept())
    with db() as session:
        tokens_before = session.scalar(select(func.count()).select_from(FieldToken)) or 0
    with page.expect_navigation():
        page.locator("#logout").tap()
    assert "/login" in page.url or page.url.endswith("/")
    assert page.evaluate("() => Object.keys(localStorage).filter((k) => k.startsWith('tremplin-field-token'))") == []
    with db() as session:
        assert session.scalar(select(func.count()).select_from(FieldToken)) == tokens_before - 1, "its token ended"
    page.goto("/login")
    assert (
        page.evaluate("""() => new Promise((resolve) => {
        indexedDB.open("tremplin-field", 1).onsuccess = (event) => {
            const all = event.target.result.transaction("entries").objectStore("entries").getAll();
            all.onsuccess = () => resolve(all.result.length);
        };
    })""")
        == 0
    )


def day_token(page: Any) -> str:
    """The field-sync token the page took while its login held (kept on the phone until the day ends)."""
    staff = page.locator("body").get_attribute("data-staff")
    wait_true(page, f"() => localStorage.getItem('tremplin-field-token:{staff}') !== null")
    return str(page.evaluate(f"() => JSON.parse(localStorage.getItem('tremplin-field-token:{staff}')).token"))


def idle_out(live_server: Any, role: str) -> None:
    """The account's sessions idled out on the server (two hours without a request); the cookie stays."""
    from datetime import UTC, timedelta

    from sqlalchemy import update

    from tremplin.core.models import StaffSession

    with live_server.app.transaction() as session:
        session.execute(
            update(StaffSession)
            .where(StaffSession.staff_id == live_server.seeded["staff"][role])
            .values(last_seen_at=datetime.now(UTC) - timedelta(hours=3))
        )


def test_the_login_lasts_the_working_day_offline(new_page: Any, db: Any, live_server: Any) -> None:
    """Logged in in the morning, tapping offline all day: the session idles out on the server meanwhile, and
    the day's token sends the queue when the network returns, each entry accepted once."""
    page = new_page(phone=True)
    login(page, "formtruck_adviser")
    open_field_page(page)
    token = day_token(page)
    before = adviser_contacts(db, live_server)
    network = Network(page.context)
    network.off()
    for i in range(7):
        tap(page, THEMES[i % 5])
    entries = queued(page)
    idle_out(live_server, "formtruck_adviser")
    page.reload()  # the kept page, hours later
    page.wait_for_selector("body[data-ready='1']")
    assert waiting(page) == 7

    sent: list[Any] = []
    page.on("request", lambda r: sent.append(r) if r.url.endswith("/field/sync") else None)
    network.on()
    wait_waiting(page, 0, timeout=30)
    assert queued(page) == [] and page.locator("#signin").is_hidden()
    assert sent and all(r.headers.get("authorization") == f"Bearer {token}" for r in sent)
    assert adviser_contacts(db, live_server) == before + 7
    check_stored(db, live_server, entries)
    state = page.evaluate("() => fetch('/field/state').then((r) => r.json())")
    assert state["signed_in"] is False, "the session had idled out on the server: the token sent them"
    # The same queue sent again (a retry after a lost answer) is accepted once.
    again = page.evaluate(
        """(args) => fetch('/field/sync', {method: 'POST', headers: {'content-type': 'application/json',
            authorization: 'Bearer ' + args.token}, body: JSON.stringify({entries: args.entries})})
            .then((r) => r.json())""",
        {"token": token, "entries": [{k: e[k] for k in ("key", "at", "form", "values")} for e in entries]},
    )
    assert [r["status"] for r in again["results"]] == ["duplicate"] * 7
    assert adviser_contacts(db, live_server) == before + 7
    # The page still asks to log in before showing today's figures or taking a new token.
    assert page.locator("#waiting").inner_text().startswith("Rien en attente")


def test_an_ended_session_keeps_the_queue_and_asks_to_log_in(new_page: Any, db: Any, live_server: Any) -> None:
    """The session and the day's token both ended (a new day, a new password): the entries stay on the phone."""
    from sqlalchemy import delete

    from tremplin.core.models import FieldToken

    page = new_page(phone=True)
    login(page, "formtruck_adviser")
    open_field_page(page)
    day_token(page)
    network = Network(page.context)
    network.off()
    tap(page, "choose")
    page.context.clear_cookies()  # the session ended while the phone was offline
    with live_server.app.transaction() as session:
        session.execute(
            delete(FieldToken).where(FieldToken.staff_id == live_server.seeded["staff"]["formtruck_adviser"])
        )
    network.on()
    page.locator("#signin").wait_for(state="visible")
    assert waiting(page) == 1 and len(queued(page)) == 1
    with page.expect_navigation():
        page.locator("#signin-link").tap()
    page.locator("input[name=username]").fill("formtruck_adviser")
    page.locator("input[name=password]").fill(password_of("formtruck_adviser"))
    with page.expect_navigation():
        page.locator("input[name=password]").press("Enter")
    assert page.url.endswith(FIELD)
    page.wait_for_selector("body[data-ready='1']")
    wait_waiting(page, 0, timeout=30)
    assert queued(page) == []
    day_token(page)  # logged in again: a new token for the rest of the day


def test_a_new_deployment_replaces_the_worker_and_the_page(
    new_page: Any, live_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tremplin.core.web import assets

    page = new_page(phone=True)
    login(page, "formtruck_adviser")
    open_field_page(page)
    old_css = page.locator("link[rel=stylesheet]").get_attribute("href")
    old_caches = page.evaluate("() => caches.keys()")
    assert len(old_caches) == 1

    # Deploy again with a changed stylesheet: a new hash, so a new worker version.
    static = tmp_path / "static"
    shutil.copytree(assets.STATIC, static)
    (static / "field.css").write_text((static / "field.css").read_text() + "\n/* deployed again */\n")
    monkeypatch.setattr(assets, "STATIC", static)
    assets.catalogue.cache_clear()
    try:
        new_css = assets.asset_url("field.css")
        assert new_css != old_css
        with page.expect_navigation(timeout=20_000):
            page.evaluate("() => navigator.serviceWorker.getRegistration().then((r) => r.update())")
        page.wait_for_selector("body[data-ready='1']")
        assert page.locator("link[rel=stylesheet]").get_attribute("href") == new_css, "the open page was replaced"
        wait_true(page, f"() => caches.keys().then((k) => k.length === 1 && k[0] !== {old_caches[0]!r})")
        # Offline now, the page that opens is the new one: no stale copy is left behind.
        network = Network(page.context)
        network.off()
        page.reload()
        page.wait_for_selector("body[data-ready='1']")
        assert page.locator("link[rel=stylesheet]").get_attribute("href") == new_css
        network.on()
    finally:
        monkeypatch.undo()
        assets.catalogue.cache_clear()


def test_the_field_page_at_1280(new_page: Any, live_server: Any) -> None:
    page = new_page()
    login(page, "formtruck_adviser")
    page.goto(FIELD)
    page.wait_for_selector("body[data-ready='1']")
    header = page.locator("header.bar").bounding_box()
    assert header and header["height"] <= 64
    SHOTS.mkdir(parents=True, exist_ok=True)
    for theme in THEMES:
        box = page.locator(f"#tap-{theme}").bounding_box()
        assert box and box["y"] + box["height"] <= 900, f"{theme} is below the first screen: {box}"
    assert "Place Flagey, Ixelles" in page.locator("#stop-summary").inner_text()
    page.screenshot(path=str(SHOTS / "field-1280.png"))


def test_a_neet_field_encounter_offline(new_page: Any, db: Any, live_server: Any, axe: Any) -> None:
    """The NEET field-awareness form is a field form too: where, then a tap, kept until the network returns."""
    page = new_page(phone=True)
    login(page, "neet_worker")
    page.goto("/field/neet.awareness")
    page.wait_for_selector("body[data-ready='1']")
    assert page.locator("#setup").get_attribute("open") is not None, "nothing chosen yet: the setup is open"
    network = Network(page.context)
    network.off()
    page.locator("#tap-work").tap()
    page.wait_for_timeout(200)
    assert waiting(page) == 0, "a required answer is missing: no entry is made"
    page.locator("label[for=f-attr-place-street]").tap()  # the pill a person taps
    tap(page, "work")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "field-neet-360.png"), full_page=True)
    axe(page, "NEET field page (phone)")
    key = queued(page)[0]["key"]
    network.on()
    wait_waiting(page, 0, timeout=30)
    with db() as session:
        contact = session.scalar(
            select(Contact).join(SyncedEntry, SyncedEntry.record_id == Contact.id).where(SyncedEntry.key == key)
        )
        assert contact is not None and contact.audience == "neet" and contact.attributes["place"] == "street"
        assert contact.channel == "field" and contact.themes == ["work"]
    # The next day, the page opens with the place chosen: it was kept on the phone.
    page.reload()
    page.wait_for_selector("body[data-ready='1']")
    assert page.locator("#f-attr-place-street").is_checked()
