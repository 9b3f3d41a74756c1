"""The event log: every change to a case appends rows here, in the same transaction.

No code path updates or deletes an event: the ORM refuses it here, and the database
refuses it with a trigger (see the first migration). Each event is also chained to the one
before it in its case by a hash (workflows/audit.py), so a change made behind both, with
raw SQL, is found by `casework audit verify`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from casework.clock import now
from casework.models import Case, Event, User
from workflows import audit


@dataclass(frozen=True)
class Actor:
    """Who acted: a signed-in user, a member of the public, or the system itself."""

    label: str
    user: User | None = None

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(user.label, user)

    @classmethod
    def system(cls, what: str) -> Actor:
        return cls(f"system: {what}")


def jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def record(
    session: Session,
    case: Case | None,
    type_: str,
    actor: Actor,
    payload: dict[str, Any] | None = None,
    *,
    at: dt.datetime | None = None,
) -> Event:
    case_id = case.id if case is not None else None
    ev = Event(
        case_id=case_id,
        type=type_,
        occurred_at=at or now(),
        actor_user_id=actor.user.id if actor.user is not None else None,
        actor=actor.label,
        payload=jsonable(payload or {}),
    )
    ev.prev_hash = _chain_head(session, case_id)
    ev.hash = audit.hash_of(ev.prev_hash, ev)
    session.info.setdefault(_HEADS, {})[case_id] = ev.hash
    session.add(ev)
    return ev


# The latest hash of each chain this transaction has appended to.
_HEADS = "casework.event_chain_heads"


def _chain_head(session: Session, case_id: int | None) -> str:
    """The hash the next event of this chain follows. The first time a transaction appends
    to a chain it takes the chain's lock (PostgreSQL; SQLite's BEGIN IMMEDIATE already
    serialises writers), so two writers cannot both follow the same event."""
    heads = session.info.setdefault(_HEADS, {})
    if case_id in heads:
        return heads[case_id]
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:space, :key)"),
            {"space": _LOCK_SPACE, "key": case_id or 0},
        )
    latest = session.scalar(
        select(Event.hash)
        .where(Event.case_id.is_(None) if case_id is None else Event.case_id == case_id)
        .order_by(Event.id.desc())
        .limit(1)
    )
    return latest or audit.GENESIS


_LOCK_SPACE = 0x65766E74  # "evnt": the advisory-lock space of the event chains


@sa_event.listens_for(Session, "after_commit")
@sa_event.listens_for(Session, "after_soft_rollback")
def _forget_heads(session: Session, *_) -> None:
    """Another transaction may append next: read the head from the database again."""
    session.info.pop(_HEADS, None)


@sa_event.listens_for(Event, "before_update")
def _no_update(*_):
    raise RuntimeError("events are append-only")


@sa_event.listens_for(Event, "before_delete")
def _no_delete(*_):
    raise RuntimeError("events are append-only")
