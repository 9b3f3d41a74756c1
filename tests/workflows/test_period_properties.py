"""Property tests for the period arithmetic, under both working-day definitions."""

from __future__ import annotations

import calendar
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflows.calendars import SCOTTISH_BANK_HOLIDAYS, SSI_2017_39, WorkingDays
from workflows.periods import (
    add_months,
    days_beginning_with,
    months_after,
    working_days_beginning_with,
)

DAY = dt.timedelta(days=1)
DEFINITIONS = [SSI_2017_39, SCOTTISH_BANK_HOLIDAYS]
IDS = [d.id for d in DEFINITIONS]

dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2060, 12, 31))
lengths = st.integers(min_value=1, max_value=120)
SETTINGS = settings(max_examples=300, deadline=None, database=None)


def count_working_days(first: dt.date, last: dt.date, days: WorkingDays) -> int:
    """Working days from `first` to `last`, both included, counted one day at a time."""
    n, day = 0, first
    while day <= last:
        if days.is_working_day(day):
            n += 1
        day += DAY
    return n


def reg_2_working_day(day: dt.date) -> bool:
    """SSI 2017/39 reg 2, restated independently of the code under test."""
    return day.weekday() < 5 and (day.month, day.day) not in {
        (12, 25),
        (12, 26),
        (1, 1),
        (1, 2),
    }


@pytest.mark.parametrize("days", DEFINITIONS, ids=IDS)
@SETTINGS
@given(start=dates, n=lengths)
def test_result_is_a_working_day(days, start, n):
    assert days.is_working_day(working_days_beginning_with(start, n, days).due)


@pytest.mark.parametrize("days", DEFINITIONS, ids=IDS)
@SETTINGS
@given(start=dates, n=lengths)
def test_exactly_n_working_days_from_start_to_result_inclusive(days, start, n):
    due = working_days_beginning_with(start, n, days).due
    assert due >= start
    assert count_working_days(start, due, days) == n
    # ... and the day before the result has only n - 1 of them: the result is the Nth.
    assert count_working_days(start, due - DAY, days) == n - 1


@SETTINGS
@given(start=dates, n=lengths)
def test_ssi_2017_39_counts_match_an_independent_restatement_of_reg_2(start, n):
    due = working_days_beginning_with(start, n, SSI_2017_39).due
    assert reg_2_working_day(due)
    counted = sum(reg_2_working_day(start + i * DAY) for i in range((due - start).days + 1))
    assert counted == n


@pytest.mark.parametrize("days", DEFINITIONS, ids=IDS)
@SETTINGS
@given(start=dates, later_by=st.integers(min_value=0, max_value=60), n=lengths)
def test_a_later_start_never_gives_an_earlier_result(days, start, later_by, n):
    later = start + later_by * DAY
    assert (
        working_days_beginning_with(later, n, days).due
        >= working_days_beginning_with(start, n, days).due
    )


@pytest.mark.parametrize("days", DEFINITIONS, ids=IDS)
@SETTINGS
@given(start=dates, n=lengths)
def test_one_more_working_day_gives_a_strictly_later_result(days, start, n):
    assert (
        working_days_beginning_with(start, n + 1, days).due
        > working_days_beginning_with(start, n, days).due
    )


@pytest.mark.parametrize("days", DEFINITIONS, ids=IDS)
@SETTINGS
@given(start=dates, n=lengths)
def test_skipped_days_are_exactly_the_non_working_days_in_the_period(days, start, n):
    result = working_days_beginning_with(start, n, days)
    expected = []
    day = start
    while day <= result.due:
        if not days.is_working_day(day):
            expected.append(day)
        day += DAY
    assert [s.day for s in result.skipped] == expected
    assert all(s.reason == days.non_working_reason(s.day) for s in result.skipped)


@SETTINGS
@given(start=dates, n=st.integers(min_value=1, max_value=400))
def test_days_beginning_with_is_start_plus_n_minus_one(start, n):
    result = days_beginning_with(start, n)
    assert result.due - start == dt.timedelta(days=n - 1)
    assert result.start == start


@SETTINGS
@given(start=dates, months=st.integers(min_value=1, max_value=60))
def test_months_after_lands_in_the_right_month_on_the_right_day(start, months):
    due = months_after(start, months).due
    assert due == add_months(start, months)
    total = start.year * 12 + (start.month - 1) + months
    assert (due.year, due.month) == (total // 12, total % 12 + 1)
    last = calendar.monthrange(due.year, due.month)[1]
    assert due.day == min(start.day, last)


@SETTINGS
@given(start=dates, months=st.integers(min_value=0, max_value=60))
def test_add_months_lands_in_the_right_month_on_the_right_day(start, months):
    due = add_months(start, months)
    total = start.year * 12 + (start.month - 1) + months
    assert (due.year, due.month) == (total // 12, total % 12 + 1)
    assert due.day == min(start.day, calendar.monthrange(due.year, due.month)[1])


@SETTINGS
@given(start=dates, months=st.integers(min_value=1, max_value=60))
def test_months_after_explains_a_clipped_date(start, months):
    result = months_after(start, months)
    clipped = result.due.day != start.day
    assert any("has no day" in line for line in result.lines) == clipped
    assert any("not moved" in line for line in result.lines) == (result.due.weekday() >= 5)
