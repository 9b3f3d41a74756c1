"""a report version that a later one corrected is marked in its register record's
document, so the listings filter on an indexed column instead of joining

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 08:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "UPDATE register_records SET document = 'annual_report_superseded' "
        "WHERE document = 'annual_report' AND EXISTS ("
        "SELECT 1 FROM register_records later "
        "JOIN annual_reports lr ON lr.id = later.report_id "
        "JOIN annual_reports mine ON mine.id = register_records.report_id "
        "WHERE later.reference = register_records.reference "
        "AND later.document = 'annual_report' AND lr.version > mine.version)"
    )


def downgrade() -> None:
    op.execute(
        "UPDATE register_records SET document = 'annual_report' "
        "WHERE document = 'annual_report_superseded'"
    )
