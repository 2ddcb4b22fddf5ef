"""How a list export from the web app behaves on a large list: time to the first byte, rows per second,
and the server's memory while it streams.

Run by hand (not part of the test suite)::

    .venv/bin/python bench/bench_list_export.py                    # 200,000 contacts
    .venv/bin/python bench/bench_list_export.py --contacts 50000

Fills a migrated SQLite file with ``--contacts`` contacts of one year through ``tremplin.core.bulk``,
then asks ``/contacts/export`` as a programme lead (CSV, then XLSX) through the ASGI app, reading the
body as it comes. Memory is the process's peak resident size before and after each export (the
filling already set the baseline): a streamed export does not raise it, whatever the number of rows.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def fill(app: object, contacts: int) -> None:
    from tremplin.core.admin import add_staff, ensure_centre, ensure_site
    from tremplin.core.bulk import insert_records
    from tremplin.core.validation import Cleaner, Lookup

    with app.transaction() as session:  # type: ignore[attr-defined]
        centre, _ = ensure_centre(session, "bxl", "Cité des métiers de Bruxelles")
        ensure_site(session, centre, "reception", "Accueil", "reception")
        add_staff(app, session, "lead", "a-long-bench-password", roles=["programme_lead"], centre_code="bxl")
    rnd = random.Random(2019)
    start = date(2019, 1, 1)
    with app.transaction() as session:  # type: ignore[attr-defined]
        cleaner = Cleaner(app, Lookup.load(app, session))
        rows = []
        for _ in range(contacts):
            day = start + timedelta(days=rnd.randrange(365))
            moment = datetime(day.year, day.month, day.day, 9 + rnd.randrange(8), rnd.randrange(60), tzinfo=UTC)
            raw = {
                "centre": "bxl",
                "site": "reception",
                "occurred_at": moment.isoformat(),
                "audience": "general",
                "modality": rnd.choice(["reception", "multimedia", "individual_advice"]),
                "themes": rnd.choice(["work", "learn;work", "choose"]),
                "language": rnd.choice(["fr", "nl", "en"]),
            }
            rows.append(cleaner.contact(raw))
        insert_records(app, session.connection(), "contacts", rows)


def measure(client: object, fmt: str) -> tuple[float, float, int, int, float]:
    """(seconds to the first byte, total seconds, rows, bytes, growth of the peak resident size in MiB)."""
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    began = time.perf_counter()
    first = None
    size = 0
    lines = 0
    params = {"format": fmt, "from": "2019-01-01", "to": "2019-12-31"}
    with client.stream("GET", "/contacts/export", params=params) as response:  # type: ignore[attr-defined]
        assert response.status_code == 200, response.status_code
        for chunk in response.iter_bytes():
            if first is None:
                first = time.perf_counter() - began
            size += len(chunk)
            lines += chunk.count(b"\n")
    total = time.perf_counter() - began
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before  # KiB on Linux
    return first or total, total, lines - 1, size, grown / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=200_000)
    args = parser.parse_args()

    from starlette.testclient import TestClient

    from tremplin.core.app import create_app
    from tremplin.core.migrate import upgrade
    from tremplin.core.settings import Settings
    from tremplin.core.web.app import create_web_app

    with tempfile.TemporaryDirectory() as folder:
        app = create_app(Settings(database_url=f"sqlite:///{Path(folder) / 'bench.db'}", load_entrypoints=False))
        upgrade(app)
        t = time.perf_counter()
        fill(app, args.contacts)
        print(f"{args.contacts:,} contacts written in {time.perf_counter() - t:.1f} s")
        client = TestClient(create_web_app(app), base_url="http://testserver")
        page = client.get("/login")
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        client.post("/login", data={"username": "lead", "password": "a-long-bench-password", "csrf_token": token})
        baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak resident size after filling: {baseline:.0f} MiB")
        for fmt in ("csv", "xlsx"):
            first, total, rows, size, grown = measure(client, fmt)
            rate = args.contacts / total
            print(
                f"{fmt}: first byte {first:.2f} s, {total:.1f} s in all ({rate:,.0f} rows/s), "
                f"{size / 2**20:.1f} MiB, peak resident size +{grown:.0f} MiB"
            )
        app.close()


if __name__ == "__main__":
    main()
