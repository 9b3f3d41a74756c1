"""Being told when the rules move: `casework deadlines recompute`, after a change to the
calendar of working days, emails the parties of each open case whose dates moved, once.

The change: asset transfer reviews (SSI 2016/358) are configured to count Scottish bank
holidays as non-working days (`working_days.ssi_2016_358`), which adds the Spring bank
holiday, Monday 25 May 2026, and the Early May one, Monday 4 May, to a running review
period. Every date below is worked out by hand.
"""

from __future__ import annotations

import json
import subprocess

from sqlalchemy import select

from casework.models import Case
from notifications.actors import relay_outbox
from notifications.models import EmailRecord
from notifications.runtime import current
from tests.casework.conftest import (
    deadline,
    decide_atr,
    move,
    ok,
    ready_to_decide,
    validated,
)
from tests.notifications.conftest import CASEWORK, parts, settle, timeline

BODY, OFFICER, MANAGER = "secretary@kinghorn.test", "officer@fife.test", "manager@fife.test"
CALENDAR = json.dumps(
    {
        "working_days.ssi_2016_357": "scottish_bank_holidays",
        "working_days.ssi_2016_358": "scottish_bank_holidays",
    }
)
REASON = "The Scottish Government added a bank holiday on 8 May 2026"


def recompute(live, reason: str | None = REASON) -> str:
    """The command as an operator runs it, in a process of its own, with the new calendar;
    then the relay, as the scheduler's sweep would, and the workers finish."""
    args = [CASEWORK, "deadlines", "recompute"] + (["--reason", reason] if reason else [])
    done = subprocess.run(
        args,
        env={**live.env, "CASEWORK_RULES": CALENDAR},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    relay_outbox.send()
    current().broker.join("outbox", timeout=60_000)
    settle(live)
    current().broker.join("default", timeout=60_000)
    return done.stdout


def assign(world, reference: str, email: str) -> None:
    response = world.officer.client.put(
        f"/api/v1/cases/{reference}/assignee",
        json={"assignee": email},
        headers={"Authorization": f"Bearer {world.officer.token}"},
    )
    assert response.status_code == 200, response.json


def refused_on_1_may(world, clock) -> str:
    """An asset transfer request refused on Fri 1 May 2026: the body may ask for a review
    within 20 working days beginning with that day (SSI 2016/358 reg 9, counted as SSI
    2017/39 reg 2 counts them: bank holidays are working days): 1 May (1), 4-8 (6),
    11-15 (11), 18-22 (16), 25-28 (20): Thursday 28 May 2026."""
    ref = ready_to_decide(world, clock, world.officer)
    case = ok(decide_atr(world.officer, ref, "refused"), "refused_pending")
    assert deadline(case, "atr.review_or_appeal")["due_date"] == "2026-05-28"
    return ref


def test_the_body_and_the_officer_are_told_once_with_both_dates_and_why(
    live, world, workers, smtp, clock
):
    box, _ = smtp
    assigned = refused_on_1_may(world, clock)
    assign(world, assigned, OFFICER)
    nobody = refused_on_1_may(world, clock)  # nobody assigned: the managers are told
    closed = refused_on_1_may(world, clock)
    ok(world.body.act(closed, "withdraw"), "withdrawn")
    # A participation request: SSI 2017/39 reg 2 defines its own working days (V), which
    # the change does not touch; its decision date stays put.
    move(clock, "2026-05-01")
    unchanged = validated(world)
    before_unchanged = deadline(world.officer.case(unchanged), "pr.decision")["due_date"]
    settle(live)
    current().broker.join("default", timeout=60_000)
    sent_before = box.count()

    out = recompute(live)

    # With Mon 4 May and Mon 25 May no longer working days: 1 May (1), 5-8 (5), 11-15 (10),
    # 18-22 (15), 26-29 (19), Mon 1 June (20).
    for ref in (assigned, nobody):
        assert deadline(world.officer.case(ref), "atr.review_or_appeal")["due_date"] == (
            "2026-06-01"
        )
    assert out.startswith("2 deadline(s) changed"), out
    new = box.messages[sent_before:]
    by_case = {}
    for m in new:
        by_case.setdefault(m["Subject"], []).append(m["To"])
    assert set(by_case) == {
        f"A date has changed on {assigned}",
        f"A date has changed on {nobody}",
    }
    assert sorted(by_case[f"A date has changed on {assigned}"]) == sorted([BODY, OFFICER])
    assert sorted(by_case[f"A date has changed on {nobody}"]) == sorted([BODY, MANAGER])
    assert not any(unchanged in m["Subject"] or closed in m["Subject"] for m in new)

    (to_body,) = [m for m in new if m["To"] == BODY and assigned in m["Subject"]]
    text = parts(to_body)["text/plain"]
    assert "Dear Kinghorn Community Trust," in text
    flat = " ".join(text.split())
    assert (
        "Fife Council has worked out again the date on your asset transfer request, "
        f"reference {assigned}." in flat
    )
    assert f"Why: {REASON}." in flat
    assert "It was due by Thursday 28 May 2026. It is now due by Monday 1 June 2026" in flat
    assert "SSI 2016" not in text.split("Why:")[0]  # no rule ids or working-out for the body
    assert "How the new date was worked out" not in text
    assert "atr.review_or_appeal" not in text and "officer@fife.test" not in text
    html = parts(to_body)["text/html"]
    assert "Monday 1 June 2026" in html and REASON in html

    (to_officer,) = box.to(OFFICER)[-1:]
    flat = " ".join(parts(to_officer)["text/plain"].split())
    assert flat.startswith("Dear ")
    assert "It was due by Thursday 28 May 2026. It is now due by Monday 1 June 2026" in flat
    assert f"Why: {REASON}." in flat
    assert "How the new date was worked out" in flat
    assert "Scottish bank holiday" in flat  # the working-out names the days now skipped
    assert "atr.review_or_appeal" not in flat

    (to_manager,) = [m for m in new if m["To"] == MANAGER]
    assert "Dear manager," in parts(to_manager)["text/plain"]

    # One case event each, on the timelines of the cases that moved, and proof of service.
    (moved,) = timeline(world.officer, assigned, "deadlines.moved")
    assert moved["payload"]["reason"] == REASON
    assert [
        (d["rule"], d["previous_due_date"], d["due_date"]) for d in moved["payload"]["deadlines"]
    ] == [("atr.review_or_appeal", "2026-05-28", "2026-06-01")]
    assert timeline(world.officer, unchanged, "deadlines.moved") == []
    assert timeline(world.officer, closed, "deadlines.moved") == []
    assert timeline(world.officer, closed, "deadline.recomputed") == []
    assert deadline(world.officer.case(unchanged), "pr.decision")["due_date"] == (before_unchanged)
    with live.sessions() as s:
        served = s.scalars(
            select(EmailRecord.recipient)
            .join(Case, Case.id == EmailRecord.case_id)
            .where(Case.reference == assigned, EmailRecord.event_id == moved["id"])
        ).all()
    assert sorted(served) == sorted([BODY, OFFICER])

    # Again, with nothing moved since: nothing more is sent.
    count = box.count()
    again = recompute(live)
    assert again.startswith("0 deadline(s) changed"), again
    assert box.count() == count
    assert len(timeline(world.officer, assigned, "deadlines.moved")) == 1


def test_without_a_reason_the_parties_are_told_the_rules_or_calendar_changed(
    live, world, workers, smtp, clock
):
    box, _ = smtp
    ref = refused_on_1_may(world, clock)
    settle(live)
    current().broker.join("default", timeout=60_000)
    before = box.count()
    recompute(live, reason=None)
    new = [m for m in box.messages[before:] if m["To"] == BODY]
    (message,) = new
    flat = " ".join(parts(message)["text/plain"].split())
    assert (
        "Why: The rules or the calendar of working days used to work out these dates have "
        "changed." in flat
    )
    assert ref in message["Subject"]
