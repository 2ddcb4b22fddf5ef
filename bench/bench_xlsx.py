"""How fast, and in how much memory, a list export writes XLSX: the whole web export from the database, its
writer alone, and the floor, measured in the same run.

Run by hand (not part of the test suite)::

    .venv/bin/python bench/bench_xlsx.py                  # 1,000,000 rows (and 100,000 of them)
    .venv/bin/python bench/bench_xlsx.py --rows 200000 --openpyxl 100000
    .venv/bin/python bench/bench_xlsx.py --profile        # where the whole export's CPU time goes

Each measurement runs in a fresh process, so that its peak resident memory (``VmHWM``, the high-water
mark of the process's own memory) is its own. Measured:

- ``web``: the WHOLE export a programme lead downloads from the contacts page (``/contacts/export
  ?format=xlsx`` with a period, through the ASGI app: login cookie, filters, the server-side cursor,
  conversion to the centre's time, the XLSX writer, the file sent back and read to the end), from a
  SQLite file of ``--rows`` contacts (made once by ``bench_import.py``'s generator and the import, or
  ``--db``); once for a period holding about a tenth of the rows, once for all of them: flat memory
  means the same peak for both;
- ``floor``: bare xlsxwriter (``constant_memory``, one ``write_row`` per row, no format) writing the
  same rows already converted (texts neutralised, days and moments as Excel's serial numbers), so that
  xlsxwriter has nothing to decide per cell: what the library itself costs;
- ``deflate``: compressing the sheet XML the export wrote, as every XLSX writer must (zlib at
  ``zipfile``'s level): the floor no writer can go under, whatever library it uses;
- ``xlsx``: the export's writer alone (``write_table_xlsx``, as the web export calls it) on the same
  rows made by a generator, so that the database is out of the picture;
- ``cli``: ``tremplin export contacts --format xlsx`` (``export_contacts``, keyed headings, ISO) from the
  same file;
- ``csv``: the web export's CSV writer (``iter_table_csv``) on the generated rows;
- ``openpyxl``: openpyxl's write-only workbook, cell by cell, as the export wrote it before (``--openpyxl N``);
- ``generate``: only making the rows, to tell the writers' cost from the generator's.

It prints seconds (wall and CPU), rows per second and peak memory for each, and the whole export's
ratio to the floors. The target is a million rows exported in under 60 seconds with memory that does
not grow with the rows.
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
import zlib
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

MODALITIES = ("individual_advice", "reception", "multimedia", "group_activity", "remote_advice")
THEMES = ("choose", "learn;work", "work", "move", "self_employment;work")
AUDIENCES = ("general", "neet", "schools", "prisons", "formtruck", "ukrainian")
#: The bench's database holds 2019 to 2023 (``bench_import.generate``): half of 2019 is about a tenth.
ALL = ("2019-01-01", "2023-12-31")
TENTH = ("2019-01-01", "2019-06-30")
PASSWORD = "a-long-bench-password"


def rows(n: int) -> Iterator[tuple[Any, ...]]:
    """``n`` contacts in the web export's columns (``exports.CONTACT_COLUMNS``), as its ``cells_in`` hands them
    to the writer: moments in the centre's time without a zone, lists joined, attributes as JSON text."""
    start = datetime(2025, 1, 1, 8, 0)
    for i in range(n):
        at = start + timedelta(minutes=i % 400_000)
        yield (
            i + 1,
            "bxl",
            ("reception", "advice", "multimedia", None)[i % 4],
            at.date(),
            at,
            AUDIENCES[i % 6],
            MODALITIES[i % 5],
            ("walk_in", "phone", "field")[i % 3],
            THEMES[i % 5],
            ("fr", "nl", "en", "uk")[i % 4],
            1 + i % 3,
            ("woman", "man", "unknown")[i % 3],
            ("18_24", "25_29", "unknown")[i % 3],
            "unknown",
            ("unemployed", "unknown")[i % 2],
            '{"place": "Place Flagey"}' if i % 7 == 0 else "",
            "NEET-2025-0001" if i % 11 == 0 else None,
        )


