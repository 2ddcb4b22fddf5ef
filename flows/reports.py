"""Report delivery: the reports go to the people who need them, by themselves.

* ``report-monthly`` (the 2nd of each month): the previous month's dashboard report, published
  (disclosure control: these figures leave the application), as a PDF attached to an e-mail that also
  links to its spreadsheet in the web app (a programme lead logs in to download it).
* ``report-esf`` (the 3rd of January and of July): the ESF+ report of the cofinanced operation,
  cumulated from ``TREMPLIN_ESF_START`` (default 2021-01-01, the programme's start) to the last
  half-year's cut-off, with its per-participant file. The participant file is personal data: it goes
  into the reports folder only, never into an e-mail.
* ``report-annual`` (on demand, ``tremplin flows run report-annual -p year=2025``): the annual report.

Every report is also written to the reports folder (``TREMPLIN_REPORTS_DIR``, default ``reports/``
next to the database), one sub-folder per report. Who receives what is a setting per report:
``TREMPLIN_REPORT_RECIPIENTS_MONTHLY``, ``_ESF``, ``_ANNUAL`` (comma-separated addresses). Each
e-mail goes through the outbox under the key ``report:<kind>:<period>:<address>``, so a repeated run
sends nothing twice; each run writes a ``report.delivery`` audit event naming the recipients, the new
messages and the files.
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from tremplin.flows.common import centre_name, logger, open_app, recipients

#: Reports sent outside the application are published (counts below the threshold hidden), except the
#: ESF+ report, whose indicators the managing authority needs exact.
PUBLISHED = {"monthly": True, "annual": True, "esf": False}


def recipients_setting(kind: str) -> str:
    return f"TREMPLIN_REPORT_RECIPIENTS_{kind.upper()}"


def reports_dir() -> Path:
    configured = os.environ.get("TREMPLIN_REPORTS_DIR")
    return Path(configured) if configured else Path(os.environ.get("TREMPLIN_HOME", ".")) / "reports"


def esf_start() -> date:
    return date.fromisoformat(os.environ.get("TREMPLIN_ESF_START", "2021-01-01"))


def previous_month(today: date) -> tuple[int, int]:
    last = today.replace(day=1) - timedelta(days=1)
    return last.year, last.month


def last_cutoff(today: date) -> date:
    """The last 30 June or 31 December before ``today``: what the ESF+ values are cumulated to."""
    if today.month > 6:
        return date(today.year, 6, 30)
    return date(today.year - 1, 12, 31)


def _build(app: Any, session: Any, kind: str, params: dict[str, Any]) -> Any:
    from tremplin.core.reports import build

    published = PUBLISHED[kind]
    if kind == "monthly":
        return build.monthly_report(app, session, params["year"], params["month"], published=published)
    if kind == "annual":
        return build.annual_report(app, session, params["year"], published=published)
    operation = app.registry.default_esf_operation()
    return build.esf_report(app, session, operation, params["start"], params["end"], published=published)


def _period_label(kind: str, params: dict[str, Any]) -> str:
    if kind == "monthly":
        return f"{params['year']}-{params['month']:02d}"
    if kind == "annual":
        return str(params["year"])
    return f"{params['start'].isoformat()}_{params['end'].isoformat()}"


def _link(app: Any, kind: str, params: dict[str, Any]) -> str:
    from urllib.parse import urlencode

    query: list[tuple[str, Any]] = [("kind", kind)]
    if kind == "monthly":
        query.append(("month", f"{params['year']}-{params['month']:02d}"))
    elif kind == "annual":
        query.append(("year", params["year"]))
    else:
        query += [("operation", app.registry.default_esf_operation()), ("from", params["start"]), ("to", params["end"])]
    if PUBLISHED[kind]:
        query.append(("published", "1"))
    query.append(("format", "xlsx"))
    return f"{app.settings.public_base_url}/reports/download?{urlencode(query)}"


@task(name="deliver-report", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[30, 300])
def deliver_report(kind: str, params: dict[str, Any], database_url: str | None = None) -> dict[str, Any]:
    """Build one report, write it to the folder, queue it for its recipients and send what is due."""
    from tremplin.core.audit import audit
    from tremplin.core.mail import Attachment, deliver, enqueue, queued
    from tremplin.core.reports.render import render_bytes

    period = _period_label(kind, params)
    folder = reports_dir() / kind
    folder.mkdir(parents=True, exist_ok=True)
    to = recipients(recipients_setting(kind))
    with open_app(database_url) as app:
        with app.session() as session:
            report = _build(app, session, kind, params)
            pdf, xlsx = render_bytes(report, "pdf"), render_bytes(report, "xlsx")
            files = [folder / f"{kind}-{period}.pdf", folder / f"{kind}-{period}.xlsx"]
            if kind == "esf":
                from tremplin.core.reports.build import participants_report

                operation = app.registry.default_esf_operation()
                participants = participants_report(app, session, operation, params["start"], params["end"])
                files.append(folder / f"esf-participants-{period}.xlsx")
                files[-1].write_bytes(render_bytes(participants, "xlsx"))
        files[0].write_bytes(pdf)
        files[1].write_bytes(xlsx)
        with app.transaction() as session:
            context = {
                "report_title": report.title,
                "period": report.period.label,
                "attached": True,
                "link": _link(app, kind, params),
                "folder": str(folder),
                "threshold": app.settings.disclosure_threshold,
                "centre": centre_name(session),
            }
            for address in to:
                enqueue(
                    session,
                    key=f"report:{kind}:{period}:{address}",
                    to=address,
                    template="reports/delivery",
                    lang=report.language,
                    context=context,
                    attachments=[Attachment(files[0].name, "application/pdf", pdf)],
                    subject_ref=f"report:{kind}:{period}",
                )
            new = len(queued(session))
            audit(
                session,
                "report.delivery",
                None,
                "report",
                f"{kind}:{period}",
                recipients=to,
                new_messages=new,
                files=[str(f) for f in files],
                published=report.published,
            )
        deliver(app)
    names = [str(f) for f in files]
    return {"kind": kind, "period": period, "recipients": len(to), "new_messages": new, "files": names}


@flow(name="report-monthly")
def report_monthly(month: str | None = None, database_url: str | None = None) -> dict[str, Any]:
    """Deliver the monthly dashboard report of ``month`` (``2025-03``; default: the previous month)."""
    if month:
        year, number = (int(part) for part in month.split("-"))
    else:
        year, number = previous_month(date.today())
    result = deliver_report("monthly", {"year": year, "month": number}, database_url)
    logger().info("monthly report %(period)s: %(new_messages)d new e-mail(s) to %(recipients)d recipient(s)", result)
    return result


@flow(name="report-esf")
def report_esf(until: str | None = None, database_url: str | None = None) -> dict[str, Any]:
    """Deliver the ESF+ cumulative report and participant file up to ``until`` (default: the last
    30 June or 31 December)."""
    end = date.fromisoformat(until) if until else last_cutoff(date.today())
    result = deliver_report("esf", {"start": esf_start(), "end": end}, database_url)
    logger().info("ESF+ report %(period)s: %(new_messages)d new e-mail(s) to %(recipients)d recipient(s)", result)
    return result


@flow(name="report-annual")
def report_annual(year: int | None = None, database_url: str | None = None) -> dict[str, Any]:
    """Deliver the annual report of ``year`` (default: last year)."""
    result = deliver_report("annual", {"year": year or date.today().year - 1}, database_url)
    logger().info("annual report %(period)s: %(new_messages)d new e-mail(s) to %(recipients)d recipient(s)", result)
    return result
