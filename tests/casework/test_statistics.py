"""The national figures are worked out once per state of the records, and on a busy
service at most every STATISTICS_MAX_AGE seconds (issue 13: no work per request that could
be done once)."""

from __future__ import annotations

import datetime as dt

from casework import statistics
from tests.casework.conftest import World, submitted

DAY = dt.date(2026, 4, 1)


def received(found: statistics.National) -> int:
    return sum(r.count("received") for r in found.rows)


def test_the_figures_are_kept_until_the_records_change_or_for_the_max_age(world: World, session):
    first = statistics.national(session, 2026, DAY, max_age=0)
    assert received(first) == 0
    assert statistics.national(session, 2026, DAY, max_age=0) is first  # nothing changed
    submitted(world)
    # Within the max age the figures already worked out are shown, saying when...
    kept = statistics.national(session, 2026, DAY, max_age=3600)
    assert kept is first and received(kept) == 0
    # ...and without one, a change to the records is counted at once.
    fresh = statistics.national(session, 2026, DAY, max_age=0)
    assert received(fresh) == 1 and fresh.at >= first.at
