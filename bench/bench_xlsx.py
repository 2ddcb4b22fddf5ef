"""How fast, and in how much memory, the contacts export writes XLSX, against plain CSV writing.

Run by hand (not part of the test suite)::

    .venv/bin/python bench/bench_xlsx.py                  # 1,000,000 rows
    .venv/bin/python bench/bench_xlsx.py --rows 200000 --openpyxl 100000

Each measurement runs in a fresh process, so that its peak resident memory (``VmHWM``, the
high-water mark of the process's own memory) is its own. The rows are synthetic contacts in the
export's columns (``CONTACT_COLUMNS``), made by a generator, so that the database is out of the picture,
except for ``db``. Measured, for the same rows:

- ``csv``: the export's CSV writer (``write_contacts_csv``): text written as it comes;
- ``floor``: bare xlsxwriter (``constant_memory``, one ``write_row`` per row, no format, no
  neutralising), the floor no XLSX writer can go under;
- ``xlsx``: the export's XLSX writer (``write_contacts_xlsx``: xlsxwriter, ``constant_memory``);
- ``db``: the whole ``tremplin export contacts --format xlsx`` (``export_contacts``) from a SQLite
  file holding the rows (made once by ``bench_import.py``'s generator and the import, or ``--db``);
- ``openpyxl``: openpyxl's write-only workbook, cell by cell, as the export wrote it before (fewer
  rows by default: it is the slow one).
- ``generate``: only making the rows, to tell the writers' cost from the generator's.

It prints rows per second, seconds and peak memory for each, and the XLSX figures relative to the
floor. The target is a million rows in under 60 seconds with memory that does not grow with the rows.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

MODALITIES = ("individual_advice", "reception", "multimedia", "group_activity", "remote_advice")
THEMES = ("choose", "learn;work", "work", "move", "self_employment;work")
AUDIENCES = ("general", "neet", "schools", "prisons", "formtruck", "ukrainian")


def rows(n: int) -> Iterator[tuple[Any, ...]]:
    """``n`` contacts in ``CONTACT_COLUMNS`` order, varied enough to be realistic text."""
    start = datetime(2025, 1, 1, 8, 0, tzinfo=UTC)
    for i in range(n):
        at = start + timedelta(minutes=i % 400_000)
        yield (
            i + 1,
            "bxl",
            ("reception", "advice", "multimedia", "")[i % 4],
            at.date(),
            at,
            AUDIENCES[i % 6],
            MODALITIES[i % 5],
            ("in_person", "phone", "online")[i % 3],
            THEMES[i % 5],
            ("fr", "nl", "en", "uk")[i % 4],
            1 + i % 3,
            ("woman", "man", "unknown")[i % 3],
            ("18_25", "26_35", "unknown")[i % 3],
            "unknown",
            ("job_seeker", "unknown")[i % 2],
            '{"place": "Flagey"}' if i % 7 == 0 else "",
        )


def peak_kib() -> int:
    """This process's peak resident memory in KiB.

    ``VmHWM`` where there is a ``/proc``: ``ru_maxrss`` also counts what the parent held when it
    started this process (Linux keeps the larger of the two across ``exec``).
    """
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def write_floor(data: Iterator[tuple[Any, ...]], path: Path) -> None:
    """The same rows with bare xlsxwriter: ``write_row``, no format, nothing neutralised."""
    import xlsxwriter

    from tremplin.core.reports.export import CONTACT_COLUMNS

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "remove_timezone": True})
    ws = wb.add_worksheet("contacts")
    ws.write_row(0, 0, CONTACT_COLUMNS)
    for r, row in enumerate(data, start=1):
        ws.write_row(r, 0, row)
    wb.close()


def export_from_db(db: str, path: Path) -> int:
    """``tremplin export contacts --format xlsx`` as the command runs it, from the file ``db``."""
    from tremplin.core.app import create_app
    from tremplin.core.reports.export import export_contacts
    from tremplin.core.settings import Settings

    app = create_app(Settings(database_url=f"sqlite:///{db}", load_entrypoints=False))
    try:
        with path.open("wb") as fh:
            return export_contacts(app, "xlsx", fh)
    finally:
        app.close()


def make_db(db: Path, n: int) -> None:
    """A SQLite file holding ``n`` contacts, written by ``bench_import.py``'s generator and the import."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_import", Path(__file__).with_name("bench_import.py"))
    assert spec is not None and spec.loader is not None
    bench_import = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench_import)
    from tremplin.core.app import create_app
    from tremplin.core.importer import import_file
    from tremplin.core.migrate import upgrade
    from tremplin.core.settings import Settings

    source = db.with_suffix(".csv")
    bench_import.generate(source, n)
    app = create_app(Settings(database_url=f"sqlite:///{db}", load_entrypoints=False))
    upgrade(app)
    import_file(app, "contacts", source, create_missing=True)
    app.close()
    source.unlink()


