"""How fast, and in how much memory, the contacts export writes XLSX, against plain CSV writing.

Run by hand (not part of the test suite)::

    .venv/bin/python bench/bench_xlsx.py                  # 1,000,000 rows
    .venv/bin/python bench/bench_xlsx.py --rows 200000 --openpyxl 100000

Each measurement runs in a fresh process, so that its peak resident memory (``ru_maxrss``) is its
own. The rows are synthetic contacts in the export's columns (``CONTACT_COLUMNS``), made by a
generator, so that the database is out of the picture. Measured, for the same rows:

- ``csv``: the export's CSV writer (``write_contacts_csv``), the floor: text written as it comes;
- ``xlsx``: the export's XLSX writer (``write_contacts_xlsx``: xlsxwriter, ``constant_memory``);
- ``openpyxl``: openpyxl's write-only workbook, cell by cell, as the export wrote it before (fewer
  rows by default: it is the slow one).
- ``generate``: only making the rows, to tell the writers' cost from the generator's.

It prints rows per second, seconds and peak memory for each, and the XLSX figures relative to the
floor. The target is a million rows in under 60 seconds with memory that does not grow with the rows.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

MODALITIES = ("individual_advice", "reception", "multimedia", "group_activity", "remote_advice")
THEMES = ("choose", "learn;work", "work", "move", "self_employment;work")
AUDIENCES = ("general", "neet", "schools", "prisons", "formtruck", "ukrainian")


def rows(n: int) -> Iterator[tuple[Any, ...]]:
    """``n`` contacts in ``CONTACT_COLUMNS`` order, varied enough to be realistic text."""
    start = datetime(2025, 1, 1, 8, 0, tzinfo=timezone.utc)
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


def measure(kind: str, n: int, folder: str) -> dict[str, Any]:
    """One measurement (in this process): seconds, rows/s, output size, peak memory."""
    from tremplin.core.reports.export import write_contacts_csv, write_contacts_xlsx

    path = Path(folder) / f"contacts-{kind}.{'csv' if kind == 'csv' else 'xlsx'}"
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
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
    elif kind == "openpyxl":
        write_openpyxl(rows(n), path)
        size = path.stat().st_size
    else:
        raise SystemExit(f"unknown measurement {kind!r}")
    seconds = time.perf_counter() - t
    cpu = time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
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


def child(kind: str, n: int, folder: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--rows", str(n), "--folder", folder],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--openpyxl", type=int, default=100_000, help="rows for the openpyxl comparison (0: skip)")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--folder", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.rows, args.folder)))
        return
    with tempfile.TemporaryDirectory(prefix="bench-xlsx-") as folder:
        results = [
            child("generate", args.rows, folder),
            child("csv", args.rows, folder),
            child("xlsx", args.rows, folder),
        ]
        # The same writer on a tenth of the rows: flat memory means the same peak whatever the size.
        results.append(child("xlsx", max(1, args.rows // 10), folder))
        if args.openpyxl:
            results.append(child("openpyxl", args.openpyxl, folder))
    # CPU seconds are given next to the wall clock: on a shared machine they are the fairer figure.
    heads = ("writer", "rows", "seconds", "CPU s", "rows/s", "rows/CPU s", "MiB out", "peak MiB")
    print(f"{heads[0]:<10}" + "".join(f"{h:>12}" for h in heads[1:]))
    for r in results:
        cells = (f"{r['rows']:,}", f"{r['seconds']:.1f}", f"{r['cpu']:.1f}", f"{r['rows_per_s']:,.0f}")
        cells += (f"{r['cpu_rows_per_s']:,.0f}", f"{r['bytes'] / 2**20:.1f}", f"{r['peak_mib']:.1f}")
        print(f"{r['kind']:<10}" + "".join(f"{c:>12}" for c in cells))
    gen, csv_, xlsx, small = results[0], results[1], results[2], results[3]
    writing = xlsx["cpu"] - gen["cpu"], csv_["cpu"] - gen["cpu"]
    print(f"XLSX takes {xlsx['cpu'] / csv_['cpu']:.1f}× the CPU time of the CSV floor", end=" ")
    print(f"({writing[0]:.1f} CPU s of writing once the rows are made, CSV {writing[1]:.1f} CPU s).")
    print(f"Peak memory: {xlsx['peak_mib']:.0f} MiB for {xlsx['rows']:,} rows,", end=" ")
    print(f"{small['peak_mib']:.0f} MiB for {small['rows']:,} (CSV floor {csv_['peak_mib']:.0f} MiB).")
    if args.openpyxl:
        op = results[-1]
        projected = args.rows / op["cpu_rows_per_s"]
        print(f"openpyxl: {op['cpu_rows_per_s']:,.0f} rows per CPU second,", end=" ")
        print(f"{projected:.0f} CPU s for {args.rows:,} rows;", end=" ")
        print(f"xlsxwriter {xlsx['cpu']:.0f} CPU s ({projected / xlsx['cpu']:.1f}× faster).")

if __name__ == "__main__":
    main()
