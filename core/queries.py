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
    first, last = session.execute(
        select(func.min(CounterValue.period), func.max(CounterValue.period)).where(CounterValue.grain == "y")
    ).one()
    if first is None:
        return None
    return first.year, last.year


def counter_keys(app: App, audience: str | None = None) -> list[str]:
    return [key for key, c in app.registry.counters.items() if audience is None or c.audience == audience]


def counter_figures(
    app: App,
    session: Session,
    year: int | None = None,
    audience: str | None = None,
    centre: str | None = None,
    dimensions: bool = False,
) -> dict[str, int]:
    """Every counter (or an audience's) over a calendar year or all years, keyed by counter key.

    With ``dimensions`` each counter is followed by its values by the plugins' dimensions
    (``dimension_figures``): ``euroguidance.advised/euroguidance.country/de``.
    """
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
    figures = rollup.totals(session, keys, start, end, centre_ids)
    if not dimensions:
        return figures
    by_dimension = dimension_figures(app, session, keys, start, end, centre_ids, audience)
    out: dict[str, int] = {}
    for key in keys:
        out[key] = figures[key]
        out.update(by_dimension.get(key, {}))
    return out


def dimension_figures(
    app: App,
    session: Session,
    keys: list[str],
    start: date,
    end: date,
    centre_ids: list[int] | None,
    audience: str | None = None,
) -> dict[str, dict[str, int]]:
    """Counters by each plugin dimension, as ``{counter: {"<counter>/<dimension>/<code>": amount}}``.

    Sites are keyed by their code. Only values that happened are listed (``unknown`` included), in
    the dimension's order; an audience's figures are broken down by that audience's dimensions.
    """
    from tremplin.core.dimensions import Values

    out: dict[str, dict[str, int]] = {}
    for dim_key, dim in app.registry.dimensions.items():
        if audience is not None and dim.audience not in (None, audience):
            continue
        values = Values(app, session, dim_key)
        read = rollup.read(session, keys, start, end, centre_ids, dim=dim_key)
        coded: dict[str, dict[str, int]] = {}
        for (counter, stored), amount in read.items():
            if amount:
                by_code = coded.setdefault(counter, {})
                code = values.code(stored)
                by_code[code] = by_code.get(code, 0) + amount
        for counter, by_code in coded.items():
            target = out.setdefault(counter, {})
            for code in values.order(by_code):
                if code in by_code:
                    target[f"{counter}/{dim_key}/{code}"] = by_code[code]
    return out
