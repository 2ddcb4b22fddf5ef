"""the Formtruck's planned stops: the truck at a place, in a commune, on a day, at set hours

The root of the formtruck plugin's branch. A database made before plugins had their own migrations already
has the table (the core's ``0009_field`` created it): it is kept as it is, with its rows.

Revision ID: formtruck_0001
Revises:
Depends on: 0001
Create Date: 2026-12-07 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tremplin import UTCDateTime

revision = "formtruck_0001"
down_revision = None
branch_labels = ("formtruck",)
#: The core revision that creates the centres and sites the stops refer to.
depends_on = "0001"


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("formtruck_stops"):
        return  # made by the core's 0009_field, in a database made before plugins had migrations
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
