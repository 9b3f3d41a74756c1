"""The annual reports in the deadline sweep, as the scheduler runs it: drafts opened once the
reporting year has ended, reminders to the authority's managers before 30 June, and one
escalation once the report is overdue.

A reporting year is a year beginning on 1 April (s.32(4), s.95(4)); its report is to be
published no later than 30 June following its end (s.32(3), s.95(3)). For the year
1 April 2025 to 31 March 2026, that is Tuesday 30 June 2026. Reminder points are service
targets, counted in working days on the Scottish bank-holiday calendar
(workflows/calendars.py). Every expected date is worked out by hand below.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from casework import annual_reports as ar
from casework.config import ConfigError, Settings
from casework.models import AnnualReport, Authority, Event, User
from notifications.actors import sweep_deadlines
from notifications.models import EmailRecord, ReportReminder
from notifications.processes import start_workers
from notifications.reminders import sweep
from notifications.runtime import current
from tests.casework.conftest import move
from tests.conftest import redis_url
from tests.notifications.conftest import Pipeline, add_manager, parts, settle, sweep_now
from workflows import asset_transfer as atr
from workflows import participation as pr

MANAGER, HEAD, OFFICER = "manager@fife.test", "head.of.service@fife.test", "officer@fife.test"
PR, ATR = pr.KIND, atr.KIND
# What the world's authorities owe (workflows/authorities.py): a local authority, a health
# board and SEPA are public service authorities (Schedule 2) and relevant authorities
# (Schedule 3); Scottish Water and the Scottish Ministers are relevant authorities only.
OWED = {
    ("FIFE", PR),
    ("FIFE", ATR),
    ("HIGH", PR),
    ("HIGH", ATR),
    ("NHSF", PR),
    ("NHSF", ATR),
    ("SEPA", PR),
    ("SEPA", ATR),
    ("SWAT", ATR),
    ("SGOV", ATR),
}
PERIOD = "1 April 2025 to 31 March 2026"
DUE = "Tuesday 30 June 2026"
# Working days before Tue 30 June 2026, on the Scottish bank-holiday calendar. 5: Mon 29,
# Fri 26, Thu 25, Wed 24, Tue 23 June. 20: Mon 22, Fri 19, Thu 18, Wed 17, Tue 16 (10),
# skipping Mon 15 June (a Scottish bank holiday in 2026, for the World Cup), Fri 12, 11,
# 10, 9, 8 (15), 5, 4, 3, 2, Mon 1 June (20). 40: Fri 29, 28, 27, 26 May (24), skipping the
# Spring holiday (Mon 25 May), 22, 21, 20, 19, 18 (29), 15, 14, 13, 12, 11 (34), 8, 7, 6,
# 5 May (38), skipping May Day (Mon 4 May), Fri 1 May (39), Thu 30 April (40).
POINTS = {
    ("reminder", 40): "2026-04-30",
    ("reminder", 20): "2026-06-01",
    ("reminder", 5): "2026-06-23",
    ("overdue", 0): "2026-07-01",  # the day after 30 June
}


def claims(pipeline: Pipeline, year: int = 2025) -> list[tuple[str, str, str, int]]:
    """Every report reminder claimed for the year: (authority, kind, stage, offset)."""
    with pipeline.sessions() as s:
        return [
            tuple(r)
            for r in s.execute(
                select(
                    Authority.code,
                    ReportReminder.kind,
                    ReportReminder.stage,
                    ReportReminder.offset_days,
                )
                .join(Authority, Authority.id == ReportReminder.authority_id)
                .where(ReportReminder.year == year)
                .order_by(ReportReminder.id)
            )
        ]


def reports(pipeline: Pipeline, year: int) -> list[tuple[str, str, int, str]]:
    """Every version of every authority's report for the year: (authority, kind, version,
    state)."""
    with pipeline.sessions() as s:
        return sorted(
            tuple(r)
            for r in s.execute(
                select(Authority.code, AnnualReport.kind, AnnualReport.version, AnnualReport.state)
                .join(Authority, Authority.id == AnnualReport.authority_id)
                .where(AnnualReport.year == year)
            )
        )


def publish(pipeline: Pipeline, code: str, kind: str, year: int, today: dt.date) -> None:
    """The manager writes, approves and publishes the authority's report (s.32(1), s.95(1))."""
    law = pipeline.app.extensions["casework"].law
    with pipeline.sessions() as s:
        authority = s.scalar(select(Authority).where(Authority.code == code))
        manager = s.scalar(select(User).where(User.email == MANAGER))
        report = ar.open_report(s, authority, kind, year, manager)
        texts = {"promotion": "Leaflets in every library.", "support": "A named contact."}
        for trigger, payload in (("write", texts), ("approve", {}), ("publish", {})):
            report = ar.act(s, report, trigger, payload, manager, today, law)
        s.commit()


