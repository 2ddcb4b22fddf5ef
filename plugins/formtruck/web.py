"""The Formtruck's page: this year's people advised at the truck, by stop and by commune.

Its template is ``templates/formtruck/stops.html`` in this folder and its stylesheet
``static/formtruck.css``, served as ``/static/plugins/formtruck/formtruck.css`` (``tremplin.core.pages``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from tremplin.core.models import Staff
from tremplin.core.web import formkit
from tremplin.core.web.deps import ensure_audience, form_data, get_app, get_session, require_capability
from tremplin.core.web.i18n import request_language

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
    from tremplin.core.web.common import local_today
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


# ------------------------------------------------------------------------------------------------
# Tours: the coordinator plans the truck's stops

TOURS_PATH = "/formtruck/tours"
#: How far ahead the tours page lists planned stops.
AHEAD_DAYS = 366


def _tours_page(
    request: Request,
    session: Session,
    staff: Staff,
    posted: dict[str, str] | None = None,
    errors: dict[str, Any] | None = None,
    status: int = 200,
) -> HTMLResponse:
    from datetime import timedelta

    from tremplin.core.web.common import local_today, working_centre
    from tremplin.core.web.templating import render
    from tremplin.plugins.formtruck import COMMUNES, TEXTS
    from tremplin.plugins.formtruck.tours import stop_sites, stops_between

    app = get_app(request)
    centre = working_centre(request, session, staff)
    today = local_today(app, session, centre.id)
    return render(
        request,
        "formtruck/tours.html",
        {
            "texts": TEXTS,
            "communes": COMMUNES,
            "sites": stop_sites(session, centre.id),
            "planned": stops_between(session, centre.id, today, today + timedelta(days=AHEAD_DAYS)),
            "today": today,
            "posted": posted or {"day": today.isoformat(), "starts": "10:00", "ends": "16:00"},
            "errors": errors or {},
        },
        status_code=status,
    )


def _tours_staff() -> Any:
    from tremplin.plugins.formtruck import TOURS

    return require_capability(TOURS)


@router.get(TOURS_PATH, response_class=HTMLResponse)
def tours(
    request: Request, staff: Staff = Depends(_tours_staff()), session: Session = Depends(get_session)
) -> HTMLResponse:
    from tremplin.plugins.formtruck import AUDIENCE

    ensure_audience(staff, AUDIENCE)
    return _tours_page(request, session, staff)


@router.post(TOURS_PATH, response_class=HTMLResponse)
def plan(
    request: Request,
    data: Any = Depends(form_data),
    staff: Staff = Depends(_tours_staff()),
    session: Session = Depends(get_session),
) -> Response:
    """Add a stop: an existing stop site or a new one named here, its commune, day and hours."""
    from datetime import time

    from tremplin.core.admin import ensure_site
    from tremplin.core.web.common import local_today, working_centre
    from tremplin.core.web.templating import flash
    from tremplin.plugins.formtruck import AUDIENCE, COMMUNES, TEXTS
    from tremplin.plugins.formtruck.tours import STOP_KIND, plan_stop, site_code_for, stop_sites

    ensure_audience(staff, AUDIENCE)
    names = ("site", "new_stop", "commune", "place", "day", "starts", "ends")
    posted = {name: str(data.get(name) or "").strip() for name in names}
    centre = working_centre(request, session, staff)
    errors: dict[str, Any] = {}
    sites = {site.code: site for site in stop_sites(session, centre.id)}
    if not posted["new_stop"] and posted["site"] not in sites:
        errors["site"] = TEXTS["err_stop"]
    if len(posted["new_stop"]) > 80 or len(posted["place"]) > 80:
        errors["new_stop" if len(posted["new_stop"]) > 80 else "place"] = TEXTS["err_place"]
    if posted["commune"] not in COMMUNES:
        errors["commune"] = TEXTS["err_commune"]
    day = formkit.parse_day(posted["day"])
    if day is None or day < local_today(get_app(request), session, centre.id):
        errors["day"] = TEXTS["err_day"]
    starts: time | None
    ends: time | None
    try:
        starts, ends = time.fromisoformat(posted["starts"]), time.fromisoformat(posted["ends"])
    except ValueError:
        starts = ends = None
    if starts is None or ends is None or ends <= starts:
        errors["hours"] = TEXTS["err_hours"]
    if errors or day is None or starts is None or ends is None:
        return _tours_page(request, session, staff, posted, errors, status=422)
    if posted["new_stop"]:
        site, _created = ensure_site(session, centre, site_code_for(posted["new_stop"]), posted["new_stop"], STOP_KIND)
    else:
        site = sites[posted["site"]]
    plan_stop(session, centre.id, site, day, starts, ends, posted["commune"], posted["place"])
    session.commit()
    flash(request, TEXTS["saved"].get(request_language(request)))
    return RedirectResponse(TOURS_PATH, status_code=303)


@router.post(TOURS_PATH + "/{stop_id}/remove", response_class=HTMLResponse)
def remove(
    stop_id: int, request: Request, staff: Staff = Depends(_tours_staff()), session: Session = Depends(get_session)
) -> Response:
    from tremplin.core.web.common import working_centre
    from tremplin.core.web.templating import flash
    from tremplin.plugins.formtruck import AUDIENCE, TEXTS
    from tremplin.plugins.formtruck.models import FormtruckStop

    ensure_audience(staff, AUDIENCE)
    stop = session.get(FormtruckStop, stop_id)
    if stop is None or stop.centre_id != working_centre(request, session, staff).id:
        raise HTTPException(status_code=404, detail="There is no such stop.")
    session.delete(stop)
    session.commit()
    flash(request, TEXTS["removed"].get(request_language(request)))
    return RedirectResponse(TOURS_PATH, status_code=303)
