"""Period arithmetic exactly as the counting table of docs/law.md, with the working shown.

Each function returns a `Computation`: the due date and the lines that explain how
it was reached, so that every stored deadline can say why it is what it is.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field

from workflows.calendars import SCOTTISH_BANK_HOLIDAYS, WorkingDays, scottish_bank_holiday

DAY = dt.timedelta(days=1)


def in_words(day: dt.date) -> str:
    """A date as a reader sees it: "Tuesday 21 April 2026"."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


@dataclass(frozen=True)
class Skipped:
    day: dt.date
    reason: str

    def __str__(self) -> str:
        """The day in words, with why it is not counted unless its weekday says so."""
        if self.reason == f"{self.day:%A}":
            return in_words(self.day)
        return f"{in_words(self.day)} ({_reason(self.day, self.reason)})"


def _why_not_working(day: dt.date, days: WorkingDays) -> str:
    """Why `day` is not a working day, as the rest of a sentence."""
    reason = days.non_working_reason(day) or ""
    if reason == f"{day:%A}":
        return f"it is a {reason}"
    return _reason(day, reason)


def _reason(day: dt.date, reason: str) -> str:
    """A reason without what the date in words already says ("25 December, excluded by
    ..."), and without brackets inside brackets ("Scottish bank holiday (Good Friday)")."""
    return _unnested(reason.removeprefix(f"{day.day} {day:%B}, "))


def _unnested(text: str) -> str:
    """'Boxing Day (observed)' as 'Boxing Day, observed', to sit inside brackets."""
    return re.sub(r" \((.*)\)$", r", \1", text)


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
                    counted_holidays.append(f"{in_words(day)} ({_unnested(name)})")
            if count == n:
                break
        else:
            skipped.append(Skipped(day, reason))
        day += DAY
    if n == 1 and days.is_working_day(start):
        first = "That day is a working day, so it is day 1 and the last day"
    elif days.is_working_day(start):
        first = f"That day is a working day, so it is day 1; day {n} is {in_words(day)}"
    else:
        first = (
            f"That day is not a working day ({_why_not_working(start, days)}), so day 1 is "
            f"{in_words(next_working_day(start, days))}"
        )
        first += "" if n == 1 else f"; day {n} is {in_words(day)}"
    if days.excludes_bank_holidays:
        definition = f"Working days, on the calendar of {days.citation}: {days.summary}."
    else:
        definition = f"Working days, as {days.citation} defines them: {days.summary}."
    lines = [
        f"{_plural(n, 'working day')} beginning with {in_words(start)}. {first}.",
        definition,
        "Days not counted: " + (", ".join(str(s) for s in skipped) if skipped else "none") + ".",
    ]
    if counted_holidays:
        lines.append(
            f"Bank holidays counted as working days, because {days.citation} does not "
            "exclude them: " + ", ".join(counted_holidays) + "."
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
    if n == 1:
        ends = "so the period is that day alone"
    else:
        ends = f"so the period ends {_plural(n - 1, 'day')} later, on {in_words(due)}"
    lines = [
        f"{_plural(n, 'day')} beginning with {in_words(start)}. That day is day 1, {ends}.",
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
    lines = [f"{_plural(months, 'month')} after {in_words(start)}."]
    if due.day != start.day:
        lines.append(
            f"{due:%B %Y} has no day {start.day}, so the period ends on the last day of "
            f"that month, {in_words(due)}."
        )
    else:
        lines.append(f"The corresponding date {_plural(months, 'month')} later is {in_words(due)}.")
    lines.extend(_not_moved(due))
    return Computation(start, due, tuple(lines))


# Part 5 came into force on 23 January 2017 (SSI 2016/363 art. 3(b)); the first asset
# transfer reports covered everything from then to 31 March 2018 (asset transfer guidance
# for relevant authorities, para 21.4). Part 3 came into force on 1 April 2017.
PART_5_COMMENCED = dt.date(2017, 1, 23)
FIRST_ATR_YEAR_END = dt.date(2018, 3, 31)


def reporting_year(day: dt.date, *, asset_transfer: bool = False) -> tuple[dt.date, dt.date]:
    """The reporting year (ss.32(4), 95(4): a year beginning on 1 April) containing `day`.
    The first asset transfer year ran from commencement to 31 March 2018: every day up to
    then is in it, and a day before 1 April 2017 can only be in it."""
    if day < PART_5_COMMENCED:
        raise ValueError(f"{in_words(day)} is before Part 5 of the Act came into force")
    if day <= FIRST_ATR_YEAR_END and (asset_transfer or day < dt.date(2017, 4, 1)):
        return PART_5_COMMENCED, FIRST_ATR_YEAR_END
    start = dt.date(day.year if day.month >= 4 else day.year - 1, 4, 1)
    return start, dt.date(start.year + 1, 3, 31)


def annual_report_due(day_in_year: dt.date) -> Computation:
    """30 June after the reporting year that contains `day_in_year`."""
    year_start, year_end = reporting_year(day_in_year)
    due = dt.date(year_end.year, 6, 30)
    lines = [
        f"{in_words(day_in_year)} falls in the reporting year {_day_month_year(year_start)} "
        f"to {_day_month_year(year_end)}. The report is due by 30 June after that year ends: "
        f"{in_words(due)}.",
        *_not_moved(due),
    ]
    if year_start == PART_5_COMMENCED:
        lines.append(
            "This is the first asset transfer reporting year, from the day Part 5 of the Act "
            "came into force to 31 March 2018 (asset transfer guidance, para 21.4)."
        )
    return Computation(day_in_year, due, tuple(lines))


def _day_month_year(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _not_moved(due: dt.date) -> list[str]:
    if due.weekday() >= 5:
        return [
            f"{in_words(due)} falls at a weekend; the date is not moved, because the law "
            "does not say that it should be."
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
