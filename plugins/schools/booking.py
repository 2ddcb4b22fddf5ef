"""Booking a class visit: the offer, the hard capacity limit, the booking's life, its e-mails.

Every way in (the public page ``/book``, the API, the coordinator's page, the flows) calls these
functions; they validate, write with the caller's session and leave the commit to the caller.

**Never overbooked.** Whatever changes what a slot holds (booking, cancelling, moving, promoting
from the waiting list) first runs ``lock_slot``: ``UPDATE school_slots SET version = version + 1
WHERE id = :id`` as the transaction's first statement. On PostgreSQL the UPDATE takes the row's lock
(the same lock ``SELECT ... FOR UPDATE`` would), so concurrent bookings of one slot queue behind each
other and each reads what the previous one committed. On SQLite a write as the first statement takes
the database's write lock at once (what ``BEGIN IMMEDIATE`` does), before anything is read, so no
transaction decides on a stale snapshot. The slot is read only after that, and its
``booked_classes``/``booked_pupils`` are what decides.

Messages (``N_``) are English message ids: the web pages translate them with the catalogs, the API
returns them as they are.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tremplin import LANGUAGES
from tremplin.core.models import Centre, ClosurePeriod, OutboxMessage, Partner, Staff
from tremplin.plugins.schools.models import SchoolBooking, SchoolBookingEvent, SchoolHoliday, SchoolSlot, SchoolWorkshop

if TYPE_CHECKING:
    from sqlalchemy import CursorResult

    from tremplin.core.app import App

AUDIENCE = "schools"
EDUCATION_CODES = ("general", "technical_transition", "technical_qualification", "vocational", "special")
YEAR_CODES = tuple(str(y) for y in range(1, 8))
#: Statuses that hold a place in their slot.
HOLDING = ("requested", "confirmed", "reminded")
#: Statuses a booking can still be cancelled or moved from.
OPEN = HOLDING + ("waitlisted",)
STATUSES = ("requested", "confirmed", "waitlisted", "reminded", "done", "no_show", "cancelled")
#: The teacher's name and e-mail are kept this many days after the visit (its follow-up), then erased.
TEACHER_RETENTION_DAYS = int(os.environ.get("TREMPLIN_SCHOOLS_TEACHER_RETENTION_DAYS", "60"))
#: The reminder goes this long before the visit.
REMINDER_BEFORE = timedelta(days=2)
MAX_ADULTS = 10
EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@"  # the local part, then labels of letters, digits and hyphens
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
CODE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


def N_(message: str) -> str:
    """Mark a message for the web catalogs; it is translated where it is shown."""
    return message


#: Each status and each type of education by its label (catalog messages), as the coordinator's pages
#: (``schools/_macros.html``) and the export show them.
STATUS_LABELS = {
    "requested": N_("Requested"),
    "confirmed": N_("Confirmed"),
    "waitlisted": N_("Waiting list"),
    "reminded": N_("Reminded"),
    "done": N_("Done"),
    "no_show": N_("Did not come"),
    "cancelled": N_("Cancelled"),
}
EDUCATION_LABELS = {
    "general": N_("General"),
    "technical_transition": N_("Technical (transition)"),
    "technical_qualification": N_("Technical (qualification)"),
    "vocational": N_("Vocational"),
    "special": N_("Special needs education"),
}


class BookingError(ValueError):
    """A request that cannot be accepted: ``errors`` maps a field to an English message id.

    ``values`` fills the message's ``%(name)s`` placeholders once it is translated.
    """

    def __init__(self, errors: Mapping[str, str], values: Mapping[str, Any] | None = None, status: int = 422) -> None:
        self.errors = dict(errors)
        self.values = dict(values or {})
        self.status = status
        super().__init__("; ".join(f"{k}: {v % self.values if self.values else v}" for k, v in self.errors.items()))


SLOT_GONE = N_("This slot no longer exists: it was removed while you were booking. Choose another one.")
SLOT_PAST = N_("This slot has already taken place. Choose a date to come.")
TOO_MANY = N_("This slot holds at most %(max)s pupils. Book two slots, or come with fewer pupils.")
WRONG_YEAR = N_("This workshop is not given for this school year.")
BAD_EMAIL = N_("Enter a valid e-mail address, such as name@school.be.")


# ------------------------------------------------------------------------------------------------
# The offer


def workshop_errors(values: Mapping[str, Any]) -> dict[str, str]:
    """What is wrong with a workshop's values (the offer page and the API share this)."""
    errors: dict[str, str] = {}
    if not CODE.match(str(values.get("code") or "")):
        errors["code"] = N_("A code has letters, digits, _ and -, such as explorama.")
    if not str(values.get("name_fr") or values.get("name_en") or "").strip():
        errors["name_fr"] = N_("Give the workshop a name.")
    langs = list(values.get("languages") or [])
    if not langs or any(lang not in LANGUAGES for lang in langs):
        errors["languages"] = N_("Choose at least one language.")
    years = list(values.get("school_years") or [])
    if not years or any(y not in YEAR_CODES for y in years):
        errors["school_years"] = N_("Choose at least one school year.")
    try:
        lo, hi, minutes = (
            int(values.get("min_pupils") or 0),
            int(values.get("max_pupils") or 0),
            int(values.get("duration_minutes") or 0),
        )
    except (TypeError, ValueError):
        errors["max_pupils"] = N_("Enter whole numbers.")
    else:
        if not 1 <= lo <= hi <= 500:
            errors["max_pupils"] = N_("The minimum and maximum of pupils go from 1 to 500, the minimum first.")
        if not 15 <= minutes <= 600:
            errors["duration_minutes"] = N_("A workshop lasts from 15 minutes to 10 hours.")
    if values.get("place") not in ("at_centre", "at_school"):
        errors["place"] = N_("Say where the workshop takes place.")
    return errors


