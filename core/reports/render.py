"""Every format from the same resolved report: HTML, PDF, XLSX, CSV and JSON.

The figures are never recomputed here: each renderer walks ``tremplin.core.reports.model.Report`` and prints
``Num.shown`` (the value, or its disclosure mark in a published report). XLSX and CSV share one view
of a section, ``blocks``: a few rectangular blocks of rows with stable row and column keys. The JSON
keys and the CSV layout are documented in ``docs/reports.md``; changing them breaks automation.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

from tremplin.core.reports import model as m
from tremplin.core.reports.formatting import fmt_date, fmt_int, fmt_month, fmt_pct, word

FORMATS: dict[str, tuple[str, str, bool]] = {
    # format: (file extension, media type, binary)
    "html": ("html", "text/html; charset=utf-8", False),
    "pdf": ("pdf", "application/pdf", True),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", True),
    "csv": ("csv", "text/csv; charset=utf-8", False),
    "json": ("json", "application/json", False),
}

JSON_SCHEMA = "tremplin.report/1"


def _shown(value: Any, marks: m.Marks) -> Any:
    if isinstance(value, m.Num):
        return value.shown(marks)
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


# ------------------------------------------------------------------------------------------------
# JSON


def to_dict(report: m.Report) -> dict[str, Any]:
    """The report as plain data with the documented, stable keys (``docs/reports.md``)."""
    marks = report.marks
    return {
        "schema": JSON_SCHEMA,
        "key": report.key,
        "title": report.title,
        "language": report.language,
        "period": report.period.as_dict(),
        "previous_period": report.previous.as_dict(),
        "centres": [{"code": c.code, "name": c.name} for c in report.centres],
        "published": report.published,
        "disclosure": {"threshold": report.threshold, "primary": marks.primary, "secondary": marks.secondary} if report.published else None,
        "generated_at": report.generated_at.isoformat() if report.generated_at else None,
        "parameters": {k: _plain(v) for k, v in report.parameters.items()},
        "sections": [section_dict(s, marks) for s in report.sections],
    }


def _centres(nums: dict[str, m.Num], marks: m.Marks) -> dict[str, Any]:
    return {code: n.shown(marks) for code, n in nums.items()}


def section_dict(section: m.Section, marks: m.Marks) -> dict[str, Any]:
    head = {"kind": section.kind, "key": section.key, "title": section.title}
    if isinstance(section, m.KeyFiguresSection):
        return head | {
            "figures": [
                {
                    "key": f.key,
                    "label": f.label,
                    "value": f.value.shown(marks),
                    "previous": f.previous.shown(marks),
                    "change": f.change.shown(marks),
                    "centres": _centres(f.centres, marks),
                }
                for f in section.figures
            ]
        }
    if isinstance(section, m.BreakdownSection):

        def row(r: m.Row) -> dict[str, Any]:
            return {"key": r.key, "label": r.label, "value": r.value.shown(marks), "share": r.share.shown(marks), "centres": _centres(r.centres, marks)}

        return head | {
            "counter": section.counter,
            "counter_label": section.counter_label,
            "dim": section.dim,
            "dim_label": section.dim_label,
            "additive": section.additive,
            "rows": [row(r) for r in section.rows],
            "total": row(section.total),
        }
    if isinstance(section, m.ChartSection):
        return head | {
            "dim": section.dim,
            "months": [f"{mo.year}-{mo.month:02d}" for mo in section.months],
            "series": [{"key": s.key, "label": s.label, "values": [v.shown(marks) for v in s.values], "total": s.total.shown(marks)} for s in section.series],
            "closures": [{"start": c.start.isoformat(), "end": c.end.isoformat(), "scope": c.scope, "label": c.label, "centre": c.centre} for c in section.closures],
        }
    if isinstance(section, m.TableSection):
        return head | {
            "columns": [{"key": c.key, "label": c.label} for c in section.columns],
            "rows": [{c.key: _plain(_shown(r.get(c.key), marks)) for c in section.columns} for r in section.rows],
        }
    if isinstance(section, m.OnlineSection):
        return head | {
            "rows": [
                {
                    "source": r.source,
                    "metric": r.metric,
                    "label": r.label,
                    "value": r.value.shown(marks),
                    "day": r.day.isoformat() if r.day else None,
                    "previous": r.previous.shown(marks),
                    "centres": _centres(r.centres, marks),
                }
                for r in section.rows
            ]
        }
    if isinstance(section, m.TextSection):
        return head | {"text": section.text}
    raise TypeError(f"cannot render {section!r}")


def write_json(report: m.Report, out: IO[str]) -> None:
    json.dump(to_dict(report), out, ensure_ascii=False, indent=2)
    out.write("\n")


# ------------------------------------------------------------------------------------------------
# Blocks: the tabular view XLSX and CSV share


@dataclass
class Block:
    """Rows with a stable key each, under columns with stable keys and human headings."""

    columns: list[m.Column]
    rows: Iterable[tuple[str, list[Any]]]
    #: Columns holding ratios (shares, changes), formatted as percentages in XLSX.
    ratios: frozenset[str] = frozenset()


def blocks(section: m.Section, report: m.Report) -> list[Block]:
    lang, marks = report.language, report.marks
    codes = [c.code for c in report.centres] if report.network else []
    centre_cols = [m.Column(f"centre.{code}", code) for code in codes]

    def by_centre(nums: dict[str, m.Num]) -> list[Any]:
        return [nums[c].shown(marks) if c in nums else None for c in codes]

    if isinstance(section, m.KeyFiguresSection):
        cols = [m.Column("label", word("figure", lang)), m.Column("value", word("value", lang)), m.Column("previous", word("previous", lang)), m.Column("change", word("change", lang)), *centre_cols]
        rows = [(f.key, [f.label, f.value.shown(marks), f.previous.shown(marks), f.change.shown(marks), *by_centre(f.centres)]) for f in section.figures]
        return [Block(cols, rows, frozenset({"change"}))]
    if isinstance(section, m.BreakdownSection):
        cols = [m.Column("label", section.dim_label), m.Column("value", section.counter_label), m.Column("share", word("share", lang)), *centre_cols]
        rows = [(r.key, [r.label, r.value.shown(marks), r.share.shown(marks), *by_centre(r.centres)]) for r in [*section.rows, section.total]]
        return [Block(cols, rows, frozenset({"share"}))]
    if isinstance(section, m.ChartSection):
        with_year = section.months[0].year != section.months[-1].year if section.months else False
        month_cols = [m.Column(f"{mo.year}-{mo.month:02d}", fmt_month(mo, lang, with_year)) for mo in section.months]
        cols = [m.Column("label", word("figure", lang)), *month_cols, m.Column("total", word("total", lang))]
        rows = [(s.key, [s.label, *[v.shown(marks) for v in s.values], s.total.shown(marks)]) for s in section.series]
        out = [Block(cols, rows)]
        if section.closures:
            ccols = [m.Column("start", word("from", lang)), m.Column("end", word("to", lang)), m.Column("scope", word("scope", lang)), m.Column("label", word("closures", lang)), m.Column("centre", word("centre", lang))]
            crows = [(f"closure.{i + 1}", [c.start, c.end, c.scope, c.label, c.centre]) for i, c in enumerate(section.closures)]
            out.append(Block(ccols, crows))
        return out
    if isinstance(section, m.TableSection):
        cols = list(section.columns)
        keys = [c.key for c in cols]
        rows_iter = ((str(i + 1), [_shown(r.get(k), marks) for k in keys]) for i, r in enumerate(section.rows))
        return [Block(cols, rows_iter)]
    if isinstance(section, m.OnlineSection):
        cols = [m.Column("label", word("source", lang)), m.Column("value", word("value", lang)), m.Column("day", word("measured_on", lang)), m.Column("previous", word("previous", lang)), *centre_cols]
        rows = [(f"{r.source}.{r.metric}", [r.label, r.value.shown(marks), r.day, r.previous.shown(marks), *by_centre(r.centres)]) for r in section.rows]
        return [Block(cols, rows)]
    if isinstance(section, m.TextSection):
        return [Block([m.Column("text", section.title)], [("text", [section.text])])]
    raise TypeError(f"cannot render {section!r}")


def report_meta(report: m.Report) -> list[tuple[str, Any]]:
    return [
        ("key", report.key),
        ("title", report.title),
        ("period_start", report.period.start),
        ("period_end", report.period.end),
        ("previous_start", report.previous.start),
        ("previous_end", report.previous.end),
        ("centres", " ".join(c.code for c in report.centres)),
        ("language", report.language),
        ("published", report.published),
        ("generated_at", report.generated_at.replace(microsecond=0).isoformat() if report.generated_at else ""),
    ]


# ------------------------------------------------------------------------------------------------
# CSV


def write_csv(report: m.Report, out: IO[str]) -> None:
    """One long table: ``section,row,column,value`` (``docs/reports.md``), streamed row by row."""
    w = csv.writer(out, lineterminator="\n")
    w.writerow(("section", "row", "column", "value"))
    for key, value in report_meta(report):
        w.writerow(("_report", key, "value", _csv_value(value)))
    for section in report.sections:
        for block in blocks(section, report):
            keys = [c.key for c in block.columns]
            for row_key, values in block.rows:
                for col, value in zip(keys, values):
                    w.writerow((section.key, row_key, col, _csv_value(value)))


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


# ------------------------------------------------------------------------------------------------
# XLSX


def _sheet_title(title: str, used: set[str]) -> str:
    clean = "".join("_" if ch in '[]:*?/\\' else ch for ch in title).strip("'") or "Sheet"
    base = clean[:31]
    name, n = base, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(name.lower())
    return name


def write_xlsx(report: m.Report, out: IO[bytes] | str | Path) -> None:
    """A sheet per section, bold headers, numbers stored as numbers; written in streaming mode."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    wb = Workbook(write_only=True)
    used: set[str] = set()
    bold = Font(bold=True)
    title_font = Font(bold=True, size=13)

    ws = wb.create_sheet(_sheet_title(word("report", report.language), used))
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 60
    cell = WriteOnlyCell(ws, value=report.title)
    cell.font = title_font
    ws.append([cell])
    for key, value in report_meta(report):
        k = WriteOnlyCell(ws, value=key)
        k.font = bold
        ws.append([k, _xlsx_value(value)])
    if report.published:
        ws.append([])
        ws.append([word("published", report.language, n=report.threshold - 1, primary=report.marks.primary, secondary=report.marks.secondary)])

    for section in report.sections:
        ws = wb.create_sheet(_sheet_title(section.title or section.key, used))
        bl = blocks(section, report)
        widths = _widths(section, bl)
        from openpyxl.utils import get_column_letter

        for i, w in enumerate(widths):
            ws.column_dimensions[get_column_letter(i + 1)].width = w
        head = WriteOnlyCell(ws, value=section.title)
        head.font = title_font
        ws.append([head])
        for n, block in enumerate(bl):
            if n:
                ws.append([])
            header = []
            for c in [m.Column("key", word("key", report.language)), *block.columns]:
                hc = WriteOnlyCell(ws, value=c.label)
                hc.font = bold
                hc.alignment = Alignment(wrap_text=True, vertical="top")
                header.append(hc)
            ws.append(header)
            ratio_idx = {i for i, c in enumerate(block.columns) if c.key in block.ratios}
            for row_key, values in block.rows:
                cells: list[Any] = [row_key]
                for i, v in enumerate(values):
                    v = _xlsx_value(v)
                    if i in ratio_idx and isinstance(v, float):
                        c = WriteOnlyCell(ws, value=v)
                        c.number_format = "0.0%"
                        cells.append(c)
                    elif isinstance(section, m.TextSection):
                        c = WriteOnlyCell(ws, value=v)
                        c.alignment = Alignment(wrap_text=True, vertical="top")
                        cells.append(c)
                    else:
                        cells.append(v)
                ws.append(cells)
    wb.save(out)


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    return value


