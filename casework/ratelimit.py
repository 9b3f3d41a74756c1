"""Limits on the public forms, per client address, kept in the database.

The same table as the sign-in limit (`SignInAttempt`, with its own `purpose`) holds one row
for each thing counted, so the limit holds across every web process, on PostgreSQL and on
SQLite alike. The client address is `casework.web.security.client_ip()`, which honours
TRUSTED_PROXIES as sign-in does.

A caller checks `retry_after()` before doing the work, and `count()`s the work in the
same transaction as the work itself, so a refused request stores nothing and an accepted one
is never dropped.
"""

from __future__ import annotations

import datetime as dt
import math

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.clock import now
from casework.errors import ServiceError
from casework.models import SignInAttempt

REPRESENTATION = "representation"
HOUR = dt.timedelta(hours=1)


class TooManyRequests(ServiceError):
    status = 429
    title = "Too Many Requests"

    def __init__(self, detail: str, retry_after: int):
        super().__init__(detail, retry_after=retry_after)
        self.headers = {"Retry-After": str(retry_after)}


def retry_after(
    db: Session, purpose: str, ip: str, limit: int, window: dt.timedelta = HOUR
) -> int | None:
    """Seconds until this address may try again, when it has used up `limit` within the
    window for this purpose; None while it may go ahead."""
    at = now()
    nth_newest = db.scalar(
        select(SignInAttempt.attempted_at)
        .where(
            SignInAttempt.purpose == purpose,
            SignInAttempt.ip == ip,
            SignInAttempt.attempted_at >= at - window,
        )
        .order_by(SignInAttempt.attempted_at.desc())
        .offset(limit - 1)
        .limit(1)
    )
    if nth_newest is None:
        return None
    return max(1, math.ceil((nth_newest + window - at).total_seconds()))


def count(db: Session, purpose: str, ip: str) -> None:
    """Count one more towards this address's limit; committed with the caller's work."""
    db.add(SignInAttempt(email="", ip=ip, succeeded=True, purpose=purpose))


def wait_in_words(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"
