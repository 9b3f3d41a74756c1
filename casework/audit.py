"""Checking the record: each chain of events recomputed from its first event, and the daily
anchors that fix every chain's latest hash as it stood that day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from casework.models import AuditAnchor, Case, Event
from workflows import audit

BATCH = 1000


@dataclass(frozen=True)
class Break:
    """The first place a chain or an anchor does not match what is stored."""

    where: str  # a case reference, "events with no case", or "anchor of <day>"
    event_id: int | None
    problem: str

    def __str__(self) -> str:
        at = f" at event {self.event_id}" if self.event_id is not None else ""
        return f"{self.where}{at}: {self.problem}"


def _events(session: Session, case_id: int | None) -> Iterator[Event]:
    last = 0
    chain = Event.case_id.is_(None) if case_id is None else Event.case_id == case_id
    while True:
        rows = session.scalars(
            select(Event)
            .where(chain, Event.id > last)
            .order_by(Event.id)
            .limit(BATCH)
            .execution_options(populate_existing=True)  # what is stored, not what was read
        ).all()
        if not rows:
            return
        last = rows[-1].id
        for ev in rows:
            yield ev
            session.expunge(ev)  # a long chain is read a batch at a time, not kept


def verify_chain(session: Session, case_id: int | None, where: str) -> Break | None:
    """Recompute one chain; the first event whose stored hashes do not follow is named."""
    prev = audit.GENESIS
    for ev in _events(session, case_id):
        if ev.prev_hash != prev:
            return Break(where, ev.id, "it does not follow the event before it (removed or moved)")
        if ev.hash != audit.hash_of(prev, ev):
            return Break(where, ev.id, f"its content has changed since it was recorded ({ev.type})")
        prev = ev.hash
    return None


def verify(session: Session, reference: str | None = None) -> list[Break]:
    """Every chain (or one case's), then every anchor; each break found, first per chain."""
    breaks: list[Break] = []
    if reference is not None:
        case = session.scalar(select(Case).where(Case.reference == reference))
        if case is None:
            raise LookupError(f"there is no case {reference}")
        found = verify_chain(session, case.id, reference)
        return [found] if found else []
    found = verify_chain(session, None, "events with no case")
    if found:
        breaks.append(found)
    for case_id, ref in session.execute(select(Case.id, Case.reference).order_by(Case.id)):
        found = verify_chain(session, case_id, ref)
        if found:
            breaks.append(found)
    for anchor in session.scalars(select(AuditAnchor).order_by(AuditAnchor.day)):
        digest, chains = _digest(session, anchor.up_to_event_id)
        if (digest, chains) != (anchor.digest, anchor.chains):
            breaks.append(
                Break(f"anchor of {anchor.day.isoformat()}", None, "the events it fixes differ")
            )
    return breaks


def _digest(session: Session, up_to: int) -> tuple[str, int]:
    """The anchor digest over each chain's latest hash among events up to `up_to`."""
    latest = (
        select(Event.case_id, func.max(Event.id).label("last"))
        .where(Event.id <= up_to)
        .group_by(Event.case_id)
        .subquery()
    )
    rows = session.execute(
        select(Event.case_id, Event.hash).join(latest, Event.id == latest.c.last)
    ).all()
    return audit.anchor_digest((r.case_id, r.hash or "") for r in rows), len(rows)


def anchor(session: Session, day: dt.date) -> AuditAnchor | None:
    """Today's anchor, made once: the digest of every chain's latest hash so far."""
    if session.scalar(select(AuditAnchor.id).where(AuditAnchor.day == day)) is not None:
        return None
    up_to = session.scalar(select(func.max(Event.id)))
    if up_to is None:
        return None
    digest, chains = _digest(session, up_to)
    row = AuditAnchor(day=day, up_to_event_id=up_to, chains=chains, digest=digest)
    session.add(row)
    try:
        session.commit()
    except IntegrityError:  # another sweep made today's anchor first
        session.rollback()
        return None
    return row