def save_workshop(
    session: Session, centre_id: int, values: Mapping[str, Any], workshop: SchoolWorkshop | None = None
) -> SchoolWorkshop:
    errors = workshop_errors(values)
    if not errors:
        clash = session.scalar(
            select(SchoolWorkshop.id).where(
                SchoolWorkshop.centre_id == centre_id, SchoolWorkshop.code == values["code"]
            )
        )
        if clash is not None and (workshop is None or clash != workshop.id):
            errors["code"] = N_("Another workshop already has this code.")
    if errors:
        raise BookingError(errors)
    workshop = workshop or SchoolWorkshop(centre_id=centre_id)
    workshop.code = str(values["code"])
    for lang in LANGUAGES:
        setattr(workshop, f"name_{lang}", str(values.get(f"name_{lang}") or "").strip()[:120])
        setattr(workshop, f"description_{lang}", str(values.get(f"description_{lang}") or "").strip()[:2000])
    workshop.duration_minutes = int(values["duration_minutes"])
    workshop.languages = [lang for lang in LANGUAGES if lang in values["languages"]]
    workshop.school_years = [y for y in YEAR_CODES if y in values["school_years"]]
    workshop.min_pupils, workshop.max_pupils = int(values["min_pupils"]), int(values["max_pupils"])
    workshop.place = str(values["place"])
    workshop.active = bool(values.get("active", True))
    session.add(workshop)
    session.flush()
    return workshop


@dataclass(frozen=True)
class SlotSpec:
    """A slot to open: when, where, how many classes and pupils, in which languages."""

    workshop_id: int
    day: date
    start: time
    room: str = ""
    at_school: bool = False
    capacity_classes: int = 1
    capacity_pupils: int = 30
    languages: tuple[str, ...] = ("fr",)


def _centre_tz(app: App, session: Session, centre_id: int) -> ZoneInfo:
    return app.timezone_of(session, centre_id)


def slot_errors(
    session: Session, centre_id: int, spec: SlotSpec, today: date
) -> tuple[dict[str, str], SchoolWorkshop | None]:
    errors: dict[str, str] = {}
    workshop = session.get(SchoolWorkshop, spec.workshop_id)
    if workshop is None or workshop.centre_id != centre_id:
        return {"workshop": N_("Choose a workshop of the offer.")}, None
    if spec.day < today:
        errors["day"] = N_("A slot cannot be opened in the past.")
    if not 1 <= spec.capacity_classes <= 20:
        errors["capacity_classes"] = N_("A slot holds from 1 to 20 classes.")
    if not 1 <= spec.capacity_pupils <= 1000:
        errors["capacity_pupils"] = N_("A slot holds from 1 to 1000 pupils.")
    if not spec.languages or any(lang not in workshop.languages for lang in spec.languages):
        errors["languages"] = N_("Choose languages the workshop is given in.")
    if not spec.at_school and not spec.room.strip():
        errors["room"] = N_("Name the room, or say the workshop takes place at the school.")
    return errors, workshop


