"""Commands: the only code that changes a case.

Each command loads nothing and commits nothing: the caller passes a loaded case and
commits once the command returns, so the state change, the deadline rows, the notices
and the events land together or not at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from casework import deadline_rows, notices
from casework.clock import now
from casework.errors import Conflict, Forbidden, Invalid, NotFound, nest
from casework.eventlog import Actor, record
from casework.kinds import KINDS, CaseKind, Run, kind_of
from casework.models import Case, ReferenceCounter
from workflows.deadlines import DeadlineState
from workflows.machine import ActionNotAllowed, Context, GuardsFailed, Law
from workflows.rules import Party


def next_reference(session: Session, prefix: str) -> str:
    """The next reference for a prefix such as PR-FIFE-2026, safe under concurrency."""
    table = ReferenceCounter.__table__
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = (
        insert(table)
        .values(prefix=prefix, last=1)
        .on_conflict_do_update(index_elements=["prefix"], set_={"last": table.c.last + 1})
        .returning(table.c.last)
    )
    number = session.execute(stmt).scalar_one()
    return f"{prefix}-{number:04d}"


def create_case(
    session: Session, kind_name: str, data: dict[str, Any], actor: Actor, *, today: dt.date
) -> Case:
    kind = KINDS[kind_name]
    user = actor.user
    if user is None or user.role not in ("community", "admin"):
        raise Forbidden("Only a community body's own members can make a request.")
    if (
        user.role == "community"
        and data.get("community_body", user.community_body_id) != user.community_body_id
    ):
        raise NotFound("There is no such community body.")
    if user.role == "community":
        data = {**data, "community_body": user.community_body_id}
    case = kind.build(session, data)
    case.reference = next_reference(session, f"{kind.prefix}-{case.authority.code}-{today.year}")
    case.state = kind.workflow.initial
    case.created_by_id = actor.user.id if actor.user else None
    session.add(case)
    session.flush()
    record(session, case, "case.created", actor, {"kind": kind.kind, "state": case.state})
    return case


def update_draft(
    session: Session,
    case: Case,
    data: dict[str, Any],
    actor: Actor,
    *,
    expected_version: int | None = None,
) -> Case:
    if case.state != kind_of(case).workflow.initial:
        raise Conflict("Only a draft can be edited; use the actions for a submitted request.")
    _check_version(case, expected_version)
    with stale_is_conflict():
        changed = kind_of(case).edit(session, case, data)
        case.updated_at = now()
        record(session, case, "case.updated", actor, {"fields": sorted(changed)})
        session.flush()
    return case


def context_for(
    case: Case, today: dt.date, law: Law, payload: dict[str, Any] | None = None
) -> Context:
    kind = kind_of(case)
    return Context(kind.facts(case), today, law, payload or {})


def perform(
    session: Session,
    case: Case,
    trigger: str,
    payload: dict[str, Any],
    actor: Actor,
    party: Party,
    *,
    today: dt.date,
    law: Law,
    expected_version: int | None = None,
) -> Case:
    """Take one workflow action on a case: guards, state, effects, deadlines, notices, events."""
    kind = kind_of(case)
    workflow = kind.workflow
    if trigger not in workflow.triggers:
        raise NotFound(f"There is no action '{trigger}' for a {workflow.title.lower()}.")
    _check_version(case, expected_version)
    ctx = context_for(case, today, law, payload)
    try:
        action = workflow.select(trigger, case.state, ctx, party)
    except ActionNotAllowed as exc:
        raise Conflict(exc.message, state=case.state) from exc
    except PermissionError as exc:
        raise Forbidden(str(exc)) from exc
    except GuardsFailed as exc:
        failures = [f.as_dict() for f in exc.failures]
        if exc.payload_only:
            flat: dict[str, list[str]] = {}
            for f in exc.failures:
                flat.setdefault(f.guard.field or "", []).append(f.message)
            raise Invalid(nest(flat)) from exc
        raise Conflict(str(exc), state=case.state, failures=failures) from exc

    with stale_is_conflict():
        from_state = case.state
        workflow.fire(case, action, ctx)
        run = Run(session, case, action, payload, actor, today, law)
        record(
            session,
            case,
            f"action.{trigger}",
            actor,
            {
                "from": from_state,
                "to": case.state,
                "on": today,  # the day in law it was done: what annual reports count by
                "citation": action.citation,
                "payload": kind.loggable(trigger, payload),
            },
        )
        kind.effects[trigger](run)
        if workflow.states[case.state].final and case.closed_on is None:
            case.closed_on = today
        case.updated_at = now()
        states = refresh_deadlines(session, case, actor, law, reason=f"action.{trigger}")
        by_key = {(s.rule_id if not s.key else f"{s.rule_id}:{s.key}"): s for s in states}
        for notice_kind in action.notices:
            spec = workflow.notices[notice_kind]
            for r in kind.recipients(run, spec):
                notices.issue(
                    session,
                    case,
                    spec,
                    actor,
                    today,
                    {**kind.notice_context(), **run.context, **r.context, "deadlines": by_key},
                    recipient=r.name,
                    recipient_email=r.email,
                )
        session.flush()
    return case


def refresh_deadlines(
    session: Session, case: Case, actor: Actor, law: Law, reason: str
) -> list[DeadlineState]:
    """Recompute the case's deadlines from its facts and store any change as an event."""
    kind: CaseKind = kind_of(case)
    states = kind.deadlines(kind.facts(case), law)
    deadline_rows.sync(session, case, states, actor, reason)
    return states


