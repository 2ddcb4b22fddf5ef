"""Contacts and activities: the filtered lists, and editing an activity and its actual headcount."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from tremplin.core import corrections
from tremplin.core.forms import Form
from tremplin.core.models import Activity, Centre, Site, Staff
from tremplin.core.records import record_participants, update_activity
from tremplin.core.validation import RecordError
from tremplin.core.web import formkit
from tremplin.core.web.common import fetch, query_string
from tremplin.core.web.deps import (
    form_data,
    get_app,
    get_session,
    require_capability,
    visible_or_404,
)
from tremplin.core.web.i18n import N_, gettext_for
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


def _list_context(
    request: Request, session: Session, staff: Staff, filters: Any, rows: list[Any], next_cursor: str | None
) -> dict[str, Any]:
    app = get_app(request)
    _ = gettext_for(request)
    sites = visible_sites(session, staff)
    return {
        "filters": filters,
        "rows": rows,
        "next_url": (request.url.path + "?" + query_string(filters.params(), after=next_cursor))
        if next_cursor
        else None,
        "first_url": (request.url.path + "?" + query_string(filters.params())) if filters.after else None,
        "audiences": [(k, app.registry.audiences[k].label) for k in app.registry.audiences.keys() if staff.may_see(k)],
        "sites": sites,
        "site_names": {s.id: s.name for s in sites},
        "vocab": get_app(request).registry.vocabulary,
        "registry": app.registry,
        "export_query": query_string(filters.params()),
        "search_help": _(SEARCH_HELP[request.url.path]),
    }


SEARCH_HELP = {
    "/contacts": N_("A case code, or a place or school typed in the form."),
    "/activities": N_("A title, a school or a partner's name."),
}


@router.get("/contacts")
def contacts(
    request: Request, staff: Staff = Depends(needs_contacts), session: Session = Depends(get_session)
) -> Response:
    filters = read_filters(request, staff)
    rows, next_cursor = list_contacts(request, session, staff, filters)
    return render(request, "contacts.html", _list_context(request, session, staff, filters, rows, next_cursor))


@router.get("/activities")
def activities(
    request: Request, staff: Staff = Depends(needs_activities), session: Session = Depends(get_session)
) -> Response:
    filters = read_filters(request, staff)
    rows, next_cursor = list_activities(request, session, staff, filters)
    return render(request, "activities.html", _list_context(request, session, staff, filters, rows, next_cursor))


def activity_forms(request: Request, staff: Staff) -> list[Form]:
    app = get_app(request)
    return [f for f in app.registry.forms.values() if f.record == "activity" and staff.may_see(f.audience)]


@router.get("/activities/new")
def activity_new(request: Request, staff: Staff = Depends(needs_activities)) -> Response:
    return render(
        request, "activity_new.html", {"forms": activity_forms(request, staff), "registry": get_app(request).registry}
    )


def _load(session: Session, staff: Staff, activity_id: int) -> Activity:
    activity = fetch(session, Activity, activity_id)
    visible_or_404(staff, activity, "There is no such activity.")
    return activity


def _form_of(request: Request, activity: Activity) -> Form | None:
    from tremplin.core.web.routes.corrections import correction_form

    return correction_form(request, activity)[0]


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


def _detail(
    request: Request,
    session: Session,
    staff: Staff,
    activity: Activity,
    posted: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
    reason: str = "",
    question: int | None = None,
) -> Response:
    """The activity's page; ``question``: a headcount the rules question, asked to be confirmed."""
    from tremplin.core.web.routes.corrections import field_labels, history, refusal_text

    app = get_app(request)
    form = _form_of(request, activity)
    centre = session.get(Centre, activity.centre_id)
    assert centre is not None
    ctx = form_context(request, session, staff, centre)
    ctx.centres = []
    grant = corrections.may_correct(app, session, staff, activity)
    refusal = ""
    if grant is None:
        try:
            corrections.grant_for(app, session, staff, activity)
        except corrections.CorrectionRefused as exc:
            refusal = refusal_text(request, exc)
    shown = form if grant is not None else None
    fields: list[formkit.FieldView] = []
    if shown is not None:
        values = posted if posted is not None else _as_posted(session, activity, shown, ctx.tz)
        fields = formkit.build_fields(shown, ctx, values, errors)
    return render(
        request,
        "activity.html",
        {
            "activity": activity,
            "question": question,
            "confirm": formkit.confirmations(posted or {}, errors) if isinstance(errors, formkit.FieldErrors) else [],
            "form": shown,
            "fields": [f for f in fields if f.name != "centre"],
            "errors": errors or {},
            "grant": grant,
            "refusal": refusal,
            "reason": reason,
            "max_reason": corrections.MAX_REASON,
            "history": history(session, "activity", activity.id),
            "field_labels": field_labels(request),
            "audience": app.registry.audiences.get(activity.audience),
            "site": session.get(Site, activity.site_id) if activity.site_id else None,
            "workshop_label": app.registry.codes["workshop"].label_of(activity.workshop, ctx.lang),
        },
        status_code=status,
    )