def open_slot(
    app: App, session: Session, centre_id: int, spec: SlotSpec, series: str = "", today: date | None = None
) -> SchoolSlot:
    tz = _centre_tz(app, session, centre_id)
    today = today or datetime.now(tz).date()
    errors, workshop = slot_errors(session, centre_id, spec, today)
    if errors:
        raise BookingError(errors)
    assert workshop is not None
    starts = datetime.combine(spec.day, spec.start, tzinfo=tz)
    slot = SchoolSlot(
        centre_id=centre_id,
        workshop_id=workshop.id,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=workshop.duration_minutes),
        day=spec.day,
        room="" if spec.at_school else spec.room.strip()[:80],
        at_school=spec.at_school,
        capacity_classes=spec.capacity_classes,
        capacity_pupils=spec.capacity_pupils,
        languages=list(spec.languages),
        series=series,
    )
    session.add(slot)
    session.flush()
    return slot


def load_shipped_holidays(session: Session, centre_id: int) -> int:
    """Copy the shipped calendar (``school_holidays.json``) for a centre that has none yet."""
    import json
    from pathlib import Path

    if session.scalar(select(SchoolHoliday.id).where(SchoolHoliday.centre_id == centre_id).limit(1)) is not None:
        return 0
    data = json.loads(Path(__file__).with_name("school_holidays.json").read_text(encoding="utf-8"))
    count = 0
    for community, periods in data["communities"].items():
        for item in periods:
            session.add(
                SchoolHoliday(
                    centre_id=centre_id,
                    community=community,
                    starts_on=date.fromisoformat(item["from"]),
                    ends_on=date.fromisoformat(item["to"]),
                    label=item["label"],
                )
            )
            count += 1
    session.flush()
    return count


def closed_days(
    session: Session, centre_id: int, start: date, end: date, communities: Iterable[str] = ("fr", "nl")
) -> set[date]:
    """Days between ``start`` and ``end`` that are a school holiday of one of ``communities`` or a
    closure of the whole centre."""
    load_shipped_holidays(session, centre_id)
    periods: list[tuple[date, date]] = list(
        session.execute(
            select(SchoolHoliday.starts_on, SchoolHoliday.ends_on).where(
                SchoolHoliday.centre_id == centre_id,
                SchoolHoliday.community.in_(list(communities)),
                SchoolHoliday.ends_on >= start,
                SchoolHoliday.starts_on <= end,
            )
        ).tuples()
    )
    periods += list(
        session.execute(
            select(ClosurePeriod.starts_on, ClosurePeriod.ends_on).where(
                ClosurePeriod.centre_id == centre_id,
                ClosurePeriod.scope == "all",
                ClosurePeriod.ends_on >= start,
                ClosurePeriod.starts_on <= end,
            )
        ).tuples()
    )
    days: set[date] = set()
    for lo, hi in periods:
        day = max(lo, start)
        while day <= min(hi, end):
            days.add(day)
            day += timedelta(days=1)
    return days


def open_recurring(
    app: App,
    session: Session,
    centre_id: int,
    spec: SlotSpec,
    until: date,
    weekdays: Iterable[int],
    communities: Iterable[str] = ("fr", "nl"),
    today: date | None = None,
) -> tuple[list[SchoolSlot], list[date]]:
    """Slots on ``weekdays`` (0 = Monday) from ``spec.day`` to ``until``, skipping school holidays and
    the centre's closures. Returns the slots made and the days skipped."""
    wanted = set(weekdays)
    if not wanted or not wanted <= set(range(7)):
        raise BookingError({"weekdays": N_("Choose at least one day of the week.")})
    if until < spec.day or (until - spec.day).days > 400:
        raise BookingError({"until": N_("The last day comes after the first, within a school year.")})
    skip = closed_days(session, centre_id, spec.day, until, communities)
    series = secrets.token_hex(6)
    made: list[SchoolSlot] = []
    skipped: list[date] = []
    day = spec.day
    while day <= until:
        if day.weekday() in wanted:
            if day in skip:
                skipped.append(day)
            else:
                made.append(
                    open_slot(
                        app, session, centre_id, SlotSpec(**{**spec.__dict__, "day": day}), series=series, today=today
                    )
                )
        day += timedelta(days=1)
    return made, skipped


