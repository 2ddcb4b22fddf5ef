"""How fast the annual report is over millions of contacts, against computing it from the raw rows.

Run by hand (not part of the test suite)::

    .venv/bin/python bench/bench_report.py                      # 10,000,000 contacts (several minutes)
    .venv/bin/python bench/bench_report.py --contacts 2000000   # quicker
    .venv/bin/python bench/bench_report.py --reuse              # keep the database of a previous run

1. Generates ``--contacts`` contacts of one year (and group activities) with a fixed seed, written in
   batches through ``tremplin.core.bulk`` into a migrated SQLite file, so the roll-up is built as in production.
2. Times the annual report as JSON (build from the roll-up, then serialise), cold and warm.
3. Exports the contacts and activities with ``tremplin export``-style streaming to CSV, then computes
   the same figures from those raw rows: with DuckDB scanning the CSV (what reading the raw rows
   costs), with DuckDB on a table already loaded in memory, and with a pandas pivot of the CSV
   export (what an analyst would do today). Each of them is checked against the report's figures.
4. Measures the peak memory of a 100,000-row and a 1,000,000-row contacts export, as CSV and as XLSX,
   each in a fresh process (resident memory sampled every 50 ms): streamed exports stay flat.

Targets: the report under one second and at least ten times faster than DuckDB's raw scan; export
memory flat from 100,000 to 1,000,000 rows.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

YEAR = 2019
AUDIENCES = [("general", 70), ("neet", 6), ("prisons", 1), ("disability", 3), ("formtruck", 5), ("ukrainian", 15)]
MODALITIES = [
    ("individual_advice", 35),
    ("multimedia", 30),
    ("reception", 20),
    ("remote_advice", 10),
    ("field_awareness", 5),
]
CHANNELS = [("walk_in", 70), ("phone", 10), ("video", 5), ("email", 5), ("messenger", 3), ("field", 5), ("event", 2)]
LANGS = [("fr", 60), ("nl", 25), ("en", 8), ("uk", 5), ("other", 2)]
GENDERS = [("woman", 45), ("man", 40), ("non_binary", 1), ("unknown", 14)]
AGES = [
    ("under_18", 5),
    ("18_24", 20),
    ("25_29", 15),
    ("30_49", 40),
    ("50_54", 8),
    ("55_64", 7),
    ("65_plus", 1),
    ("unknown", 4),
]
THEMES = ["choose", "learn", "work", "move", "self_employment"]


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def pick(rnd: random.Random, table: list[tuple[str, int]]) -> str:
    return rnd.choices([k for k, _ in table], [w for _, w in table])[0]


def templates(rnd: random.Random, n: int = 4000) -> list[dict[str, Any]]:
    """Distinct contact shapes; each generated contact is one of them on a random day."""
    out = []
    for _ in range(n):
        audience = pick(rnd, AUDIENCES)
        modality, channel, language = pick(rnd, MODALITIES), pick(rnd, CHANNELS), pick(rnd, LANGS)
        attributes: dict[str, Any] = {}
        if audience == "prisons":
            attributes = {"prison": "haren", "session": rnd.choice(["individual", "group"])}
        elif audience == "disability":
            attributes = {"public": rnd.choice(["target", "professional"])}
        elif audience == "formtruck":
            attributes, modality, channel = {"commune": "ixelles"}, "individual_advice", "field"
        elif audience == "ukrainian":
            attributes, modality, language = {"service_language": "uk"}, "individual_advice", "uk"
            channel = rnd.choice(["walk_in", "phone", "telegram"])
        out.append(
            {
                "site_id": None,
                "audience": audience,
                "modality": modality,
                "channel": channel,
                "themes": sorted(rnd.sample(THEMES, rnd.choice([0, 1, 1, 1, 2]))),
                "language": language,
                "headcount": rnd.choice([1] * 12 + [2, 3, 5]),
                "gender": pick(rnd, GENDERS),
                "age_band": pick(rnd, AGES),
                "education": "unknown",
                "labour_status": "unknown",
                "attributes": attributes,
                "note": "",
            }
        )
    return out


def generate(app: Any, contacts: int, seed: int, batch: int = 250_000) -> None:
    from tremplin.core.admin import ensure_centre
    from tremplin.core.bulk import insert_records

    rnd = random.Random(seed)
    with app.transaction() as session:
        centre, _ = ensure_centre(session, "bxl", "Cité des métiers de Bruxelles")
        cid = centre.id
    shapes = templates(rnd)
    days = [date(YEAR, 1, 1) + timedelta(days=i) for i in range(365)]
    moments = [datetime(d.year, d.month, d.day, 9, tzinfo=UTC) for d in days]
    done = 0
    t0 = time.perf_counter()
    while done < contacts:
        n = min(batch, contacts - done)
        rows = []
        for _ in range(n):
            i = rnd.randrange(365)
            row = dict(rnd.choice(shapes))
            row["centre_id"], row["day"], row["occurred_at"] = (
                cid,
                days[i],
                moments[i] + timedelta(minutes=rnd.randrange(600)),
            )
            rows.append(row)
        with app.db.engine.begin() as conn:
            insert_records(app, conn, "contacts", rows)
        done += n
        rate = done / (time.perf_counter() - t0)
        log(f"  {done:,} contacts ({rate:,.0f}/s, about {(contacts - done) / rate / 60:.1f} min to go)")
    acts = []
    for _ in range(max(1000, contacts // 400)):
        i = rnd.randrange(365)
        audience = rnd.choice(["general"] * 6 + ["schools", "schools", "neet", "disability", "prisons"])
        acts.append(
            {
                "centre_id": cid,
                "site_id": None,
                "starts_at": moments[i],
                "day": days[i],
                "audience": audience,
                "title": "",
                "workshop": "explorama"
                if audience == "schools"
                else rnd.choice(["info_session", "workshop", "fair", "thematic_day"]),
                "format": rnd.choice(["face_to_face", "face_to_face", "online"]),
                "capacity": 30,
                "registered": 20,
                "participants": rnd.choice([None, 8, 12, 20, 25, 40]),
                "language": pick(rnd, LANGS),
                "themes": sorted(rnd.sample(THEMES, rnd.choice([0, 1, 2]))),
                "attributes": {"place": rnd.choice(["at_centre", "at_school"])} if audience == "schools" else {},
            }
        )
    with app.db.engine.begin() as conn:
        insert_records(app, conn, "activities", acts)
    log(f"  {len(acts):,} activities")


def time_report(app: Any) -> tuple[float, float, dict[str, Any], int]:
    from tremplin.core.reports.build import annual_report
    from tremplin.core.reports.render import to_dict

    timings = []
    doc: dict[str, Any] = {}
    for _ in range(4):
        t = time.perf_counter()
        with app.session() as session:
            report = annual_report(app, session, YEAR, language="en")
            text = json.dumps(to_dict(report), ensure_ascii=False)
        timings.append(time.perf_counter() - t)
        doc = json.loads(text)
    return timings[0], min(timings[1:]), doc, len(text)


def export_csvs(app: Any, folder: Path) -> tuple[Path, Path, float]:
    from sqlalchemy import select

    from tremplin.core.models import Activity
    from tremplin.core.reports.export import export_contacts

    t = time.perf_counter()
    contacts = folder / "contacts.csv"
    with contacts.open("wb") as fh:
        export_contacts(app, "csv", fh)
    activities = folder / "activities.csv"
    import csv

    with app.session() as session, activities.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["day", "audience", "workshop", "format", "participants", "language", "themes"])
        for a in session.execute(
            select(
                Activity.day,
                Activity.audience,
                Activity.workshop,
                Activity.format,
                Activity.participants,
                Activity.language,
                Activity.themes,
            )
        ):
            w.writerow(
                [
                    a.day.isoformat(),
                    a.audience,
                    a.workshop,
                    a.format,
                    a.participants or 0,
                    a.language,
                    ";".join(a.themes or ()),
                ]
            )
    return contacts, activities, time.perf_counter() - t


# ------------------------------------------------------------------------------------------------
# The same figures from the raw rows


def figures_from_groups(
    contact_groups: list[tuple[Any, ...]], theme_groups: list[tuple[Any, ...]], activity_groups: list[tuple[Any, ...]]
) -> dict[str, Any]:
    """The annual report's main figures from grouped raw rows (the same arithmetic for every engine).

    ``contact_groups``: (month, audience, modality, channel, language, gender, age_band, attr, headcount, rows);
    ``theme_groups``: (theme, headcount); ``activity_groups``: (month, audience, workshop, format, language,
    participants, count).
    """
    f: dict[str, Any] = defaultdict(int)
    by = lambda name: f.setdefault(name, defaultdict(int))  # noqa: E731
    for month, audience, modality, channel, language, gender, age, attr, headcount, _rows in contact_groups:
        f["contacts.total"] += headcount
        if modality in ("individual_advice", "remote_advice"):
            f["individual_advice.contacts"] += headcount
        if modality == "multimedia":
            f["multimedia.entries"] += headcount
            by("monthly.multimedia")[int(month)] += headcount
        if modality == "reception":
            f["reception.contacts"] += headcount
        if channel == "event":
            f["events.contacts"] += headcount
        if audience == "formtruck":
            f["formtruck.users"] += headcount
        if audience == "ukrainian":
            f["ukrainian.contacts"] += headcount
        if audience == "disability" and attr == "target":
            f["disability.public"] += headcount
        by("gender")[gender] += headcount
        by("age_band")[age] += headcount
        by("language")[language] += headcount
        by("channel")[channel] += headcount
        by("modality")[modality] += headcount
        by("audience")[audience] += headcount
    for theme, headcount in theme_groups:
        by("theme")[theme or "unknown"] += headcount
    for _month, audience, workshop, fmt, language, participants, count in activity_groups:
        f["contacts.total"] += participants
        f["group_activities.count"] += count
        f["group_activities.participants"] += participants
        f[f"group_activities.{fmt}"] += count
        if workshop == "fair":
            f["events.contacts"] += participants
        if audience == "schools":
            f["schools.pupils"] += participants
        if participants:
            by("modality")["group_activity"] += participants
            by("audience")[audience] += participants
            by("language")[language] += participants
            by("gender")["unknown"] += participants
            by("age_band")["unknown"] += participants
            by("channel")["video" if fmt == "online" else "walk_in"] += participants
    return f


def figures_from_report(doc: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for s in doc["sections"]:
        if s["kind"] == "key_figures":
            for fig in s["figures"]:
                out[fig["key"]] = fig["value"]
        elif s["kind"] == "breakdown" and s["key"].startswith(("profile.", "modality", "audience")):
            out[s["dim"]] = {r["key"]: r["value"] for r in s["rows"] if r["value"]}
        elif s["key"] == "monthly.multimedia":
            out["monthly.multimedia"] = {i + 1: v for i, v in enumerate(s["series"][0]["values"]) if v}
    return out


def compare(name: str, raw: dict[str, Any], report: dict[str, Any]) -> int:
    checked = 0
    for key, value in raw.items():
        want = report.get(key)
        if isinstance(value, dict):
            value = {k: v for k, v in value.items() if v}
            # The theme breakdown has an "unknown" row for contacts without a theme; both agree.
        if want != value:
            raise SystemExit(f"{name}: {key} differs: raw {value!r}, report {want!r}")
        checked += len(value) if isinstance(value, dict) else 1
    return checked


CONTACT_GROUP_SQL = """
SELECT month(day) AS month, audience, modality, channel, language, gender, age_band,
       coalesce(json_extract_string(attributes, '$.public'), '') AS attr,
       sum(headcount)::BIGINT AS headcount, count(*)::BIGINT AS n