def _widths(section: m.Section, bl: list[Block]) -> list[float]:
    if isinstance(section, m.TextSection):
        return [10, 100]
    if isinstance(section, m.TableSection):
        return [8] + [max(10, min(40, len(c.label) + 2)) for c in section.columns]
    cols = max((len(b.columns) for b in bl), default=0)
    widths = [24.0] + [12.0] * cols
    if cols:
        widths[1] = 42.0  # the label
    return widths


# ------------------------------------------------------------------------------------------------
# HTML and PDF


@lru_cache(maxsize=1)
def environment() -> Any:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(str(Path(__file__).parent / "templates")), autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
    return env


def template_context(report: m.Report, **extra: Any) -> dict[str, Any]:
    from markupsafe import Markup

    from tremplin.core.reports.charts import chart_svg

    lang, marks = report.language, report.marks

    def num(value: Any) -> str:
        v = value.shown(marks) if isinstance(value, m.Num) else value
        if isinstance(v, date):
            return fmt_date(v, lang)
        return fmt_int(v, lang)

    def pct(value: Any, signed: bool = False) -> str:
        v = value.shown(marks) if isinstance(value, m.Num) else value
        return fmt_pct(v, lang, signed=signed)

    def cell(value: Any) -> str:
        v = _shown(value, marks)
        if isinstance(v, bool) or v is None:
            return "" if v is None else str(v)
        if isinstance(v, int | float):
            return fmt_int(v, lang)
        if isinstance(v, date):
            return fmt_date(v, lang)
        return str(v)

    return {
        "report": report,
        "lang": lang,
        "marks": marks,
        "w": lambda key, **kw: word(key, lang, **kw),
        "num": num,
        "pct": pct,
        "cell": cell,
        "date": lambda d: fmt_date(d, lang),
        "month": lambda d: fmt_month(d, lang),
        "chart": lambda s: Markup(chart_svg(s, lang, marks)),
        "codes": [c.code for c in report.centres] if report.network else [],
        **extra,
    }


