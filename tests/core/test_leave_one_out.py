"""Any audience plugin can be left out: the app, staff accounts, reports, web pages and the bot still work.

Each configuration leaves out one of the centre's six audience plugins, or all six (the walk-in public
alone). Every configuration runs on SQLite; on PostgreSQL, the two that change the most run: all six left
out, and the ESF-cofinanced audience left out (the ESF+ report loses its default operation). What leaving a
plugin out changes is the registry, the same on either database, so the other five would repeat on
PostgreSQL what SQLite shows. The app is built once per configuration; the pages walked are every page
without a path parameter, each form's quick-log page and each report page, for every role left.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.conftest import ENGINES, database_url, make_app, truncate_all
from tests.web.conftest import Web
from tremplin.core.app import App
from tremplin.core.plugins import AUDIENCE_PLUGINS

AUDIENCES = [name.rsplit(".", 1)[-1] for name in AUDIENCE_PLUGINS]
CONFIGURATIONS = [(key,) for key in AUDIENCES] + [tuple(AUDIENCES)]
YEAR = 2025


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real argon2 hashes, with the lightest parameters: a few accounts per configuration."""
    from argon2 import PasswordHasher

    hasher = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    monkeypatch.setattr("tremplin.core.admin.hash_password", hasher.hash)


def _label(left_out: tuple[str, ...]) -> str:
    return "without-" + ("all" if len(left_out) > 1 else left_out[0])


#: (engine, plugins left out): every configuration on SQLite, the two that change the most on PostgreSQL.
CASES = [("sqlite", left) for left in CONFIGURATIONS] + [
    ("postgresql", left) for left in CONFIGURATIONS if "postgresql" in ENGINES and left in {tuple(AUDIENCES), ("neet",)}
]