FROM {src} WHERE year(day) = {year}
GROUP BY ALL
"""
THEME_SQL = """
SELECT coalesce(t.theme, 'unknown') AS theme, sum(headcount)::BIGINT FROM (
  SELECT headcount,
         unnest(CASE WHEN themes IS NULL OR themes = '' THEN [NULL] ELSE string_split(themes, ';') END) AS theme
  FROM {src} WHERE year(day) = {year}
  UNION ALL
  SELECT participants AS headcount,
         unnest(CASE WHEN themes IS NULL OR themes = '' THEN [NULL] ELSE string_split(themes, ';') END)
  FROM {acts} WHERE year(day) = {year} AND participants > 0
) t GROUP BY 1
"""
ACTIVITY_SQL = (
    "SELECT month(day), audience, workshop, format, language, sum(participants)::BIGINT, count(*)::BIGINT "
    "FROM {acts} WHERE year(day) = {year} GROUP BY ALL"
)


def duckdb_scan(contacts: Path, activities: Path) -> tuple[float, dict[str, Any]]:
    import duckdb

    con = duckdb.connect()
    con.execute("SET threads TO 2")
    types = "{'day': 'DATE', 'headcount': 'BIGINT', 'themes': 'VARCHAR', 'attributes': 'VARCHAR', 'site': 'VARCHAR'}"
    src = f"read_csv('{contacts}', header=true, types={types})"
    acts = (
        f"read_csv('{activities}', header=true, types={{'day': 'DATE', 'participants': 'BIGINT', 'themes': 'VARCHAR'}})"
    )
    t = time.perf_counter()
    groups = con.execute(CONTACT_GROUP_SQL.format(src=src, year=YEAR)).fetchall()
    themes = con.execute(THEME_SQL.format(src=src, acts=acts, year=YEAR)).fetchall()
    agroups = con.execute(ACTIVITY_SQL.format(acts=acts, year=YEAR)).fetchall()
    elapsed = time.perf_counter() - t
    return elapsed, figures_from_groups(groups, themes, agroups)


def duckdb_loaded(contacts: Path, activities: Path) -> tuple[float, float, dict[str, Any]]:
    import duckdb

    con = duckdb.connect()
    con.execute("SET threads TO 2")
    t = time.perf_counter()
    con.execute(
        f"CREATE TABLE contacts AS SELECT * FROM read_csv('{contacts}', header=true, types={{'day': 'DATE', "
        "'headcount': 'BIGINT', 'themes': 'VARCHAR', 'attributes': 'VARCHAR', 'site': 'VARCHAR'})"
    )
    con.execute(
        f"CREATE TABLE activities AS SELECT * FROM read_csv('{activities}', header=true, types={{'day': 'DATE', "
        "'participants': 'BIGINT', 'themes': 'VARCHAR'})"
    )
    load = time.perf_counter() - t
    t = time.perf_counter()
    groups = con.execute(CONTACT_GROUP_SQL.format(src="contacts", year=YEAR)).fetchall()
    themes = con.execute(THEME_SQL.format(src="contacts", acts="activities", year=YEAR)).fetchall()
    agroups = con.execute(ACTIVITY_SQL.format(acts="activities", year=YEAR)).fetchall()
    return load, time.perf_counter() - t, figures_from_groups(groups, themes, agroups)


def pandas_pivot(contacts: Path, activities: Path) -> tuple[float, dict[str, Any]]:
    import pandas as pd

    t = time.perf_counter()
    cols = [
        "day",
        "audience",
        "modality",
        "channel",
        "themes",
        "language",
        "headcount",
        "gender",
        "age_band",
        "attributes",
    ]
    cats = {
        c: "category"
        for c in ("audience", "modality", "channel", "language", "gender", "age_band", "themes", "attributes")
    }
    df = pd.read_csv(
        contacts, usecols=cols, dtype=cats | {"headcount": "int32"}, parse_dates=["day"], keep_default_na=False
    )
    df = df[df["day"].dt.year == YEAR]
    df["month"] = df["day"].dt.month
    df["attr"] = df["attributes"].astype(str).str.extract(r'"public": "(\w+)"', expand=False).fillna("")
    keys = ["month", "audience", "modality", "channel", "language", "gender", "age_band", "attr"]
    pivot = df.pivot_table(index=keys, values="headcount", aggfunc=["sum", "count"], observed=True)
    groups = [(*idx, int(row.iloc[0]), int(row.iloc[1])) for idx, row in pivot.iterrows()]
    exploded = df[["themes", "headcount"]].assign(themes=df["themes"].astype(str).str.split(";")).explode("themes")
    exploded["themes"] = exploded["themes"].replace("", "unknown")
    acts = pd.read_csv(activities, keep_default_na=False, parse_dates=["day"])
    acts = acts[acts["day"].dt.year == YEAR]
    ae = acts[acts["participants"] > 0][["themes", "participants"]].rename(columns={"participants": "headcount"})
    ae = ae.assign(themes=ae["themes"].astype(str).str.split(";")).explode("themes")
    ae["themes"] = ae["themes"].replace("", "unknown")
    themes = pd.concat([exploded, ae]).groupby("themes")["headcount"].sum()
    acts["month"] = acts["day"].dt.month
    ag = acts.pivot_table(
        index=["month", "audience", "workshop", "format", "language"],
        values="participants",
        aggfunc=["sum", "count"],
        observed=True,
    )
    agroups = [(*idx, int(row.iloc[0]), int(row.iloc[1])) for idx, row in ag.iterrows()]
    elapsed = time.perf_counter() - t
    return elapsed, figures_from_groups(groups, list(themes.items()), agroups)


# ------------------------------------------------------------------------------------------------
# Export memory


MEMORY_PROBE = r"""
import resource, sys, threading, time
from datetime import date
sys.path.insert(0, {root!r})
from tremplin.core.app import create_app
from tremplin.core.settings import Settings
from tremplin.core.reports.export import export_contacts

