"""Applying the Alembic migrations (``tremplin init``), from the package's own migration scripts."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config

    from tremplin.core.app import App

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(app: App, revision: str = "head") -> None:
    from alembic import command

    cfg = alembic_config(app.db.url)
    with app.db.engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def current_revision(app: App) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with app.db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
