"""Outbox delivery: sends the e-mails that are due (``tremplin.core.mail.deliver``), every minute.

A message is claimed before it is sent and marked sent after, so a repeated or overlapping run never
sends it twice; what fails for a while is retried with backoff and then shown as failed.
"""

from __future__ import annotations

from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from tremplin.flows.common import logger, open_app


@task(name="deliver-outbox", cache_policy=NO_CACHE)
def deliver_outbox(database_url: str | None = None) -> dict[str, Any]:
    from tremplin.core.mail import deliver

    with open_app(database_url) as app:
        report = deliver(app)
    return {"sent": report.sent, "retried": report.retried, "failed": report.failed}


@flow(name="outbox-delivery")
def outbox_delivery(database_url: str | None = None) -> dict[str, Any]:
    """Send what is due in the outbox; returns how many were sent, put back for a retry, or failed."""
    summary = deliver_outbox(database_url)
    logger().info("outbox: %(sent)d sent, %(retried)d to retry, %(failed)d failed", summary)
    return summary
