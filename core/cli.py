"""The ``tremplin`` command.

Imports stay inside the commands: ``tremplin --help`` must answer in well under half a second, and
SQLAlchemy, pydantic, Prefect or uvicorn cost more than that together.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from typing import TYPE_CHECKING, Any, NoReturn

import click

from tremplin.core.cli_text import (
    META_KEY,
    choose_language,
    current_language,
    decimal,
    error_text,
    fail_message,
    number,
    say,
    translated,
    warning_message,
)
from tremplin.core.i18n import LANGUAGES

if TYPE_CHECKING:
    from tremplin.core.app import App


class Context:
    def __init__(self, database_url: str | None) -> None:
        self.database_url = database_url
        self._app: App | None = None

    @property
    def app(self) -> App:
        if self._app is None:
            from tremplin.core.app import create_app

            self._app = create_app(database_url=self.database_url)
        return self._app


pass_ctx = click.make_pass_decorator(Context)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--database-url", envvar="TREMPLIN_DATABASE_URL", help="SQLAlchemy URL (default: a SQLite file, tremplin.db)."
)
@click.option(
    "--language",
    envvar="TREMPLIN_LANGUAGE",
    type=click.Choice(LANGUAGES, case_sensitive=False),
    default=None,
    help="Language of the messages (default: the locale's, else English). The help stays in English.",
)
@click.version_option(package_name="tremplin")
@click.pass_context
def cli(ctx: click.Context, database_url: str | None, language: str | None) -> None:
    """Tremplin: anonymous contacts, referrals and cases for career-guidance centres."""
    ctx.obj = Context(database_url)
    ctx.meta[META_KEY] = choose_language(language)


def fail(message: str) -> NoReturn:
    """Print ``Error: message`` in the operator's language and exit 1 (``message`` is already translated)."""
    click.secho(fail_message(message), fg="red", err=True)
    sys.exit(1)


# ------------------------------------------------------------------------------------------------
# init, demo


@cli.command()
@click.option("--centre", "centre_code", default=None, help="Create this centre (code) if it does not exist.")
@click.option("--centre-name", default=None, help="Name of the centre created with --centre.")
@pass_ctx
def init(ctx: Context, centre_code: str | None, centre_name: str | None) -> None:
    """Create or upgrade the database schema (Alembic migrations)."""
    from tremplin.core.migrate import describe

    _upgrade(ctx)
    # One revision for the core, one for each plugin with tables: ``0004_sessions (core), euroguidance_0001 (...)``.
    click.echo(
        say("init.ready", revision=describe(ctx.app), url=ctx.app.db.engine.url.render_as_string(hide_password=True))
    )
    _ensure_secret_key()
    if centre_code:
        from tremplin.core.admin import ensure_centre

        with ctx.app.transaction() as session:
            centre, created = ensure_centre(session, centre_code, centre_name or centre_code)
        click.echo(say("init.centre_created" if created else "init.centre_found", code=centre.code))


def _upgrade(ctx: Context) -> None:
    """Upgrade the schema, or stop saying in plain words why it cannot be (an uninstalled plugin's branch)."""
    from tremplin.core.migrate import NotInstalledError, upgrade

    try:
        upgrade(ctx.app)
    except NotInstalledError as exc:
        fail(_not_installed(exc.revisions))


def _not_installed(revisions: list[str]) -> str:
    """``NotInstalledError``'s explanation in the operator's language."""
    from tremplin.core.migrate import plugin_of_revision

    core = [rev for rev in revisions if rev[:1].isdigit()]  # the core's ids start with a number
    plugins = [rev for rev in revisions if rev not in core]
    parts = []
    if plugins:
        names = sorted(dict.fromkeys(plugin_of_revision(rev) for rev in plugins))
        parts.append(
            say("not_installed.plugin", revisions=", ".join(plugins), plugins=", ".join(names), plugin=names[0])
        )
    if core:
        parts.append(say("not_installed.core", revisions=", ".join(core)))
    return " ".join(parts)


