"""subscriptions to the Touch'N'Go weekly challenge made and ended, as counts by day

The root of the neet plugin's branch.

Revision ID: neet_0001
Revises:
Depends on: 0001
Create Date: 2026-12-07 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "neet_0001"
down_revision = None
branch_labels = ("neet",)
#: The core revision that creates the centres the changes refer to.
depends_on = "0001"


def upgrade() -> None:
    op.create_table(
        "neet_challenge_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("change", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["centres.id"], name=op.f("fk_neet_challenge_changes_centre_id_centres"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_neet_challenge_changes")),
    )
    op.create_index(
        "ix_neet_challenge_changes_centre_day", "neet_challenge_changes", ["centre_id", "day"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_neet_challenge_changes_centre_day", table_name="neet_challenge_changes")
    op.drop_table("neet_challenge_changes")
