"""Correcting a contact or an activity from its page: edit it, delete it, see its corrections.

Who may is decided by ``tremplin.core.corrections`` (the author on the day of the entry; programme
leads and administrators at any time, with a reason), the same rule the API applies. The edit form is
the intake form the record came from (matched by its fixed values), so it checks what a new entry is
checked for; a record no form matches (an import, the API) is edited with every field of its audience.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from tremplin.core import corrections, vocab
from tremplin.core.forms import CORE_CONTACT_FIELDS, Form
from tremplin.core.i18n import T
from tremplin.core.models import Activity, AuditEvent, Centre, Contact, Site, Staff
from tremplin.core.records import delete_activity, delete_contact, update_contact
from tremplin.core.validation import RecordError
from tremplin.core.web import formkit
from tremplin.core.web.common import fetch
from tremplin.core.web.deps import form_data, get_app, get_session, require_capability, visible_or_404
from tremplin.core.web.i18n import N_, gettext_for
from tremplin.core.web.routes.log import form_context
from tremplin.core.web.templating import flash, render

router = APIRouter(include_in_schema=False)
needs_contacts = require_capability("contacts")
needs_log = require_capability("log")
needs_activities = require_capability("activities")

#: The refusals of ``tremplin.core.corrections``, as pages say them.
REFUSALS: dict[str, str] = {
    "not_author": N_(
        "Only the author may correct this record, on the day it was entered. Programme leads and "
        "administrators may correct it at any time, giving a reason."
    ),
    "too_late": N_(
        "You may correct your own entries only on the day you made them. Ask a programme lead or an "
        "administrator: they may correct it, giving a reason."
    ),
    "not_seen": N_("Your account does not see this record."),
}
MSG_REASON = N_("Give the reason for this correction.")
MSG_SAVED = N_("Corrected. The change is kept in the audit log.")
MSG_DELETED = N_("Deleted. The record is kept in the audit log.")


def refusal_text(request: Request, exc: corrections.CorrectionRefused) -> str:
    return gettext_for(request)(REFUSALS.get(exc.code, REFUSALS["not_author"]))


def refused(request: Request, exc: corrections.CorrectionRefused) -> Response:
    """The error page for a correction the rule refuses (403), in the user's language."""
    _ = gettext_for(request)
    return render(
        request,
        "error.html",
        {"status": 403, "message": _("This change is not possible."), "detail": refusal_text(request, exc)},
        status_code=403,
    )


def reason_messages(errors: list[tuple[str, str]], _: Any) -> dict[str, str]:
    """The ``reason`` errors of the core, in the user's language."""
    out: dict[str, str] = {}
    for name, text in errors:
        if name == "reason":
            out["reason"] = _(formkit.MSG_TOO_LONG, max=corrections.MAX_REASON) if "too long" in text else _(MSG_REASON)
    return out


def field_labels(request: Request) -> dict[str, str]:
    """The names of a record's fields as the forms show them, for the list of its corrections."""
    from tremplin.core.i18n import pick
    from tremplin.core.web.i18n import request_language

    _ = gettext_for(request)
    lang = request_language(request)
    codes = get_app(request).registry.codes
    labels = {
        name: pick(codes[list_name].label, lang) for name, list_name in formkit.CODED.items() if list_name in codes
    }
    labels.update({name: _(label) for name, label in formkit.PLAIN_LABELS.items()})
    labels["day"] = _("Day")
    return labels


def history(session: Session, kind: str, record_id: int) -> list[AuditEvent]:
    """The audit events of a record, newest first."""
    stmt = select(AuditEvent).where(AuditEvent.object_type == kind, AuditEvent.object_id == str(record_id))
    return list(session.scalars(stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(100)))


# ------------------------------------------------------------------------------------------------
# The form a record is edited with


