"""The pipeline loses nothing and does nothing twice when Redis, a worker or the web process
dies. Real Redis servers, real worker processes, a real SMTP server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from collections import Counter

import dramatiq
from sqlalchemy import select

from casework.clock import Clock
from casework.models import Notice, RegisterRecord
from notifications.actors import deliver
from notifications.models import EmailRecord, EventOutbox
from tests.notifications.conftest import REFUSAL, seed_validated, wait_for

N = 200


def _delivered(pipeline, box, emails: int, records: int, timeout: float = 180) -> None:
    try:
        wait_for(
            lambda: (
                pipeline.count(RegisterRecord) >= records and len(set(box.message_ids())) >= emails
            ),
            timeout,
            f"{records} register records and {emails} emails",
        )
    except AssertionError as exc:
        raise AssertionError(
            f"{exc}; have {pipeline.count(RegisterRecord)} records, "
            f"{box.count()} emails\n{pipeline.tail_logs()}"
        ) from None

    # Anything still pending would show as a second copy: give it a moment to arrive.
    wait_for(
        lambda: pipeline.count(EventOutbox, EventOutbox.done_at.is_(None)) == 0,
        60,
        "every outbox row to be done",
    )


def _exactly_once(pipeline, box, emails: int, records: int, in_flight: int = 0) -> None:
    """Each notice is one message, recorded once, and published once.

    `in_flight`: SMTP cannot commit with the database, so a worker killed after the server
    accepted a message but before its own commit sends it again on redelivery, with the
    same Message-ID (RFC 1047). At most one per message the killed worker had in flight.
    """
    # The cases' mail: the annual report reminders follow the calendar, and these tests run
    # on the real one (tests/notifications/test_report_reminders.py checks them).
    ids = [m["Message-ID"] for m in box.messages if " report for " not in m["Subject"]]
    counts = Counter(ids)
    retransmitted = sum(n - 1 for n in counts.values())
    assert retransmitted <= in_flight, f"sent again: {[m for m, n in counts.items() if n > 1]}"
    assert len(counts) == emails
    assert pipeline.count(EmailRecord, EmailRecord.case_id.is_not(None)) == emails
    assert pipeline.count(RegisterRecord) == records
    with pipeline.sessions() as s:
        recorded = set(
            s.scalars(select(EmailRecord.message_id).where(EmailRecord.case_id.is_not(None)))
        )
        published = s.scalars(select(RegisterRecord.reference)).all()
    assert recorded == set(counts)
    assert len(set(published)) == records


def test_redis_stopped_while_200_decisions_are_issued(pipeline_factory, own_redis, smtp, namespace):
    """Fault 1: Redis dies (and comes back empty) while 200 decisions are issued."""
    box, smtp_url = smtp
    pipeline = pipeline_factory(own_redis.url, namespace, smtp_url)
    refs = seed_validated(pipeline, N, Clock().today())
    pipeline.worker(threads=8)
    pipeline.scheduler(every=1)
    # The 200 acknowledgements go out first, with Redis up.
    _delivered(pipeline, box, emails=N, records=0)

    own_redis.stop()
    for ref in refs:
        response = pipeline.act(ref, "decide", REFUSAL)
        assert response.status_code == 200, response.json
    assert pipeline.count(EventOutbox, EventOutbox.done_at.is_(None)) >= 2 * N
    own_redis.start()

    _delivered(pipeline, box, emails=2 * N, records=N)
    _exactly_once(pipeline, box, emails=2 * N, records=N)
    assert sum("decision notice" in s for s in box.subjects()) == N


def test_worker_killed_in_the_middle_of_a_batch(pipeline_factory, own_redis, smtp, namespace):
    """Fault 2: SIGKILL a worker mid-batch; a new worker finishes; nothing is sent twice."""
    box, smtp_url = smtp
    box.delay = 0.02  # the batch takes long enough to be caught in the middle
    pipeline = pipeline_factory(own_redis.url, namespace, smtp_url)
    refs = seed_validated(pipeline, N, Clock().today())
    first = pipeline.worker(threads=4)
    pipeline.scheduler(every=1)
    for ref in refs:
        assert pipeline.act(ref, "decide", REFUSAL).status_code == 200

    wait_for(lambda: box.count() >= N // 2, 120, "the batch to be under way")
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(10)
    sent_before_kill = box.count()
    assert sent_before_kill < 2 * N, "the worker finished before it could be killed"

    pipeline.worker(threads=4)
    _delivered(pipeline, box, emails=2 * N, records=N)
    _exactly_once(pipeline, box, emails=2 * N, records=N, in_flight=4)


DIE_AFTER_COMMIT = textwrap.dedent("""
    import json, os, sys
    from sqlalchemy import event
    from sqlalchemy.orm import Session
    # Registered before the pipeline's own listener, so the process dies after the
    # commit and before the nudge could be sent.
    event.listen(Session, "after_commit", lambda session: os._exit(0))
    from casework.app import create_app
    from casework.config import Settings
    app = create_app(Settings.from_env())
    client = app.test_client()
    client.post(f"/api/v1/cases/{sys.argv[1]}/actions/decide", json=json.loads(sys.argv[3]),
                headers={"Authorization": "Bearer " + sys.argv[2]})
    sys.exit(3)  # not reached: the commit ends the process
