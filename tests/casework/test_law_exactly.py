"""The rules corrected or added from the legal text (docs/law.md), through the API, with
dates worked out by hand. Each test is named after the provision it checks."""

from __future__ import annotations

from casework.sweep import Taken
from notifications.reminders import escalate, remind
from tests.casework.conftest import (
    REASONS_FOR_REVIEW,
    asset_request,
    deadline,
    decide,
    decide_atr,
    has_deadline,
    land_entry,
    move,
    notice_text,
    notices_of,
    offer_made_atr,
    ok,
    open_for_representations,
    ready_to_decide,
    run_sweep,
    validated,
)
from tests.casework.test_notice_wording import check

# -- SSI 2016/357 reg 5: the validation date is the day the request was received ------------


def test_reg5_atr_validated_later_counts_from_the_day_it_was_submitted(world, clock):
    officer, body = world.officer, world.body
    land = land_entry(officer)
    move(clock, "2026-04-01")
    ref = asset_request(world, land=land)
    ok(body.act(ref, "submit"), "submitted")
    move(clock, "2026-04-20")
    case = ok(officer.act(ref, "validate"), "validated")
    assert case["validation_date"] == "2026-04-01"
    # 6 months after Wed 1 April 2026 is Thu 1 October 2026, not 20 October.
    decision = deadline(case, "atr.decision")
    assert (decision["start_date"], decision["due_date"]) == ("2026-04-01", "2026-10-01")
    text = notice_text(body, ref, "acknowledgement")
    assert "1 April 2026" in text and "1 October 2026" in text
    assert "20 October" not in text


def test_reg5_atr_the_officer_cannot_choose_a_validation_date(world, clock):
    move(clock, "2026-04-01")
    ref = asset_request(world, land=land_entry(world.officer))
    ok(world.body.act(ref, "submit"))
    move(clock, "2026-04-20")
    response = world.officer.act(ref, "validate", {"validation_date": "2026-04-20"})
    assert response.status_code == 422
    assert "validation_date" in response.json["errors"]
    assert world.body.case(ref)["state"] == "submitted"


# -- ss.86 and 88: a review not decided in time opens the appeal to the Scottish Ministers ---


def test_s88_a_review_not_decided_in_time_opens_the_appeal(world, app, session, clock):
    body, officer = world.body, world.officer
    ref = ready_to_decide(world, clock, officer, land=land_entry(officer))
    ok(decide_atr(officer, ref, "refused"), "refused_pending")
    move(clock, "2026-05-11")
    case = ok(body.act(ref, "request_review", REASONS_FOR_REVIEW), "under_review")
    # The council's period to decide (6 months, ? and configurable) from Mon 11 May 2026
    # ends Wed 11 November 2026.
    review = deadline(case, "atr.review_decision")
    assert (review["due_date"], review["basis"], review["party"]) == (
        "2026-11-11",
        "?",
        "authority",
    )
    # No appeal yet: the review must be decided, or its period end, first (s.88).
    response = body.act(ref, "appeal_to_ministers", REASONS_FOR_REVIEW)
    assert response.status_code == 409

    move(clock, "2026-11-11")
    assert run_sweep(app, session, clock) == []
    move(clock, "2026-11-12")
    assert run_sweep(app, session, clock) == [Taken(ref, "review_period_expired")]
    case = body.case(ref)
    assert case["state"] == "review_not_determined"
    # 20 working days beginning with Wed 11 November 2026 end on Tue 8 December 2026.
    window = deadline(case, "atr.review_or_appeal", "s88")
    assert (window["start_date"], window["due_date"]) == ("2026-11-11", "2026-12-08")
    assert window["citation"].startswith("SSI 2016/359 reg 11")
    text = notice_text(body, ref, "review_non_determination_notice")
    assert "Tuesday 8 December 2026" in text and "section 88" in text
    assert run_sweep(app, session, clock) == []  # idempotent

    move(clock, "2026-11-20")
    ok(body.act(ref, "appeal_to_ministers", REASONS_FOR_REVIEW), "under_appeal")
    assert deadline(body.case(ref), "atr.review_or_appeal", "s88")["status"] == "met"
    # Every notice on the way is written for its reader (no rule ids or ISO dates).
    assert "review_non_determination_notice" in check(session, ref)


