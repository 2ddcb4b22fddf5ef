"""The dashboard: key figures for this month and the year so far against the same periods last year,
a monthly chart with closure periods shaded, and figures per audience — all read from the roll-up.

An account sees the figures of its audiences only: centre-wide counters (which mix every audience)
are shown to accounts that see every audience; the others see their audiences' counters, and a chart
of their audiences instead of the centre's modalities.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from tremplin.core import rollup
from tremplin.core.i18n import pick
from tremplin.core.models import ClosurePeriod, Staff
from tremplin.core.web import charts, formkit, policy
from tremplin.core.web.common import local_today
from tremplin.core.web.deps import get_app, get_session, require_capability
from tremplin.core.web.i18n import BABEL_LOCALES, gettext_for, request_language
from tremplin.core.web.templating import render

router = APIRouter(include_in_schema=False)
needs_dashboard = require_capability("dashboard")
CHART_COUNTER = "contacts.total"


def same_day_last_year(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def periods(today: date) -> dict[str, tuple[date, date]]:
    month_start = today.replace(day=1)
    year_start = today.replace(month=1, day=1)
    return {
        "month": (month_start, today),
        "month_last_year": (same_day_last_year(month_start), same_day_last_year(today)),
        "year": (year_start, today),
        "year_last_year": (same_day_last_year(year_start), same_day_last_year(today)),
    }


@dataclass
class Figure:
    key: str
    label: str
    month: int
    month_last_year: int
    year: int
    year_last_year: int

    @staticmethod
    def change(now: int, before: int) -> float | None:
        return None if not before else (now - before) / before

    @property
    def month_change(self) -> float | None:
        return self.change(self.month, self.month_last_year)

    @property
    def year_change(self) -> float | None:
        return self.change(self.year, self.year_last_year)


def figures(
    app: Any, session: Session, staff: Staff, today: date, lang: str
) -> tuple[list[tuple[str, list[Figure]]], dict[str, tuple[date, date]]]:
    """Groups of (title, figures): the centre's, then one per audience the account sees."""
    keys = policy.visible_counters(app, staff)
    spans = periods(today)
    centre_ids = policy.centre_ids(staff)
    values = {name: rollup.totals(session, keys, start, end, centre_ids) for name, (start, end) in spans.items()}

    def figure(key: str) -> Figure:
        counter = app.registry.counters[key]
        return Figure(
            key,
            pick(counter.label, lang),
            *(values[name][key] for name in ("month", "month_last_year", "year", "year_last_year")),
        )

    groups: list[tuple[str, list[Figure]]] = []
    centre_wide = [k for k in keys if app.registry.counters[k].audience is None]
    if centre_wide:
        groups.append(("", [figure(k) for k in centre_wide]))
    for audience in policy.visible_audiences(app, staff):
        own = [k for k in keys if app.registry.counters[k].audience == audience]
        if own:
            groups.append((pick(app.registry.audiences[audience].label, lang), [figure(k) for k in own]))
    return groups, spans


@dataclass
class DimensionTable:
    """An audience's counter by one of its dimensions over the year to date (Formtruck contacts by stop)."""

    key: str
    title: str
    counter: str
    counter_label: str
    heading: str
    rows: list[tuple[str, str, int]]
    total: int


def dimension_tables(
    app: Any, session: Session, staff: Staff, today: date, lang: str
) -> dict[str, list[DimensionTable]]:
    """Per audience the account sees (by its label, the title of its group of figures), its dimensions'
    tables for the year to date, read from the roll-up."""
    from tremplin.core.dimensions import Values, dimension_counter, of_audience

    visible = set(policy.visible_counters(app, staff))
    centre_ids = policy.centre_ids(staff)
    start = today.replace(month=1, day=1)
    out: dict[str, list[DimensionTable]] = {}
    for audience in policy.visible_audiences(app, staff):
        for declared in of_audience(app, audience):
            counter = dimension_counter(app, declared)
            if counter is None or counter not in visible:
                continue
            values = Values(app, session, declared.key)
            by_code: dict[str, int] = {}
            read = rollup.read(session, [counter], start, today, centre_ids, dim=declared.key)
            for (_key, stored), amount in read.items():
                code = values.code(stored)
                by_code[code] = by_code.get(code, 0) + amount
            rows = [(c, values.text(c, lang), by_code[c]) for c in values.order(by_code) if by_code.get(c)]
            if not rows:
                continue
            table = DimensionTable(
                declared.key,
                pick(declared.title or declared.label, lang),
                counter,
                pick(app.registry.counters[counter].label, lang),
                pick(declared.label, lang),
                rows,
                sum(v for _, _, v in rows)
                if values.additive
                else rollup.totals(session, [counter], start, today, centre_ids)[counter],
            )
            out.setdefault(pick(app.registry.audiences[audience].label, lang), []).append(table)
    return out


def monthly_series(
    app: Any, session: Session, staff: Staff, year: int, lang: str
) -> tuple[dict[str, list[int]], dict[str, str], str]:
    """Contacts by modality per month (or by audience, for accounts that see only some audiences)."""
    months = charts.month_starts(year)
    centre_ids = policy.centre_ids(staff)
    if policy.sees_all_audiences(staff):
        modalities = app.registry.codes["modality"]
        dim, codes = "modality", [(code, modalities.label_of(code, lang)) for code in modalities]
    else:
        dim = "audience"
        codes = [(key, pick(app.registry.audiences[key].label, lang)) for key in policy.visible_audiences(app, staff)]
    values = rollup.read(session, [CHART_COUNTER], months[0], date(year, 12, 31), centre_ids, dim=dim, by_month=True)
    series = {code: [values.get((CHART_COUNTER, code, m), 0) for m in months] for code, _ in codes}
    return series, dict(codes), dim


