"""the bot: persisted state, chats under a keyed hash, threads with a counsellor, editable texts, subscriptions

Revision ID: 0008_bot_threads
Revises: 0003_schools
Create Date: 2026-12-07 12:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tremplin.core.db import UTCDateTime

revision = "0008_bot_threads"
down_revision = "0010_booking_counts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bot_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=80), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("chat_key", sa.String(length=64), nullable=False),
        sa.Column("sealed", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bot_state")),
        sa.UniqueConstraint("kind", "key", name=op.f("uq_bot_state_kind")),
    )
    op.create_index(op.f("ix_bot_state_chat_key"), "bot_state", ["chat_key"], unique=False)
    op.create_table(
        "bot_chats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_key", sa.String(length=64), nullable=False),
        sa.Column("first_seen_on", sa.Date(), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(), nullable=False),
        sa.Column("conversations", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bot_chats")),
        sa.UniqueConstraint("chat_key", name=op.f("uq_bot_chats_chat_key")),
    )
    op.create_table(
        "bot_threads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("audience", sa.String(length=40), nullable=False),
        sa.Column("theme", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("awaiting", sa.String(length=8), nullable=False),
        sa.Column("chat_key", sa.String(length=64), nullable=True),
        sa.Column("sealed_chat", sa.Text(), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.Column("first_answer_at", UTCDateTime(), nullable=True),
        sa.Column("last_message_at", UTCDateTime(), nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("referral_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("retain_until", sa.Date(), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["centres.id"], name=op.f("fk_bot_threads_centre_id_centres"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_bot_threads_contact_id_contacts"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referrals.id"], name=op.f("fk_bot_threads_referral_id_referrals"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_bot_threads_staff_id_staff"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bot_threads")),
    )
    op.create_index(op.f("ix_bot_threads_chat_key"), "bot_threads", ["chat_key"], unique=False)
    op.create_index("ix_bot_threads_status_awaiting", "bot_threads", ["status", "awaiting"], unique=False)
    op.create_table(
        "bot_thread_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("sender", sa.String(length=8), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("delivery", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("delivered_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_bot_thread_messages_staff_id_staff"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["bot_threads.id"],
            name=op.f("fk_bot_thread_messages_thread_id_bot_threads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bot_thread_messages")),
    )
    op.create_index("ix_bot_thread_messages_delivery", "bot_thread_messages", ["delivery"], unique=False)
    op.create_table(
        "bot_texts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_bot_texts_staff_id_staff"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bot_texts")),
        sa.UniqueConstraint("key", "language", name=op.f("uq_bot_texts_key")),
    )
    op.create_table(
        "bot_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=40), nullable=False),
        sa.Column("chat_key", sa.String(length=64), nullable=False),
        sa.Column("sealed_chat", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("subscribed_at", UTCDateTime(), nullable=False),
        sa.Column("last_sent", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bot_subscriptions")),
        sa.UniqueConstraint("topic", "chat_key", name=op.f("uq_bot_subscriptions_topic")),
    )


def downgrade() -> None:
    op.drop_table("bot_subscriptions")
    op.drop_table("bot_texts")
    op.drop_index("ix_bot_thread_messages_delivery", table_name="bot_thread_messages")
    op.drop_table("bot_thread_messages")
    op.drop_index("ix_bot_threads_status_awaiting", table_name="bot_threads")
    op.drop_index(op.f("ix_bot_threads_chat_key"), table_name="bot_threads")
    op.drop_table("bot_threads")
    op.drop_table("bot_chats")
    op.drop_index(op.f("ix_bot_state_chat_key"), table_name="bot_state")
    op.drop_table("bot_state")
