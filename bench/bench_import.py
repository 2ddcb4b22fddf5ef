"""How fast ``tremplin import contacts`` is, against what the bare SQLite driver can do.

Run by hand (not part of the test suite)::

    .venv/bin/python bench/bench_import.py               # 1,000,000 rows
    .venv/bin/python bench/bench_import.py --rows 200000 --profile

It writes a CSV of synthetic contacts in a temporary directory, imports it with
``tremplin.core.importer.import_file`` into a fresh, migrated SQLite file, then inserts the same rows with the
``sqlite3`` module's ``executemany`` into an equivalent table (same columns, constraints and indexes,
values already converted): the floor no import can go under. It prints rows per second, seconds and
the ratio of the two, and where the import spent its time: reading and checking the file (which, for
a large file, two processes share, and which also makes the driver's rows and adds them up for the
roll-up), inserting the rows, upserting the roll-up, and the rest. The target is a million rows in
under 30 seconds.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import json
import os
import pstats
import random
import resource
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Self
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tremplin.core.importer import COLUMNS  # noqa: E402

ATTRS = (
    "attr.place",
    "attr.partner",
    "attr.commune",
    "attr.public",
    "attr.event",
    "attr.service_language",
    "attr.questions",
    "attr.prison",
    "attr.session",
    "attr.question",
)
SITES = ("reception", "advice", "multimedia", "")
#: The Formtruck's stops by place: its contacts are kept by stop (a plugin dimension). The stop follows
#: the place already drawn, so the file is otherwise the one earlier versions of this bench wrote.
STOPS = {"Place Flagey": "flagey", "Place Anneessens": "anneessens", "Gare du Nord": "gare-du-nord"}
THEMES = ("choose", "learn", "work", "move", "self_employment")
NOTES = (
    "Questions sur la reconnaissance d'un diplôme",
    "Rappeler au 0470 12 34 56 pour le suivi",
    "CV retravaillé, prochaine étape: lettre de motivation",
    "Souhaite reprendre une formation qualifiante",
)


def _profile(rng: random.Random) -> list[str]:
    return [
        rng.choice(("woman", "man", "unknown", "")),
        rng.choice(("18_24", "25_29", "30_49", "50_54", "unknown", "")),
        rng.choice(("isced_0_2", "isced_3_4", "isced_5_8", "")),
        rng.choice(("unemployed", "employed", "in_education", "")),
    ]


def generate(path: Path, rows: int, seed: int = 2019, shuffle: bool = False) -> None:
    """Write ``rows`` contacts spread over 2019-2023 and the seven audiences.

    Rows come in chronological order, as a history exported from another system does (``shuffle``
    puts them in random order: the worst case for the day indexes).
    """
    rng = random.Random(seed)
    start = datetime(2019, 1, 1, 8, 0)
    minutes = [rng.randrange(5 * 365 * 24 * 60) for _ in range(rows)]
    if not shuffle:
        minutes.sort()
    header = list(COLUMNS["contacts"]) + list(ATTRS)
    blank_attrs = [""] * len(ATTRS)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for n in range(rows):
            when = start + timedelta(minutes=minutes[n])
            themes = ";".join(sorted(rng.sample(THEMES, rng.choice((0, 1, 1, 1, 2)))))
            attrs = list(blank_attrs)
            roll = rng.random()
            note = ""
            if roll < 0.55:
                audience, modality = (
                    "general",
                    rng.choice(("reception", "multimedia", "individual_advice", "remote_advice")),
                )
                channel = "walk_in" if modality != "remote_advice" else rng.choice(("phone", "email", "video"))
                headcount = rng.choice((1, 1, 1, 2, 3, 5)) if modality in ("reception", "multimedia") else 1
                profile = _profile(rng) if "advice" in modality else ["", "", "", ""]
                if "advice" in modality:
                    attrs[9] = rng.choice(("orientation", "job_search", "cv_letter", "studies", ""))
            elif roll < 0.70:
                audience, modality, channel = "neet", "field_awareness", "field"
                headcount = rng.randint(1, 6)
                profile = ["", "18_24", "", ""]
                attrs[0] = rng.choice(("street", "youth_centre", "neighbourhood_centre", "social_media"))
                attrs[1] = rng.choice(("amo", "none", ""))
            elif roll < 0.80:
                audience, modality, channel = "formtruck", "individual_advice", "field"
                headcount = rng.randint(1, 9)
                profile = ["", "", "", ""]
                attrs[2] = rng.choice(("ixelles", "bruxelles", "molenbeek", "schaerbeek", "anderlecht"))
                attrs[0] = rng.choice(("Place Flagey", "Place Anneessens", "Gare du Nord"))
            elif roll < 0.87:
                audience, modality, channel = (
                    "ukrainian",
                    "individual_advice",
                    rng.choice(("walk_in", "phone", "telegram")),
                )
                headcount = 1
                profile = _profile(rng)
                attrs[5] = rng.choice(("uk", "ru", "en"))
                attrs[6] = rng.choice(("job_search", "diploma_recognition;work_permit", "language_courses", ""))
            elif roll < 0.93:
                audience, modality, channel = "disability", rng.choice(("individual_advice", "reception")), "walk_in"
                headcount = rng.choice((1, 1, 4))
                profile = _profile(rng)
                attrs[3] = rng.choice(("target", "professional"))
                attrs[4] = rng.choice(("none", "transition_fair", ""))
            elif roll < 0.97:
                audience, modality, channel = "prisons", rng.choice(("individual_advice", "group_activity")), "field"
                headcount = 1 if modality == "individual_advice" else rng.randint(3, 10)
                profile = ["man", "", "", ""]
                attrs[7] = rng.choice(("haren", "saint_gilles", "berkendael"))
                attrs[8] = "individual" if modality == "individual_advice" else "group"
            else:
                audience, modality, channel = "schools", "reception", rng.choice(("phone", "email"))
                headcount = 1
                profile = ["", "", "", ""]
            if "advice" in modality and rng.random() < 0.1:
                note = rng.choice(NOTES)
            site = rng.choice(SITES) if audience in ("general", "disability") else ""
            if audience == "formtruck":
                site = STOPS[attrs[0]]
            w.writerow(
                [
                    f"C{n:08d}",
                    when.isoformat(timespec="minutes"),
                    "bxl",
                    site,
                    audience,
                    modality,
                    channel,
                    themes,
                    rng.choice(("fr", "fr", "nl", "en")),
                    headcount,
                ]
                + profile
                + [note]
                + attrs
            )


FLOOR_SCHEMA = """
CREATE TABLE contacts (
    id INTEGER PRIMARY KEY, centre_id INTEGER NOT NULL, site_id INTEGER, source_ref VARCHAR(64),
    occurred_at DATETIME NOT NULL, day DATE NOT NULL, audience VARCHAR(40) NOT NULL, modality VARCHAR(32) NOT NULL,
    channel VARCHAR(32) NOT NULL, themes JSON NOT NULL, language VARCHAR(8) NOT NULL, headcount INTEGER NOT NULL,
    gender VARCHAR(16) NOT NULL, age_band VARCHAR(16) NOT NULL, education VARCHAR(32) NOT NULL,
    labour_status VARCHAR(32) NOT NULL, attributes JSON NOT NULL, note TEXT NOT NULL, case_id INTEGER, staff_id INTEGER,
    created_at DATETIME NOT NULL, UNIQUE (centre_id, source_ref)
);
CREATE INDEX ix_contacts_centre_day ON contacts (centre_id, day);
CREATE INDEX ix_contacts_audience_day ON contacts (audience, day);
"""


def floor(csv_path: Path, db_path: Path) -> tuple[float, int, float, float]:
    """Insert the same rows with the bare driver; only ``executemany`` and the commit are timed.

    Also returns the CPU seconds of reading the file into the driver's rows, and of ``executemany``
    and the commit: on a shared machine, CPU seconds depend less on the others' load than wall time.
    """
    parse_started = time.process_time()
    tz = ZoneInfo("Europe/Brussels")
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    rows = []
    with open(csv_path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        attr_at = [(name[5:], i) for i, name in enumerate(header) if name.startswith("attr.")]
        for r in reader:
            local = datetime.fromisoformat(r[1]).replace(tzinfo=tz)
            utc = local.astimezone(UTC).replace(tzinfo=None)
            attrs = {name: r[i] for name, i in attr_at if r[i]}
            rows.append(
                (
                    1,
                    None,
                    r[0],
                    utc.isoformat(sep=" "),
                    local.date().isoformat(),
                    r[4],
                    r[5],
                    r[6] or "walk_in",
                    json.dumps(r[7].split(";") if r[7] else []),
                    r[8] or "other",
                    int(r[9] or 1),
                    r[10] or "unknown",
                    r[11] or "unknown",
                    r[12] or "unknown",
                    r[13] or "unknown",
                    json.dumps(attrs),
                    r[14],
                    now,
                )
            )
    parse_cpu = time.process_time() - parse_started
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.executescript(FLOOR_SCHEMA)
    started, cpu_started = time.perf_counter(), time.process_time()
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO contacts (centre_id, site_id, source_ref, occurred_at, day, audience, modality, channel, "
        "themes, language, "
        "headcount, gender, age_band, education, labour_status, attributes, note, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    conn.commit()
    seconds, insert_cpu = time.perf_counter() - started, time.process_time() - cpu_started
    count = conn.execute("SELECT count(*) FROM contacts").fetchone()[0]
    conn.close()
    return seconds, count, parse_cpu, insert_cpu


CHECK = "read and check the file, make the rows and their roll-up (tremplin.core.import_check)"
INSERT = "rows: INSERT with the driver's executemany (tremplin.core.bulk.insert_rows)"
#: Inserting while the second half of the file is still checked: part of the time of ``CHECK``.
INSERT_MEANWHILE = "  of which rows inserted meanwhile, while the other process checked on (tremplin.core.importer)"


def instrument() -> dict[str, float]:
    """Time the phases of an import (a handful of calls each: the cost of timing them is nil)."""
    from tremplin.core import bulk, importer, rollup

    spent: dict[str, float] = {}
    active: list[str] = []

    def wrap(owner: object, name: str, label: str) -> None:
        original = getattr(owner, name)

        def timed(*args: object, **kwargs: object) -> object:
            # Rows written while the file is still checked are counted apart: that time is in the check's.
            key = INSERT_MEANWHILE if label == INSERT and CHECK in active else label
            active.append(label)
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                active.pop()
                spent[key] = spent.get(key, 0.0) + time.perf_counter() - started

        setattr(owner, name, timed)

    wrap(importer, "check_file", CHECK)
    wrap(bulk, "insert_rows", INSERT)
    wrap(rollup, "apply_deltas", "roll-up: upsert the counter rows (tremplin.core.rollup.apply_deltas)")
    return spent


def print_phases(spent: dict[str, float], total: float) -> None:
    spent["the rest (creating centres, sorting, audit, commit)"] = total - sum(
        seconds for label, seconds in spent.items() if label != INSERT_MEANWHILE
    )
    order = [CHECK, INSERT_MEANWHILE, INSERT]
    for label in order + [label for label in spent if label not in order]:
        if label in spent:
            print(f"  {spent[label]:6.1f} s  {label}")


def peak_kib() -> int:
    """This process's peak resident memory in KiB: ``VmHWM`` where there is a ``/proc``.

    ``ru_maxrss`` would also count what the parent held when it started this process (Linux keeps the
    larger of the two across ``exec``): the bench's own process holds the floor's rows.
    """
    try:
        with open("/proc/self/status") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


class PssSampler:
    """The peak of this process's and its children's proportional set size, summed, sampled every 100 ms.

    ``ru_maxrss`` of the forked checker counts every page it shares with this process as its own, so
    adding the two peaks counts those pages twice. PSS shares each page among the processes that map
    it: the sum is the memory the import takes from the machine. Linux only (``smaps_rollup``).
    """

    def __init__(self) -> None:
        import threading

        self.peak_kib = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _pss(pid: int | str) -> int:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as fh:
                return next(int(line.split()[1]) for line in fh if line.startswith("Pss:"))
        except (OSError, StopIteration):
            return 0

    def _run(self) -> None:
        import os

        me = os.getpid()
        while not self._done.wait(0.1):
            try:
                with open(f"/proc/{me}/task/{me}/children") as fh:
                    children = fh.read().split()
            except OSError:
                children = []
            self.peak_kib = max(self.peak_kib, self._pss(me) + sum(self._pss(c) for c in children))

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()


def measure(csv_path: Path, db_path: Path, profile: bool) -> None:
    """Import ``csv_path`` into a fresh database; run in a process of its own, so that its peak memory
    (and that of the process it forks to check the second half) is the import's alone."""
    from sqlalchemy import func, select

    from tremplin.core.app import create_app
    from tremplin.core.importer import import_file
    from tremplin.core.migrate import upgrade
    from tremplin.core.models import Contact, CounterValue
    from tremplin.core.settings import Settings

    db_path.unlink(missing_ok=True)
    app = create_app(Settings(database_url=f"sqlite:///{db_path}", load_entrypoints=False))
    upgrade(app)
    app.compiled_counters  # noqa: B018 - built once, as a running app would have it
    before = peak_kib() / 1024
    cpu_before = sum(getattr(resource.getrusage(resource.RUSAGE_SELF), f) for f in ("ru_utime", "ru_stime"))

    spent = instrument()
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    with PssSampler() as sampler:
        result = import_file(app, "contacts", csv_path, create_missing=True)
    if profiler:
        profiler.disable()
    seconds = time.perf_counter() - started
    with app.db.engine.connect() as conn:
        stored = conn.scalar(select(func.count()).select_from(Contact))
        rollup_rows = conn.scalar(select(func.count()).select_from(CounterValue))
    app.close()
    assert stored == result.inserted == result.read, (stored, result.inserted, result.read)
    print(result.describe())
    print(
        f"import_file: {stored:,} rows in {seconds:.1f} s = {stored / seconds:,.0f} rows/s ({rollup_rows:,} "
        "roll-up rows)"
    )
    print_phases(spent, seconds)
    own = peak_kib() / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    # CPU seconds of both processes: on a shared machine, less dependent on the others' load.
    cpu = (
        sum(
            getattr(resource.getrusage(who), f)
            for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
            for f in ("ru_utime", "ru_stime")
        )
        - cpu_before
    )
    child_cpu = sum(getattr(resource.getrusage(resource.RUSAGE_CHILDREN), f) for f in ("ru_utime", "ru_stime"))
    # The two processes should end together: the importing one checks less, as it also writes every row.
    print(
        f"CPU by process: {cpu - child_cpu:.1f} s importing (checks its share, writes every row), "
        f"{child_cpu:.1f} s checking the second half"
    )
    print(f"(this process held {before:,.0f} MB before the import: the app, its plugins and migrations)")
    print(
        json.dumps(
            {"seconds": seconds, "own_mb": own, "child_mb": child, "pss_mb": sampler.peak_kib / 1024, "cpu_s": cpu}
        )
    )
    if profiler:
        stats = pstats.Stats(profiler)
        stats.sort_stats("tottime").print_stats(30)
        stats.sort_stats("cumulative").print_stats(40)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--rows", type=int, nargs="+", default=[1_000_000], help="One import per size (e.g. 250000 500000 1000000)."
    )
    parser.add_argument("--shuffle", action="store_true", help="Rows in random order instead of chronological.")
    parser.add_argument("--profile", action="store_true", help="Profile the import and print the costliest functions.")
    parser.add_argument(
        "--dir", type=Path, default=None, help="Work in this directory (default: a temporary one, removed after)."
    )
    parser.add_argument("--measure", nargs=2, type=Path, metavar=("CSV", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.measure[0], args.measure[1], args.profile)
        return

    import subprocess

    summary = []
    with tempfile.TemporaryDirectory(prefix="tremplin-bench-") as tmp:
        work = args.dir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for rows in args.rows:
            csv_path = work / "contacts.csv"
            t = time.perf_counter()
            generate(csv_path, rows, shuffle=args.shuffle)
            print(
                f"Generated {rows:,} rows ({csv_path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.1f} s"
            )
            command = [sys.executable, __file__, "--measure", str(csv_path), str(work / "tremplin.db")]
            out = subprocess.run(
                command + (["--profile"] if args.profile else []), check=True, capture_output=True, text=True
            ).stdout
            lines = out.rstrip("\n").split("\n")
            marker = next(i for i, line in enumerate(lines) if line.startswith("{"))
            print("\n".join(lines[:marker] + lines[marker + 1 :]))
            figures = json.loads(lines[marker])
            seconds, own, child, pss = figures["seconds"], figures["own_mb"], figures["child_mb"], figures["pss_mb"]
            print(
                f"peak memory: {own:,.0f} MB in the importing process + {child:,.0f} MB in the process that "
                f"checked the second half = {own + child:,.0f} MB (pages they share counted twice; "
                f"peak of the two together, sampled: {pss:,.0f} MB); target 400 MB"
            )

            floor_db = work / "floor.db"
            floor_db.unlink(missing_ok=True)
            floor_seconds, floor_count, parse_cpu, insert_cpu = floor(csv_path, floor_db)
            assert floor_count == rows
            print(
                f"sqlite3 executemany floor: {rows:,} rows in {floor_seconds:.1f} s = {rows / floor_seconds:,.0f} "
                "rows/s"
            )
            floor_cpu = parse_cpu + insert_cpu
            print(
                f"ratio import / floor: {seconds / floor_seconds:.1f}x (the import took {figures['cpu_s']:.1f} "
                "CPU s in all)"
            )
            print(
                f"CPU: import {figures['cpu_s']:.1f} s; floor {floor_cpu:.1f} s (reading the file into rows "
                f"{parse_cpu:.1f} s, executemany {insert_cpu:.1f} s); ratio {figures['cpu_s'] / floor_cpu:.1f}x"
            )
            target = 30.0 * rows / 1_000_000
            print(("OK" if seconds < target else "SLOWER THAN TARGET") + f": target {target:.1f} s for {rows:,} rows\n")
            print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores\n")
            summary.append((rows, seconds, floor_seconds, own, child, pss))
    if len(summary) > 1:
        print(
            f"{'rows':>10} {'import s':>9} {'floor s':>8} {'ratio':>6} {'main MB':>8} {'second MB':>10} "
            f"{'total MB':>9} {'PSS MB':>7}"
        )
        for rows, seconds, floor_seconds, own, child, pss in summary:
            print(
                f"{rows:>10,} {seconds:>9.1f} {floor_seconds:>8.1f} {seconds / floor_seconds:>5.1f}x "
                f"{own:>8,.0f} {child:>10,.0f} "
                f"{own + child:>9,.0f} {pss:>7,.0f}"
            )


if __name__ == "__main__":
    main()
