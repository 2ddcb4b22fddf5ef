"""PDF, XLSX, CSV, JSON and HTML carry the same numbers: all five are read back and compared."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import pytest

from tremplin.core.app import App
from tremplin.core.reports.build import annual_report
from tremplin.core.reports.render import render_bytes, to_dict
from tests.reports.data import YEAR, build_year


def json_cells(doc: dict[str, Any]) -> dict[tuple[str, str, str], Any]:
    """The numbers of the report, keyed like the CSV: (section, row, column)."""
    out: dict[tuple[str, str, str], Any] = {}
    for s in doc["sections"]:
        k = s["key"]
        if s["kind"] == "key_figures":
            for f in s["figures"]:
                for col in ("value", "previous", "change"):
                    out[(k, f["key"], col)] = f[col]
        elif s["kind"] == "breakdown":
            for r in [*s["rows"], s["total"]]:
                out[(k, r["key"], "value")] = r["value"]
                out[(k, r["key"], "share")] = r["share"]
        elif s["kind"] == "monthly_chart":
            for ser in s["series"]:
                for month, v in zip(s["months"], ser["values"]):
                    out[(k, ser["key"], month)] = v
                out[(k, ser["key"], "total")] = ser["total"]
        elif s["kind"] == "online_figures":
            for r in s["rows"]:
                out[(k, f"{r['source']}.{r['metric']}", "value")] = r["value"]
                out[(k, f"{r['source']}.{r['metric']}", "previous")] = r["previous"]
    return out


def as_text(value: Any) -> str:
    return "" if value is None else str(value)


@pytest.fixture
def reports(app: App) -> dict[bool, Any]:
    build_year(app)
    with app.session() as session:
        return {published: annual_report(app, session, YEAR, language="en", published=published) for published in (False, True)}


@pytest.mark.parametrize("published", [False, True], ids=["exact", "published"])
def test_csv_and_json_carry_the_same_numbers(reports: dict[bool, Any], published: bool) -> None:
    report = reports[published]
    doc = json.loads(render_bytes(report, "json"))
    assert doc == json.loads(json.dumps(to_dict(report)))
    expected = json_cells(doc)
    rows = list(csv.reader(io.StringIO(render_bytes(report, "csv").decode("utf-8"))))
    assert rows[0] == ["section", "row", "column", "value"]
    got = {(s, r, c): v for s, r, c, v in rows[1:]}
    for cell, value in expected.items():
        assert got[cell] == as_text(value), cell
    assert got[("_report", "published", "value")] == ("true" if published else "false")
    marks = {v for v in got.values() if v in ("<5", "x")}
    assert bool(marks) == published


@pytest.mark.parametrize("published", [False, True], ids=["exact", "published"])
def test_xlsx_carries_the_same_numbers_as_numbers(reports: dict[bool, Any], published: bool) -> None:
    from openpyxl import load_workbook

    report = reports[published]
    doc = to_dict(report)
    expected = json_cells(doc)
    wb = load_workbook(io.BytesIO(render_bytes(report, "xlsx")))
    sheets = wb.worksheets[1:]
    assert len(sheets) == len(doc["sections"])
    checked = 0
    for ws, s in zip(sheets, doc["sections"]):
        rows = list(ws.iter_rows(values_only=True))
        assert rows[0][0] == s["title"]
        header = rows[1]
        assert all(h is not None for h in header[: 2])
        assert ws.cell(row=2, column=1).font.b  # readable bold headers
        if s["kind"] == "key_figures":
            layout = ["value", "previous", "change"]
        elif s["kind"] == "breakdown":
            layout = ["value", "share"]
        elif s["kind"] == "monthly_chart":
            layout = [*s["months"], "total"]
        elif s["kind"] == "online_figures":
            layout = ["value", None, "previous"]
        else:
            continue
        for row in rows[2:]:
            if not row or row[0] is None or str(row[0]).startswith("closure."):
                break
            for col, value in zip(layout, row[2:]):
                if col is None:
                    continue
                want = expected[(s["key"], row[0], col)]
                assert value == want, (s["key"], row[0], col)
                if isinstance(want, int):
                    assert isinstance(value, int)  # stored as a number, not as text
                checked += 1
    assert checked == len(expected)


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
    assert html.count('class="chart"') == sum(1 for s in reports[True].sections if s.kind == "monthly_chart")
    assert 'class="closure"' in html
    assert "&lt;5" in html  # published marks, escaped
