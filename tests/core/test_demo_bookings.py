"""The demo's class visits are booked: the 2019 report's 61 visits and 3,130 pupils come out exactly from
bookings held, beside the year's cancellations and no-shows, and the coordinator has weeks of bookings to
come. The roll-up (bookings included) equals a rebuild. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import select

from tests.conftest import make_app
from tremplin.core import demo, rollup
from tremplin.core.app import App
from tremplin.core.models import Activity, OutboxMessage
from tremplin.core.queries import counter_figures
from tremplin.plugins.schools.models import SchoolBooking

YEAR = 2019
#: The walk-in public and the schools only: the full-scale schools year costs seconds.
LEFT_OUT = ("neet", "prisons", "disability", "formtruck", "ukrainian")


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    from argon2 import PasswordHasher

    monkeypatch.setattr("tremplin.core.admin.hash_password", PasswordHasher(time_cost=1, memory_cost=64).hash)


@pytest.fixture
def schools_app(db_url: str) -> Iterator[App]:
    app = make_app(db_url, disabled_plugins=LEFT_OUT)
    yield app
    app.close()


def test_the_demo_books_the_2019_visits_exactly(schools_app: App) -> None:
    app = schools_app
    summary = demo.generate(app, year=YEAR, scale=1.0, seed=2019)
    with app.session() as session:
        figures = counter_figures(app, session, year=YEAR)
        bookings = session.scalars(select(SchoolBooking).order_by(SchoolBooking.id)).all()
        visits = session.scalars(select(Activity).where(Activity.audience == "schools")).all()
        of_year = [b for b in bookings if b.day is not None and b.day.year == YEAR]
        statuses = Counter(b.status for b in of_year)
        assert (figures["schools.visits"], figures["schools.pupils"]) == (61, 3130)
        # Every visit held is a booking done, its pupils entered on the visit itself: no second activity.
        done = [b for b in of_year if b.status == "done"]
        assert len(visits) == len(done) == 61
        assert sorted(b.activity_id for b in done) == sorted(v.id for v in visits)
        assert sum(b.pupils_came or 0 for b in done) == 3130
        assert {v.id: v.participants for v in visits} == {b.activity_id: b.pupils_came for b in done}
        # Cancellations and no-shows are bookings, counted from them.
        assert statuses["cancelled"] == figures["schools.cancellations"] > 0
        assert statuses["no_show"] == figures["schools.no_shows"] > 0
        assert figures["schools.pupils_cancelled"] == sum(b.pupils for b in of_year if b.status == "cancelled")
        assert figures["schools.pupils_no_show"] == sum(b.pupils for b in of_year if b.status == "no_show")
        assert figures["schools.at_school"] + figures["schools.at_centre"] == 61
        # The past year's teachers are erased, with the e-mails about them; the weeks to come keep theirs.
        assert all(b.teacher_email is None and b.erased_at is not None for b in of_year)
        refs = {m.subject_ref for m in session.scalars(select(OutboxMessage))}
        assert not refs & {f"schools.booking:{b.id}" for b in of_year}
        coming = [b for b in bookings if b.day is not None and b.day > date.today()]
        assert {"confirmed", "requested", "waitlisted"} <= {b.status for b in coming}
        assert all(b.teacher_email for b in coming)
        assert summary.written["school_bookings"] == len(bookings)
    with app.db.engine.begin() as conn:
        live = rollup.snapshot(conn)
        rollup.rebuild(app, conn)
        assert rollup.snapshot(conn) == live
