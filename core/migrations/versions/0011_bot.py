"""the bot's shared flood windows; satisfaction answers of one question, with their theme

Revision ID: 0011_bot
Revises: 0004_sessions
Create Date: 2026-12-07 15:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_bot"
down_revision = "0004_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bot_floods",
        sa.Column("chat_key", sa.String(length=64), nullable=False),
        sa.Column("minute", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("told", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("chat_key", name=op.f("pk_bot_floods")),
    )
    # The bot asks one question (how satisfied); the other two stay unanswered there.
    with op.batch_alter_table("survey_answers") as batch:
        batch.alter_column("would_recommend", existing_type=sa.Boolean(), nullable=True)
        batch.alter_column("first_visit", existing_type=sa.Boolean(), nullable=True)
        batch.add_column(sa.Column("theme", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("survey_answers") as batch:
        batch.drop_column("theme")
        batch.alter_column("first_visit", existing_type=sa.Boolean(), nullable=False)
        batch.alter_column("would_recommend", existing_type=sa.Boolean(), nullable=False)
    op.drop_table("bot_floods")
