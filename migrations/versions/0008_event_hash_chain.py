"""the tamper-evident record: a hash chain over each case's events, and daily anchors

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 22:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from casework.models.base import BigId, UTCDateTime
from workflows import audit

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_events = sa.table(
    "events",
    sa.column("id", BigId),
    sa.column("case_id", sa.Integer),
    sa.column("type", sa.String),
    sa.column("actor", sa.String),
    sa.column("occurred_at", UTCDateTime),
    sa.column("payload", sa.JSON),
    sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String),
)


def _backfill() -> None:
    """Chain the events already recorded, in the order they were recorded. The log is
    append-only in the database too, so its trigger is lifted for this one change."""
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    if postgres:
        op.execute("ALTER TABLE events DISABLE TRIGGER events_append_only")
    else:
        op.execute("DROP TRIGGER IF EXISTS events_no_update")
    heads: dict[int | None, str] = {}
    last = 0
    while True:
        rows = bind.execute(
            sa.select(_events).where(_events.c.id > last).order_by(_events.c.id).limit(1000)
        ).all()
        if not rows:
            break
        for row in rows:
            prev = heads.get(row.case_id, audit.GENESIS)
            digest = audit.hash_of(prev, row)
            bind.execute(
                _events.update().where(_events.c.id == row.id).values(prev_hash=prev, hash=digest)
            )
            heads[row.case_id] = digest
        last = rows[-1].id
    if postgres:
        op.execute("ALTER TABLE events ENABLE TRIGGER events_append_only")
    else:
        op.execute(
            "CREATE TRIGGER events_no_update BEFORE UPDATE ON events "
            "BEGIN SELECT RAISE(ABORT, 'events is append-only'); END"
        )


def upgrade() -> None:
    op.add_column("events", sa.Column("prev_hash", sa.String(length=64), nullable=True))
    op.add_column("events", sa.Column("hash", sa.String(length=64), nullable=True))
    op.create_table(
        "audit_anchors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("up_to_event_id", BigId, nullable=False),
        sa.Column("chains", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_anchors")),
        sa.UniqueConstraint("day", name=op.f("uq_audit_anchors_day")),
    )
    _backfill()


def downgrade() -> None:
    op.drop_table("audit_anchors")
    postgres = op.get_bind().dialect.name == "postgresql"
    if not postgres:
        # SQLite drops a column by rebuilding the table, which would drop its triggers.
        op.execute("DROP TRIGGER IF EXISTS events_no_update")
        op.execute("DROP TRIGGER IF EXISTS events_no_delete")
    with op.batch_alter_table("events") as batch_op:
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
    if not postgres:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER events_no_{verb.lower()} BEFORE {verb} ON events "
                f"BEGIN SELECT RAISE(ABORT, 'events is append-only'); END"
            )
