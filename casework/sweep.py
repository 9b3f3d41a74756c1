"""The deadline sweep's statutory half: the machine's `system` actions.

A deadline passing can itself change a case (an asset transfer request's decision period
expiring is non-determination; an offer date passing lapses the request). Each system
action names the deadline rules whose passing can let it happen (`Action.after`). The
sweep looks only at cases in a source state of such an action with one of *that action's*
rules open and past due, asks each case's machine which system actions its guards now
allow, and takes them.

It pages through every such case in order of id (keyset pagination, a batch at a time), so
one run handles all of them however many there are, and a case whose guards fail is passed
over without holding up the rest. It is idempotent: a second run finds nothing to do,
because the guards no longer hold.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import Select, select, union_all
from sqlalchemy.orm import Session, selectinload, with_polymorphic

from casework.commands import context_for, perform
from casework.errors import ServiceError
from casework.eventlog import Actor
from casework.kinds import KINDS
from casework.models import AssetTransferRequest, Case, DeadlineRow, ParticipationRequest
from workflows.machine import Law
from workflows.rules import Party

log = logging.getLogger(__name__)
ACTOR = Actor.system("deadline sweep")
BATCH = 500


@dataclass(frozen=True)
class Taken:
    reference: str
    action: str


@dataclass(frozen=True)
class Lane:
    """One deadline rule a system action waits on, and the states it can act from."""

    kind: str
    rule: str
    states: tuple[str, ...]


def lanes() -> list[Lane]:
    """Read off the machines: for each kind and rule in some system action's `after`, the
    source states of the system actions that wait on it. A case in state X qualifies by
    rule R only if some system action leaving X names R."""
    states: dict[tuple[str, str], set[str]] = {}
    for name, kind in KINDS.items():
        for action in kind.workflow.actions:
            if action.party is not Party.SYSTEM:
                continue
            for rule in action.after:
                states.setdefault((name, rule), set()).update(action.source)
    return [Lane(kind, rule, tuple(sorted(s))) for (kind, rule), s in sorted(states.items())]


def _lane_query(lane: Lane, today: dt.date, after: int, batch: int) -> Select:
    # Driven from the deadline rows of one rule, in case id order, so that an index on
    # deadlines (rule, status, case_id, due_date) answers it and stops after `batch` ids.
    return (
        select(DeadlineRow.case_id)
        .distinct()
        .join(Case, Case.id == DeadlineRow.case_id)
        .where(
            DeadlineRow.rule == lane.rule,
            DeadlineRow.status == "open",
            DeadlineRow.due_date < today,
            DeadlineRow.case_id > after,
            Case.id > after,  # the planner does not carry the bound across the join
            Case.kind == lane.kind,
            Case.state.in_(lane.states),
        )
        .order_by(DeadlineRow.case_id)
        .limit(batch)
    )


def candidates(session: Session, today: dt.date, after: int = 0, batch: int = BATCH) -> list[int]:
    """The next `batch` case ids above `after` that a system action may be waiting on: in a
    source state of a system action, with one of that action's `after` rules open and
    past due. Ascending, without repeats; empty when there are no more."""
    parts = [_lane_query(lane, today, after, batch) for lane in lanes()]
    if not parts:
        return []
    if len(parts) == 1:
        return list(session.scalars(parts[0]))
    # Each lane gives its own first `batch` ids, so the first `batch` of their union are
    # exactly the first `batch` of all: no id is skipped by the next page.
    merged = union_all(*(select(p.subquery().c.case_id) for p in parts)).subquery()
    return list(
        session.scalars(select(merged.c.case_id).distinct().order_by(merged.c.case_id).limit(batch))
    )


def sweep(session: Session, today: dt.date, law: Law, batch: int = BATCH) -> list[Taken]:
    """Take every system action whose guards hold today; commit each case on its own.

    Fetches `batch` candidate ids at a time, loads those cases with all their guards read in
    a fixed number of queries, and goes on after the last of them; each batch is let go
    before the next is loaded, so memory stays flat however many cases there are.
    """
    taken: list[Taken] = []
    last_id = 0
    while True:
        ids = candidates(session, today, after=last_id, batch=batch)
        if not ids:
            return taken
        for case in load(session, ids):
            taken.extend(_act(session, case, today, law))
        last_id = ids[-1]  # the batch's cases go with it: the identity map holds them weakly


def load(session: Session, ids: list[int]) -> list[Case]:
    """The cases with `ids`, each of its kind, with every collection the machines' facts
    read (casework/kinds), in one query per collection rather than a few per case."""
    every = with_polymorphic(Case, [ParticipationRequest, AssetTransferRequest])
    atr_case, pr_case = every.AssetTransferRequest, every.ParticipationRequest
    return list(
        session.scalars(
            select(every)
            .where(every.id.in_(ids))
            .order_by(every.id)
            .options(
                selectinload(every.extensions),
                selectinload(every.decisions),
                selectinload(pr_case.additional_authorities),
                selectinload(atr_case.representations),
                selectinload(atr_case.applications),
                selectinload(atr_case.repeat_of),
            )
        )
    )


def _act(session: Session, case: Case, today: dt.date, law: Law) -> list[Taken]:
    """Every system action the case's guards allow today, one after another."""
    taken: list[Taken] = []
    kind = KINDS[case.kind]
    while True:
        offers = [
            o
            for o in kind.workflow.offers(case.state, Party.SYSTEM, context_for(case, today, law))
            if o.allowed
        ]
        if not offers:
            return taken
        trigger = offers[0].trigger
        try:
            perform(session, case, trigger, {}, ACTOR, Party.SYSTEM, today=today, law=law)
            session.commit()
        except ServiceError as exc:  # a concurrent change: the next sweep looks again
            session.rollback()
            log.info("sweep skipped %s %s: %s", case.reference, trigger, exc.detail)
            return taken
        taken.append(Taken(case.reference, trigger))
