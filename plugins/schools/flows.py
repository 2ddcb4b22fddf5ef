"""The schools plugin's flows: the reminder two days before a visit (``booking.send_reminders``), and the
satisfaction survey sent to the teacher after it (``survey_after_visits``).

Each booking is reminded once (its status becomes ``reminded`` and the message has its own key in the
outbox), so a run repeated after a crash reminds nobody twice. The e-mails leave with the outbox.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from tremplin.flows.common import logger, open_app


@task(name="remind-schools", cache_policy=NO_CACHE)
def remind_schools(database_url: str | None = None, now: datetime | None = None) -> int:
    from tremplin.core.mail import deliver
    from tremplin.plugins.schools.booking import send_reminders

    with open_app(database_url) as app:
        with app.transaction() as session:
            count = send_reminders(app, session, now=now)
        deliver(app)
    return count


@flow(name="schools-reminders")
def schools_reminders(database_url: str | None = None) -> int:
    """Remind the schools whose visit is in the next two days; returns how many were reminded."""
    count = remind_schools(database_url)
    logger().info("%d school visit(s) reminded", count)
    return count


# ------------------------------------------------------------------------------------------------
# The survey after the visit


def survey_after_visits(app: Any, session: Any, now: datetime | None = None, within_days: int = 14) -> int:
    """Send the teacher of each visit held (``done``) in the last ``within_days`` days a one-time link to
    the satisfaction survey, once per booking (the outbox key ``schools.booking:<id>:survey``)."""
    from datetime import timedelta

    from sqlalchemy import select

    from tremplin import new_survey_link
    from tremplin.core.mail import enqueue
    from tremplin.core.models import Centre, OutboxMessage
    from tremplin.core.surveys import LINK_VALID_DAYS
    from tremplin.plugins.schools.booking import add_mail_templates, format_when
    from tremplin.plugins.schools.models import SchoolBooking, SchoolSlot

    now = now or datetime.now(UTC)
    add_mail_templates()
    visits = session.scalars(
        select(SchoolBooking)
        .join(SchoolSlot, SchoolSlot.id == SchoolBooking.slot_id)
        .where(
            SchoolBooking.status == "done",
            SchoolBooking.teacher_email.is_not(None),
            SchoolSlot.starts_at < now,
            SchoolSlot.starts_at >= now - timedelta(days=within_days),
        )
        .order_by(SchoolBooking.id)
    ).all()
    sent = 0
    for booking in visits:
        key = f"schools.booking:{booking.id}:survey"
        if session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == key)) is not None:
            continue
        link = new_survey_link(session, "schools", centre_id=booking.centre_id, channel="email")
        centre = session.get(Centre, booking.centre_id)
        lang = booking.teacher_language
        tz = centre.timezone if centre and centre.timezone else app.settings.timezone
        enqueue(
            session,
            key=key,
            to=booking.teacher_email or "",
            template="schools/survey",
            lang=lang,
            context={
                "teacher": booking.teacher_name or "",
                "workshop": booking.workshop.name.get(lang),
                "when": format_when(booking.slot.starts_at, lang, tz),
                "survey_url": f"{app.settings.public_base_url.rstrip('/')}/survey/{link.code}",
                "days": LINK_VALID_DAYS,
                "centre": centre.name if centre else "",
            },
            centre_id=booking.centre_id,
            audience="schools",
            subject_ref=f"schools.booking:{booking.id}",
        )
        sent += 1
    return sent


@task(name="send-visit-surveys", cache_policy=NO_CACHE)
def send_visit_surveys(database_url: str | None = None, now: datetime | None = None) -> int:
    from tremplin.core.mail import deliver

    with open_app(database_url) as app:
        with app.transaction() as session:
            count = survey_after_visits(app, session, now=now)
        deliver(app)
    return count


@flow(name="schools-visit-surveys")
def schools_visit_surveys(database_url: str | None = None) -> int:
    """Send the satisfaction survey to the teachers of the visits held in the last two weeks, once each."""
    count = send_visit_surveys(database_url)
    logger().info("%d survey link(s) sent after a class visit", count)
    return count
