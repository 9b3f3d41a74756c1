"""Asset transfer requests: each review and appeal route, from draft to its end, via the API.

- another relevant authority (Scottish Water): appeal to the Scottish Ministers (s.85);
- the Scottish Ministers: review by the Ministers (s.87), no appeal;
- a local authority: review by its members (s.86), then an appeal (s.88).

Dates are worked out by hand from docs/law.md. Working days for the ATR instruments are
taken to follow SSI 2017/39 reg 2: every day but Saturdays, Sundays, 25-26 December and
1-2 January, so bank holidays (4 and 25 May 2026) are working days.
"""

from __future__ import annotations

import pytest

from casework.sweep import Taken
from tests.casework.conftest import (
    REASONS_FOR_REVIEW,
    asset_request,
    deadline,
    decide_atr,
    frozen,
    has_deadline,
    land_entry,
    move,
    notice_text,
    notices_of,
    ok,
    ready_to_decide,
    run_sweep,
)

REASONS = REASONS_FOR_REVIEW


# -- (a) another relevant authority: appeal to the Scottish Ministers (s.85) ----------------


def test_other_authority_refusal_appeal_dismissed_is_finally_refused(world, clock):
    body, water = world.body, world.water_officer
    land = land_entry(water, name="Kinghorn Reservoir Lodge")
    ref = ready_to_decide(world, clock, water, authority="SWAT", land=land)
    assert ref.startswith("ATR-SWAT-2026-")
    assert frozen(world, land)

    case = ok(decide_atr(water, ref, "refused"), "refused_pending")
    # 20 working days beginning with Fri 1 May 2026: 1 (1), 4-8 (6), 11-15 (11),
    # 18-22 (16), 25-28 (20): Thu 28 May 2026.
    window = deadline(case, "atr.review_or_appeal")
    assert window["due_date"] == "2026-05-28"
    assert window["start_date"] == "2026-05-01"
    # An appeal to the Ministers runs under SSI 2016/359.
    assert "SSI 2016/359" in window["explanation"]
    assert "section 85" in case["review_route"]
    decision = notice_text(water, ref, "decision_notice")
    assert "section 85" in decision and "Scottish Ministers" in decision

    # A review is not this authority's route: the refusal names the route to take instead.
    blocked = {a["action"]: a for a in body.case(ref)["blocked_actions"]}
    assert "request_review" in blocked
    assert "section 85" in blocked["request_review"]["blocked_by"][0]["message"]
    assert "appeal_to_ministers" in [a["action"] for a in body.case(ref)["available_actions"]]
    r = body.act(ref, "request_review", REASONS)
    assert r.status_code == 409, r.json
    assert "A review is not the route" in r.json["detail"]
    assert "appeal to the Scottish Ministers (section 85" in r.json["detail"]
    assert [f["guard"] for f in r.json["failures"]] == ["s86_87.review_route"]
    assert body.case(ref)["state"] == "refused_pending"

    # The officer cannot appeal for the body.
    assert water.act(ref, "appeal_to_ministers", REASONS).status_code == 403

    move(clock, "2026-05-20")
    case = ok(body.act(ref, "appeal_to_ministers", REASONS), "under_appeal")
    window = deadline(case, "atr.review_or_appeal")
    assert window["status"] == "met"
    assert "appeal_application" in [n["kind"] for n in notices_of(water, ref)]
    assert frozen(world, land)
    # Only one appeal.
    assert body.act(ref, "appeal_to_ministers", REASONS).status_code == 409

    # An appeal that is allowed cannot leave the request refused.
    move(clock, "2026-08-03")
    r = water.act(
        ref,
        "record_appeal_outcome",
        {"result": "allowed", "decision": "refused", "reasons": "x"},
    )
    assert r.status_code == 422, r.json
    assert "decision" in r.json["errors"]

    case = ok(
        water.act(
            ref,
            "record_appeal_outcome",
            {
                "result": "dismissed",
                "decision": "refused",
                "reasons": "The reservoir lodge is needed for operations.",
            },
        ),
        "refused",
    )
    assert case["closed_on"] == "2026-08-03"
    assert case["decisions"][-1]["stage"] == "appeal"
    assert case["decisions"][-1]["outcome"] == "dismissed"
    assert not frozen(world, land)
    outcome = notice_text(water, ref, "appeal_outcome")
    assert "Result: the appeal is dismissed." in outcome
    assert "The request is refused." in outcome

    # Final: nothing more can be sought.
    assert body.act(ref, "appeal_to_ministers", REASONS).status_code == 409
    assert body.act(ref, "request_review", REASONS).status_code == 409
    assert body.act(ref, "withdraw").status_code == 409


