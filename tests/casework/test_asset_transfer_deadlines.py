"""Asset transfer requests: what happens when deadlines pass, through the API and the sweep.

Non-determination (SSI 2016/357 reg 10), agreed extensions of the decision period, an offer
that is never made (s.83), and the period to conclude the contract with its no-contract
appeal (s.83(7), SSI 2016/360).

Every expected date is worked out by hand from docs/law.md. Working days for the ATR
instruments follow SSI 2017/39 reg 2: every day but Saturdays, Sundays, 25-26 December and
1-2 January. "N months after D" is the same date N months on; it is not moved off weekends.
"""

from __future__ import annotations

from casework.sweep import Taken
from tests.casework.conftest import (
    agreed_atr,
    deadline,
    frozen,
    land_entry,
    move,
    notice_text,
    notices_of,
    offer_made_atr,
    ok,
    open_for_representations,
    run_sweep,
)

REASONS = {"reasons": "No decision was made in time.", "procedure": ["written_submissions"]}


# -- non-determination ----------------------------------------------------------------------


def test_non_determination_local_authority_then_review(world, app, session, clock):
    body, officer = world.body, world.officer
    ref = open_for_representations(world, clock, officer)
    # 6 months after Wed 1 April 2026 is Thu 1 October 2026.
    decision = deadline(body.case(ref), "atr.decision")
    assert decision["due_date"] == "2026-10-01"
    assert decision["citation"] == "SSI 2016/357 reg 10"

    # Not on the last day of the period.
    move(clock, "2026-10-01")
    assert run_sweep(app, session, clock) == []
    assert body.case(ref)["state"] == "representations_open"

    move(clock, "2026-10-02")
    before = len(notices_of(officer, ref))
    assert run_sweep(app, session, clock) == [Taken(ref, "decision_period_expired")]
    case = body.case(ref)
    assert case["state"] == "not_determined"
    # The authority's duty is overdue (it may still decide late: there is no deemed decision).
    assert deadline(case, "atr.decision")["status"] == "overdue"
    # The body's own deadline: 20 working days beginning with the day the period expired,
    # Thu 1 October 2026: 1-2 (2), 5-9 (7), 12-16 (12), 19-23 (17), 26-28 (20):
    # Wed 28 October 2026.
    window = deadline(case, "atr.review_or_appeal")
    assert (window["start_date"], window["due_date"]) == ("2026-10-01", "2026-10-28")
    assert window["status"] == "open"

    notices = notices_of(officer, ref)
    assert len(notices) == before + 1
    notice = notices[-1]
    assert notice["kind"] == "non_determination_notice"
    assert notice["recipient_role"] == "body"
    assert notice["recipient"] == "Kinghorn Community Trust"
    assert notice["issued_on"] == "2026-10-02"
    text = notice_text(officer, ref, notice)
    assert "1 October 2026" in text
    assert "28 October 2026" in text
    assert "elected members" in text and "section 86" in text

    # Idempotent: a second run finds nothing to do and changes nothing.
    version = case["version"]
    assert run_sweep(app, session, clock) == []
    again = body.case(ref)
    assert again["version"] == version
    assert again["state"] == "not_determined"
    assert len(notices_of(officer, ref)) == before + 1

    # The local authority route: review by members, not an appeal.
    r = body.act(ref, "appeal_to_ministers", REASONS)
    assert r.status_code == 409, r.json
    move(clock, "2026-10-28")
    case = ok(body.act(ref, "request_review", REASONS), "under_review")
    assert deadline(case, "atr.review_or_appeal")["status"] == "met"


def test_non_determination_other_authority_then_appeal(world, app, session, clock):
    body, water = world.body, world.water_officer
    ref = open_for_representations(world, clock, water, authority="SWAT")
    move(clock, "2026-10-02")
    assert run_sweep(app, session, clock) == [Taken(ref, "decision_period_expired")]
    case = body.case(ref)
    assert case["state"] == "not_determined"
    window = deadline(case, "atr.review_or_appeal")
    # As above: 20 working days beginning with Thu 1 October 2026 end Wed 28 October 2026.
    assert window["due_date"] == "2026-10-28"
    assert "SSI 2016/359" in window["explanation"]

    notice = notices_of(water, ref)[-1]
    assert notice["kind"] == "non_determination_notice"
    text = notice_text(water, ref, notice)
    assert "section 85" in text and "Scottish Ministers" in text
    assert "28 October 2026" in text
    assert "elected members" not in text

    r = body.act(ref, "request_review", REASONS)
    assert r.status_code == 409, r.json
    assert "section 85" in r.json["detail"]
    # One day late is too late.
    move(clock, "2026-10-29")
    r = body.act(ref, "appeal_to_ministers", REASONS)
    assert r.status_code == 409, r.json
    assert "ended on Wednesday 28 October 2026" in r.json["detail"]
    move(clock, "2026-10-20")
    case = ok(body.act(ref, "appeal_to_ministers", REASONS), "under_appeal")
    assert deadline(case, "atr.review_or_appeal")["status"] == "met"


