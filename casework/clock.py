"""The time, as the law sees it: dates are Scottish dates (Europe/London).

Statutory days turn over at midnight in Scotland, not in UTC, so `today()` is taken in
Europe/London. A `Clock` can be fixed for tests and demonstrations.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


class Clock:
    def __init__(self, fixed: dt.datetime | None = None):
        self.fixed = fixed

    def now(self) -> dt.datetime:
        return self.fixed if self.fixed is not None else dt.datetime.now(dt.UTC)

    def today(self) -> dt.date:
        return self.now().astimezone(LONDON).date()


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
