"""Referrals: issue one, show its token large and as a QR code, mark it received or completed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from tremplin.core import rules, vocab
from tremplin.core.anonymity import format_token
from tremplin.core.models import Partner, Referral, Staff
from tremplin.core.records import REFERRAL_MOVES, expire_if_due, issue_referral, set_referral_status
from tremplin.core.validation import RecordError
from tremplin.core.web import formkit, policy
from tremplin.core.web.common import PAGE_SIZE, fetch, int_param, working_centre
from tremplin.core.web.deps import (
    form_data,
    get_app,
    get_session,
    require_capability,
    visible_or_404,
)
from tremplin.core.web.i18n import gettext_for, request_language
from tremplin.core.web.templating import flash, render

router = APIRouter(include_in_schema=False)
needs_referrals = require_capability("referrals")


def qr_svg(url: str, title: str) -> str:
    """The QR code of ``url`` as inline SVG (segno), dark on white, with a title for screen readers."""
    import segno

    return segno.make(url, error="m").svg_inline(
        scale=5, dark="#000", light="#fff", title=title, border=2, svgclass="qr"
    )


def partners_of(session: Session, centre_id: int) -> list[Partner]:
    return list(
        session.scalars(
            select(Partner).where(Partner.centre_id == centre_id, Partner.active.is_(True)).order_by(Partner.name)
        )
    )


@router.get("/referrals")
def referrals(
    request: Request,
    staff: Staff = Depends(needs_referrals),
    session: Session = Depends(get_session),
    status: str = "",
    after: str = "",
    q: str = "",
) -> Response:
    from tremplin.core.web.common import query_string
    from tremplin.core.web.routes.lists import referral_statement

    stmt, params = referral_statement(request, session, staff, select(Referral), status, q)
    cursor = int_param(after)
    if cursor is not None:
        stmt = stmt.where(Referral.id < cursor)
    rows = list(session.scalars(stmt.order_by(Referral.id.desc()).limit(PAGE_SIZE + 1)))
    next_after = rows[PAGE_SIZE - 1].id if len(rows) > PAGE_SIZE else None
    partners = {p.id: p.name for p in session.scalars(select(Partner))}
    return render(
        request,
        "referrals.html",
        {
            "rows": rows[:PAGE_SIZE],
            "status": status,
            "q": params["q"],
            "next_after": next_after,
            "partners": partners,
            "format_token": format_token,
            "vocab": get_app(request).registry.vocabulary,
            "query": query_string(params),
        },
    )


def _new_page(
    request: Request,
    session: Session,
    staff: Staff,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    app = get_app(request)
    centre = working_centre(request, session, staff)
    audiences = [(k, app.registry.audiences[k].label) for k in policy.visible_audiences(app, staff)]
    default_audience = "general" if staff.may_see("general") else (audiences[0][0] if audiences else "")
    return render(
        request,
        "referral_new.html",
        {
            "partners": partners_of(session, centre.id),
            "audiences": audiences,
            "themes": [(c, vocab.THEME.label_of(c, request_language(request))) for c in vocab.THEME],
            "values": values or {"audience": default_audience},
            "errors": errors or {},
        },
        status_code=status,
    )


@router.get("/referrals/new")
def referral_new(
    request: Request, staff: Staff = Depends(needs_referrals), session: Session = Depends(get_session)
) -> Response:
    return _new_page(request, session, staff)


@router.post("/referrals")
def referral_issue(
    request: Request,
    data: Any = Depends(form_data),
    staff: Staff = Depends(needs_referrals),
    session: Session = Depends(get_session),
) -> Response:
    app = get_app(request)
    _ = gettext_for(request)
    centre = working_centre(request, session, staff)
    values = {k: str(data.get(k) or "").strip() for k in ("to_partner", "from_partner", "theme", "audience", "note")}
    errors: dict[str, str] = {}
    partner_ids = {str(p.id): p.id for p in partners_of(session, centre.id)}
    to_partner = partner_ids.get(values["to_partner"]) if values["to_partner"] else None
    from_partner = partner_ids.get(values["from_partner"]) if values["from_partner"] else None
    for name, found in (("to_partner", to_partner), ("from_partner", from_partner)):
        if values[name] and found is None:
            errors[name] = _("Choose one of the options.")
    if not values["to_partner"]:  # an empty form issues no referral to nobody
        errors["to_partner"] = _(rules.MESSAGES["partner.required"])
    if values["theme"] and values["theme"] not in vocab.THEME:
        errors["theme"] = _("Choose one of the options.")
    audience = values["audience"] or ("general" if staff.may_see("general") else "")
    if audience not in app.registry.audiences:
        errors["audience"] = _("Choose one of the options.")
    elif not staff.may_see(audience):
        errors["audience"] = _("Your account does not see this audience.")
    if errors:
        return _new_page(request, session, staff, values, errors, status=422)
    try:
        referral = issue_referral(
            app,
            session,
            centre.id,
            to_partner_id=to_partner,
            from_partner_id=from_partner,
            theme=values["theme"] or None,
            audience=audience,
            staff=staff,
            note=values["note"],
        )
    except RecordError as exc:  # the rules of a note (``tremplin.core.rules``)
        session.rollback()
        return _new_page(request, session, staff, values, formkit.translate_record_errors(exc.errors, _), status=422)
    session.commit()
    return RedirectResponse(f"/referrals/{referral.id}", status_code=303)


def _load(session: Session, staff: Staff, referral_id: int) -> Referral:
    referral = fetch(session, Referral, referral_id)
    visible_or_404(staff, referral, "There is no such referral.")
    return referral


@router.get("/referrals/{referral_id}")
def referral_detail(
    referral_id: int, request: Request, staff: Staff = Depends(needs_referrals), session: Session = Depends(get_session)
) -> Response:
    _ = gettext_for(request)
    referral = _load(session, staff, referral_id)
    if referral.is_due_to_expire():  # expiry applies when a referral is read
        expire_if_due(get_app(request), session, referral)
        session.commit()
    token = format_token(referral.token)
    # The configured public address, never the request's Host header (a forged Host would print a QR code
    # pointing elsewhere).
    public_url = get_app(request).settings.public_base_url.rstrip("/") + "/r?t=" + token
    partners = {p.id: p for p in session.scalars(select(Partner).where(Partner.centre_id == referral.centre_id))}
    return render(
        request,
        "referral.html",
        {
            "referral": referral,
            "token": token,
            "qr": qr_svg(public_url, _("QR code of the referral %(token)s", token=token)),
            "public_url": public_url,
            "moves": REFERRAL_MOVES.get(referral.status, ()),
            "to_partner": partners.get(referral.to_partner_id) if referral.to_partner_id else None,
            "from_partner": partners.get(referral.from_partner_id) if referral.from_partner_id else None,
            "vocab": get_app(request).registry.vocabulary,
            "audience": get_app(request).registry.audiences.get(referral.audience),
        },
    )


@router.post("/referrals/{referral_id}/status")
def referral_status(
    referral_id: int,
    request: Request,
    data: Any = Depends(form_data),
    staff: Staff = Depends(needs_referrals),
    session: Session = Depends(get_session),
) -> Response:
    app = get_app(request)
    referral = _load(session, staff, referral_id)
    new_status = str(data.get("status") or "")
    if new_status not in vocab.REFERRAL_STATUS:
        raise HTTPException(status_code=422, detail=f"unknown status {new_status!r}")
    set_referral_status(app, session, referral, new_status, staff=staff)
    session.commit()
    _ = gettext_for(request)
    flash(request, _("Saved."))
    return RedirectResponse(f"/referrals/{referral.id}", status_code=303)