def closures_of(session: Session, staff: Staff, year: int) -> list[ClosurePeriod]:
    stmt = (
        select(ClosurePeriod)
        .where(ClosurePeriod.starts_on <= date(year, 12, 31), ClosurePeriod.ends_on >= date(year, 1, 1))
        .order_by(ClosurePeriod.starts_on)
    )
    ids = policy.centre_ids(staff)
    if ids is not None:
        stmt = stmt.where(ClosurePeriod.centre_id.in_(ids))
    return list(session.scalars(stmt))


#: Figures shown as a part of another on the dashboard ("of which"): they overlap with it.
PARTS: dict[str, str] = {
    "individual_advice.remote": "individual_advice.contacts",
    "group_activities.face_to_face": "group_activities.count",
    "group_activities.online": "group_activities.count",
}


def latest_day_with_data(session: Session, keys: list[str], today: date, centre_ids: list[int] | None) -> date | None:
    """The last day up to ``today`` on which any of ``keys`` counted something (from the roll-up)."""
    from sqlalchemy import func

    from tremplin.core.models import CounterValue

    stmt = select(func.max(CounterValue.period)).where(
        CounterValue.grain == "d",
        CounterValue.dim == "*",
        CounterValue.period <= today,
        CounterValue.amount > 0,
        CounterValue.counter.in_(keys or ["-"]),
    )
    if centre_ids is not None:
        stmt = stmt.where(CounterValue.centre_id.in_(centre_ids or [-1]))
    return session.scalar(stmt)


def opening_day(app: Any, session: Session, staff: Staff, today: date) -> tuple[date, bool]:
    """The day the dashboard opens on: today, or the end of the latest month with figures when this
    month has none yet (the first days of a month, a demo of last year); and whether it moved."""
    from tremplin.core.reports.build import month_end

    keys = policy.visible_counters(app, staff)
    latest = latest_day_with_data(session, keys, today, policy.centre_ids(staff))
    if latest is None or latest >= today.replace(day=1):
        return today, False
    return month_end(latest), True


@router.get("/dashboard")
def dashboard(
    request: Request, staff: Staff = Depends(needs_dashboard), session: Session = Depends(get_session), on: str = ""
) -> Response:
    from babel.dates import format_date
    from babel.numbers import format_decimal

    from tremplin.core.reports.formatting import fmt_month_narrow

    app = get_app(request)
    _ = gettext_for(request)
    lang = request_language(request)
    locale = BABEL_LOCALES.get(lang, "fr_BE")
    asked = formkit.parse_day(on)
    actual_today = local_today(app, session, staff.centre_id)
    if asked is not None:
        today, moved = asked, False
    else:
        today, moved = opening_day(app, session, staff, actual_today)
    groups, spans = figures(app, session, staff, today, lang)
    series, labels, dim = monthly_series(app, session, staff, today.year, lang)
    months = charts.month_starts(today.year)
    closures = closures_of(session, staff, today.year)
    title = (
        _("Contacts by modality, %(year)s", year=today.year)
        if dim == "modality"
        else _("People reached by audience, %(year)s", year=today.year)
    )
    drawing: dict[str, Any] = {
        "series": series,
        "months": months,
        "closures": [(c.starts_on, c.ends_on) for c in closures],
        "labels": labels,
        "title": title,
        "closure_label": _("Closed"),
        "number": lambda v: format_decimal(v, locale=locale),
        "day": lambda d: format_date(d, "medium", locale=locale),
    }
    # Drawn about as wide as shown (a laptop's column, a phone), so that the text stays at 12 px.
    wide_months = [format_date(m, "MMM", locale=locale) for m in months]
    wide = charts.monthly_chart(**drawing, month_labels=wide_months, width=480, height=250, legend_columns=2)
    narrow_months = [fmt_month_narrow(m, lang) for m in months]
    narrow = charts.monthly_chart(**drawing, month_labels=narrow_months, width=340, height=320, legend_columns=1)
    chart = charts.responsive(wide, narrow)
    has_previous = {name: any(f.month_last_year or f.year_last_year for f in group) for name, group in groups}
    quick = [
        (a.key, a.label)
        for a in app.registry.audiences.values()
        if staff.may_see(a.key) and app.registry.forms_of(a.key)
    ]
    return render(
        request,
        "dashboard.html",
        {
            "today": today,
            "groups": groups,
            "tables": dimension_tables(app, session, staff, today, lang),
            "spans": spans,
            "chart": chart,
            "chart_title": title,
            "series": series,
            "series_labels": labels,
            "months": months,
            "month_names": [format_date(m, "MMMM", locale=locale) for m in months],
            "closures": closures,
            "quick": quick if policy.can(app, staff, "log") else [],
            "previous_year": f"{today.year - 1}-12-31",
            "moved": moved,
            "actual_today": actual_today,
            "period_name": format_date(today, "LLLL y", locale=locale),
            "actual_period_name": format_date(actual_today, "LLLL y", locale=locale),
            "parts": PARTS,
            "has_previous": has_previous,
        },
    )
