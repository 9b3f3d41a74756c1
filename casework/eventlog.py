"""The event log: every change to a case appends rows here, in the same transaction.

No code path updates or deletes an event: the ORM refuses it here, and the database
refuses it with a trigger (see the first migration).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from casework.clock import now
from casework.models import Case, Event, User


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
    ev = Event(
        case_id=case.id if case is not None else None,
        type=type_,
        occurred_at=at or now(),
        actor_user_id=actor.user.id if actor.user is not None else None,
        actor=actor.label,
        payload=jsonable(payload or {}),
    )
    session.add(ev)
    return ev


@sa_event.listens_for(Event, "before_update")
def _no_update(*_):
    raise RuntimeError("events are append-only")


@sa_event.listens_for(Event, "before_delete")
def _no_delete(*_):
    raise RuntimeError("events are append-only")
