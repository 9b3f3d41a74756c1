"""The deadline sweep: the law's own consequences of a deadline passing, then reminders
before each deadline and escalation after a missed one.

Reminders fall on working days before the due date, counted on the Scottish bank-holiday
calendar (a service target, not statute). Each reminder and escalation is a row with a
unique key, so it goes out exactly once however often the sweep runs; if the sweep was
down across several reminder points, only the latest one reached is sent.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from sqlalchemy import and_, exists, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from casework.config import REPORT_REMINDER_OFFSETS
from casework.eventlog import Actor, record
from casework.models import Case, DeadlineRow
from casework.sweep import sweep as statutory_sweep
from notifications.models import Reminder
from workflows.calendars import SCOTTISH_BANK_HOLIDAYS
from workflows.machine import Law
from workflows.periods import working_days_before

log = logging.getLogger(__name__)
ACTOR = Actor.system("deadline sweep")
BATCH = 500


def _horizon(today: dt.date, offset: int) -> dt.date:
    """The latest due date whose `offset`-working-days-before point is today or earlier."""
    day, count = today, 0
    while count < offset:
        day += dt.timedelta(days=1)
        if SCOTTISH_BANK_HOLIDAYS.is_working_day(day):
            count += 1
    return day


def reminder_offset(due: dt.date, today: dt.date, offsets: Sequence[int]) -> int | None:
    """The latest reminder point (smallest offset) reached by `today`, if any."""
    reached = [o for o in offsets if working_days_before(due, o) <= today]
    return min(reached) if reached else None


def _claim(session: Session, deadline: DeadlineRow, kind: str, offset: int) -> bool:
    """Insert the reminder's unique row; True only for the one sweep that inserts it.

    The id comes back only when this statement inserted the row. (`rowcount` cannot tell:
    with SQLAlchemy 2.1 and psycopg it is -1 for this statement, inserted or not.)"""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    result = session.execute(
        insert(Reminder)
        .values(deadline_id=deadline.id, kind=kind, offset_days=offset, due_date=deadline.due_date)
        .on_conflict_do_nothing(index_elements=["deadline_id", "kind", "offset_days", "due_date"])
        .returning(Reminder.id)
    )
    return result.scalar() is not None


def _payload(deadline: DeadlineRow, offset: int, to: str) -> dict:
    return {
        "deadline_id": deadline.id,
        "rule": deadline.rule,
        "key": deadline.key,
        "due_date": deadline.due_date,
        "offset": offset,
        "to": to,
    }


def remind(session: Session, today: dt.date, offsets: Sequence[int]) -> int:
    if not offsets:
        return 0
    sent = 0
    horizon = _horizon(today, max(offsets))
    last_id = 0
    while True:
        rows = session.execute(
            select(DeadlineRow, Case)
            .join(Case, Case.id == DeadlineRow.case_id)
            .where(
                DeadlineRow.status == "open",
                DeadlineRow.due_date >= today,
                DeadlineRow.due_date <= horizon,
                DeadlineRow.id > last_id,
            )
            .order_by(DeadlineRow.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return sent
        for deadline, case in rows:
            offset = reminder_offset(deadline.due_date, today, offsets)
            if offset is None or not _claim(session, deadline, "reminder", offset):
                continue
            record(session, case, "deadline.reminder", ACTOR, _payload(deadline, offset, "officer"))
            if deadline.party == "body":
                record(
                    session, case, "deadline.reminder", ACTOR, _payload(deadline, offset, "body")
                )
            sent += 1
        session.commit()
        last_id = rows[-1][0].id


def escalate(session: Session, today: dt.date) -> int:
    """Tell the authority's managers, once, about each statutory duty now overdue."""
    sent = 0
    while True:
        already = exists().where(
            and_(
                Reminder.deadline_id == DeadlineRow.id,
                Reminder.kind == "overdue",
                Reminder.due_date == DeadlineRow.due_date,
            )
        )
        rows = session.execute(
            select(DeadlineRow, Case)
            .join(Case, Case.id == DeadlineRow.case_id)
            .where(
                DeadlineRow.status == "open",
                DeadlineRow.duty.is_(True),
                DeadlineRow.due_date < today,
                ~already,
            )
            .order_by(DeadlineRow.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return sent
        for deadline, case in rows:
            if _claim(session, deadline, "overdue", 0):
                record(session, case, "deadline.overdue", ACTOR, _payload(deadline, 0, "managers"))
                sent += 1
        session.commit()


def sweep(
    sessions: sessionmaker[Session],
    today: dt.date,
    law: Law,
    offsets: Sequence[int],
    report_offsets: Sequence[int] = REPORT_REMINDER_OFFSETS,
) -> dict[str, int]:
    from notifications import report_reminders  # here: it imports `reminder_offset` from us

    with sessions() as session:
        actions = statutory_sweep(session, today, law)
    with sessions() as session:
        reminders = remind(session, today, offsets)
    with sessions() as session:
        escalations = escalate(session, today)
    with sessions() as session:  # the annual reports, s.32(3)-(4) and s.95(3)-(4)
        reports = report_reminders.sweep(session, today, report_offsets)
    result = {
        "actions": len(actions),
        "reminders": reminders,
        "escalations": escalations,
        **reports,
    }
    if any(result.values()):
        log.info("deadline sweep %s: %s", today, result)
    return result
