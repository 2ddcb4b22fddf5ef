"""The schools API: ``/api/v1/workshops``, ``/api/v1/slots``, ``/api/v1/bookings``.

For a school board's own tools and the centre's: the same rules as the pages (``booking.py``), the
same capabilities (the roles ``register_roles`` declares), in the OpenAPI schema. A booking answers 201 with its status
(``confirmed``, ``requested`` or ``waitlisted``), 422 with ``errors`` by field, 409 when the slot is
gone. The teacher's name and e-mail are written, never read back.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from tremplin.core.models import Centre, Staff
from tremplin.core.web.common import fetch
from tremplin.core.web.deps import ensure_audience, ensure_centre, get_app, get_session, require_capability
from tremplin.plugins.schools import BOOKINGS, OFFER
from tremplin.plugins.schools import booking as bk
from tremplin.plugins.schools.models import SchoolBooking, SchoolSlot, SchoolWorkshop

bearer = HTTPBearer(auto_error=False)
router = APIRouter(prefix="/api/v1", tags=["schools"], dependencies=[Depends(bearer)])

Lang = Literal["fr", "nl", "en", "uk"]
Year = Literal["1", "2", "3", "4", "5", "6", "7"]
Education = Literal["general", "technical_transition", "technical_qualification", "vocational", "special"]
BookingsStaff = Annotated[Staff, Depends(require_capability(BOOKINGS))]
OfferStaff = Annotated[Staff, Depends(require_capability(OFFER))]
DB = Annotated[Session, Depends(get_session)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WorkshopIn(Strict):
    code: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_\-]+$")
    name_en: str = Field("", max_length=120)
    name_fr: str = Field("", max_length=120)
    name_nl: str = Field("", max_length=120)
    name_uk: str = Field("", max_length=120)
    description_en: str = Field("", max_length=2000)
    description_fr: str = Field("", max_length=2000)
    description_nl: str = Field("", max_length=2000)
    description_uk: str = Field("", max_length=2000)
    duration_minutes: int = Field(120, ge=15, le=600)
    languages: list[Lang] = Field(min_length=1, max_length=4)
    min_pupils: int = Field(1, ge=1, le=500)
    max_pupils: int = Field(30, ge=1, le=500)
    school_years: list[Year] = Field(min_length=1, max_length=7)
    place: Literal["at_centre", "at_school"] = "at_centre"
    active: bool = True


class WorkshopOut(BaseModel):
    id: int
    code: str
    name: dict[str, str]
    description: dict[str, str]
    duration_minutes: int
    languages: list[str]
    min_pupils: int
    max_pupils: int
    school_years: list[str]
    place: str
    active: bool


class SlotIn(Strict):
    workshop_id: int
    day: date
    start: time
    room: str = Field("", max_length=80)
    at_school: bool = False
    capacity_classes: int = Field(1, ge=1, le=20)
    capacity_pupils: int = Field(30, ge=1, le=1000)
    languages: list[Lang] = Field(min_length=1, max_length=4)


class SlotOut(BaseModel):
    id: int
    workshop_id: int
    starts_at: datetime
    ends_at: datetime
    room: str
    at_school: bool
    capacity_classes: int
    capacity_pupils: int
    booked_classes: int
    booked_pupils: int
    languages: list[str]
    waiting: int


class BookingIn(Strict):
    slot_id: int
    school_id: int | None = Field(
        None, description="A school of the list (``GET /api/v1/schools`` is the partners of kind school)."
    )
    school_name: str = Field("", max_length=120, description="A school not in the list yet; its name is scrubbed.")
    teacher_name: str = Field(
        min_length=2, max_length=120, description="The teacher's professional name (erased after the follow-up)."
    )
    teacher_email: str = Field(
        max_length=254, description="The teacher's professional e-mail (erased after the follow-up)."
    )
    teacher_language: Lang = "fr"
    school_year: Year
    education_type: Education
    pupils: int = Field(ge=1, le=1000)
    adults: int = Field(1, ge=0, le=10)
    language: Lang
    needs_accessibility: bool = False
    needs_interpreter: bool = False
    idempotency_key: str = Field(min_length=8, max_length=64, description="Sent twice, the same key books once.")


class BookingOut(BaseModel):
    id: int
    slot_id: int | None
    workshop_id: int
    school_id: int | None
    status: str
    school_year: str
    education_type: str
    pupils: int
    adults: int
    language: str
    needs_accessibility: bool
    needs_interpreter: bool
    pupils_came: int | None
    created_at: datetime


class MoveIn(Strict):
    slot_id: int


class AttendanceIn(Strict):
    pupils_came: int = Field(ge=0, le=1000)
    confirm: bool = Field(
        default=False,
        description="Far more pupils than booked is a question (422, rule `count.above_registered`): "
        "send the same number again with `confirm: true` to save it.",
    )


def _centre(session: Session, staff: Staff) -> int:
    if staff.centre_id is not None:
        return staff.centre_id
    centre_id = session.scalar(select(Centre.id).order_by(Centre.id).limit(1))
    if centre_id is None:
        raise HTTPException(404, detail="No centre yet.")
    return centre_id


def workshop_out(w: SchoolWorkshop) -> WorkshopOut:
    return WorkshopOut(
        id=w.id,
        code=w.code,
        name=w.name.as_dict(),
        description=w.description.as_dict(),
        duration_minutes=w.duration_minutes,
        languages=list(w.languages),
        min_pupils=w.min_pupils,
        max_pupils=w.max_pupils,
        school_years=list(w.school_years),
        place=w.place,
        active=w.active,
    )


def slot_out(s: SchoolSlot, waiting: int = 0) -> SlotOut:
    return SlotOut(
        id=s.id,
        workshop_id=s.workshop_id,
        starts_at=s.starts_at,
        ends_at=s.ends_at,
        room=s.room,
        at_school=s.at_school,
        capacity_classes=s.capacity_classes,
        capacity_pupils=s.capacity_pupils,
        booked_classes=s.booked_classes,
        booked_pupils=s.booked_pupils,
        languages=list(s.languages),
        waiting=waiting,
    )


def booking_out(b: SchoolBooking) -> BookingOut:
    return BookingOut(
        id=b.id,
        slot_id=b.slot_id,
        workshop_id=b.workshop_id,
        school_id=b.school_id,
        status=b.status,
        school_year=b.school_year,
        education_type=b.education_type,
        pupils=b.pupils,
        adults=b.adults,
        language=b.language,
        needs_accessibility=b.needs_accessibility,
        needs_interpreter=b.needs_interpreter,
        pupils_came=b.pupils_came,
        created_at=b.created_at,
    )


def _refused(exc: bk.BookingError) -> JSONResponse:
    errors = {k: (v % exc.values if exc.values and "%(" in v else v) for k, v in exc.errors.items()}
    return JSONResponse({"detail": "; ".join(errors.values()), "errors": errors}, status_code=exc.status)


@router.get("/workshops", response_model=list[WorkshopOut], summary="The workshops of the offer")
def workshops(staff: BookingsStaff, session: DB) -> list[WorkshopOut]:
    ensure_audience(staff, bk.AUDIENCE)
    found = session.scalars(
        select(SchoolWorkshop).where(SchoolWorkshop.centre_id == _centre(session, staff)).order_by(SchoolWorkshop.id)
    ).all()
    return [workshop_out(w) for w in found]


@router.post("/workshops", response_model=WorkshopOut, status_code=201, summary="Add a workshop to the offer")
def workshop_create(body: WorkshopIn, staff: OfferStaff, session: DB) -> Any:
    ensure_audience(staff, bk.AUDIENCE)
    try:
        workshop = bk.save_workshop(session, _centre(session, staff), body.model_dump())
        out = workshop_out(workshop)
        session.commit()
    except bk.BookingError as exc:
        session.rollback()
        return _refused(exc)
    return out


@router.get("/slots", response_model=list[SlotOut], summary="Slots, by time, with what they hold")
def slots(
    staff: BookingsStaff,
    session: DB,
    workshop_id: Annotated[int | None, Query()] = None,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
) -> list[SlotOut]:
    ensure_audience(staff, bk.AUDIENCE)
    stmt = select(SchoolSlot).where(SchoolSlot.centre_id == _centre(session, staff))
    if workshop_id is not None:
        stmt = stmt.where(SchoolSlot.workshop_id == workshop_id)
    if start is not None:
        stmt = stmt.where(SchoolSlot.day >= start)
    if end is not None:
        stmt = stmt.where(SchoolSlot.day <= end)
    found = session.scalars(stmt.order_by(SchoolSlot.starts_at).limit(1000)).all()
    waiting: dict[int, int] = {}
    for slot_id in session.scalars(
        select(SchoolBooking.slot_id).where(
            SchoolBooking.slot_id.in_([s.id for s in found] or [0]), SchoolBooking.status == "waitlisted"
        )
    ):
        assert slot_id is not None  # chosen by its slot above
        waiting[slot_id] = waiting.get(slot_id, 0) + 1
    return [slot_out(s, waiting.get(s.id, 0)) for s in found]


@router.post("/slots", response_model=SlotOut, status_code=201, summary="Open a slot")
def slot_create(request: Request, body: SlotIn, staff: OfferStaff, session: DB) -> Any:
    ensure_audience(staff, bk.AUDIENCE)
    spec = bk.SlotSpec(
        body.workshop_id,
        body.day,
        body.start,
        body.room,
        body.at_school,
        body.capacity_classes,
        body.capacity_pupils,
        tuple(body.languages),
    )
    try:
        slot = bk.open_slot(get_app(request), session, _centre(session, staff), spec)
        out = slot_out(slot)
        session.commit()
    except bk.BookingError as exc:
        session.rollback()
        return _refused(exc)
    return out


@router.delete("/slots/{slot_id}", status_code=204, summary="Remove a slot (its bookings are cancelled and told)")
def slot_delete(request: Request, slot_id: int, staff: OfferStaff, session: DB) -> Response:
    from tremplin.plugins.schools.web import _deliver_later

    ensure_audience(staff, bk.AUDIENCE)
    slot = fetch(session, SchoolSlot, slot_id)
    if slot is None:
        raise HTTPException(404, detail="No such slot.")
    ensure_centre(staff, slot.centre_id)
    bk.delete_slot(get_app(request), session, slot, staff)
    session.commit()
    return Response(status_code=204, background=_deliver_later(get_app(request), session))


@router.get("/bookings", response_model=list[BookingOut], summary="Bookings, by slot time")
def bookings(
    staff: BookingsStaff,
    session: DB,
    status: Annotated[str | None, Query(max_length=16)] = None,
    slot_id: Annotated[int | None, Query()] = None,
) -> list[BookingOut]:
    ensure_audience(staff, bk.AUDIENCE)
    stmt = select(SchoolBooking).where(SchoolBooking.centre_id == _centre(session, staff))
    if status:
        stmt = stmt.where(SchoolBooking.status == status)
    if slot_id is not None:
        stmt = stmt.where(SchoolBooking.slot_id == slot_id)
    return [booking_out(b) for b in session.scalars(stmt.order_by(SchoolBooking.id).limit(5000))]


@router.post(
    "/bookings",
    response_model=BookingOut,
    status_code=201,
    summary="Book a slot for a class (waitlisted when it is full)",
)
def booking_create(request: Request, body: BookingIn, staff: BookingsStaff, session: DB) -> Any:
    from tremplin.plugins.schools.web import _deliver_later

    ensure_audience(staff, bk.AUDIENCE)
    app = get_app(request)
    req = bk.BookingRequest(
        slot_id=body.slot_id,
        school_id=body.school_id,
        new_school=body.school_name,
        teacher_name=body.teacher_name,
        teacher_email=body.teacher_email,
        school_year=body.school_year,
        education_type=body.education_type,
        pupils=body.pupils,
        adults=body.adults,
        language=body.language,
        teacher_language=body.teacher_language,
        needs_accessibility=body.needs_accessibility,
        needs_interpreter=body.needs_interpreter,
        idempotency_key=body.idempotency_key,
    )
    slot = fetch(session, SchoolSlot, body.slot_id)
    if slot is not None:
        ensure_centre(staff, slot.centre_id)
    try:
        booking = bk.book(app, session, req, actor=staff.username)
        out = booking_out(booking)
        session.commit()
    except bk.BookingError as exc:
        session.rollback()
        return _refused(exc)
    return JSONResponse(out.model_dump(mode="json"), status_code=201, background=_deliver_later(app, session))


def _booking(session: Session, staff: Staff, booking_id: int) -> SchoolBooking:
    booking = fetch(session, SchoolBooking, booking_id)
    if booking is None:
        raise HTTPException(404, detail="No such booking.")
    ensure_centre(staff, booking.centre_id)
    ensure_audience(staff, bk.AUDIENCE)
    return booking


@router.get("/bookings/{booking_id}", response_model=BookingOut)
def booking_get(booking_id: int, staff: BookingsStaff, session: DB) -> BookingOut:
    return booking_out(_booking(session, staff, booking_id))


def _change(request: Request, session: Session, booking: SchoolBooking, action: Any) -> Any:
    from tremplin.plugins.schools.web import _deliver_later

    try:
        action()
        out = booking_out(booking)
        session.commit()
    except bk.BookingError as exc:
        session.rollback()
        return _refused(exc)
    return JSONResponse(out.model_dump(mode="json"), background=_deliver_later(get_app(request), session))


@router.post("/bookings/{booking_id}/confirm", response_model=BookingOut, summary="Confirm a request")
def booking_confirm(request: Request, booking_id: int, staff: BookingsStaff, session: DB) -> Any:
    booking = _booking(session, staff, booking_id)
    return _change(request, session, booking, lambda: bk.confirm(get_app(request), session, booking, staff))


@router.post(
    "/bookings/{booking_id}/cancel", response_model=BookingOut, summary="Cancel (the waiting list is promoted)"
)
def booking_cancel(request: Request, booking_id: int, staff: BookingsStaff, session: DB) -> Any:
    booking = _booking(session, staff, booking_id)
    return _change(
        request,
        session,
        booking,
        lambda: bk.cancel(get_app(request), session, booking, actor=staff.username, reason="cancelled through the API"),
    )


@router.post("/bookings/{booking_id}/move", response_model=BookingOut, summary="Move to another slot of the workshop")
def booking_move(request: Request, booking_id: int, body: MoveIn, staff: BookingsStaff, session: DB) -> Any:
    booking = _booking(session, staff, booking_id)
    return _change(request, session, booking, lambda: bk.move(get_app(request), session, booking, body.slot_id, staff))


@router.post(
    "/bookings/{booking_id}/attendance",
    response_model=BookingOut,
    summary="The pupils who came (creates the visit's activity)",
)
def booking_attendance(request: Request, booking_id: int, body: AttendanceIn, staff: BookingsStaff, session: DB) -> Any:
    booking = _booking(session, staff, booking_id)
    return _change(
        request,
        session,
        booking,
        lambda: bk.record_attendance(
            get_app(request), session, booking, body.pupils_came, staff, confirmed=body.confirm
        ),
    )
