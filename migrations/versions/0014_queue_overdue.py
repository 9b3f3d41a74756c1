"""the queue at scale: each case's earliest open statutory duty, and the authority's cases
indexed by next deadline and id

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 04:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("next_duty_due_date", sa.Date, nullable=True))
    op.execute(
        "UPDATE cases SET next_duty_due_date = (SELECT MIN(d.due_date) FROM deadlines d "
        "WHERE d.case_id = cases.id AND d.status = 'open' AND d.duty)"
    )
    op.drop_index("ix_cases_authority_next_due", "cases")
    op.create_index("ix_cases_authority_next_due", "cases", ["authority_id", "next_due_date", "id"])


def downgrade() -> None:
    op.drop_index("ix_cases_authority_next_due", "cases")
    op.create_index("ix_cases_authority_next_due", "cases", ["authority_id", "next_due_date"])
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("next_duty_due_date")
