"""The deadline sweep as the scheduler runs it: reminders at 10, 5 and 1 working days before
each deadline, escalation once it is missed, and asset transfer non-determination.

Reminder points are service targets, counted on the Scottish bank-holiday calendar (docs/law.md:
bank-holiday calendars are for such targets, not for statutory periods). Statutory dates are
counted under SSI 2017/39 reg 2. Every expected date is worked out by hand below.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
from collections import Counter

from sqlalchemy import select

from casework.models import Case, DeadlineRow
from notifications.actors import relay_outbox, sweep_deadlines
from notifications.models import Reminder
from notifications.processes import start_workers
from notifications.runtime import current
from tests.casework.conftest import (
    Caller,
    deadline,
    decide,
    move,
    open_for_representations,
    validated,
)
from tests.conftest import redis_url
from tests.notifications.conftest import (
    Pipeline,
    add_manager,
    parts,
    seed_validated,
    settle,
    sweep_now,
    timeline,
    wait_for,
)

OFFICER, AUTHORITY, BODY, MANAGER, HEAD = (
    "officer@fife.test",
    "cer@fife.test",
    "secretary@kinghorn.test",
    "manager@fife.test",
    "head.of.service@fife.test",
)


def assign(officer: Caller, reference: str, email: str) -> None:
    """Assign the case to an officer, through the API."""
    response = officer.client.put(
        f"/api/v1/cases/{reference}/assignee",
        json={"assignee": email},
        headers={"Authorization": f"Bearer {officer.token}"},
    )
    assert response.status_code == 200, response.json
    assert response.json["assigned_to"] == email


def claims(pipeline: Pipeline) -> list[tuple[int, str, str, str, int]]:
    """Every reminder claimed: (id, reference, rule, kind, offset)."""
    with pipeline.sessions() as s:
        return s.execute(
            select(
                Reminder.id, Case.reference, DeadlineRow.rule, Reminder.kind, Reminder.offset_days
            )
            .join(DeadlineRow, DeadlineRow.id == Reminder.deadline_id)
            .join(Case, Case.id == DeadlineRow.case_id)
            .order_by(Reminder.id)
        ).all()


def test_each_reminder_goes_out_once_at_10_5_and_1_working_days(live, world, workers, smtp, clock):
    """Reminders to the assigned officer (or the authority, when nobody is assigned), to the
    body too when the step is the body's; escalation to managers once a duty is missed.
    The sweep runs three times a day, concurrently on the worker's threads, for six weeks."""
    box, _ = smtp
    add_manager(live, HEAD)
    move(clock, "2026-04-01")
    # A: the authority's decision, 30 working days beginning with Wed 1 April 2026 (Good
    # Friday counts under reg 2): 1-3 (3), 6-10 (8), 13-17 (13), 20-24 (18), 27-30 (22),
    # 1 May (23), 4-8 (28), 11-12 (30): Tue 12 May 2026. Assigned to the officer.
    a = validated(world)
    assert deadline(world.officer.case(a), "pr.decision")["due_date"] == "2026-05-12"
    assign(world.officer, a, OFFICER)
    # B: agreed with a new process the same day: the body may comment within 28 days
    # beginning with Wed 1 April (s.26): Tue 28 April 2026. The next step is the body's.
    b = validated(world)
    assert (
        decide(world, b, "agreed", process="new", other_participants="No one else.").status_code
        == 200
    )
    assert deadline(world.officer.case(b), "pr.process_representations")["due_date"] == (
        "2026-04-28"
    )

    first_seen: dict[tuple, str] = {}
    day = dt.date(2026, 4, 1)
    while day <= dt.date(2026, 5, 15):
        move(clock, day.isoformat())
        for _ in range(3):
            sweep_deadlines.send()
        current().broker.join("outbox", timeout=60_000)
        # Each day's email is sent that day: a reminder counts the days left on the day it
        # is sent.
        current().broker.join("default", timeout=60_000)
        for _, ref, rule, kind, offset in claims(live):
            first_seen.setdefault((ref, rule, kind, offset), day.isoformat())
        day += dt.timedelta(days=1)

    # Working days before the due date, on the Scottish bank-holiday calendar:
    # A, Tue 12 May: 1 before is Mon 11 May; 5 before, Tue 5 May; 10 before skips the
    # May Day holiday (Mon 4 May): 11, 8, 7, 6, 5, 1, 30, 29, 28, 27 April: Mon 27 April.
    # B, Tue 28 April: Mon 27 April; 27, 24, 23, 22, 21: Tue 21 April; 10 before, Tue 14 April.
    assert first_seen == {
        (a, "pr.decision", "reminder", 10): "2026-04-27",
        (a, "pr.decision", "reminder", 5): "2026-05-05",
        (a, "pr.decision", "reminder", 1): "2026-05-11",
        (a, "pr.decision", "overdue", 0): "2026-05-13",  # the day after it was due
        (b, "pr.process_representations", "reminder", 10): "2026-04-14",
        (b, "pr.process_representations", "reminder", 5): "2026-04-21",
        (b, "pr.process_representations", "reminder", 1): "2026-04-27",
        # And the authority's s.26(5) notice, due 28 days beginning with the day after the
        # s.26(3) period, Wed 29 April: Tue 26 May. 10 working days before skips the Spring
        # holiday (Mon 25 May): 22, 21, 20, 19, 18, 15, 14, 13, 12, 11 May: Mon 11 May.
        (b, "pr.process_notice", "reminder", 10): "2026-05-11",
    }
    assert len(claims(live)) == len(first_seen)  # one claim each, for 135 sweeps

    # On the timeline: one event per reminder and recipient.
    events_a = timeline(world.officer, a, "deadline.reminder")
    assert sorted((e["payload"]["offset"], e["payload"]["to"]) for e in events_a) == [
        (1, "officer"),
        (5, "officer"),
        (10, "officer"),
    ]
    events_b = timeline(world.officer, b, "deadline.reminder")
    assert Counter((e["payload"]["offset"], e["payload"]["to"]) for e in events_b) == Counter(
        [*((o, to) for o in (10, 5, 1) for to in ("officer", "body")), (10, "officer")]
    )
    [overdue] = timeline(world.officer, a, "deadline.overdue")
    assert overdue["payload"]["to"] == "managers"
    assert timeline(world.officer, b, "deadline.overdue") == []  # a window, not a duty

    # And by email, each once.
    settle(live)
    assert len(box.message_ids()) == len(set(box.message_ids()))

    def reminders_to(address: str) -> list[str]:
        return [m["Subject"] for m in box.to(address) if m["Subject"].startswith("Reminder: ")]

    assert len(reminders_to(OFFICER)) == 3
    assert all(s.endswith(f"by Tuesday 12 May 2026 ({a})") for s in reminders_to(OFFICER))
    for address in (AUTHORITY, BODY):  # B is nobody's yet, so its reminders go to the authority
        comments = [
            s for s in reminders_to(address) if s.endswith(f"by Tuesday 28 April 2026 ({b})")
        ]
        assert len(comments) == 3
    # The authority alone is reminded of its own duty, the s.26(5) notice.
    assert [s for s in reminders_to(AUTHORITY) if "26 May" in s] == [
        f"Reminder: The authority gives the notice describing the outcome improvement process "
        f"by Tuesday 26 May 2026 ({b})"
    ]
    assert len(reminders_to(AUTHORITY)) == 4 and len(reminders_to(BODY)) == 3
    texts = [parts(m)["text/plain"] for m in box.to(OFFICER)]
    # The days left are counted on the day each reminder is sent, in working days as SSI
    # 2017/39 reg 2 defines them (May Day counts), after that day up to and including Tue
    # 12 May: from Mon 27 April, 28-30 April (3), 1 May (4), 4-8 (9), 11-12 (11); from
    # Tue 5 May, 6-8 (3), 11-12 (5); from Mon 11 May, 12 May (1).
    for left in ("11 working days", "5 working days", "1 working day"):
        assert sum(f"leaves {left} after today" in t for t in texts) == 1
    assert all(t.startswith(f"Dear {OFFICER},") for t in texts)
    # B's period counts calendar days (s.26): from Tue 14 April 14 days are left to Tue 28
    # April, from Tue 21 April 7, from Mon 27 April 1.
    for address in (AUTHORITY, BODY):
        reminders = [
            t
            for t in (parts(m)["text/plain"] for m in box.to(address))
            if "Due by: Tuesday 28 April 2026." in t
        ]
        for days in ("14 days", "7 days", "1 day"):
            assert sum(f"leaves {days} after today" in t for t in reminders) == 1
    [body_reminder] = [m for m in box.to(BODY) if "leaves 7 days" in parts(m)["text/plain"]]
    assert parts(body_reminder)["text/plain"].startswith("Dear Kinghorn Community Trust,")
    # Each of the authority's managers is told once, in a message of their own.
    for manager in (MANAGER, HEAD):
        # (The managers also hear of the annual reports: test_report_reminders.)
        [escalation] = [m for m in box.to(manager) if a in m["Subject"]]
        assert escalation["Subject"].startswith("Overdue: ") and a in escalation["Subject"]
        assert "12 May 2026" in parts(escalation)["text/plain"]
        assert f"Officer assigned: {OFFICER}" in parts(escalation)["text/plain"]
    escalated = [
        e["payload"]["to"]
        for e in timeline(world.officer, a, "email.sent")
        if e["payload"]["kind"] == "deadline.overdue"
    ]
    assert sorted(escalated) == [HEAD, MANAGER]


