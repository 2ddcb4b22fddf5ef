"""Euroguidance's page: this year's people advised on mobility, by destination country.

Its template is ``templates/euroguidance/destinations.html`` in this package, found by the web app as it
finds every plugin's ``templates/`` folder. Below the figures, the coming mobility fairs (the plugin's table).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from tremplin.core.models import Staff
from tremplin.core.web.deps import ensure_audience, get_app, get_session, require_capability

router = APIRouter(include_in_schema=False)
PATH = "/euroguidance"
COUNTER = "euroguidance.advised"
DIMENSION = "euroguidance.country"


def by_country(
    app: Any, session: Session, centre_ids: Any, start: date, end: date, lang: str
) -> list[tuple[str, str, int]]:
    """``(code, label, people)`` by destination country over [start, end], in the given centres."""
    from tremplin.core import rollup
    from tremplin.core.dimensions import Values

    values = Values(app, session, DIMENSION)
    found: dict[str, int] = {}
    for (_counter, stored), amount in rollup.read(session, [COUNTER], start, end, centre_ids, dim=DIMENSION).items():
        code = values.code(stored)
        found[code] = found.get(code, 0) + amount
    return [(code, values.text(code, lang), found[code]) for code in values.order(found) if found.get(code)]


def coming_fairs(session: Session, centre_ids: Any, today: date, limit: int = 10) -> list[Any]:
    """The fairs from ``today`` on, soonest first, in the given centres (``None``: every centre)."""
    from sqlalchemy import select

    from tremplin_euroguidance.models import MobilityFair

    query = select(MobilityFair).where(MobilityFair.day >= today).order_by(MobilityFair.day, MobilityFair.id)
    if centre_ids is not None:
        query = query.where(MobilityFair.centre_id.in_(centre_ids))
    return list(session.scalars(query.limit(limit)))


@router.get(PATH, response_class=HTMLResponse)
def destinations(
    request: Request,
    staff: Staff = Depends(require_capability("dashboard")),
    session: Session = Depends(get_session),
    on: str = "",
) -> HTMLResponse:
    from tremplin.core.web import formkit, policy
    from tremplin.core.web.common import local_today
    from tremplin.core.web.i18n import request_language
    from tremplin.core.web.templating import render
    from tremplin_euroguidance import AUDIENCE, TEXTS

    ensure_audience(staff, AUDIENCE)
    app = get_app(request)
    lang = request_language(request)
    today = formkit.parse_day(on) or local_today(app, session, staff.centre_id)
    centre_ids = policy.centre_ids(staff)
    rows = by_country(app, session, centre_ids, today.replace(month=1, day=1), today, lang)
    fairs = coming_fairs(session, centre_ids, today)
    context = {"rows": rows, "fairs": fairs, "texts": TEXTS, "today": today}
    return render(request, "euroguidance/destinations.html", context)
