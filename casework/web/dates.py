"""Dates typed into the three-field date input (day, month, year), as GOV.UK and the
Scottish Government Design System ask for them (macro in web/macros/dates.html)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

PARTS = ("day", "month", "year")
NOT_A_DATE = "Enter a real date"


def from_fields(args: Mapping[str, str], name: str) -> tuple[dt.date | None, str]:
    """The date in NAME-day, NAME-month and NAME-year, or the one field NAME in ISO form
    (as links and the API give it). Returns (date, error); (None, "") when nothing was
    given."""
    parts = [(args.get(f"{name}-{p}") or "").strip() for p in PARTS]
    if not any(parts):
        single = (args.get(name) or "").strip()
        if not single:
            return None, ""
        try:
            return dt.date.fromisoformat(single), ""
        except ValueError:
            return None, NOT_A_DATE
    try:
        day, month, year = (int(p) for p in parts)
        if year < 1000:
            raise ValueError
        return dt.date(year, month, day), ""
    except ValueError:
        return None, NOT_A_DATE
