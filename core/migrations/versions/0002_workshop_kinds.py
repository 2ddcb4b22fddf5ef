"""workshop kinds a centre adds to the built-in ones

Revision ID: 0002_workshop_kinds
Revises: 0001
Create Date: 2026-11-21 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_workshop_kinds"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workshop_kinds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("label_en", sa.String(length=120), nullable=False),
        sa.Column("label_fr", sa.String(length=120), nullable=False),
        sa.Column("label_nl", sa.String(length=120), nullable=False),
        sa.Column("label_uk", sa.String(length=120), nullable=False),
        sa.Column("audience", sa.String(length=40), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["centres.id"], name=op.f("fk_workshop_kinds_centre_id_centres"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workshop_kinds")),
        sa.UniqueConstraint("centre_id", "code", name=op.f("uq_workshop_kinds_centre_id")),
    )


def downgrade() -> None:
    op.drop_table("workshop_kinds")
