"""Browser journeys: the real web app served by uvicorn, driven by Debian's Chromium through Playwright.

One server per test session (per pytest-xdist worker): a migrated SQLite file in a temporary folder,
one centre with its sites and a partner, an account for every role (username = role, password
``tremplin-demo-<role>``), and a little history so the dashboards have something to draw. Each test gets a
fresh browser context (no cookies carried over), so journeys do not depend on each other.

The whole module is skipped, with the reason, only when ``/usr/bin/chromium`` is missing
(``scripts/test.sh`` installs it). Nothing here reaches beyond 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import random
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("TREMPLIN_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
REPO = Path(__file__).resolve().parents[2]
AXE_JS = REPO / ".cache" / "npm" / "node_modules" / "axe-core" / "axe.min.js"

ROLES = (
    "admin",
    "programme_lead",
    "counsellor",
    "reception",
    "neet_worker",
    "schools_coordinator",
    "formtruck_adviser",
)
CENTRE = "bxl"
SITES = (
    ("reception", "Accueil", "reception"),
    ("multimedia", "Espace multimédia", "multimedia"),
    ("advice", "Conseil", "advice"),
    ("group-room", "Salle de groupe", "group_room"),
    ("truck-flagey", "Formtruck Flagey", "formtruck_stop"),
)
PARTNER = ("actiris", "Actiris")

if not CHROMIUM.exists():
    pytest.skip(
        f"{CHROMIUM} is missing: the browser journeys need Debian's Chromium (scripts/test.sh installs it with "
        "apt-get install chromium)",
        allow_module_level=True,
    )

playwright_sync = pytest.importorskip(
    "playwright.sync_api", reason="the browser journeys need the playwright package (pip install playwright)"
)
uvicorn = pytest.importorskip("uvicorn", reason="the browser journeys serve the app with uvicorn")


def password_of(role: str) -> str:
    return f"tremplin-demo-{role}"


# ------------------------------------------------------------------------------------------------
# The server


@dataclass
class LiveServer:
    """The app being served: its address and the ``tremplin.core.app.App`` behind it (for checking the database)."""

    url: str
    app: Any
    database_path: Path
    thread: threading.Thread
    server: Any
    #: Ids and codes of what was seeded, for the journeys to find their way.
    seeded: dict[str, Any] = field(default_factory=dict)

    def __call__(self, path: str = "/") -> str:
        return self.url + path


def _free_socket() -> socket.socket:
    """A listening socket on a free loopback port, handed to uvicorn as is (no race for the port)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def seed(app: Any) -> dict[str, Any]:
    """A centre, its sites, a partner, an account per role, a year and a bit of contacts, a NEET case."""
    from tests.web.conftest import password_hash
    from tremplin.core.admin import add_staff, ensure_centre, ensure_site
    from tremplin.core.bulk import insert_records
    from tremplin.core.models import Partner, Staff
    from tremplin.core.records import open_case
    from tremplin.core.validation import Cleaner, Lookup

    info: dict[str, Any] = {}
    with app.transaction() as session:
        centre, _ = ensure_centre(session, CENTRE, "Cité des métiers de Bruxelles")
        info["centre_id"] = centre.id
        info["sites"] = {}
        for code, name, kind in SITES:
            site, _ = ensure_site(session, centre, code, name, kind)
            info["sites"][code] = site.id
        partner = Partner(centre_id=centre.id, code=PARTNER[0], name=PARTNER[1], kind="pes")
        session.add(partner)
        session.flush()
        info["partner_id"] = partner.id
        info["staff"] = {}
        for role in ROLES:
            account = add_staff(
                app,
                session,
                role,
                password_of(role),
                roles=[role],
                display_name=role.replace("_", " ").title(),
                language="fr",
                centre_code=CENTRE,
            )
            # The lightest argon2 parameters: every journey logs in, and the login code reads them from the
            # hash (see tests.web.conftest.password_hash).
            account.password_hash = password_hash(password_of(role))
            info["staff"][role] = account.id
        # A NEET case the NEET worker can open straight away (the journey opens another one itself).
        case = open_case(
            app,
            session,
            centre.id,
            "neet",
            consent_on=date.today() - timedelta(days=20),
            staff=session.get(Staff, info["staff"]["neet_worker"]),
        )
        info["seed_case"] = case.code

    # Contacts over last year and this year, so that dashboards compare two periods.
    rng = random.Random(2019)
    tz = UTC
    today = date.today()
    start = date(today.year - 1, 1, 1)
    days = (today - start).days
    audiences = [
        ("general", "reception", "individual_advice", "walk_in"),
        ("formtruck", "truck-flagey", "individual_advice", "field"),
        ("ukrainian", "advice", "individual_advice", "walk_in"),
    ]
    with app.transaction() as session:
        cleaner = Cleaner(app, Lookup.load(app, session))
        rows = []
        for _i in range(3000):
            audience, site, modality, channel = rng.choice(audiences)
            day = start + timedelta(days=rng.randrange(days + 1))
            raw = {
                "centre": CENTRE,
                "site": site,
                "occurred_at": datetime(
                    day.year, day.month, day.day, 9 + rng.randrange(8), rng.randrange(60), tzinfo=tz
                ).isoformat(),
                "audience": audience,
                "modality": modality,
                "channel": channel,
                "themes": rng.sample(["choose", "learn", "work", "move", "self_employment"], k=rng.randint(1, 2)),
                "language": rng.choice(["fr", "nl", "en", "uk"]),
            }
            attributes = (
                {"commune": rng.choice(["ixelles", "bruxelles", "schaerbeek"])} if audience == "formtruck" else None
            )
            rows.append(cleaner.contact(raw, attributes))
        insert_records(app, session.connection(), "contacts", rows)
        info["seeded_contacts"] = len(rows)
    return info


