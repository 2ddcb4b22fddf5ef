"""The ``tremplin`` command: fast help, init, staff accounts, counters shown as JSON and rebuilt."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from sqlalchemy import create_engine, delete, inspect, select

from tests.core.test_hookspecs import DOCUMENTED_COUNTERS
from tremplin.core.app import App
from tremplin.core.cli import cli
from tremplin.core.models import CounterValue, Staff
from tremplin.core.records import log_activity, log_contact, open_case

REPO = Path(__file__).resolve().parents[2]


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def _tremplin() -> list[str]:
    script = shutil.which("tremplin", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "tremplin.core.cli"]


def test_help_imports_nothing_heavy() -> None:
    # How fast ``--help`` answers is a figure for bench/bench_cli.py; what keeps it fast is tested here: the
    # help is printed without importing the database, web, flow or bot libraries.
    out = subprocess.run([*_tremplin(), "--help"], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "Tremplin: anonymous contacts" in out.stdout
    for command in ("init", "counters", "staff", "import", "plugins"):
        assert command in out.stdout
    code = (
        "import sys, tremplin.core.cli\n"
        "try:\n    tremplin.core.cli.cli(['--help'], prog_name='tremplin')\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('sqlalchemy', 'pydantic', 'prefect', 'fastapi', 'alembic', 'telegram', 'rich') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=30)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_init_on_a_fresh_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "fresh" / "tremplin.db"
    path.parent.mkdir()
    url = f"sqlite:///{path}"
    result = run("--database-url", url, "init", "--centre", "bxl", "--centre-name", "Cité des métiers de Bruxelles")
    assert result.exit_code == 0, result.output
    assert "Database ready at revision" in result.output and str(path) in result.output
    assert "Created centre 'bxl'" in result.output
    engine = create_engine(url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert {
            "contacts",
            "activities",
            "cases",
            "referrals",
            "counter_values",
            "staff",
            "centres",
            "alembic_version",
        } <= tables
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT code, name, timezone FROM centres").all() == [
                ("bxl", "Cité des métiers de Bruxelles", "Europe/Brussels")
            ]
    finally:
        engine.dispose()
    again = run("--database-url", url, "init", "--centre", "bxl")
    assert again.exit_code == 0 and "Found centre 'bxl'" in again.output


def test_staff_add(db_url: str) -> None:
    env = {"TREMPLIN_STAFF_PASSWORD": "correct horse battery"}
    result = run(
        "--database-url",
        db_url,
        "staff",
        "add",
        "amina",
        "--role",
        "counsellor",
        "--name",
        "Amina B.",
        "--language",
        "nl",
        env=env,
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Created amina (counsellor; audiences: disability, general, prisons, ukrainian)"
    result = run(
        "--database-url", db_url, "staff", "add", "lead", "--role", "programme_lead", "--role", "neet_worker", env=env
    )
    assert "audiences: *" in result.output
    refused = run("--database-url", db_url, "staff", "add", "merlin", "--role", "wizard", env=env)
    assert refused.exit_code == 1
    assert "unknown role(s) wizard; use: admin, programme_lead, counsellor" in refused.output
    short = run(
        "--database-url", db_url, "staff", "add", "bob", "--role", "reception", env={"TREMPLIN_STAFF_PASSWORD": "short"}
    )
    assert short.exit_code == 1 and "12 to 200 characters" in short.output
    common = run(
        "--database-url",
        db_url,
        "staff",
        "add",
        "bob",
        "--role",
        "reception",
        env={"TREMPLIN_STAFF_PASSWORD": "1q2w3e4r5t6y"},
    )
    assert common.exit_code == 1 and "too common" in common.output
    spaced = run("--database-url", db_url, "staff", "add", "bob smith", "--role", "reception", env=env)
    assert spaced.exit_code == 1 and "letters, digits" in spaced.output
    twice = run("--database-url", db_url, "staff", "add", "amina", "--role", "reception", env=env)
    assert twice.exit_code == 1 and "already an account named 'amina'" in twice.output
    bad_audience = run(
        "--database-url", db_url, "staff", "add", "eve", "--role", "counsellor", "--audience", "vip", env=env
    )
    assert bad_audience.exit_code == 1 and "unknown audience(s) vip" in bad_audience.output
    listing = run("--database-url", db_url, "staff", "list")
    assert listing.output.splitlines() == [
        "amina\tcounsellor\tdisability,general,prisons,ukrainian\tactive",
        "lead\tprogramme_lead,neet_worker\t*\tactive",
    ]
    from tests.conftest import make_app

    app = make_app(db_url)
    try:
        with app.session() as session:
            amina = session.scalars(select(Staff).where(Staff.username == "amina")).one()
            assert (amina.display_name, amina.language, amina.roles) == ("Amina B.", "nl", ["counsellor"])
            from tremplin.core.admin import verify_password

            assert verify_password(amina.password_hash, "correct horse battery")
            assert "correct horse battery" not in amina.password_hash
    finally:
        app.close()


YEAR = 2024


def _log_year(app: App, centre_id: int) -> None:
    def c(
        audience: str, modality: str, headcount: int = 1, attributes: dict[str, Any] | None = None, **values: Any
    ) -> None:
        log_contact(
            app,
            session,
            {
                "centre": "bxl",
                "occurred_at": f"{YEAR}-04-0{1 + len(values) % 5}T10:00",
                "audience": audience,
                "modality": modality,
                "headcount": headcount,
                **values,
            },
            attributes,
        )

    def a(audience: str, participants: int, attributes: dict[str, Any] | None = None, **values: Any) -> None:
        log_activity(
            app,
            session,
            {
                "centre": "bxl",
                "starts_at": f"{YEAR}-05-06T14:00",
                "audience": audience,
                "participants": participants,
                **values,
            },
            attributes,
        )

    with app.transaction() as session:
        c("general", "individual_advice")
        c("general", "remote_advice", channel="phone")
        c("general", "multimedia", 6)
        c("general", "reception", 4, channel="event")
        a("general", 30, workshop="fair")
        a("general", 12, workshop="info_session", format="online")
        a(
            "schools",
            22,
            {"school": "Athénée", "education_type": "general", "year": "6", "place": "at_centre"},
            workshop="explorama",
        )
        c("prisons", "group_activity", 7, {"prison": "haren", "session": "group"}, channel="field")
        c("disability", "reception", 2, {"public": "target"})
        c("disability", "reception", 5, {"public": "professional"}, channel="event")
        c("neet", "field_awareness", 3, {"place": "street"}, channel="field")
        c("neet", "individual_advice", 1)
        a("neet", 10, workshop="escape_game")
        c("formtruck", "individual_advice", 4, {"commune": "ixelles"}, channel="field", site="truck-flagey")
        c("ukrainian", "individual_advice", 2, {"service_language": "uk"}, language="uk", channel="telegram")
        open_case(app, session, centre_id, "neet", consent_on=date(YEAR, 4, 1))
        # Another year: never in YEAR's figures.
        log_contact(
            app,
            session,
            {
                "centre": "bxl",
                "occurred_at": f"{YEAR - 1}-12-31T12:00",
                "audience": "neet",
                "modality": "individual_advice",
                "headcount": 100,
            },
        )


EXPECTED = {
    "contacts.total": (1 + 1 + 6 + 4 + 7 + 2 + 5 + 3 + 1 + 4 + 2) + (30 + 12 + 22 + 10),
    "individual_advice.contacts": 1 + 1 + 1 + 4 + 2,
    "group_activities.count": 4,
    "group_activities.face_to_face": 3,
    "group_activities.online": 1,
    "group_activities.participants": 74,
    "multimedia.entries": 6,
    "events.contacts": 4 + 5 + 30,
    "schools.visits": 1,
    "schools.pupils": 22,
    "prisons.reached": 7,
    "disability.reached": 7,
    "disability.public": 2,
    "disability.professionals": 5,
    "neet.reached": 3 + 1 + 10,
    "neet.individual_advice": 1,
    "neet.group_activities": 1,
    "neet.group_participants": 10,
    "formtruck.users": 4,
    "ukrainian.contacts": 2,
}


def test_counters_show_json_and_rebuild(app: App, centre: int, db_url: str) -> None:
    assert set(EXPECTED) == set(DOCUMENTED_COUNTERS)
    _log_year(app, centre)
    result = run("--database-url", db_url, "counters", "show", "--year", str(YEAR), "--format", "json")
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)  # one JSON object, nothing else on stdout
    assert isinstance(figures, dict)
    assert set(DOCUMENTED_COUNTERS) <= set(figures)
    assert {k: figures[k] for k in EXPECTED} == EXPECTED
    assert {k for k in figures if "/" not in k} == set(app.registry.counters.keys())
    assert all(type(v) is int for v in figures.values())
    # Each counter is followed by its figures by the plugins' dimensions: "Formtruck contacts by stop".
    by_dimension = {k: v for k, v in figures.items() if "/" in k}
    assert by_dimension == {
        "contacts.total/formtruck.stop/truck-flagey": 4,
        "contacts.total/formtruck.commune/ixelles": 4,
        "contacts.total/schools.education_type/general": 22,
        "contacts.total/schools.workshop/explorama": 22,
        "contacts.total/schools.year/6": 22,
        "contacts.total/schools.place/at_centre": 22,
        "contacts.total/prisons.prison/haren": 7,
        "contacts.total/disability.public/target": 2,
        "contacts.total/disability.public/professional": 5,
        "contacts.records/formtruck.stop/truck-flagey": 1,
        "contacts.records/formtruck.commune/ixelles": 1,
        "contacts.records/prisons.prison/haren": 1,
        "contacts.records/disability.public/target": 1,
        "contacts.records/disability.public/professional": 1,
        "individual_advice.contacts/formtruck.stop/truck-flagey": 4,
        "individual_advice.contacts/formtruck.commune/ixelles": 4,
        "group_activities.count/schools.education_type/general": 1,
        "group_activities.count/schools.workshop/explorama": 1,
        "group_activities.count/schools.year/6": 1,
        "group_activities.count/schools.place/at_centre": 1,
        "group_activities.face_to_face/schools.education_type/general": 1,
        "group_activities.face_to_face/schools.workshop/explorama": 1,
        "group_activities.face_to_face/schools.year/6": 1,
        "group_activities.face_to_face/schools.place/at_centre": 1,
        "group_activities.participants/schools.education_type/general": 22,
        "group_activities.participants/schools.workshop/explorama": 22,
        "group_activities.participants/schools.year/6": 22,
        "group_activities.participants/schools.place/at_centre": 22,
        "reception.contacts/disability.public/target": 2,
        "reception.contacts/disability.public/professional": 5,
        "events.contacts/disability.public/professional": 5,
        "schools.visits/schools.education_type/general": 1,
        "schools.visits/schools.workshop/explorama": 1,
        "schools.visits/schools.year/6": 1,
        "schools.visits/schools.place/at_centre": 1,
        "schools.pupils/schools.education_type/general": 22,
        "schools.pupils/schools.workshop/explorama": 22,
        "schools.pupils/schools.year/6": 22,
        "schools.pupils/schools.place/at_centre": 22,
        # Visits at the centre (the schools plugin's booking counters) by the same dimensions.
        "schools.at_centre/schools.education_type/general": 1,
        "schools.at_centre/schools.workshop/explorama": 1,
        "schools.at_centre/schools.year/6": 1,
        "schools.at_centre/schools.place/at_centre": 1,
        "schools.pupils_at_centre/schools.education_type/general": 22,
        "schools.pupils_at_centre/schools.workshop/explorama": 22,
        "schools.pupils_at_centre/schools.year/6": 22,
        "schools.pupils_at_centre/schools.place/at_centre": 22,
        "prisons.reached/prisons.prison/haren": 7,
        "prisons.group_sessions/prisons.prison/haren": 1,
        "disability.reached/disability.public/target": 2,
        "disability.reached/disability.public/professional": 5,
        "disability.public/disability.public/target": 2,
        "disability.professionals/disability.public/professional": 5,
        "formtruck.users/formtruck.stop/truck-flagey": 4,
        "formtruck.users/formtruck.commune/ixelles": 4,
        # The bot's language and answer time (the Ukrainian plugin).
        "contacts.total/ukrainian.bot_language/uk": 2,
        "contacts.total/ukrainian.answer_time/unknown": 2,
        "contacts.records/ukrainian.bot_language/uk": 1,
        "contacts.records/ukrainian.answer_time/unknown": 1,
        "individual_advice.contacts/ukrainian.bot_language/uk": 2,
        "individual_advice.contacts/ukrainian.answer_time/unknown": 2,
        "ukrainian.contacts/ukrainian.bot_language/uk": 2,
        "ukrainian.contacts/ukrainian.answer_time/unknown": 2,
        "ukrainian.telegram/ukrainian.bot_language/uk": 2,
        "ukrainian.telegram/ukrainian.answer_time/unknown": 2,
    }
    keys = list(figures)
    assert keys.index("formtruck.users/formtruck.stop/truck-flagey") == keys.index("formtruck.users") + 1
    truck = ("--database-url", db_url, "counters", "show", "--year", str(YEAR), "--audience", "formtruck")
    formtruck = json.loads(run(*truck, "--format", "json").output)
    assert formtruck == {
        "formtruck.users": 4,
        "formtruck.users/formtruck.stop/truck-flagey": 4,
        "formtruck.users/formtruck.commune/ixelles": 4,
    }
    truck_table = run(*truck, env={"COLUMNS": "200"})
    assert truck_table.exit_code == 0 and "formtruck.users/formtruck.stop/truck-flagey" in truck_table.output
    assert "Stop: Truck Flagey" in truck_table.output and "Commune: Ixelles" in truck_table.output
    assert figures["cases.opened"] == 1 and figures["neet.cases"] == 1 and figures["neet.awareness"] == 3
    previous = json.loads(
        run("--database-url", db_url, "counters", "show", "--year", str(YEAR - 1), "--format", "json").output
    )
    assert previous["neet.individual_advice"] == 100 and previous["contacts.total"] == 100
    everything = json.loads(run("--database-url", db_url, "counters", "show", "--format", "json").output)
    assert everything["contacts.total"] == EXPECTED["contacts.total"] + 100
    neet = json.loads(
        run(
            "--database-url", db_url, "counters", "show", "--year", str(YEAR), "--audience", "neet", "--format", "json"
        ).output
    )
    assert neet == {
        "neet.reached": 14,
        "neet.awareness": 3,
        "neet.individual_advice": 1,
        "neet.group_activities": 1,
        "neet.group_participants": 10,
        "neet.cases": 1,
        # Nobody subscribed to the weekly challenge, nor answered the bot's satisfaction question.
        "neet.challenge_subscribed": 0,
        "neet.challenge_ended": 0,
        "neet.bot_satisfaction": 0,
        "neet.bot_satisfied": 0,
    }
    unknown = run("--database-url", db_url, "counters", "show", "--audience", "vip")
    assert unknown.exit_code == 1 and "unknown audience 'vip'; known: general, neet" in unknown.output
    table = run("--database-url", db_url, "counters", "show", "--year", str(YEAR))
    assert table.exit_code == 0 and "contacts.total" in table.output and "110" in table.output

    # Lose part of the roll-up (as when a counter is added to a database with data), then rebuild it.
    with app.db.engine.begin() as conn:
        conn.execute(delete(CounterValue).where(CounterValue.counter.in_(["contacts.total", "neet.reached"])))
    damaged = json.loads(
        run("--database-url", db_url, "counters", "show", "--year", str(YEAR), "--format", "json").output
    )
    assert damaged["contacts.total"] == 0 and damaged["neet.reached"] == 0
    rebuilt = run("--database-url", db_url, "counters", "rebuild")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert rebuilt.output.startswith("Rebuilt the roll-up from 17 records: ")  # 12 contacts, 4 activities, 1 case
    again = json.loads(
        run("--database-url", db_url, "counters", "show", "--year", str(YEAR), "--format", "json").output
    )
    assert again == figures


def test_plugins_lists_versions_hooks_and_everything_registered(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'plugins.db'}"
    out = run("--database-url", url, "plugins", "--format", "json", env={"TREMPLIN_DISABLED_PLUGINS": ""})
    assert out.exit_code == 0, out.output
    infos = {p["name"]: p for p in json.loads(out.output)}
    from tremplin.core import __version__
    from tremplin.core.plugins import AUDIENCE_PLUGINS, BUILTIN_PLUGINS

    assert list(infos)[: len(BUILTIN_PLUGINS + AUDIENCE_PLUGINS)] == list(BUILTIN_PLUGINS + AUDIENCE_PLUGINS)
    assert {p["version"] for name, p in infos.items() if name.startswith("tremplin.")} == {__version__}
    neet = infos["tremplin.plugins.neet"]
    assert {
        "register_audiences",
        "register_roles",
        "register_codes",
        "register_flows",
        "register_report_sections",
    } <= set(neet["hooks"])
    registers = neet["registers"]
    assert registers["audiences"] == ["neet"] and registers["roles"] == ["neet_worker"]
    assert "modality:field_awareness" in registers["codes"] and "workshop:escape_game" in registers["codes"]
    assert (
        registers["flows"] == ["neet-instagram-reach", "neet-challenge", "neet-weekly-digest"]
        and "neet.awareness" in registers["counters"]
    )
    assert "esf: neet.programme (ProgrammeIndicators)" in registers["report_sections"]
    assert "annual: neet.touchngo (KeyFigures)" in registers["report_sections"]
    ukrainian = infos["tremplin.plugins.ukrainian"]["registers"]
    assert "ConversationHandler /cancel /start" in ukrainian["bot_handlers"]
    anonymity = infos["tremplin.core.builtins.anonymity"]["registers"]
    assert {"phone", "email", "national_number"} <= set(anonymity["scrubbers"])
    reports = infos["tremplin.core.builtins.reports"]["registers"]
    assert "GET /reports" in reports["routes"] and "annual: overview (KeyFigures)" in reports["report_sections"]
    assert infos["tremplin.core.builtins.shared"]["registers"]["roles"] == [
        "admin",
        "programme_lead",
        "counsellor",
        "reception",
    ]
    schools = infos["tremplin.plugins.schools"]["registers"]
    assert schools["fact_sources"] == ["schools.bookings"] and schools["grants"] == ["programme_lead: schools.bookings"]
    # The text form names the same things, one plugin after another.
    text = run("--database-url", url, "plugins", env={"TREMPLIN_DISABLED_PLUGINS": "prisons"}).output
    assert (
        "tremplin.plugins.neet " + __version__ in text
        and "  hooks: register_audiences, register_bot_handlers, register_bot_texts, register_codes" in text
    )
    assert "tremplin.plugins.prisons" not in text and "site_kind:formtruck_stop" in text
