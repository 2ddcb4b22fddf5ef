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
from tremplin.core.reports.formatting import fmt_date, fmt_datetime, fmt_int, fmt_month, fmt_pct, word

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
        "disclosure": {"threshold": report.threshold, "primary": marks.primary, "secondary": marks.secondary}
        if report.published
        else None,
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
                    "part_of": f.part_of,
                }
                for f in section.figures
            ],
            "previous_empty": section.previous_empty,
        }
    if isinstance(section, m.BreakdownSection):

        def row(r: m.Row) -> dict[str, Any]:
            return {
                "key": r.key,
                "label": r.label,
                "value": r.value.shown(marks),
                "share": r.share.shown(marks),
                "centres": _centres(r.centres, marks),
            }

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
            "series": [
                {
                    "key": s.key,
                    "label": s.label,
                    "values": [v.shown(marks) for v in s.values],
                    "total": s.total.shown(marks),
                }
                for s in section.series
            ],
            "closures": [
                {
                    "start": c.start.isoformat(),
                    "end": c.end.isoformat(),
                    "scope": c.scope,
                    "label": c.label,
                    "centre": c.centre,
                }
                for c in section.closures
            ],
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
        cols = [
            m.Column("label", word("figure", lang)),
            m.Column("value", word("value", lang)),
            m.Column("previous", word("previous", lang)),
            m.Column("change", word("change", lang)),
            *centre_cols,
        ]
        none = section.previous_empty
        rows = [
            (
                f.key,
                [
                    f"{word('of_which', lang)} {f.label}" if f.part_of else f.label,
                    f.value.shown(marks),
                    word("no_previous", lang) if none else f.previous.shown(marks),
                    None if none else f.change.shown(marks),
                    *by_centre(f.centres),
                ],
            )
            for f in section.figures
        ]
        return [Block(cols, rows, frozenset({"change"}))]
    if isinstance(section, m.BreakdownSection):
        cols = [
            m.Column("label", section.dim_label),
            m.Column("value", section.counter_label),
            m.Column("share", word("share", lang)),
            *centre_cols,
        ]
        rows = [
            (r.key, [r.label, r.value.shown(marks), r.share.shown(marks), *by_centre(r.centres)])
            for r in [*section.rows, section.total]
        ]
        return [Block(cols, rows, frozenset({"share"}))]
    if isinstance(section, m.ChartSection):
        with_year = section.months[0].year != section.months[-1].year if section.months else False
        month_cols = [m.Column(f"{mo.year}-{mo.month:02d}", fmt_month(mo, lang, with_year)) for mo in section.months]
        cols = [m.Column("label", word("figure", lang)), *month_cols, m.Column("total", word("total", lang))]
        rows = [(s.key, [s.label, *[v.shown(marks) for v in s.values], s.total.shown(marks)]) for s in section.series]
        out = [Block(cols, rows)]
        if section.closures:
            ccols = [
                m.Column("start", word("from", lang)),
                m.Column("end", word("to", lang)),
                m.Column("scope", word("scope", lang)),
                m.Column("label", word("closures", lang)),
                m.Column("centre", word("centre", lang)),
            ]
            crows = [
                (f"closure.{i + 1}", [c.start, c.end, c.scope, c.label, c.centre])
                for i, c in enumerate(section.closures)
            ]
            out.append(Block(ccols, crows))
        return out
    if isinstance(section, m.TableSection):
        cols = [c for c in section.columns if not c.machine]
        shown_rows = ([c.show(_shown(r.get(c.key), marks)) for c in cols] for r in section.rows)
        rows_iter = ((str(n + 1), values) for n, values in enumerate(shown_rows))
        return [Block(cols, rows_iter)]
    if isinstance(section, m.OnlineSection):
        cols = [
            m.Column("label", word("source", lang)),
            m.Column("value", word("value", lang)),
            m.Column("day", word("measured_on", lang)),
            m.Column("previous", word("previous", lang)),
            *centre_cols,
        ]
        rows = [
            (
                f"{r.source}.{r.metric}",
                [r.label, r.value.shown(marks), r.day, r.previous.shown(marks), *by_centre(r.centres)],
            )
            for r in section.rows
        ]
        return [Block(cols, rows)]
    if isinstance(section, m.TextSection):
        return [Block([m.Column("text", section.title)], [("text", [section.text])])]
    raise TypeError(f"cannot render {section!r}")


def report_meta(report: m.Report) -> list[tuple[str, Any]]:
    """The lines heading a report's spreadsheet, labelled in its language."""
    lang = report.language
    meta: list[tuple[str, Any]] = [
        (word("period", lang), f"{fmt_date(report.period.start, lang)} – {fmt_date(report.period.end, lang)}"),
        (word("previous", lang), f"{fmt_date(report.previous.start, lang)} – {fmt_date(report.previous.end, lang)}"),
        (word("centres", lang), ", ".join(f"{c.name} ({c.code})" for c in report.centres)),
    ]
    if report.generated_at:
        meta.append((word("generated", lang), fmt_datetime(report.generated_at, lang, report.timezone)))
    return meta


def disclosure_line(report: m.Report) -> str:
    if report.published:
        marks = report.marks
        n = report.threshold - 1
        return word("published", report.language, n=n, primary=marks.primary, secondary=marks.secondary)
    return word("exact", report.language)


# ------------------------------------------------------------------------------------------------
# CSV


