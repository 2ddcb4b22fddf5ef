"""The schools plugin's pages: the public booking page ``/book`` and the coordinator's ``/schools``.

``/book`` needs no account. A teacher picks a workshop, sees the slots that fit their class on a
month's calendar, and sends the form. The form carries a random token (the same form sent twice books
once), a signed time stamp (a form sent back faster than a person can fill it is refused) and a
field people never see (a bot fills it in). Every message is in the teacher's language.

``/schools`` is the coordinator's: the week or the month, capacity used per slot, pending requests and
waiting lists; confirm, move, cancel, enter the pupils who came; the offer; the term's export; the
e-mails that failed.
"""

from __future__ import annotations

import os
import secrets
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tremplin import LANGUAGES
from tremplin.core.models import Centre, OutboxMessage, Partner, Staff
from tremplin.core.validation import RecordError
from tremplin.core.web import formkit
from tremplin.core.web.common import fetch, int_param
from tremplin.core.web.deps import ensure_audience, ensure_centre, form_data, get_app, get_session, require_capability
from tremplin.core.web.i18n import gettext_for, request_language
from tremplin.core.web.templating import flash, render
from tremplin.plugins.schools import BOOKINGS, OFFER
from tremplin.plugins.schools import booking as bk
from tremplin.plugins.schools.models import SchoolBooking, SchoolHoliday, SchoolSlot, SchoolWorkshop

TEMPLATES = Path(__file__).with_name("templates")

public = APIRouter(include_in_schema=False)
coordinator = APIRouter(include_in_schema=False)

BookingsStaff = Depends(require_capability(BOOKINGS))
OfferStaff = Depends(require_capability(OFFER))


def add_template_folder() -> None:
    """Until plugins' ``templates/`` folders are found by the core, add ours to the loader."""
    from tremplin.core.web.templating import environment, template_dirs

    if TEMPLATES not in template_dirs:
        template_dirs.append(TEMPLATES)
    # The labels the macros show, from the one list the export reads too.
    environment().globals["SCHOOL_LABELS"] = {"status": bk.STATUS_LABELS, "education": bk.EDUCATION_LABELS}


def min_form_seconds() -> float:
    """A form sent back sooner than this after it was shown is a bot's (``TREMPLIN_SCHOOLS_MIN_FORM_SECONDS``)."""
    return float(os.environ.get("TREMPLIN_SCHOOLS_MIN_FORM_SECONDS", "3"))


def public_page(fn: Any) -> Any:
    """Mark a route as open to anyone (the access matrix test checks the others refuse anonymous visitors)."""
    fn.public_page = True
    return fn


def _render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    """``render`` with the plugin's formatters: a visit's day and hour in the page's language."""
    lang = request_language(request)
    return render(
        request,
        name,
        {
            "format_when": lambda moment, tz: bk.format_when(moment, lang, tz),
            "format_time": lambda moment, tz: moment.astimezone(tz).strftime("%H:%M"),
            "weekday_names": _weekday_names(lang),
            **context,
        },
        status_code=status_code,
    )


def _deliver_later(app: Any, session: Session) -> Any:
    """Send the e-mails the request queued once the answer is out (the outbox flow catches up otherwise).

    Only this request's messages: a hundred requests at once must not each walk the whole outbox."""
    from starlette.background import BackgroundTask

    from tremplin.core.mail import deliver, queued

    return BackgroundTask(deliver, app, only=queued(session))


# ------------------------------------------------------------------------------------------------
# Public: /book


def _workshop_years(workshop: SchoolWorkshop) -> str:
    return ", ".join(workshop.school_years)


@public.get("/book")
@public_page
def book_index(request: Request, session: Session = Depends(get_session)) -> Response:
    workshops = session.scalars(
        select(SchoolWorkshop)
        .where(SchoolWorkshop.active.is_(True))
        .order_by(SchoolWorkshop.centre_id, SchoolWorkshop.id)
    ).all()
    return _render(request, "schools/book_index.html", {"workshops": workshops, "years_of": _workshop_years})


def _month(raw: str | None, today: date) -> date:
    try:
        year, month = (int(x) for x in (raw or "").split("-")[:2])
        return date(year, month, 1)
    except (ValueError, TypeError):
        return today.replace(day=1)


