"""SVG charts drawn on the server: the same picture in a page, an HTML report and a PDF.

``monthly_chart`` draws one bar per month, stacked by series (contacts by modality, for instance), with
the periods the centre was closed shaded behind the bars, the way the centre's 2020 report shows the
lockdowns. It is a pure function: numbers and labels in, an SVG string out. No script, no inline
style (only presentation attributes), so it passes a strict Content-Security-Policy and prints the
same in WeasyPrint. Every bar has a tooltip (``<title>``) and the chart has a title and a description
for screen readers; pages should also offer the figures as a table.
"""

from __future__ import annotations

import calendar
import hashlib
import math
from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta
from xml.sax.saxutils import escape

#: Colours with at least 4.5:1 contrast on white, distinguishable for the common colour blindnesses.
PALETTE = ("#1f4e79", "#b03a2e", "#2e7d32", "#6a3d9a", "#9c4f00", "#00695c", "#5d4037", "#37474f", "#ad1457", "#283593")
CLOSURE_FILL = "#e6e6e6"
TEXT = "#222222"
GRID = "#cccccc"


def nice_ceiling(value: float) -> tuple[float, float]:
    """A round upper bound for an axis and the step between its gridlines (4 or 5 of them)."""
    if value <= 0:
        return 1.0, 0.25
    exponent = math.floor(math.log10(value))
    base = 10.0**exponent
    for factor in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        top = factor * base
        if top >= value:
            break
    for ticks in (5, 4, 6, 3):
        step = top / ticks
        if step == int(step) or top < 10:
            return top, step
    return top, top / 4


def _default_number(value: float) -> str:
    return f"{int(value):,}".replace(",", "\u202f") if float(value).is_integer() else f"{value:,.1f}"


def _month_index(day: date, months: Sequence[date]) -> float | None:
    """Where ``day`` falls on the month axis, in bands (0.0 = start of the first month)."""
    for i, m in enumerate(months):
        last = calendar.monthrange(m.year, m.month)[1]
        if m.year == day.year and m.month == day.month:
            return i + (day.day - 1) / last
    return None