def converted_rows(n: int) -> Iterator[tuple[Any, ...]]:
    """The same rows as the cells of the file hold them: days and moments as Excel's serial numbers (what the
    export's writer computes), texts already safe. Nothing left for a writer to decide but the cell's type."""
    epoch = date(1899, 12, 30).toordinal()
    for row in rows(n):
        at: datetime = row[4]
        serial = at.toordinal() - epoch + (at.hour * 3600 + at.minute * 60) / 86400
        yield (*row[:3], row[3].toordinal() - epoch, serial, *row[5:])


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


def heads() -> list[str]:
    from tremplin.core.web.routes.exports import CONTACT_COLUMNS, headings

    return headings(CONTACT_COLUMNS, "fr")


def write_floor(data: Iterator[tuple[Any, ...]], path: Path) -> None:
    """The rows, already converted, with bare xlsxwriter: ``constant_memory``, ``write_row``, no format."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("Contacts")
    ws.write_row(0, 0, heads())
    for r, row in enumerate(data, start=1):
        ws.write_row(r, 0, row)
    wb.close()


def deflate(xlsx: Path) -> tuple[float, float, int]:
    """Seconds (wall, CPU) spent compressing the sheet XML of ``xlsx`` as a zip writer does, and its size.

    The XML is read back (decompressed) a piece at a time, outside the clocks."""
    import zipfile

    wall = cpu = 0.0
    size = 0
    with zipfile.ZipFile(xlsx) as z, z.open("xl/worksheets/sheet1.xml") as fh:
        packer = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
        while piece := fh.read(1 << 20):
            size += len(piece)
            t, c = time.perf_counter(), time.process_time()
            packer.compress(piece)
            wall += time.perf_counter() - t
            cpu += time.process_time() - c
        t, c = time.perf_counter(), time.process_time()
        packer.flush()
        wall += time.perf_counter() - t
        cpu += time.process_time() - c
    return wall, cpu, size


def web_app(db: str) -> tuple[Any, Any]:
    """The app on ``db`` and a programme lead's logged-in client of its web app."""
    from starlette.testclient import TestClient

    from tremplin.core.app import create_app
    from tremplin.core.settings import Settings
    from tremplin.core.web.app import create_web_app

    app = create_app(Settings(database_url=f"sqlite:///{db}", load_entrypoints=False))
    client = TestClient(create_web_app(app), base_url="http://testserver")
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    client.post("/login", data={"username": "lead", "password": PASSWORD, "csrf_token": token})
    client.cookies.set("tremplin_lang", "fr")
    return app, client


def web_export(client: Any, period: tuple[str, str], path: Path) -> int:
    """``/contacts/export?format=xlsx`` for ``period``, the answer read to the end (kept in ``path``); its size."""
    size = 0
    params = {"format": "xlsx", "from": period[0], "to": period[1]}
    with client.stream("GET", "/contacts/export", params=params) as response, path.open("wb") as out:
        assert response.status_code == 200, response.status_code
        for chunk in response.iter_bytes():
            size += len(chunk)
            out.write(chunk)
    return size


