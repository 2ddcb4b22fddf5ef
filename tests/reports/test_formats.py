"""PDF, XLSX, CSV, JSON and HTML carry the same numbers: all five are read back and compared."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest

from tests.reports.data import YEAR, build_year
from tests.reports.sheets import csv_sections, csv_text, read_csv
from tremplin.core.app import App
from tremplin.core.reports.build import annual_report
from tremplin.core.reports.render import render_bytes, to_dict


@pytest.fixture
def reports(app: App) -> dict[bool, Any]:
    build_year(app)
    with app.session() as session:
        return {
            published: annual_report(app, session, YEAR, language="en", published=published)
            for published in (False, True)
        }


def expected_rows(s: dict[str, Any]) -> list[tuple[list[Any], frozenset[int]]] | None:
    """The values a section's rows hold in the spreadsheets, in order, with the columns holding ratios."""
    if s["kind"] == "key_figures":
        none = s["previous_empty"]
        rows = [[f["value"], "no data" if none else f["previous"], None if none else f["change"]] for f in s["figures"]]
        return [(row, frozenset({2})) for row in rows]
    if s["kind"] == "breakdown":
        return [([r["value"], r["share"]], frozenset({1})) for r in [*s["rows"], s["total"]]]
    if s["kind"] == "monthly_chart":
        return [([*ser["values"], ser["total"]], frozenset()) for ser in s["series"]]
    if s["kind"] == "online_figures":
        return [([r["value"]], frozenset()) for r in s["rows"]]
    return None


@pytest.mark.parametrize("published", [False, True], ids=["exact", "published"])
def test_csv_and_json_carry_the_same_numbers(reports: dict[bool, Any], published: bool) -> None:
    report = reports[published]
    doc = json.loads(render_bytes(report, "json"))
    assert doc == json.loads(json.dumps(to_dict(report)))
    rows = read_csv(render_bytes(report, "csv"), "en")
    assert rows[0] == [doc["title"]]
    tables = csv_sections(rows, [s["title"] for s in doc["sections"]])
    checked = 0
    for s, table in zip(doc["sections"], tables):
        want = expected_rows(s)
        if want is None:
            continue
        header, body = table[0], table[1:]
        assert len(header) >= 2 and all(header)  # a heading for every column, in the report's words
        for (values, ratios), row in zip(want, body):
            for i, value in enumerate(values):
                assert row[1 + i] == csv_text(value, ratio=i in ratios), (s["key"], row)
                checked += 1
    assert checked > 200
    marks = {v for r in rows for v in r if v in ("<5", "x")}
    assert bool(marks) == published


@pytest.mark.parametrize("published", [False, True], ids=["exact", "published"])
def test_xlsx_carries_the_same_numbers_as_numbers(reports: dict[bool, Any], published: bool) -> None:
    from openpyxl import load_workbook

    report = reports[published]
    doc = to_dict(report)
    wb = load_workbook(io.BytesIO(render_bytes(report, "xlsx")))
    sheets = wb.worksheets[1:]
    assert len(sheets) == len(doc["sections"])
    names = [ws.title for ws in wb.worksheets]
    assert len({n.lower() for n in names}) == len(names) and all(len(n) <= 31 for n in names)
    checked = 0
    for ws, s in zip(sheets, doc["sections"]):
        rows = list(ws.iter_rows(values_only=True))
        assert rows[0][0] == s["title"]
        assert ws.freeze_panes == "A3"  # the title and the header stay in view
        assert ws.cell(row=2, column=1).font.b  # readable bold headers
        want = expected_rows(s)
        if want is None:
            continue
        for (values, _ratios), row in zip(want, rows[2:]):
            for i, value in enumerate(values):
                got = row[1 + i]
                if value is None:
                    assert got is None
                elif isinstance(value, float):
                    assert got == pytest.approx(value), (s["key"], row)
                else:
                    assert got == value, (s["key"], row)
                if isinstance(value, int) and not isinstance(value, bool):
                    assert isinstance(got, int)  # stored as a number, not as text
                checked += 1
    assert checked > 200


def tokens(text: str) -> list[str]:
    return re.findall(r"<5|(?<![\w.])x(?![\w])|\d{1,3}(?:,\d{3})+|\d+", text)


def is_subsequence(needles: list[str], haystack: list[str]) -> bool:
    it = iter(haystack)
    return all(any(n == h for h in it) for n in needles)


@pytest.mark.parametrize("published", [False, True], ids=["exact", "published"])
def test_pdf_carries_the_same_numbers(reports: dict[bool, Any], published: bool) -> None:
    from pypdf import PdfReader

    report = reports[published]
    doc = to_dict(report)
    pdf = PdfReader(io.BytesIO(render_bytes(report, "pdf")))
    text = "\n".join(page.extract_text() for page in pdf.pages)
    assert doc["title"] in text

    def fmt(v: Any) -> str:
        return f"{v:,}" if isinstance(v, int) else str(v)

    pos = 0
    titles = [s["title"] for s in doc["sections"]]
    starts = []
    for t in titles:
        i = text.index(t, pos)
        starts.append(i)
        pos = i + len(t)
    starts.append(len(text))
    checked = 0
    for n, s in enumerate(doc["sections"]):
        chunk = tokens(text[starts[n] : starts[n + 1]])
        if s["kind"] == "key_figures":
            want = [fmt(x) for f in s["figures"] for x in (f["value"], f["previous"])]
        elif s["kind"] == "breakdown":
            want = [fmt(r["value"]) for r in [*s["rows"], s["total"]]]
        elif s["kind"] == "monthly_chart":
            want = [fmt(v) for ser in s["series"] for v in [*ser["values"], ser["total"]]]
        elif s["kind"] == "online_figures":
            want = [fmt(r["value"]) for r in s["rows"]]
        else:
            continue
        assert is_subsequence(want, chunk), (s["key"], want, chunk)
        checked += len(want)
    assert checked > 200
    if published:
        assert "<5" in text


def test_html_is_the_pdf_source_with_inline_svg_charts(reports: dict[bool, Any]) -> None:
    html = render_bytes(reports[True], "html").decode("utf-8")
    assert html.startswith("<!doctype html>")
    charts = sum(1 for s in reports[True].sections if s.kind == "monthly_chart")
    # Each chart is drawn twice: wide, and narrow for phones (its text stays legible).
    assert html.count('class="chart-wide"') == html.count('class="chart-narrow"') == charts
    assert html.count('class="chart"') == 2 * charts
    assert 'class="closure"' in html
    assert "&lt;5" in html  # published marks, escaped
