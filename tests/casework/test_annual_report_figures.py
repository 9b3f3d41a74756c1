"""The annual reports' figures (s.32, s.95), counted from the event log by the day in law
each thing happened, for a year that requests cross at 1 April. Each expected figure is
worked out by hand from the dates below."""

from __future__ import annotations

import datetime as dt

import pytest
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


# -- the report's own procedure ----------------------------------------------------------------


def _user(session, email: str):
    from casework.models import User

    return session.scalar(select(User).where(User.email == email))


def test_a_report_is_written_approved_by_a_manager_published_and_corrected_as_a_new_version(
    world: World, session, clock
):
    from casework.errors import Conflict, Forbidden
    from casework.models import AnnualReport
    from workflows.machine import Law

    law, day = Law(), dt.date(2027, 4, 2)
    officer, manager = _user(session, world.officer.email), _user(session, world.manager.email)
    fife = _fife(session)
    first = submitted(world)  # received Wed 1 April 2026, in the year 2026

    report = ar.open_report(session, fife, pr.KIND, 2026, officer)
    assert (report.version, report.state) == (1, "draft")
    assert ar.open_report(session, fife, pr.KIND, 2026, officer) is report  # one draft
    # Nothing is approved until the authority has written what only it can write.
    with pytest.raises(Conflict, match="promote"):
        ar.act(session, report, "approve", {}, manager, day, law)
    ar.act(
        session,
        report,
        "write",
        {"promotion": "A leaflet to every community council."},
        officer,
        day,
        law,
    )
    ar.act(
        session, report, "write", {"support": "A named officer helps each body."}, officer, day, law
    )
    assert report.promotion.startswith("A leaflet") and report.support.startswith("A named")
    # An officer drafts; only a manager approves and publishes.
    with pytest.raises(Forbidden):
        ar.act(session, report, "approve", {}, officer, day, law)
    assert report.state == "draft"
    ar.act(session, report, "approve", {}, manager, day, law)
    assert report.state == "approved" and report.approved_by_id == manager.id
    ar.act(session, report, "publish", {}, manager, day, law)
    published = {f["key"]: f["count"] for f in report.figures["figures"]}
    assert published["received"] == 1 and report.state == "published"

    # A request received later in the year changes the figures, not the published report.
    move(clock, "2026-05-04")
    submitted(world)
    session.expire_all()
    assert {f["key"]: f["count"] for f in report.figures["figures"]}["received"] == 1
    assert ar.figures(session, fife, pr.KIND, 2026)["received"].count == 2

    # A correction is a new version; the first stays as it was published.
    second = ar.act(session, report, "correct", {"note": "A late request."}, manager, day, law)
    assert (second.version, second.state, second.correction_note) == (2, "draft", "A late request.")
    assert second.promotion == report.promotion
    ar.act(session, second, "approve", {}, manager, day, law)
    ar.act(session, second, "publish", {}, manager, day, law)
    session.commit()
    v1, v2 = sorted(ar.versions(session, fife, pr.KIND, 2026), key=lambda r: r.version)
    assert (v1.state, v2.state) == ("superseded", "published")
    assert v1.figures["figures"][0]["count"] == 1 and v2.figures["figures"][0]["count"] == 2
    assert first in v1.figures["figures"][0]["references"]
    assert len(session.scalars(select(AnnualReport)).all()) == 2


# -- the inequalities lens ------------------------------------------------------------------


def test_each_figure_is_broken_down_by_the_simd_quintile_of_the_body(
    world: World, session, tmp_path
):
    from casework import simd
    from tests.casework.conftest import REQUEST
    from tests.casework.test_simd import write_simd, write_sspl

    fife = _fife(session)
    mine = submitted(world)  # Kinghorn Community Trust, KY3 9UE: rank 7 of 12, quintile 3
    response = world.other_body.post("/api/v1/cases", json=REQUEST)
    theirs = response.json["reference"]  # Burntisland, KY3 9DB: rank 1 of 12, quintile 1
    ok(world.other_body.act(theirs, "submit"))
    ok(world.officer.act(theirs, "validate"))
    ok(decide(world, theirs, "refused"))

    # Before a lookup is loaded, nothing can be placed, and the page can say so.
    source, rows = ar.by_quintile(session, ar.figures(session, fife, pr.KIND, 2026))
    assert source is None and {r.key: r.unplaced for r in rows}["received"] == 2

    simd.import_files(
        session, simd=write_simd(tmp_path / "s.csv"), postcodes=write_sspl(tmp_path / "p.csv")
    )
    source, rows = ar.by_quintile(session, ar.figures(session, fife, pr.KIND, 2026))
    by_key = {r.key: (r.by_quintile, r.unplaced) for r in rows}
    assert by_key["received"] == ((1, 0, 1, 0, 0), 0)
    assert by_key["refused"] == ((1, 0, 0, 0, 0), 0)
    assert by_key["agreed"] == ((0, 0, 0, 0, 0), 0)
    assert source.startswith("SIMD 2020v2, 2011 data zones")
    assert mine != theirs