@pytest.mark.parametrize(
    ("result", "transfer_type", "final"),
    [("allowed", "lease", "lease_granted"), ("varied", "other_rights", "rights_granted")],
)
def test_other_authority_appeal_upheld_leads_to_agreement_offer_and_contract(
    world, clock, result, transfer_type, final
):
    body, water = world.body, world.water_officer
    land = land_entry(water, name="Burntisland Pumping Station")
    ref = ready_to_decide(
        world, clock, water, authority="SWAT", land=land, transfer_type=transfer_type
    )
    ok(decide_atr(water, ref, "refused"), "refused_pending")
    move(clock, "2026-05-28")  # the last day of the window (Thu 28 May 2026)
    ok(body.act(ref, "appeal_to_ministers", REASONS), "under_appeal")

    move(clock, "2026-06-15")
    # The offer date must be at least 6 months after the outcome: 6 months after
    # Mon 15 June 2026 is Tue 15 December 2026.
    payload = {
        "result": result,
        "decision": "agreed",
        "reasons": "The community benefits outweigh the operational need.",
        "terms": "Access to be kept for maintenance.",
        "offer_by": "2026-12-14",
    }
    r = water.act(ref, "record_appeal_outcome", payload)
    assert r.status_code == 422, r.json
    assert "Tuesday 15 December 2026" in r.json["errors"]["offer_by"][0]
    r = water.act(ref, "record_appeal_outcome", {**payload, "terms": ""})
    assert r.status_code == 422, r.json
    assert "terms" in r.json["errors"]

    case = ok(water.act(ref, "record_appeal_outcome", {**payload, "offer_by": "2026-12-15"}))
    assert case["state"] == "agreed"
    assert case["decisions"][-1]["outcome"] == result
    offer = deadline(case, "atr.offer")
    assert offer["start_date"] == "2026-06-15"
    assert offer["due_date"] == "2026-12-15"
    assert offer["status"] == "open"
    assert "You must make your offer by Tuesday 15 December 2026" in notice_text(
        body, ref, "appeal_outcome"
    )
    assert frozen(world, land)

    move(clock, "2026-07-01")
    r = body.act(ref, "make_offer", {"offer": ""})
    assert r.status_code == 422, r.json
    case = ok(body.act(ref, "make_offer", {"offer": "We accept the terms."}), "offer_made")
    assert deadline(case, "atr.offer")["status"] == "met"
    # 6 months after Wed 1 July 2026 is Fri 1 January 2027 (1 January is not a working day,
    # but a month period is not moved).
    assert deadline(case, "atr.contract")["due_date"] == "2027-01-01"

    move(clock, "2026-09-01")
    # The contract cannot be dated before the offer, nor in the future.
    r = water.act(ref, "conclude_contract", {"concluded_on": "2026-06-30"})
    assert r.status_code == 422, r.json
    r = water.act(ref, "conclude_contract", {"concluded_on": "2026-09-02"})
    assert r.status_code == 422, r.json
    case = ok(water.act(ref, "conclude_contract"), final)
    assert case["closed_on"] == "2026-09-01"
    assert deadline(case, "atr.contract")["status"] == "met"
    assert not frozen(world, land)


# -- (b) the Scottish Ministers: review by the Ministers (s.87), no appeal ------------------