def _ensure_secret_key() -> None:
    """Without ``TREMPLIN_SECRET_KEY``, generate the key that signs sessions once, readable by its owner only."""
    import os
    import secrets

    from tremplin.core.settings import default_secret_key_file, read_secret_key

    if os.environ.get("TREMPLIN_SECRET_KEY"):
        return
    path = os.environ.get("TREMPLIN_SECRET_KEY_FILE") or default_secret_key_file()
    if read_secret_key(path):
        click.echo(say("init.key_kept", path=path))
        return
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # an existing empty file keeps its mode otherwise
        os.write(fd, (secrets.token_urlsafe(48) + "\n").encode("ascii"))
    finally:
        os.close(fd)
    click.echo(say("init.key_generated", path=path))


LOOPBACK = ("127.0.0.1", "::1", "localhost")


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host in LOOPBACK:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@cli.command()
@click.option("--year", type=int, default=None, help="Year to generate (default: last year).")
@click.option("--scale", type=float, default=1.0, help="1.0 is the centre's order of magnitude (~55,000 contacts).")
@click.option("--seed", type=int, default=2019)
@click.option("--reset/--no-reset", default=True, help="Empty the database first.")
@click.option(
    "--serve/--no-serve",
    "serve_after",
    default=True,
    help="Serve the web app once the database is filled (default), or only fill it and print.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to serve on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to serve on.")
@pass_ctx
def demo(
    ctx: Context, year: int | None, scale: float, seed: int, reset: bool, serve_after: bool, host: str, port: int
) -> None:
    """Fill a database with a year of realistic synthetic activity, print its counters, and serve it."""
    from tremplin.core.demo import generate

    year = year or date.today().year - 1
    _upgrade(ctx)
    summary = generate(ctx.app, year=year, scale=scale, seed=seed, reset=reset, progress=True)
    click.echo(summary.describe(current_language()))
    _print_counters(ctx.app, year, None, "table")
    if serve_after:
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        click.echo(say("demo.web_app", host=shown, port=port, year=year))
        click.echo(say("demo.logins"))
        _serve(ctx, host, port, 1)


# ------------------------------------------------------------------------------------------------
# import


@cli.group(name="import")
def import_() -> None:
    """Load history from CSV files (see docs/interchange.md)."""


def _run_import(ctx: Context, kind: str, path: str, create_missing: bool, strict_notes: bool, confirm: bool) -> None:
    from tremplin.core.importer import ImportFailed, import_file

    try:
        result = import_file(
            ctx.app,
            kind,
            path,
            create_missing=create_missing,
            progress=True,
            strict_notes=strict_notes,
            confirmed=confirm,
        )
    except ImportFailed as exc:
        click.secho(say("import.failed", count=number(len(exc.problems)), path=path), fg="red", err=True)
        for problem in exc.problems[:200]:
            click.echo(f"  {_import_problem(problem)}", err=True)
        if len(exc.problems) > 200:
            click.echo("  " + say("import.more", count=number(len(exc.problems) - 200)), err=True)
        if any("confirm it" in problem for problem in exc.problems):
            click.echo(say("import.confirm_hint"), err=True)
        sys.exit(1)
    click.echo(_import_result(result))


def _import_problem(problem: str) -> str:
    """A problem of the import in the operator's language: a broken rule is said with the rule's translated
    message (English keeps the import's own reason, which names the value and the rule); the file's shape, its
    encoding and the codes of its centres and sites with the import's own messages
    (``tremplin.core.import_messages``)."""
    from tremplin.core.cli_text import problem_message
    from tremplin.core.import_check import ProblemLine

    lang = current_language()
    if lang == "en" or not isinstance(problem, ProblemLine):
        return problem
    if problem.more:
        return say("import.more_problems", count=number(problem.more))
    if problem.rule is not None and problem.line:
        message = problem_message(problem.rule.problem)
        return say("import.line_column", line=problem.line, column=problem.rule.column, message=message)
    if problem.reason is not None:
        message = problem.reason.say(lang)
        if not problem.line:
            return message
        if problem.column is None:
            return say("import.line", line=problem.line, message=message)
        return say("import.line_column", line=problem.line, column=problem.column, message=message)
    return problem


