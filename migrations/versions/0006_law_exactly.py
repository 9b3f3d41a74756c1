"""the law exactly: receipt facts, s.25 and s.31 content, late representations, 2016/360 receipts

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = {
    "cases": [
        sa.Column("received_by", sa.String(length=10), nullable=True),
        sa.Column("information_requested_on", sa.Date(), nullable=True),
        sa.Column("validated_on", sa.Date(), nullable=True),
    ],
    "participation_requests": [
        sa.Column("other_participants", sa.Text(), nullable=True),
        sa.Column("decision_notice_on", sa.Date(), nullable=True),
        sa.Column("views_sought_on", sa.Date(), nullable=True),
        sa.Column("views_of_body", sa.Text(), nullable=True),
        sa.Column("views_of_others", sa.Text(), nullable=True),
    ],
    "asset_transfer_requests": [
        sa.Column("review_period_expired_on", sa.Date(), nullable=True),
        sa.Column("no_contract_appeal_received_on", sa.Date(), nullable=True),
        sa.Column("no_contract_response_received_on", sa.Date(), nullable=True),
    ],
    "representations": [
        sa.Column("copied_on", sa.Date(), nullable=True),
        sa.Column("comments_by", sa.Date(), nullable=True),
        sa.Column("commented_on", sa.Date(), nullable=True),
    ],
}


def upgrade() -> None:
    for table, columns in _COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.add_column(column)
    # The deadline sweep's lanes (casework/sweep.py): one rule's open deadlines, by case.
    op.create_index(
        "ix_deadlines_rule_status_case",
        "deadlines",
        ["rule", "status", "case_id", "due_date"],
        unique=False,
    )
    # Requests validated before this revision were validated on their validation date, and
    # were received then as far as the record shows.
    op.execute("UPDATE cases SET validated_on = validation_date WHERE validation_date IS NOT NULL")
    op.execute("UPDATE cases SET received_by = 'online' WHERE received_on IS NOT NULL")
    op.execute(
        "UPDATE participation_requests SET decision_notice_on = "
        "(SELECT decided_on FROM cases WHERE cases.id = participation_requests.id)"
    )


def downgrade() -> None:
    op.drop_index("ix_deadlines_rule_status_case", table_name="deadlines")
    for table, columns in _COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in reversed(columns):
                batch_op.drop_column(column.name)
