"""Period arithmetic exactly as STATUTE.md's counting table, with the working shown.

Each function returns a `Computation`: the due date and the lines that explain how
it was reached, so that every stored deadline can say why it is what it is.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

from workflows.calendars import SCOTTISH_BANK_HOLIDAYS, WorkingDays, scottish_bank_holiday

DAY = dt.timedelta(days=1)


def iso(day: dt.date) -> str:
    """A date as the explanation shows it: weekday and ISO date."""
    return f"{day:%A} {day.isoformat()}"


@dataclass(frozen=True)
class Skipped:
    day: dt.date
    reason: str

    def __str__(self) -> str:
        return f"{self.day.isoformat()} ({self.reason})"


@dataclass(frozen=True)
class Computation:
    """A worked-out date and the lines that explain it."""

    start: dt.date
    due: dt.date
    lines: tuple[str, ...]
    skipped: tuple[Skipped, ...] = field(default=())


def working_days_beginning_with(start: dt.date, n: int, days: WorkingDays) -> Computation:
    """The Nth working day of a period of N working days beginning with `start`.

    `start` is day 1 if it is a working day; otherwise day 1 is the next working day.
    """
    if n < 1:
        raise ValueError("a period has at least one day")
    skipped: list[Skipped] = []
    counted_holidays: list[str] = []
    day = start
    count = 0
    while True:
        reason = days.non_working_reason(day)
        if reason is None:
            count += 1
            if not days.excludes_bank_holidays:
                name = scottish_bank_holiday(day)
                if name:
                    counted_holidays.append(f"{day.isoformat()} ({name})")
            if count == n:
                break
        else:
            skipped.append(Skipped(day, reason))
        day += DAY
    if days.is_working_day(start):
        first = f"{start.isoformat()} is a working day, so it is day 1"
    else:
        first_working = next_working_day(start, days)
        first = (
            f"{start.isoformat()} is not a working day ({days.non_working_reason(start)}), "
            f"so day 1 is {iso(first_working)}"
        )
    lines = [
        f"counting: {n} working days beginning with {iso(start)}; {first}; "
        f"the period ends on working day {n}, {iso(day)}",
        f"working days ({days.citation}): {days.summary}",
        "skipped: " + (", ".join(str(s) for s in skipped) if skipped else "none"),
    ]
    if counted_holidays:
        lines.append(
            "counted as working days: "
            + ", ".join(counted_holidays)
            + f"; {days.citation} does not exclude these bank holidays"
        )
    return Computation(start, day, tuple(lines), tuple(skipped))


def next_working_day(day: dt.date, days: WorkingDays) -> dt.date:
    """`day` itself if it is a working day, otherwise the first working day after it."""
    while not days.is_working_day(day):
        day += DAY
    return day


def days_beginning_with(start: dt.date, n: int) -> Computation:
    """The last of N calendar days of which `start` is day 1: start + (N - 1)."""
    if n < 1:
        raise ValueError("a period has at least one day")
    due = start + (n - 1) * DAY
    lines = [
        f"counting: {n} days beginning with {iso(start)}; {start.isoformat()} is day 1, "
        f"so the period ends on {start.isoformat()} + {n - 1} days = {iso(due)}",
        *_not_moved(due),
    ]
    return Computation(start, due, tuple(lines))


def add_months(start: dt.date, months: int) -> dt.date:
    """The corresponding date `months` later, or that month's last day if it has none."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(start.day, last))


def months_after(start: dt.date, months: int) -> Computation:
    """The corresponding date N months after `start` (its month's last day if none)."""
    if months < 1:
        raise ValueError("a period has at least one month")
    due = add_months(start, months)
    lines = [f"counting: {months} months after {iso(start)}"]
    if due.day != start.day:
        lines.append(
            f"{due:%B %Y} has no day {start.day}, so the period ends on the last day of "
            f"that month, {iso(due)}"
        )
    else:
        lines.append(f"the corresponding date {months} months later is {iso(due)}")
    lines.extend(_not_moved(due))
    return Computation(start, due, tuple(lines))


def annual_report_due(day_in_year: dt.date) -> Computation:
    """30 June after the reporting year (1 April to 31 March) that contains `day_in_year`."""
    year_start = dt.date(day_in_year.year if day_in_year.month >= 4 else day_in_year.year - 1, 4, 1)
    year_end = dt.date(year_start.year + 1, 3, 31)
    due = dt.date(year_end.year, 6, 30)
    lines = [
        f"counting: {day_in_year.isoformat()} falls in the reporting year "
        f"{year_start.isoformat()} to {year_end.isoformat()}; the report is due by 30 June "
        f"after that year ends, {iso(due)}",
        *_not_moved(due),
    ]
    return Computation(day_in_year, due, tuple(lines))


def _not_moved(due: dt.date) -> list[str]:
    if due.weekday() >= 5:
        return [
            f"{due.isoformat()} is a {due:%A}; the date is not moved, as the law does not say so"
        ]
    return []


def working_days_before(
    due: dt.date, n: int, days: WorkingDays = SCOTTISH_BANK_HOLIDAYS
) -> dt.date:
    """The working day that is `n` working days before `due` (for reminders, not statute)."""
    day = due
    count = 0
    while count < n:
        day -= DAY
        if days.is_working_day(day):
            count += 1
    return day
