"""the schools plugin's tables: workshops, slots, bookings and their history, school holidays

The root of the schools plugin's branch. A database made before plugins had their own migrations already has
these tables (the core's ``0003_schools`` created them): they are kept as they are, with their rows.

Revision ID: schools_0001
Revises:
Depends on: 0001
Create Date: 2026-12-07 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tremplin import UTCDateTime

revision = "schools_0001"
down_revision = None
branch_labels = ("schools",)
#: The core revision that creates the centres, partners and activities these tables refer to.
depends_on = "0001"


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "school_workshops" not in existing:
        op.create_table(
            "school_workshops",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("centre_id", sa.Integer(), nullable=False),
            sa.Column("code", sa.String(length=40), nullable=False),
            sa.Column("name_en", sa.String(length=120), nullable=False),
            sa.Column("name_fr", sa.String(length=120), nullable=False),
            sa.Column("name_nl", sa.String(length=120), nullable=False),
            sa.Column("name_uk", sa.String(length=120), nullable=False),
            sa.Column("description_en", sa.Text(), nullable=False),
            sa.Column("description_fr", sa.Text(), nullable=False),
            sa.Column("description_nl", sa.Text(), nullable=False),
            sa.Column("description_uk", sa.Text(), nullable=False),
            sa.Column("duration_minutes", sa.Integer(), nullable=False),
            sa.Column("languages", sa.JSON(), nullable=False),
            sa.Column("min_pupils", sa.Integer(), nullable=False),
            sa.Column("max_pupils", sa.Integer(), nullable=False),
            sa.Column("school_years", sa.JSON(), nullable=False),
            sa.Column("place", sa.String(length=16), nullable=False),
            sa.Column("active", sa.Boolean(), nullable=False),
            sa.ForeignKeyConstraint(
                ["centre_id"], ["centres.id"], name=op.f("fk_school_workshops_centre_id_centres"), ondelete="CASCADE"
            ),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_school_workshops")),
            sa.UniqueConstraint("centre_id", "code", name=op.f("uq_school_workshops_centre_id")),
        )
    if "school_slots" not in existing:
        op.create_table(
            "school_slots",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("centre_id", sa.Integer(), nullable=False),
            sa.Column("workshop_id", sa.Integer(), nullable=False),
            sa.Column("starts_at", UTCDateTime(), nullable=False),
            sa.Column("ends_at", UTCDateTime(), nullable=False),
            sa.Column("day", sa.Date(), nullable=False),
            sa.Column("room", sa.String(length=80), nullable=False),
            sa.Column("at_school", sa.Boolean(), nullable=False),
            sa.Column("capacity_classes", sa.Integer(), nullable=False),
            sa.Column("capacity_pupils", sa.Integer(), nullable=False),
            sa.Column("languages", sa.JSON(), nullable=False),
            sa.Column("booked_classes", sa.Integer(), nullable=False),
            sa.Column("booked_pupils", sa.Integer(), nullable=False),
            sa.Column("series", sa.String(length=40), nullable=False),
            sa.Column("version", sa.Integer(), nullable=False),
            sa.Column("created_at", UTCDateTime(), nullable=False),
            sa.ForeignKeyConstraint(
                ["centre_id"], ["centres.id"], name=op.f("fk_school_slots_centre_id_centres"), ondelete="CASCADE"
            ),
            sa.ForeignKeyConstraint(
                ["workshop_id"],
                ["school_workshops.id"],
                name=op.f("fk_school_slots_workshop_id_school_workshops"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_school_slots")),
        )
        op.create_index("ix_school_slots_centre_day", "school_slots", ["centre_id", "day"], unique=False)
    if "school_bookings" not in existing:
        op.create_table(
            "school_bookings",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("centre_id", sa.Integer(), nullable=False),
            sa.Column("slot_id", sa.Integer(), nullable=True),
            sa.Column("workshop_id", sa.Integer(), nullable=False),
            sa.Column("school_id", sa.Integer(), nullable=True),
            sa.Column("status", sa.String(length=16), nullable=False),
            sa.Column("school_year", sa.String(length=2), nullable=False),
            sa.Column("education_type", sa.String(length=32), nullable=False),
            sa.Column("pupils", sa.Integer(), nullable=False),
            sa.Column("adults", sa.Integer(), nullable=False),
            sa.Column("needs_accessibility", sa.Boolean(), nullable=False),
            sa.Column("needs_interpreter", sa.Boolean(), nullable=False),
            sa.Column("language", sa.String(length=8), nullable=False),
            sa.Column("teacher_name", sa.String(length=120), nullable=True),
            sa.Column("teacher_email", sa.String(length=320), nullable=True),
            sa.Column("teacher_language", sa.String(length=8), nullable=False),
            sa.Column("idempotency_key", sa.String(length=64), nullable=False),
            sa.Column("ics_sequence", sa.Integer(), nullable=False),
            sa.Column("pupils_came", sa.Integer(), nullable=True),
            sa.Column("activity_id", sa.Integer(), nullable=True),
            sa.Column("erase_after", sa.Date(), nullable=False),
            sa.Column("erased_at", UTCDateTime(), nullable=True),
            sa.Column("reminded_at", UTCDateTime(), nullable=True),
            sa.Column("created_at", UTCDateTime(), nullable=False),
            sa.Column("updated_at", UTCDateTime(), nullable=False),
            sa.ForeignKeyConstraint(
                ["activity_id"],
                ["activities.id"],
                name=op.f("fk_school_bookings_activity_id_activities"),
                ondelete="SET NULL",
            ),
            sa.ForeignKeyConstraint(
                ["centre_id"], ["centres.id"], name=op.f("fk_school_bookings_centre_id_centres"), ondelete="CASCADE"
            ),
            sa.ForeignKeyConstraint(
                ["school_id"], ["partners.id"], name=op.f("fk_school_bookings_school_id_partners"), ondelete="SET NULL"
            ),
            sa.ForeignKeyConstraint(
                ["slot_id"],
                ["school_slots.id"],
                name=op.f("fk_school_bookings_slot_id_school_slots"),
                ondelete="SET NULL",
            ),
            sa.ForeignKeyConstraint(
                ["workshop_id"],
                ["school_workshops.id"],
                name=op.f("fk_school_bookings_workshop_id_school_workshops"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_school_bookings")),
            sa.UniqueConstraint("idempotency_key", name=op.f("uq_school_bookings_idempotency_key")),
        )
        op.create_index("ix_school_bookings_slot_status", "school_bookings", ["slot_id", "status"], unique=False)
    if "school_booking_events" not in existing:
        op.create_table(
            "school_booking_events",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("booking_id", sa.Integer(), nullable=False),
            sa.Column("at", UTCDateTime(), nullable=False),
            sa.Column("from_status", sa.String(length=16), nullable=True),
            sa.Column("to_status", sa.String(length=16), nullable=False),
            sa.Column("actor", sa.String(length=80), nullable=False),
            sa.Column("details", sa.JSON(), nullable=False),
            sa.ForeignKeyConstraint(
                ["booking_id"],
                ["school_bookings.id"],
                name=op.f("fk_school_booking_events_booking_id_school_bookings"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_school_booking_events")),
        )
    if "school_holidays" not in existing:
        op.create_table(
            "school_holidays",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("centre_id", sa.Integer(), nullable=False),
            sa.Column("community", sa.String(length=4), nullable=False),
            sa.Column("starts_on", sa.Date(), nullable=False),
            sa.Column("ends_on", sa.Date(), nullable=False),
            sa.Column("label", sa.String(length=120), nullable=False),
            sa.ForeignKeyConstraint(
                ["centre_id"], ["centres.id"], name=op.f("fk_school_holidays_centre_id_centres"), ondelete="CASCADE"
            ),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_school_holidays")),
        )


def downgrade() -> None:
    op.drop_table("school_holidays")
    op.drop_table("school_booking_events")
    op.drop_index("ix_school_bookings_slot_status", table_name="school_bookings")
    op.drop_table("school_bookings")
    op.drop_index("ix_school_slots_centre_day", table_name="school_slots")
    op.drop_table("school_slots")
    op.drop_table("school_workshops")
