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
    extras: dict[str, Any] = field(default_factory=dict)


def services() -> Services:
    return current_app.extensions["casework"]


def db() -> Session:
    if "db" not in g:
        g.db = services().sessions()
    return g.db


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
    session = g.pop("db", None)
    if session is not None:
        session.close()
