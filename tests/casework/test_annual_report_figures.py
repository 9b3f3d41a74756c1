"""The annual reports' figures (s.32, s.95), counted from the event log by the day in law
each thing happened, for a year that requests cross at 1 April. Each expected figure is
worked out by hand from the dates below."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from casework import annual_reports as ar
from casework.models import Authority
from tests.casework.conftest import (
    REASONS_FOR_REVIEW,
    World,
    decide,
    decide_atr,
    move,
    offer_made_atr,
    ok,
    ready_to_decide,
    submitted,
)
from workflows import asset_transfer as atr
from workflows import participation as pr

VIEWS = {"views_of_body": "The trust found the group listened to it."}
REPORT = {
    "what_changed": "Two crossings were built.",
    "influence_of_body": "The trust's survey chose the sites.",
    "keeping_informed": "Quarterly updates.",
}


def _fife(session) -> Authority:
    return session.scalar(select(Authority).where(Authority.code == "FIFE"))


def test_reporting_years_begin_on_1_april_and_the_first_asset_transfer_year_was_longer():
    assert ar.reporting_year(pr.KIND, 2026) == (dt.date(2026, 4, 1), dt.date(2027, 3, 31))
    assert ar.reporting_year(atr.KIND, 2017) == (dt.date(2017, 1, 23), dt.date(2018, 3, 31))
    assert ar.reporting_year(atr.KIND, 2018) == (dt.date(2018, 4, 1), dt.date(2019, 3, 31))
    assert ar.due_by(pr.KIND, 2026) == dt.date(2027, 6, 30)
    assert ar.due_by(atr.KIND, 2017) == dt.date(2018, 6, 30)
    assert ar.year_containing(dt.date(2027, 3, 31)) == 2026
    assert ar.year_containing(dt.date(2027, 4, 1)) == 2027


def test_s32_figures_count_what_happened_in_the_year_not_the_fate_of_its_requests(
    world: World, session, clock
):
    officer = world.officer
    # A: received Tue 31 March 2026 (year 2025), agreed Thu 2 April 2026 (year 2026), its
    # outcome report says a public service changed.
    move(clock, "2026-03-31")
    a = submitted(world, title="A")
    ok(officer.act(a, "validate"))
    # B: received Wed 1 April 2026, refused Fri 10 April 2026 (both year 2026).
    move(clock, "2026-04-01")
    b = submitted(world, title="B")
    ok(officer.act(b, "validate"))
    move(clock, "2026-04-02")
    ok(decide(world, a, process="existing"))
    ok(officer.act(a, "record_outcome_views", VIEWS))
    ok(officer.act(a, "publish_outcome_report", {**REPORT, "service_changed": True}), "completed")
    move(clock, "2026-04-10")
    ok(decide(world, b, "refused"))
    # C: received Wed 31 March 2027, the year's last day; D: Thu 1 April 2027, the next year.
    move(clock, "2027-03-31")
    c = submitted(world, title="C")
    move(clock, "2027-04-01")
    d = submitted(world, title="D")

    fife = _fife(session)
    year = ar.figures(session, fife, pr.KIND, 2026)
    counted = {f.key: set(f.references) for f in year.figures}
    assert counted == {"received": {b, c}, "agreed": {a}, "refused": {b}, "service_changed": {a}}
    assert year["received"].count == 2 and year["received"].citation == "s.32(2)(a)"
    before = ar.figures(session, fife, pr.KIND, 2025)
    assert {f.key: f.count for f in before.figures} == {
        "received": 1,
        "agreed": 0,
        "refused": 0,
        "service_changed": 0,
    }

    # Later events change nothing: the report for 2026 is the same when worked out again.
    ok(officer.act(d, "validate"))
    ok(decide(world, d, "refused"))
    ok(officer.act(c, "validate"))
    assert ar.figures(session, fife, pr.KIND, 2026) == year


def test_s32_an_outcome_report_that_does_not_say_is_listed_as_unknown(world: World, session):
    ref = submitted(world)
    ok(world.officer.act(ref, "validate"))
    ok(decide(world, ref, process="existing"))
    ok(world.officer.act(ref, "record_outcome_views", VIEWS))
    ok(world.officer.act(ref, "publish_outcome_report", REPORT), "completed")
    changed = ar.figures(session, _fife(session), pr.KIND, 2026)["service_changed"]
    assert (changed.count, changed.unknown) == (0, (ref,))


def test_s95_figures_transfers_reviews_and_agreements_in_the_year(world: World, session, clock):
    officer, body = world.officer, world.body
    # E: received Wed 1 April 2026, agreed Fri 1 May 2026, offer Mon 1 June, ownership
    # transferred on Thu 1 April 2027: the next year's.
    e = offer_made_atr(world, clock, officer)
    move(clock, "2027-04-01")
    ok(officer.act(e, "conclude_contract"), "ownership_transferred")
    # F: received Wed 1 April 2026, refused Fri 1 May 2026; the council's members, on
    # review, substitute an agreement on Mon 2 November 2026.
    move(clock, "2026-04-01")
    f = ready_to_decide(world, clock, officer, transfer_type="lease")
    ok(decide_atr(officer, f, "refused"), "refused_pending")
    move(clock, "2026-05-05")
    ok(body.act(f, "request_review", REASONS_FOR_REVIEW), "under_review")
    move(clock, "2026-11-02")
    review = {
        "result": "substitute",
        "decision": "agreed",
        "reasons": "The members agree the lease.",
        "terms": "A 25-year lease at £1 a year.",
        "offer_by": "2027-05-02",
    }
    ok(officer.act(f, "record_review_outcome", review), "agreed")

    fife = _fife(session)
    year = ar.figures(session, fife, atr.KIND, 2026)
    counted = {f.key: set(f.references) for f in year.figures if f.count}
    assert counted == {
        "received": {e, f},
        "agreed": {e},
        "refused": {f},
        "reviews_substituted": {f},
    }
    assert year["reviews_substituted"].citation.startswith("s.95(2)(e)(iii)")
    assert {f.key for f in year.figures} >= {"ownership", "lease", "rights", "appeals_allowed"}
    nxt = ar.figures(session, fife, atr.KIND, 2027)
    assert nxt["ownership"].references == (e,) and nxt["received"].count == 0
