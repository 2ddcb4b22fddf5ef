"""The built-in flows, run under a real (throw-away) Prefect server: referral expiry, retention purge."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from tremplin.core.app import App
from tremplin.core.models import AuditEvent, Case, CaseOutcome, CaseStageEvent, Contact, Referral


def test_referral_expiry_flow(prefect_harness: None, app: App, centre: int) -> None:
    from tremplin.core.records import issue_referral
    from tremplin.flows.referrals import referral_expiry

    with app.transaction() as session:
        late = issue_referral(app, session, centre, theme="work", audience="ukrainian")
        late.expires_at = datetime.now(UTC) - timedelta(minutes=1)
        fresh = issue_referral(app, session, centre, theme="learn")
        late_id, fresh_id = late.id, fresh.id

    assert referral_expiry(database_url=app.db.url) == 1
    assert referral_expiry(database_url=app.db.url) == 0  # nothing left to expire

    with app.session() as session:
        late, fresh = session.get(Referral, late_id), session.get(Referral, fresh_id)
        assert (late.status, fresh.status) == ("expired", "issued")
        assert late.expired_at is not None
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(late_id))).all()
    assert actions == ["referral.issue", "referral.expired"]


def test_retention_purge_flow(prefect_harness: None, app: App, centre: int) -> None:
    from tremplin.core.records import log_contact, move_case, open_case
    from tremplin.core.rollup import rebuild, snapshot
    from tremplin.flows.retention import retention_purge

    with app.transaction() as session:
        old = open_case(
            app, session, centre, "neet", consent_on=date(2012, 3, 1), retention_years=5, profile={"homeless": "no"}
        )
        move_case(app, session, old, "engaged", on=date(2012, 4, 1))
        move_case(app, session, old, "guided", on=date(2012, 5, 1))
        move_case(app, session, old, "in_employment", on=date(2012, 6, 1))
        log_contact(
            app,
            session,
            {
                "centre": "bxl",
                "occurred_at": "2012-03-01T10:00",
                "audience": "neet",
                "modality": "individual_advice",
                "channel": "walk_in",
                "themes": ["work"],
                "language": "fr",
            },
            case=old,
        )
        current = open_case(app, session, centre, "neet", consent_on=date.today())
        old_id, old_code, current_id = old.id, old.code, current.id
        assert old.retain_until == date(2017, 12, 31)

    before = snapshot(app.db.engine.connect())
    assert retention_purge(database_url=app.db.url)["cases"] == 1

    with app.session() as session:
        assert session.get(Case, old_id) is None and session.get(Case, current_id) is not None
        assert session.scalars(select(CaseStageEvent).where(CaseStageEvent.case_id == old_id)).all() == []
        assert session.scalars(select(CaseOutcome).where(CaseOutcome.case_id == old_id)).all() == []
        # The contact stays (it is a count of the year 2012), without its case.
        contact = session.scalars(select(Contact)).one()
        assert contact.case_id is None
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "case.purge")).one()
    assert event.details["deleted"] == 1
    assert event.details["by_centre"] == {"bxl": 1} and event.details["by_audience"] == {"neet": 1}
    assert old_code not in str(event.details)

    # The roll-up lost exactly the purged case, and is what a rebuild from the rows gives.
    with app.db.engine.connect() as conn:
        live = snapshot(conn)
    assert live != before
    assert (
        any(k[0] == "neet.cases" for k in before)
        and sum(v for k, v in live.items() if k[0] == "neet.cases" and k[1] == "y" and k[4] == "*") == 1
    )
    with app.db.engine.begin() as conn:
        rebuild(app, conn)
    with app.db.engine.connect() as conn:
        assert snapshot(conn) == live


def test_retention_purge_forgets_old_client_addresses(
    prefect_harness: None, app: App, centre: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tremplin.core.audit import FORGOTTEN_ADDRESS
    from tremplin.flows.retention import retention_purge

    monkeypatch.setenv("TREMPLIN_AUDIT_ADDRESS_RETENTION_DAYS", "10")
    now = datetime.now(UTC)
    with app.transaction() as session:
        session.add(
            AuditEvent(action="login.failed", actor="ip:203.0.113.5", object_type="login", at=now - timedelta(days=11))
        )
        session.add(
            AuditEvent(action="login.failed", actor="ip:203.0.113.6", object_type="login", at=now - timedelta(days=9))
        )
    retention_purge(database_url=app.db.url)
    with app.session() as session:
        actors = sorted(session.scalars(select(AuditEvent.actor).where(AuditEvent.action == "login.failed")))
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "core.purge")).one()
    assert actors == ["ip:203.0.113.6", FORGOTTEN_ADDRESS]
    assert event.details == {"audit.client_addresses": 1, "outbox.sent_emails": 0, "surveys.expired_links": 0}


def test_retention_erases_old_client_addresses_and_sent_emails(prefect_harness: None, app: App, centre: int) -> None:
    from tremplin.core.audit import FORGOTTEN_ADDRESS
    from tremplin.core.mail import enqueue
    from tremplin.core.models import OutboxMessage
    from tremplin.core.surveys import new_link
    from tremplin.core.web.security import record_login
    from tremplin.flows.retention import retention_purge

    now = datetime.now(UTC)
    with app.transaction() as session:
        record_login(session, "someone", "203.0.113.9", ok=False, reason="bad password")
        record_login(session, "someone", "203.0.113.10", ok=True)
        session.flush()
        old, recent = session.scalars(select(AuditEvent).where(AuditEvent.actor.like("ip:%")).order_by(AuditEvent.id))
        old.at = now - timedelta(days=31)
        messages = []
        reminder = {"token": "R-1", "issued_on": "", "expires_on": "", "partner": "P", "centre": "C"}
        for n, (state, age) in enumerate([("sent", 31), ("sent", 2), ("failed", 90), ("pending", 40)]):
            m = enqueue(
                session,
                key=f"test:{n}",
                to="office@partner.example",
                template="referrals/reminder",
                lang="en",
                context=reminder,
            )
            m.state, m.sent_at = state, (now - timedelta(days=age)) if state == "sent" else None
            messages.append(m)
        old_id, recent_id = old.id, recent.id
        new_link(session, "general", valid_days=-31)  # expired a month ago
        new_link(session, "general")

    first = retention_purge(database_url=app.db.url)
    assert first["audit.client_addresses"] == 1 and first["outbox.sent_emails"] == 1 and first["cases"] == 0
    assert first["surveys.expired_links"] == 1
    again = retention_purge(database_url=app.db.url)
    assert again["audit.client_addresses"] == 0 and again["outbox.sent_emails"] == 0, "a second run purges nothing"
    with app.session() as session:
        assert session.get(AuditEvent, old_id).actor == FORGOTTEN_ADDRESS
        assert session.get(AuditEvent, recent_id).actor == "ip:203.0.113.10"
        assert sorted(session.scalars(select(OutboxMessage.key))) == ["test:1", "test:2", "test:3"]
        purges = select(AuditEvent).where(AuditEvent.action == "core.purge").order_by(AuditEvent.id)
        event = session.scalars(purges).first()
    assert event.details == {"audit.client_addresses": 1, "outbox.sent_emails": 1, "surveys.expired_links": 1}
