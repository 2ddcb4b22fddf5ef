"""The bookings of a period (a term, a year from September to August), of every school year or of one,
as CSV or XLSX: what was booked, by whom (the school), and what became of it; and the same bookings
counted by school year for the coordinator's page.

The teacher's name and e-mail are never in it: they are contact details kept for the visit only.
"""

from __future__ import annotations

import io
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tremplin import T, Text
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


#: The heading of each column in the reader's language, as the core's list exports head theirs
#: (``tremplin.core.web.routes.exports.COLUMN_LABELS``, whose words the shared columns take).
COLUMN_LABELS: dict[str, Text] = {
    "reference": T("Booking", fr="Réservation", nl="Reservering", uk="Бронювання"),
    "time": T("Time", fr="Heure", nl="Uur", uk="Час"),
    "workshop": T("Workshop", fr="Atelier", nl="Workshop", uk="Майстерня"),
    "place": T("Where", fr="Où", nl="Waar", uk="Де"),
    "room": T("Room", fr="Salle", nl="Zaal", uk="Зала"),
    "school": T("School", fr="École", nl="School", uk="Школа"),
    "school_year": T("School year", fr="Année d'études", nl="Leerjaar", uk="Рік навчання"),
    "education_type": T("Type of education", fr="Type d'enseignement", nl="Onderwijsvorm", uk="Тип освіти"),
    "pupils": T("Pupils", fr="Élèves", nl="Leerlingen", uk="Учні"),
    "adults": T("Adults", fr="Adultes", nl="Volwassenen", uk="Дорослі"),
    "accessibility": T("Accessibility", fr="Accessibilité", nl="Toegankelijkheid", uk="Доступність"),
    "interpreter": T("Interpreter", fr="Interprète", nl="Tolk", uk="Перекладач"),
    "pupils_came": T("Pupils who came", fr="Élèves venus", nl="Gekomen leerlingen", uk="Учнів прийшло"),
    "booked_on": T("Booked on", fr="Réservé le", nl="Gereserveerd op", uk="Дата бронювання"),
}


def headings(lang: str) -> list[str]:
    """The export's header row in ``lang``: this plugin's words, then the core's list exports' (day, language,
    status)."""
    from tremplin.core.web.routes.exports import COLUMN_LABELS as CORE

    return [(COLUMN_LABELS.get(c) or CORE[c]).get(lang) for c in COLUMNS]


def rows(
    app: App, session: Session, centre_id: int, start: date, end: date, year: str | None = None, lang: str = "en"
) -> list[dict[str, Any]]:
    """The bookings' cells, in ``lang``: each code by the label the coordinator's pages show (statuses, types
    of education, places, school years, languages, workshops by their name in ``lang``), days typed."""
    from tremplin.core.web.i18n import translator
    from tremplin.plugins.schools import PLACES, YEARS
    from tremplin.plugins.schools.booking import EDUCATION_LABELS, STATUS_LABELS

    _ = translator(lang).gettext
    statuses = {code: _(label) for code, label in STATUS_LABELS.items()}
    educations = {code: _(label) for code, label in EDUCATION_LABELS.items()}
    places = {code: label.get(lang) for code, label in PLACES.items()}
    years = {code: label.get(lang) for code, label in YEARS.items()}
    languages = app.registry.vocabulary.LANGUAGE
    answers = {True: _("Yes"), False: _("No")}
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
        place = "at_school" if booking.at_school else "at_centre"
        out.append(
            {
                "reference": f"{booking.id:05d}",
                "day": booking.day,
                "time": slot.starts_at.astimezone(tz).strftime("%H:%M") if slot else "",
                "workshop": booking.workshop.name.get(lang),
                "place": places.get(place, place),
                "room": slot.room if slot else "",
                "school": schools.get(booking.school_id or 0, ""),
                "school_year": years.get(booking.school_year, booking.school_year),
                "education_type": educations.get(booking.education_type, booking.education_type),
                "language": languages.label_of(booking.language, lang),
                "pupils": booking.pupils,
                "adults": booking.adults,
                "accessibility": answers[bool(booking.needs_accessibility)],
                "interpreter": answers[bool(booking.needs_interpreter)],
                "status": statuses.get(booking.status, booking.status),
                "pupils_came": "" if booking.pupils_came is None else booking.pupils_came,
                "booked_on": booking.created_at.astimezone(tz).date(),
            }
        )
    return out


def export_bookings(
    app: App, session: Session, centre_id: int, start: date, end: date, fmt: str, lang: str, year: str | None = None
) -> tuple[bytes, str]:
    """The file's bytes and media type (the bookings of one school year only, with ``year``), read as the core's
    list exports are: headings and values in ``lang``, days as its readers write them, UTF-8 with a byte-order
    mark and ``;`` where Excel expects it (fr, nl, uk)."""
    data = rows(app, session, centre_id, start, end, year, lang)
    # The shared writers: a school's name typed on the public page is never read as a formula.
    from tremplin.core.reports.export import iter_table_csv, write_table_xlsx
    from tremplin.core.web.i18n import translator

    heads = headings(lang)
    cells = ([row[c] for c in COLUMNS] for row in data)
    if fmt == "xlsx":
        buffer = io.BytesIO()
        widths = [max(len(h) + 2, WIDTHS.get(c, 10)) for c, h in zip(COLUMNS, heads, strict=True)]
        title = translator(lang).gettext("Bookings")
        write_table_xlsx(heads, cells, buffer, title=title, widths=widths, dates=lang)
        return buffer.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return b"".join(iter_table_csv(heads, cells, language=lang, local=True)), "text/csv; charset=utf-8"


#: Column widths (characters) that fit what the columns hold.
WIDTHS = {"day": 12, "workshop": 24, "place": 22, "school": 30, "education_type": 24, "booked_on": 12}
