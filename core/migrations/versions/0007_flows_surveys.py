"""partners' contact address (referral reminders go to the organisation, never to a person); the
satisfaction survey's one-time links and anonymous answers

Revision ID: 0007_flows_surveys
Revises: 0003_schools
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tremplin.core.db import UTCDateTime

revision = "0007_flows_surveys"
down_revision = "0009_field"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("partners") as batch:
        batch.add_column(sa.Column("contact_email", sa.String(length=254), nullable=True))
    op.create_table(
        "survey_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=True),
        sa.Column("service", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["centres.id"], name=op.f("fk_survey_links_centre_id_centres"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_links")),
        sa.UniqueConstraint("code", name=op.f("uq_survey_links_code")),
    )
    op.create_table(
        "survey_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=True),
        sa.Column("questionnaire", sa.String(length=40), nullable=False),
        sa.Column("service", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("satisfaction", sa.String(length=24), nullable=False),
        sa.Column("would_recommend", sa.Boolean(), nullable=False),
        sa.Column("first_visit", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["centres.id"], name=op.f("fk_survey_answers_centre_id_centres"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_answers")),
    )
    op.create_index("ix_survey_answers_day", "survey_answers", ["day"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_survey_answers_day", table_name="survey_answers")
    op.drop_table("survey_answers")
    op.drop_table("survey_links")
    with op.batch_alter_table("partners") as batch:
        batch.drop_column("contact_email")
