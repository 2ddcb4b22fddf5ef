"""``tremplin report`` and ``tremplin export``: every report and format, the options, the audit log."""

from __future__ import annotations

import csv
import importlib.util
import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

from tests.reports.data import YEAR, build_year, counter_value, in_period
from tests.reports.sheets import csv_sections, read_csv
from tremplin.core.admin import add_staff
from tremplin.core.app import App
from tremplin.core.cli import cli
from tremplin.core.models import AuditEvent


def run(db_url: str, *args: str) -> Result:
    result = CliRunner().invoke(cli, ["--database-url", db_url, *args], catch_exceptions=False)
    return result


def audits(app: App) -> list[AuditEvent]:
    with app.session() as session:
        return list(
            session.scalars(select(AuditEvent).where(AuditEvent.action == "report.export").order_by(AuditEvent.id))
        )


def test_annual_report_in_every_format(app: App, db_url: str, tmp_path: Path) -> None:
    y = build_year(app)
    for fmt in ("html", "pdf", "xlsx", "csv", "json"):
        out = tmp_path / f"annual.{fmt}"
        result = run(
            db_url, "report", "annual", "--year", str(YEAR), "--format", fmt, "--out", str(out), "--language", "en"
        )
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 1000
    doc = json.loads((tmp_path / "annual.json").read_text())
    total = next(f for f in doc["sections"][0]["figures"] if f["key"] == "contacts.total")
    assert total["value"] == counter_value(y, "contacts.total", in_period(date(YEAR, 1, 1), date(YEAR, 12, 31)))
    assert (tmp_path / "annual.pdf").read_bytes().startswith(b"%PDF")
    events = audits(app)
    assert [e.details["format"] for e in events] == ["html", "pdf", "xlsx", "csv", "json"]
    e = events[-1]
    assert (e.actor, e.staff_id, e.object_type, e.object_id) == ("cli", None, "report", "annual")
    assert e.details["year"] == YEAR and e.details["published"] is False and e.details["language"] == "en"
    assert e.details["out"] == str(tmp_path / "annual.json") and e.at is not None


def test_published_audience_monthly_and_network(app: App, db_url: str, tmp_path: Path) -> None:
    build_year(app, centres=("bxl", "lux"))
    out = tmp_path / "schools.json"
    assert (
        run(
            db_url,
            "report",
            "audience",
            "schools",
            "--year",
            str(YEAR),
            "--format",
            "json",
            "--out",
            str(out),
            "--published",
        ).exit_code
        == 0
    )
    doc = json.loads(out.read_text())
    assert doc["key"] == "audience:schools" and doc["published"] and doc["disclosure"]["primary"] == "<5"
    out = tmp_path / "march.csv"
    result = run(
        db_url,
        "report",
        "monthly",
        "--month",
        f"{YEAR}-03",
        "--format",
        "csv",
        "--out",
        str(out),
        "--centre",
        "bxl",
        "--centre",
        "lux",
    )
    assert result.exit_code == 0, result.output
    rows = read_csv(out.read_bytes(), "fr")  # the settings' language: ";" as Belgian Excel expects
    centres = next(r for r in rows if r[0] == "Centres")
    assert "(bxl)" in centres[1] and "(lux)" in centres[1]
    assert ["Indicateur", "Valeur", "Période précédente", "Évolution", "bxl", "lux"] in rows
    result = run(db_url, "report", "monthly", "--month", "2025-13")
    assert result.exit_code != 0
    result = run(
        db_url, "report", "annual", "--year", str(YEAR), "--centre", "nowhere", "--out", str(tmp_path / "x.html")
    )
    assert result.exit_code == 1 and "unknown centre" in result.output
    assert [e.object_id for e in audits(app)] == ["audience:schools", "monthly"]