def test_scottish_ministers_review_refused_is_final_and_no_appeal(world, clock):
    body, ministers = world.body, world.ministers_officer
    land = land_entry(ministers, name="Forestry depot, Kinghorn")
    ref = ready_to_decide(world, clock, ministers, authority="SGOV", land=land)
    case = ok(decide_atr(ministers, ref, "refused"), "refused_pending")
    window = deadline(case, "atr.review_or_appeal")
    assert window["due_date"] == "2026-05-28"  # as above: 20 working days from Fri 1 May
    assert "SSI 2016/358" in window["explanation"]
    assert "section 87" in case["review_route"]

    # No appeal against the Ministers' own decision.
    blocked = {a["action"]: a for a in body.case(ref)["blocked_actions"]}
    assert "(s.87), not appealed" in blocked["appeal_to_ministers"]["blocked_by"][0]["message"]
    r = body.act(ref, "appeal_to_ministers", REASONS)
    assert r.status_code == 409, r.json
    assert "reviewed by them (s.87), not appealed" in r.json["detail"]
    assert body.case(ref)["state"] == "refused_pending"

    move(clock, "2026-05-11")
    case = ok(body.act(ref, "request_review", REASONS), "under_review")
    assert deadline(case, "atr.review_or_appeal")["status"] == "met"
    assert "review_application" in [n["kind"] for n in notices_of(ministers, ref)]
    # Still no appeal while under review, nor a second review.
    assert body.act(ref, "appeal_to_ministers", REASONS).status_code == 409
    assert body.act(ref, "request_review", REASONS).status_code == 409

    move(clock, "2026-07-01")
    r = ministers.act(
        ref, "record_review_outcome", {"result": "confirm", "decision": "refused", "reasons": ""}
    )
    assert r.status_code == 422, r.json
    case = ok(
        ministers.act(
            ref,
            "record_review_outcome",
            {"result": "confirm", "decision": "refused", "reasons": "The depot is in use."},
        ),
        "refused",
    )
    assert case["closed_on"] == "2026-07-01"
    # No s.88 appeal window after a review by the Ministers.
    assert not has_deadline(case, "atr.review_or_appeal", "s88")
    assert not frozen(world, land)
    outcome = notice_text(ministers, ref, "review_outcome")
    assert "Result: the decision is confirmed." in outcome
    assert "Appeal to the Scottish Ministers" not in outcome
    assert body.act(ref, "appeal_to_ministers", REASONS).status_code == 409


# -- (c) a local authority: review by members (s.86), then appeal (s.88) --------------------


def test_local_authority_appeal_blocked_until_members_review(world, app, session, clock):
    body, officer = world.body, world.officer
    ref = ready_to_decide(world, clock, officer)
    ok(decide_atr(officer, ref, "refused"), "refused_pending")

    r = body.act(ref, "appeal_to_ministers", REASONS)
    assert r.status_code == 409, r.json
    assert "first reviewed by its members (s.86)" in r.json["detail"]
    assert "s85_88.appeal_route" in [f["guard"] for f in r.json["failures"]]

    move(clock, "2026-05-05")
    ok(body.act(ref, "request_review", REASONS), "under_review")
    # Under review there is no appeal at all.
    r = body.act(ref, "appeal_to_ministers", REASONS)
    assert r.status_code == 409, r.json

    # The members confirm the refusal on Mon 1 June 2026. The s.88 window: 20 working days
    # beginning with Mon 1 June 2026: 1-5 (5), 8-12 (10), 15-19 (15), 22-26 (20):
    # Fri 26 June 2026.
    move(clock, "2026-06-01")
    case = ok(
        officer.act(
            ref,
            "record_review_outcome",
            {"result": "confirm", "decision": "refused", "reasons": "The members agree."},
        ),
        "refused_pending",
    )
    s88 = deadline(case, "atr.review_or_appeal", "s88")
    assert s88["start_date"] == "2026-06-01"
    assert s88["due_date"] == "2026-06-26"
    assert "SSI 2016/359" in s88["explanation"]
    assert "26 June 2026" in notice_text(body, ref, "review_outcome")
    # A second review is not possible; the appeal now is.
    assert body.act(ref, "request_review", REASONS).status_code == 409
    assert "appeal_to_ministers" in [a["action"] for a in body.case(ref)["available_actions"]]

    # Unused, the s.88 window closes the case on the first sweep after Fri 26 June.
    move(clock, "2026-06-26")
    assert run_sweep(app, session, clock) == []
    assert body.case(ref)["state"] == "refused_pending"
    move(clock, "2026-06-27")
    r = body.act(ref, "appeal_to_ministers", REASONS)
    assert r.status_code == 409, r.json
    assert "ended on Friday 26 June 2026" in r.json["detail"]
    assert run_sweep(app, session, clock) == [Taken(ref, "close_review_period")]
    case = body.case(ref)
    assert case["state"] == "refused"
    assert case["closed_on"] == "2026-06-27"


