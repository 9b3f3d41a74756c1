"""asset transfer requests and the register of land

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 14:08:52.312194
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "land",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("authority_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("uprn", sa.String(length=12), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("tenure", sa.String(length=10), nullable=False),
        sa.Column("location", sa.JSON(), nullable=True),
        sa.Column("import_key", sa.String(length=400), nullable=False),
        sa.Column("retired_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["authority_id"], ["authorities.id"], name=op.f("fk_land_authority_id_authorities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_land")),
        sa.UniqueConstraint(
            "authority_id", "import_key", name=op.f("uq_land_authority_id_import_key")
        ),
    )
    op.create_index("ix_land_authority_name", "land", ["authority_id", "name"], unique=False)
    op.create_table(
        "asset_transfer_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("land_id", sa.Integer(), nullable=True),
        sa.Column("land_description", sa.Text(), nullable=False),
        sa.Column("transfer_type", sa.String(length=20), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("benefits", sa.Text(), nullable=False),
        sa.Column("proposed_price", sa.Text(), nullable=False),
        sa.Column("other_terms", sa.Text(), nullable=False),
        sa.Column("community_support", sa.Text(), nullable=False),
        sa.Column("funding", sa.Text(), nullable=False),
        sa.Column("repeat_of_id", sa.Integer(), nullable=True),
        sa.Column("freeze_applies", sa.Boolean(), nullable=True),
        sa.Column("freeze_exception", sa.String(length=20), nullable=True),
        sa.Column("freeze_exception_details", sa.Text(), nullable=True),
        sa.Column("notice_date", sa.Date(), nullable=True),
        sa.Column("representations_close", sa.Date(), nullable=True),
        sa.Column("copies_sent_on", sa.Date(), nullable=True),
        sa.Column("comments_by", sa.Date(), nullable=True),
        sa.Column("body_commented_on", sa.Date(), nullable=True),
        sa.Column("decision", sa.String(length=10), nullable=True),
        sa.Column("agreed_on", sa.Date(), nullable=True),
        sa.Column("terms", sa.Text(), nullable=True),
        sa.Column("terms_differ_significantly", sa.Boolean(), nullable=False),
        sa.Column("offer_by", sa.Date(), nullable=True),
        sa.Column("decision_period_expired_on", sa.Date(), nullable=True),
        sa.Column("offer_made_on", sa.Date(), nullable=True),
        sa.Column("offer", sa.Text(), nullable=True),
        sa.Column("contract_concluded_on", sa.Date(), nullable=True),
        sa.Column("no_contract_response_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["id"], ["cases.id"], name=op.f("fk_asset_transfer_requests_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["land_id"], ["land.id"], name=op.f("fk_asset_transfer_requests_land_id_land")
        ),
        sa.ForeignKeyConstraint(
            ["repeat_of_id"],
            ["cases.id"],
            name=op.f("fk_asset_transfer_requests_repeat_of_id_cases"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asset_transfer_requests")),
    )
    op.create_index(
        op.f("ix_asset_transfer_requests_land_id"),
        "asset_transfer_requests",
        ["land_id"],
        unique=False,
    )
    op.create_table(
        "applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=30), nullable=False),
        sa.Column("route", sa.String(length=200), nullable=False),
        sa.Column("applied_on", sa.Date(), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("procedure", sa.JSON(), nullable=False),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("result", sa.String(length=20), nullable=True),
        sa.Column("decision", sa.String(length=10), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["asset_transfer_requests.id"],
            name=op.f("fk_applications_case_id_asset_transfer_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
    )
    op.create_index(op.f("ix_applications_case_id"), "applications", ["case_id"], unique=False)
    op.create_table(
        "representations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["asset_transfer_requests.id"],
            name=op.f("fk_representations_case_id_asset_transfer_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_representations")),
    )
    op.create_index(
        op.f("ix_representations_case_id"), "representations", ["case_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_representations_case_id"), table_name="representations")
    op.drop_table("representations")
    op.drop_index(op.f("ix_applications_case_id"), table_name="applications")
    op.drop_table("applications")
    op.drop_index(op.f("ix_asset_transfer_requests_land_id"), table_name="asset_transfer_requests")
    op.drop_table("asset_transfer_requests")
    op.drop_index("ix_land_authority_name", table_name="land")
    op.drop_table("land")