def sweep_day(day: str, times: int = 2) -> None:
    """The scheduler's sweep, `times` over on the worker's threads, and that day's mail."""
    move(current().clock, day)
    for _ in range(times):
        sweep_deadlines.send()
    current().broker.join("outbox", timeout=60_000)
    current().broker.join("default", timeout=60_000)


def report_mail(box, address: str) -> list:
    return [
        m
        for m in box.to(address)
        if m["Subject"].startswith(("Reminder: ", "Overdue: ")) and " report for " in m["Subject"]
    ]


def test_s32_3_and_s95_3_managers_are_reminded_at_40_20_and_5_working_days_then_told_once_it_is_overdue(
    live, world, workers, smtp, clock
):
    """Every authority's managers (its own address when it has none), at each point once
    though the sweep runs twice a day from 1 April to 2 July 2026; nothing more for a
    report once it is published."""
    box, _ = smtp
    add_manager(live, HEAD)
    first_seen: dict[tuple[str, str, str, int], str] = {}
    day = dt.date(2026, 4, 1)
    while day <= dt.date(2026, 7, 2):
        if day == dt.date(2026, 5, 15):  # between the 40 and the 20 points
            publish(live, "FIFE", ATR, 2025, day)
        sweep_day(day.isoformat())
        for claim in claims(live):
            first_seen.setdefault(claim, day.isoformat())
        day += dt.timedelta(days=1)

    expected = {
        (code, kind, stage, offset): on
        for code, kind in OWED
        for (stage, offset), on in POINTS.items()
        if (code, kind) != ("FIFE", ATR) or offset == 40
    }
    assert first_seen == expected
    assert len(claims(live)) == len(expected) == 37  # one claim each, for 186 sweeps

    # Each claim is one event, outside any case, for the managers.
    with live.sessions() as s:
        events = s.scalars(
            select(Event).where(Event.type.in_(("annual_report.reminder", "annual_report.overdue")))
        ).all()
        assert {e.case_id for e in events} == {None}
        assert sorted(
            (e.payload["authority"], e.payload["kind"], e.type, e.payload["offset"]) for e in events
        ) == sorted(
            (code, kind, f"annual_report.{stage}", offset) for code, kind, stage, offset in expected
        )
        assert {e.payload["to"] for e in events} == {"managers"}

    settle(live)
    # Each of Fife's two managers has a message of their own for each event: 4 about the
    # participation request report, 1 about the asset transfer report published in May.
    reminder = f"Reminder: participation request report for {PERIOD}, due by {DUE}"
    overdue = f"Overdue: participation request report for {PERIOD}, was due by {DUE}"
    atr_reminder = f"Reminder: asset transfer report for {PERIOD}, due by {DUE}"
    for manager in (MANAGER, HEAD):
        subjects = [m["Subject"] for m in report_mail(box, manager)]
        assert sorted(subjects) == sorted([reminder, reminder, reminder, atr_reminder, overdue])
        assert subjects[-1] == overdue
    assert box.to(OFFICER) == []  # officers are not told; managers are
    # The others have no manager: their own address is told, 4 times for each report.
    for address, count in (
        ("cer@highland.test", 8),
        ("cer@nhsfife.test", 8),
        ("cer@sepa.test", 8),
        ("assets@water.test", 4),
        ("cat@gov.test", 4),
    ):
        assert len(report_mail(box, address)) == count
    assert box.count() == 2 * 5 + 8 * 3 + 4 * 2 == 42
    assert len(set(box.message_ids())) == 42
    assert live.count(EmailRecord) == 42

    mail = report_mail(box, MANAGER)

    def texts(subject: str) -> list[str]:
        return [parts(m)["text/plain"] for m in mail if m["Subject"] == subject]

    # Calendar days after the day each reminder is sent, up to and including Tue 30 June:
    # from Thu 30 April, 31 in May and 30 in June (61); from Mon 1 June, 2-30 June (29);
    # from Tue 23 June, 24-30 June (7).
    pr_reminders = texts(reminder)
    for text, left, today in zip(
        pr_reminders,
        ("61 days", "29 days", "7 days"),
        ("Thursday 30 April 2026", "Monday 1 June 2026", "Tuesday 23 June 2026"),
        strict=True,
    ):
        assert text.startswith("Dear manager,\n")
        assert (
            "This is a reminder that Fife Council must publish its participation request "
            f"report for the reporting year {PERIOD}." in text
        )
        assert f"Due by: {DUE}." in text
        assert f"Today is {today}. That leaves {left} after today, up to and including {DUE}." in (
            text
        )
        assert "Where the report is now: Draft: to complete." in text
        assert "section 32 of the Community Empowerment (Scotland) Act 2015" in text
        assert "Open the report: http://casework.test/reports/participation_request/2025" in text
    [atr_text] = texts(atr_reminder)
    assert "section 95 of the Community Empowerment (Scotland) Act 2015" in atr_text
    assert "Open the report: http://casework.test/reports/asset_transfer_request/2025" in atr_text
    assert "That leaves 61 days after today" in atr_text
    [escalation] = texts(overdue)
    assert (
        "Fife Council has not published its participation request report for the reporting "
        f"year {PERIOD}, and the date for it has passed." in escalation
    )
    assert f"It was due by: {DUE}." in escalation
    assert "section 32 of the Community Empowerment (Scotland) Act 2015" in escalation
    # Plain English: no internal names or rule ids, outside the link itself.
    for message in mail:
        for part in parts(message).values():
            words = part.replace("/reports/participation_request/", "/reports/").replace(
                "/reports/asset_transfer_request/", "/reports/"
            )
            for internal in ("_", "s.32", "s.95", "FIFE", "None", "annual_report"):
                assert internal not in words
    html = parts(mail[-1])["text/html"]
    assert '<a href="http://casework.test/reports/participation_request/2025">' in html