def test_a_role_without_exact_figures_gets_them_published(app: App, db_url: str, tmp_path: Path) -> None:
    build_year(app)
    with app.transaction() as session:
        add_staff(app, session, "lea", "a-long-password", roles=["counsellor"])
        add_staff(app, session, "lead", "a-long-password", roles=["programme_lead"])
    for user in ("lea", "lead"):
        out = tmp_path / f"{user}.json"
        result = run(
            db_url, "report", "annual", "--year", str(YEAR), "--format", "json", "--out", str(out), "--as", user
        )
        assert result.exit_code == 0, result.output
    lea, lead = (json.loads((tmp_path / f"{u}.json").read_text()) for u in ("lea", "lead"))
    assert lea["published"] and not lead["published"]
    assert "neet.touchngo" not in [s["key"] for s in lea["sections"]]  # a counsellor does not see NEET
    events = audits(app)
    assert [(e.actor, e.details["published"]) for e in events] == [("lea", True), ("lead", False)]
    assert all(e.staff_id is not None for e in events)
    assert run(db_url, "report", "annual", "--year", str(YEAR), "--as", "nobody").exit_code == 1


def test_export_contacts_streams_every_row(app: App, db_url: str, tmp_path: Path) -> None:
    y = build_year(app)
    out = tmp_path / "contacts.csv"
    assert run(db_url, "export", "contacts", "--format", "csv", "--out", str(out)).exit_code == 0
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == len(y.contacts)
    assert sum(int(r["headcount"]) for r in rows) == sum(c["headcount"] for c in y.contacts)
    assert "note" not in rows[0]
    out = tmp_path / "contacts.xlsx"
    assert (
        run(
            db_url,
            "export",
            "contacts",
            "--format",
            "xlsx",
            "--out",
            str(out),
            "--from",
            f"{YEAR}-01-01",
            "--to",
            f"{YEAR}-12-31",
        ).exit_code
        == 0
    )
    from openpyxl import load_workbook

    ws = load_workbook(out, read_only=True).worksheets[0]
    data = list(ws.iter_rows(values_only=True))
    assert data[0][0] == "id" and len(data) - 1 == sum(1 for c in y.contacts if c["day"].year == YEAR)
    assert isinstance(data[1][10], int)
    events = audits(app)
    assert [(e.object_type, e.details["rows"]) for e in events] == [
        ("contacts", len(y.contacts)),
        ("contacts", len(data) - 1),
    ]


ESF = importlib.util.find_spec("tremplin.core.reports.esf") is not None


@pytest.mark.skipif(not ESF, reason="the ESF+ computation (tremplin.core.reports.esf) is not there yet")
def test_esf_report_is_wired(app: App, db_url: str, tmp_path: Path) -> None:
    build_year(app)
    out = tmp_path / "esf.json"
    result = run(
        db_url,
        "report",
        "esf",
        "--operation",
        "neet",
        "--from",
        f"{YEAR}-01-01",
        "--to",
        f"{YEAR}-06-30",
        "--format",
        "json",
        "--out",
        str(out),
        "--language",
        "en",
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    assert doc["key"] == "esf" and doc["period"]["end"] == f"{YEAR}-06-30"
    kinds = {s["kind"] for s in doc["sections"]}
    assert "table" in kinds and "note" in kinds
    out = tmp_path / "participants.csv"
    result = run(
        db_url,
        "report",
        "esf",
        "--from",
        f"{YEAR}-01-01",
        "--to",
        f"{YEAR}-12-31",
        "--participants",
        "--format",
        "csv",
        "--out",
        str(out),
    )
    assert result.exit_code == 0, result.output
    from tremplin.core.reports.esf import PARTICIPANT_COLUMNS

    (table,) = csv_sections(read_csv(out.read_bytes(), "fr"), ["Participants"])
    column = PARTICIPANT_COLUMNS.index("case_code")
    codes = {r[column] for r in table[1:]}
    assert len(codes) == 4  # cumulative since the operation began: the three NEET cases of the year and the one before
    assert (
        run(
            db_url, "report", "esf", "--from", f"{YEAR}-01-01", "--to", f"{YEAR}-12-31", "--participants", "--published"
        ).exit_code
        == 1
    )
    assert [e.object_id for e in audits(app)] == ["esf", "esf.participants"]