def delete_slot(app: App, session: Session, slot: SchoolSlot, staff: Staff | None = None) -> int:
    """Remove a slot: its open bookings are cancelled (and told). Returns how many were."""
    locked = lock_slot(session, slot.id)
    if locked is None:
        return 0
    cancelled = 0
    for booking in session.scalars(
        select(SchoolBooking).where(SchoolBooking.slot_id == slot.id, SchoolBooking.status.in_(OPEN))
    ):
        _set_status(booking, "cancelled", staff.username if staff else "system", reason="slot removed")
        booking.ics_sequence += 1
        _mail(app, session, booking, "cancelled", slot=locked)
        cancelled += 1
    session.flush()
    session.delete(locked)
    session.flush()
    return cancelled


# ------------------------------------------------------------------------------------------------
# Booking


def lock_slot(session: Session, slot_id: int) -> SchoolSlot | None:
    """Take the slot's write lock (see the module's docstring) and read it; ``None`` if it is gone."""
    taken = cast(
        "CursorResult[Any]",
        session.execute(update(SchoolSlot).where(SchoolSlot.id == slot_id).values(version=SchoolSlot.version + 1)),
    ).rowcount
    if not taken:
        return None
    return session.get(SchoolSlot, slot_id, populate_existing=True)


@dataclass
class BookingRequest:
    """What the form (or the API) sends. Strings as typed; ``validate`` says what is wrong."""

    slot_id: int
    school_id: int | None
    new_school: str
    teacher_name: str
    teacher_email: str
    school_year: str
    education_type: str
    pupils: Any
    adults: Any
    language: str
    teacher_language: str = "fr"
    needs_accessibility: bool = False
    needs_interpreter: bool = False
    idempotency_key: str = ""


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _check(
    app: App, session: Session, req: BookingRequest, slot: SchoolSlot, now: datetime
) -> tuple[dict[str, str], dict[str, Any]]:
    """Errors of a request against its slot (which is locked), and the values for their messages."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    workshop = slot.workshop
    if slot.starts_at <= now:
        errors["slot"] = SLOT_PAST
    if req.school_year not in YEAR_CODES:
        errors["school_year"] = N_("Choose the class's school year.")
    elif req.school_year not in workshop.school_years:
        errors["school_year"] = WRONG_YEAR
    if req.education_type not in EDUCATION_CODES:
        errors["education_type"] = N_("Choose the type of education.")
    pupils = _int(req.pupils)
    if pupils is None or pupils < 1:
        errors["pupils"] = N_("Enter the number of pupils.")
    elif pupils > slot.capacity_pupils:
        errors["pupils"], values["max"] = TOO_MANY, slot.capacity_pupils
    elif pupils > workshop.max_pupils or pupils < workshop.min_pupils:
        errors["pupils"], values["min"], values["max"] = (
            N_("This workshop takes from %(min)s to %(max)s pupils."),
            workshop.min_pupils,
            workshop.max_pupils,
        )
    adults = _int(req.adults)
    if adults is None or not 0 <= adults <= MAX_ADULTS:
        errors["adults"] = N_("Enter the number of accompanying adults, from 0 to 10.")
    if req.language not in slot.languages:
        errors["language"] = N_("This slot is not given in this language.")
    name = req.teacher_name.strip()
    if not 2 <= len(name) <= 120:
        errors["teacher_name"] = N_("Enter your name, as the school knows you.")
    email = req.teacher_email.strip()
    if len(email) > 254 or not EMAIL.match(email):
        errors["teacher_email"] = BAD_EMAIL
    if req.school_id is not None:
        school = session.get(Partner, req.school_id)
        if school is None or school.centre_id != slot.centre_id or school.kind != "school" or not school.active:
            errors["school"] = N_("Choose your school in the list, or type its name.")
    elif not 3 <= len(req.new_school.strip()) <= 120:
        errors["school"] = N_("Choose your school in the list, or type its name.")
    return errors, values


def _school(app: App, session: Session, centre_id: int, req: BookingRequest) -> Partner:
    """The school of the request: from the list, or a new school whose name is scrubbed first (a
    school is named after a person sometimes; a teacher may type their own name by mistake)."""
    if req.school_id is not None:
        school = session.get(Partner, req.school_id)
        assert school is not None
        return school
    name = app.scrub(req.new_school.strip()).text.strip()[:120] or "?"
    same = session.scalar(
        select(Partner).where(Partner.centre_id == centre_id, Partner.kind == "school", Partner.name == name)
    )
    if same is not None:
        return same
    code = "school-" + secrets.token_hex(4)
    school = Partner(centre_id=centre_id, code=code, name=name, kind="school", active=True)
    session.add(school)
    session.flush()
    return school


def _holds(slot: SchoolSlot, pupils: int) -> bool:
    return slot.booked_classes + 1 <= slot.capacity_classes and slot.booked_pupils + pupils <= slot.capacity_pupils


def _take(slot: SchoolSlot, pupils: int, sign: int = 1) -> None:
    slot.booked_classes += sign
    slot.booked_pupils += sign * pupils


def _set_status(booking: SchoolBooking, status: str, actor: str, **details: Any) -> None:
    old = booking.status
    booking.status = status
    booking.updated_at = datetime.now(UTC)
    booking.history.append(SchoolBookingEvent(from_status=old, to_status=status, actor=actor[:80], details=details))


def _holding_status(booking: SchoolBooking) -> str:
    """An interpreter needs arranging: such a booking holds its place but waits for the coordinator."""
    return "requested" if booking.needs_interpreter else "confirmed"


def book(
    app: App, session: Session, req: BookingRequest, now: datetime | None = None, actor: str = "school"
) -> SchoolBooking:
    """Book ``req.slot_id`` for a class: confirmed (or requested) if it fits, waitlisted otherwise.

    The same ``idempotency_key`` books once: sent again, the first booking is returned. Raises
    ``BookingError`` (nothing written) for a request the slot cannot take.
    """
    now = now or datetime.now(UTC)
    key = (req.idempotency_key or secrets.token_urlsafe(16))[:64]
    slot = lock_slot(session, req.slot_id)
    existing = session.scalar(select(SchoolBooking).where(SchoolBooking.idempotency_key == key))
    if existing is not None:
        return existing
    if slot is None or not slot.workshop.active:
        raise BookingError({"slot": SLOT_GONE}, status=409)
    errors, values = _check(app, session, req, slot, now)
    if errors:
        raise BookingError(errors, values)
    pupils = int(req.pupils)
    school = _school(app, session, slot.centre_id, req)
    booking = SchoolBooking(
        centre_id=slot.centre_id,
        slot_id=slot.id,
        workshop_id=slot.workshop_id,
        school_id=school.id,
        status="new",
        school_year=req.school_year,
        education_type=req.education_type,
        pupils=pupils,
        adults=int(req.adults),
        needs_accessibility=bool(req.needs_accessibility),
        needs_interpreter=bool(req.needs_interpreter),
        language=req.language,
        teacher_name=req.teacher_name.strip()[:120],
        teacher_email=req.teacher_email.strip()[:320],
        teacher_language=req.teacher_language if req.teacher_language in LANGUAGES else "fr",
        idempotency_key=key,
        erase_after=slot.day + timedelta(days=TEACHER_RETENTION_DAYS),
        day=slot.day,
        at_school=slot.at_school,
        workshop_code=slot.workshop.code,
        created_at=now,
        updated_at=now,
    )
    booking.history.append(SchoolBookingEvent(from_status=None, to_status="requested", actor=actor, details={}))
    booking.status = "requested"
    if _holds(slot, pupils):
        _take(slot, pupils)
        status = _holding_status(booking)
        if status != "requested":
            _set_status(booking, status, actor)
    else:
        _set_status(booking, "waitlisted", actor)
    session.add(booking)
    session.flush()
    _mail(app, session, booking, booking.status, slot=slot)
    return booking


def confirm(app: App, session: Session, booking: SchoolBooking, staff: Staff | None = None) -> SchoolBooking:
    """The coordinator confirms a request (an interpreter is arranged)."""
    if booking.status != "requested":
        raise BookingError({"status": N_("Only a request can be confirmed.")}, status=409)
    _set_status(booking, "confirmed", staff.username if staff else "system")
    session.flush()
    _mail(app, session, booking, "confirmed")
    return booking


def promote(app: App, session: Session, slot: SchoolSlot, actor: str = "system") -> list[SchoolBooking]:
    """Give the slot's free places to the waiting list, first come first served among the classes
    that fit. The slot must be locked."""
    promoted = []
    waiting = session.scalars(
        select(SchoolBooking)
        .where(SchoolBooking.slot_id == slot.id, SchoolBooking.status == "waitlisted")
        .order_by(SchoolBooking.created_at, SchoolBooking.id)
    ).all()
    for booking in waiting:
        if slot.free_classes == 0:
            break
        if _holds(slot, booking.pupils):
            _take(slot, booking.pupils)
            _set_status(booking, _holding_status(booking), actor, promoted=True)
            session.flush()
            _mail(app, session, booking, "promoted", slot=slot)
            promoted.append(booking)
    return promoted


def cancel(
    app: App, session: Session, booking: SchoolBooking, actor: str = "school", reason: str = ""
) -> list[SchoolBooking]:
    """Cancel a booking; its place goes to the waiting list. Returns the bookings promoted."""
    if booking.status not in OPEN:
        raise BookingError({"status": N_("This booking can no longer be cancelled.")}, status=409)
    slot = lock_slot(session, booking.slot_id) if booking.slot_id is not None else None
    session.refresh(booking)
    if booking.status not in OPEN:  # cancelled meanwhile, by the other side
        raise BookingError({"status": N_("This booking can no longer be cancelled.")}, status=409)
    held = booking.status in HOLDING
    _set_status(booking, "cancelled", actor, reason=reason[:200])
    booking.ics_sequence += 1
    session.flush()
    _mail(app, session, booking, "cancelled", slot=slot)
    if slot is None or not held:
        return []
    _take(slot, booking.pupils, -1)
    return promote(app, session, slot, actor="system")


def move(
    app: App,
    session: Session,
    booking: SchoolBooking,
    new_slot_id: int,
    staff: Staff | None = None,
    now: datetime | None = None,
) -> SchoolBooking:
    """Move a booking to another slot of the same workshop; the invitation is updated (same UID,
    next SEQUENCE) and the old slot's place goes to its waiting list."""
    now = now or datetime.now(UTC)
    actor = staff.username if staff else "system"
    if booking.status not in OPEN or booking.slot_id == new_slot_id:
        raise BookingError({"slot": N_("This booking cannot be moved there.")}, status=409)
    # Lock both slots in id order: two moves in opposite directions never wait for each other.
    ids = sorted({new_slot_id} | ({booking.slot_id} if booking.slot_id is not None else set()))
    locked = {i: lock_slot(session, i) for i in ids}
    target = locked.get(new_slot_id)
    if target is None:
        raise BookingError({"slot": SLOT_GONE}, status=409)
    if target.workshop_id != booking.workshop_id:
        raise BookingError({"slot": N_("Choose a slot of the same workshop.")})
    if target.starts_at <= now:
        raise BookingError({"slot": SLOT_PAST})
    if booking.language not in target.languages:
        raise BookingError({"slot": N_("This slot is not given in this language.")})
    if not _holds(target, booking.pupils):
        raise BookingError({"slot": N_("This slot has no room left for this class.")}, status=409)
    old = locked.get(booking.slot_id) if booking.slot_id is not None else None
    held = booking.status in HOLDING
    if old is not None and held:
        _take(old, booking.pupils, -1)
    _take(target, booking.pupils)
    booking.slot_id = target.id
    booking.slot = target
    booking.day, booking.at_school = target.day, target.at_school
    booking.erase_after = target.day + timedelta(days=TEACHER_RETENTION_DAYS)
    booking.ics_sequence += 1
    booking.reminded_at = None
    _set_status(
        booking,
        booking.status if held and booking.status != "reminded" else _holding_status(booking),
        actor,
        moved_from=old.id if old else None,
        moved_to=target.id,
    )
    session.flush()
    _mail(app, session, booking, "moved", slot=target)
    if old is not None and held:
        promote(app, session, old)
    return booking


