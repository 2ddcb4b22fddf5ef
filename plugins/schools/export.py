"""The bookings of a period (a term, a year from September to August), of every school year or of one,
as CSV or XLSX: what was booked, by whom (the school), and what became of it; and the same bookings
counted by school year for the coordinator's page.

The teacher's name and e-mail are never in it: they are contact details kept for the visit only.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tremplin.core.models import Partner
from tremplin.plugins.schools.models import SchoolBooking, SchoolSlot

if TYPE_CHECKING:
    from tremplin.core.app import App

COLUMNS = (
    "reference",
    "day",
    "time",
    "workshop",
    "place",
    "room",
    "school",
    "school_year",
    "education_type",
    "language",
    "pupils",
    "adults",
    "accessibility",
    "interpreter",
    "status",
    "pupils_came",
    "booked_on",
)


#: The statuses counted apart by school year, in the order the page shows them.
STATUS_COLUMNS = ("open", "waitlisted", "done", "no_show", "cancelled")


def academic_year(day: date) -> tuple[date, date]:
    """The school year ``day`` falls in, from 1 September to 31 August."""
    first = day.year if day.month >= 9 else day.year - 1
    return date(first, 9, 1), date(first + 1, 8, 31)


def _bookings(session: Session, centre_id: int, start: date, end: date, year: str | None = None) -> Any:
    """The bookings whose visit falls in [start, end] (their day stays when their slot is deleted)."""
    stmt = (
        select(SchoolBooking, SchoolSlot)
        .join(SchoolSlot, SchoolSlot.id == SchoolBooking.slot_id, isouter=True)
        .where(SchoolBooking.centre_id == centre_id, SchoolBooking.day >= start, SchoolBooking.day <= end)
        .order_by(SchoolBooking.day, SchoolSlot.starts_at, SchoolBooking.id)
    )
    if year:
        stmt = stmt.where(SchoolBooking.school_year == year)
    return session.execute(stmt).all()


def by_school_year(session: Session, centre_id: int, start: date, end: date) -> dict[str, dict[str, int]]:
    """Per school year (``"1"`` to ``"7"``, and ``"*"`` for all): bookings, each status group, pupils booked
    and pupils who came. ``open`` holds the requested, confirmed and reminded bookings."""
    from tremplin.plugins.schools.booking import HOLDING, YEAR_CODES

    empty = {"bookings": 0, "pupils": 0, "pupils_came": 0, **dict.fromkeys(STATUS_COLUMNS, 0)}
    table = {year: dict(empty) for year in (*YEAR_CODES, "*")}
    for booking, _slot in _bookings(session, centre_id, start, end):
        group = "open" if booking.status in HOLDING else booking.status
        for key in (booking.school_year, "*"):
            row = table.setdefault(key, dict(empty))
            row["bookings"] += 1
            row[group] = row.get(group, 0) + 1
            row["pupils"] += booking.pupils
            row["pupils_came"] += booking.pupils_came or 0
    return table


def rows(
    app: App, session: Session, centre_id: int, start: date, end: date, year: str | None = None
) -> list[dict[str, Any]]:
    tz = app.timezone_of(session, centre_id)
    schools = dict(
        session.execute(
            select(Partner.id, Partner.name).where(Partner.centre_id == centre_id, Partner.kind == "school")
        )
        .tuples()
        .all()
    )
    out = []
    for booking, slot in _bookings(session, centre_id, start, end, year):
        out.append(
            {
                "reference": f"{booking.id:05d}",
                "day": booking.day.isoformat() if booking.day else "",
                "time": slot.starts_at.astimezone(tz).strftime("%H:%M") if slot else "",
                "workshop": booking.workshop.code,
                "place": "at_school" if booking.at_school else "at_centre",
                "room": slot.room if slot else "",
                "school": schools.get(booking.school_id or 0, ""),
                "school_year": booking.school_year,
                "education_type": booking.education_type,
                "language": booking.language,
                "pupils": booking.pupils,
                "adults": booking.adults,
                "accessibility": "yes" if booking.needs_accessibility else "no",
                "interpreter": "yes" if booking.needs_interpreter else "no",
                "status": booking.status,
                "pupils_came": "" if booking.pupils_came is None else booking.pupils_came,
                "booked_on": booking.created_at.astimezone(tz).date().isoformat(),
            }
        )
    return out


def export_bookings(
    app: App, session: Session, centre_id: int, start: date, end: date, fmt: str, lang: str, year: str | None = None
) -> tuple[bytes, str]:
    """The file's bytes and media type (the bookings of one school year only, with ``year``). Column keys
    are stable (they are the CSV header)."""
    data = rows(app, session, centre_id, start, end, year)
    # The shared writers: a school's name typed on the public page is never read as a formula.
    from tremplin.core.reports.export import neutralise, write_table_xlsx

    if fmt == "xlsx":
        buffer = io.BytesIO()
        write_table_xlsx(COLUMNS, ([row[c] for c in COLUMNS] for row in data), buffer, title="bookings")
        return buffer.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: neutralise(v) if isinstance(v, str) else v for k, v in row.items()} for row in data)
    return text.getvalue().encode("utf-8"), "text/csv; charset=utf-8"
