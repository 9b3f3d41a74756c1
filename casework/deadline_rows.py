"""Storing computed deadlines as rows, and recording every change to them as an event."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import and_
from sqlalchemy.orm import Session

from casework.eventlog import Actor, record
from casework.models import Case, DeadlineRow
from workflows.deadlines import DeadlineState


def sync(
    session: Session, case: Case, states: Sequence[DeadlineState], actor: Actor, reason: str
) -> None:
    """Make the case's deadline rows match `states`, appending an event for each change.

    Rows are never deleted: a deadline that no longer applies is kept, closed.
    """
    rows = {(r.rule, r.key): r for r in case.deadlines}
    for state in states:
        d = state.deadline
        row = rows.pop((state.rule_id, state.key), None)
        values = {
            "party": state.party.value,
            "duty": state.duty,
            "start_date": d.start,
            "statutory_due_date": d.statutory_due,
            "due_date": d.due,
            "status": state.status.value,
            "settled_on": state.settled_on,
            "explanation": d.explanation,
            "citation": d.citation,
            "basis": d.rule.effective_basis.value,
        }
        payload = {
            "rule": state.rule_id,
            "key": state.key,
            "due_date": d.due,
            "status": state.status.value,
            "reason": reason,
        }
        if row is None:
            case.deadlines.append(DeadlineRow(rule=state.rule_id, key=state.key, **values))
            record(
                session,
                case,
                "deadline.set",
                actor,
                {**payload, "start_date": d.start, "explanation": d.explanation},
            )
            continue
        before = {k: getattr(row, k) for k in ("start_date", "due_date", "status")}
        for k, v in values.items():
            setattr(row, k, v)
        if before != {k: getattr(row, k) for k in before}:
            row.sequence = (row.sequence or 0) + 1  # the calendar feeds' event changed
        if before["start_date"] != d.start or before["due_date"] != d.due:
            record(
                session,
                case,
                "deadline.recomputed",
                actor,
                {
                    **payload,
                    "previous_start_date": before["start_date"],
                    "previous_due_date": before["due_date"],
                    "start_date": d.start,
                    "explanation": d.explanation,
                },
            )
        elif before["status"] != state.status.value:
            record(session, case, f"deadline.{state.status.value}", actor, payload)
    for row in rows.values():
        if row.status == "open":
            row.status = "closed"
            row.sequence = (row.sequence or 0) + 1
            record(
                session,
                case,
                "deadline.closed",
                actor,
                {
                    "rule": row.rule,
                    "key": row.key,
                    "due_date": row.due_date,
                    "status": "closed",
                    "reason": reason,
                },
            )
    case.next_due_date = min(
        (r.due_date for r in case.deadlines if r.status == "open"), default=None
    )
    case.next_duty_due_date = min(
        (r.due_date for r in case.deadlines if r.status == "open" and r.duty), default=None
    )


def overdue(day: dt.date):
    """A statutory duty on the case is open and past its date: from the stored earliest
    open duty (kept by `sync` above), so no deadline row is read."""
    return and_(Case.next_duty_due_date.is_not(None), Case.next_duty_due_date < day)