@pytest.fixture(params=CASES, ids=lambda case: f"{case[0]}-{_label(case[1])}")
def case(request: pytest.FixtureRequest) -> tuple[str, tuple[str, ...]]:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def db_url(request: pytest.FixtureRequest, case: tuple[str, tuple[str, ...]], tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database on the case's engine (this module's cases choose the engine)."""
    engine = case[0]
    url = database_url(request, engine, tmp_path)
    yield url
    if engine == "postgresql":
        cleaner = make_app(url)
        truncate_all(cleaner)
        cleaner.close()


@pytest.fixture
def left_out(case: tuple[str, tuple[str, ...]], monkeypatch: pytest.MonkeyPatch) -> tuple[str, ...]:
    monkeypatch.setenv("TREMPLIN_DISABLED_PLUGINS", ",".join(case[1]))
    return case[1]


@pytest.fixture
def partial_app(db_url: str, left_out: tuple[str, ...]) -> Iterator[App]:
    application = make_app(db_url, disabled_plugins=left_out)
    yield application
    application.close()


def first_entry(form: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """A valid record for ``form`` made from what it declares: its fixed values, its first choices."""
    values: dict[str, Any] = {"centre": "bxl", "audience": form.audience, **form.fixed}
    for name, choices in form.core_choices.items():
        values.setdefault(name, choices[0])
    attributes: dict[str, Any] = {}
    for f in form.fields:
        if f.required:
            first = next(iter(f.choices), None)
            attributes[f.name] = {
                "choice": first,
                "multichoice": [first],
                "int": f.min or 1,
                "text": "Athénée",
                "bool": True,
            }[f.kind]
    return values, attributes


def fill(app: App) -> int:
    """A centre, its sites, and one entry through each form of the audiences that are loaded, in the year."""
    from tremplin.core.admin import ensure_centre, ensure_site
    from tremplin.core.records import issue_referral, log_activity, log_contact

    with app.transaction() as session:
        centre, _ = ensure_centre(session, "bxl", "Cité des métiers de Bruxelles")
        for code, kind in (("reception", "reception"), ("advice", "advice"), ("group-room", "group_room")):
            ensure_site(session, centre, code, code.title(), kind)
        for day, (key, form) in enumerate(app.registry.forms.items(), start=1):
            values, attributes = first_entry(form)
            when = datetime(YEAR, 3, day, 10, tzinfo=UTC)
            if form.record == "contact":
                values.setdefault("modality", "individual_advice")
                log_contact(
                    app,
                    session,
                    {**values, "occurred_at": when, "headcount": 2, "themes": "work"},
                    attributes,
                    form=key,
                )
            else:
                log_activity(app, session, {**values, "starts_at": when, "participants": 12}, attributes, form=key)
        issue_referral(app, session, centre.id, theme="learn")
        return centre.id


@pytest.mark.slow
def test_the_app_works_with_audience_plugins_left_out(partial_app: App, db_url: str, left_out: tuple[str, ...]) -> None:
    app = partial_app
    registry = app.registry
    # The app started without them, and without anything of theirs.
    assert not set(left_out) & set(registry.audiences)
    assert "general" in registry.audiences
    centre_id = fill(app)

    # `tremplin staff add` for every remaining role, with its default audiences.
    from tremplin.core.cli import cli

    runner = CliRunner()
    for role in registry.roles:
        result = runner.invoke(
            cli,
            ["--database-url", db_url, "staff", "add", role, "--role", role, "--centre", "bxl"],
            env={"TREMPLIN_STAFF_PASSWORD": f"tremplin-demo-{role}"},
        )
        assert result.exit_code == 0, (role, result.output)
        assert not set(left_out) & set(result.output.rsplit("audiences: ", 1)[-1].strip().split(", ")), result.output
    gone = {"neet": "neet_worker", "schools": "schools_coordinator", "formtruck": "formtruck_adviser"}
    for key in left_out:
        if key in gone:
            refused = runner.invoke(
                cli,
                ["--database-url", db_url, "staff", "add", "x" + key, "--role", gone[key]],
                env={"TREMPLIN_STAFF_PASSWORD": "a long password"},
            )
            assert refused.exit_code != 0 and f"unknown role(s) {gone[key]}" in refused.output

    check_reports(app, real_pdf=len(left_out) == len(AUDIENCES))
    check_pages(app, centre_id)
    check_bot(app, left_out)


def check_reports(app: App, real_pdf: bool) -> None:
    """Every report, in every format.

    A PDF is WeasyPrint's rendering of the report's print HTML: every report's print HTML is rendered in
    every configuration, and the annual report (the one every plugin adds to) is written as a real PDF
    when the walk-in public is left alone; WeasyPrint (seconds a document) writes the annual report with
    every plugin in tests/reports/test_formats.py."""
    from tremplin.core.registry import PluginError
    from tremplin.core.reports import build as b
    from tremplin.core.reports.render import FORMATS, render, render_html

    with app.session() as session:
        reports = [b.annual_report(app, session, YEAR), b.monthly_report(app, session, YEAR, 3)]
        reports += [
            b.audience_report(app, session, key, date(YEAR, 1, 1), date(YEAR, 12, 31)) for key in app.registry.audiences
        ]
        operations = app.registry.esf_operations()
        if operations:
            reports += [b.esf_report(app, session, op, date(YEAR, 1, 1), date(YEAR, 6, 30)) for op in operations]
        else:
            with pytest.raises(PluginError, match="no audience is declared ESF"):
                app.registry.default_esf_operation()
    for report in reports:
        for fmt in FORMATS:
            if fmt == "pdf" and not (real_pdf and report is reports[0]):
                assert "</html>" in render_html(report, standalone=True, for_print=True), report.key
                continue
            out = io.BytesIO()
            render(report, fmt, out)
            assert out.getvalue(), (report.key, fmt)
    keys = {s.key for s in reports[0].sections}
    assert {"overview", "events", "method"} <= keys
    assert ("neet.touchngo" in keys) == ("neet" in app.registry.audiences)
    # Each remaining audience's entry is in its own report.
    with app.session() as session:
        from tremplin.core import rollup

        reached = rollup.totals(session, ["contacts.total"], date(YEAR, 1, 1), date(YEAR, 12, 31))
    assert reached["contacts.total"] >= 2 * len([f for f in app.registry.forms.values() if f.record == "contact"])


def check_pages(app: App, centre_id: int) -> None:
    """For every role: every page without a path parameter, the quick-log page of each form of its
    audiences and the annual and ESF+ report pages; for the administrator, every report page. No 5xx."""
    from tremplin.core.web.app import route_table

    web = Web(app, centre_id)
    try:
        pages = sorted(
            {path for path, methods, _route in route_table(web.asgi) if "GET" in methods and "{" not in path}
        )
        assert "/dashboard" in pages and "/reports" in pages
        # A download without parameters is the annual report as a PDF: check_reports renders that once.
        pages = [p if p != "/reports/download" else "/reports/download?kind=annual&format=xlsx" for p in pages]
        every_report = ["/reports/view?kind=monthly"] + [
            f"/reports/view?kind=audience&audience={key}" for key in app.registry.audiences
        ]
        for role in app.registry.roles:
            seen = set(app.registry.default_audiences([role]))
            forms = [
                f"/log/{key}"
                for key, form in app.registry.forms.items()
                if form.record == "contact" and ("*" in seen or form.audience in seen)
            ]
            reports = ["/reports/view?kind=annual", "/reports/view?kind=esf"] + (
                every_report if role == "admin" else []
            )
            client = web.client(role)
            for path in pages + forms + reports:
                response = client.get(path)
                assert response.status_code < 500, (role, path, response.status_code, response.text[:300])
            assert client.get("/dashboard").status_code == 200, role
            for path in forms:
                assert client.get(path).status_code == 200, (role, path)
    finally:
        web.close()


def check_bot(app: App, left_out: tuple[str, ...]) -> None:
    """The bot application builds, and /help names only commands that a handler answers."""
    from telegram.ext import CommandHandler

    from tremplin.core.bot.app import _commands_of, build_application, plugin_commands
    from tremplin.core.bot.handlers import help_text

    application = build_application(app, "123456:TEST-TOKEN", base_url="http://127.0.0.1:9/bot")
    answered: set[str] = set()
    for handlers in application.handlers.values():
        for handler in handlers:
            answered |= _commands_of(handler)
    always = {"start", "help", "language", "privacy", "forget", "cancel"}
    assert always <= answered
    listed = {line.split(" ", 1)[0].lstrip("/") for line in help_text(plugin_commands(app), "en").splitlines()}
    assert listed <= answered, listed - answered
    assert always <= listed
    assert ("challenge" in listed) == ("neet" not in left_out)
    assert isinstance(application.handlers[0][0], CommandHandler)
