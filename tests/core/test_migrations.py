"""Migrations: the core's chain and one Alembic branch per plugin with tables, on SQLite and PostgreSQL.

A fresh database matches the models; a database made by the single chain that came before (every table made by
the core, ``alembic_version`` at ``0004_sessions``) upgrades to the branches keeping its rows; a left-out plugin
gets no tables, and gets them once enabled. The single chain is rebuilt from the core's revisions with the three
that made plugins' tables as they were (``legacy_migrations/``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from click.testing import CliRunner, Result
from sqlalchemy import column, create_engine, insert, inspect, select, table, text
from sqlalchemy.engine import make_url

import tremplin.plugins.formtruck.models  # noqa: F401  (their tables join the metadata compared)
import tremplin.plugins.neet.models  # noqa: F401
import tremplin.plugins.schools.models  # noqa: F401
from tests.conftest import ENGINES, PG_URL, make_app
from tremplin.core import migrate
from tremplin.core.app import App
from tremplin.core.cli import cli
from tremplin.core.models import Base

LEGACY = Path(__file__).with_name("legacy_migrations")
SCHOOLS = {"school_workshops", "school_slots", "school_bookings", "school_booking_events", "school_holidays"}
FORMTRUCK = {"formtruck_stops"}
#: The legacy single chain ended at 0004_sessions; the core's own revisions have gone on since.
LEGACY_HEAD = "0004_sessions"
_CORE_SCRIPT = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
CORE_HEAD = _CORE_SCRIPT.get_current_head()
HEADS = {CORE_HEAD, "schools_0002_booking_counts", "formtruck_0001", "neet_0001"}


@pytest.fixture(params=ENGINES)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or a PostgreSQL database of this module's own with an empty schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'tremplin.db'}"
        return
    assert PG_URL
    base = make_url(PG_URL)
    name = f"{base.database}_migrations_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}) is None:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = base.set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    yield url


def tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def modelled_tables(app: App) -> set[str]:
    """The tables of the core's models and of the app's plugins' (the metadata may hold other plugins' too,
    imported by other tests of the same process)."""
    owners = ("tremplin.core.", *(f"{name}." for name in app.plugin_names()))
    return {m.local_table.name for m in Base.registry.mappers if m.class_.__module__.startswith(owners)}


def differences(app: App) -> list[Any]:
    """What Alembic's autogenerate would change to make the database match the app's models (tables, columns,
    types, indexes, constraints)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    wanted = modelled_tables(app)

    def include(obj: Any, name: str | None, kind: str, reflected: bool, compare_to: Any) -> bool:
        return kind != "table" or reflected or name in wanted  # a table the database has and no model: reported

    opts = {"compare_type": True, "include_object": include}
    with app.db.engine.connect() as conn:
        return list(compare_metadata(MigrationContext.configure(conn, opts=opts), Base.metadata))


def build_single_chain(url: str, folder: Path, revision: str = "0004_sessions") -> None:
    """The database as the single chain made it: the core's revisions, the three that made plugins' tables as
    they were, upgraded to ``revision``."""
    from alembic import command

    folder.mkdir()
    for script in (*migrate.CORE_VERSIONS.glob("*.py"), *LEGACY.glob("*.py")):
        shutil.copy(script, folder / script.name)  # the legacy ones replace the core's of the same name
    cfg = migrate.alembic_config(url)
    cfg.set_main_option("version_locations", str(folder))
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    finally:
        engine.dispose()