""")


def test_web_process_dies_after_commit_before_nudge(pipeline_factory, namespace, smtp):
    """Fault 3: the decision is committed, the process dies, no nudge is sent; the sweep
    delivers it."""
    from tests.conftest import redis_url

    box, smtp_url = smtp
    pipeline = pipeline_factory(redis_url(), namespace, smtp_url)
    [ref] = seed_validated(pipeline, 1, Clock().today())
    with pipeline.sessions() as s:  # the acknowledgement is not what this test is about
        for row in s.scalars(select(EventOutbox)):
            row.done_at = row.created_at
        s.commit()
    from notifications.runtime import current

    wait_for(lambda: current().broker.do_qsize("outbox") > 0, 10, "the seeding's own nudge")
    current().broker.flush("outbox")  # so that any message now would be the dying process's

    done = subprocess.run(
        [sys.executable, "-c", DIE_AFTER_COMMIT, ref, pipeline.officer_token, json.dumps(REFUSAL)],
        env=pipeline.env,
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr.decode()
    with pipeline.sessions() as s:
        decision_notice = s.scalar(select(Notice).where(Notice.kind == "decision_notice"))
        assert decision_notice is not None, "the decision was not committed"
        pending = s.scalars(select(EventOutbox).where(EventOutbox.done_at.is_(None))).all()
    assert {(r.subscriber, r.dispatched_at) for r in pending} == {
        ("email", None),
        ("register", None),
    }
    assert current().broker.do_qsize("outbox") == 0, "a nudge was sent after all"

    pipeline.worker()
    pipeline.scheduler(every=1)
    _delivered(pipeline, box, emails=1, records=1, timeout=60)
    _exactly_once(pipeline, box, emails=1, records=1)


def test_the_same_message_delivered_twice_has_no_effect(pipeline_factory, namespace, smtp):
    """Fault 4: a duplicate message (same id, then same arguments) does nothing new."""
    from notifications.processes import start_workers
    from notifications.relay import relay
    from notifications.runtime import current
    from tests.conftest import redis_url

    box, smtp_url = smtp
    pipeline = pipeline_factory(redis_url(), namespace, smtp_url)
    [ref] = seed_validated(pipeline, 1, Clock().today())
    assert pipeline.act(ref, "decide", REFUSAL).status_code == 200
    rt = current()
    workers = start_workers(rt.broker, threads=2, webhook_threads=1)
    try:
        relay(rt.sessions, lambda e, s: deliver.send(e, s), rt.redispatch_after)
        # The commit's own nudge may have relayed the rows first: wait for the work itself.
        wait_for(
            lambda: box.count() == 2 and pipeline.count(RegisterRecord) == 1,
            30,
            "the decision's email and register record",
        )

        with pipeline.sessions() as s:
            event_id = s.scalar(select(Notice.event_id).where(Notice.kind == "decision_notice"))
        message = deliver.message(event_id, "email")
        rt.broker.enqueue(message)
        rt.broker.enqueue(message)  # the very same message again
        deliver.send(event_id, "email")  # and a new message with the same arguments
        deliver.send(event_id, "register")
        rt.broker.join("default", timeout=30_000)
        for w in workers:
            w.join()
    finally:
        for w in workers:
            w.stop()
    assert box.count() == 2
    assert pipeline.count(EmailRecord) == 2
    assert pipeline.count(RegisterRecord) == 1
    assert isinstance(message, dramatiq.Message)
