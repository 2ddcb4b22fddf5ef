"""Contacts and activities: the filtered lists, and editing an activity and its actual headcount."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from tremplin.core.audit import audit
from tremplin.core.forms import Form
from tremplin.core.models import Activity, Centre, Site, Staff
from tremplin.core.records import record_participants
from tremplin.core.validation import Cleaner, Lookup, RecordError
from tremplin.core.web import formkit
from tremplin.core.web.common import fetch, query_string
from tremplin.core.web.deps import (
    ensure_record,
    form_data,
    get_app,
    get_session,
    require_capability,
)
from tremplin.core.web.i18n import gettext_for
from tremplin.core.web.routes.lists import (
    list_activities,
    list_contacts,
    read_filters,
    visible_sites,
)
from tremplin.core.web.routes.log import form_context
from tremplin.core.web.templating import flash, render

router = APIRouter(include_in_schema=False)
needs_contacts = require_capability("contacts")
needs_activities = require_capability("activities")


def _list_context(request: Request, session: Session, staff: Staff, filters: Any, rows: list[Any], next_cursor: str | None) -> dict[str, Any]:
    app = get_app(request)
    sites = visible_sites(session, staff)
    return {
        "filters": filters,
        "rows": rows,
        "next_url": (request.url.path + "?" + query_string(filters.params(), after=next_cursor)) if next_cursor else None,
        "first_url": (request.url.path + "?" + query_string(filters.params())) if filters.after else None,
        "audiences": [(k, app.registry.audiences[k].label) for k in app.registry.audiences.keys() if staff.may_see(k)],
        "sites": sites,
        "site_names": {s.id: s.name for s in sites},
        "vocab": get_app(request).registry.vocabulary,
        "registry": app.registry,
    }


@router.get("/contacts")
def contacts(request: Request, staff: Staff = Depends(needs_contacts), session: Session = Depends(get_session)) -> Response:
    filters = read_filters(request, staff)
    rows, next_cursor = list_contacts(request, session, staff, filters)
    return render(request, "contacts.html", _list_context(request, session, staff, filters, rows, next_cursor))


@router.get("/activities")
def activities(request: Request, staff: Staff = Depends(needs_activities), session: Session = Depends(get_session)) -> Response:
    filters = read_filters(request, staff)
    rows, next_cursor = list_activities(request, session, staff, filters)
    return render(request, "activities.html", _list_context(request, session, staff, filters, rows, next_cursor))


def activity_forms(request: Request, staff: Staff) -> list[Form]:
    app = get_app(request)
    return [f for f in app.registry.forms.values() if f.record == "activity" and staff.may_see(f.audience)]


@router.get("/activities/new")
def activity_new(request: Request, staff: Staff = Depends(needs_activities)) -> Response:
    return render(request, "activity_new.html", {"forms": activity_forms(request, staff), "registry": get_app(request).registry})


def _load(session: Session, staff: Staff, activity_id: int) -> Activity:
    activity = fetch(session, Activity, activity_id)
    if activity is None:
        raise HTTPException(status_code=404, detail="There is no such activity.")
    ensure_record(staff, activity)
    return activity


def _form_of(request: Request, activity: Activity) -> Form | None:
    app = get_app(request)
    forms = app.registry.forms_of(activity.audience, "activity")
    return forms[0] if forms else None


def _as_posted(session: Session, activity: Activity, form: Form, tz: Any) -> dict[str, Any]:
    site_code = session.scalar(select(Site.code).where(Site.id == activity.site_id)) if activity.site_id else ""
    posted: dict[str, Any] = {
        "starts_at": activity.starts_at.astimezone(tz).strftime("%Y-%m-%dT%H:%M"),
        "site": site_code or "",
        "title": activity.title or "",
        "workshop": activity.workshop or "",
        "format": activity.format or "",
        "capacity": "" if activity.capacity is None else str(activity.capacity),
        "registered": "" if activity.registered is None else str(activity.registered),
        "participants": "" if activity.participants is None else str(activity.participants),
        "language": activity.language or "",
        "themes": list(activity.themes or []),
    }
    for f in form.fields:
        value = (activity.attributes or {}).get(f.name)
        if f.kind == "multichoice":
            posted[f"attr.{f.name}"] = list(value or [])
        elif f.kind == "bool":
            posted[f"attr.{f.name}"] = "1" if value else ""
        else:
            posted[f"attr.{f.name}"] = "" if value is None else str(value)
    return posted


def _detail(request: Request, session: Session, staff: Staff, activity: Activity, posted: dict[str, Any] | None = None, errors: dict[str, str] | None = None, status: int = 200) -> Response:
    app = get_app(request)
    form = _form_of(request, activity)
    centre = session.get(Centre, activity.centre_id)
    assert centre is not None
    ctx = form_context(request, session, staff, centre)
    ctx.centres = []
    fields = formkit.build_fields(form, ctx, posted if posted is not None else _as_posted(session, activity, form, ctx.tz), errors) if form else []
    return render(
        request,
        "activity.html",
        {
            "activity": activity,
            "form": form,
            "fields": [f for f in fields if f.name != "centre"],
            "errors": errors or {},
            "audience": app.registry.audiences.get(activity.audience),
            "site": session.get(Site, activity.site_id) if activity.site_id else None,
            "workshop_label": app.registry.codes["workshop"].label_of(activity.workshop, ctx.lang),
        },
        status_code=status,
    )


@router.get("/activities/{activity_id}")
def activity_detail(activity_id: int, request: Request, staff: Staff = Depends(needs_activities), session: Session = Depends(get_session)) -> Response:
    return _detail(request, session, staff, _load(session, staff, activity_id))


@router.post("/activities/{activity_id}")
def activity_edit(activity_id: int, request: Request, data: Any = Depends(form_data), staff: Staff = Depends(needs_activities), session: Session = Depends(get_session)) -> Response:
    app = get_app(request)
    _ = gettext_for(request)
    activity = _load(session, staff, activity_id)
    form = _form_of(request, activity)
    if form is None:
        raise HTTPException(status_code=409, detail="This audience has no activity form to edit with.")
    centre = session.get(Centre, activity.centre_id)
    assert centre is not None
    ctx = form_context(request, session, staff, centre)
    ctx.centres = []
    posted = formkit.posted_values(form, data)
    values, attributes, errors = formkit.clean(form, posted, ctx, centre.code)
    if not errors:
        try:
            record = Cleaner(app, Lookup.load(app, session)).activity(values, attributes)
        except RecordError as exc:
            errors = formkit.translate_record_errors(exc.errors, _)
    if errors:
        return _detail(request, session, staff, activity, posted, errors, status=422)
    old_participants = activity.participants
    for name, value in record.items():
        setattr(activity, name, value)
    session.flush()
    audit(session, "activity.edit", staff, "activity", activity.id)
    if activity.participants != old_participants:
        app.hook.activity_logged(app=app, session=session, activity=activity)
    session.commit()
    flash(request, _("Saved."))
    return RedirectResponse(f"/activities/{activity.id}", status_code=303)


@router.post("/activities/{activity_id}/participants")
def activity_participants(activity_id: int, request: Request, data: Any = Depends(form_data), staff: Staff = Depends(needs_activities), session: Session = Depends(get_session)) -> Response:
    app = get_app(request)
    _ = gettext_for(request)
    activity = _load(session, staff, activity_id)
    value, error = formkit._int(str(data.get("participants") or ""), 0, formkit.MAX_HEADCOUNT, _)
    if error or value is None:
        return _detail(request, session, staff, activity, errors={"participants_only": error or _(formkit.MSG_REQUIRED)}, status=422)
    record_participants(app, session, activity, value, staff=staff)
    session.commit()
    flash(request, _("Headcount saved."))
    return RedirectResponse(f"/activities/{activity.id}", status_code=303)
