"""nothing in the core (kept so that the chain, and a database at this revision, stay as they were)

This revision added columns to an audience plugin's table until plugins had their own migrations; that
plugin's branch (its ``migrations/`` folder) adds them now, to a database that lacks them.

Revision ID: 0010_booking_counts
Revises: 0003_schools
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

revision = "0010_booking_counts"
down_revision = "0003_schools"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
