"""Quick logging: one page per intake form a plugin declares, built by ``tremplin.core.web.formkit``.

``/log`` lists the forms of the audiences the account sees; ``/log/<form or audience>`` shows one.
A contact is logged in two taps where the form allows (the site and channel are remembered, the
choices are large buttons); tally forms (``Form.tally``) add one-tap "+1" buttons by theme that
answer through HTMX without leaving the page. The account's last entry can be undone for five
minutes.
"""

from __future__ import annotations

from collections import Counter as Tally
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from tremplin.core import vocab
from tremplin.core.forms import Form
from tremplin.core.i18n import pick
from tremplin.core.models import Activity, Centre, Contact, Staff, WorkshopKind
from tremplin.core.records import delete_activity, delete_contact, log_activity, log_contact
from tremplin.core.validation import RecordError
from tremplin.core.web import formkit
from tremplin.core.web.common import (
    active_sites,
    centre_tz,
    centres_for,
    fetch,
    local_today,
    remember,
    remembered,
    safe_next,
    working_centre,
)
from tremplin.core.web.deps import (
    ensure_audience,
    form_data,
    get_app,
    get_session,
    require_capability,
)
from tremplin.core.web.i18n import gettext_for, request_language
from tremplin.core.web.templating import flash, render

router = APIRouter(include_in_schema=False)
UNDO_WINDOW = timedelta(minutes=5)
needs_log = require_capability("log")


def forms_for(request: Request, staff: Staff) -> list[tuple[Any, list[Form]]]:
    """(audience, its forms) for every audience the account sees that has forms."""
    app = get_app(request)
    out = []
    for key, audience in app.registry.audiences.items():
        if not staff.may_see(key):
            continue
        forms = app.registry.forms_of(key)
        if forms:
            out.append((audience, forms))
    return out


def resolve_form(request: Request, staff: Staff, key: str) -> Form | None:
    """A form by key, or the single form of an audience named by its key; 404/403 otherwise."""
    app = get_app(request)
    form = app.registry.forms.get(key)
    if form is None and key in app.registry.audiences:
        ensure_audience(staff, key)
        forms = app.registry.forms_of(key)
        if len(forms) == 1:
            return forms[0]
        return None
    if form is None:
        raise HTTPException(status_code=404, detail=f"There is no form {key!r}.")
    ensure_audience(staff, form.audience)
    return form


def form_context(
    request: Request, session: Session, staff: Staff, centre: Centre, form: Form | None = None
) -> formkit.FormContext:
    """What ``form`` needs around it; its sites are those of the kinds it names (``Form.site_kinds``)."""
    app = get_app(request)
    lang = request_language(request)
    centres = centres_for(session, staff)
    workshops = [
        (w.code, w.label, w.audience)
        for w in session.scalars(
            select(WorkshopKind)
            .where(WorkshopKind.centre_id == centre.id, WorkshopKind.active.is_(True))
            .order_by(WorkshopKind.code)
        )
    ]
    return formkit.FormContext(
        lang=lang,
        gettext=gettext_for(request),
        sites=[
            (s.code, s.name)
            for s in active_sites(session, centre.id)
            if form is None or not form.site_kinds or s.kind in form.site_kinds
        ],
        centres=[(c.code, c.name) for c in centres] if len(centres) > 1 else [],
        workshops=workshops,
        tz=centre_tz(app, session, centre.id),
        codes=app.registry.codes,
    )


def tally_figures(request: Request, session: Session, staff: Staff, form: Form, centre: Centre) -> dict[str, int]:
    """How many people this account tallied today with this form, by theme."""
    app = get_app(request)
    today = local_today(app, session, centre.id)
    stmt = select(Contact.themes, Contact.headcount).where(
        Contact.centre_id == centre.id,
        Contact.day == today,
        Contact.audience == form.audience,
        Contact.staff_id == staff.id,
    )
    if "modality" in form.fixed:
        stmt = stmt.where(Contact.modality == form.fixed["modality"])
    figures: Tally[str] = Tally()
    for themes, headcount in session.execute(stmt):
        for theme in themes or ():
            figures[theme] += headcount or 0
    return {code: figures.get(code, 0) for code in vocab.THEME}


def last_entry(request: Request, session: Session, staff: Staff) -> dict[str, Any] | None:
    """The account's last entry from this session, if it can still be undone."""
    info = request.session.get("last") if "session" in request.scope else None
    if not isinstance(info, dict):
        return None
    record = _undoable(session, staff, str(info.get("kind")), info.get("id"))
    if record is None:
        return None
    return {"kind": info["kind"], "id": record.id, "label": info.get("label", "")}


