"""The dramatiq actors. Each is small: the work lives in the modules it calls.

They return nothing: with no results backend, dramatiq logs a warning for every message
whose actor returns a value. What they did goes to the log instead.
"""

from __future__ import annotations

import logging

import dramatiq

from notifications import broker as _placeholder  # noqa: F401  (binds a broker before actors)

log = logging.getLogger(__name__)


def _route(subscriber: str) -> dramatiq.Actor:
    return deliver_webhook if subscriber.startswith("webhook:") else deliver


@dramatiq.actor(queue_name="outbox", max_retries=3)
def relay_outbox() -> None:
    """Send every pending outbox row as one message per (event, subscriber), a batch at a
    time in one round trip to the broker."""
    from notifications.broker import enqueue_many
    from notifications.relay import relay
    from notifications.runtime import current

    rt = current()

    def send_many(keys: list[tuple[int, str]]) -> None:
        enqueue_many(rt.broker, [_route(sub).message(event_id, sub) for event_id, sub in keys])

    sent = relay(
        rt.sessions,
        lambda event_id, sub: _route(sub).send(event_id, sub),
        rt.redispatch_after,
        send_many=send_many,
    )
    log.debug("relay sent %s message(s)", sent)


@dramatiq.actor(queue_name="default")
def deliver(event_id: int, subscriber: str) -> None:
    """Email and publication for one event."""
    from notifications.delivery import consume

    log.debug("event %s to %s: %s", event_id, subscriber, consume(event_id, subscriber))


@dramatiq.actor(queue_name="webhooks", min_backoff=5_000, max_backoff=600_000)
def deliver_webhook(event_id: int, subscriber: str) -> None:
    """One event to one webhook, on a queue of its own."""
    from notifications.delivery import consume

    log.debug("event %s to %s: %s", event_id, subscriber, consume(event_id, subscriber))


@dramatiq.actor(queue_name="outbox", max_retries=3)
def sweep_deadlines() -> None:
    """Statutory system actions, reminders and escalations for deadlines reached today
    (the sweep logs what it did), the day's anchor of the event log, and followers'
    digests of the day before."""
    from casework.audit import anchor
    from notifications.reminders import sweep
    from notifications.runtime import current

    rt = current()
    settings = rt.settings
    sweep(
        rt.sessions,
        rt.clock.today(),
        rt.law,
        settings.reminder_offsets,
        settings.report_reminder_offsets,
    )
    with rt.sessions() as session:  # once a day: fix every chain's latest hash
        anchor(session, rt.clock.today())
    from notifications.following import claim_digests

    with rt.sessions() as session:  # yesterday's digests for daily followers, once each
        claim_digests(session, rt.clock.today())


ALL = (relay_outbox, deliver, deliver_webhook, sweep_deadlines)
