"""The pipeline's runtime: settings, database sessions, broker, clock and mail transport.

Configured once per process: by the web app (which only sends), by `casework worker`,
by `casework scheduler`, and by tests. Actors read it; they hold no state of their own.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import queue
import threading
from dataclasses import dataclass

import dramatiq
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from casework.clock import Clock, now
from casework.config import Settings
from casework.db import make_engine, make_sessionmaker
from notifications.broker import make_broker, use_broker
from notifications.mail import Transport, transport_for
from notifications.models import EventOutbox, FailedJob
from workflows.machine import Law

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    sessions: sessionmaker[Session]
    broker: dramatiq.Broker
    clock: Clock
    law: Law
    transport: Transport
    redispatch_after: dt.timedelta


_current: Runtime | None = None


def configure(
    settings: Settings,
    *,
    sessions: sessionmaker[Session] | None = None,
    clock: Clock | None = None,
    broker: dramatiq.Broker | None = None,
    transport: Transport | None = None,
) -> Runtime:
    global _current
    broker = use_broker(broker or make_broker(settings))
    _current = Runtime(
        settings=settings,
        sessions=sessions
        or make_sessionmaker(make_engine(settings.database_url, settings.database_pool_size)),
        broker=broker,
        clock=clock or Clock(),
        law=settings.law(),
        transport=transport or transport_for(settings),
        redispatch_after=dt.timedelta(seconds=settings.redispatch_after_seconds),
    )
    return _current


def current() -> Runtime:
    if _current is None:
        raise RuntimeError("the notifications runtime is not configured")
    return _current


def is_configured() -> bool:
    return _current is not None


# -- the nudge: a hint to the relay after a commit, never in the request's way -----------

_nudges: queue.Queue[None] = queue.Queue(maxsize=1)
_nudger: threading.Thread | None = None
_nudger_lock = threading.Lock()


def nudge() -> None:
    """Ask the relay to run soon. Coalesced, sent from a thread, and allowed to fail: the
    outbox sweep delivers whatever a lost nudge would have."""
    global _nudger
    if _current is None:
        return
    with _nudger_lock:
        if _nudger is None or not _nudger.is_alive():
            _nudger = threading.Thread(target=_send_nudges, name="outbox-nudge", daemon=True)
            _nudger.start()
    with contextlib.suppress(queue.Full):  # a nudge is already waiting to go
        _nudges.put_nowait(None)


def _send_nudges() -> None:
    from notifications.actors import relay_outbox

    while True:
        _nudges.get()
        try:
            relay_outbox.send()
        except Exception as exc:  # Redis down: the sweep will catch up
            log.warning("outbox nudge not sent: %s", exc)


# -- failures ---------------------------------------------------------------------------


def record_failure(message: dramatiq.Message, error: str) -> None:
    """Keep a message whose retries ran out; stop redispatching its outbox row."""
    from notifications import delivery

    rt = current()
    with rt.sessions() as s:
        exists = s.scalar(select(FailedJob.id).where(FailedJob.message_id == message.message_id))
        if exists is None:
            s.add(
                FailedJob(
                    message_id=message.message_id,
                    queue=message.queue_name,
                    actor=message.actor_name,
                    args=list(message.args),
                    kwargs=dict(message.kwargs),
                    error=error[:4000],
                )
            )
        if message.actor_name in ("deliver", "deliver_webhook") and len(message.args) == 2:
            event_id, subscriber = message.args
            s.execute(
                update(EventOutbox)
                .where(
                    EventOutbox.event_id == event_id,
                    EventOutbox.subscriber == subscriber,
                    EventOutbox.done_at.is_(None),
                )
                .values(failed_at=now(), error=error[:4000])
            )
            delivery.on_failed(s, event_id, subscriber, error)
        s.commit()


def retry_failed(job_ids: list[int] | None, actor=None) -> list[int]:
    """Send failed jobs again (all of them if `job_ids` is None). A webhook delivery sent
    again is noted on its case, as sent by `actor` (a casework Actor; else the command)."""
    from casework.eventlog import Actor
    from notifications import webhooks

    actor = actor or Actor.system("casework jobs retry")
    rt = current()
    retried = []
    with rt.sessions() as s:
        query = select(FailedJob).where(FailedJob.retried_at.is_(None))
        if job_ids is not None:
            query = query.where(FailedJob.id.in_(job_ids))
        for job in s.scalars(query.order_by(FailedJob.id)):
            if job.actor in ("deliver", "deliver_webhook") and len(job.args) == 2:
                s.execute(
                    update(EventOutbox)
                    .where(
                        EventOutbox.event_id == job.args[0], EventOutbox.subscriber == job.args[1]
                    )
                    .values(failed_at=None, error=None)
                )
                if job.actor == "deliver_webhook":
                    webhooks.note_resent(s, job.args[0], job.args[1], actor)
            job.retried_at = now()
            retried.append(job)
        s.commit()
    for job in retried:
        rt.broker.enqueue(
            dramatiq.Message(
                queue_name=job.queue,
                actor_name=job.actor,
                args=tuple(job.args),
                kwargs=job.kwargs,
                options={},
            )
        )
    return [j.id for j in retried]
