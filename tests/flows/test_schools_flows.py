"""The schools plugin's flows under Prefect: the reminder two days before, sent once however often the
flow runs; the retention flow erasing the teachers' data after the follow-up; the outbox delivery."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.plugins.schools_kit import book, slot, workshop
from tremplin.core.app import App
from tremplin.core.models import AuditEvent, OutboxMessage
from tremplin.plugins.schools.models import SchoolBooking, SchoolSlot


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
        s.starts_at = datetime.now(UTC) - timedelta(days=61)
        b = session.get(SchoolBooking, booking_id)
        b.erase_after = s.day + timedelta(days=60)
    retention_purge(database_url=app.db.url)
    with app.session() as session:
        b = session.get(SchoolBooking, booking_id)
        assert b.teacher_name is None and b.teacher_email is None
        assert session.scalars(select(OutboxMessage)).all() == []
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "plugin.purge")).one()
    assert event.details["schools.teacher_contacts"] == 1


def test_the_survey_goes_to_the_teacher_once_after_the_visit(
    prefect_harness: None, app: App, centre: int, outbox_folder: Path
) -> None:
    import email
    import re
    from email import policy

    from tremplin.core.models import SurveyLink
    from tremplin.core.surveys import record_survey_answer
    from tremplin.plugins.schools.flows import schools_visit_surveys

    wid = workshop(app, centre)
    held, upcoming = slot(app, centre, wid, days=3), slot(app, centre, wid, days=5)
    done_id, _ = book(app, held)
    book(app, upcoming)
    with app.transaction() as session:
        s = session.get(SchoolSlot, held)
        s.day = date.today() - timedelta(days=2)
        s.starts_at = datetime.now(UTC) - timedelta(days=2)
        session.get(SchoolBooking, done_id).status = "done"
    assert schools_visit_surveys(database_url=app.db.url) == 1
    assert schools_visit_surveys(database_url=app.db.url) == 0, "a second run sends no second survey"
    with app.session() as session:
        message = session.scalars(
            select(OutboxMessage).where(OutboxMessage.key == f"schools.booking:{done_id}:survey")
        ).one()
        (link,) = session.scalars(select(SurveyLink)).all()
    assert message.state == "sent" and (link.service, link.channel) == ("schools", "email")
    sent = [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in outbox_folder.glob("*.eml")]
    survey = next(m for m in sent if "/survey/" in m.get_body(("plain",)).get_content())
    assert re.search(rf"/survey/{link.code}\b", survey.get_body(("plain",)).get_content())
    with app.transaction() as session:
        answer = record_survey_answer(
            app,
            session,
            {"satisfaction": "satisfied", "would_recommend": "yes", "first_visit": "yes"},
            language="fr",
            code=link.code,
        )
        assert (answer.service, answer.channel) == ("schools", "email")
