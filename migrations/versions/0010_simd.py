"""the inequalities lens: imported SIMD versions, their data zone ranks and postcode lookup

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "simd_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition", sa.String(length=40), nullable=False),
        sa.Column("vintage", sa.String(length=40), nullable=False),
        sa.Column("simd_file", sa.String(length=300), nullable=False),
        sa.Column("postcodes_file", sa.String(length=300), nullable=False),
        sa.Column("zones_loaded", sa.Integer(), nullable=False),
        sa.Column("zones_refused", sa.Integer(), nullable=False),
        sa.Column("postcodes_loaded", sa.Integer(), nullable=False),
        sa.Column("postcodes_refused", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_simd_versions")),
    )
    op.create_table(
        "simd_zones",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("data_zone", sa.String(length=9), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("quintile", sa.SmallInteger(), nullable=False),
        sa.Column("decile", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["simd_versions.id"],
            name=op.f("fk_simd_zones_version_id_simd_versions"),
        ),
        sa.PrimaryKeyConstraint("version_id", "data_zone", name=op.f("pk_simd_zones")),
    )
    op.create_table(
        "simd_postcodes",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("postcode", sa.String(length=8), nullable=False),
        sa.Column("data_zone", sa.String(length=9), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["simd_versions.id"],
            name=op.f("fk_simd_postcodes_version_id_simd_versions"),
        ),
        sa.PrimaryKeyConstraint("version_id", "postcode", name=op.f("pk_simd_postcodes")),
    )


def downgrade() -> None:
    op.drop_table("simd_postcodes")
    op.drop_table("simd_zones")
    op.drop_table("simd_versions")
