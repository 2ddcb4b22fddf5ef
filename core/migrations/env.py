"""Alembic environment: the connection is handed over by ``tremplin.core.migrate`` (no alembic.ini needed)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from alembic import context

from tremplin.core.models import Base

if TYPE_CHECKING:
    from sqlalchemy import Connection

target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        from sqlalchemy import create_engine

        url = context.config.get_main_option("sqlalchemy.url")
        assert url is not None, "tremplin.core.migrate sets the connection or the URL"
        engine = create_engine(url)
        with engine.begin() as connection:
            _run(connection)
        return
    _run(connection)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite can only alter tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
