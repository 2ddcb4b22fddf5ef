"""the mobility fairs the centre takes part in

The root of the plugin's branch: no ``down_revision``, the plugin's name as its branch label, and the core
revision that creates the ``centres`` table it refers to in ``depends_on``.

Revision ID: euroguidance_0001
Revises:
Depends on: 0001
Create Date: 2026-12-07 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "euroguidance_0001"
down_revision = None
branch_labels = ("euroguidance",)
depends_on = "0001"


def upgrade() -> None:
    op.create_table(
        "euroguidance_fairs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("city", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["centres.id"], name=op.f("fk_euroguidance_fairs_centre_id_centres"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_euroguidance_fairs")),
    )
    op.create_index("ix_euroguidance_fairs_centre_day", "euroguidance_fairs", ["centre_id", "day"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_euroguidance_fairs_centre_day", table_name="euroguidance_fairs")
    op.drop_table("euroguidance_fairs")
