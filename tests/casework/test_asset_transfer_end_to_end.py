"""More asset transfer journeys from draft to their end, through the API (and the sweep).

- the Scottish Ministers' own decision reviewed by them (s.87) and substituted by an
  agreement, to ownership transferred;
- non-determination (found by the sweep) reviewed by a council's members (s.86), agreed,
  to a lease granted;
- a late decision after non-determination, and the review window it opens;
- the decision period extended more than once, each time before it expires;
- the contract period extended by a direction of the Scottish Ministers (s.83(7));
- the draft's own fields, edited before submission.

Dates are worked out by hand from docs/law.md: working days for the ATR instruments follow
SSI 2017/39 reg 2, and "N months after" periods are not moved off weekends.
"""

from __future__ import annotations

from casework.sweep import Taken
from tests.casework.conftest import (
    REASONS_FOR_REVIEW,
    asset_request,
    deadline,
    decide_atr,
    frozen,
    land_entry,
    move,
    notice_text,
    offer_made_atr,
    ok,
    open_for_representations,
    ready_to_decide,
    run_sweep,
)


def test_ministers_review_substitutes_an_agreement_then_ownership(world, clock):
    body, ministers = world.body, world.ministers_officer
    land = land_entry(ministers, "Forestry depot, Kinghorn")
    ref = ready_to_decide(world, clock, ministers, authority="SGOV", land=land)
    assert ref.startswith("ATR-SGOV-2026-")
    ok(decide_atr(ministers, ref, "refused"), "refused_pending")
    move(clock, "2026-05-28")  # the last of 20 working days beginning with Fri 1 May 2026
    ok(body.act(ref, "request_review", REASONS_FOR_REVIEW), "under_review")

    # The Ministers substitute an agreement on Wed 1 July 2026; the offer is due at least
    # 6 months after: Fri 1 January 2027 (a month period is not moved off a holiday).
    move(clock, "2026-07-01")
    payload = {
        "result": "substitute",
        "decision": "agreed",
        "reasons": "On review the community benefits prevail.",
        "terms": "Sale for £10,000.",
        "offer_by": "2026-12-31",
    }
    r = ministers.act(ref, "record_review_outcome", payload)
    assert r.status_code == 422 and "Friday 1 January 2027" in r.json["errors"]["offer_by"][0]
    case = ok(
        ministers.act(ref, "record_review_outcome", {**payload, "offer_by": "2027-01-01"}),
        "agreed",
    )
    assert case["decisions"][-1]["stage"] == "review"
    assert deadline(case, "atr.offer")["due_date"] == "2027-01-01"
    outcome = notice_text(body, ref, "review_outcome")
    assert "Result: a different decision is substituted." in outcome
    assert "The request is agreed." in outcome
    assert frozen(world, land)

    move(clock, "2026-12-01")
    case = ok(body.act(ref, "make_offer", {"offer": "£10,000 as agreed."}), "offer_made")
    # 6 months after Tue 1 December 2026 is Tue 1 June 2027.
    assert deadline(case, "atr.contract")["due_date"] == "2027-06-01"
    move(clock, "2027-03-01")
    case = ok(ministers.act(ref, "conclude_contract"), "ownership_transferred")
    assert case["closed_on"] == "2027-03-01"
    assert not frozen(world, land)


def test_non_determination_reviewed_by_members_then_a_lease(world, app, session, clock):
    body, officer = world.body, world.officer
    land = land_entry(officer)
    ref = open_for_representations(world, clock, officer, land=land, transfer_type="lease")
    # The decision was due 6 months after Wed 1 April 2026: Thu 1 October 2026.
    move(clock, "2026-10-02")
    assert run_sweep(app, session, clock) == [Taken(ref, "decision_period_expired")]
    case = body.case(ref)
    assert case["state"] == "not_determined"
    assert case["position"]["decision_period_expired_on"] == "2026-10-01"
    assert frozen(world, land)

    move(clock, "2026-10-05")
    ok(body.act(ref, "request_review", REASONS_FOR_REVIEW), "under_review")
    # The members agree on Mon 2 November 2026: the offer is due at least 6 months after,
    # Sun 2 May 2027.
    move(clock, "2026-11-02")
    case = ok(
        officer.act(
            ref,
            "record_review_outcome",
            {
                "result": "substitute",
                "decision": "agreed",
                "reasons": "The members agree the lease.",
                "terms": "A 25-year lease at £1 a year.",
                "offer_by": "2027-05-02",
            },
        ),
        "agreed",
    )
    assert case["decisions"][-1]["stage"] == "review"
    assert deadline(case, "atr.offer")["due_date"] == "2027-05-02"
    move(clock, "2027-01-11")
    ok(body.act(ref, "make_offer", {"offer": "We accept the lease."}), "offer_made")
    move(clock, "2027-04-01")
    case = ok(officer.act(ref, "conclude_contract"), "lease_granted")
    assert case["closed_on"] == "2027-04-01"
    assert not frozen(world, land)