def test_s32_3_a_sweep_that_was_down_sends_only_the_latest_point_reached_and_one_escalation(
    live, world, workers, smtp, clock
):
    """Down from 1 April to Wed 24 June 2026, past the 40 (30 April), 20 (1 June) and 5
    (23 June) points: one reminder, the 5-day one; down again over 1 July: one escalation.
    A report published and then corrected (s.95(1)) was published: nothing for it."""
    box, _ = smtp
    publish(live, "FIFE", ATR, 2025, dt.date(2026, 4, 1))
    law = live.app.extensions["casework"].law
    with live.sessions() as s:
        manager = s.scalar(select(User).where(User.email == MANAGER))
        fife = s.scalar(select(Authority).where(Authority.code == "FIFE"))
        [published] = ar.versions(s, fife, ATR, 2025)
        ar.act(s, published, "correct", {"note": "A late request."}, manager, clock.today(), law)
        s.commit()
    assert [r for r in reports(live, 2025) if r[:2] == ("FIFE", ATR)] == [
        ("FIFE", ATR, 1, "superseded"),
        ("FIFE", ATR, 2, "draft"),
    ]

    sweep_day("2026-06-24", times=3)
    mine = [c for c in claims(live) if c[0] == "FIFE"]
    assert mine == [("FIFE", PR, "reminder", 5)]
    sweep_day("2026-06-30")  # due today, not yet overdue; the 5-day point is already sent
    assert [c for c in claims(live) if c[0] == "FIFE"] == mine
    sweep_day("2026-07-03", times=3)
    assert [c for c in claims(live) if c[0] == "FIFE"] == [
        ("FIFE", PR, "reminder", 5),
        ("FIFE", PR, "overdue", 0),
    ]
    sweep_day("2026-07-04")
    assert len([c for c in claims(live) if c[0] == "FIFE"]) == 2

    settle(live)
    [late, escalation] = report_mail(box, MANAGER)
    assert late["Subject"] == f"Reminder: participation request report for {PERIOD}, due by {DUE}"
    # From Wed 24 June: 25, 26, 27, 28, 29, 30 June.
    assert "That leaves 6 days after today" in parts(late)["text/plain"]
    assert escalation["Subject"] == (
        f"Overdue: participation request report for {PERIOD}, was due by {DUE}"
    )


