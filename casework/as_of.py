"""A case as it stood at the end of a given day, rebuilt from its events alone.

The event log is the record: the state is where the last action before the end of that day
left the case, each deadline is replayed from its `deadline.*` events, and the notices and
the timeline are those issued and recorded by then. Nothing is read from the case's current
columns except its identity, so the view is what the record says, not what the row says now.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.access import scope_notices
from casework.clock import LONDON
from casework.errors import NotFound
from casework.event_view import reader_for, visible_events
from casework.kinds import kind_of
from casework.models import Case, Event, Notice, User
from workflows.rules import RULES, Party


def end_of(day: dt.date) -> dt.datetime:
    """Midnight at the end of `day` in Scotland, the moment statutory days turn over."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), LONDON).astimezone(dt.UTC)


def events_until(session: Session, case: Case, until: dt.datetime) -> list[Event]:
    return list(
        session.scalars(
            select(Event)
            .where(Event.case_id == case.id, Event.occurred_at < until)
            .order_by(Event.id)
        )
    )


def _state(events: list[Event], initial: str) -> str:
    state = initial
    for ev in events:
        if ev.type == "case.created":
            state = ev.payload.get("state", state)
        elif ev.type.startswith("action.") and "to" in ev.payload:
            state = ev.payload["to"]
    return state


# Whose step each rule is: a duty shows as overdue once past, a window as expired.
_DUTIES = {r.id: r.party in (Party.AUTHORITY, Party.ADDITIONAL_AUTHORITY) for r in RULES}


def _deadlines(events: list[Event], day: dt.date) -> list[dict]:
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for ev in events:
        if not ev.type.startswith("deadline.") or "rule" not in ev.payload:
            continue
        p, key = ev.payload, (ev.payload["rule"], ev.payload.get("key", ""))
        if ev.type in ("deadline.reminder", "deadline.overdue"):
            continue
        row = rows.setdefault(key, {"rule": key[0], "key": key[1]})
        for field in ("start_date", "due_date"):
            if p.get(field):
                row[field] = dt.date.fromisoformat(p[field])
        for field in ("status", "explanation"):
            if field in p:
                row[field] = p[field]
    out = []
    for row in rows.values():
        due = row.get("due_date")
        status = row.get("status", "open")
        if status == "open" and due is not None and due < day:
            status = "overdue" if _DUTIES.get(row["rule"], False) else "expired"
        out.append({**row, "status": status})
    return out


def view(
    session: Session, case: Case, when: dt.date | dt.datetime, user: User | None
) -> dict[str, Any]:
    """The case at the end of the day `when` (or at the instant `when`) as `user` may see
    it: state, deadlines, notices and timeline."""
    workflow = kind_of(case).workflow
    if isinstance(when, dt.datetime):
        until, day = when, when.astimezone(LONDON).date()
    else:
        until, day = end_of(when), when
    events = events_until(session, case, until)
    if not events:
        raise NotFound("The case had not been started by then.")
    state = _state(events, workflow.initial)
    issued = {ev.id for ev in events if ev.type == "notice.issued"}
    notices = session.scalars(
        scope_notices(
            select(Notice).where(Notice.case_id == case.id).order_by(Notice.id), user, case
        )
    ).all()
    return {
        "reference": case.reference,
        "kind": case.kind,
        "as_of": when.isoformat(),
        "state": state,
        "state_label": workflow.states[state].label,
        "deadlines": _deadlines(events, day),
        "notices": [n for n in notices if n.event_id in issued],
        "events": visible_events(events, reader_for(user, case), case),
    }
