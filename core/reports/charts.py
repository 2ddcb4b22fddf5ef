"""Monthly charts as server-side SVG: the same markup in the web page, the HTML file and the PDF.

One series is drawn as bars with their values on top (as in the centre's 2020 report); several as
lines with a legend. Closure periods are shaded grey behind the data, from their first to their last
day. A figure hidden by disclosure control is not drawn: its mark ("<5", "x") stands in its place.
No JavaScript, no external file: WeasyPrint renders it as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from html import escape
from typing import Any

from tremplin.core.reports.formatting import fmt_date, fmt_int, fmt_month, fmt_month_narrow, word
from tremplin.core.reports.model import ChartSection, Marks

PALETTE = ("#2f6f8f", "#c0392b", "#27ae60", "#e67e22", "#8e44ad", "#7f8c8d", "#f1c40f", "#16a085", "#d35400", "#34495e")
SHADE = "#d9d9d9"


def nice_max(value: float) -> float:
    """A round number just above ``value`` for the top of the axis."""
    if value <= 0:
        return 1
    import math

    exp = 10 ** math.floor(math.log10(value))
    for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if step * exp >= value:
            return step * exp
    return 10 * exp


def _month_fraction(months: list[date], day: date) -> float:
    """Where ``day`` falls on the x axis, in months from the first month's start."""
    import calendar

    for i, m in enumerate(months):
        last = m.replace(day=calendar.monthrange(m.year, m.month)[1])
        if m <= day <= last:
            return i + (day.day - 1) / last.day
    return 0.0 if day < months[0] else float(len(months))