def seed(url: str, booking_counts: bool = True) -> None:
    """A centre, a Formtruck stop and a school booking with its history, written as the single chain's schema
    takes them (``booking_counts``: with the columns its ``0010_booking_counts`` added)."""
    t = Base.metadata.tables
    now = datetime(2026, 3, 2, 9, tzinfo=UTC)
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(insert(t["centres"]).values(id=1, code="bxl", name="Cité des métiers", created_at=now))
            conn.execute(insert(t["sites"]).values(id=1, centre_id=1, code="truck-flagey", name="Flagey", kind="x"))
            conn.execute(insert(t["partners"]).values(id=1, centre_id=1, code="ath", name="Athénée", kind="school"))
            if inspect(conn).has_table("formtruck_stops"):  # made after ``0003_schools``
                conn.execute(
                    insert(t["formtruck_stops"]).values(
                        id=1,
                        centre_id=1,
                        site_id=1,
                        day=date(2026, 3, 2),
                        starts=time(10),
                        ends=time(16),
                        commune="ixelles",
                    )
                )
            conn.execute(insert(t["school_workshops"]).values(id=1, centre_id=1, code="explorama"))
            conn.execute(
                insert(t["school_slots"]).values(
                    id=1, centre_id=1, workshop_id=1, starts_at=now, ends_at=now, day=date(2026, 3, 9), at_school=True
                )
            )
            booking: dict[str, Any] = {
                "id": 1,
                "centre_id": 1,
                "slot_id": 1,
                "workshop_id": 1,
                "school_id": 1,
                "status": "confirmed",
                "school_year": "4",
                "education_type": "general",
                "pupils": 22,
                "adults": 2,
                "needs_accessibility": False,
                "needs_interpreter": False,
                "language": "fr",
                "teacher_language": "fr",
                "idempotency_key": "k-1",
                "ics_sequence": 0,
                "erase_after": date(2026, 6, 1),
                "created_at": now,
                "updated_at": now,
            }
            if booking_counts:
                booking.update(day=date(2026, 3, 9), at_school=True, workshop_code="explorama")
            # Named columns only: the model's table would add the columns ``0010_booking_counts`` made.
            conn.execute(insert(table("school_bookings", *(column(name) for name in booking))).values(**booking))
            conn.execute(insert(t["school_booking_events"]).values(booking_id=1, to_status="confirmed"))
    finally:
        engine.dispose()


def test_a_fresh_database_matches_the_models(empty_url: str) -> None:
    app = make_app(empty_url)
    try:
        migrate.upgrade(app)
        assert set(migrate.current_heads(app)) == HEADS
        assert migrate.current_revision(app) == CORE_HEAD
        assert migrate.pending(app) == []
        assert differences(app) == []
        assert SCHOOLS | FORMTRUCK <= tables(empty_url)
    finally:
        app.close()


def test_the_single_chain_upgrades_to_the_branches_keeping_every_row(empty_url: str, tmp_path: Path) -> None:
    build_single_chain(empty_url, tmp_path / "single")
    assert SCHOOLS | FORMTRUCK <= tables(empty_url)
    seed(empty_url)
    app = make_app(empty_url)
    try:
        assert migrate.current_heads(app) == (LEGACY_HEAD,)
        assert migrate.pending(app) == [CORE_HEAD, "neet_0001", "schools_0002_booking_counts", "formtruck_0001"]
        migrate.upgrade(app)
        assert set(migrate.current_heads(app)) == HEADS
        assert differences(app) == []
        from tremplin.plugins.formtruck.models import FormtruckStop
        from tremplin.plugins.schools.models import SchoolBooking

        with app.session() as session:
            booking = session.get(SchoolBooking, 1)
            assert booking is not None
            assert (booking.pupils, booking.workshop.code, booking.slot and booking.slot.day) == (
                22,
                "explorama",
                date(2026, 3, 9),
            )
            assert [event.to_status for event in booking.history] == ["confirmed"]
            stops = session.scalars(select(FormtruckStop)).all()
            assert [(s.commune, s.starts, s.ends) for s in stops] == [("ixelles", time(10), time(16))]
        migrate.upgrade(app)  # again: nothing to do
        assert set(migrate.current_heads(app)) == HEADS
    finally:
        app.close()


