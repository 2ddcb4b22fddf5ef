"""The Formtruck's page: this year's people advised at the truck, by stop and by commune.

Its template is ``templates/formtruck/stops.html`` in this folder and its stylesheet
``static/formtruck.css``, served as ``/static/plugins/formtruck/formtruck.css`` (``tremplin.core.pages``).
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
PATH = "/formtruck"
COUNTER = "formtruck.users"


def by_dimension(
    app: Any, session: Session, staff: Staff, dim: str, start: date, end: date, lang: str
) -> list[tuple[str, str, int]]:
    """``(code, label, people)`` for one of the Formtruck's dimensions over [start, end], in the account's centres."""
    import tremplin.core.rollup as rollup
    from tremplin.core.dimensions import Values
    from tremplin.core.web import policy

    values = Values(app, session, dim)
    found: dict[str, int] = {}
    for (_counter, stored), amount in rollup.read(
        session, [COUNTER], start, end, policy.centre_ids(staff), dim=dim
    ).items():
        code = values.code(stored)
        found[code] = found.get(code, 0) + amount
    return [(code, values.text(code, lang), found[code]) for code in values.order(found) if found.get(code)]


@router.get(PATH, response_class=HTMLResponse)
def stops(
    request: Request,
    staff: Staff = Depends(require_capability("dashboard")),
    session: Session = Depends(get_session),
    on: str = "",
) -> HTMLResponse:
    """``on`` (a day, as on the dashboard) shows the year up to that day instead of today."""
    from tremplin.core.web import formkit
    from tremplin.core.web.common import local_today
    from tremplin.core.web.i18n import request_language
    from tremplin.core.web.templating import render
    from tremplin.plugins.formtruck import AUDIENCE, TEXTS

    ensure_audience(staff, AUDIENCE)
    app = get_app(request)
    lang = request_language(request)
    today = formkit.parse_day(on) or local_today(app, session, staff.centre_id)
    start = today.replace(month=1, day=1)
    tables = [
        (key, TEXTS[key], by_dimension(app, session, staff, f"formtruck.{key}", start, today, lang))
        for key in ("stop", "commune")
    ]
    return render(request, "formtruck/stops.html", {"tables": tables, "texts": TEXTS, "today": today})