def monthly_svg(
    section: ChartSection,
    language: str,
    marks: Marks,
    width: int = 720,
    height: int = 260,
    legend_columns: int = 4,
    narrow: bool = False,
) -> str:
    """Bars (one series) or lines (several) with the marks of hidden figures in place; 12-unit text.

    ``narrow`` draws for a phone (about 340 wide): one-letter months, no values over the bars.
    """
    months = section.months
    if not months:
        return ""
    left, right, top, bottom = 56, 12, 14, 44
    entries = len(section.series) + (1 if section.closures else 0)
    legend_rows = 0 if len(section.series) == 1 and not section.closures else -(-entries // legend_columns)
    plot_h = height - top - bottom - legend_rows * 16
    plot_w = width - left - right
    n = len(months)
    col = plot_w / n
    visible = [
        num.value for s in section.series for num in s.values if not num.hidden and isinstance(num.value, int | float)
    ]
    top_value = nice_max(max(visible, default=0))
    y0 = top + plot_h

    def y(v: float) -> float:
        return y0 - (v / top_value) * plot_h

    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" '
        f'aria-label="{escape(section.title)}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">'
    ]
    # closures, behind everything
    for c in section.closures:
        x1 = left + _month_fraction(months, c.start) * col
        x2 = left + _month_fraction(months, c.end + timedelta(days=1)) * col
        x2 = max(x2, x1 + 1)
        span = f"{fmt_date(c.start, language)} – {fmt_date(c.end, language)}"
        title = escape(f"{word('closed', language)}: {span}" + (f" ({c.label})" if c.label else ""))
        out.append(
            f'<rect class="closure" x="{x1:.1f}" y="{top}" width="{x2 - x1:.1f}" height="{plot_h}" '
            f'fill="{SHADE}"><title>{title}</title></rect>'
        )
    # axis and grid
    for i in range(5):
        v = top_value * i / 4
        yy = y(v)
        out.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="#e3e3e3" stroke-width="1"/>'
        )
        out.append(
            f'<text x="{left - 6}" y="{yy + 3:.1f}" text-anchor="end" fill="#555">'
            f"{escape(fmt_int(round(v), language))}</text>"
        )
    out.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y0}" y2="{y0}" stroke="#555" stroke-width="1"/>')
    with_year = months[0].year != months[-1].year
    for i, m in enumerate(months):
        cx = left + (i + 0.5) * col
        name = fmt_month_narrow(m, language) if narrow else fmt_month(m, language, with_year)
        out.append(f'<text x="{cx:.1f}" y="{y0 + 14}" text-anchor="middle" fill="#333">{escape(name)}</text>')
    # data
    if len(section.series) == 1:
        s = section.series[0]
        bar_w = col * 0.64
        for i, num in enumerate(s.values):
            cx = left + (i + 0.5) * col
            shown = num.shown(marks)
            if num.hidden:
                out.append(
                    f'<text x="{cx:.1f}" y="{y0 - 4}" text-anchor="middle" fill="#333">{escape(str(shown))}</text>'
                )
                continue
            v = float(num.value or 0)
            yy = y(v)
            out.append(
                f'<rect x="{cx - bar_w / 2:.1f}" y="{yy:.1f}" width="{bar_w:.1f}" height="{y0 - yy:.1f}" '
                f'fill="{PALETTE[0]}"><title>{escape(fmt_month(months[i], language, True))}: '
                f"{escape(fmt_int(num.value, language))}</title></rect>"
            )
            if not narrow:
                value = escape(fmt_int(num.value, language))
                out.append(f'<text x="{cx:.1f}" y="{yy - 3:.1f}" text-anchor="middle" fill="#222">{value}</text>')
    else:
        for k, s in enumerate(section.series):
            colour = PALETTE[k % len(PALETTE)]
            points: list[str] = []
            for i, num in enumerate(s.values):
                cx = left + (i + 0.5) * col
                if num.hidden:
                    if len(points) > 1:
                        out.append(
                            f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{" ".join(points)}"/>'
                        )
                    points = []
                    out.append(
                        f'<text x="{cx:.1f}" y="{y0 - 4 - 10 * k}" text-anchor="middle" '
                        f'fill="{colour}">{escape(str(num.shown(marks)))}</text>'
                    )
                    continue
                yy = y(float(num.value or 0))
                points.append(f"{cx:.1f},{yy:.1f}")
                out.append(
                    f'<circle cx="{cx:.1f}" cy="{yy:.1f}" r="2.5" fill="{colour}"><title>{escape(s.label)} · '
                    f"{escape(fmt_month(months[i], language, True))}: {escape(fmt_int(num.value, language))}"
                    "</title></circle>"
                )
            if len(points) > 1:
                out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{" ".join(points)}"/>')
    # legend
    if legend_rows:
        ly = height - legend_rows * 16 + 4
        items: list[tuple[str, str]] = [(PALETTE[k % len(PALETTE)], s.label) for k, s in enumerate(section.series)]
        if section.closures:
            items.append((SHADE, word("closed", language)))
        per_row = legend_columns
        for j, (colour, label) in enumerate(items):
            lx = left + (j % per_row) * (plot_w / per_row)
            yy = ly + (j // per_row) * 16
            out.append(f'<rect x="{lx:.1f}" y="{yy}" width="10" height="10" fill="{colour}"/>')
            out.append(f'<text x="{lx + 14:.1f}" y="{yy + 9}" fill="#333">{escape(label[:40])}</text>')
    out.append("</svg>")
    return "".join(out)


def chart_svg(section: ChartSection, language: str, marks: Marks, **kw: Any) -> str:
    """The chart of a section.

    Drawn by the web app's ``tremplin.core.web.charts.monthly_chart`` (stacked bars) where its picture is
    right: one series, or the values of an additive dimension, and no figure hidden by disclosure
    control (a stacked bar cannot show "<5"). Otherwise (series that overlap, such as all individual
    advice and remote advice, or hidden figures) it is drawn here, with lines and the marks in place.
    """
    hidden = any(v.hidden for s in section.series for v in s.values)
    stackable = len(section.series) == 1 or (section.dim is not None and section.dim != "theme")
    if section.series and stackable and not hidden:
        chart: Callable[..., str] | None
        try:
            from tremplin.core.web.charts import monthly_chart as chart
        except ImportError:  # the web app is not installed
            chart = None
        if chart is not None:
            with_year = section.months[0].year != section.months[-1].year
            return chart(
                {s.key: [int(v.value or 0) for v in s.values] for s in section.series},
                section.months,
                closures=[(c.start, c.end) for c in section.closures],
                labels={s.key: s.label for s in section.series},
                month_labels=[fmt_month_narrow(m, language) for m in section.months]
                if kw.get("narrow")
                else [fmt_month(m, language, with_year) for m in section.months],
                title=section.title,
                closure_label=word("closed", language),
                day=lambda d: fmt_date(d, language),
                number=lambda v: fmt_int(int(v) if float(v).is_integer() else v, language),
                width=kw.get("width", 720),
                height=kw.get("height", 300),
                legend_columns=kw.get("legend_columns", 3),
            )
    return monthly_svg(section, language, marks, **kw)


def responsive_svg(section: ChartSection, language: str, marks: Marks) -> str:
    """The chart drawn twice: for screens from 40rem and print, and for phones (text stays 12 px)."""
    from tremplin.core.web.charts import responsive

    wide = chart_svg(section, language, marks)
    narrow = chart_svg(section, language, marks, width=340, height=300, legend_columns=1, narrow=True)
    return responsive(wide, narrow)
