"""The dramatiq broker: Redis in production, the StubBroker in the embedded default.

Actors are declared once, against a placeholder, and bound to the real broker by
`use_broker`, so the same actors run on either broker.
"""

from __future__ import annotations

import logging
import traceback
from uuid import uuid4

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.common import current_millis
from dramatiq.middleware import (
    AgeLimit,
    Callbacks,
    CurrentMessage,
    Middleware,
    Retries,
    ShutdownNotifications,
    TimeLimit,
)

from casework.config import Settings

log = logging.getLogger(__name__)

QUEUES = ("outbox", "default", "webhooks")

# Actors bind to this until `use_broker` gives them the configured one.
dramatiq.set_broker(StubBroker())


class RecordFailures(Middleware):
    """When a message's retries run out, keep it as a failed job (`casework jobs failed`)."""

    def after_process_message(self, broker, message, *, result=None, exception=None):
        if exception is None or not message.failed:
            return
        from notifications import runtime

        error = "".join(traceback.format_exception_only(type(exception), exception)).strip()
        try:
            runtime.record_failure(message, error)
        except Exception:  # the failure must not hide the original error in the logs
            log.exception("could not record failed job %s", message.message_id)


def middleware(settings: Settings) -> list[Middleware]:
    """Retries back off from JOB_MIN_BACKOFF_MS, doubling, to JOB_MAX_BACKOFF_MS; by
    default from 2 s to 5 minutes over 8 retries, about 20 minutes in all.

    RecordFailures comes before Retries: dramatiq runs `after_process_message` hooks in
    reverse order, and only once Retries has run is a message whose retries ran out marked
    failed."""
    return [
        AgeLimit(),
        TimeLimit(time_limit=300_000),
        ShutdownNotifications(),
        Callbacks(),
        CurrentMessage(),
        RecordFailures(),
        Retries(
            max_retries=settings.job_max_retries,
            min_backoff=settings.job_min_backoff_ms,
            max_backoff=settings.job_max_backoff_ms,
        ),
    ]


def make_broker(settings: Settings) -> dramatiq.Broker:
    """Redis under its own key namespace (REDIS_NAMESPACE), or the in-memory StubBroker."""
    if settings.redis_url is None:
        return StubBroker(middleware=middleware(settings))
    client = redis.Redis.from_url(
        settings.redis_url, socket_connect_timeout=2, socket_timeout=15, health_check_interval=30
    )
    return RedisBroker(
        client=client, namespace=settings.redis_namespace, middleware=middleware(settings)
    )


def use_broker(broker: dramatiq.Broker) -> dramatiq.Broker:
    """Make `broker` the one every actor sends to and every worker reads from."""
    from notifications import actors

    dramatiq.set_broker(broker)
    for actor in actors.ALL:
        actor.broker = broker
        broker.declare_actor(actor)
    for queue in QUEUES:
        broker.declare_queue(queue)
    return broker


def enqueue_many(broker: dramatiq.Broker, messages: list[dramatiq.Message]) -> None:
    """Send messages together. On Redis they go in one pipeline, a round trip for the whole
    batch, each exactly as `RedisBroker.enqueue` sends one (its dispatch script, a Redis
    message id of its own, the enqueue hooks of the middleware); on any other broker, or a
    dramatiq whose Redis broker no longer looks like this, one by one."""
    if not (isinstance(broker, RedisBroker) and len(messages) > 1 and _pipelines(broker)):
        for message in messages:
            broker.enqueue(message)
        return
    dispatch, pipe = broker.scripts["dispatch"], broker.client.pipeline(transaction=False)
    sent = []
    for message in messages:
        message = message.copy(options={"redis_message_id": str(uuid4())})
        broker.emit_before("enqueue", message, None)
        dispatch(
            keys=[broker.namespace],
            args=[
                "enqueue",
                current_millis(),
                message.queue_name,
                broker.broker_id,
                broker.heartbeat_timeout,
                broker.dead_message_ttl,
                broker._should_do_maintenance("enqueue"),
                broker._max_unpack_size(),
                message.options["redis_message_id"],
                message.encode(),
            ],
            client=pipe,
        )
        sent.append(message)
    pipe.execute()
    for message in sent:
        broker.emit_after("enqueue", message, None)


def _pipelines(broker: RedisBroker) -> bool:
    """What `enqueue_many` uses of the Redis broker's insides (dramatiq 2.x) is there."""
    return all(
        hasattr(broker, name)
        for name in (
            "scripts",
            "broker_id",
            "heartbeat_timeout",
            "dead_message_ttl",
            "_should_do_maintenance",
            "_max_unpack_size",
        )
    )


def queue_depths(broker: dramatiq.Broker) -> dict[str, int]:
    """Messages waiting (ready, delayed or in flight) on each queue."""
    if isinstance(broker, RedisBroker):
        return {q: int(broker.do_qsize(q)) for q in QUEUES}
    if isinstance(broker, StubBroker):
        return {
            q: broker.queues[q].qsize() + broker.queues[f"{q}.DQ"].qsize()
            for q in QUEUES
            if q in broker.queues
        }
    return {}


def ping(broker: dramatiq.Broker) -> None:
    if isinstance(broker, RedisBroker):
        broker.client.ping()