def test_a_late_decision_after_non_determination_opens_its_own_review_window(
    world, app, session, clock
):
    body, officer = world.body, world.officer
    ref = open_for_representations(world, clock, officer)
    move(clock, "2026-10-02")
    assert run_sweep(app, session, clock) == [Taken(ref, "decision_period_expired")]
    # There is no deemed decision: the authority may still decide, late.
    move(clock, "2026-10-05")
    case = ok(decide_atr(officer, ref, "refused"), "refused_pending")
    # 20 working days beginning with the decision notice, Mon 5 October 2026: 5-9 (5),
    # 12-16 (10), 19-23 (15), 26-30 (20): Fri 30 October 2026.
    window = deadline(case, "atr.review_or_appeal")
    assert (window["start_date"], window["due_date"]) == ("2026-10-05", "2026-10-30")
    move(clock, "2026-10-30")
    ok(body.act(ref, "request_review", REASONS_FOR_REVIEW), "under_review")


def test_the_decision_period_may_be_extended_more_than_once(world, app, session, clock):
    officer = world.officer
    ref = open_for_representations(world, clock, officer)
    move(clock, "2026-09-15")
    ok(officer.act(ref, "agree_extension", {"new_due_date": "2026-11-30"}))
    # A second extension, agreed before the first one's date passes.
    move(clock, "2026-11-30")
    case = ok(officer.act(ref, "agree_extension", {"new_due_date": "2027-01-29"}))
    decision = deadline(case, "atr.decision")
    assert (decision["statutory_due_date"], decision["due_date"]) == ("2026-10-01", "2027-01-29")
    assert "Extended on Tuesday 15 September 2026" in decision["explanation"]
    assert "Extended on Monday 30 November 2026" in decision["explanation"]
    # The second date passes: a third may not be agreed after it.
    move(clock, "2027-01-30")
    r = officer.act(ref, "agree_extension", {"new_due_date": "2027-03-31"})
    assert r.status_code == 422, r.json
    assert "Friday 29 January 2027" in r.json["errors"]["agreed_on"][0]
    # Nor dated in the future.
    r = officer.act(
        ref, "agree_extension", {"new_due_date": "2027-03-31", "agreed_on": "2027-02-01"}
    )
    assert r.status_code == 422, r.json
    assert run_sweep(app, session, clock) == [Taken(ref, "decision_period_expired")]
    case = world.body.case(ref)
    # 20 working days beginning with Fri 29 January 2027: 29 (1), 1-5 Feb (6), 8-12 (11),
    # 15-19 (16), 22-25 (20): Thu 25 February 2027.
    window = deadline(case, "atr.review_or_appeal")
    assert (window["start_date"], window["due_date"]) == ("2027-01-29", "2027-02-25")


def test_only_the_decision_period_is_extended_by_agreement(world, clock):
    officer = world.officer
    ref = open_for_representations(world, clock, officer)
    r = officer.act(ref, "agree_extension", {"rule": "atr.offer", "new_due_date": "2027-01-01"})
    assert r.status_code == 422 and "rule" in r.json["errors"]
    # Only the authority records it.
    r = world.body.act(ref, "agree_extension", {"new_due_date": "2026-11-30"})
    assert r.status_code == 403


def test_the_contract_period_extended_by_a_direction_of_the_ministers(world, clock):
    officer = world.officer
    ref = offer_made_atr(world, clock, officer)
    move(clock, "2026-11-20")
    case = ok(
        officer.act(
            ref,
            "extend_contract_period",
            {"new_due_date": "2027-02-26", "by": "direction of the Scottish Ministers"},
        ),
        "offer_made",
    )
    contract = deadline(case, "atr.contract")
    assert (contract["statutory_due_date"], contract["due_date"]) == ("2026-12-01", "2027-02-26")
    assert "direction of the Scottish Ministers" in contract["explanation"]
    # The no-contract appeal window follows the new period: 10 working days beginning with
    # Fri 26 February 2027: 26 (1), 1-5 March (6), 8-11 (10): Thu 11 March 2027.
    window = deadline(case, "atr.no_contract_appeal")
    assert (window["start_date"], window["due_date"]) == ("2027-02-26", "2027-03-11")
    r = officer.act(ref, "extend_contract_period", {"new_due_date": "2027-03-01", "by": "whim"})
    assert r.status_code == 422 and "by" in r.json["errors"]
    r = officer.act(ref, "extend_contract_period", {"new_due_date": "2027-02-01"})
    assert r.status_code == 422 and "new_due_date" in r.json["errors"]


