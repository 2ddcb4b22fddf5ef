"""Reading figures out of the roll-up for the CLI, the web app and the reports."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tremplin.core import rollup
from tremplin.core.models import Centre, CounterValue

if TYPE_CHECKING:
    from tremplin.core.app import App


def data_years(session: Session) -> tuple[int, int] | None:
    first, last = session.execute(select(func.min(CounterValue.period), func.max(CounterValue.period)).where(CounterValue.grain == "y")).one()
    if first is None:
        return None
    return first.year, last.year


def counter_keys(app: App, audience: str | None = None) -> list[str]:
    return [key for key, c in app.registry.counters.items() if audience is None or c.audience == audience]


def counter_figures(
    app: App, session: Session, year: int | None = None, audience: str | None = None, centre: str | None = None
) -> dict[str, int]:
    """Every counter (or an audience's) over a calendar year or all years, keyed by counter key."""
    keys = counter_keys(app, audience)
    if year is not None:
        start, end = date(year, 1, 1), date(year, 12, 31)
    else:
        span = data_years(session)
        if span is None:
            return {k: 0 for k in keys}
        start, end = date(span[0], 1, 1), date(span[1], 12, 31)
    centre_ids = None
    if centre is not None:
        centre_id = session.scalar(select(Centre.id).where(Centre.code == centre))
        if centre_id is None:
            raise ValueError(f"unknown centre {centre!r}")
        centre_ids = [centre_id]
    return rollup.totals(session, keys, start, end, centre_ids)
