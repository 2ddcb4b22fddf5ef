"""entries sent by phones that logged offline (one key each), and the Formtruck's planned stops

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
    op.create_table(
        "formtruck_stops",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("starts", sa.Time(), nullable=False),
        sa.Column("ends", sa.Time(), nullable=False),
        sa.Column("commune", sa.String(length=40), nullable=False),
        sa.Column("place", sa.String(length=80), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["centres.id"], name=op.f("fk_formtruck_stops_centre_id_centres"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_formtruck_stops_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_formtruck_stops")),
    )
    op.create_index("ix_formtruck_stops_centre_day", "formtruck_stops", ["centre_id", "day"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_formtruck_stops_centre_day", table_name="formtruck_stops")
    op.drop_table("formtruck_stops")
    op.drop_table("synced_entries")