def test_a_sweep_that_was_down_sends_only_the_latest_reminder_reached(live, world, workers, clock):
    """After a gap, the officer is told once, at the nearest point, not three times."""
    move(clock, "2026-04-01")
    ref = validated(world)  # pr.decision due Tue 12 May 2026, as above
    move(clock, "2026-05-06")  # past the 10 (27 April) and 5 (5 May) points
    sweep_now()
    sweep_now()
    assert [(r[3], r[4]) for r in claims(live)] == [("reminder", 5)]
    move(clock, "2026-05-11")
    sweep_now()
    assert [(r[3], r[4]) for r in claims(live)] == [("reminder", 5), ("reminder", 1)]
    assert sorted(
        e["payload"]["offset"] for e in timeline(world.officer, ref, "deadline.reminder")
    ) == [1, 5]


SWEEPER = textwrap.dedent("""
    import datetime as dt, sys, time
    from pathlib import Path
    from casework.config import Settings
    from casework.db import make_engine, make_sessionmaker
    from notifications import outbox
    from notifications.reminders import sweep
    outbox.install()
    settings = Settings.from_env()
    sessions = make_sessionmaker(make_engine(settings.database_url))
    day, go, times = dt.date.fromisoformat(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    while not go.exists():
        time.sleep(0.005)
    for _ in range(times):
        sweep(sessions, day, settings.law(), settings.reminder_offsets)
""")


