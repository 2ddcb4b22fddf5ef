"""The public page where a partner organisation confirms that a person with a referral arrived.

No account is needed: the partner types the code the person shows (or scans its QR code). The page
says only whether the code was confirmed. A mistyped code is refused with the check-character message
and nothing about any referral is shown, ever: no partner, theme, date or staff member. Repeated wrong
codes from one address are slowed down like failed logins.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tremplin.core.anonymity import TokenError, format_token, normalise_token
from tremplin.core.audit import audit
from tremplin.core.models import AuditEvent
from tremplin.core.records import find_referral, set_referral_status
from tremplin.core.web.deps import form_data, get_app, get_session
from tremplin.core.web.i18n import gettext_for
from tremplin.core.web.security import client_address
from tremplin.core.web.templating import render

router = APIRouter(include_in_schema=False)

#: Wrong codes one address may type in a quarter of an hour before being asked to wait.
FREE_MISSES = 10
MISS_WINDOW = timedelta(minutes=15)


@router.get("/r")
def referral_check(request: Request, t: str = "") -> Response:
    prefill = format_token(normalise_token(t))[:20] if t else ""
    return render(request, "public_referral.html", {"token": prefill, "outcome": None, "message": ""})


@router.post("/r")
def referral_confirm(
    request: Request, form: Any = Depends(form_data), session: Session = Depends(get_session)
) -> Response:
    _ = gettext_for(request)
    app = get_app(request)
    raw = str(form.get("token") or "")[:40]
    address = client_address(request)
    since = datetime.now(UTC) - MISS_WINDOW
    misses = session.scalar(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "referral.check_failed",
            AuditEvent.actor == f"ip:{address}"[:80],
            AuditEvent.at > since,
        )
    )
    if misses and misses >= FREE_MISSES:
        message = _("Too many wrong codes. Wait a quarter of an hour and try again.")
        return render(
            request,
            "public_referral.html",
            {"token": raw, "outcome": "refused", "message": message},
            status_code=429,
            headers={"Retry-After": "900"},
        )

    def refuse(message: str, status: int) -> Response:
        session.add(
            AuditEvent(action="referral.check_failed", actor=f"ip:{address}"[:80], object_type="referral", details={})
        )
        session.commit()
        return render(
            request,
            "public_referral.html",
            {"token": raw, "outcome": "refused", "message": message},
            status_code=status,
        )

    try:
        referral = find_referral(session, raw, app)  # expired as read when past its expiry
    except TokenError as exc:
        text = str(exc)
        if "empty" in text:
            message = _("Type the code written on the referral.")
        elif "check character" in text:
            message = _(
                "This code is incorrect: a character was probably mistyped. Check each character and try again."
            )
        elif "characters that are never used" in text:
            message = _("This code is incorrect: it contains characters that codes never use.")
        else:
            message = _("This code is incorrect: a code has 9 letters and digits, such as K7P-4X2-M9Q.")
        return refuse(message, 400)
    except LookupError:
        return refuse(_("This code is not known. Check it with the person."), 404)
    if referral.status == "issued":
        set_referral_status(app, session, referral, "received")
        audit(session, "referral.public_confirm", None, "referral", referral.id)
        session.commit()
        return render(
            request,
            "public_referral.html",
            {"token": "", "outcome": "confirmed", "message": _("Thank you: the person's arrival is confirmed.")},
        )
    if referral.status in ("received", "completed"):
        session.rollback()
        return render(
            request,
            "public_referral.html",
            {"token": "", "outcome": "confirmed", "message": _("Thank you: this arrival was already confirmed.")},
        )
    session.commit()  # keeps an expiry applied as the referral was read
    return render(
        request,
        "public_referral.html",
        {"token": raw, "outcome": "refused", "message": _("This code has expired.")},
        status_code=409,
    )