def monthly_chart(
    series: Mapping[str, Sequence[int]],
    months: Sequence[date],
    closures: Sequence[tuple[date, date]] = (),
    labels: Mapping[str, str] | None = None,
    month_labels: Sequence[str] | None = None,
    title: str = "",
    description: str = "",
    closure_label: str = "Closed",
    colours: Mapping[str, str] | None = None,
    number: Callable[[float], str] | None = None,
    width: int = 720,
    height: int = 340,
    legend_columns: int = 3,
    day: Callable[[date], str] | None = None,
) -> str:
    """A stacked monthly bar chart as an SVG string.

    ``series`` maps a key to one value per month of ``months`` (first days of months, in order);
    ``labels`` names the keys (default: the keys), ``month_labels`` the months (default ``MM/YY``);
    ``closures`` are ``(first day, last day)`` periods shaded behind the bars (``day`` writes their
    dates, ISO by default). Text is 12 units high:
    draw the chart about as wide as it is shown (a narrow one for phones, with ``legend_columns=1``) so
    that it stays legible.
    """
    labels = labels or {}
    colours = dict(colours or {})
    number = number or _default_number
    day = day or date.isoformat
    keys = [k for k in series]
    for i, key in enumerate(keys):
        colours.setdefault(key, PALETTE[i % len(PALETTE)])
    n = len(months)
    for key, values in series.items():
        if len(values) != n:
            raise ValueError(f"series {key!r} has {len(values)} values for {n} months")
    month_labels = (
        list(month_labels) if month_labels is not None else [f"{m.month:02d}/{m.year % 100:02d}" for m in months]
    )
    uid = "c" + hashlib.sha1(f"{title}|{keys}|{months[:1]}|{n}|{width}".encode()).hexdigest()[:8]

    legend_rows = max(1, math.ceil(len(keys) / legend_columns)) if keys else 0
    left, right, top, bottom = 64, 16, 16, 36 + 20 * legend_rows
    plot_w = width - left - right
    plot_h = height - top - bottom
    totals = [sum(series[k][i] for k in keys) for i in range(n)]
    ceiling, step = nice_ceiling(max(totals, default=0))
    band = plot_w / n if n else plot_w
    bar = band * 0.68

    def y_of(value: float) -> float:
        return top + plot_h - plot_h * (value / ceiling)

    out: list[str] = []
    out.append(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" '
        f'role="img" aria-labelledby="{uid}-t {uid}-d" font-family="system-ui, -apple-system, Segoe UI, Roboto, '
        'sans-serif" font-size="12">'
    )
    out.append(f'<title id="{uid}-t">{escape(title or "Monthly chart")}</title>')
    summary = description or ", ".join(f"{month_labels[i]}: {number(totals[i])}" for i in range(n))
    out.append(f'<desc id="{uid}-d">{escape(summary)}</desc>')
    out.append(f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>')

    # Closure periods, behind everything else.
    if n:
        first, last_month = months[0], months[-1]
        chart_end = date(last_month.year, last_month.month, calendar.monthrange(last_month.year, last_month.month)[1])
        for start, end in closures:
            if end < first or start > chart_end:
                continue
            s = max(start, first)
            e = min(end, chart_end)
            si = _month_index(s, months)
            ei = _month_index(e + timedelta(days=1), months) if e < chart_end else float(n)
            if si is None or ei is None:
                continue
            x0 = left + si * band
            x1 = left + ei * band
            out.append(
                f'<rect class="closure" x="{x0:.1f}" y="{top}" width="{max(x1 - x0, 1):.1f}" height="{plot_h}" '
                f'fill="{CLOSURE_FILL}">'
                f"<title>{escape(closure_label)}: {escape(day(s))} – {escape(day(e))}</title></rect>"
            )
            if x1 - x0 > 30:
                middle = (x0 + x1) / 2
                label = escape(closure_label)
                out.append(f'<text x="{middle:.1f}" y="{top + 12}" text-anchor="middle" fill="{TEXT}">{label}</text>')

    # Gridlines and the value axis.
    ticks = int(round(ceiling / step)) if step else 0
    for t in range(ticks + 1):
        value = step * t
        y = y_of(value)
        out.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}" stroke-width="1"/>'
        )
        out.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{TEXT}">{escape(number(value))}</text>'
        )

    # Bars.
    for i in range(n):
        x = left + i * band + (band - bar) / 2
        base = 0.0
        for key in keys:
            value = series[key][i]
            if value <= 0:
                continue
            y1 = y_of(base + value)
            y0 = y_of(base)
            name = labels.get(key, key)
            out.append(
                f'<rect x="{x:.1f}" y="{y1:.1f}" width="{bar:.1f}" height="{max(y0 - y1, 0.5):.1f}" '
                f'fill="{colours[key]}">'
                f"<title>{escape(name)}, {escape(month_labels[i])}: {escape(number(value))}</title></rect>"
            )
            base += value
        out.append(
            f'<text x="{left + i * band + band / 2:.1f}" y="{top + plot_h + 16}" text-anchor="middle" '
            f'fill="{TEXT}">{escape(month_labels[i])}</text>'
        )
    out.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="{TEXT}" '
        'stroke-width="1"/>'
    )

    # Legend.
    column_w = (width - left) / legend_columns
    for i, key in enumerate(keys):
        row, col = divmod(i, legend_columns)
        lx = left + col * column_w
        ly = top + plot_h + 32 + row * 20
        out.append(f'<rect x="{lx:.1f}" y="{ly - 10}" width="12" height="12" fill="{colours[key]}"/>')
        out.append(f'<text x="{lx + 18:.1f}" y="{ly}" fill="{TEXT}">{escape(labels.get(key, key))}</text>')
    out.append("</svg>")
    return "".join(out)


def month_starts(year: int) -> list[date]:
    return [date(year, m, 1) for m in range(1, 13)]


def responsive(wide: str, narrow: str) -> str:
    """Two drawings of one chart: the wide one on screens from 40rem, the narrow one on phones.

    A chart scaled down to a phone's width would shrink its text below legibility; the narrow drawing
    is made for about 340 px, so its text stays at 12 px. Print shows the wide one.
    """
    return f'<div class="chart-wide">{wide}</div><div class="chart-narrow" aria-hidden="true">{narrow}</div>'
