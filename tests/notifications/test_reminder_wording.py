"""Reminders say the due date in words and the days left on the day they are sent.

The sweep here runs late, after the earliest reminder point, as it does when the scheduler
was down: the configured offset (10 working days before) would then be wrong, so the days
left are counted on the day the message goes out. A reminder to the community body is
written for it: the step, the date and the days left, and the link to its case; no rule
id, no ISO date, no basis marker and no officer's working-out.

Reminder points are counted on the Scottish bank-holiday calendar (a service target); the
days left, as the deadline's own rule counts: working days as SSI 2017/39 reg 2 defines
them (the ATR instruments are taken to do the same), or calendar days. Every count is
worked out by hand below.
"""

from __future__ import annotations

import re

from tests.casework.conftest import (
    decide,
    move,
    ok,
    open_for_representations,
    validated,
)
from tests.notifications.conftest import parts, settle, sweep_now, timeline

AUTHORITY, BODY = "cer@fife.test", "secretary@kinghorn.test"
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
RULE_ID = re.compile(r"\b(pr|atr)\.[a-z_]+")
MARKER = re.compile(r"\((V|G|\?)[:)\s]|(?<!\w)(V|G|\?):")
WORKING_OUT = ("Where this comes from", "How the date was worked out", "Days not counted")


def _reminders(box, address: str, reference: str) -> list[tuple[str, str, str]]:
    """(subject, text, html) of each reminder about the case sent to `address`."""
    return [
        (m["Subject"], parts(m)["text/plain"], parts(m)["text/html"])
        for m in box.to(address)
        if m["Subject"].startswith("Reminder: ") and m["Subject"].endswith(f"({reference})")
    ]


def _written_for_the_body(subject: str, text: str, html: str) -> None:
    for part in (subject, text, html):
        assert not ISO_DATE.search(part), part
        assert not RULE_ID.search(part), part
        assert not MARKER.search(part), part
        assert "annual_report" not in part
        for phrase in WORKING_OUT:
            assert phrase not in part, part


def test_a_late_reminder_counts_the_working_days_left_on_the_day_it_is_sent(
    live, world, workers, smtp, clock
):
    box, _ = smtp
    move(clock, "2026-04-01")
    # pr.decision: 30 working days beginning with Wed 1 April 2026: 1-3 (3), 6-10 (8),
    # 13-17 (13), 20-24 (18), 27-30 (22), 1 May (23), 4-8 (28), 11-12 (30): Tue 12 May.
    ref = validated(world)
    # Its first reminder point, 10 working days before on Scottish bank holidays (May Day,
    # Mon 4 May, is one): 11, 8, 7, 6, 5, 1 May, 30, 29, 28, 27 April: Mon 27 April. The
    # sweep first runs two days late, on Wed 29 April, before the 5-day point (Tue 5 May).
    move(clock, "2026-04-29")
    sweep_now()
    settle(live)
    [event] = timeline(world.officer, ref, "deadline.reminder")
    assert (event["payload"]["offset"], event["payload"]["to"]) == (10, "officer")

    [(subject, text, html)] = _reminders(box, AUTHORITY, ref)  # nobody is assigned
    assert subject == (
        "Reminder: The authority gives its decision notice on the participation request "
        f"by Tuesday 12 May 2026 ({ref})"
    )
    assert "Due by: Tuesday 12 May 2026." in text
    # Left after Wed 29 April, up to and including Tue 12 May, under SSI 2017/39 reg 2 (May
    # Day is a working day): 30 April (1), 1 May (2), 4-8 (7), 11-12 (9). Not 10.
    assert (
        "Today is Wednesday 29 April 2026. That leaves 9 working days after today, up to "
        "and including Tuesday 12 May 2026."
    ) in text
    assert "10 working days" not in text
    assert "<strong>9 working days</strong>" in html
    # The officer's copy keeps the citation and the working-out, now in plain words.
    assert "Where this comes from: SSI 2017/39 reg 7" in text
    assert "30 working days beginning with Wednesday 1 April 2026." in text
    assert not ISO_DATE.search(text) and not RULE_ID.search(text)