def start_server(app: Any, database_path: Path) -> LiveServer:
    from tremplin.core.web.app import create_web_app

    web = create_web_app(app)
    sock = _free_socket()
    port = sock.getsockname()[1]
    config = uvicorn.Config(web, host="127.0.0.1", port=port, log_level="warning", lifespan="auto", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="tremplin-e2e-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the web app's server stopped while starting; see the log above")
        if time.monotonic() > deadline:
            raise RuntimeError("the web app's server did not start within 30 s")
        time.sleep(0.05)
    return LiveServer(
        url=f"http://127.0.0.1:{port}", app=app, database_path=database_path, thread=thread, server=server
    )


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The real web app on a migrated, seeded SQLite file, served on a free 127.0.0.1 port."""
    from tremplin.core.app import create_app
    from tremplin.core.migrate import upgrade
    from tremplin.core.settings import Settings

    path = tmp_path_factory.mktemp("e2e") / "tremplin.db"
    app = create_app(Settings(database_url=f"sqlite:///{path}", load_entrypoints=False, secret_key="e2e-not-a-secret"))
    upgrade(app)
    seeded = seed(app)
    server = start_server(app, path)
    server.seeded = seeded
    yield server
    server.server.should_exit = True
    server.thread.join(timeout=10)
    app.close()


@pytest.fixture
def db(live_server: LiveServer) -> Callable[[], Any]:
    """``with db() as session:`` a read session on the served database, to check what a journey wrote."""
    return live_server.app.session


# ------------------------------------------------------------------------------------------------
# The browser


# Module scope, not session: while Playwright's sync API runs it holds an event loop in the worker's
# main thread, and every later test of another module that calls asyncio.run() would fail.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Any]:
    with playwright_sync.sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="module")
def browser(playwright: Any) -> Iterator[Any]:
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()


PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


class Console:
    """Collects page errors and failed responses, so a journey can say what went wrong in the page."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.server_errors: list[str] = []

    def attach(self, page: Any) -> None:
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        page.on(
            "console",
            lambda msg: self.errors.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None,
        )
        page.on(
            "response",
            lambda r: self.server_errors.append(f"{r.status} {r.request.method} {r.url}") if r.status >= 500 else None,
        )


@pytest.fixture
def new_page(browser: Any, live_server: LiveServer) -> Iterator[Callable[..., Any]]:
    """``new_page(phone=False, locale="fr-BE")``: a page in its own browser context (its own cookies).

    Every page fails its test at the end if the server answered 500 to anything it asked for.
    """
    contexts: list[Any] = []
    consoles: list[Console] = []

    def make(phone: bool = False, locale: str = "fr-BE") -> Any:
        context = browser.new_context(base_url=live_server.url, locale=locale, **(PHONE if phone else DESKTOP))
        context.set_default_timeout(10_000)
        # Loopback only: anything else the page tries to fetch is refused.
        context.route(lambda url: not url.startswith(live_server.url), lambda route: route.abort())
        contexts.append(context)
        page = context.new_page()
        console = Console()
        console.attach(page)
        consoles.append(console)
        page.console = console  # type: ignore[attr-defined]
        return page

    yield make
    for context in contexts:
        context.close()
    server_errors = [e for c in consoles for e in c.server_errors]
    assert not server_errors, "the server answered 5xx:\n" + "\n".join(server_errors)