def _import_result(result: Any) -> str:
    """``ImportResult.describe()`` in the operator's language."""
    lines = [
        say(
            "import.done",
            kind=say(f"import.kind.{result.kind}"),
            path=result.path,
            read=number(result.read),
            inserted=number(result.inserted),
            updated=number(result.updated),
            unchanged=number(result.unchanged),
            seconds=decimal(result.seconds),
        )
    ]
    if result.created_centres:
        lines.append(
            say("import.created_centres", count=len(result.created_centres), codes=", ".join(result.created_centres))
        )
    if result.created_sites:
        lines.append(
            say("import.created_sites", count=len(result.created_sites), codes=", ".join(result.created_sites))
        )
    if result.ignored_columns:
        lines.append(say("import.ignored_columns", columns=", ".join(result.ignored_columns)))
    if result.masked_notes:
        lines.append(say("import.masked_notes", count=number(result.masked_notes)))
    return "\n".join(lines)


_CREATE_MISSING = click.option(
    "--create-missing", is_flag=True, help="Create unknown centres and sites instead of refusing the rows."
)
_STRICT_NOTES = click.option(
    "--strict-notes",
    is_flag=True,
    help="Refuse notes made mostly of personal data (as a form does) instead of masking them.",
)
_CONFIRM = click.option(
    "--confirm", is_flag=True, help="Accept counts far above the usual (listed as problems otherwise)."
)


@import_.command("contacts")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@_CREATE_MISSING
@_STRICT_NOTES
@_CONFIRM
@pass_ctx
def import_contacts(ctx: Context, path: str, create_missing: bool, strict_notes: bool, confirm: bool) -> None:
    """Import contacts from a CSV file (all or nothing; importing twice changes nothing)."""
    _run_import(ctx, "contacts", path, create_missing, strict_notes, confirm)


@import_.command("activities")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@_CREATE_MISSING
@_CONFIRM
@pass_ctx
def import_activities(ctx: Context, path: str, create_missing: bool, confirm: bool) -> None:
    """Import group activities from a CSV file (all or nothing; importing twice changes nothing)."""
    _run_import(ctx, "activities", path, create_missing, True, confirm)


# ------------------------------------------------------------------------------------------------
# counters


@cli.group()
def counters() -> None:
    """Show or rebuild the counters."""


