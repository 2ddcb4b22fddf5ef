"""``tremplin report`` and ``tremplin export``: the reports and the contacts table, in every format.

Only click is imported here; the report machinery is imported when a command runs, so that
``tremplin --help`` stays fast. The commands get the CLI's context object (``tremplin.core.cli.Context``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date
from typing import Any, NoReturn

import click

from tremplin.core.cli_text import error_text, fail_message, number, say

FORMAT_CHOICES = ("html", "pdf", "xlsx", "csv", "json")
LANGUAGE_CHOICES = ("fr", "nl", "en", "uk")


def _fail(message: str) -> NoReturn:
    click.secho(fail_message(message), fg="red", err=True)
    sys.exit(1)


def report_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The options every report command takes."""
    options = [
        click.option(
            "--format",
            "fmt",
            type=click.Choice(FORMAT_CHOICES),
            default="html",
            show_default=True,
            help="Output format.",
        ),
        click.option(
            "--out",
            "out",
            default=None,
            help="File to write (default: a name from the report and period; '-' for standard output).",
        ),
        click.option(
            "--centre",
            "centres",
            multiple=True,
            help="Centre code (repeat for several: the network roll-up, a column per centre). Default: every centre.",
        ),
        click.option(
            "--published",
            is_flag=True,
            help="Apply disclosure control: counts below the threshold show as '<5', with secondary suppression.",
        ),
        click.option(
            "--language",
            type=click.Choice(LANGUAGE_CHOICES),
            default=None,
            help="Language of the report (default: the settings' default language).",
        ),
        click.option(
            "--as",
            "as_user",
            default=None,
            metavar="USERNAME",
            help="Run as this staff account: recorded in the audit log; its audiences and role apply.",
        ),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _month(value: str) -> tuple[int, int]:
    try:
        year, month = value.split("-")
        y, m = int(year), int(month)
        date(y, m, 1)
        return y, m
    except ValueError:
        raise click.BadParameter(say("report.not_a_month", value=value)) from None


def _run_report(
    obj: Any,
    build: Callable[..., Any],
    fmt: str,
    out: str | None,
    centres: tuple[str, ...],
    published: bool,
    language: str | None,
    as_user: str | None,
) -> None:
    from tremplin.core.disclosure import sees_exact
    from tremplin.core.reports.build import ReportError
    from tremplin.core.reports.esf import EsfError
    from tremplin.core.reports.export import find_staff, record_export, report_parameters
    from tremplin.core.reports.render import FORMATS, render

    app = obj.app
    staff = None
    with app.session() as session:
        if as_user:
            staff = find_staff(session, as_user)
            if staff is None or not staff.active:
                _fail(say("staff.no_active_account", username=as_user))
        if staff is not None and not sees_exact(staff):
            published = True  # this role sees published figures only
        audiences = list(staff.audiences) if staff is not None else None
        try:
            report = build(
                app, session, centres=list(centres) or None, language=language, published=published, audiences=audiences
            )
        except (ReportError, EsfError, PermissionError) as exc:
            _fail(error_text(exc))
        except ModuleNotFoundError as exc:
            _fail(say("report.not_available", error=exc))
        target = out or _default_name(report, FORMATS[fmt][0])
        if target == "-":
            render(report, fmt, sys.stdout.buffer)
            sys.stdout.buffer.flush()
        else:
            with open(target, "wb") as fh:
                render(report, fmt, fh)
    params = report_parameters(report, fmt)
    params["out"] = target
    record_export(
        app,
        "report",
        report.key,
        fmt,
        staff=staff,
        actor=as_user or "cli",
        **{k: v for k, v in params.items() if k != "format"},
    )
    if target != "-":
        wrote = (
            say("report.wrote_published", title=report.title, format=fmt, target=target)
            if report.published
            else say("report.wrote", title=report.title, format=fmt, target=target)
        )
        click.echo(wrote, err=True)


def _default_name(report: Any, ext: str) -> str:
    key = report.key.replace(":", "-")
    return f"{key}-{report.period.label.replace(' ', '').replace('–', '_')}.{ext}"


@click.group("report")
def report() -> None:
    """Build a report (annual, monthly, audience, esf) as HTML, PDF, XLSX, CSV or JSON."""


@report.command("annual")
@click.option("--year", type=int, required=True, help="Calendar year.")
@report_options
@click.pass_obj
def report_annual(obj: Any, year: int, **kw: Any) -> None:
    """The annual activity report (the shape of the centre's own annual reports)."""
    from tremplin.core.reports.build import annual_report

    _run_report(obj, lambda app, session, **b: annual_report(app, session, year, **b), **kw)


@report.command("monthly")
@click.option("--month", "month", required=True, help="Month, as 2025-03.")
@report_options
@click.pass_obj
def report_monthly(obj: Any, month: str, **kw: Any) -> None:
    """The monthly dashboard: one month against the same month a year earlier."""
    from tremplin.core.reports.build import monthly_report

    y, m = _month(month)
    _run_report(obj, lambda app, session, **b: monthly_report(app, session, y, m, **b), **kw)


@report.command("audience")
@click.argument("audience")
@click.option("--year", type=int, default=None, help="Calendar year (or give --from and --to).")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), default=None, help="First day (YYYY-MM-DD).")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Last day (YYYY-MM-DD).")
@report_options
@click.pass_obj
def report_audience(obj: Any, audience: str, year: int | None, start: Any, end: Any, **kw: Any) -> None:
    """One audience's report: its counters, breakdowns and monthly chart."""
    from tremplin.core.reports.build import audience_report

    a, b = _period(year, start, end)
    _run_report(obj, lambda app, session, **o: audience_report(app, session, audience, a, b, **o), **kw)