def record_attendance(
    app: App,
    session: Session,
    booking: SchoolBooking,
    pupils_came: int,
    staff: Staff | None = None,
    confirmed: bool = False,
) -> SchoolBooking:
    """After the visit: the pupils who came. The visit becomes a group activity with that headcount,
    through the core's activity path (counters, events, audit), so it is counted once, from here.

    The core's rules apply as to any activity: far more pupils than booked is a question (a ``RecordError``
    whose problem is a question) until the person ``confirmed`` the number."""
    from tremplin import log_activity, record_participants
    from tremplin.core.models import Activity

    if booking.status not in HOLDING + ("done", "no_show"):
        raise BookingError({"status": N_("Only a booked visit can have its pupils entered.")}, status=409)
    if not 0 <= pupils_came <= 1000:
        raise BookingError({"pupils_came": N_("Enter the number of pupils who came, from 0 to 1000.")})
    slot = booking.slot
    if slot is None:
        raise BookingError({"slot": SLOT_GONE}, status=409)
    starts = slot.starts_at if slot.starts_at.tzinfo else slot.starts_at.replace(tzinfo=UTC)
    if pupils_came > 0 and starts > datetime.now(UTC):
        # The core's rule for every activity: participants once it has taken place.
        raise BookingError({"pupils_came": N_("The pupils who came are entered once the visit has begun.")}, status=409)
    actor = staff.username if staff else "system"
    booking.pupils_came = pupils_came
    new_status = "done" if pupils_came > 0 else "no_show"
    if booking.status != new_status:
        _set_status(booking, new_status, actor, pupils_came=pupils_came)
    activity = session.get(Activity, booking.activity_id) if booking.activity_id else None
    if new_status == "no_show":
        if activity is not None:  # entered as came, then corrected: the visit did not happen
            session.delete(activity)
            booking.activity_id = None
        session.flush()
        return booking
    if activity is not None:
        record_participants(app, session, activity, pupils_came, staff=staff, confirmed=confirmed)
        return booking
    centre = session.get(Centre, booking.centre_id)
    school = session.get(Partner, booking.school_id) if booking.school_id else None
    workshop = booking.workshop
    activity = log_activity(
        app,
        session,
        {
            "centre": centre.code if centre else "",
            "starts_at": slot.starts_at,
            "audience": AUDIENCE,
            "title": workshop.name.get("fr"),
            "workshop": workshop.code,
            "format": "face_to_face",
            "capacity": slot.capacity_pupils,
            "registered": booking.pupils,
            "participants": pupils_came,
            "language": booking.language,
        },
        {
            "school": (school.name if school else "")[:120] or None,
            "education_type": booking.education_type,
            "year": booking.school_year,
            "place": "at_school" if slot.at_school else "at_centre",
        },
        staff=staff,
        confirmed=confirmed,
    )
    activity.source_ref = f"schools.booking:{booking.id}"
    booking.activity_id = activity.id
    session.flush()
    return booking