@router.get("/activities/{activity_id}")
def activity_detail(
    activity_id: int,
    request: Request,
    staff: Staff = Depends(needs_activities),
    session: Session = Depends(get_session),
) -> Response:
    return _detail(request, session, staff, _load(session, staff, activity_id))


@router.post("/activities/{activity_id}")
def activity_edit(
    activity_id: int,
    request: Request,
    data: Any = Depends(form_data),
    staff: Staff = Depends(needs_activities),
    session: Session = Depends(get_session),
) -> Response:
    from tremplin.core.web.routes.corrections import corrected_values, correction_form, reason_messages, refused

    app = get_app(request)
    _ = gettext_for(request)
    activity = _load(session, staff, activity_id)
    try:
        grant = corrections.grant_for(app, session, staff, activity)
    except corrections.CorrectionRefused as exc:
        return refused(request, exc)
    form, registered = correction_form(request, activity)
    centre = session.get(Centre, activity.centre_id)
    assert centre is not None
    ctx = form_context(request, session, staff, centre)
    ctx.centres = []
    posted = formkit.posted_values(form, data)
    reason = str(data.get("reason") or "").strip()
    values, attributes, errors = formkit.clean(form, posted, ctx, centre.code)
    errors.update(reason_messages(corrections.reason_errors(app, grant, reason)[1], _))
    if not errors:
        current, current_attributes = corrections.activity_values(session, activity)
        values, attributes = corrected_values(current, current_attributes, form, values, attributes, "starts_at")
        values["centre"] = centre.code
        try:
            form_key = form.key if registered else None
            confirmed = formkit.confirmed(posted, data.getlist("confirm"))
            update_activity(
                app,
                session,
                activity,
                values,
                attributes,
                staff=staff,
                form=form_key,
                reason=reason,
                confirmed=confirmed,
            )
        except RecordError as exc:
            session.rollback()
            errors = formkit.translate_record_errors(exc.errors, _)
            activity = _load(session, staff, activity_id)
    if errors:
        return _detail(request, session, staff, activity, posted, errors, status=422, reason=reason)
    session.commit()
    flash(request, _("Saved."))
    return RedirectResponse(f"/activities/{activity.id}", status_code=303)


@router.post("/activities/{activity_id}/participants")
def activity_participants(
    activity_id: int,
    request: Request,
    data: Any = Depends(form_data),
    staff: Staff = Depends(needs_activities),
    session: Session = Depends(get_session),
) -> Response:
    from tremplin.core.web.routes.corrections import reason_messages, refused

    app = get_app(request)
    _ = gettext_for(request)
    activity = _load(session, staff, activity_id)
    value, error = formkit._int(str(data.get("participants") or ""), 0, formkit.MAX_HEADCOUNT, _)
    reason = str(data.get("reason") or "").strip()
    if error or value is None:
        errors = {"participants_only": error or _(formkit.MSG_REQUIRED)}
        return _detail(request, session, staff, activity, errors=errors, status=422, reason=reason)
    # Far more participants than registered asks first; the page's confirmation names the value confirmed.
    confirmed = str(data.get("confirm") or "") == str(value)
    try:
        record_participants(app, session, activity, value, staff=staff, reason=reason, confirmed=confirmed)
    except corrections.CorrectionRefused as exc:
        return refused(request, exc)
    except RecordError as exc:
        session.rollback()
        activity = _load(session, staff, activity_id)
        translated = formkit.translate_record_errors(exc.errors, _)
        message = next(iter(reason_messages(exc.errors, _).values()), None) or translated.get("participants")
        errors = {"participants_only": message or _(formkit.MSG_INVALID)}
        question = value if translated.questions_only else None
        return _detail(request, session, staff, activity, errors=errors, status=422, reason=reason, question=question)
    session.commit()
    flash(request, _("Headcount saved."))
    return RedirectResponse(f"/activities/{activity.id}", status_code=303)
