"""A webhook delivery holds no database transaction while it waits on the network.

On SQLite every transaction takes the write lock for the whole file, so a delivery that
held one across its HTTP request froze every request to the service until the receiver
answered, and then its own log of the attempt waited behind it until the busy timeout:
the attempt was never logged and the receiver got the event again. On PostgreSQL it held
the outbox row's lock for as long as the receiver took.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select, text

from notifications.models import EventOutbox, Webhook
from tests.casework.conftest import ALL_TRUE, REQUEST, new_request
from tests.conftest import redis_url as shared_redis_url
from tests.notifications.conftest import CASEWORK, REFUSAL, free_port, wait_for
from tests.notifications.test_embedded import SEED, answers, call, embedded_env


@pytest.fixture
def live(pipeline_factory, smtp, namespace, clock):
    """The live service, allowed to send webhooks to the receiver on loopback."""
    _, smtp_url = smtp
    return pipeline_factory(
        shared_redis_url(), namespace, smtp_url, clock=clock, seed=False, WEBHOOK_ALLOW_LOOPBACK="1"
    )


def timed(base: str, path: str, token: str | None = None) -> tuple[int | None, float]:
    """One GET to the running service: its status and how long it took (None: no answer
    within 10 seconds)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    started = time.monotonic()
    try:
        request = urllib.request.Request(base + path, headers=headers)
        with urllib.request.urlopen(request, timeout=10) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except TimeoutError:
        status = None
    return status, time.monotonic() - started


def pending_webhook_rows(database: Path) -> int:
    with sqlite3.connect(database) as conn:
        return conn.execute(
            "SELECT count(*) FROM event_outbox WHERE subscriber LIKE 'webhook:%' "
            "AND done_at IS NULL AND failed_at IS NULL"
        ).fetchone()[0]


def test_sqlite_service_answers_while_a_webhook_waits_on_a_slow_receiver(tmp_path, endpoint):
    """`casework serve` on the embedded default (SQLite, StubBroker, worker thread in the
    web process): while the receiver takes 2 seconds over each delivery, /healthz and the
    API answer at once; every delivery is then logged once, as one successful attempt, and
    the receiver gets each one exactly once."""
    instance = tmp_path / "instance"
    env = {**embedded_env(instance), "WEBHOOK_ALLOW_LOOPBACK": "1"}
    subprocess.run([CASEWORK, "db", "upgrade"], env=env, check=True, capture_output=True)
    seeded = subprocess.run(
        [sys.executable, "-c", SEED, json.dumps(ALL_TRUE), json.dumps(REQUEST)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert seeded.returncode == 0, seeded.stderr
    made = json.loads(seeded.stdout.strip().splitlines()[-1])
    ref, officer = made["reference"], made["officer"]

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        serve = subprocess.Popen(
            [CASEWORK, "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for(lambda: answers(base), 60, "casework serve to answer")
        status, hook = call(base, "/api/v1/webhooks", officer, {"url": endpoint.url})
        assert status == 201, hook
        endpoint.delay = 2.0
        status, case = call(base, f"/api/v1/cases/{ref}/actions/decide", officer, REFUSAL)
        assert status == 200, case

        wait_for(lambda: endpoint.requests(), 30, "the first delivery to reach the receiver")
        # The receiver is now taking its time over the first delivery.
        for path in ("/healthz", f"/api/v1/cases/{ref}/events", "/api/v1/webhooks"):
            status, seconds = timed(base, path, officer)
            assert status == 200 and seconds < 1.5, (path, status, seconds, log.read_text())

        database = instance / "casework.db"
        wait_for(
            lambda: pending_webhook_rows(database) == 0, 60, "every webhook delivery to be done"
        )
        status, log_rows = call(
            base, f"/api/v1/webhooks/{hook['id']}/deliveries?page_size=200", officer
        )
        assert status == 200
        received = Counter(r.headers["X-Casework-Delivery"] for r in endpoint.requests())
        logged = Counter(f"{d['event_id']}.{hook['id']}" for d in log_rows)
        assert len(received) >= 2  # the decision's events, each delivered...
        assert set(received.values()) == {1}  # ...once
        assert logged == received  # and logged once
        assert {(d["attempt"], d["status_code"], d["error"]) for d in log_rows} == {(1, 204, None)}
    finally:
        os.killpg(serve.pid, signal.SIGTERM)
        serve.wait(20)


def test_postgresql_outbox_row_is_not_locked_while_the_receiver_answers(live, world, endpoint):
    """On PostgreSQL, while a delivery waits for a slow receiver, another connection can
    lock its outbox row at once (NOWAIT): no transaction is held across the request. The
    delivery is then done and logged once."""
    from notifications.delivery import consume

    response = world.officer.post("/api/v1/webhooks", json={"url": endpoint.url})
    assert response.status_code == 201, response.json
    hook_id = response.json["id"]
    new_request(world)
    subscriber = f"webhook:{hook_id}"
    with live.sessions() as s:
        event_id = s.scalar(
            select(EventOutbox.event_id)
            .where(EventOutbox.subscriber == subscriber)
            .order_by(EventOutbox.event_id)
        )
    assert event_id is not None

    endpoint.delay = 2.0
    results: list[str] = []
    delivery = threading.Thread(target=lambda: results.append(consume(event_id, subscriber)))
    delivery.start()
    try:
        wait_for(lambda: endpoint.requests(), 10, "the delivery to reach the receiver")
        with live.sessions() as s:
            s.execute(text("SET LOCAL lock_timeout = '200ms'"))
            row = s.scalar(
                select(EventOutbox)
                .where(EventOutbox.event_id == event_id, EventOutbox.subscriber == subscriber)
                .with_for_update(nowait=True)
            )
            assert row is not None and row.done_at is None
            hook = s.scalar(
                select(Webhook).where(Webhook.id == hook_id).with_for_update(nowait=True)
            )
            assert hook is not None
            s.rollback()
    finally:
        delivery.join(15)
    assert results == ["done"]
    assert len(endpoint.requests()) == 1
    with live.sessions() as s:
        done = s.scalar(
            select(EventOutbox.done_at).where(
                EventOutbox.event_id == event_id, EventOutbox.subscriber == subscriber
            )
        )
    assert done is not None
    log = world.officer.get(f"/api/v1/webhooks/{hook_id}/deliveries").json
    assert [(d["event_id"], d["attempt"], d["status_code"]) for d in log] == [(event_id, 1, 204)]
    assert consume(event_id, subscriber) == "already done"
    assert len(endpoint.requests()) == 1