@report.command("esf")
@click.option(
    "--operation",
    default=None,
    help="The cofinanced operation (an audience key; default: the audience declared ESF+-cofinanced).",
)
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), required=True, help="First day (YYYY-MM-DD).")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), required=True, help="Last day (YYYY-MM-DD).")
@click.option(
    "--participants",
    is_flag=True,
    help="Write the per-participant file for the managing authority instead (never published).",
)
@report_options
@click.pass_obj
def report_esf(obj: Any, operation: str | None, start: Any, end: Any, participants: bool, **kw: Any) -> None:
    """The ESF+ report of a cofinanced operation (indicators of Regulation (EU) 2021/1057, Annex I)."""
    from tremplin.core.registry import PluginError

    a, b = start.date(), end.date()
    if operation is None:
        try:
            operation = obj.app.registry.default_esf_operation()
        except PluginError as exc:
            _fail(error_text(exc))
    if participants:
        if kw["published"]:
            _fail(say("report.participants_published"))
        from tremplin.core.reports.build import participants_report

        _run_report(obj, lambda app, session, **o: participants_report(app, session, operation, a, b, **o), **kw)
        return
    from tremplin.core.reports.build import esf_report

    _run_report(obj, lambda app, session, **o: esf_report(app, session, operation, a, b, **o), **kw)


def _period(year: int | None, start: Any, end: Any) -> tuple[date, date]:
    if year is not None:
        if start or end:
            raise click.UsageError(say("report.year_and_period"))
        return date(year, 1, 1), date(year, 12, 31)
    if not (start and end):
        raise click.UsageError(say("report.year_or_period"))
    return start.date(), end.date()


@click.group("export")
def export() -> None:
    """Export raw (anonymous) records, streamed: flat memory whatever the size."""


@export.command("contacts")
@click.option("--format", "fmt", type=click.Choice(("csv", "xlsx")), default="csv", show_default=True)
@click.option("--out", "out", required=True, help="File to write ('-' for standard output, CSV only).")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), default=None, help="First day (YYYY-MM-DD).")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Last day (YYYY-MM-DD).")
@click.option("--centre", "centres", multiple=True, help="Centre code (repeat for several; default: every centre).")
@click.option(
    "--as",
    "as_user",
    default=None,
    metavar="USERNAME",
    help="Run as this staff account (its audiences apply; recorded in the audit log).",
)
@click.pass_obj
def export_contacts_cmd(
    obj: Any, fmt: str, out: str, start: Any, end: Any, centres: tuple[str, ...], as_user: str | None
) -> None:
    """Every contact as one row (no notes), as CSV or XLSX."""
    from tremplin.core.reports.export import export_contacts, find_staff, record_export

    app = obj.app
    staff = None
    if as_user:
        with app.session() as session:
            staff = find_staff(session, as_user)
        if staff is None or not staff.active:
            _fail(say("staff.no_active_account", username=as_user))
    a = start.date() if start else None
    b = end.date() if end else None
    audiences = list(staff.audiences) if staff is not None else None
    if out == "-":
        if fmt != "csv":
            _fail(say("export.csv_only"))
        n = export_contacts(app, fmt, sys.stdout.buffer, a, b, centres, audiences)
        sys.stdout.buffer.flush()
    else:
        with open(out, "wb") as fh:
            n = export_contacts(app, fmt, fh, a, b, centres, audiences)
    record_export(
        app,
        "contacts",
        "contacts",
        fmt,
        staff=staff,
        actor=as_user or "cli",
        start=a,
        end=b,
        centres=list(centres),
        rows=n,
        out=out,
    )
    if out != "-":
        click.echo(say("export.wrote", count=number(n), out=out), err=True)