def _next_month(first: date, step: int = 1) -> date:
    month = first.month - 1 + step
    return date(first.year + month // 12, month % 12 + 1, 1)


@public.get("/book/w/{workshop_id}")
@public_page
def book_calendar(request: Request, workshop_id: int, session: Session = Depends(get_session)) -> Response:
    _ = gettext_for(request)
    app = get_app(request)
    workshop = fetch(session, SchoolWorkshop, workshop_id)
    if workshop is None or not workshop.active:
        raise HTTPException(404)
    tz = app.timezone_of(session, workshop.centre_id)
    now = datetime.now(UTC)
    today = now.astimezone(tz).date()
    q = request.query_params
    lang = q.get("language") or (
        request_language(request) if request_language(request) in workshop.languages else workshop.languages[0]
    )
    year = q.get("year", "")
    pupils = int_param(q.get("pupils"))
    first = max(_month(q.get("month"), today), today.replace(day=1))
    last = _next_month(first) - timedelta(days=1)
    notice = ""
    if year and year not in workshop.school_years:
        notice = _(bk.WRONG_YEAR)
    slots = session.scalars(
        select(SchoolSlot)
        .where(
            SchoolSlot.workshop_id == workshop.id,
            SchoolSlot.day >= first,
            SchoolSlot.day <= last,
            SchoolSlot.starts_at > now,
        )
        .order_by(SchoolSlot.starts_at)
    ).all()
    fitting = [
        s for s in slots if lang in s.languages and (pupils is None or pupils <= s.capacity_pupils) and not notice
    ]
    by_day: dict[date, list[SchoolSlot]] = {}
    for slot in fitting:
        by_day.setdefault(slot.day, []).append(slot)
    # The month as weeks of seven days, Monday first; days of other months are None.
    weeks: list[list[date | None]] = []
    day = first - timedelta(days=first.weekday())
    while day <= last:
        weeks.append([d if d.month == first.month else None for d in (day + timedelta(days=i) for i in range(7))])
        day += timedelta(days=7)
    return _render(
        request,
        "schools/book_calendar.html",
        {
            "workshop": workshop,
            "language": lang,
            "year": year,
            "pupils": pupils,
            "month": first,
            "prev_month": _next_month(first, -1) if first > today.replace(day=1) else None,
            "next_month": _next_month(first),
            "weeks": weeks,
            "by_day": by_day,
            "count": len(fitting),
            "notice": notice,
            "tz": tz,
            "weekdays": _weekday_names(request_language(request)),
        },
    )


def _weekday_names(lang: str) -> list[str]:
    from babel.dates import get_day_names

    from tremplin.core.web.i18n import BABEL_LOCALES

    names = get_day_names("abbreviated", locale=BABEL_LOCALES.get(lang, "fr_BE"))
    return [names[i] for i in range(7)]


def _signer(app: Any) -> Any:
    from itsdangerous import TimestampSigner

    return TimestampSigner(app.settings.secret_key, salt="schools.book-form")


def _form_context(
    request: Request, session: Session, slot: SchoolSlot, values: dict[str, Any], errors: dict[str, str]
) -> dict[str, Any]:
    app = get_app(request)
    schools = session.scalars(
        select(Partner)
        .where(Partner.centre_id == slot.centre_id, Partner.kind == "school", Partner.active.is_(True))
        .order_by(Partner.name)
    ).all()
    return {
        "slot": slot,
        "workshop": slot.workshop,
        "schools": schools,
        "values": values,
        "errors": errors,
        "started": _signer(app).sign(str(slot.id)).decode(),
        "education_types": bk.EDUCATION_CODES,
        "tz": app.timezone_of(session, slot.centre_id),
    }


@public.get("/book/s/{slot_id}")
@public_page
def book_form(request: Request, slot_id: int, session: Session = Depends(get_session)) -> Response:
    slot = fetch(session, SchoolSlot, slot_id)
    if slot is None or not slot.workshop.active:
        raise HTTPException(404)
    q = request.query_params
    values = {
        "token": secrets.token_urlsafe(16),
        "language": q.get("language")
        if q.get("language") in slot.languages
        else (request_language(request) if request_language(request) in slot.languages else slot.languages[0]),
        "school_year": q.get("year", ""),
        "pupils": q.get("pupils", ""),
        "adults": "1",
    }
    return _render(request, "schools/book_form.html", _form_context(request, session, slot, values, {}))


def _translate_errors(request: Request, error: bk.BookingError) -> dict[str, str]:
    _ = gettext_for(request)
    return {
        name: _(message, **error.values) if error.values and "%(" in message else _(message)
        for name, message in error.errors.items()
    }


@public.post("/book/s/{slot_id}")
@public_page
def book_submit(
    request: Request, slot_id: int, form: Any = Depends(form_data), session: Session = Depends(get_session)
) -> Response:
    from itsdangerous import BadSignature, SignatureExpired

    _ = gettext_for(request)
    app = get_app(request)
    values: dict[str, Any] = {
        name: str(form.get(name) or "")[:400]
        for name in (
            "token",
            "language",
            "school",
            "new_school",
            "teacher_name",
            "teacher_email",
            "school_year",
            "education_type",
            "pupils",
            "adults",
        )
    }
    values["needs_accessibility"] = bool(form.get("needs_accessibility"))
    values["needs_interpreter"] = bool(form.get("needs_interpreter"))

    def again(errors: dict[str, str], status: int) -> Response:
        session.rollback()
        slot = fetch(session, SchoolSlot, slot_id)
        if slot is None:
            return _render(
                request,
                "schools/book_message.html",
                {
                    "title": _("This slot no longer exists"),
                    "message": errors.get("slot") or _(bk.SLOT_GONE),
                    "kind": "refused",
                },
                status_code=409,
            )
        return _render(
            request, "schools/book_form.html", _form_context(request, session, slot, values, errors), status_code=status
        )

    # A bot: it filled the field people never see, or it answered faster than anyone reads.
    if str(form.get("website") or "").strip():
        return _render(
            request,
            "schools/book_message.html",
            {
                "title": _("Not sent"),
                "message": _("Your request could not be sent. Reload the page and try again."),
                "kind": "refused",
            },
            status_code=400,
        )
    try:
        signed = _signer(app).unsign(str(form.get("started") or ""), max_age=6 * 3600, return_timestamp=True)
    except SignatureExpired:
        return again({"form": _("This form was open for too long. Check it and send it again.")}, 400)
    except BadSignature:
        return _render(
            request,
            "schools/book_message.html",
            {
                "title": _("Not sent"),
                "message": _("Your request could not be sent. Reload the page and try again."),
                "kind": "refused",
            },
            status_code=400,
        )
    value, stamp = signed
    if value.decode() != str(slot_id):
        return _render(
            request,
            "schools/book_message.html",
            {
                "title": _("Not sent"),
                "message": _("Your request could not be sent. Reload the page and try again."),
                "kind": "refused",
            },
            status_code=400,
        )
    if (datetime.now(UTC) - stamp).total_seconds() < min_form_seconds():
        return again({"form": _("That was quick: check the form, then send it again.")}, 400)
    school_id = int_param(values["school"]) if values["school"] not in ("", "new") else None
    request_ = bk.BookingRequest(
        slot_id=slot_id,
        school_id=school_id,
        new_school=values["new_school"],
        teacher_name=values["teacher_name"],
        teacher_email=values["teacher_email"],
        school_year=values["school_year"],
        education_type=values["education_type"],
        pupils=values["pupils"],
        adults=values["adults"],
        language=values["language"],
        teacher_language=request_language(request),
        needs_accessibility=values["needs_accessibility"],
        needs_interpreter=values["needs_interpreter"],
        idempotency_key=values["token"] or secrets.token_urlsafe(16),
    )
    try:
        booking = bk.book(app, session, request_)
        token = bk.cancel_token(app, booking)
        session.commit()
    except bk.BookingError as exc:
        return again(_translate_errors(request, exc), exc.status)
    return RedirectResponse(f"/book/done?t={token}", status_code=303, background=_deliver_later(app, session))


def _invalid_link(request: Request) -> Response:
    """The answer to a booking link that was changed or cut (its signature does not hold)."""
    _ = gettext_for(request)
    return _render(
        request,
        "schools/book_message.html",
        {
            "title": _("This link is not valid"),
            "message": _("This link is not valid: it was changed or cut. Use the link of your e-mail as it is."),
            "kind": "refused",
        },
        status_code=400,
    )


@public.get("/book/done")
@public_page
def book_done(request: Request, t: str = "", session: Session = Depends(get_session)) -> Response:
    _ = gettext_for(request)
    app = get_app(request)
    booking = bk.booking_for_token(session, app, t[:300])
    if booking is None:
        return _invalid_link(request)
    tz = app.timezone_of(session, booking.centre_id)
    return _render(request, "schools/book_done.html", {"booking": booking, "slot": booking.slot, "token": t, "tz": tz})


@public.get("/book/cancel")
@public_page
def cancel_page(request: Request, t: str = "", session: Session = Depends(get_session)) -> Response:
    _ = gettext_for(request)
    app = get_app(request)
    booking = bk.booking_for_token(session, app, t[:300])
    if booking is None:
        return _invalid_link(request)
    tz = app.timezone_of(session, booking.centre_id)
    return _render(
        request, "schools/book_cancel.html", {"booking": booking, "slot": booking.slot, "token": t, "tz": tz}
    )


@public.post("/book/cancel")
@public_page
def cancel_submit(
    request: Request, form: Any = Depends(form_data), session: Session = Depends(get_session)
) -> Response:
    _ = gettext_for(request)
    app = get_app(request)
    token = str(form.get("t") or "")[:300]
    booking = bk.booking_for_token(session, app, token)
    if booking is None:
        return _invalid_link(request)
    try:
        bk.cancel(app, session, booking, actor="school", reason="cancelled through the e-mail's link")
        session.commit()
    except bk.BookingError:
        session.rollback()
        return _render(
            request,
            "schools/book_message.html",
            {
                "title": _("Nothing to cancel"),
                "message": _("This booking was already cancelled, or the visit has taken place."),
                "kind": "refused",
            },
            status_code=409,
        )
    return _cancelled_page(request, app, session)


def _cancelled_page(request: Request, app: Any, session: Session) -> Response:
    _ = gettext_for(request)
    response = _render(
        request,
        "schools/book_message.html",
        {
            "title": _("Booking cancelled"),
            "message": _(
                "Your booking is cancelled. An e-mail confirms it; its invitation takes the visit out of your calendar."
            ),
            "kind": "confirmed",
        },
    )
    response.background = _deliver_later(app, session)
    return response


# ------------------------------------------------------------------------------------------------
# The coordinator: /schools


def _centre_of(session: Session, staff: Staff) -> Centre:
    """The account's centre; a network account works on the first centre (one per database today)."""
    centre = (
        session.get(Centre, staff.centre_id)
        if staff.centre_id
        else session.scalar(select(Centre).order_by(Centre.id).limit(1))
    )
    if centre is None:
        raise HTTPException(404, detail="No centre yet.")
    return centre


def _day(raw: str | None, default: date) -> date:
    try:
        return date.fromisoformat(str(raw)) if raw else default
    except ValueError:
        return default


@coordinator.get("/schools")
def calendar(request: Request, staff: Staff = BookingsStaff, session: Session = Depends(get_session)) -> Response:
    app = get_app(request)
    ensure_audience(staff, bk.AUDIENCE)
    centre = _centre_of(session, staff)
    tz = app.timezone_of(session, centre.id)
    today = datetime.now(tz).date()
    view = "month" if request.query_params.get("view") == "month" else "week"
    anchor = _day(request.query_params.get("day"), today)
    if view == "week":
        start = anchor - timedelta(days=anchor.weekday())
        end = start + timedelta(days=6)
        prev, nxt = start - timedelta(days=7), start + timedelta(days=7)
    else:
        start = anchor.replace(day=1)
        end = _next_month(start) - timedelta(days=1)
        prev, nxt = _next_month(start, -1), _next_month(start)
    slots = session.scalars(
        select(SchoolSlot)
        .where(SchoolSlot.centre_id == centre.id, SchoolSlot.day >= start, SchoolSlot.day <= end)
        .order_by(SchoolSlot.starts_at)
    ).all()
    bookings = session.scalars(
        select(SchoolBooking)
        .where(SchoolBooking.slot_id.in_([s.id for s in slots] or [0]), SchoolBooking.status != "cancelled")
        .order_by(SchoolBooking.created_at, SchoolBooking.id)
    ).all()
    of_slot: dict[int, list[SchoolBooking]] = {}
    for booking in bookings:
        of_slot.setdefault(booking.slot_id or 0, []).append(booking)
    pending = session.scalars(
        select(SchoolBooking)
        .where(SchoolBooking.centre_id == centre.id, SchoolBooking.status == "requested")
        .order_by(SchoolBooking.created_at)
    ).all()
    failed = (
        session.scalar(
            select(func.count(OutboxMessage.id)).where(
                OutboxMessage.audience == bk.AUDIENCE, OutboxMessage.state == "failed"
            )
        )
        or 0
    )
    days: dict[date, list[SchoolSlot]] = {}
    for slot in slots:
        days.setdefault(slot.day, []).append(slot)
    schools = {
        p.id: p.name
        for p in session.scalars(select(Partner).where(Partner.centre_id == centre.id, Partner.kind == "school"))
    }
    return _render(
        request,
        "schools/calendar.html",
        {
            "view": view,
            "start": start,
            "end": end,
            "prev": prev,
            "next": nxt,
            "today": today,
            "days": days,
            "of_slot": of_slot,
            "pending": pending,
            "failed": failed,
            "schools": schools,
            "tz": tz,
            "slot_count": len(slots),
            "booked_pupils": sum(s.booked_pupils for s in slots),
            "capacity_pupils": sum(s.capacity_pupils for s in slots),
            "waiting": sum(1 for b in bookings if b.status == "waitlisted"),
        },
    )


def _booking_for(session: Session, staff: Staff, booking_id: int) -> SchoolBooking:
    booking = fetch(session, SchoolBooking, booking_id)
    if booking is None:
        raise HTTPException(404)
    ensure_centre(staff, booking.centre_id)
    ensure_audience(staff, bk.AUDIENCE)
    return booking


@coordinator.get("/schools/bookings/{booking_id}")
def booking_page(
    request: Request, booking_id: int, staff: Staff = BookingsStaff, session: Session = Depends(get_session)
) -> Response:
    return _booking_view(request, session, _booking_for(session, staff, booking_id))


def _booking_view(
    request: Request,
    session: Session,
    booking: SchoolBooking,
    question: int | None = None,
    error: str = "",
    status_code: int = 200,
) -> Response:
    """The booking's page; ``question``: a number of pupils the rules question, with its ``error``
    message, asked to be confirmed (the form then offers to save it as it is)."""
    app = get_app(request)
    tz = app.timezone_of(session, booking.centre_id)
    now = datetime.now(UTC)
    others = session.scalars(
        select(SchoolSlot)
        .where(
            SchoolSlot.workshop_id == booking.workshop_id,
            SchoolSlot.starts_at > now,
            SchoolSlot.id != (booking.slot_id or 0),
        )
        .order_by(SchoolSlot.starts_at)
        .limit(60)
    ).all()
    school = session.get(Partner, booking.school_id) if booking.school_id else None
    return _render(
        request,
        "schools/booking.html",
        {
            "booking": booking,
            "slot": booking.slot,
            "school": school,
            "others": others,
            "tz": tz,
            "open": booking.status in bk.OPEN,
            "holding": bk.HOLDING,
            "question": question,
            "attendance_error": error,
        },
        status_code=status_code,
    )


def _act(request: Request, booking: SchoolBooking, action: Any, ok: str) -> Response:
    _ = gettext_for(request)
    session = Session.object_session(booking)
    assert session is not None
    try:
        action()
        session.commit()
    except bk.BookingError as exc:
        session.rollback()
        for message in _translate_errors(request, exc).values():
            flash(request, message, "bad")
        return RedirectResponse(f"/schools/bookings/{booking.id}", status_code=303)
    flash(request, ok)
    return RedirectResponse(
        f"/schools/bookings/{booking.id}", status_code=303, background=_deliver_later(get_app(request), session)
    )


@coordinator.post("/schools/bookings/{booking_id}/confirm")
def booking_confirm(
    request: Request, booking_id: int, staff: Staff = BookingsStaff, session: Session = Depends(get_session)
) -> Response:
    _ = gettext_for(request)
    booking = _booking_for(session, staff, booking_id)
    return _act(
        request,
        booking,
        lambda: bk.confirm(get_app(request), session, booking, staff),
        _("The booking is confirmed; the school is told."),
    )


@coordinator.post("/schools/bookings/{booking_id}/cancel")
def booking_cancel(
    request: Request, booking_id: int, staff: Staff = BookingsStaff, session: Session = Depends(get_session)
) -> Response:
    _ = gettext_for(request)
    booking = _booking_for(session, staff, booking_id)
    return _act(
        request,
        booking,
        lambda: bk.cancel(get_app(request), session, booking, actor=staff.username, reason="cancelled by the centre"),
        _("The booking is cancelled; the school is told."),
    )


@coordinator.post("/schools/bookings/{booking_id}/move")
def booking_move(
    request: Request,
    booking_id: int,
    form: Any = Depends(form_data),
    staff: Staff = BookingsStaff,
    session: Session = Depends(get_session),
) -> Response:
    _ = gettext_for(request)
    booking = _booking_for(session, staff, booking_id)
    target = int_param(str(form.get("slot") or ""))
    if target is None:
        flash(request, _("Choose the slot to move the booking to."), "bad")
        return RedirectResponse(f"/schools/bookings/{booking.id}", status_code=303)
    return _act(
        request,
        booking,
        lambda: bk.move(get_app(request), session, booking, target, staff),
        _("The booking is moved; the school has the updated invitation."),
    )


@coordinator.post("/schools/bookings/{booking_id}/attendance")
def booking_attendance(
    request: Request,
    booking_id: int,
    form: Any = Depends(form_data),
    staff: Staff = BookingsStaff,
    session: Session = Depends(get_session),
) -> Response:
    _ = gettext_for(request)
    booking = _booking_for(session, staff, booking_id)
    came = booking.pupils if form.get("as_booked") else int_param(str(form.get("pupils_came") or ""))
    if came is None:
        flash(request, _("Enter the number of pupils who came, from 0 to 1000."), "bad")
        return RedirectResponse(f"/schools/bookings/{booking.id}", status_code=303)
    # Far more pupils than booked asks first (the core's rule for every activity); the confirmation names
    # the number confirmed, so a number changed after the question is asked again.
    confirmed = str(form.get("confirm") or "") == str(came)
    try:
        return _act(
            request,
            booking,
            lambda: bk.record_attendance(get_app(request), session, booking, came, staff, confirmed=confirmed),
            _("Saved: the visit is counted."),
        )
    except RecordError as exc:
        session.rollback()
        booking = _booking_for(session, staff, booking_id)
        errors = formkit.translate_record_errors(exc.errors, _)
        message = next(iter(errors.values()), "") or _(formkit.MSG_INVALID)
        question = came if errors.questions_only else None
        return _booking_view(request, session, booking, question=question, error=message, status_code=422)


# -- the offer --------------------------------------------------------------------------------------


def _offer_context(request: Request, session: Session, centre: Centre, **extra: Any) -> dict[str, Any]:
    app = get_app(request)
    now = datetime.now(UTC)
    bk.load_shipped_holidays(session, centre.id)
    return {
        "centre": centre,
        "workshops": session.scalars(
            select(SchoolWorkshop).where(SchoolWorkshop.centre_id == centre.id).order_by(SchoolWorkshop.id)
        ).all(),
        "slots": session.scalars(
            select(SchoolSlot)
            .where(SchoolSlot.centre_id == centre.id, SchoolSlot.starts_at > now)
            .order_by(SchoolSlot.starts_at)
            .limit(200)
        ).all(),
        # The holidays still to come: past ones no longer decide anything.
        "holidays": session.scalars(
            select(SchoolHoliday)
            .where(SchoolHoliday.centre_id == centre.id, SchoolHoliday.ends_on >= now.date() - timedelta(days=31))
            .order_by(SchoolHoliday.starts_on, SchoolHoliday.community)
        ).all(),
        "years": bk.YEAR_CODES,
        "languages": LANGUAGES,
        "tz": app.timezone_of(session, centre.id),
        "errors": {},
        "values": {},
        "slot_errors": {},
        "slot_values": {},
        "edit": None,
        **extra,
    }


@coordinator.get("/schools/offer")
def offer(request: Request, staff: Staff = OfferStaff, session: Session = Depends(get_session)) -> Response:
    ensure_audience(staff, bk.AUDIENCE)
    centre = _centre_of(session, staff)
    context = _offer_context(request, session, centre)
    session.commit()  # the shipped holidays, copied on the first visit
    return _render(request, "schools/offer.html", context)


def _workshop_values(form: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        name: str(form.get(name) or "")[:2000]
        for name in ("code", "duration_minutes", "min_pupils", "max_pupils", "place")
    }
    for lang in LANGUAGES:
        values[f"name_{lang}"] = str(form.get(f"name_{lang}") or "")[:120]
        values[f"description_{lang}"] = str(form.get(f"description_{lang}") or "")[:2000]
    values["languages"] = [str(v) for v in form.getlist("languages")][:4]
    values["school_years"] = [str(v) for v in form.getlist("school_years")][:7]
    values["active"] = form.get("active", "1") not in ("", "0")
    return values


@coordinator.get("/schools/offer/workshops/{workshop_id}")
def workshop_page(
    request: Request, workshop_id: int, staff: Staff = OfferStaff, session: Session = Depends(get_session)
) -> Response:
    ensure_audience(staff, bk.AUDIENCE)
    workshop = fetch(session, SchoolWorkshop, workshop_id)
    if workshop is None:
        raise HTTPException(404)
    ensure_centre(staff, workshop.centre_id)
    values = {
        c: getattr(workshop, c)
        for c in (
            "code",
            "duration_minutes",
            "min_pupils",
            "max_pupils",
            "place",
            "languages",
            "school_years",
            "active",
        )
    }
    values.update(
        {f"{k}_{lang}": getattr(workshop, f"{k}_{lang}") for k in ("name", "description") for lang in LANGUAGES}
    )
    return _render(
        request,
        "schools/workshop.html",
        {"edit": workshop, "values": values, "errors": {}, "years": bk.YEAR_CODES, "languages": LANGUAGES},
    )


@coordinator.post("/schools/offer/workshops")
def workshop_create(
    request: Request, form: Any = Depends(form_data), staff: Staff = OfferStaff, session: Session = Depends(get_session)
) -> Response:
    return _save_workshop(request, form, staff, session, None)


@coordinator.post("/schools/offer/workshops/{workshop_id}")
def workshop_update(
    request: Request,
    workshop_id: int,
    form: Any = Depends(form_data),
    staff: Staff = OfferStaff,
    session: Session = Depends(get_session),
) -> Response:
    workshop = fetch(session, SchoolWorkshop, workshop_id)
    if workshop is None:
        raise HTTPException(404)
    ensure_centre(staff, workshop.centre_id)
    return _save_workshop(request, form, staff, session, workshop)


def _save_workshop(
    request: Request, form: Any, staff: Staff, session: Session, workshop: SchoolWorkshop | None
) -> Response:
    _ = gettext_for(request)
    ensure_audience(staff, bk.AUDIENCE)
    centre = _centre_of(session, staff)
    values = _workshop_values(form)
    try:
        bk.save_workshop(session, centre.id, values, workshop)
        session.commit()
    except bk.BookingError as exc:
        session.rollback()
        errors = _translate_errors(request, exc)
        if workshop is not None:
            return _render(
                request,
                "schools/workshop.html",
                {"edit": workshop, "values": values, "errors": errors, "years": bk.YEAR_CODES, "languages": LANGUAGES},
                status_code=422,
            )
        return _render(
            request,
            "schools/offer.html",
            _offer_context(request, session, centre, errors=errors, values=values),
            status_code=422,
        )
    flash(request, _("The workshop is saved."))
    return RedirectResponse("/schools/offer", status_code=303)


@coordinator.post("/schools/offer/slots")
def slot_create(
    request: Request, form: Any = Depends(form_data), staff: Staff = OfferStaff, session: Session = Depends(get_session)
) -> Response:
    _ = gettext_for(request)
    ensure_audience(staff, bk.AUDIENCE)
    app = get_app(request)
    centre = _centre_of(session, staff)
    raw: dict[str, Any] = {
        name: str(form.get(name) or "")[:80]
        for name in ("workshop", "day", "start", "room", "capacity_classes", "capacity_pupils", "until")
    }
    raw["at_school"] = bool(form.get("at_school"))
    raw["languages"] = [str(v) for v in form.getlist("languages")][:4]
    raw["weekdays"] = [str(v) for v in form.getlist("weekdays")][:7]
    raw["communities"] = [str(v) for v in form.getlist("communities") if v in ("fr", "nl")]
    errors: dict[str, str] = {}
    day = _day(raw["day"], date.min)
    if day == date.min:
        errors["day"] = _("Enter the first day.")
    try:
        start = time.fromisoformat(raw["start"])
    except ValueError:
        errors["start"] = _("Enter the time, such as 09:30.")
        start = time(9)
    workshop_id = int_param(raw["workshop"])
    if workshop_id is None:
        errors["workshop"] = _("Choose a workshop of the offer.")
    classes, pupils = int_param(raw["capacity_classes"]), int_param(raw["capacity_pupils"])
    if classes is None:
        errors["capacity_classes"] = _("A slot holds from 1 to 20 classes.")
    if pupils is None:
        errors["capacity_pupils"] = _("A slot holds from 1 to 1000 pupils.")
    if not errors:
        spec = bk.SlotSpec(
            workshop_id or 0,
            day,
            start,
            raw["room"],
            raw["at_school"],
            classes or 0,
            pupils or 0,
            tuple(raw["languages"]),
        )
        try:
            if raw["until"] or raw["weekdays"]:
                until = _day(raw["until"], date.min)
                weekdays = [int(w) for w in raw["weekdays"] if w.isdigit()]
                made, skipped = bk.open_recurring(
                    app, session, centre.id, spec, until, weekdays, raw["communities"] or ("fr", "nl")
                )
                message = _(
                    "%(made)s slots opened; %(skipped)s days skipped (school holidays or closures).",
                    made=len(made),
                    skipped=len(skipped),
                )
            else:
                bk.open_slot(app, session, centre.id, spec)
                message = _("The slot is open.")
            session.commit()
        except bk.BookingError as exc:
            session.rollback()
            errors = _translate_errors(request, exc)
    if errors:
        return _render(
            request,
            "schools/offer.html",
            _offer_context(request, session, centre, slot_errors=errors, slot_values=raw),
            status_code=422,
        )
    flash(request, message)
    return RedirectResponse("/schools/offer", status_code=303, background=_deliver_later(app, session))


@coordinator.post("/schools/offer/slots/{slot_id}/delete")
def slot_delete(
    request: Request, slot_id: int, staff: Staff = OfferStaff, session: Session = Depends(get_session)
) -> Response:
    _ = gettext_for(request)
    ensure_audience(staff, bk.AUDIENCE)
    slot = fetch(session, SchoolSlot, slot_id)
    if slot is None:
        raise HTTPException(404)
    ensure_centre(staff, slot.centre_id)
    app = get_app(request)
    cancelled = bk.delete_slot(app, session, slot, staff)
    session.commit()
    flash(request, _("The slot is removed; %(count)s booking(s) cancelled and told.", count=cancelled))
    return RedirectResponse("/schools/offer", status_code=303, background=_deliver_later(app, session))


@coordinator.post("/schools/offer/holidays")
def holiday_create(
    request: Request, form: Any = Depends(form_data), staff: Staff = OfferStaff, session: Session = Depends(get_session)
) -> Response:
    _ = gettext_for(request)
    ensure_audience(staff, bk.AUDIENCE)
    centre = _centre_of(session, staff)
    lo, hi = _day(str(form.get("starts_on") or "")[:10], date.min), _day(str(form.get("ends_on") or "")[:10], date.min)
    community = str(form.get("community") or "")
    if lo == date.min or hi < lo or community not in ("fr", "nl"):
        flash(request, _("Give the community, the first and the last day of the holiday."), "bad")
        return RedirectResponse("/schools/offer#holidays", status_code=303)
    session.add(
        SchoolHoliday(
            centre_id=centre.id, community=community, starts_on=lo, ends_on=hi, label=str(form.get("label") or "")[:120]
        )
    )
    session.commit()
    flash(request, _("The holiday is added."))
    return RedirectResponse("/schools/offer#holidays", status_code=303)


@coordinator.post("/schools/offer/holidays/{holiday_id}/delete")
def holiday_delete(
    request: Request, holiday_id: int, staff: Staff = OfferStaff, session: Session = Depends(get_session)
) -> Response:
    _ = gettext_for(request)
    ensure_audience(staff, bk.AUDIENCE)
    holiday = fetch(session, SchoolHoliday, holiday_id)
    if holiday is None:
        raise HTTPException(404)
    ensure_centre(staff, holiday.centre_id)
    session.delete(holiday)
    session.commit()
    flash(request, _("The holiday is removed."))
    return RedirectResponse("/schools/offer#holidays", status_code=303)


# -- the export and the outbox ------------------------------------------------------------------------


def term_of(day: date) -> tuple[date, date]:
    """The school term a day falls in: September-December, January-March, April-August."""
    if day.month >= 9:
        return date(day.year, 9, 1), date(day.year, 12, 31)
    if day.month <= 3:
        return date(day.year, 1, 1), date(day.year, 3, 31)
    return date(day.year, 4, 1), date(day.year, 8, 31)


@coordinator.get("/schools/export")
def export(request: Request, staff: Staff = BookingsStaff, session: Session = Depends(get_session)) -> Response:
    from tremplin.plugins.schools.export import export_bookings

    ensure_audience(staff, bk.AUDIENCE)
    app = get_app(request)
    centre = _centre_of(session, staff)
    today = datetime.now(app.timezone_of(session, centre.id)).date()
    lo, hi = term_of(today)
    from tremplin.core.web.routes.lists import check_days

    check_days(request, "from", "to")  # a mistyped day is refused, not replaced by the term's
    start, end = _day(request.query_params.get("from"), lo), _day(request.query_params.get("to"), hi)
    fmt = "xlsx" if request.query_params.get("format") == "xlsx" else "csv"
    # One school year of pupils (1 to 7), or all of them.
    year = request.query_params.get("year") or None
    year = year if year in bk.YEAR_CODES else None
    from tremplin.core.audit import audit

    body, media = export_bookings(app, session, centre.id, start, end, fmt, request_language(request), year)
    audit(
        session,
        "schools.export",
        staff,
        "school_bookings",
        "",
        start=start.isoformat(),
        end=end.isoformat(),
        format=fmt,
        school_year=year or "*",
    )
    session.commit()
    # Named as the core's exports are: the moment on the centre's clock, not the server's.
    from tremplin.core.web.routes.exports import file_stamp

    stamp = file_stamp(app.timezone_of(session, centre.id))
    name = (
        f"tremplin-school-bookings-{start.isoformat()}-{end.isoformat()}{f'-year-{year}' if year else ''}-{stamp}.{fmt}"
    )
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@coordinator.get("/schools/years")
def school_years(request: Request, staff: Staff = BookingsStaff, session: Session = Depends(get_session)) -> Response:
    """A school year's bookings (September to August) counted by the pupils' school year, with what became
    of them, and each school year's export."""
    from tremplin.plugins.schools.export import STATUS_COLUMNS, academic_year, by_school_year

    ensure_audience(staff, bk.AUDIENCE)
    app = get_app(request)
    centre = _centre_of(session, staff)
    today = datetime.now(app.timezone_of(session, centre.id)).date()
    start, end = academic_year(_day(request.query_params.get("day"), today))
    return _render(
        request,
        "schools/years.html",
        {
            "start": start,
            "end": end,
            "prev": start - timedelta(days=1),
            "next": end + timedelta(days=1),
            "table": by_school_year(session, centre.id, start, end),
            "years": bk.YEAR_CODES,
            "columns": STATUS_COLUMNS,
        },
    )


@coordinator.get("/schools/outbox")
def outbox(request: Request, staff: Staff = BookingsStaff, session: Session = Depends(get_session)) -> Response:
    ensure_audience(staff, bk.AUDIENCE)
    centre = _centre_of(session, staff)
    messages = session.scalars(
        select(OutboxMessage)
        .where(
            OutboxMessage.audience == bk.AUDIENCE, OutboxMessage.centre_id == centre.id, OutboxMessage.state != "sent"
        )
        .order_by(OutboxMessage.created_at.desc())
        .limit(200)
    ).all()
    return _render(
        request, "schools/outbox.html", {"messages": messages, "tz": get_app(request).timezone_of(session, centre.id)}
    )


@coordinator.post("/schools/outbox/{message_id}/retry")
def outbox_retry(
    request: Request, message_id: int, staff: Staff = BookingsStaff, session: Session = Depends(get_session)
) -> Response:
    from tremplin.core.mail import retry_now

    _ = gettext_for(request)
    ensure_audience(staff, bk.AUDIENCE)
    message = fetch(session, OutboxMessage, message_id)
    if message is None or message.audience != bk.AUDIENCE:
        raise HTTPException(404)
    ensure_centre(staff, message.centre_id)
    retry_now(session, message)
    session.commit()
    flash(request, _("The message will be sent again."))
    return RedirectResponse("/schools/outbox", status_code=303, background=_deliver_later(get_app(request), session))