# ------------------------------------------------------------------------------------------------
# Flows' work: reminders and the erasure of the teachers' data


def send_reminders(app: App, session: Session, now: datetime | None = None) -> int:
    """Remind the confirmed bookings whose visit is within ``REMINDER_BEFORE``; each once."""
    now = now or datetime.now(UTC)
    due = session.scalars(
        select(SchoolBooking)
        .join(SchoolSlot, SchoolSlot.id == SchoolBooking.slot_id)
        .where(
            SchoolBooking.status == "confirmed",
            SchoolSlot.starts_at > now,
            SchoolSlot.starts_at <= now + REMINDER_BEFORE,
        )
        .order_by(SchoolBooking.id)
    ).all()
    for booking in due:
        booking.reminded_at = now
        _set_status(booking, "reminded", "system")
        session.flush()
        _mail(app, session, booking, "reminder")
    return len(due)


def erase_teacher_data(app: App, session: Session, today: date) -> int:
    """Erase the teacher's name and e-mail of bookings whose follow-up is over, and the e-mails sent
    about them. Returns how many bookings were erased."""
    from sqlalchemy import delete

    due = session.scalars(
        select(SchoolBooking).where(SchoolBooking.erased_at.is_(None), SchoolBooking.erase_after < today)
    ).all()
    now = datetime.now(UTC)
    for booking in due:
        booking.teacher_name = None
        booking.teacher_email = None
        booking.erased_at = now
        session.execute(delete(OutboxMessage).where(OutboxMessage.subject_ref == f"schools.booking:{booking.id}"))
    session.flush()
    return len(due)