def test_s32_4_and_s95_4_drafts_are_opened_after_31_march_for_every_authority_that_owes_one(
    live, world, workers, clock
):
    """On 31 March 2026 the year 1 April 2025 to 31 March 2026 has not ended: no draft of its
    reports. From 1 April, a draft of each report each authority owes, once, however many
    sweeps run at the same time."""
    move(clock, "2026-03-31")
    sweep_now()
    assert reports(live, 2025) == []
    # The year then just ended is 1 April 2024 to 31 March 2025.
    assert {r[:2] for r in reports(live, 2024)} == OWED

    move(clock, "2026-04-01")
    result = sweep(live.sessions, clock.today(), live.app.extensions["casework"].law, (10, 5, 1))
    assert result == {
        "actions": 0,
        "reminders": 0,
        "escalations": 0,
        "report_drafts": 10,
        "report_reminders": 0,  # the first point is 30 April
        "report_escalations": 0,
    }
    for _ in range(3):  # concurrently, on the worker's threads
        sweep_deadlines.send()
    current().broker.join("outbox", timeout=60_000)
    assert reports(live, 2025) == sorted((code, kind, 1, "draft") for code, kind in OWED)
    with live.sessions() as s:
        drafted = s.scalars(
            select(Event).where(Event.type == "annual_report.drafted", Event.case_id.is_(None))
        ).all()
        assert sorted(
            (e.payload["authority"], e.payload["kind"])
            for e in drafted
            if e.payload["year"] == 2025
        ) == sorted(OWED)
        assert {e.actor for e in drafted} == {"system: reports"}


def test_report_reminder_offsets_come_from_configuration(pipeline_factory, smtp, namespace, clock):
    """REPORT_REMINDER_OFFSETS=2: one reminder, 2 working days before Tue 30 June 2026 (Mon
    29 is 1, Fri 26 June is 2), and the escalation on 1 July."""
    box, smtp_url = smtp
    assert Settings.from_env({}).report_reminder_offsets == (40, 20, 5)
    assert Settings.from_env({"REPORT_REMINDER_OFFSETS": "5,40,20"}).report_reminder_offsets == (
        40,
        20,
        5,
    )
    with pytest.raises(ConfigError, match="REPORT_REMINDER_OFFSETS must be whole numbers"):
        Settings.from_env({"REPORT_REMINDER_OFFSETS": "forty"})

    move(clock, "2026-06-24")
    pipeline = pipeline_factory(
        redis_url(), namespace, smtp_url, clock=clock, REPORT_REMINDER_OFFSETS="2"
    )  # Fife Council, its officer and its manager
    workers = start_workers(current().broker, threads=2, webhook_threads=1)
    try:
        first_seen: dict[tuple, str] = {}
        day = dt.date(2026, 6, 24)
        while day <= dt.date(2026, 7, 2):
            sweep_day(day.isoformat(), times=1)
            for claim in claims(pipeline):
                first_seen.setdefault(claim, day.isoformat())
            day += dt.timedelta(days=1)
        settle(pipeline)
    finally:
        for w in workers:
            w.stop()
    assert first_seen == {
        (code, kind, stage, offset): on
        for code, kind in (("FIFE", PR), ("FIFE", ATR))
        for (stage, offset), on in (
            (("reminder", 2), "2026-06-26"),
            (("overdue", 0), "2026-07-01"),
        )
    }
    assert len(report_mail(box, MANAGER)) == 4


def test_a_report_first_drafted_after_its_due_date_is_not_escalated(live, world, workers, clock):
    """A new installation on Thu 2 July 2026: the year to 31 March 2026 was due on Tue 30
    June (s.32(3), s.95(3)). Its drafts are opened and shown as overdue, but no manager is
    emailed about a report the service was not running to see: it may have been published
    elsewhere."""
    move(clock, "2026-07-02")
    result = sweep(live.sessions, clock.today(), live.app.extensions["casework"].law, (10, 5, 1))
    assert (result["report_drafts"], result["report_escalations"]) == (10, 0)
    assert reports(live, 2025) == sorted((code, kind, 1, "draft") for code, kind in OWED)
    with live.sessions() as s:
        told = s.scalars(select(Event).where(Event.type == "annual_report.overdue")).all()
    assert told == []
    move(clock, "2026-07-03")
    again = sweep(live.sessions, clock.today(), live.app.extensions["casework"].law, (10, 5, 1))
    assert again["report_escalations"] == 0
