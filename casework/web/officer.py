"""An authority's caseload: the queue with each case's deadline status, and for managers a
summary of the whole authority's work.

"Due soon" means the next deadline falls within 5 working days on the Scottish
bank-holiday calendar: a service target for planning work, not a statutory period.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from urllib.parse import urlencode

from flask import Blueprint, Response, g, request, stream_with_context, url_for
from sqlalchemy import and_, func, or_, select, true
from sqlalchemy import case as sql_case
from sqlalchemy.orm import joinedload, selectinload

from casework import annual_reports, case_view
from casework.access import Role, scope_cases
from casework.api.pagination import paginate
from casework.assignment import colleagues
from casework.context import db, law, today
from casework.deadline_rows import overdue as overdue_on
from casework.kinds import KINDS, kind_of
from casework.models import (
    AssetTransferRequest,
    Authority,
    Case,
    CommunityBody,
    ParticipationRequest,
    User,
)
from casework.web.forms import whole_number
from casework.web.pages import KIND_LABELS, page
from casework.web.public import cell_safe
from casework.web.session import AUTHORITY, signed_in
from workflows import asset_transfer as atr
from workflows import participation as pr
from workflows.calendars import SCOTTISH_BANK_HOLIDAYS
from workflows.periods import in_words, reporting_year, working_days_beginning_with

bp = Blueprint("officer", __name__)
PAGE_SIZE = 25
SOON_WORKING_DAYS = 5


def soon_horizon(day: dt.date) -> dt.date:
    """The last day that counts as 'due within 5 working days' of `day`."""
    return working_days_beginning_with(
        day + dt.timedelta(days=1), SOON_WORKING_DAYS, SCOTTISH_BANK_HOLIDAYS
    ).due


def _states() -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for kind in KINDS.values():
        for name, state in kind.workflow.states.items():
            if name != kind.workflow.initial:
                seen.setdefault(name, state.label)
    return sorted(seen.items(), key=lambda kv: kv[1])


SORTS = {
    "deadline": "Soonest deadline first",
    "received": "Oldest received first",
    "state": "By stage",
}
CSV_COLUMNS = (
    "reference",
    "title",
    "kind",
    "community_body",
    "stage",
    "next_step",
    "next_due_date",
    "received_on",
    "assigned_to",
)


def _search_clause(words: str):
    """Cases whose reference, title, body's name or request text has every word in `words`."""
    pr_table, atr_table = ParticipationRequest.__table__, AssetTransferRequest.__table__
    clauses = []
    for word in words.split()[:8]:
        like = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        in_pr = select(pr_table.c.id).where(
            or_(*(pr_table.c[c].ilike(like) for c in pr.REQUEST_ITEMS))
        )
        in_atr = select(atr_table.c.id).where(
            or_(
                atr_table.c.land_description.ilike(like),
                *(atr_table.c[c].ilike(like) for c in atr.REQUEST_ITEMS if c in atr_table.c),
            )
        )
        clauses.append(
            or_(
                Case.reference.ilike(like),
                Case.title.ilike(like),
                Case.community_body_id.in_(
                    select(CommunityBody.id).where(CommunityBody.name.ilike(like))
                ),
                Case.id.in_(in_pr),
                Case.id.in_(in_atr),
            )
        )
    return and_(*clauses) if clauses else true()


def _filtered(args, day: dt.date):
    """The queue's query for these filters, before it is ordered and paged."""
    horizon = soon_horizon(day)
    overdue = overdue_on(day)
    query = scope_cases(select(Case, overdue.label("overdue")), g.user).options(
        joinedload(Case.assigned_to), selectinload(Case.deadlines)
    )
    if args.get("q", "").strip():
        query = query.where(_search_clause(args["q"][:200]))
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
    if args.get("closed") != "yes" and not args.get("state"):
        query = query.where(Case.closed_on.is_(None))
    received = func.coalesce(Case.received_on, func.date(Case.submitted_at))
    sort = args.get("sort") if args.get("sort") in SORTS else "deadline"
    if sort == "received":
        return query.order_by(received, Case.id)
    if sort == "state":
        return query.order_by(Case.kind, Case.state, Case.next_due_date, received, Case.id)
    # Soonest deadline first; a request still to be validated has no deadline yet, so it
    # sorts by the day it was received, with the deadlines.
    return query.order_by(func.coalesce(Case.next_due_date, received), Case.id)


