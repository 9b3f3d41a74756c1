"""request titles: the body's short title on each case and on its register records;
an asset transfer draft has no transfer type until the body chooses one

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 23:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("title", sa.String(200), nullable=True))
    op.add_column("register_records", sa.Column("request_title", sa.String(200), nullable=True))
    with op.batch_alter_table("asset_transfer_requests") as batch:
        batch.alter_column("transfer_type", existing_type=sa.String(20), nullable=True)


def downgrade() -> None:
    op.execute(
        "UPDATE asset_transfer_requests SET transfer_type = 'lease' WHERE transfer_type IS NULL"
    )
    with op.batch_alter_table("asset_transfer_requests") as batch:
        batch.alter_column("transfer_type", existing_type=sa.String(20), nullable=False)
    op.drop_column("register_records", "request_title")
    op.drop_column("cases", "title")
