"""The schools plugin's flows under Prefect: the reminder two days before, sent once however often the
flow runs; the retention flow erasing the teachers' data after the follow-up; the outbox delivery."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from tremplin.core.app import App
from tremplin.core.models import AuditEvent, OutboxMessage
from tremplin.plugins.schools.models import SchoolBooking, SchoolSlot
from tests.plugins.schools_kit import book, slot, workshop


@pytest.fixture(autouse=True)
def outbox_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "outbox"
    monkeypatch.setenv("TREMPLIN_OUTBOX_DIR", str(folder))
    return folder


def test_the_reminder_flow_reminds_once(prefect_harness: None, app: App, centre: int, outbox_folder: Path) -> None:
    from tremplin.plugins.schools.flows import schools_reminders

    wid = workshop(app, centre)
    tomorrow = slot(app, centre, wid, days=1, start=time(23, 0))
    next_week = slot(app, centre, wid, days=7)
    near, _ = book(app, tomorrow)
    far, _ = book(app, next_week)
    assert schools_reminders(database_url=app.db.url) == 1
    assert schools_reminders(database_url=app.db.url) == 0, "a second run reminds nobody again"
    with app.session() as session:
        assert (
            session.get(SchoolBooking, near).status == "reminded"
            and session.get(SchoolBooking, far).status == "confirmed"
        )
        reminders = session.scalars(select(OutboxMessage).where(OutboxMessage.key.like("%:reminder:%"))).all()
        assert [(m.state, m.subject_ref) for m in reminders] == [("sent", f"schools.booking:{near}")]
    assert len(list(outbox_folder.glob("*.eml"))) == 3, "two confirmations and one reminder, each written once"


def test_the_retention_flow_erases_the_teachers_data(prefect_harness: None, app: App, centre: int) -> None:
    from tremplin.flows.outbox import outbox_delivery
    from tremplin.flows.retention import retention_purge

    wid = workshop(app, centre)
    sid = slot(app, centre, wid, days=3)
    booking_id, _ = book(app, sid)
    assert outbox_delivery(database_url=app.db.url)["sent"] == 1
    # The visit was 61 days ago: its follow-up is over.
    with app.transaction() as session:
        s = session.get(SchoolSlot, sid)
        s.day = date.today() - timedelta(days=61)
        s.starts_at = datetime.now(timezone.utc) - timedelta(days=61)
        b = session.get(SchoolBooking, booking_id)
        b.erase_after = s.day + timedelta(days=60)
    retention_purge(database_url=app.db.url)
    with app.session() as session:
        b = session.get(SchoolBooking, booking_id)
        assert b.teacher_name is None and b.teacher_email is None
        assert session.scalars(select(OutboxMessage)).all() == []
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "plugin.purge")).one()
    assert event.details["schools.teacher_contacts"] == 1
