"""community planning priorities and localities; annual report reminders; annual reports
on the register

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 03:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from casework.models.base import UTCDateTime

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "plan_items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("authority_id", sa.Integer, sa.ForeignKey("authorities.id"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("plan_url", sa.String(2000), nullable=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("retired_on", sa.Date, nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_plan_items_authority", "plan_items", ["authority_id", "kind", "position"])
    op.create_table(
        "case_plan_items",
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), primary_key=True),
        sa.Column("plan_item_id", sa.Integer, sa.ForeignKey("plan_items.id"), primary_key=True),
        sa.Column("linked_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_case_plan_items_item", "case_plan_items", ["plan_item_id", "case_id"])
    op.create_table(
        "report_reminders",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("authority_id", sa.Integer, sa.ForeignKey("authorities.id"), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("offset_days", sa.Integer, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("authority_id", "kind", "year", "stage", "offset_days"),
    )
    with op.batch_alter_table("register_records") as batch:
        batch.alter_column("case_id", existing_type=sa.Integer, nullable=True)
        batch.add_column(
            sa.Column(
                "report_id",
                sa.Integer,
                sa.ForeignKey("annual_reports.id", name="fk_register_records_report_id"),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("register_records") as batch:
        batch.drop_column("report_id")
        batch.alter_column("case_id", existing_type=sa.Integer, nullable=False)
    op.drop_table("report_reminders")
    op.drop_index("ix_case_plan_items_item", "case_plan_items")
    op.drop_table("case_plan_items")
    op.drop_index("ix_plan_items_authority", "plan_items")
    op.drop_table("plan_items")
