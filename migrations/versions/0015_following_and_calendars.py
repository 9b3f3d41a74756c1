"""following cases, authorities and searches by email; secret calendar feeds; each
deadline's sequence for the calendars

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 07:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from casework.models.base import BigId, UTCDateTime

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "followers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("email_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True, unique=True),
        sa.Column("mode", sa.String(10), nullable=False),
        sa.Column("token_version", sa.Integer, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("unsubscribed_at", UTCDateTime, nullable=True),
    )
    op.create_table(
        "follows",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("follower_id", sa.Integer, sa.ForeignKey("followers.id"), nullable=False),
        sa.Column("target", sa.String(20), nullable=False),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=True),
        sa.Column("authority_id", sa.Integer, sa.ForeignKey("authorities.id"), nullable=True),
        sa.Column("search", sa.JSON, nullable=True),
        sa.Column("label", sa.String(400), nullable=False),
        sa.Column("automatic", sa.Boolean, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("confirmed_at", UTCDateTime, nullable=True),
        sa.Column("expires_at", UTCDateTime, nullable=True),
        sa.Column("ended_at", UTCDateTime, nullable=True),
    )
    op.create_index("ix_follows_case", "follows", ["case_id", "ended_at"])
    op.create_index("ix_follows_authority", "follows", ["authority_id", "target", "ended_at"])
    op.create_index("ix_follows_target", "follows", ["target", "ended_at"])
    op.create_index("ix_follows_follower", "follows", ["follower_id", "ended_at"])
    op.create_table(
        "follow_messages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("follower_id", sa.Integer, sa.ForeignKey("followers.id"), nullable=False),
        sa.Column("key", sa.String(60), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("message_id", sa.String(300), nullable=False, unique=True),
        sa.Column("accepted_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("follower_id", "key"),
    )
    op.create_table(
        "follow_pending",
        sa.Column("follower_id", sa.Integer, sa.ForeignKey("followers.id"), primary_key=True),
        sa.Column("event_id", BigId, sa.ForeignKey("events.id"), primary_key=True),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("sent_at", UTCDateTime, nullable=True),
    )
    op.create_index("ix_follow_pending_unsent", "follow_pending", ["sent_at", "day", "follower_id"])
    op.create_table(
        "follow_digests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("follower_id", sa.Integer, sa.ForeignKey("followers.id"), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("follower_id", "day"),
    )
    op.create_table(
        "calendar_feeds",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("token_encrypted", sa.String(400), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("revoked_at", UTCDateTime, nullable=True),
        sa.Column("last_read_at", UTCDateTime, nullable=True),
    )
    op.create_index("ix_calendar_feeds_user", "calendar_feeds", ["user_id", "revoked_at"])
    with op.batch_alter_table("deadlines") as batch:
        batch.add_column(sa.Column("sequence", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("deadlines") as batch:
        batch.drop_column("sequence")
    op.drop_index("ix_calendar_feeds_user", "calendar_feeds")
    op.drop_table("calendar_feeds")
    op.drop_table("follow_digests")
    op.drop_index("ix_follow_pending_unsent", "follow_pending")
    op.drop_table("follow_pending")
    op.drop_table("follow_messages")
    for name in ("ix_follows_follower", "ix_follows_target", "ix_follows_authority"):
        op.drop_index(name, "follows")
    op.drop_index("ix_follows_case", "follows")
    op.drop_table("follows")
    op.drop_table("followers")