def test_local_authority_review_substitutes_an_agreement(world, clock):
    body, officer = world.body, world.officer
    land = land_entry(officer)
    ref = ready_to_decide(world, clock, officer, land=land)
    ok(decide_atr(officer, ref, "refused"), "refused_pending")
    move(clock, "2026-05-12")
    ok(body.act(ref, "request_review", REASONS), "under_review")

    move(clock, "2026-06-10")
    # "substitute" with a refusal is allowed by the result, but an agreement needs terms.
    r = officer.act(
        ref,
        "record_review_outcome",
        {"result": "substitute", "decision": "agreed", "reasons": "Members disagree."},
    )
    assert r.status_code == 422, r.json
    assert {"terms", "offer_by"} <= set(r.json["errors"])
    case = ok(
        officer.act(
            ref,
            "record_review_outcome",
            {
                "result": "substitute",
                "decision": "agreed",
                "reasons": "The members find the community benefits outweigh storage.",
                "terms": "Sale for £1 with a community-use covenant.",
                # 6 months after Wed 10 June 2026 is Thu 10 December 2026.
                "offer_by": "2026-12-10",
            },
        ),
        "agreed",
    )
    review = case["decisions"][-1]
    assert review["stage"] == "review"
    assert review["outcome"] == "substitute"
    assert review["details"]["decision"] == "agreed"
    offer = deadline(case, "atr.offer")
    assert (offer["start_date"], offer["due_date"], offer["status"]) == (
        "2026-06-10",
        "2026-12-10",
        "open",
    )
    # An agreement on the requested terms opens no s.88 appeal.
    assert not has_deadline(case, "atr.review_or_appeal", "s88")
    r = body.act(ref, "appeal_to_ministers", REASONS)
    assert r.status_code == 409, r.json
    outcome = notice_text(body, ref, "review_outcome")
    assert "The request is agreed." in outcome and "10 December 2026" in outcome
    assert frozen(world, land)

    move(clock, "2026-07-01")
    ok(body.act(ref, "make_offer", {"offer": "£1 as agreed."}), "offer_made")
    move(clock, "2026-09-01")
    case = ok(officer.act(ref, "conclude_contract"), "ownership_transferred")
    assert not frozen(world, land)


def test_agreement_on_significantly_different_terms_can_be_reviewed(world, clock):
    body, officer = world.body, world.officer
    ref = ready_to_decide(world, clock, officer)
    case = ok(
        decide_atr(
            officer,
            ref,
            "agreed",
            terms="Sale at £95,000, not the £1 proposed.",
            terms_differ_significantly=True,
        ),
        "agreed",
    )
    window = deadline(case, "atr.review_or_appeal")
    assert (window["start_date"], window["due_date"]) == ("2026-05-01", "2026-05-28")
    assert "request_review" in [a["action"] for a in body.case(ref)["available_actions"]]

    move(clock, "2026-05-20")
    case = ok(body.act(ref, "request_review", REASONS), "under_review")
    assert deadline(case, "atr.review_or_appeal")["status"] == "met"
    # While the review runs the offer date is not running.
    assert deadline(case, "atr.offer")["status"] == "closed"
    assert body.act(ref, "make_offer", {"offer": "£1"}).status_code == 409


def test_agreement_on_the_requested_terms_cannot_be_reviewed(world, clock):
    body, officer = world.body, world.officer
    ref = ready_to_decide(world, clock, officer)
    case = ok(decide_atr(officer, ref, "agreed"), "agreed")
    assert not has_deadline(case, "atr.review_or_appeal")

    blocked = {a["action"]: a for a in body.case(ref)["blocked_actions"]}
    assert "request_review" in blocked
    r = body.act(ref, "request_review", REASONS)
    assert r.status_code == 409, r.json
    assert (
        "An agreement can only be reviewed or appealed where its terms differ significantly"
        in r.json["detail"]
    )
    assert "review.terms_differ" in [f["guard"] for f in r.json["failures"]]
    assert body.case(ref)["state"] == "agreed"