# ------------------------------------------------------------------------------------------------
# The links and e-mails


def cancel_token(app: App, booking: SchoolBooking) -> str:
    """The signed token of the booking's cancellation link (it names the booking and a secret of it)."""
    from itsdangerous import URLSafeSerializer

    return URLSafeSerializer(app.settings.secret_key, salt="schools.cancel").dumps(
        [booking.id, booking.idempotency_key[:12]]
    )


def booking_for_token(session: Session, app: App, token: str) -> SchoolBooking | None:
    """The booking a cancellation link names; ``None`` for a tampered or unknown link."""
    from itsdangerous import BadSignature, URLSafeSerializer

    try:
        booking_id, secret = URLSafeSerializer(app.settings.secret_key, salt="schools.cancel").loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    booking = session.get(SchoolBooking, booking_id) if isinstance(booking_id, int) else None
    if booking is None or booking.idempotency_key[:12] != secret:
        return None
    return booking


def ics(
    app: App, session: Session, booking: SchoolBooking, slot: SchoolSlot | None = None, cancelled: bool = False
) -> bytes:
    """The booking's calendar invitation (RFC 5545): one UID for its whole life, SEQUENCE bumped by
    every move or cancellation, ``METHOD:CANCEL`` once cancelled."""
    from icalendar import Calendar, Event, vCalAddress, vText

    slot = slot or booking.slot
    lang = booking.teacher_language
    cal = Calendar()
    cal.add("prodid", "-//Tremplin//schools//EN")
    cal.add("version", "2.0")
    cal.add("method", "CANCEL" if cancelled else "REQUEST")
    event = Event()
    host = app.settings.public_base_url.split("//")[-1].split("/")[0].split(":")[0] or "localhost"
    event.add("uid", f"schools-booking-{booking.id}@{host}")
    event.add("sequence", booking.ics_sequence)
    event.add("dtstamp", datetime.now(UTC))
    if slot is not None:
        event.add("dtstart", slot.starts_at)
        event.add("dtend", slot.ends_at)
        centre = session.get(Centre, slot.centre_id)
        event.add(
            "location",
            vText(
                _at_school_words(lang)
                if slot.at_school
                else f"{slot.room}, {centre.name if centre else ''}".strip(", ")
            ),
        )
    event.add("summary", booking.workshop.name.get(lang))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    organizer = vCalAddress("mailto:" + _address(app.settings.mail_from))
    event.add("organizer", organizer)
    if booking.teacher_email:
        event.add("attendee", vCalAddress("mailto:" + booking.teacher_email))
    cal.add_component(event)
    return cal.to_ical()


