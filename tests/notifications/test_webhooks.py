"""Webhooks: an authority registers a URL and gets a secret; events on its cases are POSTed
to a real HTTP server, signed; failures are retried with backoff and logged; a slow
endpoint holds up nobody's email or publication."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json

import pytest

from casework.models import RegisterRecord
from notifications.models import EventOutbox
from tests.casework.conftest import Caller, decide, new_request, ok, submitted, validated
from tests.conftest import redis_url as shared_redis_url
from tests.notifications.conftest import Pipeline, settle, timeline, wait_for


@pytest.fixture
def live(pipeline_factory, smtp, namespace, clock) -> Pipeline:
    """The live service, allowed to send webhooks to the endpoint on loopback."""
    _, smtp_url = smtp
    return pipeline_factory(
        shared_redis_url(), namespace, smtp_url, clock=clock, seed=False, WEBHOOK_ALLOW_LOOPBACK="1"
    )


def register_hook(officer: Caller, url: str) -> dict:
    response = officer.post("/api/v1/webhooks", json={"url": url})
    assert response.status_code == 201, response.json
    return response.json


def deliveries(officer: Caller, hook_id: int) -> list[dict]:
    response = officer.get(f"/api/v1/webhooks/{hook_id}/deliveries?page_size=200")
    assert response.status_code == 200, response.json
    return response.json


def webhook_rows_pending(pipeline: Pipeline) -> int:
    return pipeline.count(
        EventOutbox, EventOutbox.subscriber.like("webhook:%"), EventOutbox.done_at.is_(None)
    )


def test_registered_webhook_gets_each_event_once_signed(live, world, workers, endpoint):
    """An officer registers a URL and gets a secret once; every event on the authority's
    cases, and on no other authority's, arrives once with X-Casework-Signature =
    sha256=HMAC-SHA256(secret, body)."""
    officer = world.officer
    for caller in (world.body, world.public):
        assert caller.post("/api/v1/webhooks", json={"url": endpoint.url}).status_code == 403
    assert officer.post("/api/v1/webhooks", json={"url": "ftp://x.test/"}).status_code == 422

    hook = register_hook(officer, endpoint.url)
    secret = hook["secret"]
    assert len(secret) >= 32
    [listed] = officer.get("/api/v1/webhooks").json
    assert listed["id"] == hook["id"] and listed["url"] == endpoint.url
    assert "secret" not in listed  # shown once only
    assert world.other_officer.get("/api/v1/webhooks").json == []
    assert world.other_officer.get(f"/api/v1/webhooks/{hook['id']}/deliveries").status_code == 404

    ref = validated(world)
    submitted(world, authority="HIGH")  # another authority's case: not for this webhook
    settle(live)

    requests = endpoint.requests()
    events = {e["id"]: e for e in timeline(officer, ref)}
    bodies = [json.loads(r.body) for r in requests]
    assert sorted(b["id"] for b in bodies) == sorted(events)  # each event once, no others
    for request, body in zip(requests, bodies, strict=True):
        expected = "sha256=" + hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
        assert request.headers["X-Casework-Signature"] == expected
        assert request.headers["Content-Type"] == "application/json"
        assert request.headers["X-Casework-Event"] == body["type"] == events[body["id"]]["type"]
        assert request.headers["X-Casework-Delivery"] == f"{body['id']}.{hook['id']}"
        assert body["case"]["reference"] == ref and body["case"]["authority"] == "FIFE"
        assert body["payload"] == events[body["id"]]["payload"]
    assert "notice.served" in {b["type"] for b in bodies}  # the pipeline's own events too

    log = deliveries(officer, hook["id"])
    assert sorted(d["event_id"] for d in log) == sorted(events)
    assert {(d["attempt"], d["status_code"], d["error"]) for d in log} == {(1, 204, None)}

    # Removed: later events are not sent.
    assert (
        officer.client.delete(
            f"/api/v1/webhooks/{hook['id']}", headers={"Authorization": f"Bearer {officer.token}"}
        ).status_code
        == 204
    )
    ok(decide(world, ref, "refused"))
    settle(live)
    assert len(endpoint.requests()) == len(requests)


def test_a_failed_delivery_is_retried_with_backoff_and_logged(live, world, workers, endpoint):
    """The endpoint answers 503 to the first attempt at each delivery: each is sent again
    after a backoff of at least 5 seconds (the webhook queue's minimum), with the same body
    and signature although the case changed in between, and both attempts are logged."""
    endpoint.failures = 1
    officer = world.officer
    hook = register_hook(officer, endpoint.url)
    ref = new_request(world)  # the case is created...
    wait_for(lambda: len(endpoint.requests()) == 1, 10, "the first attempt")
    ok(world.body.act(ref, "submit"))  # ...and changes before that event is sent again
    settle(live, 60)

    events = [e["id"] for e in timeline(officer, ref)]
    assert len(events) == 2
    by_delivery: dict[str, list] = {}
    for r in endpoint.requests():
        by_delivery.setdefault(r.headers["X-Casework-Delivery"], []).append(r)
    assert sorted(by_delivery) == sorted(f"{e}.{hook['id']}" for e in events)
    for first, second in by_delivery.values():
        assert (first.body, first.headers["X-Casework-Signature"]) == (
            second.body,
            second.headers["X-Casework-Signature"],
        )
        assert second.at - first.at >= 5

    log = deliveries(officer, hook["id"])
    for event_id in events:
        attempts = sorted((d for d in log if d["event_id"] == event_id), key=lambda d: d["attempt"])
        assert [(d["attempt"], d["status_code"], d["error"]) for d in attempts] == [
            (1, 503, "the receiver answered with an error"),
            (2, 204, None),
        ]
        first, second = (dt.datetime.fromisoformat(d["attempted_at"]) for d in attempts)
        assert second - first >= dt.timedelta(seconds=5)


def test_a_slow_webhook_does_not_delay_email_or_publication(live, world, workers, smtp, endpoint):
    """Webhooks have a queue and threads of their own: with an endpoint taking 3 seconds
    over each of dozens of events, the notices are still emailed and published at once."""
    box, _ = smtp
    endpoint.delay = 3.0
    register_hook(world.officer, endpoint.url)
    refs = [validated(world) for _ in range(3)]
    for ref in refs:
        ok(decide(world, ref, "refused"))

    settle(live, 20, EventOutbox.subscriber.in_(("email", "register")))
    assert box.count() == 6  # three acknowledgements and three decision notices
    assert live.count(RegisterRecord) == 3
    # Meanwhile the webhook has more than 30 seconds of work still queued (3 s each, on
    # its 2 threads): had email waited behind it, it could not have finished within 20 s.
    assert webhook_rows_pending(live) > 20
    assert endpoint.requests(), "the webhook deliveries had started"
