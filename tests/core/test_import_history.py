"""Imports of history: years of records pass the rules of every way in, with two differences.

A note made mostly of personal data is stored masked and counted (five such notes among 200 do not
refuse ten years of history), unless ``--strict-notes`` asks for the forms' refusal. A count far above
the usual is listed as a problem, and imported once confirmed with ``--confirm``. Dates in the future or
before the centre opened are refused, whatever the flags.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from tremplin.core.app import App
from tremplin.core.importer import COLUMNS, ImportFailed, import_file
from tremplin.core.models import Contact

PERSONAL = [
    "Refund to UA21 3223 1300 0002 6007 2335 6600 1 for the welding course.",
    "Fatima El Amrani, 0470 12 34 56, fatima.elamrani@gmail.com",
    "Rappeler au 0470 12 34 56 ou 02 512 34 56",
    "Mail: jan.peeters@telenet.be, tel. 0486 11 22 33",
    "Né le 03/04/1990, rue de la Loi 16, 1000 Bruxelles",
]


def history(rows: int = 200, personal: list[str] = PERSONAL, **changes: dict[str, str]) -> str:
    """``rows`` contacts of 2019 to 2024; the first ones carry the ``personal`` notes; ``changes`` by id."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS["contacts"])
    writer.writeheader()
    for i in range(rows):
        ref = f"h-{i}"
        row = {
            "id": ref,
            "occurred_at": f"{2019 + i % 6}-0{1 + i % 9}-1{i % 10}T10:00",
            "centre": "bxl",
            "site": "advice",
            "audience": "general",
            "modality": "individual_advice",
            "channel": "walk_in",
            "themes": "work",
            "language": "fr",
            "headcount": "1",
            "note": personal[i] if i < len(personal) else "Suivi CV, rendez-vous pris.",
        }
        row.update(changes.get(ref, {}))
        writer.writerow({k: row.get(k, "") for k in COLUMNS["contacts"]})
    return out.getvalue()


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "history.csv"
    path.write_text(text, encoding="utf-8")
    return path


def count(app: App) -> int:
    with app.session() as session:
        return session.scalar(select(func.count(Contact.id))) or 0


def test_notes_mostly_personal_are_masked_and_counted(app: App, centre: int, tmp_path: Path) -> None:
    for note in PERSONAL:
        assert app.scrub(note).personal_share > 0.5, note
    result = import_file(app, "contacts", write(tmp_path, history()))
    assert result.inserted == 200 and result.masked_notes == 5
    assert "Masked 5 note(s) made mostly of personal data" in result.describe()
    with app.session() as session:
        notes = {ref: note for ref, note in session.execute(select(Contact.source_ref, Contact.note))}
    assert notes["h-0"] == "Refund to [IBAN] for the welding course."
    stored = " ".join(notes.values())
    for fragment in ("UA21", "0470", "gmail", "telenet", "03/04/1990", "Loi 16"):
        assert fragment not in stored, fragment
    assert notes["h-10"] == "Suivi CV, rendez-vous pris."


def test_strict_notes_refuses_them_as_a_form_does(app: App, centre: int, tmp_path: Path) -> None:
    with pytest.raises(ImportFailed) as failed:
        import_file(app, "contacts", write(tmp_path, history()), strict_notes=True)
    assert len(failed.value.problems) == 5
    assert all(
        p.startswith(f"line {i + 2}, column note: is mostly personal data") for i, p in enumerate(failed.value.problems)
    )
    assert all(p.endswith("[note.personal]") for p in failed.value.problems)
    assert count(app) == 0


def test_a_count_far_above_the_usual_is_listed_until_confirmed(app: App, centre: int, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        history(20, [], **{"h-3": {"headcount": "100000"}, "h-7": {"headcount": "5000"}}),
    )
    with pytest.raises(ImportFailed) as failed:
        import_file(app, "contacts", path)
    assert failed.value.problems == [
        "line 5, column headcount: 100000 is above the usual 200: confirm it [count.implausible]",
        "line 9, column headcount: 5000 is above the usual 200: confirm it [count.implausible]",
    ]
    assert count(app) == 0
    assert import_file(app, "contacts", path, confirmed=True).inserted == 20


def test_dates_in_the_future_or_before_the_opening_are_refused(app: App, centre: int, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        history(
            10,
            [],
            **{
                "h-1": {"occurred_at": "2999-06-01T10:00"},
                "h-2": {"occurred_at": "1999-01-01T10:00"},
            },
        ),
    )
    with pytest.raises(ImportFailed) as failed:
        import_file(app, "contacts", path, confirmed=True)
    problems = failed.value.problems
    assert len(problems) == 2
    assert problems[0].startswith("line 3, column occurred_at: 2999-06-01 is in the future") and problems[0].endswith(
        "[date.future]"
    )
    assert (
        problems[1]
        == "line 4, column occurred_at: 1999-01-01 is before the centre opened (2000-01-01) [date.before_opening]"
    )


def run(*args: str) -> Any:
    from tremplin.core.cli import cli

    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_the_command_line_flags(db_url: str, tmp_path: Path) -> None:
    path = write(tmp_path, history(30, PERSONAL, **{"h-20": {"headcount": "900"}}))
    refused = run("--database-url", db_url, "import", "contacts", str(path), "--create-missing")
    assert refused.exit_code == 1 and "[count.implausible]" in refused.stderr and "--confirm" in refused.stderr
    strict = run(
        "--database-url",
        db_url,
        "import",
        "contacts",
        str(path),
        "--create-missing",
        "--confirm",
        "--strict-notes",
    )
    assert strict.exit_code == 1 and "Nothing was imported: 5 problem(s)" in strict.stderr
    done = run(
        "--database-url",
        db_url,
        "import",
        "contacts",
        str(path),
        "--create-missing",
        "--confirm",
    )
    assert done.exit_code == 0, done.output
    assert "30 rows read, 30 inserted" in done.stdout and "Masked 5 note(s)" in done.stdout
