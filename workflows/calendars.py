"""Working-day definitions.

Statutory periods count working days as each instrument defines them, which is
not the same as a calendar of bank holidays. SSI 2017/39 reg 2 excludes only
weekends, 25-26 December and 1-2 January, so Good Friday and Easter Monday are
working days for participation requests. Bank-holiday calendars are kept for the
service-level targets an authority sets itself (such as internal reminders).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import holidays

_WEEKEND = {5: "Saturday", 6: "Sunday"}


@lru_cache(maxsize=64)
def _scottish_bank_holidays(year: int) -> dict[dt.date, str]:
    return dict(holidays.country_holidays("GB", subdiv="SCT", years=year).items())


def scottish_bank_holiday(day: dt.date) -> str | None:
    """The name of the Scottish bank holiday on `day`, if there is one."""
    return _scottish_bank_holidays(day.year).get(day)


@dataclass(frozen=True)
class WorkingDays:
    """One definition of "working day", with the text that defines it."""

    id: str
    citation: str
    summary: str
    excludes_bank_holidays: bool = False

    def non_working_reason(self, day: dt.date) -> str | None:
        """Why `day` is not a working day, or None when it is one."""
        if day.weekday() in _WEEKEND:
            return _WEEKEND[day.weekday()]
        if not self.excludes_bank_holidays:
            if (day.month, day.day) in {(12, 25), (12, 26), (1, 1), (1, 2)}:
                return f"{day.day} {day:%B}, excluded by {self.citation}"
            return None
        name = scottish_bank_holiday(day)
        if name:
            return f"Scottish bank holiday ({name})"
        return None

    def is_working_day(self, day: dt.date) -> bool:
        return self.non_working_reason(day) is None


SSI_2017_39 = WorkingDays(
    id="ssi_2017_39",
    citation="SSI 2017/39 reg 2",
    summary=(
        "every day except Saturdays, Sundays, 25 and 26 December, and 1 and 2 January; "
        "other bank holidays are working days"
    ),
)

SCOTTISH_BANK_HOLIDAYS = WorkingDays(
    id="scottish_bank_holidays",
    citation="Scottish bank holidays (service-level targets, not statute)",
    summary="every day except Saturdays, Sundays and Scottish bank holidays",
    excludes_bank_holidays=True,
)

DEFINITIONS: dict[str, WorkingDays] = {d.id: d for d in (SSI_2017_39, SCOTTISH_BANK_HOLIDAYS)}