def test_only_the_system_fires_decision_period_expired(world, clock):
    body, officer = world.body, world.officer
    ref = open_for_representations(world, clock, officer)
    move(clock, "2026-10-02")  # the period has expired; the sweep has not yet run
    r = officer.act(ref, "decision_period_expired")
    assert r.status_code == 403, r.json
    assert body.act(ref, "decision_period_expired").status_code == 403
    assert body.case(ref)["state"] == "representations_open"


def test_extension_agreed_before_expiry_moves_the_decision_date(world, app, session, clock):
    body, officer = world.body, world.officer
    ref = open_for_representations(world, clock, officer)
    move(clock, "2026-09-15")
    r = officer.act(ref, "agree_extension", {"new_due_date": "2026-10-01"})
    assert r.status_code == 422, r.json
    assert "new_due_date" in r.json["errors"]
    case = ok(
        officer.act(
            ref,
            "agree_extension",
            {"new_due_date": "2026-11-30", "note": "Valuation report awaited."},
        ),
        "representations_open",
    )
    decision = deadline(case, "atr.decision")
    assert decision["due_date"] == "2026-11-30"
    assert decision["statutory_due_date"] == "2026-10-01"
    assert "Extended on Tuesday 15 September 2026" in decision["explanation"]
    assert (
        "to Monday 30 November 2026 (it was Thursday 1 October 2026)" in (decision["explanation"])
    )
    events = officer.get(f"/api/v1/cases/{ref}/events?page_size=200").json
    moved = [
        e
        for e in events
        if e["type"] == "deadline.recomputed" and e["payload"]["rule"] == "atr.decision"
    ]
    assert moved and moved[-1]["payload"]["due_date"] == "2026-11-30"
    assert moved[-1]["payload"]["previous_due_date"] == "2026-10-01"

    # The old date passes: nothing happens.
    move(clock, "2026-10-02")
    assert run_sweep(app, session, clock) == []
    move(clock, "2026-11-30")
    assert run_sweep(app, session, clock) == []
    assert body.case(ref)["state"] == "representations_open"

    move(clock, "2026-12-01")
    assert run_sweep(app, session, clock) == [Taken(ref, "decision_period_expired")]
    case = body.case(ref)
    assert case["state"] == "not_determined"
    # 20 working days beginning with Mon 30 November 2026: 30 Nov (1), 1-4 Dec (5),
    # 7-11 (10), 14-18 (15), 21-24 (19), Fri 25 December is not a working day, Mon 28 (20):
    # Mon 28 December 2026.
    window = deadline(case, "atr.review_or_appeal")
    assert (window["start_date"], window["due_date"]) == ("2026-11-30", "2026-12-28")
    assert "28 December 2026" in notice_text(body, ref, notices_of(body, ref)[-1])


def test_extension_agreed_after_expiry_is_refused(world, app, session, clock):
    body, officer = world.body, world.officer
    ref = open_for_representations(world, clock, officer)
    # The period ended Thu 1 October 2026; the sweep has not yet run.
    move(clock, "2026-10-02")
    r = officer.act(ref, "agree_extension", {"new_due_date": "2026-12-01"})
    assert r.status_code == 422, r.json
    message = r.json["errors"]["agreed_on"][0]
    # The rule is the guidance's (para 15.2), not the regulations': it says so.
    assert "para 15.2" in message
    assert "Thursday 1 October 2026" in message
    case = body.case(ref)
    assert deadline(case, "atr.decision")["due_date"] == "2026-10-01"

    # And once the sweep has found the non-determination, there is nothing to extend.
    assert run_sweep(app, session, clock) == [Taken(ref, "decision_period_expired")]
    r = officer.act(ref, "agree_extension", {"new_due_date": "2026-12-01"})
    assert r.status_code == 409, r.json
    assert body.case(ref)["state"] == "not_determined"


# -- the offer ------------------------------------------------------------------------------


