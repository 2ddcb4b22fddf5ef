"""The satisfaction survey's pages: the public ``/survey/<code>`` and the reception tablet's
``/surveys/desk`` (``tremplin.core.builtins.surveys``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from tremplin.core.models import Staff
from tremplin.core.surveys import QUESTIONS, SurveyError, find_link, link_state, new_link, record_survey_answer
from tremplin.core.web.deps import ensure_audience, form_data, get_app, get_session, require_capability
from tremplin.core.web.i18n import N_, gettext_for, request_language
from tremplin.core.web.templating import render

public = APIRouter(include_in_schema=False)
desk = APIRouter(include_in_schema=False)

#: Why a link cannot be answered, as the visitor reads it, with the page's status.
REFUSALS = {
    "unknown": (N_("This survey link does not exist. Check the address, or ask at the reception."), 404),
    "answered": (N_("This survey was answered already. Thank you!"), 409),
    "expired": (N_("This survey link has expired. You can answer at the reception next time."), 410),
}


def public_page(fn: Any) -> Any:
    """Open to anyone (the access matrix test checks the other pages refuse anonymous visitors)."""
    fn.public_page = True
    return fn


def _form(
    request: Request,
    code: str,
    values: dict[str, str],
    errors: tuple[str, ...] = (),
    next_url: str = "",
    status_code: int = 200,
    qr: bool = False,
) -> Response:
    return render(
        request,
        "surveys/form.html",
        {"code": code, "questions": QUESTIONS, "values": values, "errors": errors, "next": next_url, "qr": qr},
        status_code=status_code,
    )


def _message(request: Request, title: str, message: str, kind: str, status_code: int, next_url: str = "") -> Response:
    return render(
        request,
        "surveys/message.html",
        {"title": title, "message": message, "kind": kind, "next": next_url},
        status_code=status_code,
    )


def _refusal(request: Request, state: str, next_url: str = "") -> Response:
    _ = gettext_for(request)
    message, status = REFUSALS[state]
    return _message(request, _("Satisfaction survey"), _(message), "refused", status, next_url)


def _desk_next(raw: Any) -> str:
    """Where the tablet goes after an answer: its own page, never elsewhere."""
    value = str(raw or "")
    return value if value.startswith("/surveys/desk") and "//" not in value and "\\" not in value else ""


@public.get("/survey/{code}")
@public_page
def survey_form(request: Request, code: str, session: Session = Depends(get_session)) -> Response:
    link = find_link(session, code)
    state = link_state(link)
    if state != "open":
        return _refusal(request, state)
    assert link is not None
    return _form(request, link.code, {})


@public.post("/survey/{code}")
@public_page
def survey_submit(
    request: Request, code: str, form: Any = Depends(form_data), session: Session = Depends(get_session)
) -> Response:
    _ = gettext_for(request)
    values = {q.name: str(form.get(q.name) or "")[:40] for q in QUESTIONS}
    next_url = _desk_next(form.get("next"))
    try:
        record_survey_answer(get_app(request), session, values, language=request_language(request), code=code)
    except SurveyError as exc:
        session.rollback()
        if exc.reason == "invalid":
            return _form(request, code.upper(), values, exc.fields, next_url, status_code=422)
        return _refusal(request, exc.reason, next_url)
    session.commit()
    return _message(request, _("Thank you!"), _("Your answers were recorded, anonymously."), "confirmed", 200, next_url)


@public.get("/survey/{code}/qr.svg")
@public_page
def survey_qr(request: Request, code: str, session: Session = Depends(get_session)) -> Response:
    import io

    import segno

    link = find_link(session, code)
    if link_state(link) != "open":
        _ = gettext_for(request)
        return Response(_(REFUSALS[link_state(link)][0]), status_code=404, media_type="text/plain; charset=utf-8")
    assert link is not None
    out = io.BytesIO()
    segno.make(f"{get_app(request).settings.public_base_url}/survey/{link.code}", error="m").save(
        out, kind="svg", scale=4
    )
    return Response(out.getvalue(), media_type="image/svg+xml", headers={"Cache-Control": "no-store"})


@desk.get("/surveys/desk")
def survey_desk(
    request: Request,
    service: str | None = None,
    staff: Staff = Depends(require_capability("log")),
    session: Session = Depends(get_session),
) -> Response:
    """A fresh one-time link for the next person at the desk, as a form and a QR code. ``service``
    defaults to the walk-in public's when the account sees it, else to the first audience it sees."""
    from fastapi import HTTPException

    app = get_app(request)
    if service is None:
        visible = [key for key in app.registry.audiences.keys() if staff.may_see(key)]
        service = "general" if "general" in visible else (visible[0] if visible else "")
    if service not in app.registry.audiences:
        raise HTTPException(status_code=404)
    ensure_audience(staff, service)
    link = new_link(session, service, centre_id=staff.centre_id, channel="desk", valid_days=1)
    session.commit()
    return _form(request, link.code, {}, next_url=f"/surveys/desk?service={service}", qr=True)
