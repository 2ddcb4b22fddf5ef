"""The term's bookings as CSV or XLSX: what was booked, by whom (the school), and what became of it.

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


def rows(app: App, session: Session, centre_id: int, start: date, end: date) -> list[dict[str, Any]]:
    tz = app.timezone_of(session, centre_id)
    schools = dict(
        session.execute(
            select(Partner.id, Partner.name).where(Partner.centre_id == centre_id, Partner.kind == "school")
        ).all()
    )
    found = session.execute(
        select(SchoolBooking, SchoolSlot)
        .join(SchoolSlot, SchoolSlot.id == SchoolBooking.slot_id, isouter=True)
        .where(SchoolBooking.centre_id == centre_id)
        .order_by(SchoolSlot.starts_at, SchoolBooking.id)
    ).all()
    out = []
    for booking, slot in found:
        if slot is not None and not start <= slot.day <= end:
            continue
        if slot is None and not start <= booking.created_at.astimezone(tz).date() <= end:
            continue
        out.append(
            {
                "reference": f"{booking.id:05d}",
                "day": slot.day.isoformat() if slot else "",
                "time": slot.starts_at.astimezone(tz).strftime("%H:%M") if slot else "",
                "workshop": booking.workshop.code,
                "place": ("at_school" if slot.at_school else "at_centre") if slot else "",
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
    app: App, session: Session, centre_id: int, start: date, end: date, fmt: str, lang: str
) -> tuple[bytes, str]:
    """The file's bytes and media type. Column keys are stable (they are the CSV header)."""
    data = rows(app, session, centre_id, start, end)
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