def test_a_database_older_than_the_booking_counts_gets_them(empty_url: str, tmp_path: Path) -> None:
    """At the single chain's ``0003_schools`` the bookings had no day: the schools branch adds it from the slot."""
    build_single_chain(empty_url, tmp_path / "single", "0003_schools")
    seed(empty_url, booking_counts=False)
    app = make_app(empty_url)
    try:
        migrate.upgrade(app)
        assert set(migrate.current_heads(app)) == HEADS
        assert differences(app) == []
        engine = app.db.engine
        with engine.connect() as conn:
            row = conn.execute(text("SELECT day, at_school, workshop_code FROM school_bookings")).one()
        assert (str(row.day), bool(row.at_school), row.workshop_code) == ("2026-03-09", True, "explorama")
    finally:
        app.close()


def test_threads_opened_before_the_count_get_their_local_day(empty_url: str) -> None:
    """Threads opened before ``0012_bot_thread_days`` get the day they opened on in their centre's time zone,
    the day their contact counts on: the figure of threads opened counts them after a rebuild."""
    from alembic import command

    cfg = migrate.alembic_config(empty_url)
    engine = create_engine(empty_url)
    t = Base.metadata.tables
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0011_field")
            created = datetime(2026, 3, 1, tzinfo=UTC)
            conn.execute(insert(t["centres"]).values(id=1, code="bxl", name="Cité", created_at=created))
            for thread_id, opened in (
                (1, datetime(2026, 3, 1, 23, 30, tzinfo=UTC)),
                (2, datetime(2026, 3, 1, 12, 0, tzinfo=UTC)),
            ):
                conn.execute(
                    insert(t["bot_threads"]).values(
                        id=thread_id,
                        centre_id=1,
                        audience="ukrainian",
                        theme="learn",
                        language="uk",
                        status="open",
                        awaiting="staff",
                        opened_at=opened,
                        last_message_at=opened,
                        attributes={},
                    )
                )
    finally:
        engine.dispose()
    app = make_app(empty_url)
    try:
        migrate.upgrade(app)
        assert differences(app) == []
        with app.db.engine.connect() as conn:
            days = dict(conn.execute(text("SELECT id, opened_on FROM bot_threads")).all())
        # Half past midnight in Brussels is already the 2nd.
        assert {k: str(v) for k, v in days.items()} == {1: "2026-03-02", 2: "2026-03-01"}
    finally:
        app.close()


def init(url: str, disabled: str = "") -> Result:
    env = {"TREMPLIN_DISABLED_PLUGINS": disabled}
    return CliRunner().invoke(cli, ["--database-url", url, "init"], env=env, catch_exceptions=False)


def serve(url: str, monkeypatch: pytest.MonkeyPatch) -> tuple[Result, list[Any]]:
    import uvicorn

    calls: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: calls.append(a))
    result = CliRunner().invoke(cli, ["--database-url", url, "serve"], env={"TREMPLIN_DISABLED_PLUGINS": ""})
    return result, calls


def counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                name: conn.scalar(text(f"SELECT count(*) FROM {name}")) or 0 for name in sorted(SCHOOLS | FORMTRUCK)
            }
    finally:
        engine.dispose()


