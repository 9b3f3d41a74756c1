"""The baseline for bench/pipeline.py: a bare dramatiq worker process on Redis.

Its one actor increments a Redis counter and nothing else, so what it measures is
dramatiq's own cost of sending, fetching and acknowledging a message. It imports
neither casework nor notifications, so its peak memory is dramatiq's alone.

Started by bench/pipeline.py; it runs until SIGTERM.
"""

from __future__ import annotations

import argparse
import signal
import threading

import dramatiq
from dramatiq.brokers.redis import RedisBroker

QUEUE = "bench-bare"
ACTOR = "bench_noop"


def declare(broker: RedisBroker) -> dramatiq.Actor:
    """The no-op actor, declared the same way on the sending and the working side."""
    client = broker.client

    def bench_noop(counter: str) -> None:
        client.incr(counter)

    return dramatiq.actor(bench_noop, actor_name=ACTOR, queue_name=QUEUE, broker=broker)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--namespace", required=True)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args(argv)

    broker = RedisBroker(url=args.redis_url, namespace=args.namespace)
    declare(broker)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    # worker_timeout as in notifications.processes.start_workers, so both poll alike.
    worker = dramatiq.Worker(
        broker, queues={QUEUE}, worker_threads=args.threads, worker_timeout=100
    )
    worker.start()
    stop.wait()
    worker.stop()


if __name__ == "__main__":
    main()