def _print_counters(app: App, year: int | None, audience: str | None, fmt: str, centre: str | None = None) -> None:
    from tremplin.core.queries import counter_figures

    with app.session() as session:
        figures = counter_figures(app, session, year=year, audience=audience, centre=centre, dimensions=True)
        labels = _figure_labels(app, session, figures)
    if fmt == "json":
        click.echo(json.dumps(figures, indent=2, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.table import Table

    title = say("counters.title", year=year or say("counters.all_years"))
    table = Table(title=title + (f" · {audience}" if audience else ""))
    table.add_column(say("counters.key"))
    table.add_column(say("counters.label"))
    table.add_column(say("counters.value"), justify="right")
    for key, value in figures.items():
        table.add_row(key, labels[key], number(value))
    Console().print(table)


def _figure_labels(app: App, session: Any, figures: dict[str, int]) -> dict[str, str]:
    """Labels in the operator's language: a counter's, or "counter · dimension: value" for a figure by a plugin
    dimension."""
    from tremplin.core.cli_text import current_language
    from tremplin.core.dimensions import Values

    lang = current_language()
    values: dict[str, Values] = {}
    out = {}
    for key in figures:
        counter, _, rest = key.partition("/")
        label = app.registry.counters[counter].label.get(lang)
        if rest:
            dim, _, code = rest.partition("/")
            found = values.get(dim)
            if found is None:
                found = values[dim] = Values(app, session, dim)
            label = f"{label} · {app.registry.dimensions[dim].label.get(lang)}: {found.text(code, lang)}"
        out[key] = label
    return out


@counters.command("show")
@click.option("--year", type=int, default=None, help="Calendar year (default: all years).")
@click.option("--audience", default=None, help="Only this audience's counters.")
@click.option("--centre", default=None, help="Only this centre (code).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@pass_ctx
def counters_show(ctx: Context, year: int | None, audience: str | None, centre: str | None, fmt: str) -> None:
    """Print every counter for a year, as a table or as one JSON object keyed by counter.

    Each counter is followed by its figures by the plugins' dimensions, keyed
    ``counter/dimension/value`` (``euroguidance.advised/euroguidance.country/de``).
    """
    if audience and audience not in ctx.app.registry.audiences:
        fail(say("counters.unknown_audience", audience=audience, known=", ".join(ctx.app.registry.audiences)))
    _print_counters(ctx.app, year, audience, fmt, centre)


@counters.command("rebuild")
@pass_ctx
def counters_rebuild(ctx: Context) -> None:
    """Recompute the roll-up from the rows (after adding a plugin or a counter)."""
    from tremplin.core.rollup import rebuild

    with ctx.app.db.engine.begin() as conn:
        stats = rebuild(ctx.app, conn)
    click.echo(say("counters.rebuilt", facts=number(stats["facts"]), rows=number(stats["rows"])))


@counters.command("check")
@pass_ctx
def counters_check(ctx: Context) -> None:
    """Compare the roll-up with a rebuild from the rows; exit 1 and list the differences if any."""
    from tremplin.core.integrity import compare

    with ctx.app.db.engine.connect() as conn:
        differences = compare(ctx.app, conn)
    if not differences:
        click.echo(say("counters.same"))
        return
    for difference in differences[:50]:
        counter, grain, period, centre_id, dim, value = difference.key
        where = "" if dim == "*" else f" {dim}={value}"
        click.echo(
            say(
                "counters.difference",
                counter=counter,
                grain=grain,
                period=period.isoformat(),
                centre=centre_id,
                where=where,
                kept=number(difference.kept),
                rebuilt=number(difference.rebuilt),
            )
        )
    fail(say("counters.differ", count=number(len(differences))))


@counters.command("repair")
@pass_ctx
def counters_repair(ctx: Context) -> None:
    """Rebuild the roll-up from the rows if it differs from them; says how many figures were wrong."""
    from tremplin.core.audit import audit
    from tremplin.core.integrity import repair

    wrong = repair(ctx.app)
    if wrong:
        with ctx.app.transaction() as session:
            audit(session, "counters.repair", None, "counters", "", corrected=wrong)
    click.echo(say("counters.repaired", count=number(wrong)) if wrong else say("counters.nothing_to_repair"))


# ------------------------------------------------------------------------------------------------
# partners


@cli.group()
def partners() -> None:
    """The organisations the centre refers people to."""


@partners.command("contact")
@click.argument("code")
@click.argument("address")
@click.option("--centre", default=None, help="Centre code (needed when the database has several).")
@pass_ctx
def partners_contact(ctx: Context, code: str, address: str, centre: str | None) -> None:
    """Set the organisation's contact ADDRESS (an office's mailbox, never a person's): referral reminders
    go there. An empty ADDRESS removes it."""
    from sqlalchemy import select

    from tremplin.core.admin import is_email_address
    from tremplin.core.audit import audit
    from tremplin.core.models import Partner
    from tremplin.flows.common import centres

    address = address.strip()
    if address and not is_email_address(address):
        fail(say("partners.not_email", address=address))
    with ctx.app.transaction() as session:
        # ``one_centre``'s choice, with its refusals said in the operator's language.
        found = centres(session, centre)
        if not found:
            fail(say("centres.none"))
        if len(found) > 1:
            fail(say("centres.several", count=len(found), codes=", ".join(c.code for c in found)))
        partner = session.scalar(select(Partner).where(Partner.centre_id == found[0].id, Partner.code == code))
        if partner is None:
            fail(say("partners.no_partner", code=code, centre=found[0].code))
        partner.contact_email = address or None
        audit(session, "partner.contact", None, "partner", partner.id, contact_email=address)
    click.echo(
        say("partners.reminders_to", code=code, address=address) if address else say("partners.no_address", code=code)
    )


# ------------------------------------------------------------------------------------------------
# staff


@cli.group()
def staff() -> None:
    """Manage staff accounts."""


@staff.command("add")
@click.argument("username")
@click.option(
    "--role", "roles", multiple=True, required=True, help="Role (repeat for several; `tremplin plugins` lists them)."
)
@click.option(
    "--audience",
    "audiences",
    multiple=True,
    help="Audience the account may see (repeat; * for all; default: its roles' audiences).",
)
@click.option("--name", "display_name", default="", help="Display name of the staff member.")
@click.option("--language", default="fr", type=click.Choice(["fr", "nl", "en", "uk"]))
@click.option("--centre", default=None, help="Centre code the account belongs to.")
@click.password_option(envvar="TREMPLIN_STAFF_PASSWORD", help="Password (asked if not given).")
@pass_ctx
def staff_add(
    ctx: Context,
    username: str,
    roles: tuple[str, ...],
    audiences: tuple[str, ...],
    display_name: str,
    language: str,
    centre: str | None,
    password: str,
) -> None:
    """Create a staff account with roles and the audiences it may see."""
    from tremplin.core.admin import AdminError, add_staff

    try:
        with ctx.app.transaction() as session:
            account = add_staff(
                ctx.app,
                session,
                username,
                password,
                roles=list(roles),
                audiences=list(audiences) or None,
                display_name=display_name,
                language=language,
                centre_code=centre,
            )
    except AdminError as exc:
        fail(translated(exc.text))
    click.echo(
        say(
            "staff.created",
            username=account.username,
            roles=", ".join(account.roles),
            audiences=", ".join(account.audiences),
        )
    )


@staff.command("list")
@pass_ctx
def staff_list(ctx: Context) -> None:
    """List staff accounts."""
    from sqlalchemy import select

    from tremplin.core.models import Staff

    with ctx.app.session() as session:
        # Tab-separated columns for scripts (``cut -f1``): the same words whatever the operator's language.
        for account in session.scalars(select(Staff).order_by(Staff.username)):
            click.echo(
                f"{account.username}\t{','.join(account.roles)}\t{','.join(account.audiences)}\t"
                f"{'active' if account.active else 'inactive'}"
            )


# ------------------------------------------------------------------------------------------------
# plugins


@cli.group("plugins", invoke_without_command=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_context
def plugins_cmd(click_ctx: click.Context, fmt: str) -> None:
    """List each plugin: its version, the hooks it implements and everything it registers."""
    if click_ctx.invoked_subcommand is not None:
        return
    from tremplin.core.inventory import describe

    ctx: Context = click_ctx.obj

    infos = describe(ctx.app)
    if fmt == "json":
        import json

        click.echo(json.dumps([info.as_dict() for info in infos], indent=2, ensure_ascii=False))
        return
    for info in infos:
        click.echo(f"{info.name} {info.version}")
        click.echo("  " + say("plugins.hooks", hooks=", ".join(info.hooks) or say("none")))
        for kind, items in info.registers.items():
            click.echo(f"  {kind} ({len(items)}):")
            for item in items:
                click.echo(f"    {item}")


@plugins_cmd.command("forget")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_ctx
def plugins_forget(ctx: Context, name: str, yes: bool) -> None:
    """Forget the migrations branch of an uninstalled plugin (NAME: the plugin, or the revision recorded).

    For a plugin removed for good: its branch is taken out of the database's alembic_version, so that
    `tremplin init` works again. Its tables and their rows are kept (drop them by hand if you want them gone).
    """
    from tremplin.core.migrate import current_heads, forget, not_installed, plugin_of_revision

    missing = not_installed(ctx.app)
    matching = [rev for rev in missing if name in (rev, plugin_of_revision(rev))]
    if not matching:
        # What ``forget`` refuses: the branch of an installed plugin (leaving it out is what to do instead).
        installed = [rev for rev in current_heads(ctx.app) if name in (rev, plugin_of_revision(rev))]
        if installed:
            fail(say("plugins.installed_branch", revisions=", ".join(installed)))
        fail(say("plugins.no_branch", name=name))
    if not yes:
        # The answer is click's y/n, whatever the language of the question.
        click.confirm(say("plugins.forget_confirm", revisions=", ".join(matching)), abort=True)
    removed = forget(ctx.app, name)
    click.echo(say("plugins.forgot", revisions=", ".join(removed)))


# ------------------------------------------------------------------------------------------------
# flows


@cli.group(name="flows")
def flows_group() -> None:
    """Prefect flows: list them, run one now, or serve them all on their schedules."""


def _parse_params(raw: tuple[str, ...]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for item in raw:
        key, sep, value = item.partition("=")
        if not sep or not key:
            fail(say("flows.bad_param", item=item))
        try:
            params[key] = json.loads(value)
        except json.JSONDecodeError:
            params[key] = value
    return params


def _flows(ctx: Context) -> list[Any]:
    """Every registered flow with its schedule; a wrong schedule setting stops the command, naming it."""
    from tremplin.flows.runner import collect
    from tremplin.flows.schedules import FlowScheduleError

    try:
        return collect(ctx.app)
    except FlowScheduleError as exc:
        fail(say("flows.bad_schedule", error=exc))
        raise  # pragma: no cover - fail() exits


@flows_group.command("list")
@click.option("--history/--no-history", default=True, help="Read each flow's last run from Prefect's API.")
@pass_ctx
def flows_list(ctx: Context, history: bool) -> None:
    """List every registered flow: name, audience, schedule (in the centre's time zone), plugin,
    description, and its last run with its state (a failed run says why)."""
    from tremplin.core.cli_text import current_language
    from tremplin.flows.runner import api_configured, last_runs

    lang = current_language()
    items = _flows(ctx)
    if not items:
        click.echo(say("flows.none"))
        return
    runs: dict[str, Any] = {}
    note = ""
    if history and api_configured():
        try:
            runs = last_runs(items)
        except Exception as exc:  # the list is still worth showing without the history
            note = say("flows.api_silent", error=f"{type(exc).__name__}: {exc}")
    elif history:
        note = say("flows.no_history")
    rows = [
        (
            item.name,
            item.audience,
            item.schedule(),
            item.plugin,
            item.spec.description.get(lang),
            runs[item.name].describe() if item.name in runs else say("flows.never_run"),
        )
        for item in items
    ]
    header = tuple(say("flows.header").split("|"))
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(5)]
    for row in [header, *rows]:
        click.echo("  ".join(value.ljust(width) for value, width in zip(row, widths)) + "  " + row[5])
    if note:
        click.echo(note)


@flows_group.command("run")
@click.argument("name")
@click.option(
    "--param",
    "-p",
    "params",
    multiple=True,
    metavar="KEY=VALUE",
    help="A flow parameter (VALUE read as JSON when it parses).",
)
@pass_ctx
def flows_run(ctx: Context, name: str, params: tuple[str, ...]) -> None:
    """Run the flow NAME now, in this process."""
    import difflib

    from tremplin.flows.runner import run, use_database

    known = [item.name for item in _flows(ctx)]
    if name not in known:
        # ``runner.find``'s refusal, in the operator's language.
        close = difflib.get_close_matches(name, known, n=1)
        hint = say("flows.did_you_mean", name=close[0]) if close else ""
        fail(say("flows.unknown", name=name, hint=hint, known=", ".join(known) or say("none")))
    use_database(ctx.database_url)
    try:
        result = run(ctx.app, name, _parse_params(params))
    except Exception as exc:  # Prefect has recorded the failed run; say why, and exit non-zero
        fail(say("flows.failed", name=name, error=f"{type(exc).__name__}: {exc}"))
    click.echo(json.dumps(result, indent=2, ensure_ascii=False, default=str))


@flows_group.command("serve")
@click.option("--limit", type=int, default=None, help="At most this many flow runs at once.")
@pass_ctx
def flows_serve(ctx: Context, limit: int | None) -> None:
    """Serve every registered flow on its schedule until interrupted (Ctrl-C): Prefect's local server
    on this machine, or the Prefect server PREFECT_API_URL names."""
    from tremplin.flows.runner import serve, use_database

    items = _flows(ctx)
    use_database(ctx.database_url)
    for item in items:
        click.echo(say("flows.serving", name=item.name, schedule=item.schedule(), timezone=ctx.app.settings.timezone))

    def announce(url: str) -> None:
        click.echo(say("flows.prefect_api", url=url, ui=url.removesuffix("/api")), nl=True)
        sys.stdout.flush()

    serve(ctx.app, limit=limit, on_server=announce)


@flows_group.command("deploy")
@click.option("--pool", required=True, help="The Prefect work pool (a process pool) to create the deployments on.")
@pass_ctx
def flows_deploy(ctx: Context, pool: str) -> None:
    """Create or update every flow's deployment, with its schedule, on the work pool POOL of the Prefect
    server PREFECT_API_URL names; workers started with `prefect worker start --pool POOL` run them."""
    from tremplin.flows.runner import deploy

    _flows(ctx)
    try:
        names = deploy(ctx.app, pool)
    except ValueError as exc:  # no such pool, no API
        fail(error_text(exc))
    for name in names:
        click.echo(say("flows.deployed", name=name, pool=pool))


# ------------------------------------------------------------------------------------------------
# bot


@cli.group(name="bot", invoke_without_command=True)
@click.option(
    "--token",
    envvar="TREMPLIN_TELEGRAM_TOKEN",
    help="The bot's token from @BotFather (better in TREMPLIN_TELEGRAM_TOKEN).",
)
@click.option(
    "--base-url",
    envvar="TREMPLIN_TELEGRAM_BASE_URL",
    default=None,
    help="A self-hosted Bot API server, e.g. http://127.0.0.1:8081/bot.",
)
@click.option(
    "--base-file-url",
    envvar="TREMPLIN_TELEGRAM_BASE_FILE_URL",
    default=None,
    help="Its file URL (default: derived from --base-url).",
)
@click.option("--local-mode", is_flag=True, help="The self-hosted server runs with --local.")
@click.option(
    "--webhook-url",
    envvar="TREMPLIN_TELEGRAM_WEBHOOK_URL",
    default=None,
    help="Receive updates on this public URL instead of polling.",
)
@click.option("--listen", default="127.0.0.1", show_default=True, help="Webhook: address to listen on.")
@click.option("--port", type=int, default=8443, show_default=True, help="Webhook: port to listen on.")
@click.option(
    "--secret-token",
    envvar="TREMPLIN_TELEGRAM_WEBHOOK_SECRET",
    default=None,
    help="Webhook: secret Telegram sends back.",
)
@click.pass_context
def bot_group(
    click_ctx: click.Context,
    token: str | None,
    base_url: str | None,
    base_file_url: str | None,
    local_mode: bool,
    webhook_url: str | None,
    listen: str,
    port: int,
    secret_token: str | None,
) -> None:
    """Run the Telegram bot (long polling by default; a webhook with --webhook-url)."""
    click_ctx.meta["bot"] = {
        "token": token,
        "base_url": base_url,
        "base_file_url": base_file_url,
        "local_mode": local_mode,
    }
    if click_ctx.invoked_subcommand is not None:
        return
    if not token:
        fail(say("bot.no_token"))  # the bot's NO_TOKEN_HELP, in the operator's language
    from tremplin.core.bot.app import run

    ctx: Context = click_ctx.obj
    through = say("bot.through", url=base_url) if base_url else ""
    if webhook_url:
        click.echo(say("bot.running_webhook", url=webhook_url, through=through))
    else:
        click.echo(say("bot.running_polling", through=through))
    try:
        run(
            ctx.app,
            token,
            base_url=base_url,
            base_file_url=base_file_url,
            local_mode=local_mode,
            webhook_url=webhook_url,
            listen=listen,
            port=port,
            secret_token=secret_token,
        )
    except RuntimeError as exc:
        fail(error_text(exc))


@bot_group.command("check")
@click.pass_context
def bot_check(click_ctx: click.Context) -> None:
    """Check the token and the Bot API server: print who the bot is (getMe)."""
    import asyncio

    options = click_ctx.meta["bot"]
    if not options["token"]:
        fail(say("bot.check_no_token"))
    from tremplin.core.bot.app import build_application

    ctx: Context = click_ctx.obj

    async def get_me() -> Any:
        application = build_application(
            ctx.app,
            options["token"],
            base_url=options["base_url"],
            base_file_url=options["base_file_url"],
            local_mode=options["local_mode"],
        )
        async with application.bot as bot:
            return await bot.get_me()

    try:
        me = asyncio.run(get_me())
    except Exception as exc:
        fail(say("bot.refused", error=exc))
    click.echo(f"@{me.username} ({me.first_name}, id {me.id})")


# ------------------------------------------------------------------------------------------------
# web


def _serve(ctx: Context, host: str, port: int, workers: int, reload: bool = False, access_log: bool = False) -> None:
    """Run the web app with uvicorn; every worker builds its app from the environment's settings."""
    import os
    import secrets

    import uvicorn

    from tremplin.core.settings import DEFAULT_SECRET_KEY, Settings
    from tremplin.core.web.app import UVICORN_OPTIONS

    if ctx.database_url:
        os.environ["TREMPLIN_DATABASE_URL"] = ctx.database_url
    settings = Settings.from_env()
    if settings.secret_key == DEFAULT_SECRET_KEY and not _is_loopback(host):
        fail(say("serve.default_key", host=host))
    if settings.secret_key == DEFAULT_SECRET_KEY and not os.environ.get("TREMPLIN_SECRET_KEY"):
        # Workers must share the key that signs the session cookies; without a configured one, sessions
        # last as long as this server.
        os.environ["TREMPLIN_SECRET_KEY"] = secrets.token_urlsafe(32)
        click.secho(say("serve.random_key"), fg="yellow", err=True)
    uvicorn.run(
        "tremplin.core.web.app:asgi_factory",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        **UVICORN_OPTIONS,
        # An access log is a list of addresses and times of the people using the public pages: off
        # unless asked for (and then it costs a formatted line per request).
        access_log=access_log,
    )


@cli.command()
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0 for every interface)."
)
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Web worker processes (PostgreSQL for more than one).",
)
@click.option("--reload", is_flag=True, help="Restart when the code changes (development).")
@click.option(
    "--access-log",
    is_flag=True,
    help="Log every request with the client's address (off: the addresses of the public are not kept).",
)
@click.option(
    "--bot-webhook",
    is_flag=True,
    help="Receive the Telegram bot's updates at /telegram/webhook (TREMPLIN_TELEGRAM_TOKEN, TREMPLIN_PUBLIC_BASE_URL).",
)
@pass_ctx
def serve(ctx: Context, host: str, port: int, workers: int, reload: bool, access_log: bool, bot_webhook: bool) -> None:
    """Serve the staff web app, the public pages and the JSON API (/api/v1, schema at /openapi.json)."""
    import os

    from tremplin.core.migrate import current_revision, not_installed, pending

    revision = current_revision(ctx.app)
    if revision is None:
        fail(say("serve.no_schema"))
    missing = not_installed(ctx.app)
    if missing:
        # Serving works (the plugin's tables are merely unused), but the next ``tremplin init`` will not.
        click.secho(warning_message(_not_installed(missing)), fg="yellow", err=True)
    behind = pending(ctx.app)
    if behind:
        # A plugin enabled since the last ``tremplin init`` has no tables yet: its pages would fail.
        fail(say("serve.behind", revisions=", ".join(behind)))
    if bot_webhook:
        from tremplin.core.bot.app import NoCentre, bot_centre

        if not os.environ.get("TREMPLIN_TELEGRAM_TOKEN"):
            fail(say("bot.no_token_env"))
        try:
            bot_centre(ctx.app)
        except NoCentre as exc:
            fail(error_text(exc))
        os.environ["TREMPLIN_BOT_WEBHOOK"] = "1"
        # One worker gets every update: it keeps its chats in memory rather than sharing them through the database.
        os.environ["TREMPLIN_BOT_WEBHOOK_WORKERS"] = str(workers)
        click.echo(say("serve.bot_webhook"))
    if workers > 1 and ctx.app.db.dialect == "sqlite":
        click.secho(say("serve.sqlite_workers"), fg="yellow", err=True)
    click.echo(say("serve.serving", host=host, port=port, workers=workers))
    _serve(ctx, host, port, workers, reload=reload, access_log=access_log)


@staff.command("token")
@click.argument("username")
@pass_ctx
def staff_token(ctx: Context, username: str) -> None:
    """Issue an API token for an account (printed once; it replaces the account's previous token)."""
    from sqlalchemy import select

    from tremplin.core.models import Staff
    from tremplin.core.web.security import issue_api_token

    with ctx.app.transaction() as session:
        account = session.scalar(select(Staff).where(Staff.username == username))
        if account is None:
            fail(say("staff.no_account", username=username))
        token = issue_api_token(session, account)
    click.echo(token)


# ------------------------------------------------------------------------------------------------
# report, export (core/reports/cli.py: click only at import, the rest when a command runs)

from tremplin.core.reports.cli import export as export_group  # noqa: E402
from tremplin.core.reports.cli import report as report_group  # noqa: E402

cli.add_command(report_group)
cli.add_command(export_group)


def main() -> None:
    cli(prog_name="tremplin")


if __name__ == "__main__":
    main()
