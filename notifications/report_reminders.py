"""The annual reports' part of the deadline sweep (s.32 participation request reports,
s.95 asset transfer reports): open each authority's drafts once the reporting year has
ended, remind its managers before 30 June while the report is not published, and escalate
once when it is overdue.

A reporting year runs from 1 April to 31 March (s.32(4), s.95(4)) and its report is due no
later than the following 30 June (s.32(3), s.95(3)). Reminder points are working days
before the due date on the Scottish bank-holiday calendar, as for case deadlines (a service
target, not statute). Each reminder and escalation is a `ReportReminder` row with a unique
key, so it goes out once however often the sweep runs; after a gap, only the latest point
reached is sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from casework import annual_reports as ar
from casework.eventlog import Actor, record
from casework.models import AnnualReport, Authority
from casework.statistics import kinds_for
from notifications.models import ReportReminder
from notifications.reminders import reminder_offset
from workflows import asset_transfer as atr
from workflows import participation as pr

ACTOR = Actor.system("deadline sweep")
PUBLISHED = ("published", "superseded")  # a corrected report was published all the same
_LOCK_SPACE = 0x72707274  # "rprt": one sweep at a time opens the drafts


@dataclass(frozen=True)
class ReportLaw:
    """How a mail names the report and the law that asks for it, in words."""

    name: str
    citation: str
    law: str
    covers: str


LAW = {
    pr.KIND: ReportLaw(
        "participation request report",
        "s.32(3)-(4)",
        "section 32 of the Community Empowerment (Scotland) Act 2015",
        "the participation requests received, agreed and refused during the year, how many "
        "led to a change in a public service, and what the authority did to promote "
        "requests and to support community bodies in making them",
    ),
    atr.KIND: ReportLaw(
        "asset transfer report",
        "s.95(3)-(4)",
        "section 95 of the Community Empowerment (Scotland) Act 2015",
        "the asset transfer requests received, agreed and refused during the year, the "
        "transfers, leases and other rights that resulted, the reviews and appeals decided, "
        "and what the authority did to promote requests and to support community bodies in "
        "making them",
    ),
}


def year_ended(today: dt.date) -> int:
    """The reporting year whose report is being prepared: the one that ended on the 31
    March before `today` (named by the year in which it began)."""
    return ar.year_containing(today) - 1


def sweep(session: Session, today: dt.date, offsets: Sequence[int]) -> dict[str, int]:
    """Drafts, reminders and escalations for the year just ended; committed."""
    year = year_ended(today)
    owed = [
        (a, k)
        for a in session.scalars(select(Authority).order_by(Authority.id))
        for k in kinds_for(a)
    ]
    drafted = open_drafts(session, owed, year, today)
    published = {
        tuple(r)
        for r in session.execute(
            select(AnnualReport.authority_id, AnnualReport.kind).where(
                AnnualReport.year == year, AnnualReport.state.in_(PUBLISHED)
            )
        )
    }
    claimed = {
        tuple(r)
        for r in session.execute(
            select(
                ReportReminder.authority_id,
                ReportReminder.kind,
                ReportReminder.stage,
                ReportReminder.offset_days,
            ).where(ReportReminder.year == year)
        )
    }
    reminders = escalations = 0
    for authority, kind in owed:
        if (authority.id, kind) in published:
            continue
        due = ar.due_by(kind, year)
        if today > due:  # from 1 July: overdue, s.32(3), s.95(3)
            stage, offset = "overdue", 0
        else:
            found = reminder_offset(due, today, offsets)
            if found is None:
                continue
            stage, offset = "reminder", found
        if (authority.id, kind, stage, offset) in claimed:
            continue
        if not _claim(session, authority, kind, year, stage, offset):
            continue
        record(
            session,
            None,
            f"annual_report.{stage}",
            ACTOR,
            {
                "authority_id": authority.id,
                "authority": authority.code,
                "kind": kind,
                "year": year,
                "due_date": due,
                "offset": offset,
                "rule": LAW[kind].citation,
                "to": "managers",
            },
        )
        if stage == "overdue":
            escalations += 1
        else:
            reminders += 1
    session.commit()
    return {
        "report_drafts": drafted,
        "report_reminders": reminders,
        "report_escalations": escalations,
    }


def open_drafts(
    session: Session, owed: list[tuple[Authority, str]], year: int, today: dt.date
) -> int:
    """After 31 March, a draft of each report the year calls for (`open_report` is
    idempotent; the lock stops two sweeps drafting the same report at once).

    A report first drafted after its due date (the service, or the authority, arrived
    after 30 June) shows as overdue but is not escalated: its overdue row is claimed as it
    is drafted, so a new installation does not email every authority at once about a
    report it may have published elsewhere."""
    started = _started(session, year)
    missing = [(a, k) for a, k in owed if (a.id, k) not in started]
    if not missing:
        return 0
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:space, 0)"), {"space": _LOCK_SPACE})
        started = _started(session, year)  # what another sweep drafted while we waited
    count = 0
    for authority, kind in missing:
        if (authority.id, kind) not in started:
            ar.open_report(session, authority, kind, year, None)
            if today > ar.due_by(kind, year):
                _claim(session, authority, kind, year, "overdue", 0)
            count += 1
    return count


def _started(session: Session, year: int) -> set[tuple[int, str]]:
    """The (authority, kind) of every report of the year that has a version already."""
    return {
        (r.authority_id, r.kind)
        for r in session.execute(
            select(AnnualReport.authority_id, AnnualReport.kind)
            .where(AnnualReport.year == year)
            .distinct()
        )
    }


def _claim(
    session: Session, authority: Authority, kind: str, year: int, stage: str, offset: int
) -> bool:
    """Insert the reminder's unique row; True only for the one sweep that inserts it (the
    id comes back only when this statement inserted the row, as in `reminders._claim`)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    result = session.execute(
        insert(ReportReminder)
        .values(authority_id=authority.id, kind=kind, year=year, stage=stage, offset_days=offset)
        .on_conflict_do_nothing(
            index_elements=["authority_id", "kind", "year", "stage", "offset_days"]
        )
        .returning(ReportReminder.id)
    )
    return result.scalar() is not None