def test_a_left_out_plugin_gets_its_tables_when_enabled(empty_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TREMPLIN_SECRET_KEY", "k" * 40)
    result = init(empty_url, "plugins.schools")
    assert result.exit_code == 0, result.output
    assert f"revision {CORE_HEAD} (core), neet_0001 (neet), formtruck_0001 (formtruck):" in result.output
    assert FORMTRUCK <= tables(empty_url) and not SCHOOLS & tables(empty_url)

    # Enabled, the plugin has no tables until ``tremplin init``: serving says so rather than failing on a page.
    served, calls = serve(empty_url, monkeypatch)
    assert served.exit_code == 1 and not calls
    assert "not at revision schools_0002_booking_counts yet: run `tremplin init`" in served.output

    result = init(empty_url)
    assert result.exit_code == 0, result.output
    assert "schools_0002_booking_counts (schools)" in result.output
    assert SCHOOLS <= tables(empty_url)
    served, calls = serve(empty_url, monkeypatch)
    assert served.exit_code == 0 and len(calls) == 1, served.output

    # Left out again: its branch is understood and left where it is, its tables and their rows kept.
    seed(empty_url)
    before = counts(empty_url)
    result = init(empty_url, "schools,formtruck")
    assert result.exit_code == 0, result.output
    assert "schools_0002_booking_counts (schools)" in result.output
    assert counts(empty_url) == before and before["school_bookings"] == 1


def test_every_plugin_left_out_makes_the_core_alone(empty_url: str) -> None:
    from tremplin.core.plugins import AUDIENCE_PLUGINS

    app = make_app(empty_url, disabled_plugins=AUDIENCE_PLUGINS)
    try:
        migrate.upgrade(app)
        assert migrate.current_heads(app) == (CORE_HEAD,)
        made = tables(empty_url)
        assert not (SCHOOLS | FORMTRUCK) & made
        assert modelled_tables(app) | {"alembic_version"} == made
        assert differences(app) == []
    finally:
        app.close()


def test_a_new_core_revision_is_the_core_head(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A new core revision revises the core's head; the plugins' branches do not move."""
    folder = tmp_path / "versions"
    shutil.copytree(migrate.CORE_VERSIONS, folder, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "0099_example.py").write_text(
        '"""an example"""\n\nimport sqlalchemy as sa\nfrom alembic import op\n\n'
        f'revision = "0099_example"\ndown_revision = "{CORE_HEAD}"\nbranch_labels = None\ndepends_on = None\n\n\n'
        "def upgrade() -> None:\n"
        '    op.create_table("examples", sa.Column("id", sa.Integer(), primary_key=True))\n\n\n'
        "def downgrade() -> None:\n"
        '    op.drop_table("examples")\n',
        encoding="utf-8",
    )
    url = f"sqlite:///{tmp_path / 'tremplin.db'}"
    app = make_app(url)
    try:
        migrate.upgrade(app)  # the chain as it is
        monkeypatch.setattr(migrate, "CORE_VERSIONS", folder)
        assert migrate.pending(app) == ["0099_example"]
        migrate.upgrade(app)
        assert set(migrate.current_heads(app)) == HEADS - {CORE_HEAD} | {"0099_example"}
        assert migrate.current_revision(app) == "0099_example"
        assert "examples" in tables(url)
    finally:
        app.close()


#: Run in a child process: it changes models (the metadata is the process's), which other tests must not see.
AUTOGENERATE = """
import json, shutil, sys
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

work, url = Path(sys.argv[1]), sys.argv[2]
sys.path.insert(0, str(work))
from tests.conftest import make_app
from tremplin.core import migrate
from tremplin.core.models import Base, Contact
from tremplin.core.plugins import DEFAULT_PLUGINS

app = make_app(url, plugins=[*DEFAULT_PLUGINS, "tremplin_euroguidance"])
migrate.upgrade(app)
import tremplin_euroguidance.models as fairs

# The plugin's model gains a column; meanwhile the core's and another plugin's models change too.
fairs.MobilityFair.__table__.append_column(sa.Column("website", sa.String(200)))
Contact.__table__.append_column(sa.Column("core_extra", sa.Integer()))


class OtherPluginThing(Base):
    __tablename__ = "other_plugin_things"
    id: Mapped[int] = mapped_column(primary_key=True)


shutil.copytree(migrate.CORE_VERSIONS, work / "core_versions", ignore=shutil.ignore_patterns("__pycache__"))
migrate.CORE_VERSIONS = work / "core_versions"  # the core's revision is written into a copy
written = {}
for branch in ("euroguidance", "core"):
    written[branch] = Path(migrate.revision(app, branch, "what changed"))
    migrate.upgrade(app)  # the next revision is written against a database at every head
print(json.dumps({branch: [str(path.parent), path.read_text()] for branch, path in written.items()}))
app.close()
"""


def test_autogenerate_compares_only_the_branch_s_own_tables(empty_url: str, tmp_path: Path) -> None:
    """A plugin author's autogenerated revision lists the plugin's table changes, not the core's nor another
    plugin's; the core's lists the core's only."""
    import json
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[2]
    plugin = repo / "examples" / "euroguidance" / "tremplin_euroguidance"
    shutil.copytree(plugin, tmp_path / plugin.name, ignore=shutil.ignore_patterns("__pycache__"))
    out = subprocess.run(
        [sys.executable, "-c", AUTOGENERATE, str(tmp_path), empty_url],
        capture_output=True,
        text=True,
        cwd=repo,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    written = json.loads(out.stdout.strip().splitlines()[-1])

    folder, text = written["euroguidance"]
    assert Path(folder) == tmp_path / plugin.name / "migrations"
    assert "down_revision = 'euroguidance_0001'" in text, text
    assert "add_column(sa.Column('website'" in text, text
    assert "core_extra" not in text and "other_plugin_things" not in text, text

    folder, text = written["core"]
    assert Path(folder) == tmp_path / "core_versions"
    assert "add_column(sa.Column('core_extra'" in text, text
    assert "website" not in text and "other_plugin_things" not in text and "euroguidance" not in text, text


def test_an_uninstalled_plugin_s_branch_is_explained_and_can_be_forgotten(
    empty_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plugin with tables was uninstalled (its package gone, not merely left out): its revision stays in
    ``alembic_version``. ``tremplin init`` says so in plain words, ``tremplin plugins forget`` takes the branch out
    after confirmation, and the plugin's tables keep their rows."""
    monkeypatch.setenv("TREMPLIN_SECRET_KEY", "k" * 40)
    assert init(empty_url).exit_code == 0
    engine = create_engine(empty_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO alembic_version (version_num) VALUES ('euroguidance_0001')"))
        conn.execute(text("CREATE TABLE euroguidance_fairs (id INTEGER PRIMARY KEY, name VARCHAR(120))"))
        conn.execute(text("INSERT INTO euroguidance_fairs (id, name) VALUES (1, 'Erasmus days')"))
    engine.dispose()

    result = CliRunner().invoke(cli, ["--database-url", empty_url, "init"], env={"TREMPLIN_DISABLED_PLUGINS": ""})
    assert result.exit_code == 1
    assert "Can't locate" not in result.output
    assert "revision euroguidance_0001 of a plugin branch that no installed plugin has" in result.output
    assert "run `tremplin plugins forget euroguidance`" in result.output

    served, calls = serve(empty_url, monkeypatch)  # serving works, and warns that the next init will not
    assert served.exit_code == 0 and len(calls) == 1, served.output
    assert "Warning: the database records revision euroguidance_0001" in served.output

    def forget(*args: str, answer: str = "") -> Result:
        return CliRunner().invoke(cli, ["--database-url", empty_url, "plugins", "forget", *args], input=answer)

    refused = forget("schools")  # installed (or merely left out): not to be forgotten
    assert refused.exit_code == 1 and "TREMPLIN_DISABLED_PLUGINS" in refused.output
    assert forget("nothing").exit_code == 1
    declined = forget("euroguidance", answer="n\n")
    assert declined.exit_code == 1 and "Forget revision euroguidance_0001" in declined.output
    app = make_app(empty_url)
    try:
        assert "euroguidance_0001" in migrate.current_heads(app)
        assert "euroguidance_0001 (not installed)" in migrate.describe(app)
    finally:
        app.close()
    done = forget("euroguidance", answer="y\n")
    assert done.exit_code == 0 and "Forgot revision euroguidance_0001" in done.output, done.output

    assert init(empty_url).exit_code == 0
    app = make_app(empty_url)
    try:
        assert set(migrate.current_heads(app)) == HEADS
    finally:
        app.close()
    engine = create_engine(empty_url)
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT name FROM euroguidance_fairs")) == "Erasmus days"
    engine.dispose()
