"""Euroguidance's flow: the year's mobility advice by destination country, written to the flow's log.

``count_by_country`` is a plain function underneath (``count_by_country.fn(...)``), tested without Prefect.
"""

from __future__ import annotations

from datetime import date

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from tremplin.flows.common import logger, open_app


@task(name="euroguidance-count-by-country", cache_policy=NO_CACHE)
def count_by_country(database_url: str | None = None, year: int | None = None) -> dict[str, int]:
    from tremplin_euroguidance.web import by_country

    year = year or date.today().year
    with open_app(database_url) as app:
        with app.session() as session:
            rows = by_country(app, session, None, date(year, 1, 1), date(year, 12, 31), "en")
    return {code: people for code, _label, people in rows}


@flow(name="euroguidance-destinations")
def destinations(database_url: str | None = None, year: int | None = None) -> dict[str, int]:
    """People advised on mobility by destination country for ``year`` (default: this year)."""
    found = count_by_country(database_url, year)
    logger().info("mobility advice by destination: %s", found)
    return found
