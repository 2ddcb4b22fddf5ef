"""Referral follow-up, daily: a reminder to the partner, then expiry.

* An ``issued`` referral that nobody has marked received ``TREMPLIN_REFERRAL_REMINDER_DAYS`` (14) days
  after it was issued is brought to the partner's attention: one e-mail to the partner organisation's
  contact address (``Partner.contact_email``), naming only the referral's code, through the outbox
  under the key ``referral:<id>:reminder``, so that it is sent once however often the flow runs.
* An ``issued`` referral past its ``expires_at`` (``valid_days`` after it was issued, 60 unless the
  desk chose otherwise) is marked expired through ``tremplin.core.records.set_referral_status``, so it
  is audited and fires ``referral_status_changed`` like a change made at the desk.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from tremplin.flows.common import logger, open_app

REMINDER_DAYS_SETTING = "TREMPLIN_REFERRAL_REMINDER_DAYS"


def reminder_days() -> int:
    return int(os.environ.get(REMINDER_DAYS_SETTING, "14"))


@task(name="remind-partners-of-referrals", cache_policy=NO_CACHE)
def remind_partners(database_url: str | None = None, now: datetime | None = None) -> int:
    """Queue a reminder for each referral not received after the reminder delay (once each); returns
    how many were queued by this run."""
    from sqlalchemy import select

    from tremplin.core.audit import audit
    from tremplin.core.mail import enqueue
    from tremplin.core.models import Centre, OutboxMessage, Partner, Referral

    now = now or datetime.now(UTC)
    queued = 0
    with open_app(database_url) as app, app.transaction() as session:
        due = session.execute(
            select(Referral, Partner, Centre)
            .join(Partner, Partner.id == Referral.to_partner_id)
            .join(Centre, Centre.id == Referral.centre_id)
            .where(
                Referral.status == "issued",
                Referral.issued_at < now - timedelta(days=reminder_days()),
                (Referral.expires_at.is_(None)) | (Referral.expires_at > now),
                Partner.contact_email.is_not(None),
                Partner.contact_email != "",
            )
            .order_by(Referral.id)
        ).all()
        for referral, partner, centre in due:
            key = f"referral:{referral.id}:reminder"
            if session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == key)) is not None:
                continue  # reminded already
            enqueue(
                session,
                key=key,
                to=partner.contact_email or "",
                template="referrals/reminder",
                lang=app.settings.default_language,
                context={
                    "token": referral.token,
                    "issued_on": referral.issued_at.date().isoformat(),
                    "expires_on": referral.expires_at.date().isoformat() if referral.expires_at else "",
                    "partner": partner.name,
                    "centre": centre.name,
                },
                centre_id=centre.id,
                audience=referral.audience,
                subject_ref=f"referral:{referral.id}",
            )
            audit(session, "referral.reminder", None, "referral", referral.id, partner=partner.code)
            queued += 1
    return queued


@task(name="deliver-reminders", cache_policy=NO_CACHE)
def deliver_now(database_url: str | None = None) -> dict[str, int]:
    """Send what is due in the outbox (the reminders just queued among them)."""
    from tremplin.core.mail import deliver

    with open_app(database_url) as app:
        report = deliver(app)
    return {"sent": report.sent, "retried": report.retried, "failed": report.failed}


@task(name="expire-due-referrals", cache_policy=NO_CACHE)
def expire_due_referrals(database_url: str | None = None, now: datetime | None = None) -> int:
    """Mark expired every issued referral whose ``expires_at`` is before ``now``; returns how many."""
    from tremplin.core.records import expire_referrals

    now = now or datetime.now(UTC)
    with open_app(database_url) as app, app.transaction() as session:
        return expire_referrals(app, session, now=now)


@flow(name="referral-expiry")
def referral_expiry(database_url: str | None = None) -> int:
    """Remind partners of the referrals nobody received yet, and expire those nobody received in time;
    returns how many expired."""
    log = logger()
    reminded = remind_partners(database_url)
    if reminded:
        deliver_now(database_url)
    count = expire_due_referrals(database_url)
    log.info("%d partner reminder(s) queued, %d referral(s) expired", reminded, count)
    return count
