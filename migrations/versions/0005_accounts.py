"""one-time codes used once; reset requests limited apart

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 07:36:37.193459
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sign_in_attempts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("purpose", sa.String(length=20), server_default="sign_in", nullable=False)
        )

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("totp_last_step")

    with op.batch_alter_table("sign_in_attempts", schema=None) as batch_op:
        batch_op.drop_column("purpose")
