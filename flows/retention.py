"""Retention purge: cases are kept only as long as their programme requires (``Case.retain_until``).

Runs daily. A case whose ``retain_until`` is before the current day of its centre is deleted through
the ORM, so that its stage history and outcomes go with it, the contacts and referrals that named it
keep existing without it (their ``case_id`` becomes empty), and the roll-up subtracts it in the same
transaction: the counters stay exactly what a rebuild would give. Each run writes one audit event with
what it deleted, counted by centre and audience; the case codes are not kept.

Then each plugin purges its own data through the ``purge_expired`` hook (the schools plugin erases
the teachers' names and e-mails once a visit's follow-up is over; a bot that keeps routing data drops
it); the run's second audit event says how many of each.

Last, what the core keeps about the outside for a while only: the client addresses of the audit log's
logins are erased after ``TREMPLIN_AUDIT_ADDRESS_RETENTION_DAYS`` (30), and the e-mails the outbox sent
are deleted after ``TREMPLIN_OUTBOX_RETENTION_DAYS`` (30), as are the survey links expired that long
ago; failed e-mails stay for a coordinator to see.

The run returns, and logs, how many of each kind it purged.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from tremplin.flows.common import centres, logger, open_app

if TYPE_CHECKING:
    from sqlalchemy import CursorResult


@task(name="purge-expired-cases", cache_policy=NO_CACHE)
def purge_expired_cases(
    database_url: str | None = None, today: date | None = None, centre: str | None = None
) -> dict[str, Any]:
    """Delete the cases past their retention date; returns the counts the audit event records.

    ``today`` overrides each centre's current local day (for a catch-up run or a test).
    """
    from sqlalchemy import select

    from tremplin.core.audit import audit
    from tremplin.core.models import Case

    with open_app(database_url) as app, app.transaction() as session:
        by_centre: Counter[str] = Counter()
        by_audience: Counter[str] = Counter()
        cut_offs: dict[str, str] = {}
        for c in centres(session, centre):
            day = today or datetime.now(ZoneInfo(c.timezone or app.settings.timezone)).date()
            cut_offs[c.code] = day.isoformat()
            due = session.scalars(
                select(Case)
                .where(Case.centre_id == c.id, Case.retain_until.is_not(None), Case.retain_until < day)
                .order_by(Case.id)
            ).all()
            for case in due:
                by_centre[c.code] += 1
                by_audience[case.audience] += 1
                session.delete(case)
        session.flush()
        summary = {
            "deleted": sum(by_centre.values()),
            "by_centre": dict(by_centre),
            "by_audience": dict(by_audience),
            "retained_until_before": cut_offs,
        }
        audit(session, "case.purge", None, "case", "", **summary)
    return summary


@task(name="purge-plugin-data", cache_policy=NO_CACHE)
def purge_plugin_data(database_url: str | None = None, today: date | None = None) -> dict[str, int]:
    """Ask every plugin to purge what it keeps past its retention (``purge_expired``); their counts."""
    from tremplin.core.audit import audit

    with open_app(database_url) as app, app.transaction() as session:
        day = today or datetime.now(ZoneInfo(app.settings.timezone)).date()
        counts: dict[str, int] = {}
        for result in app.hook.purge_expired(app=app, session=session, today=day):
            for key, value in (result or {}).items():
                counts[key] = counts.get(key, 0) + int(value)
        audit(session, "plugin.purge", None, "retention", "", today=day.isoformat(), **counts)
    return counts


@task(name="purge-core-traces", cache_policy=NO_CACHE)
def purge_core_traces(database_url: str | None = None, now: datetime | None = None) -> dict[str, int]:
    """Forget old client addresses in the audit log and delete the e-mails sent long ago; their counts.
    ``now`` overrides the current time (for a test)."""
    from sqlalchemy import delete

    from tremplin.core.audit import audit, forget_addresses
    from tremplin.core.models import OutboxMessage, SurveyLink

    now = now or datetime.now(UTC)
    with open_app(database_url) as app, app.transaction() as session:
        settings = app.settings
        addresses = forget_addresses(session, now - timedelta(days=settings.audit_address_retention_days))
        sent = cast(
            "CursorResult[Any]",
            session.execute(
                delete(OutboxMessage).where(
                    OutboxMessage.state == "sent",
                    OutboxMessage.sent_at < now - timedelta(days=settings.outbox_retention_days),
                )
            ),
        ).rowcount
        # A survey link past its date (answered or not) only takes room: its answer never named it.
        links = cast(
            "CursorResult[Any]",
            session.execute(
                delete(SurveyLink).where(SurveyLink.expires_at < now - timedelta(days=settings.outbox_retention_days))
            ),
        ).rowcount
        counts = {
            "audit.client_addresses": addresses,
            "outbox.sent_emails": int(sent or 0),
            "surveys.expired_links": int(links or 0),
        }
        audit(session, "core.purge", None, "retention", "", **counts)
    return counts


@flow(name="retention-purge")
def retention_purge(database_url: str | None = None) -> dict[str, int]:
    """Delete the cases whose retention period is over, what plugins keep past theirs, old client
    addresses and sent e-mails; returns how many of each were purged."""
    log = logger()
    summary = purge_expired_cases(database_url)
    purged = {"cases": int(summary["deleted"])}
    purged.update(purge_plugin_data(database_url))
    purged.update(purge_core_traces(database_url))
    for key, count in purged.items():
        log.info("%s: %d purged", key, count)
    return purged
