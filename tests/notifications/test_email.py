"""Notices by email: received and parsed by a real SMTP server, recorded as proof of service
on the case, sent over STARTTLS when SMTP_URL asks, retried, and shown when they fail."""

from __future__ import annotations

import datetime as dt
import subprocess
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select

from casework.clock import Clock
from casework.models import Case, Notice
from notifications.models import EmailRecord, EventOutbox, FailedJob
from notifications.processes import start_workers
from notifications.runtime import current
from tests.casework.conftest import decide, move, notice_text, validated
from tests.conftest import redis_url
from tests.notifications.conftest import (
    CASEWORK,
    Pipeline,
    add_manager,
    parts,
    seed_validated,
    settle,
    sweep_now,
    timeline,
)

BODY_EMAIL = "secretary@kinghorn.test"


def latest_notice(pipeline: Pipeline, reference: str, kind: str) -> Notice:
    with pipeline.sessions() as s:
        return s.scalars(
            select(Notice)
            .join(Case, Case.id == Notice.case_id)
            .where(Case.reference == reference, Notice.kind == kind)
            .order_by(Notice.id.desc())
        ).first()


def casework(pipeline: Pipeline, *args: str) -> str:
    """Run the `casework` command as an operator would, against the same services."""
    done = subprocess.run(
        [CASEWORK, *args], env=pipeline.env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@contextmanager
def running_workers() -> Iterator[None]:
    workers = start_workers(current().broker, threads=2, webhook_threads=1)
    try:
        yield
    finally:
        for w in workers:
            w.stop()


def test_a_notice_is_received_and_recorded_as_proof_of_service(live, world, workers, smtp):
    """The body's decision notice (s.24, SSI 2017/39 reg 8) arrives as plain text and HTML,
    both from the templates; what the server accepted is on the case's timeline."""
    box, _ = smtp
    ref = validated(world)
    before = dt.datetime.now(dt.UTC)
    assert decide(world, ref, "refused").status_code == 200
    settle(live)
    after = dt.datetime.now(dt.UTC)

    notice = latest_notice(live, ref, "decision_notice")
    assert notice.subject == f"Participation request: decision notice: {ref}"
    [message] = box.with_subject(notice.subject)
    assert message["To"] == BODY_EMAIL  # the body's contact email
    assert message["From"] == "casework@localhost"  # MAIL_FROM's default
    assert message["X-Casework-Event"] == str(notice.event_id)

    body = parts(message)
    assert set(body) == {"text/plain", "text/html"}
    # The text part is the notice as issued, then the footer from the text template.
    assert notice_text(world.officer, ref, "decision_notice").strip() in body["text/plain"]
    assert f"View the case: http://casework.test/cases/{ref}" in body["text/plain"]
    # The HTML part is made from the same text, inside the HTML template.
    html = body["text/html"]
    assert html.lstrip().startswith("<!DOCTYPE html>")
    assert "<h1>Participation request: decision notice</h1>" in html
    assert "The service is being transferred to another body." in html  # the reasons
    assert f'<a href="http://casework.test/cases/{ref}">' in html
    for part in body.values():
        assert "Sent by Fife Council" in part and ref in part

    with live.sessions() as s:
        [record] = s.scalars(
            select(EmailRecord).where(EmailRecord.event_id == notice.event_id)
        ).all()
    assert message["Message-ID"] == record.message_id
    assert (record.recipient, record.subject, record.notice_id, record.transport) == (
        BODY_EMAIL,
        notice.subject,
        notice.id,
        "smtp",
    )
    assert before <= record.accepted_at <= after

    # Proof of service on the timeline, for the officer and for the body alike.
    for caller in (world.officer, world.body):
        [served] = [
            e
            for e in timeline(caller, ref, "notice.served")
            if e["payload"]["notice_id"] == notice.id
        ]
        p = served["payload"]
        assert p["event_id"] == notice.event_id
        assert p["kind"] == "decision_notice"
        assert p["to"] == BODY_EMAIL
        assert p["subject"] == notice.subject
        assert p["message_id"] == record.message_id
        assert dt.datetime.fromisoformat(p["accepted_at"]) == record.accepted_at


def test_starttls_when_the_url_asks_for_it(pipeline_factory, smtp_starttls, namespace):
    """SMTP_URL `?starttls=true` upgrades the connection before any mail is sent; `cafile`
    names the certificate to trust."""
    box, url, cert = smtp_starttls
    pipeline = pipeline_factory(redis_url(), namespace, f"{url}?starttls=true&cafile={cert}")
    refs = seed_validated(pipeline, 2, Clock().today())  # two acknowledgements to the body
    with running_workers():
        settle(pipeline)
    assert box.count() == 2
    assert box.tls_sessions == 2  # every message arrived over TLS
    assert {m["Subject"] for m in box.messages} == {
        f"Participation request: acknowledgement: {ref}" for ref in refs
    }


def test_a_server_requiring_starttls_gets_nothing_in_clear(
    pipeline_factory, smtp_starttls, namespace
):
    """Without `starttls=true` the client does not upgrade; the server refuses the mail and
    the notice is kept as failed, not sent in clear."""
    box, url, _ = smtp_starttls
    pipeline = pipeline_factory(redis_url(), namespace, url)
    seed_validated(pipeline, 1, Clock().today())
    with running_workers():
        settle(pipeline)
    assert box.count() == 0
    with pipeline.sessions() as s:
        [row] = s.scalars(select(EventOutbox).where(EventOutbox.subscriber == "email")).all()
    assert row.failed_at is not None and "STARTTLS" in row.error


def test_a_send_refused_once_is_retried(live, world, workers, smtp):
    """A temporary refusal (451) is retried with backoff and delivered once, with nothing
    left failed."""
    box, _ = smtp
    box.reject, box.reject_times = "451 4.3.0 Try again later", 1
    ref = validated(world)
    settle(live)
    assert box.attempts == 2
    [message] = box.to(BODY_EMAIL)
    assert message["Subject"] == f"Participation request: acknowledgement: {ref}"
    assert live.count(FailedJob) == 0
    assert timeline(world.officer, ref, "notice.service_failed") == []
    assert len(timeline(world.officer, ref, "notice.served")) == 1


def test_a_send_that_fails_for_good_is_shown_and_can_be_retried(live, world, workers, smtp):
    """When retries run out the notice is shown as not served on the case and listed by
    `casework jobs failed`; `casework jobs retry ID` and `--all` then deliver it, once."""
    box, _ = smtp
    box.reject = "554 5.7.1 Relay access denied"
    ref = validated(world)  # the acknowledgement fails
    assert decide(world, ref, "refused").status_code == 200  # and so does the decision
    settle(live, 60)

    # Each was tried 1 + JOB_MAX_RETRIES (2) times, and nothing got through.
    assert box.attempts == 2 * 3
    assert box.count() == 0
    acknowledgement = latest_notice(live, ref, "acknowledgement")
    decision = latest_notice(live, ref, "decision_notice")
    with live.sessions() as s:
        jobs = s.scalars(select(FailedJob).order_by(FailedJob.id)).all()
        rows = s.scalars(select(EventOutbox).where(EventOutbox.subscriber == "email")).all()
    assert sorted((j.actor, *j.args) for j in jobs) == sorted(
        ("deliver", n.event_id, "email") for n in (acknowledgement, decision)
    )
    assert all(r.failed_at is not None and "554" in r.error for r in rows)

    failed = timeline(world.officer, ref, "notice.service_failed")
    assert {e["payload"]["notice_id"] for e in failed} == {acknowledgement.id, decision.id}
    assert all("554" in e["payload"]["error"] for e in failed)
    assert {e["payload"]["to"] for e in failed} == {BODY_EMAIL}

    listing = casework(live, "jobs", "failed")
    for job in jobs:
        [line] = [x for x in listing.splitlines() if x.startswith(f"{job.id}\t")]
        assert "deliver" in line and str(job.args[0]) in line and "554" in line
    assert "2 failed job(s)." in listing

    # The server is fixed; the officer retries the decision notice by its job id.
    box.reject = None
    [decision_job] = [j for j in jobs if j.args[0] == decision.event_id]
    assert f"Retried 1 job(s): {decision_job.id}." in casework(
        live, "jobs", "retry", str(decision_job.id)
    )
    settle(live)
    assert box.subjects() == [decision.subject]
    assert "1 failed job(s)." in casework(live, "jobs", "failed")

    casework(live, "jobs", "retry", "--all")
    settle(live)
    assert Counter(box.subjects()) == Counter([decision.subject, acknowledgement.subject])
    assert "0 failed job(s)." in casework(live, "jobs", "failed")
    served = timeline(world.officer, ref, "notice.served")
    assert sorted(e["payload"]["notice_id"] for e in served) == sorted(
        [acknowledgement.id, decision.id]
    )
    assert live.count(EmailRecord) == 2


def test_each_recipient_is_served_once_when_one_is_refused(live, world, workers, smtp, clock):
    """An escalation goes to every manager, a message each. When one manager's mailbox is
    busy (450), the retry sends to that manager only: the one already served is not sent
    the message twice."""
    box, _ = smtp
    add_manager(live, "head.of.service@fife.test")
    move(clock, "2026-04-01")
    ref = validated(world)  # pr.decision due Tue 12 May 2026 (see test_reminders)
    # The managers' annual report reminder (its first point was 30 April) goes first, so
    # the busy mailbox refuses the escalation (test_report_reminders).
    move(clock, "2026-05-12")
    sweep_now()
    settle(live)
    box.busy["manager@fife.test"] = 1
    move(clock, "2026-05-13")
    sweep_now()
    settle(live)

    for manager in ("head.of.service@fife.test", "manager@fife.test"):
        [message] = [m for m in box.to(manager) if ref in m["Subject"]]
        assert message["Subject"].startswith("Overdue: ") and ref in message["Subject"]
    assert box.busy["manager@fife.test"] == 0  # it was refused once, then accepted
    sent = [
        e["payload"]
        for e in timeline(world.officer, ref, "email.sent")
        if e["payload"]["kind"] == "deadline.overdue"
    ]
    assert sorted(p["to"] for p in sent) == ["head.of.service@fife.test", "manager@fife.test"]
    assert len({p["message_id"] for p in sent}) == 2
    assert live.count(FailedJob) == 0
