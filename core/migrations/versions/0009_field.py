"""entries sent by phones that logged offline (one key each)

This revision also created an audience plugin's table until plugins had their own migrations; that plugin's
branch (its ``migrations/`` folder) makes it now, and keeps the table a database made here.

Revision ID: 0009_field
Revises: 0003_schools
Create Date: 2026-12-07 12:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tremplin.core.db import UTCDateTime

revision = "0009_field"
down_revision = "0008_bot_threads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "synced_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("form", sa.String(length=80), nullable=False),
        sa.Column("record_kind", sa.String(length=16), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("made_at", UTCDateTime(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_synced_entries_staff_id_staff"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_synced_entries")),
        sa.UniqueConstraint("key", name=op.f("uq_synced_entries_key")),
    )


def downgrade() -> None:
    op.drop_table("synced_entries")
