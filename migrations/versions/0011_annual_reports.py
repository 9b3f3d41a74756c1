"""annual reports (s.32, s.95): each version of an authority's report for a year

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 01:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from casework.models.base import UTCDateTime

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "annual_reports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("authority_id", sa.Integer, sa.ForeignKey("authorities.id"), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("promotion", sa.Text, nullable=False),
        sa.Column("support", sa.Text, nullable=False),
        sa.Column("correction_note", sa.Text, nullable=False),
        sa.Column("figures", sa.JSON, nullable=True),
        sa.Column("approved_by_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("approved_at", UTCDateTime, nullable=True),
        sa.Column("published_at", UTCDateTime, nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("lock", sa.Integer, nullable=False),
        sa.UniqueConstraint("authority_id", "kind", "year", "version", name="uq_annual_report"),
    )


def downgrade() -> None:
    op.drop_table("annual_reports")
