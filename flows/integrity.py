"""Counters integrity: every night the roll-up is compared with a rebuild from the rows
(``tremplin.core.integrity``). A difference e-mails the admins (``TREMPLIN_ADMIN_EMAILS``, once a day
each, through the outbox) and fails the run, so that ``tremplin flows list`` and Prefect's UI show it
until ``tremplin counters repair`` has put things right.
"""

from __future__ import annotations

from datetime import date

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from tremplin.flows.common import centre_name, logger, open_app, recipients

ADMINS_SETTING = "TREMPLIN_ADMIN_EMAILS"
#: At most this many differences are listed in the alert.
SAMPLE = 20


class CountersDiffer(RuntimeError):
    """The roll-up differs from the rows."""


@task(name="compare-counters", cache_policy=NO_CACHE)
def compare_counters(database_url: str | None = None) -> list[str]:
    """The differences between the roll-up and a rebuild from the rows, described."""
    from tremplin.core.integrity import compare

    with open_app(database_url) as app, app.db.engine.connect() as conn:
        return [d.describe() for d in compare(app, conn)]


@task(name="alert-admins", cache_policy=NO_CACHE, retries=3, retry_delay_seconds=[10, 60, 300])
def alert_admins(differences: list[str], day: date, database_url: str | None = None) -> int:
    """Queue one alert per admin for ``day`` (idempotent) and send what is due; returns how many were queued."""
    from tremplin.core.audit import audit
    from tremplin.core.mail import deliver, enqueue

    to = recipients(ADMINS_SETTING)
    with open_app(database_url) as app:
        with app.transaction() as session:
            context = {"differences": len(differences), "sample": differences[:SAMPLE], "centre": centre_name(session)}
            for address in to:
                enqueue(
                    session,
                    key=f"integrity:{day.isoformat()}:{address}",
                    to=address,
                    template="integrity/alert",
                    lang=app.settings.default_language,
                    context=context,
                )
            audit(session, "counters.differ", None, "counters", "", differences=len(differences), alerted=len(to))
        deliver(app)
    return len(to)


@flow(name="counters-integrity")
def counters_integrity(database_url: str | None = None) -> int:
    """Compare the counters with the records; alert the admins and fail if they differ. Returns 0."""
    log = logger()
    differences = compare_counters(database_url)
    if not differences:
        log.info("The counters are what the records say.")
        return 0
    alerted = alert_admins(differences, date.today(), database_url)
    if not alerted:
        log.warning("No admin to alert: set %s", ADMINS_SETTING)
    raise CountersDiffer(
        f"{len(differences)} counter figure(s) differ from the records (first: {differences[0]}); "
        "run `tremplin counters repair`"
    )