def test_offer_not_made_in_time_lapses(world, app, session, clock):
    body, officer = world.body, world.officer
    land = land_entry(officer)
    ref = agreed_atr(world, clock, officer, land=land)
    offer = deadline(body.case(ref), "atr.offer")
    assert (offer["start_date"], offer["due_date"]) == ("2026-05-01", "2026-11-01")
    assert frozen(world, land)

    # Sun 1 November 2026 is the last day; not moved off the weekend.
    move(clock, "2026-11-01")
    assert run_sweep(app, session, clock) == []
    assert body.case(ref)["state"] == "agreed"

    move(clock, "2026-11-02")
    r = body.act(ref, "make_offer", {"offer": "£1"})
    assert r.status_code == 409, r.json
    assert "ended on Sunday 1 November 2026" in r.json["detail"]
    assert officer.act(ref, "lapse").status_code == 403

    assert run_sweep(app, session, clock) == [Taken(ref, "lapse")]
    case = body.case(ref)
    assert case["state"] == "lapsed"
    assert case["closed_on"] == "2026-11-02"
    assert case["freeze"]["active"] is False
    assert not frozen(world, land)
    notice = notices_of(body, ref)[-1]
    assert notice["kind"] == "lapse_notice"
    assert notice["recipient_role"] == "body"
    assert "has lapsed" in notice_text(body, ref, notice)

    assert body.act(ref, "make_offer", {"offer": "£1"}).status_code == 409
    assert run_sweep(app, session, clock) == []


# -- the contract and the no-contract appeal (SSI 2016/360) ---------------------------------


def test_no_contract_appeal_allowed_then_contract(world, app, session, clock):
    body, officer = world.body, world.officer
    land = land_entry(officer)
    ref = offer_made_atr(world, clock, officer, land=land)

    # Extended once, by agreement, from Tue 1 December 2026 to Fri 15 January 2027.
    move(clock, "2026-11-20")
    case = ok(
        officer.act(ref, "extend_contract_period", {"new_due_date": "2027-01-15"}), "offer_made"
    )
    contract = deadline(case, "atr.contract")
    assert contract["due_date"] == "2027-01-15"
    assert contract["statutory_due_date"] == "2026-12-01"
    assert "Extended on" in contract["explanation"]
    assert "agreement with the body" in contract["explanation"]
    # 10 working days beginning with Fri 15 January 2027: 15 (1), 18-22 (6), 25-28 (10):
    # Thu 28 January 2027.
    window = deadline(case, "atr.no_contract_appeal")
    assert (window["start_date"], window["due_date"]) == ("2027-01-15", "2027-01-28")

    appeal = {"reasons": "The council has not replied to our solicitor since November."}
    # Not while the contract period runs, including its last day.
    for day in ("2027-01-14", "2027-01-15"):
        move(clock, day)
        r = body.act(ref, "appeal_no_contract", appeal)
        assert r.status_code == 409, r.json
        assert "runs until Friday 15 January 2027" in r.json["detail"]

    # The last day of the window.
    move(clock, "2027-01-28")
    r = body.act(ref, "appeal_no_contract", {"reasons": ""})
    assert r.status_code == 422, r.json
    case = ok(body.act(ref, "appeal_no_contract", appeal), "no_contract_appeal")
    assert deadline(case, "atr.no_contract_appeal")["status"] == "met"
    # The authority responds within 15 working days beginning with Thu 28 January 2027:
    # 28-29 (2), 1-5 Feb (7), 8-12 (12), 15-17 (15): Wed 17 February 2027.
    response = deadline(case, "atr.no_contract_appeal_response")
    assert (response["start_date"], response["due_date"], response["status"]) == (
        "2027-01-28",
        "2027-02-17",
        "open",
    )
    assert notices_of(body, ref)[-1]["kind"] == "no_contract_appeal_application"

    move(clock, "2027-02-10")
    case = ok(
        officer.act(ref, "record_no_contract_response", {"response": "Title issues delayed us."})
    )
    assert deadline(case, "atr.no_contract_appeal_response")["status"] == "met"
    # The body may comment within 15 working days beginning with Wed 10 February 2027:
    # 10-12 (3), 15-19 (8), 22-26 (13), 1-2 March (15): Tue 2 March 2027.
    comments = deadline(case, "atr.no_contract_appeal_comments")
    assert (comments["start_date"], comments["due_date"]) == ("2027-02-10", "2027-03-02")
    move(clock, "2027-02-22")
    ok(
        body.act(ref, "comment_on_no_contract_response", {"comments": "The title is clear."}),
        "no_contract_appeal",
    )

    move(clock, "2027-03-15")
    r = officer.act(ref, "record_no_contract_appeal_outcome", {"result": "allowed", "reasons": "x"})
    assert r.status_code == 422, r.json
    assert "contract_by" in r.json["errors"]
    r = officer.act(
        ref,
        "record_no_contract_appeal_outcome",
        {"result": "allowed", "reasons": "x", "contract_by": "2027-03-15"},
    )
    assert r.status_code == 422, r.json
    assert "contract_by" in r.json["errors"]
    case = ok(
        officer.act(
            ref,
            "record_no_contract_appeal_outcome",
            {
                "result": "allowed",
                "reasons": "The authority must now conclude the contract.",
                "contract_by": "2027-06-30",
            },
        ),
        "offer_made",
    )
    contract = deadline(case, "atr.contract")
    assert contract["due_date"] == "2027-06-30"
    assert contract["statutory_due_date"] == "2026-12-01"
    assert contract["status"] == "open"
    assert "direction of the Scottish Ministers" in contract["explanation"]
    # A fresh window follows the directed period: 10 working days beginning with
    # Wed 30 June 2027: 30 (1), 1-2 July (3), 5-9 (8), 12-13 (10): Tue 13 July 2027.
    window = deadline(case, "atr.no_contract_appeal")
    assert (window["start_date"], window["due_date"], window["status"]) == (
        "2027-06-30",
        "2027-07-13",
        "open",
    )
    outcome = notices_of(body, ref)[-1]
    assert outcome["kind"] == "no_contract_appeal_outcome" and not outcome["public"]
    assert "30 June 2027" in notice_text(body, ref, outcome)
    assert frozen(world, land)

    move(clock, "2027-04-01")
    case = ok(officer.act(ref, "conclude_contract"), "ownership_transferred")
    assert case["closed_on"] == "2027-04-01"
    assert deadline(case, "atr.contract")["status"] == "met"
    assert not frozen(world, land)


