"""The schools plugin's flow: the reminder two days before a visit (``booking.send_reminders``).

Each booking is reminded once (its status becomes ``reminded`` and the message has its own key in the
outbox), so a run repeated after a crash reminds nobody twice. The e-mails leave with the outbox.
"""

from __future__ import annotations

from datetime import datetime

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