def test_unused_review_window_closes_refusal_only_after_it_ends(world, app, session, clock):
    body, officer = world.body, world.officer
    land = land_entry(officer)
    ref = ready_to_decide(world, clock, officer, land=land)
    case = ok(decide_atr(officer, ref, "refused"), "refused_pending")
    # 20 working days beginning with Fri 1 May 2026 (the bank holidays on Mon 4 May and
    # Mon 25 May count as working days): 1 May (1), 4-8 (6), 11-15 (11), 18-22 (16),
    # 25-28 (20): Thu 28 May 2026.
    assert deadline(case, "atr.review_or_appeal")["due_date"] == "2026-05-28"
    assert frozen(world, land)  # a refusal does not end the freeze while review is open

    for day in ("2026-05-02", "2026-05-27", "2026-05-28"):
        move(clock, day)
        assert run_sweep(app, session, clock) == []
        assert body.case(ref)["state"] == "refused_pending"
        assert frozen(world, land)

    move(clock, "2026-05-29")
    r = body.act(ref, "request_review", REASONS)
    assert r.status_code == 409, r.json
    assert "ended on Thursday 28 May 2026" in r.json["detail"]
    # The system action is not the officer's to take.
    assert officer.act(ref, "close_review_period").status_code == 403

    assert run_sweep(app, session, clock) == [Taken(ref, "close_review_period")]
    case = body.case(ref)
    assert case["state"] == "refused"
    assert case["closed_on"] == "2026-05-29"
    assert case["freeze"]["active"] is False
    assert not frozen(world, land)
    assert run_sweep(app, session, clock) == []


# -- withdrawal ---------------------------------------------------------------------------


def _to_state(world, clock, state: str, land: int) -> str:
    body, officer = world.body, world.officer
    if state == "draft":
        return asset_request(world, land=land)
    if state == "submitted":
        ref = asset_request(world, land=land)
        ok(body.act(ref, "submit"), "submitted")
        return ref
    ref = ready_to_decide(world, clock, officer, land=land)
    if state == "representations_open":
        return ref
    if state == "refused_pending":
        ok(decide_atr(officer, ref, "refused"), state)
        return ref
    if state == "under_review":
        ok(decide_atr(officer, ref, "refused"), "refused_pending")
        ok(body.act(ref, "request_review", REASONS), state)
        return ref
    if state == "under_appeal":
        ok(decide_atr(officer, ref, "refused"), "refused_pending")
        ok(body.act(ref, "request_review", REASONS), "under_review")
        ok(
            officer.act(
                ref,
                "record_review_outcome",
                {"result": "confirm", "decision": "refused", "reasons": "Confirmed."},
            ),
            "refused_pending",
        )
        ok(body.act(ref, "appeal_to_ministers", REASONS), state)
        return ref
    ok(decide_atr(officer, ref, "agreed"), "agreed")
    if state == "agreed":
        return ref
    ok(body.act(ref, "make_offer", {"offer": "£1"}), "offer_made")
    return ref


@pytest.mark.parametrize(
    "state",
    [
        "draft",
        "submitted",
        "representations_open",
        "refused_pending",
        "under_review",
        "under_appeal",
        "agreed",
        "offer_made",
    ],
)
def test_body_withdraws_from_open_states(world, clock, state):
    body, officer = world.body, world.officer
    land = land_entry(officer)
    ref = _to_state(world, clock, state, land)
    assert body.case(ref)["state"] == state
    validated = state not in ("draft", "submitted")
    assert frozen(world, land) is validated

    if state != "draft":
        # Only the body may withdraw its request.
        assert officer.act(ref, "withdraw").status_code == 403
    today = clock.today().isoformat()
    case = ok(body.act(ref, "withdraw", {"reason": "The trust has found other premises."}))
    assert case["state"] == "withdrawn"
    assert case["closed_on"] == today
    assert case["freeze"]["active"] is False
    assert not frozen(world, land)
    assert case["available_actions"] == []
    assert all(d["status"] != "open" for d in case["deadlines"])
    # Withdrawn is final.
    assert body.act(ref, "withdraw").status_code == 409