def test_two_processes_sweeping_at_once_send_each_reminder_once(
    live, world, workers, smtp, clock, tmp_path
):
    """Two sweeps in separate processes, racing over 12 deadlines at the same reminder
    point: the unique key lets exactly one of them claim each reminder."""
    box, _ = smtp
    move(clock, "2026-04-01")
    refs = [validated(world) for _ in range(12)]  # each due Tue 12 May 2026
    for ref in refs:
        assign(world.officer, ref, OFFICER)
    settle(live)  # the acknowledgements
    before = box.count()

    go = tmp_path / "go"
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", SWEEPER, "2026-04-27", str(go), "15"],  # the 10-day point
            env=live.env,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    go.touch()
    for racer in racers:
        assert racer.wait(120) == 0, racer.stderr.read().decode()

    assert Counter((r[1], r[3], r[4]) for r in claims(live)) == Counter(
        (ref, "reminder", 10) for ref in refs
    )
    for ref in refs:
        [event] = timeline(world.officer, ref, "deadline.reminder")
        assert (event["payload"]["offset"], event["payload"]["to"]) == (10, "officer")
    relay_outbox.send()  # the sweeping processes have no broker to nudge; the safety net
    settle(live)
    wait_for(lambda: box.count() == before + 12, 30, "the reminders")
    subjects = [m["Subject"] for m in box.to(OFFICER)]
    assert all(s.startswith("Reminder: ") for s in subjects)
    assert sorted(s.rsplit(" (", 1)[1].rstrip(")") for s in subjects) == sorted(refs)
    assert all("by Tuesday 12 May 2026" in s for s in subjects)