def measure(kind: str, n: int, folder: str, db: str | None = None) -> dict[str, Any]:
    """One measurement (in this process): seconds, rows/s, output size, peak memory."""
    from tremplin.core.reports.export import write_contacts_csv, write_contacts_xlsx

    path = Path(folder) / f"contacts-{kind}.{'csv' if kind == 'csv' else 'xlsx'}"
    before = peak_kib()
    t, cpu = time.perf_counter(), time.process_time()
    if kind == "generate":
        for _ in rows(n):
            pass
        size = 0
    elif kind == "csv":
        with path.open("w", encoding="utf-8", newline="") as fh:
            write_contacts_csv(rows(n), fh)
        size = path.stat().st_size
    elif kind == "xlsx":
        with path.open("wb") as fh:
            write_contacts_xlsx(rows(n), fh)
        size = path.stat().st_size
    elif kind == "floor":
        write_floor(rows(n), path)
        size = path.stat().st_size
    elif kind == "db":
        assert db is not None
        n = export_from_db(db, path)
        size = path.stat().st_size
    elif kind == "openpyxl":
        write_openpyxl(rows(n), path)
        size = path.stat().st_size
    else:
        raise SystemExit(f"unknown measurement {kind!r}")
    seconds = time.perf_counter() - t
    cpu = time.process_time() - cpu
    peak = peak_kib()
    return {
        "kind": kind,
        "rows": n,
        "seconds": seconds,
        "cpu": cpu,
        "rows_per_s": n / seconds,
        "cpu_rows_per_s": n / cpu,
        "bytes": size,
        "peak_mib": peak / 1024,
        "start_mib": before / 1024,
    }


def write_openpyxl(data: Iterator[tuple[Any, ...]], path: Path) -> None:
    """The export as it was written before xlsxwriter: openpyxl's write-only mode, cell by cell."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    from tremplin.core.reports.export import CONTACT_COLUMNS

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("contacts")
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for name in CONTACT_COLUMNS:
        c = WriteOnlyCell(ws, value=name)
        c.font = bold
        header.append(c)
    ws.append(header)
    for row in data:
        ws.append([*row[:4], row[4].replace(tzinfo=None), *row[5:]])
    wb.save(path)


def child(kind: str, n: int, folder: str, db: str | None = None) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--rows", str(n), "--folder", folder]
        + (["--db", db] if db else []),
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--openpyxl", type=int, default=100_000, help="rows for the openpyxl comparison (0: skip)")
    parser.add_argument("--db", default=None, help="a SQLite file of contacts to export (default: one made of --rows)")
    parser.add_argument("--no-db", action="store_true", help="leave out the export from the database")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--folder", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.rows, args.folder, args.db)))
        return
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="bench-xlsx-") as folder:
        db = args.db
        if db is None and not args.no_db:
            db = str(Path(folder) / "contacts.db")
            t = time.perf_counter()
            make_db(Path(db), args.rows)
            print(f"made {db} ({args.rows:,} contacts) in {time.perf_counter() - t:.0f} s")
        results = [
            child("generate", args.rows, folder),
            child("csv", args.rows, folder),
            child("floor", args.rows, folder),
            child("xlsx", args.rows, folder),
        ]
        # The same writer on a tenth of the rows: flat memory means the same peak whatever the size.
        results.append(child("xlsx", max(1, args.rows // 10), folder))
        if db is not None:
            results.append(child("db", args.rows, folder, db))
        if args.openpyxl:
            results.append(child("openpyxl", args.openpyxl, folder))
    # CPU seconds are given next to the wall clock: on a shared machine they are the fairer figure.
    heads = ("writer", "rows", "seconds", "CPU s", "rows/s", "rows/CPU s", "MiB out", "peak MiB")
    print(f"{heads[0]:<10}" + "".join(f"{h:>12}" for h in heads[1:]))
    for r in results:
        cells = (f"{r['rows']:,}", f"{r['seconds']:.1f}", f"{r['cpu']:.1f}", f"{r['rows_per_s']:,.0f}")
        cells += (f"{r['cpu_rows_per_s']:,.0f}", f"{r['bytes'] / 2**20:.1f}", f"{r['peak_mib']:.1f}")
        print(f"{r['kind']:<10}" + "".join(f"{c:>12}" for c in cells))
    by_kind = {r["kind"]: r for r in results if r["rows"] == args.rows}
    gen, csv_, floor, xlsx = by_kind["generate"], by_kind["csv"], by_kind["floor"], by_kind["xlsx"]
    small = next(r for r in results if r["kind"] == "xlsx" and r["rows"] != args.rows)
    print(f"XLSX writer: {xlsx['cpu'] / floor['cpu']:.2f}× the CPU time of bare xlsxwriter", end=" ")
    print(
        f"({xlsx['cpu'] - gen['cpu']:.1f} CPU s of writing once the rows are made, "
        f"bare {floor['cpu'] - gen['cpu']:.1f};",
        f"CSV {csv_['cpu'] - gen['cpu']:.1f}).",
    )
    if "db" in {r["kind"] for r in results}:
        whole = next(r for r in results if r["kind"] == "db")
        print(
            f"Export from the database: {whole['rows']:,} rows in {whole['seconds']:.1f} s ({whole['cpu']:.1f} CPU s),",
            f"{whole['seconds'] / floor['seconds']:.2f}× the bare floor's wall time; target 60 s for 1,000,000 rows.",
        )
    print(f"Peak memory: {xlsx['peak_mib']:.0f} MiB for {xlsx['rows']:,} rows,", end=" ")
    print(f"{small['peak_mib']:.0f} MiB for {small['rows']:,} (bare floor {floor['peak_mib']:.0f} MiB).")
    if args.openpyxl:
        op = results[-1]
        projected = args.rows / op["cpu_rows_per_s"]
        print(f"openpyxl: {op['cpu_rows_per_s']:,.0f} rows per CPU second,", end=" ")
        print(f"{projected:.0f} CPU s for {args.rows:,} rows;", end=" ")
        print(f"xlsxwriter {xlsx['cpu']:.0f} CPU s ({projected / xlsx['cpu']:.1f}× faster).")
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