def test_s88_a_review_decided_late_is_still_a_decision(world, app, session, clock):
    body, officer = world.body, world.officer
    ref = ready_to_decide(world, clock, officer, land=land_entry(officer))
    ok(decide_atr(officer, ref, "refused"), "refused_pending")
    ok(body.act(ref, "request_review", REASONS_FOR_REVIEW), "under_review")
    move(clock, "2026-11-03")
    assert run_sweep(app, session, clock) == [Taken(ref, "review_period_expired")]
    move(clock, "2026-11-10")
    ok(
        officer.act(
            ref,
            "record_review_outcome",
            {"result": "confirm", "decision": "refused", "reasons": "Still needed."},
        ),
        "refused_pending",
    )
    # The s.88 window now runs from the review decision, Tue 10 November 2026: 10-13 (4),
    # 16-20 (9), 23-27 (14), 30 Nov (15), 1-4 Dec (19), 7 Dec (20).
    window = deadline(body.case(ref), "atr.review_or_appeal", "s88")
    assert (window["start_date"], window["due_date"]) == ("2026-11-10", "2026-12-07")


def test_s87_ministers_review_window_cites_2016_358_reg_11(world, clock):
    ministers = world.ministers_officer
    ref = ready_to_decide(world, clock, ministers, authority="SGOV", land=land_entry(ministers))
    case = ok(decide_atr(ministers, ref, "refused"), "refused_pending")
    assert deadline(case, "atr.review_or_appeal")["citation"].startswith("SSI 2016/358 reg 11")
    ok(world.body.act(ref, "request_review", REASONS_FOR_REVIEW), "under_review")
    # Only a council's review has a period after which s.88 gives an appeal.
    assert not has_deadline(world.body.case(ref), "atr.review_decision")


# -- SSI 2016/357 reg 8: a late representation is copied to the body with its own period ----


def test_reg8_a_paper_representation_after_the_copies_is_sent_with_its_own_period(
    world, session, clock
):
    body, officer = world.body, world.officer
    ref = open_for_representations(world, clock, officer, land=land_entry(officer))
    move(clock, "2026-04-10")
    response = world.public.post(
        f"/api/v1/cases/{ref}/representations",
        json={"name": "Ann Neighbour", "email": "ann@example.test", "text": "I support it."},
    )
    assert response.status_code == 201, response.json
    move(clock, "2026-05-01")
    ok(officer.act(ref, "send_representations_to_body", {"comments_by": "2026-05-29"}))
    move(clock, "2026-05-05")
    ok(body.act(ref, "comment_on_representations", {"comments": "Thank you, Ann."}))

    move(clock, "2026-05-12")
    late = {
        "name": "Mr C Late",
        "address": "3 Quiet Close, Kinghorn",
        "text": "The car park is needed on market days.",
        "received_on": "2026-05-11",
    }
    case = ok(officer.act(ref, "record_representation", late))
    (copy,) = [n for n in notices_of(body, ref) if n["kind"] == "late_representation"]
    text = notice_text(body, ref, copy)
    assert "The car park is needed on market days." in text
    assert "3 Quiet Close" not in text  # contact details are not copied
    # 20 working days beginning with Tue 12 May 2026: 12-15 (4), 18-22 (9), 25-29 (14),
    # 1-5 June (19), 8 June (20): Monday 8 June 2026.
    assert "Monday 8 June 2026" in text
    late_deadline = [
        d
        for d in case["deadlines"]
        if d["rule"] == "atr.comments_on_representations" and d["key"].startswith("representation-")
    ]
    assert [(d["start_date"], d["due_date"], d["status"]) for d in late_deadline] == [
        ("2026-05-12", "2026-06-08", "open")
    ]
    events = body.get(f"/api/v1/cases/{ref}/events", query_string={"page_size": 200}).json
    assert any(
        e["type"] == "notice.issued" and e["payload"]["kind"] == "late_representation"
        for e in events
    )

    # The first period is over (29 May), but the body may not be decided against until it
    # has had its chance to comment on the late one.
    move(clock, "2026-06-01")
    response = decide_atr(officer, ref, "refused")
    assert response.status_code == 409
    assert "Monday 8 June 2026" in response.json["detail"]
    ok(body.act(ref, "comment_on_representations", {"comments": "Market days are Saturdays."}))
    case = body.case(ref)
    assert [d["status"] for d in case["deadlines"] if d["key"].startswith("representation-")] == [
        "met"
    ]
    ok(decide_atr(officer, ref, "refused"), "refused_pending")
    assert "late_representation" in check(session, ref)


