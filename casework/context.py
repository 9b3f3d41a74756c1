"""Request-scoped access to the services: the database session, the user, the clock."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, g
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from casework.clock import Clock
from casework.config import Settings
from casework.errors import Conflict
from casework.models import User
from workflows.machine import Law


@dataclass
class Services:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    clock: Clock
    law: Law
    # The public read side's sessions (DATABASE_READ_URL); None reads the primary.
    read_sessions: sessionmaker[Session] | None = None
    extras: dict[str, Any] = field(default_factory=dict)


def services() -> Services:
    return current_app.extensions["casework"]


def db() -> Session:
    if "db" not in g:
        g.db = services().sessions()
    return g.db


def read_db() -> Session:
    """The session for the public read side: the replica where one is configured (it may
    lag the primary by moments), else the request's own session."""
    if services().read_sessions is None:
        return db()
    if "read_db" not in g:
        g.read_db = services().read_sessions()
    return g.read_db


def current_user() -> User | None:
    return g.get("user")


def today() -> dt.date:
    return services().clock.today()


def law() -> Law:
    return services().law


def commit() -> None:
    """Commit the request's work; a concurrent edit or duplicate becomes a 409."""
    session = db()
    try:
        session.commit()
    except (StaleDataError, IntegrityError) as exc:
        session.rollback()
        raise Conflict(
            "This conflicts with a change made at the same moment; reload and try again."
        ) from exc


def close_session(_exc: BaseException | None = None) -> None:
    for name in ("db", "read_db"):
        session = g.pop(name, None)
        if session is not None:
            session.close()
