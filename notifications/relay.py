"""The relay: outbox rows to dramatiq messages, one per (event, subscriber).

On PostgreSQL rows are claimed with FOR UPDATE SKIP LOCKED, so two relays never send
the same row. A row stays in the outbox until its consumer has done the work; if the
broker lost the message (Redis restarted without persistence), the row is sent again
once `redispatch_after` has passed, and the idempotent consumer makes that harmless.
The events being sent are already committed when the relay reads them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from casework.clock import now
from notifications.models import EventOutbox

Send = Callable[[int, str], None]


def pending(stale_before: dt.datetime, batch: int, *, skip_locked: bool):
    query = (
        select(EventOutbox)
        .where(
            EventOutbox.done_at.is_(None),
            EventOutbox.failed_at.is_(None),
            or_(EventOutbox.dispatched_at.is_(None), EventOutbox.dispatched_at < stale_before),
        )
        .order_by(EventOutbox.event_id, EventOutbox.subscriber)
        .limit(batch)
    )
    return query.with_for_update(skip_locked=True) if skip_locked else query


def relay(
    sessions: sessionmaker[Session], send: Send, redispatch_after: dt.timedelta, batch: int = 500
) -> int:
    """Send every pending row; return how many messages went."""
    sent = 0
    while True:
        with sessions() as session:
            skip_locked = session.get_bind().dialect.name == "postgresql"
            stamp = now()
            rows = session.scalars(
                pending(stamp - redispatch_after, batch, skip_locked=skip_locked)
            ).all()
            for row in rows:
                send(row.event_id, row.subscriber)
                row.dispatched_at = stamp
                row.dispatches += 1
            session.commit()
        sent += len(rows)
        if len(rows) < batch:
            return sent