def test_no_contract_appeal_dismissed_lapses(world, clock):
    body, officer = world.body, world.officer
    land = land_entry(officer)
    ref = offer_made_atr(world, clock, officer, land=land)
    # The contract period ends Tue 1 December 2026. 10 working days beginning with it:
    # 1-4 (4), 7-11 (9), 14 (10): Mon 14 December 2026.
    assert deadline(body.case(ref), "atr.no_contract_appeal")["due_date"] == "2026-12-14"
    move(clock, "2026-12-02")
    ok(
        body.act(ref, "appeal_no_contract", {"reasons": "No contract was offered to us."}),
        "no_contract_appeal",
    )
    move(clock, "2027-01-20")
    case = ok(
        officer.act(
            ref,
            "record_no_contract_appeal_outcome",
            {"result": "dismissed", "reasons": "The body did not pursue the contract."},
        ),
        "lapsed",
    )
    assert case["closed_on"] == "2027-01-20"
    assert case["decisions"][-1]["outcome"] == "dismissed"
    assert not frozen(world, land)
    outcome = notices_of(body, ref)[-1]
    assert outcome["kind"] == "no_contract_appeal_outcome" and not outcome["public"]
    assert "The request has lapsed" in notice_text(body, ref, outcome)
    assert body.act(ref, "appeal_no_contract", {"reasons": "again"}).status_code == 409


def test_no_contract_window_passes_without_appeal_lapses(world, app, session, clock):
    body, officer = world.body, world.officer
    land = land_entry(officer)
    ref = offer_made_atr(world, clock, officer, land=land)

    # The contract period has ended (Tue 1 December 2026) but the appeal window runs to
    # Mon 14 December 2026 (10 working days beginning with 1 December, as above).
    for day in ("2026-12-02", "2026-12-14"):
        move(clock, day)
        assert run_sweep(app, session, clock) == []
        assert body.case(ref)["state"] == "offer_made"
        assert frozen(world, land)

    move(clock, "2026-12-15")
    r = body.act(ref, "appeal_no_contract", {"reasons": "Too late?"})
    assert r.status_code == 409, r.json
    assert "ended on Monday 14 December 2026" in r.json["detail"]

    assert run_sweep(app, session, clock) == [Taken(ref, "lapse")]
    case = body.case(ref)
    assert case["state"] == "lapsed"
    assert case["closed_on"] == "2026-12-15"
    assert not frozen(world, land)
    notice = notices_of(body, ref)[-1]
    assert notice["kind"] == "lapse_notice"
    assert "no contract and no appeal in time" in notice_text(body, ref, notice)
    assert run_sweep(app, session, clock) == []