def csv_lines(report: m.Report) -> Iterator[list[Any]]:
    """The report as the rows of one CSV file: its heading, then each section as a wide table.

    A section is its title, a header row and its rows, as in the report (a second block, such as a
    chart's closure periods, follows after an empty row); an empty row separates sections.
    """
    yield [report.title]
    for label, value in report_meta(report):
        yield [label, value]
    yield [disclosure_line(report)]
    for section in report.sections:
        yield []
        yield [section.title or section.key]
        for n, block in enumerate(blocks(section, report)):
            if n:
                yield []
            yield [c.label for c in block.columns]
            ratio_idx = [i for i, c in enumerate(block.columns) if c.key in block.ratios]
            for _key, values in block.rows:
                if ratio_idx:
                    values = [_Ratio(v) if i in ratio_idx and isinstance(v, float) else v for i, v in enumerate(values)]
                yield values


class _Ratio(float):
    """A share or a change, written as a percentage."""


def write_csv(report: m.Report, out: IO[str]) -> None:
    """The report as CSV (UTF-8 with BOM, ``;`` for fr, nl and uk), streamed row by row."""
    from tremplin.core.reports.export import BOM, CSV_DELIMITERS, csv_cell

    lang = report.language
    out.write(BOM)
    w = csv.writer(out, delimiter=CSV_DELIMITERS.get(lang, ","), lineterminator="\r\n")
    for row in csv_lines(report):
        w.writerow([csv_cell(float(v), lang, ratio=True) if isinstance(v, _Ratio) else csv_cell(v, lang) for v in row])


# ------------------------------------------------------------------------------------------------
# XLSX


def _widths(section: m.Section, bl: list[Block]) -> list[float]:
    """Column widths that fit the headings and the values (rows of a streamed table are not read)."""
    from tremplin.core.reports.export import text_width

    if isinstance(section, m.TextSection):
        return [100]
    widths: list[float] = []
    for block in bl:
        for i, c in enumerate(block.columns):
            w = min(text_width(c.label), 30) + 2
            if i < len(widths):
                widths[i] = max(widths[i], w)
            else:
                widths.append(w)
        if isinstance(block.rows, list):
            for _key, values in block.rows:
                for i, v in enumerate(values):
                    widths[i] = max(widths[i], text_width(v) + 2)
    if widths:
        widths[0] = max(widths[0], 14)
    return [min(max(w, 8), 60) for w in widths]


def write_xlsx(report: m.Report, out: IO[bytes] | str | Path) -> None:
    """A sheet per section (its title, a frozen header row, typed cells), written in ``constant_memory``."""
    from tremplin.core.reports.export import XlsxBook

    book = XlsxBook(out, constant_memory=True, dates=report.language)  # dates in the reader's formats
    sheet = book.sheet(word("report", report.language))
    meta = report_meta(report)
    sheet.widths([max(len(k) for k, _ in meta) + 2, 70])
    sheet.append([report.title], style="title")
    for label, value in meta:
        sheet.append([label, value])
    sheet.skip()
    sheet.append([disclosure_line(report)])

    for section in report.sections:
        sheet = book.sheet(section.title or section.key)
        bl = blocks(section, report)
        bl = [Block(b.columns, list(b.rows), b.ratios) if isinstance(b.rows, list | tuple) else b for b in bl]
        sheet.widths(_widths(section, bl))
        sheet.append([section.title], style="title")
        sheet.freeze(2)
        for n, block in enumerate(bl):
            if n:
                sheet.skip()
            sheet.append([c.label for c in block.columns], style="header")
            ratios = [i for i, c in enumerate(block.columns) if c.key in block.ratios]
            wrap = isinstance(section, m.TextSection)
            for _key, values in block.rows:
                sheet.append(values, ratios=ratios, wrap=wrap)
    book.close()


# ------------------------------------------------------------------------------------------------
# HTML and PDF


@lru_cache(maxsize=1)
def environment() -> Any:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(
        loader=FileSystemLoader(str(Path(__file__).parent / "templates")),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def template_context(report: m.Report, **extra: Any) -> dict[str, Any]:
    """What the report templates read; ``for_print`` (PDF) draws each chart once, wide."""
    from markupsafe import Markup

    from tremplin.core.reports.charts import chart_svg, responsive_svg

    lang, marks = report.language, report.marks
    for_print = bool(extra.get("for_print"))

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

    def before(section: m.KeyFiguresSection, f: m.Figure) -> Markup:
        """ "Previous period: 1,234 · +12.5 %", or "Previous period: no data" when nothing was counted then."""
        if section.previous_empty:
            return Markup("{}: {}").format(word("previous", lang), word("no_previous", lang))
        text = Markup("{}: {}").format(word("previous", lang), num(f.previous))
        ch = f.change.shown(marks)
        if ch is None:
            return text
        css = ""
        if isinstance(ch, int | float):  # a change shown as a number has a direction
            css = "up" if ch > 0 else ("down" if ch < 0 else "")
        return text + Markup(' · <span class="{}">{}</span>').format(css, pct(f.change, True))

    return {
        "report": report,
        "lang": lang,
        "before": before,
        "moment": lambda t: fmt_datetime(t, lang, report.timezone),
        "marks": marks,
        "w": lambda key, **kw: word(key, lang, **kw),
        "num": num,
        "pct": pct,
        "cell": cell,
        "date": lambda d: fmt_date(d, lang),
        "month": lambda d: fmt_month(d, lang),
        "chart": lambda s: Markup(chart_svg(s, lang, marks) if for_print else responsive_svg(s, lang, marks)),
        "codes": [c.code for c in report.centres] if report.network else [],
        **extra,
    }


def render_html(report: m.Report, standalone: bool = True, **extra: Any) -> str:
    """The report as HTML: a whole document (``standalone``), or its body for a web page."""
    from tremplin.core.i18n import typography

    env = environment()
    name = "report.html" if standalone else "report_body.html"
    return typography(env.get_template(name).render(**template_context(report, **extra)), report.language)


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
