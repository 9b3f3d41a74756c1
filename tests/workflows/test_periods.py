"""Worked examples of the counting rules in the "Counting time" table of docs/law.md.

Every expected date below was counted by hand from the law (the comment beside each
example shows the count); none was copied from the program's output.

Calendar used for the counts (Monday first):

    April 2026: Wed 1, Thu 2, Fri 3 (Good Friday), Sat 4, Sun 5, Mon 6 (Easter Monday) ...
    Dec 2025:   Thu 25, Fri 26, Sat 27, Sun 28, Mon 29; Jan 2026: Thu 1, Fri 2, Mon 5
    Dec 2026:   Fri 25, Sat 26, Sun 27, Mon 28 (Boxing Day substitute bank holiday)
    Jan 2027:   Fri 1, Sat 2, Sun 3, Mon 4 (2 January substitute bank holiday)
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from workflows.calendars import SCOTTISH_BANK_HOLIDAYS, SSI_2017_39
from workflows.periods import (
    add_months,
    annual_report_due,
    days_beginning_with,
    months_after,
    working_days_beginning_with,
)

D = dt.date


# --- "N working days beginning with D" under SSI 2017/39 reg 2 -----------------------------


def test_statute_example_15_working_days_beginning_wed_2026_04_01_ends_tue_2026_04_21():
    # Day 1 Wed 1 Apr, 2 Thu 2, 3 Fri 3 (Good Friday, a working day under reg 2),
    # skip Sat 4 / Sun 5, 4 Mon 6 (Easter Monday, a working day), 5 Tue 7, 6 Wed 8,
    # 7 Thu 9, 8 Fri 10, skip 11/12, 9 Mon 13, 10 Tue 14, 11 Wed 15, 12 Thu 16,
    # 13 Fri 17, skip 18/19, 14 Mon 20, 15 Tue 21.
    result = working_days_beginning_with(D(2026, 4, 1), 15, SSI_2017_39)
    assert result.start == D(2026, 4, 1)
    assert result.due == D(2026, 4, 21)
    assert [s.day for s in result.skipped] == [
        D(2026, 4, 4),
        D(2026, 4, 5),
        D(2026, 4, 11),
        D(2026, 4, 12),
        D(2026, 4, 18),
        D(2026, 4, 19),
    ]


def test_good_friday_and_easter_monday_are_working_days_under_ssi_2017_39():
    assert SSI_2017_39.is_working_day(D(2026, 4, 3))  # Good Friday
    assert SSI_2017_39.is_working_day(D(2026, 4, 6))  # Easter Monday
    assert SSI_2017_39.is_working_day(D(2026, 5, 4))  # May Day bank holiday
    assert SSI_2017_39.is_working_day(D(2026, 8, 3))  # Summer bank holiday (Scotland)
    assert SSI_2017_39.is_working_day(D(2026, 11, 30))  # St Andrew's Day (a Monday)


@pytest.mark.parametrize(
    "day",
    [D(2025, 12, 25), D(2025, 12, 26), D(2026, 1, 1), D(2026, 1, 2)],
    ids=["25-dec", "26-dec", "1-jan", "2-jan"],
)
def test_ssi_2017_39_excludes_25_26_december_and_1_2_january_on_weekdays(day):
    # In 2025-26 all four fall on weekdays (Thu, Fri, Thu, Fri), so only reg 2 excludes them.
    assert day.weekday() < 5
    assert not SSI_2017_39.is_working_day(day)
    assert SSI_2017_39.non_working_reason(day) == (
        f"{day.day} {day:%B}, excluded by SSI 2017/39 reg 2"
    )


def test_period_crossing_christmas_and_new_year_2025_skips_the_four_reg_2_days():
    # 10 working days beginning with Mon 2025-12-22:
    # 1 Mon 22, 2 Tue 23, 3 Wed 24, skip Thu 25 (25 Dec), Fri 26 (26 Dec), Sat 27, Sun 28,
    # 4 Mon 29, 5 Tue 30, 6 Wed 31, skip Thu 1 Jan, Fri 2 Jan, Sat 3, Sun 4,
    # 7 Mon 5, 8 Tue 6, 9 Wed 7, 10 Thu 8.
    result = working_days_beginning_with(D(2025, 12, 22), 10, SSI_2017_39)
    assert result.due == D(2026, 1, 8)
    assert [(s.day, s.reason) for s in result.skipped] == [
        (D(2025, 12, 25), "25 December, excluded by SSI 2017/39 reg 2"),
        (D(2025, 12, 26), "26 December, excluded by SSI 2017/39 reg 2"),
        (D(2025, 12, 27), "Saturday"),
        (D(2025, 12, 28), "Sunday"),
        (D(2026, 1, 1), "1 January, excluded by SSI 2017/39 reg 2"),
        (D(2026, 1, 2), "2 January, excluded by SSI 2017/39 reg 2"),
        (D(2026, 1, 3), "Saturday"),
        (D(2026, 1, 4), "Sunday"),
    ]


def test_period_crossing_christmas_2026_counts_the_substitute_bank_holidays():
    # 10 working days beginning with Mon 2026-12-21:
    # 1 Mon 21, 2 Tue 22, 3 Wed 23, 4 Thu 24, skip Fri 25 (25 Dec), Sat 26, Sun 27,
    # 5 Mon 28 (Boxing Day substitute: a working day under reg 2), 6 Tue 29, 7 Wed 30,
    # 8 Thu 31, skip Fri 1 Jan, Sat 2, Sun 3,
    # 9 Mon 4 Jan (2 January substitute: a working day under reg 2), 10 Tue 5.
    result = working_days_beginning_with(D(2026, 12, 21), 10, SSI_2017_39)
    assert result.due == D(2027, 1, 5)
    skipped = [s.day for s in result.skipped]
    assert skipped == [
        D(2026, 12, 25),
        D(2026, 12, 26),
        D(2026, 12, 27),
        D(2027, 1, 1),
        D(2027, 1, 2),
        D(2027, 1, 3),
    ]
    assert D(2026, 12, 28) not in skipped
    assert D(2027, 1, 4) not in skipped
    assert SSI_2017_39.is_working_day(D(2026, 12, 28))
    assert SSI_2017_39.is_working_day(D(2027, 1, 4))


def test_substitute_bank_holidays_are_working_days_so_a_period_can_end_on_one():
    # 5 working days beginning with Tue 2026-12-22:
    # 1 Tue 22, 2 Wed 23, 3 Thu 24, skip Fri 25, Sat 26, Sun 27, 4 Mon 28, 5 Tue 29.
    assert working_days_beginning_with(D(2026, 12, 22), 5, SSI_2017_39).due == D(2026, 12, 29)
    # 4 working days beginning with Tue 2026-12-22 ends on the substitute day itself.
    assert working_days_beginning_with(D(2026, 12, 22), 4, SSI_2017_39).due == D(2026, 12, 28)
    # 2 working days beginning with Thu 2026-12-31:
    # 1 Thu 31, skip Fri 1 Jan, Sat 2, Sun 3, 2 Mon 4 Jan (substitute, a working day).
    assert working_days_beginning_with(D(2026, 12, 31), 2, SSI_2017_39).due == D(2027, 1, 4)


def test_start_on_a_saturday_makes_the_next_monday_day_1():
    # 5 working days beginning with Sat 2026-04-04:
    # skip Sat 4, Sun 5; 1 Mon 6 (Easter Monday, a working day), 2 Tue 7, 3 Wed 8,
    # 4 Thu 9, 5 Fri 10.
    result = working_days_beginning_with(D(2026, 4, 4), 5, SSI_2017_39)
    assert result.due == D(2026, 4, 10)
    assert [s.day for s in result.skipped] == [D(2026, 4, 4), D(2026, 4, 5)]
    # A single working day beginning with a Saturday is the Monday.
    assert working_days_beginning_with(D(2026, 4, 4), 1, SSI_2017_39).due == D(2026, 4, 6)
    # Starting on the Sunday gives the same day 1.
    assert working_days_beginning_with(D(2026, 4, 5), 5, SSI_2017_39).due == D(2026, 4, 10)


def test_start_on_25_december_makes_the_next_working_day_day_1():
    # 5 working days beginning with Thu 2025-12-25:
    # skip Thu 25 (25 Dec), Fri 26 (26 Dec), Sat 27, Sun 28;
    # 1 Mon 29, 2 Tue 30, 3 Wed 31, skip Thu 1 Jan, Fri 2 Jan, Sat 3, Sun 4;
    # 4 Mon 5, 5 Tue 6.
    result = working_days_beginning_with(D(2025, 12, 25), 5, SSI_2017_39)
    assert result.due == D(2026, 1, 6)
    assert result.skipped[0].day == D(2025, 12, 25)
    assert result.skipped[0].reason == "25 December, excluded by SSI 2017/39 reg 2"
    # 1 working day beginning with 25 December 2025 is Mon 29 December.
    assert working_days_beginning_with(D(2025, 12, 25), 1, SSI_2017_39).due == D(2025, 12, 29)


def test_start_on_25_december_2026_a_friday():
    # 3 working days beginning with Fri 2026-12-25:
    # skip Fri 25, Sat 26, Sun 27; 1 Mon 28, 2 Tue 29, 3 Wed 30.
    result = working_days_beginning_with(D(2026, 12, 25), 3, SSI_2017_39)
    assert result.due == D(2026, 12, 30)


def test_one_working_day_beginning_with_a_working_day_is_that_day():
    assert working_days_beginning_with(D(2026, 4, 1), 1, SSI_2017_39).due == D(2026, 4, 1)
    # Good Friday is a working day under reg 2, so it is its own day 1.
    assert working_days_beginning_with(D(2026, 4, 3), 1, SSI_2017_39).due == D(2026, 4, 3)


@pytest.mark.parametrize("n", [0, -1])
def test_a_period_of_fewer_than_one_working_day_is_refused(n):
    with pytest.raises(ValueError):
        working_days_beginning_with(D(2026, 4, 1), n, SSI_2017_39)


# --- the Scottish bank-holiday definition differs ------------------------------------------


def test_scottish_bank_holidays_definition_skips_good_friday():
    assert not SCOTTISH_BANK_HOLIDAYS.is_working_day(D(2026, 4, 3))
    assert SCOTTISH_BANK_HOLIDAYS.non_working_reason(D(2026, 4, 3)) == (
        "Scottish bank holiday (Good Friday)"
    )
    # Easter Monday is not a bank holiday in Scotland.
    assert SCOTTISH_BANK_HOLIDAYS.is_working_day(D(2026, 4, 6))


def test_15_working_days_from_2026_04_01_end_a_day_later_on_scottish_bank_holidays():
    # 1 Wed 1, 2 Thu 2, skip Fri 3 (Good Friday), Sat 4, Sun 5, 3 Mon 6, 4 Tue 7, 5 Wed 8,
    # 6 Thu 9, 7 Fri 10, skip 11/12, 8 Mon 13, 9 Tue 14, 10 Wed 15, 11 Thu 16, 12 Fri 17,
    # skip 18/19, 13 Mon 20, 14 Tue 21, 15 Wed 22.
    bank = working_days_beginning_with(D(2026, 4, 1), 15, SCOTTISH_BANK_HOLIDAYS)
    statutory = working_days_beginning_with(D(2026, 4, 1), 15, SSI_2017_39)
    assert bank.due == D(2026, 4, 22)
    assert statutory.due == D(2026, 4, 21)
    assert D(2026, 4, 3) in [s.day for s in bank.skipped]
    assert D(2026, 4, 3) not in [s.day for s in statutory.skipped]


def test_scottish_bank_holidays_definition_skips_the_substitute_days():
    # 10 working days beginning with Mon 2026-12-21 on Scottish bank holidays:
    # 1 Mon 21, 2 Tue 22, 3 Wed 23, 4 Thu 24, skip Fri 25, Sat 26, Sun 27,
    # Mon 28 (Boxing Day observed), 5 Tue 29, 6 Wed 30, 7 Thu 31, skip Fri 1, Sat 2, Sun 3,
    # Mon 4 Jan (2 January observed), 8 Tue 5, 9 Wed 6, 10 Thu 7.
    result = working_days_beginning_with(D(2026, 12, 21), 10, SCOTTISH_BANK_HOLIDAYS)
    assert result.due == D(2027, 1, 7)
    skipped = [s.day for s in result.skipped]
    assert D(2026, 12, 28) in skipped
    assert D(2027, 1, 4) in skipped


# --- "N days beginning with D" -------------------------------------------------------------


def test_28_days_beginning_with_2026_02_10_ends_2026_03_09():
    # 10 Feb is day 1; 10..28 Feb is 19 days; 1..9 Mar is 9 more: day 28 is 9 Mar.
    result = days_beginning_with(D(2026, 2, 10), 28)
    assert result.due == D(2026, 3, 9)
    assert result.start == D(2026, 2, 10)


def test_90_days_beginning_with_2026_01_05_ends_2026_04_04():
    # 5..31 Jan = 27 days; + 28 (Feb) = 55; + 31 (Mar) = 86; 1..4 Apr = 90: Sat 4 April.
    assert days_beginning_with(D(2026, 1, 5), 90).due == D(2026, 4, 4)


def test_one_day_beginning_with_d_is_d():
    assert days_beginning_with(D(2026, 2, 10), 1).due == D(2026, 2, 10)


def test_a_days_period_ending_on_a_weekend_is_not_moved():
    # 28 days beginning with Sun 2026-02-08: 8..28 Feb = 21 days, 1..7 Mar = 7: Sat 7 Mar.
    result = days_beginning_with(D(2026, 2, 8), 28)
    assert result.due == D(2026, 3, 7)
    assert result.due.weekday() == 5
    assert result.lines[-1] == (
        "Saturday 7 March 2026 falls at a weekend; the date is not moved, because the law "
        "does not say that it should be."
    )


def test_a_days_period_ignores_christmas_and_new_year():
    # 14 days beginning with Mon 2025-12-22: 22..31 Dec = 10 days, 1..4 Jan = 4: Sun 4 Jan.
    result = days_beginning_with(D(2025, 12, 22), 14)
    assert result.due == D(2026, 1, 4)
    assert "Sunday 4 January 2026 falls at a weekend; the date is not moved" in result.lines[-1]


def test_a_days_period_on_a_weekday_has_no_not_moved_line():
    result = days_beginning_with(D(2026, 2, 10), 28)  # ends Mon 9 Mar
    assert not any("not moved" in line for line in result.lines)


# --- "N months after D" --------------------------------------------------------------------


def test_6_months_after_2026_08_31_ends_2027_02_28():
    # August + 6 = February 2027, which has 28 days (2027 is not a leap year): 28 Feb.
    result = months_after(D(2026, 8, 31), 6)
    assert result.due == D(2027, 2, 28)
    assert result.lines[1] == (
        "February 2027 has no day 31, so the period ends on the last day of that month, "
        "Sunday 28 February 2027."
    )
    # 28 Feb 2027 is a Sunday, and it is not moved.
    assert result.lines[-1] == (
        "Sunday 28 February 2027 falls at a weekend; the date is not moved, because the law "
        "does not say that it should be."
    )


def test_6_months_after_2027_08_31_ends_on_the_leap_day_2028_02_29():
    # August 2027 + 6 = February 2028, a leap year with 29 days: 29 Feb (a Tuesday).
    result = months_after(D(2027, 8, 31), 6)
    assert result.due == D(2028, 2, 29)
    assert not any("not moved" in line for line in result.lines)


def test_24_months_after_2024_02_29_ends_2026_02_28():
    # February 2026 has no 29th (not a leap year): the last day, Sat 28 Feb, not moved.
    result = months_after(D(2024, 2, 29), 24)
    assert result.due == D(2026, 2, 28)
    assert (
        "Saturday 28 February 2026 falls at a weekend; the date is not moved" in (result.lines[-1])
    )


def test_6_months_after_a_mid_month_date_is_the_same_day_number():
    # 15 April 2026 + 6 months = 15 October 2026 (a Thursday); no clipping.
    result = months_after(D(2026, 4, 15), 6)
    assert result.due == D(2026, 10, 15)
    assert result.lines == (
        "6 months after Wednesday 15 April 2026.",
        "The corresponding date 6 months later is Thursday 15 October 2026.",
    )


def test_months_after_crossing_the_year_end():
    # 30 September 2026 + 6 months = 30 March 2027 (March has 31 days, no clipping).
    assert months_after(D(2026, 9, 30), 6).due == D(2027, 3, 30)
    # 31 March 2026 + 6 months: September has 30 days, so 30 September 2026.
    assert months_after(D(2026, 3, 31), 6).due == D(2026, 9, 30)


def test_add_months_examples():
    assert add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)
    assert add_months(D(2028, 1, 31), 1) == D(2028, 2, 29)
    assert add_months(D(2026, 12, 15), 1) == D(2027, 1, 15)
    assert add_months(D(2026, 5, 31), 12) == D(2027, 5, 31)
    assert add_months(D(2026, 10, 31), 4) == D(2027, 2, 28)


def test_months_after_refuses_fewer_than_one_month():
    with pytest.raises(ValueError):
        months_after(D(2026, 1, 1), 0)


# --- annual reports ------------------------------------------------------------------------


def test_annual_report_31_march_belongs_to_the_year_ending_that_day():
    # 31 Mar 2026 is the last day of the year 1 Apr 2025 - 31 Mar 2026: due 30 June 2026.
    result = annual_report_due(D(2026, 3, 31))
    assert result.due == D(2026, 6, 30)
    assert "reporting year 1 April 2025 to 31 March 2026" in result.lines[0]
    assert "due by 30 June after that year ends: Tuesday 30 June 2026." in result.lines[0]


def test_annual_report_1_april_starts_the_next_year():
    # 1 Apr 2026 is the first day of the year 1 Apr 2026 - 31 Mar 2027: due 30 June 2027.
    result = annual_report_due(D(2026, 4, 1))
    assert result.due == D(2027, 6, 30)
    assert "reporting year 1 April 2026 to 31 March 2027" in result.lines[0]


@pytest.mark.parametrize(
    ("day", "due"),
    [
        (D(2026, 1, 15), D(2026, 6, 30)),  # January is in the year that began the April before
        (D(2026, 6, 30), D(2027, 6, 30)),  # 30 June 2026 is in the year 2026-27
        (D(2026, 12, 31), D(2027, 6, 30)),
    ],
)
def test_annual_report_other_days(day, due):
    assert annual_report_due(day).due == due


def test_annual_report_due_on_a_saturday_is_not_moved():
    # Year 1 Apr 2028 - 31 Mar 2029: due 30 June 2029, a Saturday.
    result = annual_report_due(D(2028, 5, 1))
    assert result.due == D(2029, 6, 30)
    assert result.lines[-1] == (
        "Saturday 30 June 2029 falls at a weekend; the date is not moved, because the law "
        "does not say that it should be."
    )


# --- explanations --------------------------------------------------------------------------


def test_working_days_explanation_names_the_skipped_days_and_why():
    result = working_days_beginning_with(D(2025, 12, 22), 10, SSI_2017_39)
    text = "\n".join(result.lines)
    assert result.lines[0] == (
        "10 working days beginning with Monday 22 December 2025. That day is a working day, "
        "so it is day 1; day 10 is Thursday 8 January 2026."
    )
    assert result.lines[1] == (
        "Working days, as SSI 2017/39 reg 2 defines them: every day except Saturdays, "
        "Sundays, 25 and 26 December, and 1 and 2 January; other bank holidays are working "
        "days."
    )
    assert "SSI 2017/39 reg 2" in text
    assert result.lines[2] == (
        "Days not counted: Thursday 25 December 2025 (excluded by SSI 2017/39 reg 2), "
        "Friday 26 December 2025 (excluded by SSI 2017/39 reg 2), "
        "Saturday 27 December 2025, Sunday 28 December 2025, "
        "Thursday 1 January 2026 (excluded by SSI 2017/39 reg 2), "
        "Friday 2 January 2026 (excluded by SSI 2017/39 reg 2), "
        "Saturday 3 January 2026, Sunday 4 January 2026."
    )
    # Written for a reader: no ISO dates.
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", text)


def test_working_days_explanation_says_bank_holidays_were_counted():
    result = working_days_beginning_with(D(2026, 4, 1), 15, SSI_2017_39)
    counted = [line for line in result.lines if line.startswith("Bank holidays counted as")]
    assert len(counted) == 1
    assert counted[0] == (
        "Bank holidays counted as working days, because SSI 2017/39 reg 2 does not exclude "
        "them: Friday 3 April 2026 (Good Friday)."
    )


def test_working_days_explanation_for_a_non_working_start():
    result = working_days_beginning_with(D(2026, 4, 4), 5, SSI_2017_39)
    assert result.lines[0] == (
        "5 working days beginning with Saturday 4 April 2026. That day is not a working day "
        "(it is a Saturday), so day 1 is Monday 6 April 2026; day 5 is Friday 10 April 2026."
    )
    assert result.lines[2] == "Days not counted: Saturday 4 April 2026, Sunday 5 April 2026."


def test_working_days_explanation_when_nothing_is_skipped():
    # 3 working days beginning with Mon 2026-04-13: Mon 13, Tue 14, Wed 15.
    result = working_days_beginning_with(D(2026, 4, 13), 3, SSI_2017_39)
    assert result.due == D(2026, 4, 15)
    assert result.lines[2] == "Days not counted: none."


def test_bank_holiday_explanation_names_the_holiday_skipped():
    result = working_days_beginning_with(D(2026, 4, 1), 15, SCOTTISH_BANK_HOLIDAYS)
    assert "Friday 3 April 2026 (Scottish bank holiday, Good Friday)" in result.lines[2]
    assert result.lines[1].startswith("Working days, on the calendar of Scottish bank holidays")
    assert not any(line.startswith("Bank holidays counted") for line in result.lines)


def test_days_explanation_shows_the_arithmetic():
    result = days_beginning_with(D(2026, 2, 10), 28)
    assert result.lines[0] == (
        "28 days beginning with Tuesday 10 February 2026. That day is day 1, so the period "
        "ends 27 days later, on Monday 9 March 2026."
    )


def test_one_day_and_one_working_day_periods_read_in_the_singular():
    # 1 day beginning with Tue 10 Feb 2026 is that day; 1 working day beginning with
    # Fri 25 Dec 2026 is Mon 28 Dec (25 Dec and the weekend are not working days).
    assert days_beginning_with(D(2026, 2, 10), 1).lines[0] == (
        "1 day beginning with Tuesday 10 February 2026. That day is day 1, so the period is "
        "that day alone."
    )
    assert working_days_beginning_with(D(2026, 4, 13), 1, SSI_2017_39).lines[0] == (
        "1 working day beginning with Monday 13 April 2026. That day is a working day, so it "
        "is day 1 and the last day."
    )
    assert working_days_beginning_with(D(2026, 12, 25), 1, SSI_2017_39).lines[0] == (
        "1 working day beginning with Friday 25 December 2026. That day is not a working day "
        "(excluded by SSI 2017/39 reg 2), so day 1 is Monday 28 December 2026."
    )
    assert months_after(D(2026, 1, 15), 1).lines == (
        "1 month after Thursday 15 January 2026.",
        "The corresponding date 1 month later is Sunday 15 February 2026.",
        "Sunday 15 February 2026 falls at a weekend; the date is not moved, because the law "
        "does not say that it should be.",
    )