def correction_form(request: Request, record: Contact | Activity) -> tuple[Form, bool]:
    """(the form, whether it is a registered one): the intake form whose fixed values the record has, or one
    with every field of the audience (every attribute optional, as an import or the API allow)."""
    app = get_app(request)
    kind = corrections.kind_of(record)
    for form in app.registry.forms_of(record.audience, kind):
        fixed_fit = all(getattr(record, name, None) == value for name, value in form.fixed.items())
        choices_fit = all(
            getattr(record, name, None) in allowed for name, allowed in form.core_choices.items() if name != "workshop"
        )
        if fixed_fit and choices_fit:
            if (
                isinstance(record, Contact)  # the kind is "contact"
                and "modality" not in form.fixed
                and record.modality not in form.core_choices.get("modality", (record.modality,))
            ):
                continue
            return form, True
    from dataclasses import replace

    fields = tuple(replace(f, required=False) for f in app.registry.attribute_fields(record.audience, kind).values())
    title = T("Correction", fr="Correction", nl="Correctie", uk="Виправлення")
    if kind == "contact":
        return Form(
            f"{record.audience}.correction", record.audience, title, fields=fields, core_fields=CORE_CONTACT_FIELDS
        ), False
    core = ("site", "title", "workshop", "format", "capacity", "registered", "participants", "language", "themes")
    return Form(
        f"{record.audience}.correction", record.audience, title, record="activity", fields=fields, core_fields=core
    ), False


def as_posted(values: dict[str, Any], attributes: dict[str, Any], form: Form, tz: Any) -> dict[str, Any]:
    """A record's values as its edit form shows them (what the worker would have typed)."""
    posted: dict[str, Any] = {}
    for name in formkit.shown_core_fields(form):
        value = values.get(name)
        if name in ("occurred_at", "starts_at"):
            posted[name] = value.astimezone(tz).strftime("%Y-%m-%dT%H:%M") if isinstance(value, datetime) else ""
        elif name == "themes":
            posted[name] = list(value or [])
        else:
            posted[name] = "" if value is None else str(value)
    for f in form.fields:
        value = attributes.get(f.name)
        if f.kind == "multichoice":
            posted[f"attr.{f.name}"] = list(value or [])
        elif f.kind == "bool":
            posted[f"attr.{f.name}"] = "1" if value else ""
        else:
            posted[f"attr.{f.name}"] = "" if value is None else str(value)
    return posted