def count(app: Any, period: tuple[str, str]) -> int:
    from sqlalchemy import func, select

    from tremplin.core.models import Contact

    with app.session() as session:
        a, b = (date.fromisoformat(d) for d in period)
        return int(session.scalar(select(func.count()).where(Contact.day >= a, Contact.day <= b)) or 0)


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
    """A SQLite file holding ``n`` contacts, written by ``bench_import.py``'s generator and the import, and a
    programme lead's account to export them."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_import", Path(__file__).with_name("bench_import.py"))
    assert spec is not None and spec.loader is not None
    bench_import = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench_import)
    from tremplin.core.admin import add_staff
    from tremplin.core.app import create_app
    from tremplin.core.importer import import_file
    from tremplin.core.migrate import upgrade
    from tremplin.core.settings import Settings

    source = db.with_suffix(".csv")
    bench_import.generate(source, n)
    app = create_app(Settings(database_url=f"sqlite:///{db}", load_entrypoints=False))
    upgrade(app)
    import_file(app, "contacts", source, create_missing=True)
    with app.transaction() as session:
        add_staff(app, session, "lead", PASSWORD, roles=["programme_lead"], centre_code="bxl")
    app.close()
    source.unlink()


def measure(kind: str, n: int, folder: str, db: str | None = None, period: str = "") -> dict[str, Any]:
    """One measurement (in this process): seconds, rows/s, output size, peak memory."""
    from tremplin.core.reports.export import iter_table_csv, write_table_xlsx
    from tremplin.core.web.routes.exports import CONTACT_COLUMNS, WIDTHS

    path = Path(folder) / f"contacts-{kind}-{n}.{'csv' if kind == 'csv' else 'xlsx'}"
    client = None
    if kind == "web":  # started before the clocks: a server is up before its first request
        assert db is not None
        app, client = web_app(db)
        span = TENTH if period == "tenth" else ALL
        n = count(app, span)
        path = Path(folder) / f"contacts-web-{n}.xlsx"
    before = peak_kib()
    t, cpu = time.perf_counter(), time.process_time()
    size = 0
    if kind == "generate":
        for _ in rows(n):
            pass
    elif kind == "csv":
        with path.open("wb") as fh:
            for chunk in iter_table_csv(heads(), rows(n), language="fr", local=True):
                fh.write(chunk)
    elif kind == "xlsx":
        widths = [max(len(h) + 2, WIDTHS.get(c, 10)) for c, h in zip(CONTACT_COLUMNS, heads(), strict=True)]
        write_table_xlsx(heads(), rows(n), path, title="Contacts", widths=widths, dates="fr")
    elif kind == "floor":
        write_floor(converted_rows(n), path)
    elif kind == "deflate":
        source = Path(folder) / f"contacts-xlsx-{n}.xlsx"
        wall, compute, size = deflate(source)
        return {"kind": kind, "rows": n, "seconds": wall, "cpu": compute, "bytes": size, "peak_mib": 0.0}
    elif kind == "web":
        size = web_export(client, TENTH if period == "tenth" else ALL, path)
    elif kind == "cli":
        assert db is not None
        n = export_from_db(db, path)
    elif kind == "openpyxl":
        write_openpyxl(rows(n), path)
    else:
        raise SystemExit(f"unknown measurement {kind!r}")
    seconds = time.perf_counter() - t
    cpu = time.process_time() - cpu
    peak = peak_kib()
    if path.exists():
        size = size or path.stat().st_size
    return {
        "kind": kind,
        "rows": n,
        "seconds": seconds,
        "cpu": cpu,
        "bytes": size,
        "peak_mib": peak / 1024,
        "start_mib": before / 1024,
    }


def write_openpyxl(data: Iterator[tuple[Any, ...]], path: Path) -> None:
    """The export as it was written before xlsxwriter: openpyxl's write-only mode, cell by cell."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("contacts")
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for name in heads():
        c = WriteOnlyCell(ws, value=name)
        c.font = bold
        header.append(c)
    ws.append(header)
    for row in data:
        ws.append(row)
    wb.save(path)


def profile(db: str) -> None:
    """Where the whole web export's CPU time goes (one run, all the rows), printed by function.

    The route runs in the server's worker thread: the profiler wraps the export's writer there, which
    pulls the rows (reading and converting them) as it writes."""
    import cProfile
    import pstats

    from tremplin.core.reports import export

    prof = cProfile.Profile()
    writer = export.write_table_xlsx

    def profiled(*args: Any, **kwargs: Any) -> int:
        return int(prof.runcall(writer, *args, **kwargs))

    export.write_table_xlsx = profiled  # type: ignore[assignment]
    app, client = web_app(db)
    with tempfile.TemporaryDirectory(prefix="bench-xlsx-") as folder:
        web_export(client, ALL, Path(folder) / "profiled.xlsx")
    stats = pstats.Stats(prof)
    stats.sort_stats("tottime").print_stats(30)
    app.close()


