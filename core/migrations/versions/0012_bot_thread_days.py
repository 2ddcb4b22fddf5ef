"""threads with a counsellor: the local day each opened on, which the figure of threads opened counts

Revision ID: 0012_bot_thread_days
Revises: 0011_field
Create Date: 2026-12-07 20:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_bot_thread_days"
down_revision = "0011_field"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bot_threads") as batch:
        batch.add_column(sa.Column("opened_on", sa.Date(), nullable=True))
        batch.create_index(op.f("ix_bot_threads_opened_on"), ["opened_on"], unique=False)
    # Threads opened before: the local day of their centre, as their contact counts it
    # (`tremplin counters rebuild` then counts them).
    from datetime import UTC
    from zoneinfo import ZoneInfo

    bind = op.get_bind()
    zones = {cid: zone for cid, zone in bind.execute(sa.text("SELECT id, timezone FROM centres"))}
    threads = sa.table("bot_threads", sa.column("id"), sa.column("opened_on", sa.Date()))
    rows = bind.execute(sa.text("SELECT id, centre_id, opened_at FROM bot_threads WHERE opened_on IS NULL")).all()
    for thread_id, centre_id, opened_at in rows:
        if isinstance(opened_at, str):  # SQLite hands the text it stores
            from datetime import datetime

            opened_at = datetime.fromisoformat(opened_at)
        moment = opened_at if opened_at.tzinfo else opened_at.replace(tzinfo=UTC)
        day = moment.astimezone(ZoneInfo(zones.get(centre_id) or "Europe/Brussels")).date()
        bind.execute(sa.update(threads).where(threads.c.id == thread_id).values(opened_on=day))


def downgrade() -> None:
    with op.batch_alter_table("bot_threads") as batch:
        batch.drop_index(op.f("ix_bot_threads_opened_on"))
        batch.drop_column("opened_on")