def rss():
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize()

app = create_app(Settings(database_url={url!r}, load_entrypoints=False))
base = rss()
peak = [base]
done = threading.Event()

def sample():
    while not done.wait(0.05):
        peak[0] = max(peak[0], rss())

threading.Thread(target=sample, daemon=True).start()
t = time.perf_counter()
with open({out!r}, "wb") as fh:
    n = export_contacts(app, {fmt!r}, fh, date.fromisoformat({start!r}), date.fromisoformat({end!r}))
elapsed = time.perf_counter() - t
done.set()
peak[0] = max(peak[0], rss())
print(n, elapsed, base, peak[0])
"""


def export_memory(url: str, folder: Path, fmt: str, start: date, end: date) -> dict[str, float]:
    out = folder / f"probe.{fmt}"
    code = MEMORY_PROBE.format(
        root=str(ROOT), url=url, out=str(out), fmt=fmt, start=start.isoformat(), end=end.isoformat()
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    n, elapsed, base, peak = res.stdout.split()
    size = out.stat().st_size
    out.unlink()
    return {
        "rows": int(n),
        "seconds": round(float(elapsed), 1),
        "rss_start_mib": round(int(base) / 2**20),
        "rss_peak_mib": round(int(peak) / 2**20),
        "growth_mib": round((int(peak) - int(base)) / 2**20, 1),
        "file_mib": round(size / 2**20),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument("--db", default=str(ROOT / "bench" / ".data" / "report_bench.db"))
    parser.add_argument("--reuse", action="store_true", help="Keep the database if it already holds the contacts.")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--skip-pandas", action="store_true")
    args = parser.parse_args()

    from sqlalchemy import func, select

    from tremplin.core.app import create_app
    from tremplin.core.migrate import upgrade
    from tremplin.core.models import Contact, CounterValue
    from tremplin.core.settings import Settings

    db = Path(args.db)
    db.parent.mkdir(parents=True, exist_ok=True)
    if db.parent == ROOT / "bench" / ".data":
        (db.parent / ".gitignore").write_text("*\n")  # gigabytes of generated data stay out of git
    url = f"sqlite:///{db}"
    if not args.reuse:
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
    app = create_app(Settings(database_url=url, load_entrypoints=False))
    upgrade(app)
    with app.session() as session:
        have = session.scalar(select(func.count()).select_from(Contact))
    if have != args.contacts:
        if have:
            raise SystemExit(f"{db} holds {have:,} contacts, not {args.contacts:,}: run without --reuse")
        log(f"Generating {args.contacts:,} contacts of {YEAR} (seed {args.seed}) through tremplin.core.bulk")
        t = time.perf_counter()
        generate(app, args.contacts, args.seed)
        log(f"Generated in {time.perf_counter() - t:,.0f} s")
    with app.session() as session:
        rollup_rows = session.scalar(select(func.count()).select_from(CounterValue))
    log(f"Database: {db.stat().st_size / 2**30:.2f} GiB, {args.contacts:,} contacts, {rollup_rows:,} roll-up rows")

    cold, warm, doc, size = time_report(app)
    report = figures_from_report(doc)
    log(f"Annual report as JSON ({size / 1024:.0f} KiB): first {cold * 1000:.0f} ms, then {warm * 1000:.0f} ms")

    folder = db.parent
    contacts_csv, activities_csv = folder / "contacts.csv", folder / "activities.csv"
    if not (args.reuse and contacts_csv.exists() and contacts_csv.stat().st_mtime > db.stat().st_mtime - 3600 * 24):
        c, a, secs = export_csvs(app, folder)
        log(f"CSV export of the raw rows: {secs:,.1f} s, {contacts_csv.stat().st_size / 2**30:.2f} GiB")

    scan, raw = duckdb_scan(contacts_csv, activities_csv)
    n = compare("duckdb (CSV scan)", raw, report)
    log(f"DuckDB scanning the CSV export: {scan:.2f} s ({n} figures, all equal to the report's)")
    load, query, raw2 = duckdb_loaded(contacts_csv, activities_csv)
    compare("duckdb (loaded)", raw2, report)
    log(f"DuckDB on a table already in memory: {query:.2f} s (after loading it in {load:.1f} s)")
    pd_secs = None
    if not args.skip_pandas:
        pd_secs, raw3 = pandas_pivot(contacts_csv, activities_csv)
        compare("pandas", raw3, report)
        log(f"pandas pivot of the CSV export: {pd_secs:.1f} s")

    summary = {
        "contacts": args.contacts,
        "report_json_cold_s": round(cold, 3),
        "report_json_warm_s": round(warm, 3),
        "duckdb_csv_scan_s": round(scan, 2),
        "duckdb_in_memory_s": round(query, 2),
        "pandas_pivot_s": round(pd_secs, 1) if pd_secs else None,
        "speedup_vs_duckdb_scan_cold": round(scan / cold, 1),
        "speedup_vs_duckdb_scan_warm": round(scan / warm, 1),
    }
    if not args.skip_memory:
        small = (date(YEAR, 1, 1), date(YEAR, 1, 1) + timedelta(days=max(0, round(100_000 * 365 / args.contacts) - 1)))
        large = (
            date(YEAR, 1, 1),
            date(YEAR, 1, 1) + timedelta(days=max(0, round(1_000_000 * 365 / args.contacts) - 1)),
        )
        for fmt in ("csv", "xlsx"):
            for label, (a, b) in (("~100k", small), ("~1M", large)):
                mem = export_memory(url, folder, fmt, a, b)
                log(
                    f"{fmt.upper()} export {label}: {mem['rows']:,} rows in {mem['seconds']:.1f} s, resident "
                    f"memory {mem['rss_start_mib']} MiB at start, "
                    f"peak {mem['rss_peak_mib']} MiB (+{mem['growth_mib']} MiB), file {mem['file_mib']} MiB"
                )
                summary[f"export_{fmt}_{label}"] = mem
    print(json.dumps(summary, indent=2))
    verdict = cold < 1 and scan / cold >= 10
    log(
        ("Targets met" if verdict else "Targets NOT met")
        + f": report {cold:.3f} s (< 1 s), {scan / cold:.0f}x faster than DuckDB's raw scan (>= 10x)"
    )


if __name__ == "__main__":
    os.environ.setdefault("TREMPLIN_HOME", str(ROOT / "bench" / ".data"))
    main()