def test_reg8_a_paper_representation_before_the_copies_goes_with_them(world, clock):
    officer, body = world.officer, world.body
    ref = open_for_representations(world, clock, officer, land=land_entry(officer))
    move(clock, "2026-04-10")
    ok(officer.act(ref, "record_representation", {"name": "Bob", "text": "I object."}))
    assert [n for n in notices_of(body, ref) if n["kind"] == "late_representation"] == []


# -- SSI 2016/360: periods from receipt; the appeal's papers are not published --------------


def test_ssi_2016_360_reg4_each_period_runs_from_receipt_and_nothing_is_published(
    world, session, clock
):
    body, officer = world.body, world.officer
    ref = offer_made_atr(world, clock, officer, land=land_entry(officer))
    move(clock, "2026-12-02")
    case = ok(body.act(ref, "appeal_no_contract", {"reasons": "No contract."}))
    # reg 4(2): 15 working days beginning with the day the authority received the appeal,
    # Wed 2 December 2026 (made through this service): Tue 22 December 2026.
    response = deadline(case, "atr.no_contract_appeal_response")
    assert (response["start_date"], response["due_date"]) == ("2026-12-02", "2026-12-22")

    move(clock, "2026-12-10")
    case = ok(officer.act(ref, "record_no_contract_response", {"response": "Title issues."}))
    # reg 4(3): 15 working days beginning with the body's receipt, Thu 10 December
    # (through this service): 10-11 (2), 14-18 (7), 21-24 (11), 28-31 (15).
    comments = deadline(case, "atr.no_contract_appeal_comments")
    assert (comments["start_date"], comments["due_date"]) == ("2026-12-10", "2026-12-31")
    # Sent by post instead, it reached the body on Mon 14 December: 14-18 (5), 21-24 (9),
    # 28-31 (13), 1-2 January are not working days, 4-5 January (15).
    move(clock, "2026-12-15")
    case = ok(officer.act(ref, "record_response_receipt", {"received_on": "2026-12-14"}))
    comments = deadline(case, "atr.no_contract_appeal_comments")
    assert (comments["start_date"], comments["due_date"]) == ("2026-12-14", "2027-01-05")
    response = officer.act(ref, "record_response_receipt", {"received_on": "2026-12-09"})
    assert response.status_code == 422  # before the response was given

    move(clock, "2027-01-20")
    ok(
        officer.act(
            ref,
            "record_no_contract_appeal_outcome",
            {"result": "dismissed", "reasons": "Negotiations were reasonable."},
        ),
        "lapsed",
    )
    # Guidance para 21.3: these appeals' documents are not published.
    kinds = {n["kind"]: n for n in notices_of(officer, ref)}
    for kind in ("no_contract_appeal_application", "no_contract_appeal_outcome"):
        assert kinds[kind]["public"] is False
    public = world.public.get(f"/api/v1/cases/{ref}/notices")
    public_kinds = {n["kind"] for n in public.json} if public.status_code == 200 else set()
    assert not public_kinds & {"no_contract_appeal_application", "no_contract_appeal_outcome"}
    assert "not published" in notice_text(body, ref, "no_contract_appeal_outcome")
    assert {"no_contract_appeal_application", "no_contract_appeal_outcome"} <= check(session, ref)


