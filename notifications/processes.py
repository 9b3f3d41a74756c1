"""The long-running parts: worker threads and the scheduler, as their own processes
(Procfile `worker` and `scheduler`) or as threads inside the web process (embedded)."""

from __future__ import annotations

import logging
import signal
import threading

import dramatiq
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from casework.clock import now
from notifications.actors import relay_outbox, sweep_deadlines

log = logging.getLogger(__name__)
EVERY_SECONDS = 60
# The longest an idle worker thread waits between polls of its queue, in milliseconds.
WORKER_TIMEOUT_MS = 100


class _OwnWorkerMiddleware(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        duplicate = "middleware of the same type twice" in str(record.msg)
        return not (duplicate and args and type(args[0]).__name__ == "_WorkerMiddleware")


def start_workers(
    broker: dramatiq.Broker, threads: int = 8, webhook_threads: int = 4
) -> list[dramatiq.Worker]:
    """Two workers: webhooks get threads of their own, so a slow endpoint takes none of
    the threads that send email and publish decisions.

    Each dramatiq Worker adds its own middleware to the broker when it starts, so the second
    one makes dramatiq warn of "a middleware of the same type twice". Here that is meant:
    each worker's middleware serves only its own queues. The warning is dropped for that
    middleware alone; any other duplicate is still reported."""
    if not any(isinstance(f, _OwnWorkerMiddleware) for f in broker.logger.filters):
        broker.logger.addFilter(_OwnWorkerMiddleware())
    workers = [
        dramatiq.Worker(
            broker,
            queues={"outbox", "default"},
            worker_threads=threads,
            worker_timeout=WORKER_TIMEOUT_MS,
        ),
        dramatiq.Worker(
            broker,
            queues={"webhooks"},
            worker_threads=webhook_threads,
            worker_timeout=WORKER_TIMEOUT_MS,
        ),
    ]
    for w in workers:
        w.start()
    return workers


def _enqueue(actor: dramatiq.Actor):
    def job() -> None:
        try:
            actor.send()
        except Exception as exc:  # Redis down: try again next minute
            log.warning("scheduler could not enqueue %s: %s", actor.actor_name, exc)

    return job


def schedule(scheduler: BaseScheduler, every: int = EVERY_SECONDS) -> BaseScheduler:
    """Every minute: the outbox sweep (the relay's safety net) and the deadline sweep."""
    for actor in (relay_outbox, sweep_deadlines):
        scheduler.add_job(
            _enqueue(actor),
            "interval",
            seconds=every,
            next_run_time=now(),
            id=actor.actor_name,
            coalesce=True,
            max_instances=1,
        )
    return scheduler


def run_scheduler(every: int = EVERY_SECONDS) -> None:
    log.info("scheduler: outbox and deadline sweeps every %s seconds", every)
    schedule(BlockingScheduler(timezone="UTC"), every).start()


def run_worker(broker: dramatiq.Broker, threads: int, webhook_threads: int) -> None:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    workers = start_workers(broker, threads, webhook_threads)
    log.info("worker: %s threads, %s for webhooks", threads, webhook_threads)
    stop.wait()
    log.info("worker: stopping")
    for w in workers:
        w.stop()


def start_embedded(broker: dramatiq.Broker) -> tuple[list[dramatiq.Worker], BaseScheduler]:
    """The embedded default: the same actors on the StubBroker, in threads of the web process."""
    workers = start_workers(broker, threads=2, webhook_threads=1)
    scheduler = schedule(BackgroundScheduler(timezone="UTC"))
    scheduler.start()
    return workers, scheduler
