"""/healthz and /metrics, read the way a load balancer and Prometheus read them."""

from __future__ import annotations

import re

import pytest

from notifications.actors import deliver
from notifications.processes import start_workers
from notifications.relay import relay
from notifications.runtime import current, retry_failed
from tests.casework.conftest import decide, move, ok, validated
from tests.conftest import redis_url
from tests.notifications.conftest import settle, wait_for

TOKEN = "prometheus-scrape-token"
SAMPLE = re.compile(r"^([a-z_]+)(\{[^}]*\})? (\S+)$")


def scrape(client) -> dict[str, float]:
    """Parse the Prometheus text format: every sample, keyed by name and labels; each
    metric declared with HELP and TYPE before its samples."""
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert "version=0.0.4" in response.headers["Content-Type"]
    declared: dict[str, str] = {}
    samples: dict[str, float] = {}
    for line in response.get_data(as_text=True).splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split()
            declared[name] = kind
        elif line.startswith("# HELP "):
            continue
        else:
            match = SAMPLE.match(line)
            assert match, line
            name, labels, value = match.groups()
            assert name in declared, f"{name} has no TYPE line before it"
            samples[name + (labels or "")] = float(value)
    return samples


@pytest.fixture
def live(pipeline_factory, smtp, namespace, clock):
    """The live service of tests/notifications, with a token for the scraper."""
    _, smtp_url = smtp
    return pipeline_factory(
        redis_url(), namespace, smtp_url, clock=clock, seed=False, METRICS_TOKEN=TOKEN
    )


def depth(samples: dict[str, float], queue: str) -> float:
    return samples[f'casework_queue_depth{{queue="{queue}"}}']


def test_healthz_reports_the_database_and_the_broker(pipeline_factory, own_redis, smtp, namespace):
    """503 while Redis is down, so a load balancer or orchestrator can see it; /metrics
    still answers, with the broker down."""
    _, smtp_url = smtp
    pipeline = pipeline_factory(own_redis.url, namespace, smtp_url, METRICS_TOKEN=TOKEN)
    client = pipeline.client()
    up = client.get("/healthz")
    assert up.status_code == 200
    assert up.json == {"status": "ok", "database": "ok", "broker": "ok"}

    own_redis.stop()
    down = client.get("/healthz")
    assert down.status_code == 503
    assert down.json["status"] == "unavailable"
    assert down.json["database"] == "ok"
    assert down.json["broker"].startswith("error")
    samples = scrape(client)
    assert samples["casework_broker_up"] == 0
    assert not any(k.startswith("casework_queue_depth") for k in samples)

    own_redis.start()
    wait_for(lambda: client.get("/healthz").status_code == 200, 15, "healthz to recover")
    assert scrape(client)["casework_broker_up"] == 1


def test_metrics_follow_the_pipeline(live, world, smtp, clock):
    """Outbox backlog, queue depths, failed jobs and overdue duties each move as the work
    they count arrives and is done."""
    box, _ = smtp
    client = live.client()
    move(clock, "2026-04-01")
    start = scrape(client)
    assert start["casework_broker_up"] == 1
    for name in ("casework_outbox_backlog", "casework_failed_jobs", "casework_deadlines_overdue"):
        assert start[name] == 0, name
    assert {depth(start, q) for q in ("outbox", "default", "webhooks")} == {0}

    # Two validated requests, each with an acknowledgement to email; no worker is running.
    a, b = validated(world), validated(world)
    wait_for(lambda: depth(scrape(client), "outbox") > 0, 10, "the nudge to the relay")
    assert scrape(client)["casework_outbox_backlog"] == 2
    rt = current()
    assert relay(rt.sessions, lambda e, s: deliver.send(e, s), rt.redispatch_after) == 2
    assert depth(scrape(client), "default") == 2

    workers = start_workers(rt.broker, threads=2, webhook_threads=1)
    try:
        settle(live)
        wait_for(
            lambda: {depth(scrape(client), q) for q in ("outbox", "default")} == {0},
            15,
            "the queues to empty",
        )
        assert scrape(client)["casework_outbox_backlog"] == 0
        assert box.count() == 2

        # A decision notice the mail server refuses for good: a failed job, not a backlog.
        box.reject = "554 5.7.1 Refused"
        ok(decide(world, a, "refused"))
        settle(live)
        after = scrape(client)
        assert after["casework_failed_jobs"] == 1
        assert after["casework_outbox_backlog"] == 0
        box.reject = None
        assert len(retry_failed(None)) == 1
        settle(live)
        assert scrape(client)["casework_failed_jobs"] == 0
    finally:
        for w in workers:
            w.stop()

    # B's decision is due Tue 12 May 2026 (30 working days beginning with Wed 1 April, as
    # in test_reminders): not overdue on the day, overdue the day after, and no longer
    # once decided. A was decided in time.
    move(clock, "2026-05-12")
    assert scrape(client)["casework_deadlines_overdue"] == 0
    move(clock, "2026-05-13")
    assert scrape(client)["casework_deadlines_overdue"] == 1
    ok(decide(world, b, "refused"))
    assert scrape(client)["casework_deadlines_overdue"] == 0