# ------------------------------------------------------------------------------------------------
# Helpers the journeys share


def login(page: Any, role: str, password: str | None = None) -> None:
    """Log in through the form at /login as a person would: type, press Enter, land somewhere else."""
    page.goto("/login")
    page.locator("input[name=username]").fill(role)
    page.locator("input[name=password]").fill(password or password_of(role))
    with page.expect_navigation():
        page.locator("input[name=password]").press("Enter")
    assert "/login" not in page.url, f"still on the login page after logging in as {role}: {visible_text(page)[:500]}"


def logout(page: Any) -> None:
    """Log out with the page's own logout control (a button in a form, or a link)."""
    menu = page.locator("header details.menu > summary")
    if menu.count() and menu.first.is_visible() and not page.locator("header details.menu[open]").count():
        menu.first.click()  # on a phone the logout button is in the folded menu
    control = page.get_by_role("button", name=LOGOUT_NAMES).or_(page.get_by_role("link", name=LOGOUT_NAMES)).first
    with page.expect_navigation():
        control.click()


#: "Log out" in the four languages of the interface.
LOGOUT_NAMES = re.compile(r"log ?out|sign ?out|déconnexion|se déconnecter|afmelden|uitloggen|вийти", re.IGNORECASE)


def visible_text(page: Any) -> str:
    return page.locator("body").inner_text()


# ------------------------------------------------------------------------------------------------
# Accessibility


@dataclass
class AxeResult:
    url: str
    violations: list[dict[str, Any]]

    def serious(self) -> list[dict[str, Any]]:
        return [v for v in self.violations if v.get("impact") in ("serious", "critical")]

    def describe(self, violations: list[dict[str, Any]] | None = None) -> str:
        lines = []
        for v in violations if violations is not None else self.violations:
            lines.append(f"[{v.get('impact')}] {v['id']}: {v['help']} ({v.get('helpUrl', '')})")
            for node in v.get("nodes", [])[:8]:
                summary = " ".join(
                    line.strip() for line in (node.get("failureSummary") or "").splitlines() if line.strip()
                )
                lines.append(f"    at {' '.join(map(str, node.get('target', [])))}: {summary}")
                lines.append(f"       {node.get('html', '')[:200]}")
        return "\n".join(lines)


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run scripts/test.sh, or: npm install --prefix .cache/npm axe-core@4")
    return AXE_JS.read_text(encoding="utf-8")


@pytest.fixture
def axe(axe_source: str) -> Callable[..., AxeResult]:
    """``axe(page)`` runs axe-core inside the page; fails on any serious or critical violation (printed).

    axe is evaluated through the DevTools protocol rather than added as a <script> element, so the
    app's Content-Security-Policy applies to the app and not to the test's own instrument.
    """

    def run(page: Any, label: str = "", fail: bool = True) -> AxeResult:
        page.wait_for_load_state("load")
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.evaluate(axe_source + "\n;undefined")
        raw = page.evaluate(
            """async () => {
                const r = await axe.run(document, {resultTypes: ['violations']});
                return JSON.stringify({passes: r.passes.length, violations: r.violations.map(v => ({
                    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                    nodes: v.nodes.map(n => ({target: n.target, html: n.html, failureSummary: n.failureSummary}))}))});
            }"""
        )
        data = json.loads(raw)
        result = AxeResult(page.url, data["violations"])
        assert data["passes"] > 0, f"axe checked nothing on {label or page.url}: is the page empty?"
        print(f"axe on {label or page.url}: {data['passes']} rules passed, {len(result.violations)} violated")
        if result.violations:
            print(result.describe())
        if fail:
            serious = result.serious()
            where = label or page.url
            assert not serious, (
                f"axe: {len(serious)} serious or critical violation(s) on {where}:\n{result.describe(serious)}"
            )
        return result

    return run
