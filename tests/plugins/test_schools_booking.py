"""The booking rules, on SQLite and PostgreSQL: the offer, the hard capacity limit, the waiting list,
the booking's life and history, its e-mails and invitations, the visit counted, the erasure."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from tests.core.plugin_kit import totals
from tests.plugins.schools_kit import book, request, slot, workshop
from tremplin.core.app import App
from tremplin.core.mail import deliver
from tremplin.core.models import Activity, ClosurePeriod, OutboxMessage, Partner
from tremplin.plugins.schools import booking as bk
from tremplin.plugins.schools.models import SchoolBooking, SchoolSlot


def _booking(app: App, booking_id: int) -> SchoolBooking:
    with app.session() as session:
        found = session.get(SchoolBooking, booking_id)
        assert found is not None
        list(found.history)
        return found


def _messages(app: App, booking_id: int) -> list[OutboxMessage]:
    with app.session() as session:
        return list(
            session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.subject_ref == f"schools.booking:{booking_id}")
                .order_by(OutboxMessage.id)
            )
        )


def _ics(message: OutboxMessage) -> Calendar:
    import base64

    (item,) = [a for a in message.attachments if a["filename"].endswith(".ics")]
    return Calendar.from_ical(base64.b64decode(item["data"]))


def test_the_offer_is_checked(app: App, centre: int) -> None:
    with app.transaction() as session:
        with pytest.raises(bk.BookingError) as caught:
            bk.save_workshop(
                session,
                centre,
                {
                    "code": "bad code",
                    "languages": ["de"],
                    "school_years": ["9"],
                    "min_pupils": 30,
                    "max_pupils": 5,
                    "duration_minutes": 5,
                    "place": "moon",
                },
            )
    assert set(caught.value.errors) == {
        "code",
        "name_fr",
        "languages",
        "school_years",
        "max_pupils",
        "duration_minutes",
        "place",
    }
    wid = workshop(app, centre)
    with app.transaction() as session:
        with pytest.raises(bk.BookingError) as caught:
            bk.open_slot(
                app,
                session,
                centre,
                bk.SlotSpec(
                    wid, date.today() - timedelta(days=1), time(9), room="", capacity_classes=0, languages=("uk",)
                ),
            )
    assert set(caught.value.errors) == {"day", "capacity_classes", "languages", "room"}


def test_recurring_slots_skip_school_holidays_and_closures(app: App, centre: int) -> None:
    wid = workshop(app, centre)
    with app.transaction() as session:
        session.add(
            ClosurePeriod(
                centre_id=centre,
                starts_on=date(2027, 1, 12),
                ends_on=date(2027, 1, 12),
                scope="all",
                label="Inventaire",
            )
        )
        spec = bk.SlotSpec(wid, date(2026, 12, 7), time(9), room="Salle 1")
        made, skipped = bk.open_recurring(
            app, session, centre, spec, until=date(2027, 1, 31), weekdays=[1, 3], today=date(2026, 12, 1)
        )
        days = [s.day for s in made]
    # Tuesdays and Thursdays: the winter holidays of both communities (21 Dec - 3 Jan) and the closure are skipped.
    assert skipped == [
        date(2026, 12, 22),
        date(2026, 12, 24),
        date(2026, 12, 29),
        date(2026, 12, 31),
        date(2027, 1, 12),
    ]
    assert days[:4] == [date(2026, 12, 8), date(2026, 12, 10), date(2026, 12, 15), date(2026, 12, 17)]
    assert date(2027, 1, 5) in days and date(2027, 1, 14) in days and len(days) == 11
    assert all(d.weekday() in (1, 3) for d in days)
    with app.transaction() as session:
        made, skipped = bk.open_recurring(
            app,
            session,
            centre,
            bk.SlotSpec(wid, date(2026, 12, 21), time(9), room="Salle 1"),
            until=date(2027, 1, 3),
            weekdays=[0, 1, 2, 3, 4],
            communities=["fr"],
            today=date(2026, 12, 1),
        )
    # The French community is back on 4 January; its holiday covers every weekday in between.
    assert made == [] and len(skipped) == 10


def test_a_booking_fits_or_waits_and_a_form_sent_twice_books_once(app: App, centre: int) -> None:
    wid = workshop(app, centre)
    sid = slot(app, centre, wid, classes=2, pupils=45)
    first, status = book(app, sid, idempotency_key="form-token-1")
    assert status == "confirmed"
    again, status = book(app, sid, idempotency_key="form-token-1", pupils=28)
    assert again == first and status == "confirmed"
    second, status = book(app, sid, pupils=25)
    assert status == "confirmed"
    third, status = book(app, sid, pupils=5)
    assert status == "waitlisted", "two classes: the third waits although pupils would fit"
    interpreter = slot(app, centre, wid)
    held, status = book(app, interpreter, needs_interpreter=True)
    assert status == "requested"
    with app.session() as session:
        s = session.get(SchoolSlot, sid)
        assert (s.booked_classes, s.booked_pupils) == (2, 45)
        assert session.scalar(select(func.count(SchoolBooking.id))) == 4
        school = session.scalar(select(Partner).where(Partner.kind == "school"))
        assert (
            school.name == "Athénée Royal d'Ixelles"
            and session.scalar(select(func.count(Partner.id)).where(Partner.kind == "school")) == 1
        )
    assert [m.key.split(":")[2] for m in _messages(app, first)] == ["confirmed"]
    assert [m.key.split(":")[2] for m in _messages(app, third)] == ["waitlisted"]
    assert not _messages(app, third)[0].attachments, "no invitation while waiting"


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"pupils": 26}, "pupils", bk.TOO_MANY),
        ({"school_year": "6"}, "school_year", bk.WRONG_YEAR),
        ({"teacher_email": "dupont@"}, "teacher_email", bk.BAD_EMAIL),
        ({"teacher_email": "dupont at ecole.be"}, "teacher_email", bk.BAD_EMAIL),
        ({"language": "uk"}, "language", "This slot is not given in this language."),
        ({"pupils": 2}, "pupils", "This workshop takes from %(min)s to %(max)s pupils."),
        ({"education_type": "university"}, "education_type", "Choose the type of education."),
        ({"new_school": ""}, "school", "Choose your school in the list, or type its name."),
    ],
)
def test_bad_requests_change_nothing(app: App, centre: int, values: dict, field: str, message: str) -> None:
    wid = workshop(app, centre)
    sid = slot(app, centre, wid)
    with pytest.raises(bk.BookingError) as caught:
        with app.transaction() as session:
            bk.book(app, session, request(sid, **values))
    assert caught.value.errors[field] == message
    with app.session() as session:
        assert session.scalar(select(func.count(SchoolBooking.id))) == 0
        assert session.scalar(select(func.count(OutboxMessage.id))) == 0
        assert session.get(SchoolSlot, sid).booked_pupils == 0


def test_a_past_slot_and_a_deleted_slot_are_refused(app: App, centre: int) -> None:
    wid = workshop(app, centre)
    sid = slot(app, centre, wid, days=1)
    later = datetime.now(UTC) + timedelta(days=3)
    with pytest.raises(bk.BookingError) as caught, app.transaction() as session:
        bk.book(app, session, request(sid), now=later)
    assert caught.value.errors == {"slot": bk.SLOT_PAST}
    with app.transaction() as session:
        bk.delete_slot(app, session, session.get(SchoolSlot, sid))
    with pytest.raises(bk.BookingError) as caught, app.transaction() as session:
        bk.book(app, session, request(sid))
    assert caught.value.errors == {"slot": bk.SLOT_GONE} and caught.value.status == 409


def test_a_cancellation_promotes_the_first_waiting_class_that_fits(app: App, centre: int) -> None:
    wid = workshop(app, centre)
    sid = slot(app, centre, wid, classes=1, pupils=25)
    held, _ = book(app, sid, pupils=22)
    big, big_status = book(app, sid, pupils=25, teacher_email="big@school.be")
    small, small_status = book(app, sid, pupils=12, teacher_email="small@school.be", teacher_language="nl")
    assert (big_status, small_status) == ("waitlisted", "waitlisted")
    with app.transaction() as session:
        b = session.get(SchoolBooking, held)
        b.pupils  # noqa: B018
        promoted = bk.cancel(app, session, session.get(SchoolBooking, held), actor="school")
        assert [p.id for p in promoted] == [big], "first come, first served: the big class fits the freed slot"
    with app.session() as session:
        s = session.get(SchoolSlot, sid)
        assert (s.booked_classes, s.booked_pupils) == (1, 25)
    assert _booking(app, big).status == "confirmed" and _booking(app, small).status == "waitlisted"
    (cancelled,) = [m for m in _messages(app, held) if ":cancelled:" in m.key]
    cal = _ics(cancelled)
    assert cal["method"] == "CANCEL"
    (event,) = cal.walk("VEVENT")
    assert (
        int(event["sequence"]) == 1
        and str(event["uid"]).startswith(f"schools-booking-{held}@")
        and event["status"] == "CANCELLED"
    )
    (promoted_mail,) = [m for m in _messages(app, big) if ":promoted:" in m.key]
    assert promoted_mail.to_address == "big@school.be" and "liste d'attente" in promoted_mail.body_text
    assert _ics(promoted_mail)["method"] == "REQUEST"
    # The big class cancels too: 25 places for the small one, in Dutch.
    with app.transaction() as session:
        bk.cancel(app, session, session.get(SchoolBooking, big), actor="centre")
    assert _booking(app, small).status == "confirmed"
    (nl,) = [m for m in _messages(app, small) if ":promoted:" in m.key]
    assert nl.subject.startswith("Bevestigd") and "wachtlijst" in nl.body_text
    history = [(e.from_status, e.to_status, e.actor) for e in _booking(app, held).history]
    assert history == [
        (None, "requested", "school"),
        ("requested", "confirmed", "school"),
        ("confirmed", "cancelled", "school"),
    ]


def test_a_move_updates_the_invitation(app: App, centre: int) -> None:
    wid = workshop(app, centre)
    first, second = slot(app, centre, wid, days=10), slot(app, centre, wid, days=17)
    booking_id, _ = book(app, first)
    waiting, _ = book(app, first, pupils=10)
    with app.transaction() as session:
        bk.move(app, session, session.get(SchoolBooking, booking_id), second)
    moved = _booking(app, booking_id)
    assert moved.slot_id == second and moved.status == "confirmed" and moved.ics_sequence == 1
    assert _booking(app, waiting).status == "confirmed", "the place freed by the move goes to the waiting list"
    confirmation, update = _messages(app, booking_id)
    a, b = (next(iter(_ics(m).walk("VEVENT"))) for m in (confirmation, update))
    assert str(a["uid"]) == str(b["uid"]) and (int(a["sequence"]), int(b["sequence"])) == (0, 1)
    assert b.decoded("dtstart") - a.decoded("dtstart") == timedelta(days=7)
    with pytest.raises(bk.BookingError), app.transaction() as session:
        bk.move(app, session, session.get(SchoolBooking, booking_id), second)


def test_reminders_go_once_two_days_before(app: App, centre: int) -> None:
    wid = workshop(app, centre)
    soon, later = slot(app, centre, wid, days=2, start=time(8)), slot(app, centre, wid, days=9)
    near, _ = book(app, soon)
    far, _ = book(app, later)
    now = datetime.now(UTC) + timedelta(hours=12)
    with app.transaction() as session:
        assert bk.send_reminders(app, session, now=now) == 1
    with app.transaction() as session:
        assert bk.send_reminders(app, session, now=now) == 0
    assert _booking(app, near).status == "reminded" and _booking(app, far).status == "confirmed"
    assert [m.key.split(":")[2] for m in _messages(app, near)] == ["confirmed", "reminder"]


def test_pupils_who_came_count_the_visit_once(app: App, centre: int) -> None:
    wid = workshop(app, centre)
    at_centre, at_school = slot(app, centre, wid, days=3), slot(app, centre, wid, days=4, at_school=True)
    one, _ = book(app, at_centre, pupils=22, education_type="vocational", school_year="4")
    two, _ = book(app, at_school, pupils=18)
    three, _ = book(app, slot(app, centre, wid, days=5), pupils=15)
    with app.transaction() as session:  # the visits took place: pupils are entered after a visit has begun
        for booking_id in (one, two):
            session.get(SchoolBooking, booking_id).slot.starts_at = datetime.now(UTC) - timedelta(hours=1)
    with app.transaction() as session:
        bk.record_attendance(app, session, session.get(SchoolBooking, one), 22)
        bk.record_attendance(app, session, session.get(SchoolBooking, two), 16)
        bk.record_attendance(app, session, session.get(SchoolBooking, three), 0)
    with app.transaction() as session:  # entered again, corrected: still one activity
        bk.record_attendance(app, session, session.get(SchoolBooking, two), 17)
    assert (_booking(app, one).status, _booking(app, two).status, _booking(app, three).status) == (
        "done",
        "done",
        "no_show",
    )
    with app.session() as session:
        activities = session.scalars(select(Activity).order_by(Activity.id)).all()
        assert [(a.participants, a.registered, a.attributes["place"], a.workshop) for a in activities] == [
            (22, 22, "at_centre", "explorama"),
            (17, 18, "at_school", "explorama"),
        ]
        assert activities[0].attributes["education_type"] == "vocational" and activities[0].attributes["year"] == "4"
        assert activities[0].source_ref == f"schools.booking:{one}"
    year = (date.today() + timedelta(days=4)).year
    keys = [
        "schools.visits",
        "schools.pupils",
        "schools.at_centre",
        "schools.at_school",
        "schools.pupils_at_centre",
        "schools.pupils_at_school",
        "schools.pupils_booked",
    ]
    figures = totals(app, keys, year=year)
    assert figures == {
        "schools.visits": 2,
        "schools.pupils": 39,
        "schools.at_centre": 1,
        "schools.at_school": 1,
        "schools.pupils_at_centre": 22,
        "schools.pupils_at_school": 17,
        "schools.pupils_booked": 40,
    }


def test_the_teachers_name_and_email_are_erased_after_the_follow_up(app: App, centre: int) -> None:
    wid = workshop(app, centre)
    sid = slot(app, centre, wid, days=3)
    booking_id, _ = book(app, sid)
    other, _ = book(app, slot(app, centre, wid, days=30))
    deliver(app)
    visit = date.today() + timedelta(days=3)
    with app.transaction() as session:
        assert bk.erase_teacher_data(app, session, visit + timedelta(days=bk.TEACHER_RETENTION_DAYS)) == 0, (
            "kept until the follow-up is over"
        )
    with app.transaction() as session:
        assert bk.erase_teacher_data(app, session, visit + timedelta(days=bk.TEACHER_RETENTION_DAYS + 1)) == 1
    gone = _booking(app, booking_id)
    assert gone.teacher_name is None and gone.teacher_email is None and gone.erased_at is not None
    assert _messages(app, booking_id) == [], "the e-mails that carried the address go too"
    assert _booking(app, other).teacher_email == "c.dupont@ar-ixelles.be" and _messages(app, other)


def test_the_2019_figures_come_from_bookings_alone(app: App, centre: int) -> None:
    """61 school visits and 3,130 pupils in 2019 (the centre's annual report), booked, held, counted."""
    from tremplin.core.reports.build import annual_report, audience_report
    from tremplin.core.reports.render import to_dict

    wid = workshop(app, centre, max_pupils=60, school_years=["1", "2", "3", "4", "5", "6", "7"])
    pupils = [52] * 19 + [51] * 42
    assert (len(pupils), sum(pupils)) == (61, 3130)
    first = date(2019, 1, 8)
    ids = []
    for i, count in enumerate(pupils):
        day = first + timedelta(days=5 * i + (i % 2))  # spread over the school year, weekdays and all
        with app.transaction() as session:
            spec = bk.SlotSpec(
                wid,
                day,
                time(9, 30),
                room="Salle Explorama",
                at_school=i % 7 == 0,
                capacity_pupils=60,
                languages=("fr", "nl"),
            )
            s = bk.open_slot(app, session, centre, spec, today=date(2019, 1, 1))
            booked = bk.book(
                app,
                session,
                request(s.id, pupils=count, school_year=str(1 + i % 7), language="nl" if i % 3 == 0 else "fr"),
                now=datetime(2019, 1, 2, tzinfo=UTC),
            )
            ids.append(booked.id)
    with app.transaction() as session:
        for booking_id in ids:
            booking = session.get(SchoolBooking, booking_id)
            bk.record_attendance(app, session, booking, booking.pupils)
    figures = totals(app, ["schools.visits", "schools.pupils", "schools.at_school", "schools.at_centre"], year=2019)
    assert figures == {"schools.visits": 61, "schools.pupils": 3130, "schools.at_school": 9, "schools.at_centre": 52}

    def figure(doc: dict, key: str) -> object:
        for section in doc["sections"]:
            for f in section.get("figures", []):
                if f["key"] == key:
                    return f["value"]
        raise AssertionError(f"{key} is not in the report")

    with app.session() as session:
        annual = to_dict(annual_report(app, session, 2019))
        schools = to_dict(audience_report(app, session, "schools", date(2019, 1, 1), date(2019, 12, 31)))
    for doc in (annual, schools):
        assert figure(doc, "schools.visits") == 61
        assert figure(doc, "schools.pupils") == 3130
