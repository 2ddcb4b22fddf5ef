"""Shared fixtures: an app on real SQLite, and on real PostgreSQL where TREMPLIN_TEST_DATABASE_URL is set.

``app`` is parametrised over the engines: every test that uses it runs on each. The SQLite database is
copied from a template migrated once per session; the PostgreSQL database is migrated once and
truncated between tests.
"""

from __future__ import annotations

import functools
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from tremplin.core.app import App, create_app
from tremplin.core.settings import Settings

PG_URL = os.environ.get("TREMPLIN_TEST_DATABASE_URL")
#: ``tremplin init`` stores a generated secret key: in tests, in a temporary folder, never the working directory.
os.environ.setdefault(
    "TREMPLIN_SECRET_KEY_FILE", str(Path(os.environ.get("TMPDIR", "/tmp")) / f"tremplin-test-secret-{os.getpid()}")
)
#: The command speaks the locale's language: the tests that read its English words must not depend on the
#: locale of whoever runs them (``tests/core/test_cli_language.py`` chooses its languages itself).
os.environ["TREMPLIN_LANGUAGE"] = "en"
#: The tests' centre is in Brussels, and many tests write what they expect in its day (``date.today()``,
#: ``datetime.now()``). The code always counts in the centre's zone; the tests run in it too, so that
#: between midnight in Brussels and midnight where the machine is, "today" is the same day for both.
#: Browsers and servers the tests start inherit it.
os.environ["TZ"] = "Europe/Brussels"
time.tzset()
ENGINES = ["sqlite"] + (["postgresql"] if PG_URL else [])


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tremplin.core.migrate import upgrade

    path = tmp_path_factory.mktemp("template") / "template.db"
    app = create_app(Settings(database_url=f"sqlite:///{path}", load_entrypoints=False))
    upgrade(app)
    app.close()
    return path


def worker_database_url(base_url: str) -> str:
    """Each pytest-xdist worker gets its own PostgreSQL database, created next to the given one."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return base_url
    url = make_url(base_url)
    name = f"{url.database}_{worker}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}) is None:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_ready() -> str:
    """Migrate the PostgreSQL test database once per session (from an empty schema)."""
    assert PG_URL
    from tremplin.core.migrate import upgrade

    url = worker_database_url(PG_URL)
    app = create_app(Settings(database_url=url, load_entrypoints=False))
    with app.db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    upgrade(app)
    app.close()
    return url


def truncate_all(app: App) -> None:
    """Empty every table and restart every sequence, as ``TRUNCATE ... RESTART IDENTITY CASCADE`` does.

    A test leaves a handful of rows: deleting them, children first, and restarting the sequences is five
    times faster than ``TRUNCATE`` (which makes every table and index anew), and this runs after every
    PostgreSQL test. Where the deletes cannot be ordered (a row referenced by a table the models do not
    know), ``TRUNCATE ... CASCADE`` is the fallback."""
    from sqlalchemy import inspect
    from sqlalchemy.exc import IntegrityError

    from tremplin.core.models import Base

    with app.db.engine.connect() as conn:
        present = set(inspect(conn).get_table_names())
    tables = [t.name for t in Base.metadata.sorted_tables if t.name in present]
    sequences = (
        "SELECT c.oid::regclass::text FROM pg_class c WHERE c.relkind = 'S' AND c.relnamespace = 'public'::regnamespace"
    )
    try:
        with app.db.engine.begin() as conn:
            statements = [f'DELETE FROM "{name}"' for name in reversed(tables)]
            statements += [f"ALTER SEQUENCE {name} RESTART" for name in conn.scalars(text(sequences))]
            conn.exec_driver_sql(";\n".join(statements))
    except IntegrityError:
        with app.db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


def database_url(request: pytest.FixtureRequest, engine: str, tmp_path: Path) -> str:
    if engine == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "tremplin.db"
        shutil.copy(template, path)
        return f"sqlite:///{path}"
    return request.getfixturevalue("pg_ready")


#: Where test apps write their e-mails when no SMTP server is set (never the working directory).
TEST_OUTBOX = Path(os.environ.get("TMPDIR", "/tmp")) / f"tremplin-test-outbox-{os.getpid()}"


def make_app(url: str, plugins: list[str] | None = None, **settings: object) -> App:
    settings.setdefault("outbox_dir", str(TEST_OUTBOX))
    return create_app(Settings(database_url=url, load_entrypoints=False, **settings), plugins=plugins)  # type: ignore[arg-type]


@functools.cache
def full_registry() -> Any:
    """What every default plugin registers (roles, audiences...), for tables built when a test module loads."""
    app = make_app("sqlite://")
    app.close()
    return app.registry


@pytest.fixture(params=ENGINES)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database on each engine."""
    url = database_url(request, request.param, tmp_path)
    yield url
    if request.param == "postgresql":
        cleaner = make_app(url)
        truncate_all(cleaner)
        cleaner.close()


@pytest.fixture
def app(db_url: str) -> Iterator[App]:
    """The full app (every built-in plugin) on an empty migrated database."""
    application = make_app(db_url)
    yield application
    application.close()


@pytest.fixture
def centre(app: App) -> int:
    """A Brussels centre with a few sites; returns its id."""
    from tremplin.core.admin import ensure_centre, ensure_site

    with app.transaction() as session:
        c, _ = ensure_centre(session, "bxl", "Cité des métiers de Bruxelles")
        for code, kind in (
            ("reception", "reception"),
            ("multimedia", "multimedia"),
            ("advice", "advice"),
            ("group-room", "group_room"),
            ("truck-flagey", "formtruck_stop"),
        ):
            ensure_site(session, c, code, code.replace("-", " ").title(), kind)
        return c.id


def postgresql_languages(items: list[pytest.Item]) -> dict[tuple[str, str], str]:
    """The one language each language-parametrised test runs in on PostgreSQL, taken in turn.

    What such a test checks in each language is wording (catalogs, formats, labels): the database stores and
    reads the same rows whatever the reader's language. So every language runs on SQLite, and on PostgreSQL
    each test runs once, in a language given in turn (tests sorted by name), so that all four meet
    PostgreSQL across the suite."""
    from tremplin.core.i18n import LANGUAGES

    names = sorted(
        {
            (item.path.as_posix(), getattr(item, "originalname", ""))
            for item in items
            if "lang" in getattr(getattr(item, "callspec", None), "params", {})
        }
    )
    return {name: LANGUAGES[i % len(LANGUAGES)] for i, name in enumerate(names)}


def runs_on_postgresql(item: pytest.Item, params: dict[str, Any], languages: dict[tuple[str, str], str]) -> bool:
    """Whether a PostgreSQL instance of a test runs: in its one language (``postgresql_languages``), and with
    the parameters its ``postgresql_with`` mark names, if it has one."""
    key = (item.path.as_posix(), getattr(item, "originalname", ""))
    if "lang" in params and params["lang"] != languages[key]:
        return False
    mark = item.get_closest_marker("postgresql_with")
    return mark is None or all(params.get(name) == value for name, value in mark.kwargs.items())


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``slow`` first; on PostgreSQL, only the instances ``runs_on_postgresql`` keeps (the others
    are deselected, not skipped).

    pytest-xdist hands the tests out in this order: the long ones started first cannot leave one worker
    running alone at the end while the other waits."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
    if not PG_URL:
        return
    languages = postgresql_languages(items)
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if params.get("db_url") == "postgresql" and not runs_on_postgresql(item, params, languages):
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