def corrected_values(
    current: dict[str, Any],
    current_attributes: dict[str, Any],
    form: Form,
    values: dict[str, Any],
    attributes: dict[str, Any],
    moment: str,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The record's values with what the form shows replaced by what was posted (a field emptied is cleared);
    a time posted to the minute of the stored one keeps the stored one (the page shows no seconds)."""
    out = dict(current)
    for name in formkit.shown_core_fields(form):
        stored = out.pop(name, None)
        if name == moment and isinstance(stored, datetime) and isinstance(values.get(name), datetime):
            if values[name].replace(second=0, microsecond=0) == stored.astimezone(values[name].tzinfo).replace(
                second=0, microsecond=0
            ):
                values[name] = stored
    out.update({k: v for k, v in values.items() if k != "centre"})
    attrs = {k: v for k, v in current_attributes.items() if form.field(k) is None}
    attrs.update(attributes)
    return out, attrs


# ------------------------------------------------------------------------------------------------
# Contacts


def _contact(session: Session, staff: Staff, contact_id: int) -> Contact:
    contact = fetch(session, Contact, contact_id)
    visible_or_404(staff, contact, "There is no such contact.")
    return contact


def contact_page(
    request: Request,
    session: Session,
    staff: Staff,
    contact: Contact,
    posted: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    reason: str = "",
    status: int = 200,
) -> Response:
    app = get_app(request)
    centre = session.get(Centre, contact.centre_id)
    assert centre is not None
    ctx = form_context(request, session, staff, centre)
    ctx.centres = []
    grant = corrections.may_correct(app, session, staff, contact)
    form, _registered = correction_form(request, contact)
    refusal = ""
    if grant is None:
        try:
            corrections.grant_for(app, session, staff, contact)
        except corrections.CorrectionRefused as exc:
            refusal = refusal_text(request, exc)
    fields: list[formkit.FieldView] = []
    if grant is not None:
        if posted is None:
            values, attributes = corrections.contact_values(session, contact)
            posted = as_posted(values, attributes, form, ctx.tz)
        fields = formkit.build_fields(form, ctx, posted, errors)
    return render(
        request,
        "contact.html",
        {
            "contact": contact,
            "form": form,
            "fields": fields,
            "errors": errors or {},
            "confirm": formkit.confirmations(posted or {}, errors) if isinstance(errors, formkit.FieldErrors) else [],
            "grant": grant,
            "refusal": refusal,
            "reason": reason,
            "max_reason": corrections.MAX_REASON,
            "audience": app.registry.audiences.get(contact.audience),
            "site": session.get(Site, contact.site_id) if contact.site_id else None,
            "history": history(session, "contact", contact.id),
            "field_labels": field_labels(request),
            "vocab": vocab,
        },
        status_code=status,
    )


@router.get("/contacts/{contact_id}")
def contact_detail(
    contact_id: int, request: Request, staff: Staff = Depends(needs_contacts), session: Session = Depends(get_session)
) -> Response:
    return contact_page(request, session, staff, _contact(session, staff, contact_id))


@router.post("/contacts/{contact_id}")
def contact_edit(
    contact_id: int,
    request: Request,
    data: Any = Depends(form_data),
    staff: Staff = Depends(needs_log),
    session: Session = Depends(get_session),
) -> Response:
    app = get_app(request)
    _ = gettext_for(request)
    contact = _contact(session, staff, contact_id)
    try:
        grant = corrections.grant_for(app, session, staff, contact)
    except corrections.CorrectionRefused as exc:
        return refused(request, exc)
    form, registered = correction_form(request, contact)
    centre = session.get(Centre, contact.centre_id)
    assert centre is not None
    ctx = form_context(request, session, staff, centre)
    ctx.centres = []
    posted = formkit.posted_values(form, data)
    reason = str(data.get("reason") or "").strip()
    values, attributes, errors = formkit.clean(form, posted, ctx, centre.code)
    errors.update(reason_messages(corrections.reason_errors(app, grant, reason)[1], _))
    if not errors:
        current, current_attributes = corrections.contact_values(session, contact)
        values, attributes = corrected_values(current, current_attributes, form, values, attributes, "occurred_at")
        values["centre"] = centre.code
        try:
            update_contact(
                app,
                session,
                contact,
                values,
                attributes,
                staff=staff,
                form=form.key if registered else None,
                reason=reason,
                confirmed=formkit.confirmed(posted, data.getlist("confirm")),
            )
        except RecordError as exc:
            session.rollback()
            errors = formkit.translate_record_errors(exc.errors, _)
            contact = _contact(session, staff, contact_id)
    if errors:
        return contact_page(request, session, staff, contact, posted, errors, reason, status=422)
    session.commit()
    flash(request, _(MSG_SAVED))
    return RedirectResponse(f"/contacts/{contact_id}", status_code=303)


@router.post("/contacts/{contact_id}/delete")
def contact_delete(
    contact_id: int,
    request: Request,
    data: Any = Depends(form_data),
    staff: Staff = Depends(needs_log),
    session: Session = Depends(get_session),
) -> Response:
    app = get_app(request)
    _ = gettext_for(request)
    contact = _contact(session, staff, contact_id)
    reason = str(data.get("reason") or "").strip()
    try:
        delete_contact(app, session, contact, staff=staff, reason=reason)
    except corrections.CorrectionRefused as exc:
        return refused(request, exc)
    except RecordError as exc:
        session.rollback()
        contact = _contact(session, staff, contact_id)
        messages = list(reason_messages(exc.errors, _).values())
        errors = {"delete_reason": messages[-1]} if messages else {}
        return contact_page(request, session, staff, contact, None, errors, reason, status=422)
    session.commit()
    flash(request, _(MSG_DELETED))
    return RedirectResponse("/contacts", status_code=303)


# ------------------------------------------------------------------------------------------------
# Activities (their page and edit form are in ``activities.py``)


@router.post("/activities/{activity_id}/delete")
def activity_delete(
    activity_id: int,
    request: Request,
    data: Any = Depends(form_data),
    staff: Staff = Depends(needs_activities),
    session: Session = Depends(get_session),
) -> Response:
    from tremplin.core.web.routes.activities import _detail, _load

    app = get_app(request)
    _ = gettext_for(request)
    activity = _load(session, staff, activity_id)
    reason = str(data.get("reason") or "").strip()
    try:
        delete_activity(app, session, activity, staff=staff, reason=reason)
    except corrections.CorrectionRefused as exc:
        return refused(request, exc)
    except RecordError as exc:
        session.rollback()
        activity = _load(session, staff, activity_id)
        messages = list(reason_messages(exc.errors, _).values())
        errors = {"delete_reason": messages[-1]} if messages else {}
        return _detail(request, session, staff, activity, errors=errors, reason=reason, status=422)
    session.commit()
    flash(request, _(MSG_DELETED))
    return RedirectResponse("/activities", status_code=303)
