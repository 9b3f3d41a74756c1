"""The deadline sweep's statutory half: the machine's `system` actions.

A deadline passing can itself change a case (an asset transfer request's decision period
expiring is non-determination; an offer date passing lapses the request). The sweep finds
cases with an open deadline past due, asks each case's machine which system actions its
guards now allow, and takes them. It is idempotent: a second run finds nothing to do,
because the guards no longer hold.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.commands import context_for, perform
from casework.errors import ServiceError
from casework.eventlog import Actor
from casework.kinds import KINDS
from casework.models import Case, DeadlineRow
from workflows.machine import Law
from workflows.rules import Party

log = logging.getLogger(__name__)
ACTOR = Actor.system("deadline sweep")


@dataclass(frozen=True)
class Taken:
    reference: str
    action: str


def _system_states() -> dict[str, set[str]]:
    """For each kind, the states from which some system action leaves: read off the machine."""
    return {
        name: {s for a in kind.workflow.actions if a.party is Party.SYSTEM for s in a.source}
        for name, kind in KINDS.items()
    }


def candidates(session: Session, today: dt.date, batch: int = 500) -> list[int]:
    """Cases in a state with system actions that have an open deadline now past due."""
    ids: list[int] = []
    for kind, states in _system_states().items():
        if not states:
            continue
        ids.extend(
            session.scalars(
                select(Case.id)
                .distinct()
                .join(DeadlineRow, DeadlineRow.case_id == Case.id)
                .where(
                    Case.kind == kind,
                    Case.state.in_(states),
                    DeadlineRow.status == "open",
                    DeadlineRow.due_date < today,
                )
                .order_by(Case.id)
                .limit(batch)
            )
        )
    return ids


def sweep(session: Session, today: dt.date, law: Law) -> list[Taken]:
    """Take every system action whose guards hold today; commit each case on its own."""
    taken: list[Taken] = []
    for case_id in candidates(session, today):
        case = session.get(Case, case_id)
        if case is None:
            continue
        kind = KINDS[case.kind]
        while True:
            offers = [
                o
                for o in kind.workflow.offers(
                    case.state, Party.SYSTEM, context_for(case, today, law)
                )
                if o.allowed
            ]
            if not offers:
                break
            trigger = offers[0].trigger
            try:
                perform(session, case, trigger, {}, ACTOR, Party.SYSTEM, today=today, law=law)
                session.commit()
            except ServiceError as exc:  # a concurrent change: the next sweep looks again
                session.rollback()
                log.info("sweep skipped %s %s: %s", case.reference, trigger, exc.detail)
                break
            taken.append(Taken(case.reference, trigger))
    return taken
