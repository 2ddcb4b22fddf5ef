"""Benchmark: 100 schools racing for 20 slots through the public booking page, on SQLite and PostgreSQL.

Run by hand (it is not part of the test suite)::

    .venv/bin/python bench/bench_booking.py                                   # SQLite (a temporary file)
    .venv/bin/python bench/bench_booking.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench
    .venv/bin/python bench/bench_booking.py --clients 100 --slots 20 --rounds 3

What it does:

1. migrates the database (a PostgreSQL one is emptied first), opens one workshop and ``--slots``
   slots of one class each (30 pupils), and serves the real app as ``tremplin serve`` does (uvicorn,
   one worker, its own process, 127.0.0.1);
2. ``--clients`` teachers, each with its own session, open the booking form of a slot drawn at
   random (CSRF token, form token, signed time stamp), fill it, and all send it at once; ``--rounds``
   times, each time on another slot;
3. prints the bookings answered per second, how many were confirmed and waitlisted, and the
   overbookings: slots holding more classes or pupils than they may, counted from the bookings
   themselves, not from the slot's own counters. Exit status 1 if there is any overbooking or any
   request not answered with the page a person would see (303 to the booking's page).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

FIELDS = ("csrf_token", "token", "started")


def prepare(url: str, slots: int) -> list[int]:
    from sqlalchemy import text

    from tremplin.core.admin import ensure_centre
    from tremplin.core.app import create_app
    from tremplin.core.migrate import upgrade
    from tremplin.core.settings import Settings
    from tremplin.plugins.schools import booking as bk

    app = create_app(Settings(database_url=url, load_entrypoints=False))
    if app.db.dialect == "postgresql":
        with app.db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    upgrade(app)
    with app.transaction() as session:
        centre, _ = ensure_centre(session, "bxl", "Cité des métiers de Bruxelles")
        workshop = bk.save_workshop(
            session,
            centre.id,
            {
                "code": "explorama",
                "name_fr": "Explorama",
                "languages": ["fr"],
                "school_years": ["3"],
                "min_pupils": 5,
                "max_pupils": 30,
                "duration_minutes": 120,
                "place": "at_centre",
            },
        )
        ids = []
        for i in range(slots):
            spec = bk.SlotSpec(
                workshop.id,
                date.today() + timedelta(days=7 + i // 4),
                clock(8 + 2 * (i % 4)),
                room=f"Salle {i % 4 + 1}",
                capacity_classes=1,
                capacity_pupils=30,
            )
            ids.append(bk.open_slot(app, session, centre.id, spec).id)
    app.close()
    return ids


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(url: str, port: int, outbox: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "TREMPLIN_DATABASE_URL": url,
        "TREMPLIN_SECRET_KEY": "bench-not-a-secret",
        "TREMPLIN_SCHOOLS_MIN_FORM_SECONDS": "0",
        "TREMPLIN_OUTBOX_DIR": outbox,
    }
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


async def race(base: str, slot_ids: list[int], clients: int, rounds: int) -> tuple[list[int], float]:
    import httpx

    rng = random.Random(2019)
    teachers = [
        httpx.AsyncClient(base_url=base, timeout=120, headers={"accept-language": "fr-BE"}) for _ in range(clients)
    ]
    codes: list[int] = []
    spent = 0.0
    try:
        for round_ in range(rounds):
            chosen = [rng.choice(slot_ids) for _ in teachers]
            pages = await asyncio.gather(*(t.get(f"/book/s/{s}") for t, s in zip(teachers, chosen)))
            forms = []
            for i, page in enumerate(pages):
                found = {name: re.search(rf'name="{name}" value="([^"]+)"', page.text) for name in FIELDS}
                form = {name: match.group(1) for name, match in found.items() if match is not None}
                form.update(
                    school="new",
                    new_school=f"École {round_}-{i}",
                    teacher_name="Enseignant·e",
                    teacher_email=f"t{round_}.{i}@school.example",
                    school_year="3",
                    education_type="general",
                    pupils=str(rng.randint(12, 28)),
                    adults="1",
                    language="fr",
                )
                forms.append(form)
            started = time.perf_counter()
            answers = await asyncio.gather(
                *(t.post(f"/book/s/{s}", data=f) for t, s, f in zip(teachers, chosen, forms))
            )
            spent += time.perf_counter() - started
            codes.extend(a.status_code for a in answers)
    finally:
        await asyncio.gather(*(t.aclose() for t in teachers))
    return codes, spent


def check(url: str) -> dict[str, Any]:
    from sqlalchemy import func, select

    from tremplin.core.app import create_app
    from tremplin.core.settings import Settings
    from tremplin.plugins.schools.booking import HOLDING
    from tremplin.plugins.schools.models import SchoolBooking, SchoolSlot

    app = create_app(Settings(database_url=url, load_entrypoints=False))
    with app.session() as session:
        holding = dict(
            (sid, (n, p))
            for sid, n, p in session.execute(
                select(SchoolBooking.slot_id, func.count(), func.sum(SchoolBooking.pupils))
                .where(SchoolBooking.status.in_(HOLDING))
                .group_by(SchoolBooking.slot_id)
            ).all()
        )
        over = 0
        counters_off = 0
        for s in session.scalars(select(SchoolSlot)):
            classes, pupils = holding.get(s.id, (0, 0))
            over += int(classes > s.capacity_classes or (pupils or 0) > s.capacity_pupils)
            counters_off += int((classes, pupils or 0) != (s.booked_classes, s.booked_pupils))
        statuses = dict(
            session.execute(select(SchoolBooking.status, func.count()).group_by(SchoolBooking.status)).all()
        )
    app.close()
    return {"overbooked_slots": over, "slot_counters_off": counters_off, "statuses": statuses}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--slots", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="tremplin-bench-booking-"))
    url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
    slot_ids = prepare(url, args.slots)
    port = free_port()
    server = serve(url, port, str(folder / "outbox"))
    try:
        codes, spent = asyncio.run(race(f"http://127.0.0.1:{port}", slot_ids, args.clients, args.rounds))
    finally:
        server.terminate()
        server.wait(timeout=30)
    result = check(url)
    engine = url.split(":", 1)[0].split("+")[0]
    answered = sum(1 for c in codes if c == 303)
    print(f"engine: {engine}; {args.clients} clients x {args.rounds} rounds racing for {args.slots} slots of one class")
    print(f"bookings answered: {answered}/{len(codes)} in {spent:.2f} s of racing: {answered / spent:.0f} bookings/s")
    print(f"statuses: {result['statuses']}")
    print(
        f"overbooked slots: {result['overbooked_slots']}; "
        f"slots whose counters disagree with their bookings: {result['slot_counters_off']}"
    )
    ok = answered == len(codes) and result["overbooked_slots"] == 0 and result["slot_counters_off"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
