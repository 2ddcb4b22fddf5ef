"""The shared flows that write to people, under Prefect, through the outbox and a real SMTP server on
loopback (aiosmtpd): referral reminders to the partner's office, the counters' integrity alert, report
delivery. Each is run twice: nothing is sent twice. SMTP down, then up: retried, sent once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from tests.core.test_mail import Inbox, free_port
from tremplin.core.app import App
from tremplin.core.models import AuditEvent, CounterValue, OutboxMessage, Partner, Referral

aiosmtpd = pytest.importorskip("aiosmtpd.controller")


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[tuple[Inbox, Any]]:
    """A loopback SMTP server the flows' settings name (flows read their settings from the environment)."""
    inbox = Inbox()
    controller = aiosmtpd.Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setenv("TREMPLIN_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("TREMPLIN_SMTP_PORT", str(controller.port))
    monkeypatch.setenv("TREMPLIN_SMTP_SECURITY", "none")
    monkeypatch.setenv("TREMPLIN_MAIL_FROM", "Cité des métiers <noreply@cdm.example>")
    monkeypatch.setenv("TREMPLIN_REPORTS_DIR", str(tmp_path / "reports"))
    yield inbox, controller
    controller.stop()


def partner(app: App, centre: int, code: str, contact_email: str | None) -> int:
    with app.transaction() as session:
        p = Partner(centre_id=centre, code=code, name=f"Partner {code}", kind="pes", contact_email=contact_email)
        session.add(p)
        session.flush()
        return p.id


def test_referral_follow_up_reminds_the_partner_once(
    prefect_harness: None, app: App, centre: int, smtp: tuple[Inbox, Any]
) -> None:
    from tremplin.core.cli import cli
    from tremplin.core.records import issue_referral
    from tremplin.flows.referrals import referral_expiry

    inbox, _ = smtp
    with_office = partner(app, centre, "actiris", None)
    wrong = CliRunner().invoke(cli, ["--database-url", app.db.url, "partners", "contact", "actiris", "not-an-address"])
    assert wrong.exit_code == 1 and "'not-an-address' is not an e-mail address" in wrong.output
    set_it = ["--database-url", app.db.url, "partners", "contact", "actiris", "orientation@actiris.example"]
    assert CliRunner().invoke(cli, set_it).exit_code == 0
    without = partner(app, centre, "cpas", None)
    now = datetime.now(UTC)
    with app.transaction() as session:
        late = issue_referral(app, session, centre, to_partner_id=with_office, theme="work")
        late.issued_at = now - timedelta(days=15)
        fresh = issue_referral(app, session, centre, to_partner_id=with_office, theme="learn")
        nowhere = issue_referral(app, session, centre, to_partner_id=without, theme="work")
        nowhere.issued_at = now - timedelta(days=15)
        gone = issue_referral(app, session, centre, to_partner_id=with_office, theme="work")
        gone.issued_at, gone.expires_at = now - timedelta(days=70), now - timedelta(days=10)
        late_id, late_token, gone_id, fresh_id = late.id, late.token, gone.id, fresh.id

    assert referral_expiry(database_url=app.db.url) == 1
    assert referral_expiry(database_url=app.db.url) == 0
    (message,) = inbox.messages
    assert message["To"] == "orientation@actiris.example" and late_token in message["Subject"]
    assert late_token in message.get_body(("plain",)).get_content()
    with app.session() as session:
        keys = session.scalars(select(OutboxMessage.key)).all()
        assert keys == [f"referral:{late_id}:reminder"]
        assert session.get(Referral, gone_id).status == "expired"
        assert session.get(Referral, fresh_id).status == "issued"
        reminders = session.scalars(select(AuditEvent).where(AuditEvent.action == "referral.reminder")).all()
    assert [(e.object_id, e.details) for e in reminders] == [(str(late_id), {"partner": "actiris"})]


def test_smtp_down_then_up_is_retried_and_sent_once(
    prefect_harness: None, app: App, centre: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tremplin.core.records import issue_referral
    from tremplin.flows.outbox import outbox_delivery
    from tremplin.flows.referrals import referral_expiry

    port = free_port()  # nothing listens there yet: the server is down
    monkeypatch.setenv("TREMPLIN_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("TREMPLIN_SMTP_PORT", str(port))
    monkeypatch.setenv("TREMPLIN_SMTP_SECURITY", "none")
    office = partner(app, centre, "bruxelles-formation", "accueil@bf.example")
    with app.transaction() as session:
        referral = issue_referral(app, session, centre, to_partner_id=office, theme="learn")
        referral.issued_at = datetime.now(UTC) - timedelta(days=20)

    referral_expiry(database_url=app.db.url)
    with app.session() as session:
        (message,) = session.scalars(select(OutboxMessage)).all()
    assert (message.state, message.attempts) == ("pending", 1)
    assert "ConnectionRefusedError" in message.last_error
    assert message.next_attempt_at > datetime.now(UTC), "the retry waits (backoff)"

    inbox = Inbox()
    controller = aiosmtpd.Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        assert outbox_delivery(database_url=app.db.url)["sent"] == 0, "not before its backoff is over"
        with app.transaction() as session:  # the minute of backoff has passed
            due = datetime.now(UTC) - timedelta(seconds=1)
            session.execute(update(OutboxMessage).values(next_attempt_at=due))
        assert outbox_delivery(database_url=app.db.url)["sent"] == 1
        assert outbox_delivery(database_url=app.db.url)["sent"] == 0
        referral_expiry(database_url=app.db.url)  # a repeated follow-up queues nothing new
        assert outbox_delivery(database_url=app.db.url)["sent"] == 0
    finally:
        controller.stop()
    assert len(inbox.messages) == 1
    with app.session() as session:
        (message,) = session.scalars(select(OutboxMessage)).all()
    assert (message.state, message.attempts, message.last_error) == ("sent", 2, "")


def test_counters_integrity_alerts_the_admins_and_repair_fixes_it(
    prefect_harness: None, app: App, centre: int, smtp: tuple[Inbox, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tremplin.core.cli import cli
    from tremplin.core.records import log_contact
    from tremplin.flows.integrity import CountersDiffer, counters_integrity

    inbox, _ = smtp
    monkeypatch.setenv("TREMPLIN_ADMIN_EMAILS", "admin@cdm.example, it@cdm.example")
    with app.transaction() as session:
        for hour in (10, 11, 12):
            log_contact(
                app,
                session,
                {
                    "centre": "bxl",
                    "occurred_at": f"2026-03-02T{hour}:00",
                    "audience": "general",
                    "modality": "individual_advice",
                    "channel": "walk_in",
                    "themes": ["work"],
                },
            )
    assert counters_integrity(database_url=app.db.url) == 0
    assert inbox.messages == []

    with app.transaction() as session:  # a figure goes wrong behind the application's back
        row = session.scalars(select(CounterValue).where(CounterValue.amount == 3, CounterValue.grain == "y")).first()
        row.amount = 7
    with pytest.raises(CountersDiffer, match="differ from the records"):
        counters_integrity(database_url=app.db.url)
    with pytest.raises(CountersDiffer):
        counters_integrity(database_url=app.db.url)  # the same night again: no second alert
    assert sorted(m["To"] for m in inbox.messages) == ["admin@cdm.example", "it@cdm.example"]
    body = inbox.messages[0].get_body(("plain",)).get_content()
    assert "7 kept, 3 from the records" in body and "tremplin counters repair" in body

    runner = CliRunner()
    check = runner.invoke(cli, ["--database-url", app.db.url, "counters", "check"])
    assert check.exit_code == 1 and "differ from the records" in check.output
    repair = runner.invoke(cli, ["--database-url", app.db.url, "counters", "repair"])
    assert repair.exit_code == 0 and "Repaired" in repair.output
    assert runner.invoke(cli, ["--database-url", app.db.url, "counters", "check"]).exit_code == 0
    assert counters_integrity(database_url=app.db.url) == 0


def test_the_monthly_report_is_delivered_once_with_its_pdf(
    prefect_harness: None,
    app: App,
    centre: int,
    smtp: tuple[Inbox, Any],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    from tremplin.core.records import log_contact
    from tremplin.flows.reports import report_monthly

    inbox, _ = smtp
    monkeypatch.setenv("TREMPLIN_REPORT_RECIPIENTS_MONTHLY", "lead@cdm.example;board@cdm.example")
    with app.transaction() as session:
        for day in range(1, 8):
            log_contact(
                app,
                session,
                {
                    "centre": "bxl",
                    "occurred_at": f"2026-03-0{day}T10:00",
                    "audience": "general",
                    "modality": "individual_advice",
                    "channel": "walk_in",
                    "themes": ["work"],
                },
            )
    first = report_monthly(month="2026-03", database_url=app.db.url)
    again = report_monthly(month="2026-03", database_url=app.db.url)
    assert (first["new_messages"], again["new_messages"]) == (2, 0)
    assert sorted(m["To"] for m in inbox.messages) == ["board@cdm.example", "lead@cdm.example"]
    received = inbox.messages[0]
    (pdf,) = list(received.iter_attachments())
    assert pdf.get_content_type() == "application/pdf" and pdf.get_content().startswith(b"%PDF")
    text = received.get_body(("plain",)).get_content()
    assert "/reports/download?kind=monthly&month=2026-03&published=1&format=xlsx" in text
    folder = tmp_path / "reports" / "monthly"
    assert sorted(p.name for p in folder.iterdir()) == ["monthly-2026-03.pdf", "monthly-2026-03.xlsx"]
    with app.session() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "report.delivery")).all()
    assert [e.details["new_messages"] for e in events] == [2, 0]
    assert events[0].details["recipients"] == ["lead@cdm.example", "board@cdm.example"]
    assert events[0].details["published"] is True


def test_the_esf_report_is_delivered_and_its_participant_file_stays_in_the_folder(
    prefect_harness: None,
    app: App,
    centre: int,
    smtp: tuple[Inbox, Any],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    from datetime import date

    from tremplin.core.records import move_case, open_case
    from tremplin.flows.reports import last_cutoff, report_esf

    inbox, _ = smtp
    assert last_cutoff(date(2026, 7, 3)) == date(2026, 6, 30) and last_cutoff(date(2027, 1, 3)) == date(2026, 12, 31)
    monkeypatch.setenv("TREMPLIN_REPORT_RECIPIENTS_ESF", "fse@cdm.example")
    monkeypatch.setenv("TREMPLIN_ESF_START", "2026-01-01")
    with app.transaction() as session:
        for day in (3, 10):
            case = open_case(app, session, centre, "neet", consent_on=date(2026, 2, day), profile={"homeless": "no"})
            move_case(app, session, case, "engaged", on=date(2026, 3, day))
    first = report_esf(until="2026-06-30", database_url=app.db.url)
    assert report_esf(until="2026-06-30", database_url=app.db.url)["new_messages"] == 0
    assert first["new_messages"] == 1 and first["period"] == "2026-01-01_2026-06-30"
    folder = tmp_path / "reports" / "esf"
    assert sorted(p.name for p in folder.iterdir()) == [
        "esf-2026-01-01_2026-06-30.pdf",
        "esf-2026-01-01_2026-06-30.xlsx",
        "esf-participants-2026-01-01_2026-06-30.xlsx",
    ]
    (received,) = inbox.messages
    attachments = [a.get_filename() for a in received.iter_attachments()]
    assert attachments == ["esf-2026-01-01_2026-06-30.pdf"], "the participant file never leaves by e-mail"