def test_atr_decision_period_passing_is_non_determination(live, world, workers, smtp, clock):
    """SSI 2016/357 reg 10: no decision within 6 months. The sweep moves the case to
    not_determined and the body is told by email of its right of review (s.86 for a local
    authority) and its own deadline (SSI 2016/358 reg 3); the managers hear the duty is missed."""
    box, _ = smtp
    ref = open_for_representations(world, clock, world.officer)  # validated Wed 1 April 2026
    # 6 months after Wed 1 April 2026 is Thu 1 October 2026: not late on the day itself.
    move(clock, "2026-10-01")
    sweep_now()
    assert world.body.case(ref)["state"] == "representations_open"

    move(clock, "2026-10-02")
    sweep_now()
    case = world.body.case(ref)
    assert case["state"] == "not_determined"
    settle(live)

    subject = f"Asset transfer request: no decision in time: {ref}"
    [message] = box.with_subject(subject)
    assert message["To"] == BODY
    text = parts(message)["text/plain"]
    assert "1 October 2026" in text  # when the period ended
    # 20 working days beginning with Thu 1 October 2026: 1-2 (2), 5-9 (7), 12-16 (12),
    # 19-23 (17), 26-28 (20): Wed 28 October 2026.
    assert "28 October 2026" in text
    assert "elected members" in text and "section 86" in text  # the route, a local authority
    assert "review or appeal" in text  # the right
    served = [
        e for e in timeline(world.body, ref, "notice.served") if e["payload"]["subject"] == subject
    ]
    assert [e["payload"]["message_id"] for e in served] == [message["Message-ID"]]
    [escalation] = [m for m in box.to(MANAGER) if ref in m["Subject"]]  # not the reports'
    assert escalation["Subject"].startswith("Overdue: ") and ref in escalation["Subject"]

    # The scheduler runs again and again: nothing more happens.
    count = box.count()
    sweep_now()
    sweep_now()
    settle(live)
    assert world.body.case(ref)["version"] == case["version"]
    assert box.count() == count


def test_reminder_offsets_come_from_configuration(pipeline_factory, smtp, namespace, clock):
    """REMINDER_OFFSETS=2,3: reminders at 3 and 2 working days before, and at no other."""
    _, smtp_url = smtp
    move(clock, "2026-04-01")
    pipeline = pipeline_factory(
        redis_url(), namespace, smtp_url, clock=clock, REMINDER_OFFSETS="2,3"
    )
    [ref] = seed_validated(pipeline, 1, clock.today())  # pr.decision due Tue 12 May 2026
    workers = start_workers(current().broker, threads=2, webhook_threads=1)
    try:
        first_seen: dict[tuple[str, int], str] = {}
        date = dt.date(2026, 5, 1)
        while date <= dt.date(2026, 5, 14):
            move(clock, date.isoformat())
            sweep_now()
            for *_, kind, offset in claims(pipeline):
                first_seen.setdefault((kind, offset), date.isoformat())
            date += dt.timedelta(days=1)
    finally:
        for w in workers:
            w.stop()
    # Before Tue 12 May: Mon 11 (1), Fri 8 (2), Thu 7 May (3).
    assert first_seen == {
        ("reminder", 3): "2026-05-07",
        ("reminder", 2): "2026-05-08",
        ("overdue", 0): "2026-05-13",
    }
    assert [r[1] for r in claims(pipeline)] == [ref] * 3