def test_s83_8_a_direction_is_applied_for_within_the_contract_period(world, clock):
    body, officer = world.body, world.officer
    ref = offer_made_atr(world, clock, officer, land=land_entry(officer))
    window = deadline(body.case(ref), "atr.direction_application")
    # 6 months after the offer of Mon 1 June 2026, with the contract period: Tue 1 December.
    assert (window["due_date"], window["basis"], window["party"]) == ("2026-12-01", "?", "body")
    response = body.act(ref, "apply_for_direction", {"reasons": " "})
    assert response.status_code == 422 and "reasons" in response.json["errors"]
    move(clock, "2026-11-20")
    case = ok(
        body.act(ref, "apply_for_direction", {"reasons": "Title work needs to 30 June 2027."}),
        "offer_made",
    )
    assert deadline(case, "atr.direction_application")["status"] == "met"
    # A period agreed to conclude the contract moves the window with it.
    ok(officer.act(ref, "extend_contract_period", {"new_due_date": "2027-01-15"}))
    assert deadline(body.case(ref), "atr.direction_application")["due_date"] == "2027-01-15"


def test_s83_8_no_application_after_the_contract_period(world, clock):
    ref = offer_made_atr(world, clock, world.officer, land=land_entry(world.officer))
    move(clock, "2026-12-02")
    response = world.body.act(ref, "apply_for_direction", {"reasons": "Too late?"})
    assert response.status_code == 409
    assert "Tuesday 1 December 2026" in response.json["detail"]


# -- s.26(5): the notice describing the process, a duty with reminders and escalation -----


def test_s26_5_the_process_notice_is_a_duty_reminded_and_escalated(world, session, clock):
    ref = validated(world)  # received and validated on Wed 1 April 2026
    case = ok(decide(world, ref, "agreed", process="new"), "awaiting_process_comments")
    # s.26(3): 28 days beginning with Wed 1 April end Tue 28 April; the s.26(5) notice is
    # then due within 28 days beginning with Wed 29 April: Tue 26 May 2026.
    notice = deadline(case, "pr.process_notice")
    assert (notice["start_date"], notice["due_date"], notice["party"]) == (
        "2026-04-29",
        "2026-05-26",
        "authority",
    )
    session.expire_all()
    # A week before, the officer is reminded; the day after, the managers are told.
    move(clock, "2026-05-19")
    assert remind(session, clock.today(), (10, 5, 1)) >= 1
    move(clock, "2026-05-27")
    assert escalate(session, clock.today()) == 1
    events = world.officer.get(f"/api/v1/cases/{ref}/events", query_string={"page_size": 200})
    kinds = [(e["type"], e["payload"].get("rule")) for e in events.json]
    assert ("deadline.reminder", "pr.process_notice") in kinds
    assert ("deadline.overdue", "pr.process_notice") in kinds
    # Giving the notice meets the duty.
    ok(
        world.officer.act(ref, "issue_process_notice", {"process_description": "A group."}),
        "establishing_process",
    )
    assert deadline(world.body.case(ref), "pr.process_notice")["status"] == "met"


def test_s83_6_no_no_contract_appeal_on_a_request_to_the_scottish_ministers(world, clock):
    ministers = world.ministers_officer
    ref = offer_made_atr(world, clock, ministers, authority="SGOV", land=land_entry(ministers))
    move(clock, "2026-12-02")
    response = world.body.act(ref, "appeal_no_contract", {"reasons": "No contract."})
    assert response.status_code == 409
    assert "para 21.1" in response.json["detail"]
    assert world.body.case(ref)["state"] == "offer_made"