def test_a_late_reminder_to_the_body_is_written_for_the_body(live, world, workers, smtp, clock):
    box, _ = smtp
    officer = world.officer
    ref = open_for_representations(world, clock, officer)  # representations close 30 April
    r = world.public.post(
        f"/api/v1/cases/{ref}/representations",
        json={"name": "Ann", "email": "ann@example.test", "text": "I support it."},
    )
    assert r.status_code == 201, r.json
    # Copies sent on Fri 1 May 2026; the body may comment by Thu 28 May 2026 (at least 20
    # working days beginning with 1 May: 1 (1), 4-8 (6), 11-15 (11), 18-22 (16), 25-28 (20)).
    move(clock, "2026-05-01")
    ok(officer.act(ref, "send_representations_to_body", {"comments_by": "2026-05-28"}))
    settle(live)
    # Reminder points before Thu 28 May on Scottish bank holidays (the Spring holiday, Mon
    # 25 May, is one): 1 before Wed 27; 5 before Wed 20 (27, 26, 22, 21, 20); 10 before
    # Wed 13 May (19, 18, 15, 14, 13). The sweep first runs on Mon 18 May: only the
    # 10-day point has been reached.
    move(clock, "2026-05-18")
    sweep_now()
    settle(live)
    reminders = [
        e
        for e in timeline(officer, ref, "deadline.reminder")
        if e["payload"]["rule"] == "atr.comments_on_representations"
    ]
    assert sorted((e["payload"]["offset"], e["payload"]["to"]) for e in reminders) == [
        (10, "body"),
        (10, "officer"),
    ]

    [(subject, text, html)] = _reminders(box, BODY, ref)
    assert subject == (
        f"Reminder: The body may comment on the representations by Thursday 28 May 2026 ({ref})"
    )
    assert text.startswith("Dear Kinghorn Community Trust,")
    assert f"reminder from Fife Council about your asset transfer request, reference {ref}" in (
        " ".join(text.split())
    )
    assert "What is due: The body may comment on the representations." in text
    assert "Due by: Thursday 28 May 2026." in text
    # Left after Mon 18 May, up to and including Thu 28 May (the Spring holiday counts under
    # SSI 2017/39 reg 2): 19-22 (4), 25-28 (8). Not 10.
    assert (
        "Today is Monday 18 May 2026. That leaves 8 working days after today, up to and "
        "including Thursday 28 May 2026."
    ) in text
    assert "Working days are every day except Saturdays, Sundays, 25 and 26 December" in text
    assert f"View the case: http://casework.test/cases/{ref}" in text
    _written_for_the_body(subject, text, html)

    # The authority's copy has the same count, and the officer's working-out.
    [(_, officers, _)] = _reminders(box, AUTHORITY, ref)
    assert "That leaves 8 working days after today" in officers
    assert "Where this comes from: SSI 2016/357 reg 8" in officers


def test_a_late_reminder_of_a_calendar_day_period_counts_calendar_days(
    live, world, workers, smtp, clock
):
    box, _ = smtp
    move(clock, "2026-04-01")
    ref = validated(world)
    # Agreed with a new process on Wed 1 April 2026: the body may comment within 28 days
    # beginning with that day (s.26): Tue 28 April 2026.
    ok(decide(world, ref, "agreed", process="new", other_participants="No one else."))
    # The 10-day point, on Scottish bank holidays: 27, 24, 23, 22, 21, 20, 17, 16, 15, 14:
    # Tue 14 April. The sweep first runs on Thu 16 April, before the 5-day point (Tue 21).
    move(clock, "2026-04-16")
    sweep_now()
    settle(live)
    [(subject, text, html)] = _reminders(box, BODY, ref)
    assert "by Tuesday 28 April 2026" in subject
    # Calendar days after Thu 16 April up to and including Tue 28 April: 17-28, 12 days.
    assert (
        "Today is Thursday 16 April 2026. That leaves 12 days after today, up to and "
        "including Tuesday 28 April 2026."
    ) in text
    assert "Working days are" not in text
    _written_for_the_body(subject, text, html)