def child(kind: str, n: int, folder: str, db: str | None = None, period: str = "") -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--rows", str(n), "--folder", folder]
        + (["--db", db] if db else [])
        + (["--period", period] if period else []),
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--openpyxl", type=int, default=0, help="rows for the openpyxl comparison (0: skip)")
    parser.add_argument("--db", default=None, help="a SQLite file of contacts to export (default: one made of --rows)")
    parser.add_argument("--keep-db", default=None, help="where to keep the database made, for the next run's --db")
    parser.add_argument("--no-cli", action="store_true", help="leave out `tremplin export contacts`")
    parser.add_argument(
        "--floor-rows",
        type=int,
        default=0,
        help="rows for the generator-fed measurements (default: --rows); their time is linear, scaled to --rows",
    )
    parser.add_argument("--profile", action="store_true", help="profile the whole web export of --db and stop")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--folder", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--period", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.rows, args.folder, args.db, args.period)))
        return
    if args.profile:
        if not args.db:
            raise SystemExit("--profile needs --db (made by an earlier run with --keep-db)")
        profile(args.db)
        return
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="bench-xlsx-") as folder:
        db = args.db
        if db is None:
            db = args.keep_db or str(Path(folder) / "contacts.db")
            t = time.perf_counter()
            make_db(Path(db), args.rows)
            print(f"made {db} ({args.rows:,} contacts) in {time.perf_counter() - t:.0f} s")
        n = args.floor_rows or args.rows
        results = [
            child("web", args.rows, folder, db, "tenth"),
            child("web", args.rows, folder, db, "all"),
            child("generate", n, folder),
            child("floor", n, folder),
            child("xlsx", n, folder),
            child("deflate", n, folder),
            child("csv", n, folder),
        ]
        if not args.no_cli:
            results.append(child("cli", args.rows, folder, db))
        if args.openpyxl:
            results.append(child("openpyxl", args.openpyxl, folder))
    # CPU seconds are given next to the wall clock: on a shared machine they are the fairer figure.
    titles = ("measured", "rows", "wall s", "CPU s", "rows/s", "rows/CPU s", "MiB out", "peak MiB")
    print(f"{titles[0]:<10}" + "".join(f"{h:>12}" for h in titles[1:]))
    for r in results:
        cells = (f"{r['rows']:,}", f"{r['seconds']:.1f}", f"{r['cpu']:.1f}", f"{r['rows'] / r['seconds']:,.0f}")
        peak = f"{r['peak_mib']:.1f}" if r["peak_mib"] else "-"
        cells += (f"{r['rows'] / max(r['cpu'], 1e-9):,.0f}", f"{r['bytes'] / 2**20:.1f}", peak)
        print(f"{r['kind']:<10}" + "".join(f"{c:>12}" for c in cells))
    small, whole = results[0], results[1]
    by_kind = {r["kind"]: r for r in results[2:]}
    gen, floor, xlsx, packed = by_kind["generate"], by_kind["floor"], by_kind["xlsx"], by_kind["deflate"]
    print(
        f"Whole web export: {whole['rows']:,} rows in {whole['seconds']:.1f} s wall, {whole['cpu']:.1f} s CPU "
        f"(target: 1,000,000 rows under 60 s); peak memory {small['peak_mib']:.0f} MiB for {small['rows']:,} rows, "
        f"{whole['peak_mib']:.0f} MiB for {whole['rows']:,}."
    )
    scale = whole["rows"] / max(floor["rows"], 1)
    bare_wall, bare_cpu, packing = floor["seconds"] * scale, floor["cpu"] * scale, packed["cpu"] * scale
    print(
        f"Against the floors (scaled to {whole['rows']:,} rows): bare xlsxwriter {bare_wall:.1f} s wall "
        f"({bare_cpu:.1f} CPU s, generator included), whole export {whole['seconds'] / bare_wall:.2f}× its wall "
        f"time, {whole['cpu'] / bare_cpu:.2f}× its CPU time; deflating the sheet XML {packing:.1f} CPU s, "
        f"whole export {whole['cpu'] / packing:.2f}× that."
    )
    print(
        f"The export's writer alone: {(xlsx['cpu'] - gen['cpu']) * scale:.1f} CPU s once the rows are made "
        f"(bare xlsxwriter {(floor['cpu'] - gen['cpu']) * scale:.1f}); the rest of the whole export (reading, "
        f"converting, sending) {whole['cpu'] - (xlsx['cpu'] - gen['cpu']) * scale:.1f} CPU s."
    )
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
