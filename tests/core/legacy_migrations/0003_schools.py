"""the outbox, and the schools plugin's workshops, slots, bookings and school holidays

Revision ID: 0003_schools
Revises: 0002_workshop_kinds
Create Date: 2026-12-01 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tremplin.core.db import UTCDateTime

revision = "0003_schools"
down_revision = "0002_workshop_kinds"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=True),
        sa.Column("audience", sa.String(length=40), nullable=True),
        sa.Column("subject_ref", sa.String(length=80), nullable=False),
        sa.Column("to_address", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("claimed_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["centres.id"], name=op.f("fk_outbox_messages_centre_id_centres"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_messages")),
        sa.UniqueConstraint("key", name=op.f("uq_outbox_messages_key")),
    )
    op.create_index("ix_outbox_messages_state_due", "outbox_messages", ["state", "next_attempt_at"], unique=False)
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
            ["slot_id"], ["school_slots.id"], name=op.f("fk_school_bookings_slot_id_school_slots"), ondelete="SET NULL"
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
    op.drop_index("ix_outbox_messages_state_due", table_name="outbox_messages")
    op.drop_table("outbox_messages")
