"""Cases: open one with the date consent was given, move it through its audience's workflow, record
outcomes, close it; the history shows who moved it when."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from tremplin.core import rules
from tremplin.core.models import Case, Staff
from tremplin.core.records import (
    PROFILE_ANSWERS,
    PROFILE_KEYS,
    WorkflowError,
    move_case,
    open_case,
    record_outcome,
    reenter_case,
)
from tremplin.core.validation import RecordError
from tremplin.core.web import formkit, policy
from tremplin.core.web.common import PAGE_SIZE, int_param, working_centre
from tremplin.core.web.deps import (
    form_data,
    get_app,
    get_session,
    require_capability,
    visible_or_404,
)
from tremplin.core.web.i18n import N_, gettext_for
from tremplin.core.web.templating import flash, render

router = APIRouter(include_in_schema=False)
needs_cases = require_capability("cases")

PROFILE_LABELS = {
    "disability": N_("Has a disability"),
    "third_country_national": N_("Third-country national"),
    "foreign_background": N_("Foreign background"),
    "minority": N_("Belongs to a minority"),
    "homeless": N_("Homeless or excluded from housing"),
    "rural": N_("Lives in a rural area"),
}
ANSWER_LABELS = {"yes": N_("Yes"), "no": N_("No"), "declined": N_("Declined to answer"), "unknown": N_("Unknown")}


def case_audiences(request: Request, staff: Staff) -> list[tuple[str, Any]]:
    app = get_app(request)
    return [
        (k, app.registry.audiences[k].label)
        for k in policy.visible_audiences(app, staff)
        if k in app.registry.workflows
    ]


@router.get("/cases")
def cases(
    request: Request,
    staff: Staff = Depends(needs_cases),
    session: Session = Depends(get_session),
    audience: str = "",
    state: str = "open",
    after: str = "",
    q: str = "",
) -> Response:
    from tremplin.core.web.common import query_string
    from tremplin.core.web.routes.lists import case_statement

    app = get_app(request)
    audiences = case_audiences(request, staff)
    stmt, params = case_statement(request, session, staff, select(Case), audience, state, q)
    cursor = int_param(after)
    if cursor is not None:
        stmt = stmt.where(Case.id < cursor)
    rows = list(session.scalars(stmt.order_by(Case.id.desc()).limit(PAGE_SIZE + 1)))
    next_after = rows[PAGE_SIZE - 1].id if len(rows) > PAGE_SIZE else None
    return render(
        request,
        "cases.html",
        {
            "rows": rows[:PAGE_SIZE],
            "audiences": audiences,
            "audience": audience,
            "state": state,
            "q": params["q"],
            "next_after": next_after,
            "registry": app.registry,
            "query": query_string(params),
        },
    )


def _new_page(
    request: Request, staff: Staff, values: dict[str, Any], errors: dict[str, str] | None = None, status: int = 200
) -> Response:
    return render(
        request,
        "case_new.html",
        {
            "audiences": case_audiences(request, staff),
            "values": values,
            "errors": errors or {},
            "vocab": get_app(request).registry.vocabulary,
            "profile_keys": [(k, PROFILE_LABELS[k]) for k in PROFILE_KEYS],
            "answers": [(a, ANSWER_LABELS[a]) for a in PROFILE_ANSWERS],
            "today": date.today().isoformat(),
        },
        status_code=status,
    )


@router.get("/cases/new")
def case_new(request: Request, staff: Staff = Depends(needs_cases), audience: str = "") -> Response:
    audiences = case_audiences(request, staff)
    if audience and audience not in {k for k, _ in audiences}:
        audience = ""
    # Consent is confirmed by ticking it, never assumed: nothing about it is pre-filled.
    return _new_page(request, staff, {"audience": audience or (audiences[0][0] if audiences else "")})


@router.post("/cases")
def case_open(
    request: Request,
    data: Any = Depends(form_data),
    staff: Staff = Depends(needs_cases),
    session: Session = Depends(get_session),
) -> Response:
    app = get_app(request)
    _ = gettext_for(request)
    names = ("audience", "consent", "consent_on", "entered_on", "gender", "age_band", "education", "labour_status")
    values = {k: str(data.get(k) or "").strip() for k in names}
    profile = {k: str(data.get(f"profile.{k}") or "unknown") for k in PROFILE_KEYS}
    values.update({f"profile.{k}": v for k, v in profile.items()})
    errors: dict[str, str] = {}
    if values["audience"] not in {k for k, _ in case_audiences(request, staff)}:
        errors["audience"] = _("Choose one of the options.")
    if values["consent"] != "1":
        errors["consent"] = _(rules.MESSAGES["consent.required"])
    # The day consent was given: today unless another day is typed.
    consent = formkit.parse_day(values["consent_on"]) if values["consent_on"] else date.today()
    if consent is None:
        errors["consent_on"] = _("Record the date the person gave consent: no case without consent.")
    elif consent > date.today():
        errors["consent_on"] = _(rules.MESSAGES["date.future"])
    entered = formkit.parse_day(values["entered_on"]) if values["entered_on"] else consent
    if values["entered_on"] and entered is None:
        errors["entered_on"] = _("Enter a date.")
    if errors:
        return _new_page(request, staff, values, errors, status=422)
    centre = working_centre(request, session, staff)
    try:
        case = open_case(
            app,
            session,
            centre.id,
            values["audience"],
            consent_on=consent,  # type: ignore[arg-type]
            entered_on=entered,
            profile=profile,
            gender=values["gender"] or "unknown",
            age_band=values["age_band"] or "unknown",
            education=values["education"] or "unknown",
            labour_status=values["labour_status"] or "unknown",
            staff=staff,
        )
    except RecordError as exc:
        session.rollback()
        return _new_page(request, staff, values, formkit.translate_record_errors(exc.errors, _), status=422)
    session.commit()
    flash(request, _("The case is open. Give the person its code: %(code)s", code=case.code))
    return RedirectResponse(f"/cases/{case.code}", status_code=303)


def _load(session: Session, staff: Staff, code: str) -> Case:
    case = session.scalar(select(Case).where(Case.code == code.strip().upper()[:24]))
    visible_or_404(staff, case, "There is no case with this code.")
    assert case is not None  # visible_or_404 answered 404 otherwise
    return case


@router.get("/cases/{code}")
def case_detail(
    code: str, request: Request, staff: Staff = Depends(needs_cases), session: Session = Depends(get_session)
) -> Response:
    app = get_app(request)
    case = _load(session, staff, code)
    workflow = app.registry.workflows[case.audience]
    allowed = workflow.allowed_next(case.stage)
    staff_ids = {e.staff_id for e in case.history} | {o.staff_id for o in case.outcomes}
    names = {
        s.id: (s.display_name or s.username)
        for s in session.scalars(select(Staff).where(Staff.id.in_([i for i in staff_ids if i is not None] or [-1])))
    }
    return render(
        request,
        "case.html",
        {
            "case": case,
            "workflow": workflow,
            "stage_label": {s.key: s.label for s in workflow.stages},
            "moves": [workflow.stage(key) for key in allowed],
            "closing": [workflow.stage(key) for key in allowed if workflow.stage(key).final],
            "names": names,
            "audience": app.registry.audiences.get(case.audience),
            "profile_labels": PROFILE_LABELS,
            "answer_labels": ANSWER_LABELS,
            "vocab": get_app(request).registry.vocabulary,
            "today": date.today().isoformat(),
        },
    )


def _day(data: Any, name: str) -> date:
    raw = str(data.get(name) or "")
    if not raw:
        return date.today()
    value = formkit.parse_day(raw)
    if value is None or value > date.today():
        raise RecordError([(name, f"{raw!r} is not a date on or before today")])
    return value


@router.post("/cases/{code}/move")
def case_move(
    code: str,
    request: Request,
    data: Any = Depends(form_data),
    staff: Staff = Depends(needs_cases),
    session: Session = Depends(get_session),
) -> Response:
    app = get_app(request)
    case = _load(session, staff, code)
    stage = str(data.get("stage") or "")
    workflow = app.registry.workflows[case.audience]
    if stage in workflow.allowed_next(case.stage) and workflow.stage(stage).final and data.get("confirm") != "1":
        # Closing a case is not a move like the others: it asks first (``/cases/{code}/close``).
        return _close_page(request, case, stage, str(data.get("on") or ""))
    move_case(app, session, case, stage, staff=staff, on=_day(data, "on"))
    session.commit()
    _ = gettext_for(request)
    flash(request, _("Saved."))
    return RedirectResponse(f"/cases/{case.code}", status_code=303)


@router.post("/cases/{code}/close")
def case_close(
    code: str,
    request: Request,
    data: Any = Depends(form_data),
    staff: Staff = Depends(needs_cases),
    session: Session = Depends(get_session),
) -> Response:
    """Closing asks for a confirmation: this page, then the move with ``confirm=1``."""
    app = get_app(request)
    case = _load(session, staff, code)
    workflow = app.registry.workflows[case.audience]
    stage = str(data.get("stage") or "")
    if stage not in workflow.allowed_next(case.stage) or not workflow.stage(stage).final:
        raise WorkflowError(f"a case at {case.stage!r} cannot be closed as {stage!r}")
    return _close_page(request, case, stage, str(data.get("on") or ""))


def _close_page(request: Request, case: Case, stage: str, on: str) -> Response:
    workflow = get_app(request).registry.workflows[case.audience]
    return render(
        request,
        "case_close.html",
        {
            "case": case,
            "stage": workflow.stage(stage),
            "on": on or date.today().isoformat(),
            "today": date.today().isoformat(),
        },
    )


@router.post("/cases/{code}/outcome")
def case_outcome(
    code: str,
    request: Request,
    data: Any = Depends(form_data),
    staff: Staff = Depends(needs_cases),
    session: Session = Depends(get_session),
) -> Response:
    app = get_app(request)
    case = _load(session, staff, code)
    record_outcome(app, session, case, str(data.get("kind") or ""), _day(data, "on"), staff=staff)
    session.commit()
    _ = gettext_for(request)
    flash(request, _("Saved."))
    return RedirectResponse(f"/cases/{case.code}", status_code=303)


@router.post("/cases/{code}/reenter")
def case_reenter(
    code: str,
    request: Request,
    data: Any = Depends(form_data),
    staff: Staff = Depends(needs_cases),
    session: Session = Depends(get_session),
) -> Response:
    app = get_app(request)
    case = _load(session, staff, code)
    reenter_case(app, session, case, _day(data, "on"), staff=staff)
    session.commit()
    _ = gettext_for(request)
    flash(request, _("Saved."))
    return RedirectResponse(f"/cases/{case.code}", status_code=303)
