"""Bookings in the roll-up: cancellations and no-shows counted on the visit's day, kept in step by every
change of a booking and found again by a rebuild; visits and pupils by school year, at the centre and at
schools apart. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from tests.core.plugin_kit import totals
from tests.plugins.schools_kit import book, slot, workshop
from tremplin.core import rollup
from tremplin.core.app import App
from tremplin.plugins.schools import booking as bk
from tremplin.plugins.schools.models import SchoolBooking, SchoolSlot

BOOKING_COUNTERS = ["schools.cancellations", "schools.pupils_cancelled", "schools.no_shows", "schools.pupils_no_show"]


def _live_equals_rebuild(app: App) -> None:
    with app.db.engine.begin() as conn:
        live = rollup.snapshot(conn)
        rollup.rebuild(app, conn)
        rebuilt = rollup.snapshot(conn)
    missing = {k: v for k, v in rebuilt.items() if live.get(k) != v}
    extra = {k: v for k, v in live.items() if k not in rebuilt}
    assert not missing and not extra, (sorted(missing.items())[:5], sorted(extra.items())[:5])
    assert all(amount > 0 for amount in live.values())


def _attend(app: App, booking_id: int, came: int) -> None:
    with app.transaction() as session:
        bk.record_attendance(app, session, session.get(SchoolBooking, booking_id), came)


def test_cancellations_and_no_shows_are_counted_and_equal_a_rebuild(app: App, centre: int) -> None:
    wid = workshop(app, centre)
    # Attendance is entered once a visit has begun: the visits held or missed are last week's, booked before.
    before = datetime.now(UTC) - timedelta(days=30)
    near, far = slot(app, centre, wid, days=-3), slot(app, centre, wid, days=-4, at_school=True)
    doomed = slot(app, centre, wid, days=5)
    came, _ = book(app, near, before, pupils=22, school_year="4", education_type="vocational")
    absent, _ = book(app, far, before, pupils=18, school_year="2", language="nl")
    withdrawn, _ = book(app, slot(app, centre, wid, days=6), pupils=12, school_year="3")
    waiting, status = book(app, near, before, pupils=10)
    assert status == "waitlisted"
    lost, _ = book(app, doomed, pupils=25, school_year="3")
    corrected, _ = book(app, slot(app, centre, wid, days=-2), before, pupils=9)
    days = (-4, -3, -2, 5, 6)
    years = {(date.today() + timedelta(days=d)).year for d in days}
    for year in years:
        assert totals(app, BOOKING_COUNTERS, year=year) == dict.fromkeys(BOOKING_COUNTERS, 0)

    _attend(app, came, 22)
    _attend(app, absent, 0)
    with app.transaction() as session:
        bk.cancel(app, session, session.get(SchoolBooking, withdrawn), actor="school")
        bk.cancel(app, session, session.get(SchoolBooking, waiting), actor="school")  # waitlisted: held no place
        bk.delete_slot(app, session, session.get(SchoolSlot, doomed))  # its booking is cancelled, and still counted
    _attend(app, corrected, 0)
    _attend(app, corrected, 7)  # entered as absent, then corrected: it came after all
    figures = {k: sum(totals(app, [k], year=y)[k] for y in years) for k in BOOKING_COUNTERS + ["schools.visits"]}
    assert figures == {
        "schools.cancellations": 3,
        "schools.pupils_cancelled": 12 + 10 + 25,
        "schools.no_shows": 1,
        "schools.pupils_no_show": 18,
        "schools.visits": 2,
    }
    with app.session() as session:
        gone = session.get(SchoolBooking, lost)
        assert gone.slot_id is None and gone.status == "cancelled" and gone.day == date.today() + timedelta(days=5)
    # The no-show keeps its class: by school year, language and place.
    no_show_year = (date.today() - timedelta(days=4)).year
    assert totals(app, ["schools.no_shows"], year=no_show_year, dim="schools.year") == {("schools.no_shows", "2"): 1}
    assert totals(app, ["schools.no_shows"], year=no_show_year, dim="language") == {("schools.no_shows", "nl"): 1}
    assert totals(app, ["schools.no_shows"], year=no_show_year, dim="schools.place") == {
        ("schools.no_shows", "at_school"): 1
    }
    _live_equals_rebuild(app)

    # A move takes the booking's day along; a slot deleted after the visit changes nothing counted.
    other = slot(app, centre, wid, days=40)
    moved, _ = book(app, slot(app, centre, wid, days=8), pupils=11)
    with app.transaction() as session:
        bk.move(app, session, session.get(SchoolBooking, moved), other)
        bk.cancel(app, session, session.get(SchoolBooking, moved), actor="centre")
    with app.session() as session:
        assert session.get(SchoolBooking, moved).day == date.today() + timedelta(days=40)
    _live_equals_rebuild(app)


def test_visits_and_pupils_by_school_year_at_the_centre_and_at_schools(app: App, centre: int) -> None:
    wid = workshop(app, centre, school_years=["2", "3", "4", "5"])
    # Visits held last week (their pupils entered after the visit), booked the month before.
    visits = [(-3, "3", False, 20), (-4, "3", True, 15), (-5, "5", False, 25), (-6, "5", True, 10)]
    visits.append((-7, "3", False, 18))
    before = datetime.now(UTC) - timedelta(days=30)
    for days, year_, at_school, pupils in visits:
        held = slot(app, centre, wid, days=days, at_school=at_school)
        booking, _ = book(app, held, before, pupils=pupils, school_year=year_)
        _attend(app, booking, pupils)
    years = {(date.today() + timedelta(days=d)).year for d, *_ in visits}

    def by(counter: str, dim: str) -> dict[str, int]:
        out: dict[str, int] = {}
        for y in years:
            for (_, value), amount in totals(app, [counter], year=y, dim=dim).items():
                out[value] = out.get(value, 0) + amount
        return out

    assert by("schools.pupils", "schools.year") == {"3": 53, "5": 35}
    assert by("schools.pupils_at_centre", "schools.year") == {"3": 38, "5": 25}
    assert by("schools.pupils_at_school", "schools.year") == {"3": 15, "5": 10}
    assert by("schools.at_centre", "schools.year") == {"3": 2, "5": 1}
    assert by("schools.at_school", "schools.year") == {"3": 1, "5": 1}
    assert by("schools.visits", "schools.workshop") == {"explorama": 5}
    assert by("schools.pupils", "schools.education_type") == {"general": 88}
    assert by("schools.pupils", "language") == {"fr": 88}
    with app.session() as session:
        assert all(b.workshop_code == "explorama" for b in session.scalars(select(SchoolBooking)))
    _live_equals_rebuild(app)