def test_the_draft_is_edited_before_submission(world):
    body, officer = world.body, world.officer
    hall = land_entry(officer)
    water_land = land_entry(world.water_officer, "Reservoir")
    ref = asset_request(world, land_description="The hall")
    case = body.case(ref)
    assert (case["kind"], case["land"], case["transfer_type"]) == (
        "asset_transfer_request",
        None,
        "ownership",
    )
    version = case["version"]
    r = body.patch(
        f"/api/v1/cases/{ref}",
        json={"land": hall, "transfer_type": "other_rights", "proposed_price": "None"},
        headers={"If-Match": f'"{version}"'},
    )
    case = ok(r, "draft")
    assert (case["land"]["id"], case["transfer_type"], case["proposed_price"]) == (
        hall,
        "other_rights",
        "None",
    )
    # A stale version, another authority's land or an unknown type are refused.
    stale = body.patch(f"/api/v1/cases/{ref}", json={"funding": "x"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 409
    assert body.patch(f"/api/v1/cases/{ref}", json={"land": water_land}).status_code == 422
    assert body.patch(f"/api/v1/cases/{ref}", json={"transfer_type": "gift"}).status_code == 422
    # The land can be unlinked again, leaving the description.
    case = ok(body.patch(f"/api/v1/cases/{ref}", json={"land": None}))
    assert (case["land"], case["land_description"]) == (None, "The hall")
    # Nobody else edits the draft; once submitted it is not a draft any more.
    assert world.other_body.patch(f"/api/v1/cases/{ref}", json={"funding": "x"}).status_code == 404
    ok(body.act(ref, "submit"))
    assert body.patch(f"/api/v1/cases/{ref}", json={"funding": "x"}).status_code == 409

    queue = officer.get("/api/v1/cases", query_string={"kind": "asset_transfer_request"}).json
    assert [c["reference"] for c in queue["items"]] == [ref]
    assert (
        officer.get("/api/v1/cases", query_string={"kind": "participation_request"}).json["total"]
        == 0
    )


def test_review_and_appeal_results_must_fit_the_position_they_leave(world, clock):
    """Reviews confirm, modify or substitute (SSI 2016/358); appeals are allowed, dismissed
    or varied (SSI 2016/359). An appeal allowed or varied cannot leave the request refused."""
    body, officer, water = world.body, world.officer, world.water_officer
    ref = ready_to_decide(world, clock, officer)
    ok(decide_atr(officer, ref, "refused"), "refused_pending")
    bad = body.act(ref, "request_review", {"reasons": "x", "procedure": ["duel"]})
    assert bad.status_code == 422 and "procedure" in bad.json["errors"]
    ok(body.act(ref, "request_review", REASONS_FOR_REVIEW), "under_review")
    r = officer.act(ref, "record_review_outcome", {"result": "allowed", "decision": "refused"})
    assert r.status_code == 422 and "result" in r.json["errors"]
    move(clock, "2026-06-01")
    case = ok(
        officer.act(
            ref,
            "record_review_outcome",
            {"result": "modify", "decision": "refused", "reasons": "Refused on other grounds."},
        ),
        "refused_pending",
    )
    assert case["applications"][-1]["result"] == "modify"

    appeal = ready_to_decide(world, clock, water, authority="SWAT")
    ok(decide_atr(water, appeal, "refused"), "refused_pending")
    ok(body.act(appeal, "appeal_to_ministers", REASONS_FOR_REVIEW), "under_appeal")
    for result in ("allowed", "varied"):
        r = water.act(
            appeal,
            "record_appeal_outcome",
            {"result": result, "decision": "refused", "reasons": "x"},
        )
        assert r.status_code == 422, r.json
        assert "decision" in r.json["errors"]
    r = water.act(appeal, "record_appeal_outcome", {"result": "confirm", "decision": "refused"})
    assert r.status_code == 422 and "result" in r.json["errors"]
    assert body.case(appeal)["state"] == "under_appeal"