def format_when(moment: datetime, lang: str, tz: str | ZoneInfo) -> str:
    """``mardi 8 décembre 2026, 09:30``: the day and hour of a visit in the reader's language."""
    from babel.dates import format_datetime

    from tremplin.core.web.i18n import BABEL_LOCALES

    zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
    return format_datetime(moment.astimezone(zone), "EEEE d MMMM y, HH:mm", locale=BABEL_LOCALES.get(lang, "fr_BE"))


def _address(sender: str) -> str:
    from email.utils import parseaddr

    return parseaddr(sender)[1] or "no-reply@localhost"


def _at_school_words(lang: str) -> str:
    return {"fr": "À l'école", "nl": "Op school", "en": "At the school", "uk": "У школі"}.get(lang, "At the school")


def add_mail_templates() -> None:
    """Put the plugin's e-mail templates (``templates/mail``) where ``tremplin.core.mail`` looks."""
    from pathlib import Path

    import tremplin.core.mail as mail

    folder = Path(__file__).with_name("templates") / "mail"
    if folder not in mail.template_dirs:
        mail.template_dirs.append(folder)


def _mail(app: App, session: Session, booking: SchoolBooking, kind: str, slot: SchoolSlot | None = None) -> None:
    """Queue the teacher's e-mail about ``kind`` (confirmed, requested, waitlisted, promoted, moved,
    cancelled, reminder), with the invitation where the visit is on or off."""
    from tremplin.core.mail import Attachment, enqueue

    if not booking.teacher_email:
        return
    add_mail_templates()
    slot = slot or booking.slot
    lang = booking.teacher_language
    centre = session.get(Centre, booking.centre_id)
    tz = centre.timezone if centre and centre.timezone else app.settings.timezone
    attachments = []
    if kind in ("confirmed", "promoted", "moved", "cancelled", "reminder"):
        data = ics(app, session, booking, slot, cancelled=kind == "cancelled")
        method = "CANCEL" if kind == "cancelled" else "REQUEST"
        attachments.append(Attachment("invitation.ics", f"text/calendar; method={method}", data))
    base = app.settings.public_base_url.rstrip("/")
    context = {
        "kind": kind,
        "workshop": booking.workshop.name.get(lang),
        "when": format_when(slot.starts_at, lang, tz) if slot else "",
        "where": (_at_school_words(lang) if slot.at_school else slot.room) if slot else "",
        "centre": centre.name if centre else "",
        "pupils": booking.pupils,
        "teacher": booking.teacher_name or "",
        "reference": f"{booking.id:05d}",
        "cancel_url": f"{base}/book/cancel?t={cancel_token(app, booking)}",
        "status": booking.status,
    }
    # One message per change: the key names the booking, what happened and the invitation's sequence.
    step = sum(1 for e in booking.history if e.to_status == booking.status)
    key = f"schools.booking:{booking.id}:{kind}:{booking.ics_sequence}:{step}"
    enqueue(
        session,
        key=key,
        to=booking.teacher_email,
        template="schools/booking",
        lang=lang,
        context=context,
        attachments=attachments,
        centre_id=booking.centre_id,
        audience=AUDIENCE,
        subject_ref=f"schools.booking:{booking.id}",
    )
