"""Benchmark: the field page on a weak signal, and a phone sending a thousand entries made offline.

Run by hand (it is not part of the test suite)::

    .venv/bin/python bench/bench_field.py                                   # SQLite (a temporary file)
    .venv/bin/python bench/bench_field.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench
    .venv/bin/python bench/bench_field.py --entries 1000

What it does:

1. migrates the database (a PostgreSQL one is emptied first), makes a centre, a Formtruck stop planned
   for today and an adviser, and serves the real app as ``tremplin serve`` does (uvicorn, one worker,
   its own process, 127.0.0.1);
2. in Debian's Chromium at 360 × 740, logged in, with an empty cache, opens the field page on an
   emulated slow 3G link (400 kbit/s both ways, 400 ms round trip: the DevTools protocol's
   ``Network.emulateNetworkConditions``) and measures what the page itself transferred (HTML, CSS,
   scripts, fonts, icons, the manifest: ``encodedDataLength`` of every response) and the time until it
   is usable (its buttons answer: ``body[data-ready]``). The detailed quick-log page of the same form,
   with the app's full stylesheet and HTMX, is measured the same way in the same run, as the floor to
   compare with. Both pages are opened once before (the server's first answer is not measured), then
   three times each, alternately: the medians are reported;
3. puts ``--entries`` entries in the page's queue (IndexedDB) while offline, goes back online, and
   measures the time until the page has sent them all (in order, 100 a request), then checks that the
   database holds exactly that many contacts. Exit status 1 if a target is missed: 60 KB, 2 s, 10 s.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import time as clock
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

PASSWORD = "quiet-harbour-2026"
FIELD = "/field/formtruck.contact"
DETAILED = "/log/formtruck.contact"
SLOW_3G = {"offline": False, "latency": 400, "downloadThroughput": 400_000 / 8, "uploadThroughput": 400_000 / 8}
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def prepare(url: str) -> None:
    from sqlalchemy import text

    from tremplin.core.admin import add_staff, ensure_centre, ensure_site
    from tremplin.core.app import create_app
    from tremplin.core.migrate import upgrade
    from tremplin.core.settings import Settings
    from tremplin.core.web.common import local_today
    from tremplin.plugins.formtruck.models import FormtruckStop

    app = create_app(Settings(database_url=url, load_entrypoints=False))
    if app.db.dialect == "postgresql":
        with app.db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    upgrade(app)
    with app.transaction() as session:
        centre, _ = ensure_centre(session, "bxl", "Cité des métiers de Bruxelles")
        site, _ = ensure_site(session, centre, "truck-flagey", "Formtruck : place Flagey", "formtruck_stop")
        add_staff(app, session, "adviser", PASSWORD, roles=["formtruck_adviser"], language="fr", centre_code="bxl")
        session.add(
            FormtruckStop(
                centre_id=centre.id,
                site_id=site.id,
                day=local_today(app, session, centre.id),
                starts=clock(0, 0),
                ends=clock(23, 59),
                commune="ixelles",
                place="Place Flagey",
            )
        )
    app.close()


def count_contacts(url: str) -> int:
    from sqlalchemy import func, select

    from tremplin.core.app import create_app
    from tremplin.core.models import Contact
    from tremplin.core.settings import Settings

    app = create_app(Settings(database_url=url, load_entrypoints=False))
    with app.session() as session:
        found = session.scalar(select(func.count()).select_from(Contact)) or 0
    app.close()
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(url: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TREMPLIN_DATABASE_URL": url, "TREMPLIN_SECRET_KEY": "bench-not-a-secret"}
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "tremplin.core.web.app:asgi_factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    proc = subprocess.Popen(command, cwd=REPO, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the app did not start")


def log_in(context: Any, base: str) -> None:
    """Log in, then open both pages once: the server's first answers (templates compiled, modules
    imported) are not what a phone waits for on the next morning."""
    page = context.new_page()
    page.goto(base + "/login")
    page.locator("input[name=username]").fill("adviser")
    page.locator("input[name=password]").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("input[name=password]").press("Enter")
    for path in (FIELD, DETAILED):
        page.goto(base + path)
    page.close()


def first_load(browser: Any, base: str, storage: Any, path: str, ready: str) -> tuple[int, float, float, list[str]]:
    """Bytes the page transferred, seconds until ``ready`` matched and until its ``load`` event, on slow 3G
    with an empty cache."""
    context = browser.new_context(storage_state=storage, service_workers="block", **PHONE)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    sizes: dict[str, int] = {}
    urls: dict[str, str] = {}
    cdp.on("Network.responseReceived", lambda e: urls.__setitem__(e["requestId"], e["response"]["url"]))
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], int(e["encodedDataLength"])))
    started = time.perf_counter()
    page.goto(base + path, wait_until="commit")
    page.wait_for_selector(ready, timeout=60_000)
    usable = time.perf_counter() - started
    page.wait_for_load_state("load")
    loaded = time.perf_counter() - started
    page.wait_for_load_state("networkidle")
    context.close()
    biggest = sorted(sizes, key=lambda r: sizes[r], reverse=True)
    listing = [f"{sizes[r]:>7} B  {urls.get(r, '?').replace(base, '')}" for r in biggest]
    return sum(sizes.values()), usable, loaded, listing


def sync_queue(browser: Any, base: str, storage: Any, entries: int) -> float:
    """Queue ``entries`` taps offline, go online, and time until the page has sent them all."""
    context = browser.new_context(storage_state=storage, **PHONE)
    page = context.new_page()
    page.goto(base + FIELD)
    page.wait_for_selector("body[data-ready='1']")
    context.set_offline(True)
    page.evaluate(
        """(count) => new Promise((resolve, reject) => {
            const themes = ["choose", "learn", "work", "move", "self_employment"];
            indexedDB.open("tremplin-field", 1).onsuccess = (event) => {
                const tx = event.target.result.transaction("entries", "readwrite");
                const store = tx.objectStore("entries");
                const staff = document.body.dataset.staff;
                const start = Date.now() - count * 1000;
                for (let i = 0; i < count; i++) {
                    store.add({key: crypto.randomUUID(), at: new Date(start + i * 1000).toISOString(),
                               form: "formtruck.contact", staff, label: "+1", state: "waiting",
                               values: {"site": "truck-flagey", "attr.commune": "ixelles", "attr.place": "Place Flagey",
                                        "language": "fr", "theme": themes[i % 5]}});
                }
                tx.oncomplete = () => resolve(true);
                tx.onerror = () => reject(tx.error);
            };
        })""",
        entries,
    )
    # As another tab would: tell the page its queue changed.
    page.evaluate("() => new BroadcastChannel('tremplin-field').postMessage('changed')")
    page.wait_for_selector(f"#waiting[data-waiting='{entries}']")
    started = time.perf_counter()
    context.set_offline(False)
    page.wait_for_selector("#waiting[data-waiting='0']", timeout=300_000)
    elapsed = time.perf_counter() - started
    context.close()
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--chromium", default=os.environ.get("TREMPLIN_CHROMIUM", "/usr/bin/chromium"))
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        prepare(url)
        port = free_port()
        proc = serve(url, port)
        base = f"http://127.0.0.1:{port}"
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path=args.chromium, headless=True, args=["--headless", "--no-sandbox", "--disable-gpu"]
                )
                context = browser.new_context(**PHONE)
                log_in(context, base)
                storage = context.storage_state()
                context.close()
                # Three first loads of each page, alternately; the median of each is reported.
                fields, details = [], []
                for _ in range(3):
                    fields.append(first_load(browser, base, storage, FIELD, "body[data-ready='1']"))
                    details.append(first_load(browser, base, storage, DETAILED, "#tally-work"))
                field_bytes, field_time, field_loaded, listing = sorted(fields, key=lambda r: r[1])[1]
                log_bytes, _shown, log_loaded, _ = sorted(details, key=lambda r: r[2])[1]
                sync_time = sync_queue(browser, base, storage, args.entries)
                browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=10)
        stored = count_contacts(url)

    print(f"database: {url.split(':')[0]}")
    print(
        f"field page, first load on slow 3G (400 kbit/s, 400 ms): {field_bytes / 1024:.1f} KB transferred, "
        f"usable (buttons answer) after {field_time:.2f} s, load event after {field_loaded:.2f} s"
    )
    for line in listing:
        print("   ", line)
    print(
        f"detailed quick-log page of the same form, same link (floor): {log_bytes / 1024:.1f} KB, load event after "
        f"{log_loaded:.2f} s (field page: {field_bytes / log_bytes:.0%} of its bytes, "
        f"{field_loaded / log_loaded:.0%} of its time to load)"
    )
    print(
        f"sync of {args.entries} entries queued offline: {sync_time:.2f} s "
        f"({args.entries / sync_time:.0f} entries/s); contacts stored: {stored}"
    )
    failed = []
    if field_bytes > 60 * 1024:
        failed.append("more than 60 KB")
    if field_time > 2.0:
        failed.append("usable after more than 2 s")
    if sync_time > 10.0:
        failed.append("sync slower than 10 s")
    if stored != args.entries:
        failed.append(f"{stored} contacts stored, {args.entries} expected")
    if failed:
        print("MISSED:", "; ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
