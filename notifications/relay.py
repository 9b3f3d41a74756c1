"""The relay: outbox rows to dramatiq messages, one per (event, subscriber).

On PostgreSQL a batch of rows is claimed and stamped in one statement (an UPDATE over a
FOR UPDATE SKIP LOCKED subquery, RETURNING the keys), so two relays never send the same
row and a batch costs one round trip however large it is; the messages then go to the
broker together (`send_many`: one Redis pipeline), and the claim commits after they are
sent. A row stays in the outbox until its consumer has done the work; if the broker lost
the message (Redis restarted without persistence), or the relay died between sending and
committing, the row is sent again once `redispatch_after` has passed, and the idempotent
consumer makes that harmless. The events being sent are already committed when the relay
reads them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from casework.clock import now
from notifications.models import EventOutbox

Send = Callable[[int, str], None]
SendMany = Callable[[list[tuple[int, str]]], None]


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


def claim(session: Session, stamp: dt.datetime, stale_before: dt.datetime, batch: int):
    """Lock up to `batch` pending rows and stamp them dispatched; their keys, in order."""
    if session.get_bind().dialect.name == "postgresql":
        locked = (
            pending(stale_before, batch, skip_locked=True)
            .with_only_columns(EventOutbox.event_id, EventOutbox.subscriber)
            .subquery()
        )
        keys = session.execute(
            update(EventOutbox)
            .where(
                EventOutbox.event_id == locked.c.event_id,
                EventOutbox.subscriber == locked.c.subscriber,
            )
            .values(dispatched_at=stamp, dispatches=EventOutbox.dispatches + 1)
            .returning(EventOutbox.event_id, EventOutbox.subscriber)
            .execution_options(synchronize_session=False)
        ).all()
        return sorted((k.event_id, k.subscriber) for k in keys)
    # SQLite: its BEGIN IMMEDIATE already makes this transaction the only writer.
    rows = session.scalars(pending(stale_before, batch, skip_locked=False)).all()
    for row in rows:
        row.dispatched_at = stamp
        row.dispatches += 1
    return [(row.event_id, row.subscriber) for row in rows]


def relay(
    sessions: sessionmaker[Session],
    send: Send,
    redispatch_after: dt.timedelta,
    batch: int = 500,
    *,
    send_many: SendMany | None = None,
) -> int:
    """Send every pending row; return how many messages went. `send_many`, if given,
    sends a whole batch at once instead of `send` for each row."""
    sent = 0
    while True:
        with sessions() as session:
            stamp = now()
            keys = claim(session, stamp, stamp - redispatch_after, batch)
            if send_many is not None:
                if keys:
                    send_many(keys)
            else:
                for event_id, subscriber in keys:
                    send(event_id, subscriber)
            session.commit()  # only once they are sent: a failed send leaves them pending
        sent += len(keys)
        if len(keys) < batch:
            return sent
