"""The import's short way for contact rows of known parts (``tremplin.core.import_rows``).

Whatever it makes must be what the usual way makes: the same stored rows, the same roll-up, the same
refusals with the same words. Each file is imported twice on SQLite, with and without the short way,
and the two databases compared.
"""

from __future__ import annotations

import csv
import sqlite3
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import make_app
from tremplin.core import import_rows
from tremplin.core.bulk import SQLiteRows
from tremplin.core.importer import ImportFailed, import_file
from tremplin.core.migrate import upgrade

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from bench_import import generate  # noqa: E402

COLUMNS = (
    "centre_id, site_id, source_ref, occurred_at, day, audience, modality, channel, themes, language, headcount, "
    "gender, age_band, education, labour_status, attributes, note, created_at"
)


def imported(tmp_path: Path, name: str, csv_path: Path, short: bool, **options: Any) -> Any:
    """Import ``csv_path`` into a fresh SQLite database; its contacts and roll-up, or the refusal."""
    app = make_app(f"sqlite:///{tmp_path / name}.db")
    upgrade(app)
    original = import_rows.Shortcut.__init__
    uses: list[import_rows.Shortcut] = []

    def init(self: import_rows.Shortcut, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.enabled = self.enabled and short
        uses.append(self)

    import_rows.Shortcut.__init__ = init  # type: ignore[method-assign]
    try:
        result = import_file(app, "contacts", csv_path, create_missing=True, **options)
    except ImportFailed as exc:
        return ("refused", exc.problems), uses
    finally:
        import_rows.Shortcut.__init__ = original  # type: ignore[method-assign]
        app.close()
    conn = sqlite3.connect(tmp_path / f"{name}.db")
    contacts = conn.execute(f"SELECT {COLUMNS} FROM contacts ORDER BY source_ref").fetchall()
    rollup = conn.execute("SELECT * FROM counter_values ORDER BY 1, 2, 3, 4, 5, 6").fetchall()
    conn.close()
    # created_at is the moment of each import: compared as "the same on every row".
    assert len({row[-1] for row in contacts}) == 1
    return ([row[:-1] for row in contacts], rollup, result.masked_notes, result.read), uses


def both(tmp_path: Path, csv_path: Path, **options: Any) -> tuple[Any, list[import_rows.Shortcut]]:
    usual, _ = imported(tmp_path, "usual", csv_path, False, **options)
    short, uses = imported(tmp_path, "short", csv_path, True, **options)
    assert short == usual
    return short, uses


def test_a_generated_history_is_stored_the_same_either_way(tmp_path: Path) -> None:
    """20,000 contacts of every audience, with notes, attributes and sites, over five years."""
    path = tmp_path / "contacts.csv"
    generate(path, 20_000)
    (contacts, rollup, masked, read), uses = both(tmp_path, path)
    assert read == len(contacts) == 20_000 and len(rollup) > 10_000
    assert any("0470" not in row[16] and "Rappeler" in row[16] for row in contacts)  # scrubbed either way
    # The short way was taken, and kept on: every tuple it made when learning was the usual one.
    assert uses and all(use.enabled for use in uses)
    assert sum(len(use.parts) for use in uses) > 100


def write_rows(path: Path, rows: list[dict[str, str]]) -> Path:
    columns = [
        "id",
        "occurred_at",
        "centre",
        "site",
        "audience",
        "modality",
        "channel",
        "themes",
        "headcount",
        "note",
        "attr.question",
    ]
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows({"centre": "bxl", "audience": "general", "modality": "individual_advice", **r} for r in rows)
    return path


def base(n: int, **values: str) -> dict[str, str]:
    return {"id": f"r{n:04d}", "occurred_at": f"2022-03-{1 + n % 28:02d}T10:{n % 60:02d}", **values}


def test_clock_changes_and_odd_times_are_stored_the_same_either_way(tmp_path: Path) -> None:
    """The hours a clock change repeats or skips, times with seconds, offsets or spaces, a midnight."""
    times = [
        "2022-03-27T01:59",
        "2022-03-27T02:30",  # skipped in Brussels
        "2022-03-27T03:00",
        "2022-10-30T02:15",  # repeated
        "2022-10-30T02:15",
        "2022-10-30T03:00",
        "2022-12-31T23:59",
        "2023-01-01T00:00",
        "2022-06-01T10:30:45",
        "2022-06-01T10:30+05:30",
        "2022-06-01 10:30",
        " 2022-06-01T10:31",
    ]
    rows = [base(n) for n in range(40)]  # parts learned first
    rows += [{"id": f"t{n:02d}", "occurred_at": t} for n, t in enumerate(times)]
    (contacts, _, _, _), _ = both(tmp_path, write_rows(tmp_path / "c.csv", rows))
    assert len(contacts) == 52


def test_notes_and_refusals_are_the_same_either_way(tmp_path: Path) -> None:
    """After every part is known, rows the rules refuse or mask still get the usual answer."""
    good = [base(n, note="Suivi CV" if n % 2 else "", **{"attr.question": "cv_letter"}) for n in range(30)]
    masked = [base(100, note="Appeler Jean Dupont au 0470 12 34 56, jean.dupont@example.org")]
    (contacts, _, masked_notes, _), _ = both(tmp_path, write_rows(tmp_path / "ok.csv", good + masked))
    assert masked_notes == 1 and "0470" not in contacts[-1][16]

    tomorrow = (datetime.now(ZoneInfo("Europe/Brussels")) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    bad = good + [
        {"id": "x1", "occurred_at": tomorrow},
        {"id": "x2", "occurred_at": "2022-03-01T10:61"},
        base(200, note="x" * 6000),
        base(201, headcount="400"),
        base(202, **{"attr.question": "nowhere"}),
        base(203, note="Né le 03/02/1990, appeler le 0470 12 34 56"),
    ]
    (refused, problems), _ = both(tmp_path, write_rows(tmp_path / "bad.csv", bad), strict_notes=True)
    assert refused == "refused" and len(problems) == 6
    assert any("in the future" in p for p in problems) and any("[note.personal]" in p for p in problems)


@pytest.mark.parametrize("zone", ["Europe/Brussels", "Asia/Kolkata", "Australia/Lord_Howe", "UTC"])
def test_an_hours_text_is_the_usual_conversion(zone: str) -> None:
    """``hour_of`` gives what ``SQLiteRows`` stores for every minute of the hour, or declines the hour."""
    tz = ZoneInfo(zone)
    maker = SQLiteRows.for_kind("contacts")
    start = datetime(2022, 1, 1)
    for hours in range(0, 24 * 365, 7):
        local = start + timedelta(hours=hours)
        prefix = local.strftime("%Y-%m-%dT%H")
        hour = import_rows.hour_of(prefix, tz)
        if hour is None:
            assert zone in ("Asia/Kolkata", "Australia/Lord_Howe")  # offsets that are not whole hours
            continue
        for minute in (0, 17, 59):
            moment = local.replace(minute=minute, tzinfo=tz)
            assert hour[0] + f":{minute:02d}:00.000000" == maker._stamp(moment)
            assert (hour[1], hour[2]) == (moment.date(), moment.date().isoformat())
    assert import_rows.hour_of("2022-01-01X10", tz) is None and import_rows.hour_of("20220101T1000", tz) is None
    assert import_rows.hour_of("2022-02-30T10", tz) is None
    assert date(2022, 1, 1) == import_rows.hour_of("2022-01-01 10", ZoneInfo("UTC"))[1]  # type: ignore[index]