def _row(c: Case, overdue: bool, day: dt.date, horizon: dt.date) -> dict:
    step = case_view.next_step(c, day, law().rulebook)
    if overdue:
        deadline = ("Overdue", "red")
    elif c.next_due_date is not None and c.next_due_date <= horizon:
        deadline = ("Due within 5 working days", "orange")
    elif c.closed_on is not None:
        deadline = ("Closed", "grey")
    else:
        deadline = ("On track", "green")
    return {
        "case": c,
        "kind": KIND_LABELS[c.kind],
        "state": kind_of(c).workflow.states[c.state].label,
        "deadline": deadline,
        "step": step,
    }


@bp.get("/queue")
@signed_in(*AUTHORITY)
def queue():
    day = today()
    horizon = soon_horizon(day)
    args = request.args
    query = _filtered(args, day)
    page_no = min(max(1, whole_number(args.get("page")) or 1), 100_000)
    result = paginate(db(), query, page_no, PAGE_SIZE, scalars=False)
    rows = [_row(row.Case, row.overdue, day, horizon) for row in result["items"]]
    plain = {k: v for k, v in args.items() if k != "page" and v}
    last = max(1, -(-result["total"] // PAGE_SIZE))
    sort = args.get("sort") if args.get("sort") in SORTS else "deadline"
    return page(
        "web/officer/queue.html",
        f"Cases at {g.user.authority.name}",
        layout="wide",
        rows=rows,
        args=args,
        total=result["total"],
        sort_label=SORTS[sort],
        sorts=list(SORTS.items()),
        csv_link=url_for("officer.queue_csv") + ("?" + urlencode(plain) if plain else ""),
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


@bp.get("/queue.csv")
@signed_in(*AUTHORITY)
def queue_csv():
    """The queue as filtered, every page of it, as CSV: only the cases this officer may
    see, and nothing about the people who made representations or own the land."""
    day = today()
    horizon = soon_horizon(day)
    query = _filtered(request.args, day).execution_options(yield_per=200)
    session = db()

    def lines():
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        yield out.getvalue()
        for row in session.execute(query):
            r = _row(row.Case, row.overdue, day, horizon)
            c: Case = r["case"]
            received = c.received_on or (c.submitted_at.date() if c.submitted_at else None)
            out.seek(0)
            out.truncate()
            writer.writerow(
                cell_safe(
                    c.reference,
                    c.title or "",
                    r["kind"],
                    c.community_body.name,
                    r["state"],
                    r["step"]["text"],
                    c.next_due_date.isoformat() if c.next_due_date else "",
                    received.isoformat() if received else "",
                    (c.assigned_to.name or c.assigned_to.email) if c.assigned_to else "",
                )
            )
            yield out.getvalue()

    return Response(
        stream_with_context(lines()),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="cases.csv"'},
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
    overdue = overdue_on(day)
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
    # The same counts as the annual reports (s.32, s.95), so the two never disagree.
    year_start, year_end = reporting_year(day)
    authority = session.get(Authority, authority_id)
    open_by_kind = dict(
        session.execute(select(Case.kind, func.count()).where(live).group_by(Case.kind)).all()
    )
    year = []
    for kind, label in KIND_LABELS.items():
        counted = annual_reports.figures(
            session, authority, kind, annual_reports.year_containing(day)
        )
        year.append(
            {
                "kind": label,
                "received": counted["received"].count,
                "agreed": counted["agreed"].count,
                "refused": counted["refused"].count,
                "open": open_by_kind.get(kind, 0),
            }
        )
    closed_this_year = session.scalar(
        select(func.count()).where(
            Case.authority_id == authority_id,
            Case.submitted_at.is_not(None),  # a body's withdrawn draft was never the authority's
            Case.closed_on >= year_start,
        )
    )
    return {
        "open": counts[0] or 0,
        "overdue": counts[1] or 0,
        "soon": counts[2] or 0,
        "unassigned": counts[3] or 0,
        "closed_this_year": closed_this_year or 0,
        "year": year,
        "year_label": f"{in_words(year_start)} to {in_words(year_end)}",
        "year_start": year_start,
        "by_state": [
            (KIND_LABELS[k], KINDS[k].workflow.states[s].label, n) for k, s, n in by_state
        ],
        "by_person": [(name or email, n, late or 0) for name, email, n, late in by_person],
    }
