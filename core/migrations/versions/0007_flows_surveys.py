"""partners' contact address (referral reminders go to the organisation, never to a person)

Revision ID: 0007_flows_surveys
Revises: 0003_schools
Create Date: 2026-12-07 12:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007_flows_surveys'
down_revision = '0003_schools'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('partners') as batch:
        batch.add_column(sa.Column('contact_email', sa.String(length=254), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('partners') as batch:
        batch.drop_column('contact_email')
