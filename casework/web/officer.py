"""An authority's caseload: the queue with each case's deadline status, and for managers a
summary of the whole authority's work.

"Due soon" means the next deadline falls within 5 working days on the Scottish
bank-holiday calendar: a service target for planning work, not a statutory period.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from flask import Blueprint, g, request
from sqlalchemy import and_, exists, func, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import joinedload

from casework.access import Role, scope_cases
from casework.api.pagination import paginate
from casework.assignment import colleagues
from casework.context import db, today
from casework.kinds import KINDS, kind_of
from casework.models import Case, DeadlineRow, User
from casework.web.forms import whole_number
from casework.web.pages import KIND_LABELS, page
from casework.web.session import AUTHORITY, signed_in
from workflows.calendars import SCOTTISH_BANK_HOLIDAYS
from workflows.periods import working_days_beginning_with

bp = Blueprint("officer", __name__)
PAGE_SIZE = 25
SOON_WORKING_DAYS = 5


def soon_horizon(day: dt.date) -> dt.date:
    """The last day that counts as 'due within 5 working days' of `day`."""
    return working_days_beginning_with(
        day + dt.timedelta(days=1), SOON_WORKING_DAYS, SCOTTISH_BANK_HOLIDAYS
    ).due


def overdue_clause(day: dt.date):
    """A statutory duty on the case is open and past its date."""
    return exists().where(
        and_(
            DeadlineRow.case_id == Case.id,
            DeadlineRow.status == "open",
            DeadlineRow.duty.is_(True),
            DeadlineRow.due_date < day,
        )
    )


def _states() -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for kind in KINDS.values():
        for name, state in kind.workflow.states.items():
            if name != kind.workflow.initial:
                seen.setdefault(name, state.label)
    return sorted(seen.items(), key=lambda kv: kv[1])


@bp.get("/queue")
@signed_in(*AUTHORITY)
def queue():
    day = today()
    horizon = soon_horizon(day)
    overdue = overdue_clause(day)
    args = request.args
    query = scope_cases(select(Case, overdue.label("overdue")), g.user).options(
        joinedload(Case.assigned_to)
    )
    if args.get("state"):
        query = query.where(Case.state == args["state"])
    if args.get("kind") in KINDS:
        query = query.where(Case.kind == args["kind"])
    who = args.get("assignee", "")
    if who == "me":
        query = query.where(Case.assigned_to_id == g.user.id)
    elif who == "nobody":
        query = query.where(Case.assigned_to_id.is_(None))
    elif who:
        query = query.join(User, User.id == Case.assigned_to_id).where(User.email == who)
    status = args.get("deadline", "")
    if status == "overdue":
        query = query.where(overdue)
    elif status == "soon":
        query = query.where(~overdue, Case.next_due_date <= horizon)
    elif status == "on_track":
        query = query.where(~overdue, (Case.next_due_date > horizon) | Case.next_due_date.is_(None))
    show_closed = args.get("closed") == "yes"
    if not show_closed and not args.get("state"):
        query = query.where(Case.closed_on.is_(None))
    query = query.order_by(Case.next_due_date.is_(None), Case.next_due_date, Case.id)
    page_no = min(max(1, whole_number(args.get("page")) or 1), 100_000)
    result = paginate(db(), query, page_no, PAGE_SIZE, scalars=False)
    rows = []
    for row in result["items"]:
        c: Case = row.Case
        if row.overdue:
            deadline = ("Overdue", "red")
        elif c.next_due_date is not None and c.next_due_date <= horizon:
            deadline = ("Due within 5 working days", "orange")
        elif c.closed_on is not None:
            deadline = ("Closed", "grey")
        else:
            deadline = ("On track", "green")
        rows.append(
            {
                "case": c,
                "kind": KIND_LABELS[c.kind],
                "state": kind_of(c).workflow.states[c.state].label,
                "deadline": deadline,
            }
        )
    plain = {k: v for k, v in args.items() if k != "page" and v}
    last = max(1, -(-result["total"] // PAGE_SIZE))
    return page(
        "web/officer/queue.html",
        f"Cases at {g.user.authority.name}",
        layout="wide",
        rows=rows,
        args=args,
        total=result["total"],
        pages={
            "page": page_no,
            "last": last,
            "total": result["total"],
            "link": lambda n: "?" + urlencode({**plain, "page": n}),
        },
        states=_states(),
        kinds=list(KIND_LABELS.items()),
        assignees=[("me", "Me"), ("nobody", "Nobody")]
        + [(u.email, u.name or u.email) for u in colleagues(db(), g.user.authority_id)],
        summary=summary(day, horizon) if g.user.role == Role.MANAGER else None,
        here=request.full_path.rstrip("?"),
    )


def summary(day: dt.date, horizon: dt.date) -> dict:
    """The manager's view of the caseload: counts in one query each, not one per case."""
    session = db()
    authority_id = g.user.authority_id
    live = and_(
        Case.authority_id == authority_id,
        Case.submitted_at.is_not(None),
        Case.closed_on.is_(None),
    )
    overdue = overdue_clause(day)
    counts = session.execute(
        select(
            func.count(),
            func.sum(sql_case((overdue, 1), else_=0)),
            func.sum(sql_case((and_(~overdue, Case.next_due_date <= horizon), 1), else_=0)),
            func.sum(sql_case((Case.assigned_to_id.is_(None), 1), else_=0)),
        ).where(live)
    ).one()
    by_state = session.execute(
        select(Case.kind, Case.state, func.count())
        .where(live)
        .group_by(Case.kind, Case.state)
        .order_by(Case.kind, Case.state)
    ).all()
    by_person = session.execute(
        select(User.name, User.email, func.count(), func.sum(sql_case((overdue, 1), else_=0)))
        .join(Case, Case.assigned_to_id == User.id)
        .where(live)
        .group_by(User.name, User.email)
        .order_by(User.name, User.email)
    ).all()
    closed_this_year = session.scalar(
        select(func.count()).where(
            Case.authority_id == authority_id,
            Case.submitted_at.is_not(None),  # a body's withdrawn draft was never the authority's
            Case.closed_on >= dt.date(day.year if day.month > 3 else day.year - 1, 4, 1),
        )
    )
    return {
        "open": counts[0] or 0,
        "overdue": counts[1] or 0,
        "soon": counts[2] or 0,
        "unassigned": counts[3] or 0,
        "closed_this_year": closed_this_year or 0,
        "by_state": [
            (KIND_LABELS[k], KINDS[k].workflow.states[s].label, n) for k, s, n in by_state
        ],
        "by_person": [(name or email, n, late or 0) for name, email, n, late in by_person],
    }
