"""phones' field-sync credentials, valid until the end of the working day

Revision ID: 0011_field
Revises: 0011_bot
Create Date: 2026-12-07 15:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tremplin.core.db import UTCDateTime

revision = "0011_field"
down_revision = "0011_bot"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "field_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("session_hash", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_field_tokens_staff_id_staff"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_field_tokens")),
    )
    op.create_index("ix_field_tokens_staff_id", "field_tokens", ["staff_id"], unique=False)
    op.create_index("ix_field_tokens_session_hash", "field_tokens", ["session_hash"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_field_tokens_session_hash", table_name="field_tokens")
    op.drop_index("ix_field_tokens_staff_id", table_name="field_tokens")
    op.drop_table("field_tokens")