def _undoable(session: Session, staff: Staff, kind: str, record_id: Any) -> Contact | Activity | None:
    model = {"contact": Contact, "activity": Activity}.get(kind)
    if model is None or not isinstance(record_id, int):
        return None
    record = fetch(session, model, record_id)
    if record is None or record.staff_id != staff.id:
        return None
    created = record.created_at
    if created is None or datetime.now(UTC) - created > UNDO_WINDOW:
        return None
    return record


def page(
    request: Request,
    session: Session,
    staff: Staff,
    form: Form,
    centre: Centre,
    posted: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    ctx = form_context(request, session, staff, centre, form)
    fields = formkit.build_fields(form, ctx, posted, errors, remembered(request))
    app = get_app(request)
    asked = formkit.confirmations(posted or {}, errors) if isinstance(errors, formkit.FieldErrors) else []
    return render(
        request,
        "log_form.html",
        {
            "form": form,
            "audience": app.registry.audiences[form.audience],
            "fields": fields,
            "errors": errors or {},
            "confirm": asked,
            "tally": tally_figures(request, session, staff, form, centre) if form.tally else None,
            "themes": [(code, vocab.THEME.label_of(code, ctx.lang)) for code in vocab.THEME],
            "last": last_entry(request, session, staff),
            "centre": centre,
            "tally_message": "",
            "tally_error": "",
        },
        status_code=status,
    )


@router.get("/log")
def log_index(request: Request, staff: Staff = Depends(needs_log), audience: str = "") -> Response:
    groups = forms_for(request, staff)
    if audience:
        groups = [(a, forms) for a, forms in groups if a.key == audience]
    return render(request, "log_index.html", {"groups": groups})


@router.post("/log/undo")
def log_undo(
    request: Request,
    data: Any = Depends(form_data),
    staff: Staff = Depends(needs_log),
    session: Session = Depends(get_session),
) -> Response:
    """Undo one's own entry within five minutes of making it (``undo=contact:123``)."""
    _ = gettext_for(request)
    app = get_app(request)
    undo = str(data.get("undo") or "")
    if undo:
        kind, _sep, raw_id = undo.partition(":")
    else:
        kind, raw_id = str(data.get("kind") or ""), str(data.get("id") or "")
    record_id = int(raw_id) if raw_id.isdigit() and len(raw_id) < 12 else None
    form = app.registry.forms.get(str(data.get("form") or ""))
    if form is not None and not staff.may_see(form.audience):
        form = None
    target = safe_next(str(data.get("next") or ""), f"/log/{form.key}" if form else "/log")
    htmx = request.headers.get("hx-request") == "true"
    record = _undoable(session, staff, kind, record_id)
    if record is None:
        message = _(
            "This entry can no longer be undone: entries can be undone for five minutes, by the person who made them."
        )
        if htmx and form is not None and form.tally:
            centre = working_centre(request, session, staff)
            return _tally_panel(
                request,
                session,
                staff,
                form,
                centre,
                form_context(request, session, staff, centre, form),
                error=message,
                status=409,
            )
        if htmx:
            return render(request, "partials/undo_result.html", {"message": message, "ok": False}, status_code=409)
        return render(request, "error.html", {"status": 409, "message": message, "detail": ""}, status_code=409)
    # The author's own entry of a few minutes ago: the correction rule allows it, and audits it.
    if isinstance(record, Contact):
        delete_contact(app, session, record, staff=staff)
    else:
        delete_activity(app, session, record, staff=staff)
    session.commit()
    request.session.pop("last", None)
    message = _("Undone: the entry was removed.")
    if htmx and form is not None and form.tally:
        centre = working_centre(request, session, staff)
        return _tally_panel(
            request, session, staff, form, centre, form_context(request, session, staff, centre, form), message=message
        )
    if htmx:
        return render(request, "partials/undo_result.html", {"message": message, "ok": True})
    flash(request, message)
    return RedirectResponse(target, status_code=303)


@router.get("/log/{key}")
def log_form(
    key: str, request: Request, staff: Staff = Depends(needs_log), session: Session = Depends(get_session)
) -> Response:
    form = resolve_form(request, staff, key)
    if form is None:
        return RedirectResponse(f"/log?audience={key}", status_code=303)
    centre = working_centre(request, session, staff)
    return page(request, session, staff, form, centre)


def _save(
    request: Request,
    session: Session,
    staff: Staff,
    form: Form,
    values: dict[str, Any],
    attributes: dict[str, Any],
    confirmed: bool = False,
) -> Contact | Activity:
    app = get_app(request)
    if form.record == "activity":
        return log_activity(app, session, values, attributes, staff=staff, form=form.key, confirmed=confirmed)
    return log_contact(app, session, values, attributes, staff=staff, form=form.key, confirmed=confirmed)


@router.post("/log/{key}")
def log_submit(
    key: str,
    request: Request,
    data: Any = Depends(form_data),
    staff: Staff = Depends(needs_log),
    session: Session = Depends(get_session),
) -> Response:
    form = resolve_form(request, staff, key)
    if form is None:
        raise HTTPException(status_code=404, detail="Choose a form first.")
    _ = gettext_for(request)
    posted = formkit.posted_values(form, data)
    centre = working_centre(request, session, staff, posted.get("centre") or None)
    ctx = form_context(request, session, staff, centre, form)
    values, attributes, errors = formkit.clean(form, posted, ctx, centre.code)
    # A count the rules question ("really 100 000?") is saved when the page's confirmation comes back.
    confirmed = formkit.confirmed(posted, data.getlist("confirm"))
    if not errors:
        try:
            record = _save(request, session, staff, form, values, attributes, confirmed)
        except RecordError as exc:
            session.rollback()
            errors = formkit.translate_record_errors(exc.errors, _)
    if errors:
        return page(request, session, staff, form, centre, posted, errors, status=422)
    kind = "activity" if form.record == "activity" else "contact"
    session.commit()
    request.session["last"] = {
        "kind": kind,
        "id": record.id,
        "label": _("%(form)s, just now", form=pick(form.title, ctx.lang)),
    }
    flash(request, _("Logged."))
    response = RedirectResponse(f"/log/{form.key}", status_code=303)
    remember(request, response, formkit.remembered_from({**values, "centre": centre.code}, attributes, form))
    return response


@router.post("/log/{key}/tally")
def log_tally(
    key: str,
    request: Request,
    data: Any = Depends(form_data),
    staff: Staff = Depends(needs_log),
    session: Session = Depends(get_session),
) -> Response:
    """One tap: one person on one theme, with the form's other answers as they are on the page."""
    form = resolve_form(request, staff, key)
    if form is None or not form.tally:
        raise HTTPException(status_code=404, detail="This form has no tallies.")
    _ = gettext_for(request)
    theme = str(data.get("theme") or "")
    htmx = request.headers.get("hx-request") == "true"
    posted = formkit.posted_values(form, data)
    posted["headcount"] = "1"
    posted["themes"] = [theme]
    posted["note"] = ""
    centre = working_centre(request, session, staff, posted.get("centre") or None)
    ctx = form_context(request, session, staff, centre, form)
    if theme not in vocab.THEME:
        errors = {"themes": _(formkit.MSG_CHOICE)}
    else:
        values, attributes, errors = formkit.clean(form, posted, ctx, centre.code)
    if not errors:
        try:
            record = _save(request, session, staff, form, values, attributes)
        except RecordError as exc:
            session.rollback()
            errors = formkit.translate_record_errors(exc.errors, _)
    if errors:
        if not htmx:
            return page(request, session, staff, form, centre, posted | {"themes": []}, errors, status=422)
        labels = {f.name: f.label for f in formkit.build_fields(form, ctx)}
        problem = "; ".join(f"{labels.get(name, name)}: {message}" for name, message in errors.items())
        return _tally_panel(request, session, staff, form, centre, ctx, error=problem, status=422)
    session.commit()
    label = vocab.THEME.label_of(theme, ctx.lang)
    request.session["last"] = {"kind": "contact", "id": record.id, "label": _("+1 %(theme)s, just now", theme=label)}
    if not htmx:
        flash(request, _("+1 %(theme)s logged.", theme=label))
        response: Response = RedirectResponse(f"/log/{form.key}", status_code=303)
    else:
        response = _tally_panel(
            request, session, staff, form, centre, ctx, message=_("+1 %(theme)s logged.", theme=label)
        )
    remember(request, response, formkit.remembered_from({**values, "centre": centre.code}, attributes, form))
    return response


def _tally_panel(
    request: Request,
    session: Session,
    staff: Staff,
    form: Form,
    centre: Centre,
    ctx: formkit.FormContext,
    message: str = "",
    error: str = "",
    status: int = 200,
) -> Response:
    return render(
        request,
        "partials/tally.html",
        {
            "form": form,
            "tally": tally_figures(request, session, staff, form, centre),
            "themes": [(code, vocab.THEME.label_of(code, ctx.lang)) for code in vocab.THEME],
            "tally_message": message,
            "tally_error": error,
            "last": last_entry(request, session, staff),
        },
        status_code=status,
    )
