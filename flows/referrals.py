"""Referral follow-up: an ``issued`` referral that nobody received before it expires is marked expired.

Runs daily. Each expiry goes through ``tremplin.core.records.set_referral_status``, so it is audited and fires
``referral_status_changed`` like a change made at the desk.
"""

from __future__ import annotations

from datetime import datetime, timezone

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from tremplin.flows.common import logger, open_app


@task(name="expire-due-referrals", cache_policy=NO_CACHE)
def expire_due_referrals(database_url: str | None = None, now: datetime | None = None) -> int:
    """Mark expired every issued referral whose ``expires_at`` is before ``now``; returns how many."""
    from tremplin.core.records import expire_referrals

    now = now or datetime.now(timezone.utc)
    with open_app(database_url) as app, app.transaction() as session:
        return expire_referrals(app, session, now=now)


@flow(name="referral-expiry")
def referral_expiry(database_url: str | None = None) -> int:
    """Expire the referrals nobody received in time."""
    count = expire_due_referrals(database_url)
    logger().info("%d referral(s) expired", count)
    return count