def render_html(report: m.Report, standalone: bool = True, **extra: Any) -> str:
    """The report as HTML: a whole document (``standalone``), or its body for a web page."""
    env = environment()
    name = "report.html" if standalone else "report_body.html"
    return env.get_template(name).render(**template_context(report, **extra))


def write_pdf(report: m.Report, out: IO[bytes] | str | Path) -> None:
    from weasyprint import HTML

    HTML(string=render_html(report, standalone=True, for_print=True)).write_pdf(out)


# ------------------------------------------------------------------------------------------------
# Dispatch


def render(report: m.Report, fmt: str, out: IO[bytes]) -> None:
    """Write ``report`` in ``fmt`` to the binary stream ``out``."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of: {', '.join(FORMATS)}")
    if fmt == "pdf":
        write_pdf(report, out)
    elif fmt == "xlsx":
        write_xlsx(report, out)
    else:
        text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
        try:
            if fmt == "json":
                write_json(report, text)
            elif fmt == "csv":
                write_csv(report, text)
            else:
                text.write(render_html(report))
            text.flush()
        finally:
            text.detach()


def render_bytes(report: m.Report, fmt: str) -> bytes:
    buf = io.BytesIO()
    render(report, fmt, buf)
    return buf.getvalue()


def iter_lines(rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """CSV lines for a stream of rows (used by streamed web downloads)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    for row in rows:
        w.writerow(row)
        yield buf.getvalue()
        buf.seek(0)
        buf.truncate()
