"""school bookings carry their visit's day, place and workshop code, so the roll-up counts them

A booking is a fact of the roll-up (cancellations, no-shows): it counts on its visit's day, which it keeps
when its slot is deleted. A database made before plugins had their own migrations may have the columns
already (the core's ``0010_booking_counts`` added them): they are kept as they are.

Revision ID: schools_0002_booking_counts
Revises: schools_0001
Create Date: 2026-12-07 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "schools_0002_booking_counts"
down_revision = "schools_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("school_bookings")}
    if "workshop_code" in columns:
        return  # added by the core's 0010_booking_counts, in a database made before plugins had migrations
    with op.batch_alter_table("school_bookings") as batch:
        batch.add_column(sa.Column("day", sa.Date(), nullable=True))
        batch.add_column(sa.Column("at_school", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("workshop_code", sa.String(length=40), nullable=False, server_default=""))
    # Bookings made before: their slot says when and where, their workshop its code.
    op.execute(
        "UPDATE school_bookings SET "
        "day = (SELECT s.day FROM school_slots s WHERE s.id = school_bookings.slot_id), "
        "at_school = COALESCE((SELECT s.at_school FROM school_slots s WHERE s.id = school_bookings.slot_id), "
        "at_school), "
        "workshop_code = COALESCE("
        "(SELECT w.code FROM school_workshops w WHERE w.id = school_bookings.workshop_id), '')"
    )
    op.create_index("ix_school_bookings_centre_day", "school_bookings", ["centre_id", "day"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_school_bookings_centre_day", table_name="school_bookings")
    with op.batch_alter_table("school_bookings") as batch:
        batch.drop_column("workshop_code")
        batch.drop_column("at_school")
        batch.drop_column("day")