def _check_version(case: Case, expected: int | None) -> None:
    if expected is not None and expected != case.version:
        raise Conflict(
            f"The case has changed since you read it (version {expected}, now {case.version}); "
            "reload it and try again.",
            version=case.version,
        )


@contextmanager
def stale_is_conflict() -> Iterator[None]:
    """A write that finds the case's version moved on is a concurrent edit: a 409."""
    try:
        yield
    except StaleDataError as exc:
        raise Conflict("The case was changed by someone else; reload it and try again.") from exc


# What the parties are told moved their dates, when `casework deadlines recompute` is given
# no reason of its own.
RECOMPUTE_REASON = (
    "The rules or the calendar of working days used to work out these dates have changed."
)


def recompute_open_cases(
    session: Session, law: Law, reason: str = RECOMPUTE_REASON, batch: int = 500
) -> int:
    """Recompute every open case's deadlines (after a rule or calendar correction).

    Streams the cases in batches and commits each batch, so a million cases never sit in
    memory at once. Returns how many deadlines changed; each change is an event. A case
    whose open deadlines moved also gets one `deadlines.moved` event listing them all, with
    the reason in plain words: the parties are emailed once per case, not once per date.
    """
    from sqlalchemy import func, select

    from casework.models import Event

    actor = Actor.system("rules or calendar changed")
    before = session.scalar(select(func.count()).where(Event.type == "deadline.recomputed"))
    last_id = 0
    while True:
        cases = session.scalars(
            select(Case)
            .where(Case.closed_on.is_(None), Case.id > last_id)
            .order_by(Case.id)
            .limit(batch)
        ).all()
        if not cases:
            break
        for case in cases:
            with stale_is_conflict():
                was = {(r.rule, r.key): r.due_date for r in case.deadlines}
                refresh_deadlines(session, case, actor, law, reason=reason)
                _record_moved(session, case, actor, was, reason)
                case.updated_at = now()
        session.commit()
        last_id = cases[-1].id
    after = session.scalar(select(func.count()).where(Event.type == "deadline.recomputed"))
    return after - before


def _record_moved(
    session: Session, case: Case, actor: Actor, was: dict[tuple[str, str], dt.date], reason: str
) -> None:
    """One event for every open deadline of the case whose due date the recompute moved
    (not a new one, nor one met or closed: nobody has to act on those any more)."""
    moved = sorted(
        (
            {
                "deadline_id": r.id,
                "rule": r.rule,
                "key": r.key,
                "previous_due_date": was[r.rule, r.key],
                "due_date": r.due_date,
            }
            for r in case.deadlines
            if r.status == "open" and (r.rule, r.key) in was and was[r.rule, r.key] != r.due_date
        ),
        key=lambda d: (d["due_date"], d["rule"], d["key"]),
    )
    if moved:
        record(session, case, "deadlines.moved", actor, {"deadlines": moved, "reason": reason})
