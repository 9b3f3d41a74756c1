"""Every statutory guard of a participation request, through the API.

A guard about the case (eligibility, completeness, order of steps) blocks the action with a
409 that names the guard; a guard about the payload (required content, dates) is a 422 on
that field. Each test is named after the rule it checks.
"""

from __future__ import annotations

import datetime as dt

import pytest

from casework.app import create_app
from casework.models import CommunityBody
from tests.casework.conftest import (
    REQUEST,
    Caller,
    World,
    considerations,
    decide,
    new_request,
    submitted,
    validated,
)
from tests.conftest import settings_for
from workflows import participation as pr


def _move(clock, day: str) -> None:
    clock.fixed = dt.datetime.fromisoformat(f"{day}T09:00:00+00:00")


def _constitution(world: World, **flags: bool) -> None:
    r = world.body.patch(f"/api/v1/community-bodies/{world.body_id}", json={"constitution": flags})
    assert r.status_code == 200, r.json


def _failures(response) -> dict[str, str]:
    assert response.status_code == 409, response.json
    assert response.mimetype == "application/problem+json"
    return {f["guard"]: f["message"] for f in response.json["failures"]}


def _errors(response) -> dict:
    assert response.status_code == 422, response.json
    assert response.mimetype == "application/problem+json"
    return response.json["errors"]


def _deadline(case: dict, rule: str, key: str = "") -> dict:
    return next(d for d in case["deadlines"] if d["rule"] == rule and d["key"] == key)


def _state(world: World, ref: str) -> str:
    return world.admin.case(ref)["state"]


# -- s.20: who may ask ------------------------------------------------------------------

# Each s.19 test, and words from the statute that its failure message must use.
S19 = {
    "defines_community": "define the community",
    "majority_from_community": "majority of the members",
    "community_controls": "control of the body",
    "open_membership": "open to any member",
    "community_benefit_aims": "aims must include",
    "surplus_for_community": "surplus",
}


@pytest.mark.parametrize("flag", S19)
def test_s20_submit_by_a_body_failing_an_s19_test_is_409_naming_that_test(world, flag):
    ref = new_request(world)
    _constitution(world, **{flag: False})

    failures = _failures(world.body.act(ref, "submit"))

    assert set(failures) == {"s20.participation_body"}
    message = failures["s20.participation_body"]
    assert S19[flag] in message and "s.19" in message
    for other, words in S19.items():
        if other != flag:
            assert words not in message, other
    assert _state(world, ref) == "draft"


def test_s20_eligibility_endpoint_names_each_failed_s19_test(world):
    _constitution(world, open_membership=False, surplus_for_community=False)
    r = world.body.get(f"/api/v1/community-bodies/{world.body_id}/eligibility")
    (pr_standing,) = [x for x in r.json if x["purpose"] == pr.KIND]
    assert pr_standing["eligible"] is False
    assert {f["test"] for f in pr_standing["failures"]} == {
        "s19.open_membership",
        "s19.surplus_for_community",
    }


def test_s20_asset_lock_is_not_needed_for_a_participation_request(world):
    """The asset lock is an s.80 test for ownership, not an s.19 test."""
    ref = new_request(world)
    _constitution(world, asset_lock=False)
    assert world.body.act(ref, "submit").json["state"] == "submitted"


def test_s20_a_community_council_qualifies_without_the_s19_tests(world):
    ref = new_request(world)
    r = world.body.patch(
        f"/api/v1/community-bodies/{world.body_id}",
        json={"legal_form": "community_council", "constitution": dict.fromkeys(S19, False)},
    )
    assert r.status_code == 200
    assert world.body.act(ref, "submit").json["state"] == "submitted"


def test_s20_a_body_designated_by_the_ministers_qualifies(world, session):
    ref = new_request(world)
    _constitution(world, **dict.fromkeys(S19, False))
    assert world.body.act(ref, "submit").status_code == 409
    session.get(CommunityBody, world.body_id).designated = True
    session.commit()
    assert world.body.act(ref, "submit").json["state"] == "submitted"


def test_s20_unconstituted_group_only_where_that_route_is_in_force(
    world, database_url, sessions, clock, tmp_path
):
    ref = new_request(world)
    r = world.body.patch(
        f"/api/v1/community-bodies/{world.body_id}", json={"legal_form": "unconstituted_group"}
    )
    assert r.status_code == 200
    failures = _failures(world.body.act(ref, "submit"))
    assert "without a written constitution" in failures["s20.participation_body"]

    in_force = create_app(
        settings_for(database_url, tmp_path, CASEWORK_UNCONSTITUTED_GROUPS="1"),
        clock=clock,
        sessions=sessions,
    )
    body = Caller(in_force.test_client(), world.body.token)
    assert body.act(ref, "submit").json["state"] == "submitted"


def test_s20_eligibility_is_judged_again_at_validation(world):
    ref = submitted(world)
    _constitution(world, community_controls=False)
    failures = _failures(world.officer.act(ref, "validate"))
    assert "control of the body" in failures["s20.participation_body"]
    assert _state(world, ref) == "submitted"


# -- Schedule 2 and s.22(6): whom it may ask ------------------------------------------


@pytest.mark.parametrize("code", ["SWAT", "SGOV"])
def test_sch2_request_to_an_authority_not_in_schedule_2_is_409(world, code):
    ref = new_request(world, authority=code)
    failures = _failures(world.body.act(ref, "submit"))
    assert "Schedule 2" in failures["sch2.public_service_authority"]


def test_s22_6_additional_authority_not_in_schedule_2_is_409_naming_it(world):
    ref = new_request(world, additional_authorities=["NHSF", "SWAT"])
    failures = _failures(world.body.act(ref, "submit"))
    message = failures["s22_6.additional_authorities"]
    assert "Scottish Water" in message and "NHS Fife" not in message


def test_s22_6_the_authority_asked_cannot_also_be_an_additional_authority(world):
    r = world.body.post("/api/v1/cases", json={**REQUEST, "additional_authorities": ["FIFE"]})
    assert "additional_authorities" in _errors(r)


def test_s22_6_unknown_additional_authority_is_422(world):
    r = world.body.post("/api/v1/cases", json={**REQUEST, "additional_authorities": ["NOPE"]})
    assert "additional_authorities" in _errors(r)


# -- s.22 and reg 4(1): a complete request ----------------------------------------------


@pytest.mark.parametrize("item", pr.ANSWERS)
@pytest.mark.parametrize("blank", ["", "   \n"])
def test_s22_answered_submitting_a_request_with_a_blank_answer_is_409_naming_it(world, item, blank):
    """A blank answer is not for the authority to chase with a missing-items notice: the
    body is told before its request goes, in the words of its own questions."""
    ref = new_request(world, **{item: blank})
    case = world.body.case(ref)
    assert "submit" not in [a["action"] for a in case["available_actions"]]

    failures = _failures(world.body.act(ref, "submit"))

    assert pr.ANSWERS[item] in failures["s22.answered"]
    for other in set(pr.ANSWERS) - {item}:
        assert pr.ANSWERS[other] not in failures["s22.answered"]
    assert _state(world, ref) == "draft"


def test_s22_complete_an_answer_blanked_in_reply_to_a_notice_blocks_validation(world):
    ref = submitted(world)
    world.officer.act(ref, "request_missing_items", {"missing": ["reasons"]})
    world.body.act(ref, "supply_information", {"reasons": " "})
    case = world.officer.case(ref)
    assert "validate" not in [a["action"] for a in case["available_actions"]]
    failures = _failures(world.officer.act(ref, "validate"))
    assert pr.REQUEST_ITEMS["reasons"] in failures["s22.complete"]
    assert pr.REQUEST_ITEMS["outcome"] not in failures["s22.complete"]


def test_s22_a_body_without_a_contact_address_cannot_be_validated(world, session):
    ref = submitted(world)
    session.get(CommunityBody, world.body_id).contact_address = " "
    session.commit()
    failures = _failures(world.officer.act(ref, "validate"))
    assert "contact address" in failures["s22.complete"]


def test_s22_the_missing_item_once_supplied_lets_the_request_be_validated(world):
    ref = submitted(world)  # the officer finds the reasons wanting
    world.officer.act(ref, "request_missing_items", {"missing": ["reasons"]})
    r = world.body.act(ref, "supply_information", {"reasons": "We walk the routes daily."})
    assert r.json["state"] == "submitted" and r.json["reasons"] == "We walk the routes daily."
    assert world.officer.act(ref, "validate").json["state"] == "under_consideration"


def test_reg4_1_missing_items_notice_must_list_an_item_is_422(world):
    ref = submitted(world)
    assert "missing" in _errors(world.officer.act(ref, "request_missing_items", {"missing": []}))
    assert "missing" in _errors(world.officer.act(ref, "request_missing_items", {}))
    assert _state(world, ref) == "submitted"


def test_reg4_1_missing_item_must_be_one_the_law_requires(world):
    ref = submitted(world)
    r = world.officer.act(ref, "request_missing_items", {"missing": ["a_photograph"]})
    assert "missing" in _errors(r)


# -- reg 5: the validation date ---------------------------------------------------------


def test_reg5_validation_date_is_the_day_of_online_submission_not_the_day_validated(world, clock):
    ref = submitted(world)  # received on Wednesday 1 April 2026
    _move(clock, "2026-04-08")
    r = world.officer.act(ref, "validate")
    assert r.status_code == 200, r.json
    assert r.json["validation_date"] == "2026-04-01"
    # 30 working days beginning Wed 1 April 2026: 1-3 (3), 6-10 (8), 13-17 (13),
    # 20-24 (18), 27-30 (22), 1 May (23), 4-8 (28), 11-12 (30).
    assert _deadline(r.json, "pr.decision")["due_date"] == "2026-05-12"
    assert _deadline(r.json, "pr.decision")["start_date"] == "2026-04-01"


def test_reg5_the_officer_cannot_choose_a_validation_date(world, clock):
    ref = submitted(world)
    _move(clock, "2026-04-08")
    r = world.officer.act(ref, "validate", {"validation_date": "2026-04-08"})
    assert "validation_date" in _errors(r)
    case = world.officer.get(f"/api/v1/cases/{ref}").json
    assert case["state"] == "submitted" and case["validation_date"] is None


def test_reg5_validation_date_is_the_day_the_last_missing_item_was_sent(world, clock):
    ref = submitted(world)  # the officer finds the reasons wanting
    world.officer.act(ref, "request_missing_items", {"missing": ["reasons"]})
    _move(clock, "2026-04-06")
    world.body.act(ref, "supply_information", {"reasons": "We walk the routes daily."})
    _move(clock, "2026-04-09")
    r = world.officer.act(ref, "validate")
    assert r.json["validation_date"] == "2026-04-06"
    # Beginning Mon 6 April 2026: 6-10 (5), 13-17 (10), 20-24 (15), 27-30 (19),
    # 1 May (20), 4-8 (25), 11-15 (30).
    assert _deadline(r.json, "pr.decision")["due_date"] == "2026-05-15"


def test_reg5_an_item_received_by_email_counts_from_the_day_it_arrived(world, clock):
    ref = submitted(world)  # the officer finds the reasons wanting
    world.officer.act(ref, "request_missing_items", {"missing": ["reasons"]})
    _move(clock, "2026-04-06")
    world.body.act(ref, "supply_information", {"reasons": "We walk the routes daily."})
    _move(clock, "2026-04-09")
    # The body emailed the reasons on Friday 3 April and typed them in on Monday.
    r = world.officer.act(ref, "validate", {"received_on": "2026-04-03", "received_by": "email"})
    assert r.status_code == 200, r.json
    assert r.json["validation_date"] == "2026-04-03"


def test_reg5_an_offline_receipt_needs_how_it_came(world, clock):
    ref = submitted(world)
    _move(clock, "2026-04-03")
    r = world.officer.act(ref, "validate", {"received_on": "2026-04-01"})
    assert "received_by" in _errors(r)


def test_reg5_an_offline_receipt_cannot_be_later_than_the_online_record(world, clock):
    ref = submitted(world)
    _move(clock, "2026-04-08")
    r = world.officer.act(ref, "validate", {"received_on": "2026-04-07", "received_by": "post"})
    assert "Wednesday 1 April 2026" in _errors(r)["received_on"][0]


def test_reg5_an_offline_receipt_cannot_be_before_the_missing_items_notice(world, clock):
    ref = submitted(world)  # the officer finds the reasons wanting
    _move(clock, "2026-04-02")
    world.officer.act(ref, "request_missing_items", {"missing": ["reasons"]})
    _move(clock, "2026-04-06")
    world.body.act(ref, "supply_information", {"reasons": "We walk the routes daily."})
    r = world.officer.act(ref, "validate", {"received_on": "2026-04-01", "received_by": "post"})
    assert "Thursday 2 April 2026" in _errors(r)["received_on"][0]


def test_reg5_an_offline_receipt_in_the_future_is_422(world):
    ref = submitted(world)
    r = world.officer.act(ref, "validate", {"received_on": "2026-04-02", "received_by": "post"})
    assert "received_on" in _errors(r)


def test_reg5_correcting_the_receipt_date_needs_a_reason(world):
    ref = submitted(world)  # the officer finds the reasons wanting
    world.officer.act(ref, "request_missing_items", {"missing": ["reasons"]})
    world.body.act(ref, "supply_information", {"reasons": "We walk the routes daily."})
    world.officer.act(ref, "validate")
    r = world.officer.act(ref, "correct_validation_date", {"received_on": "2026-03-31"})
    assert "reason" in _errors(r)


def test_reg5_a_corrected_receipt_date_cannot_follow_a_notice_that_rests_on_it(world, clock):
    ref = validated(world, additional_authorities=["NHSF"])
    _move(clock, "2026-04-03")
    world.officer.act(ref, "notify_additional_authorities", {"notified_on": "2026-04-02"})
    r = world.officer.act(
        ref,
        "correct_validation_date",
        {"received_on": "2026-04-03", "reason": "Logged a day early."},
    )
    assert "received_on" in _errors(r)
    assert "Wednesday 1 April 2026" in _errors(r)["received_on"][0]


def test_reg5_corrected_receipt_date_recomputes_the_decision_deadline_as_an_event(world, clock):
    ref = submitted(world)
    _move(clock, "2026-04-07")
    r = world.officer.act(ref, "validate")
    # 30 working days beginning Wed 1 April 2026 end on Tue 12 May (see above).
    assert _deadline(r.json, "pr.decision")["due_date"] == "2026-05-12"

    r = world.officer.act(
        ref,
        "correct_validation_date",
        {
            "received_on": "2026-04-02",
            "received_by": "post",
            "reason": "The paper request was logged online a day before it was posted in.",
        },
    )

    assert r.status_code == 200, r.json
    assert r.json["validation_date"] == "2026-04-02"
    # Beginning Thu 2 April: 2-3 (2), 6-10 (7), 13-17 (12), 20-24 (17), 27-30 (21),
    # 1 May (22), 4-8 (27), 11-13 (30).
    assert _deadline(r.json, "pr.decision")["due_date"] == "2026-05-13"
    events = world.officer.get(f"/api/v1/cases/{ref}/events?page_size=200").json
    (moved,) = [e for e in events if e["type"] == "deadline.recomputed"]
    assert moved["payload"]["rule"] == "pr.decision"
    assert moved["payload"]["previous_due_date"] == "2026-05-12"
    assert moved["payload"]["due_date"] == "2026-05-13"
    assert "officer@fife.test" in moved["actor"]


# -- reg 6: other authorities -----------------------------------------------------------


def test_reg6_1_notifying_when_no_other_authority_is_named_is_409(world):
    ref = validated(world)
    assert "reg6_1.to_notify" in _failures(world.officer.act(ref, "notify_additional_authorities"))


def test_reg6_1_notifying_twice_is_409(world):
    ref = validated(world, additional_authorities=["NHSF"])
    assert world.officer.act(ref, "notify_additional_authorities").status_code == 200
    failures = _failures(world.officer.act(ref, "notify_additional_authorities"))
    assert "already been notified" in failures["reg6_1.to_notify"]


def test_reg6_1_notified_date_before_validation_is_422(world, clock):
    ref = submitted(world, additional_authorities=["NHSF"])  # received Wed 1 April 2026
    _move(clock, "2026-04-03")
    world.officer.act(ref, "validate")
    r = world.officer.act(ref, "notify_additional_authorities", {"notified_on": "2026-03-31"})
    assert "notified_on" in _errors(r)


def test_reg6_1_decision_before_notifying_every_other_authority_is_409_naming_them(world):
    ref = validated(world, additional_authorities=["NHSF", "SEPA"])
    case = world.officer.case(ref)
    blocked = {a["action"]: a["blocked_by"] for a in case["blocked_actions"]}
    assert blocked["decide"][0]["guard"] == "reg6_1.all_notified"

    failures = _failures(decide(world, ref, "refused"))

    assert "NHS Fife" in failures["reg6_1.all_notified"]
    assert "Scottish Environment Protection Agency" in failures["reg6_1.all_notified"]
    assert _state(world, ref) == "under_consideration"
    world.officer.act(ref, "notify_additional_authorities")
    assert decide(world, ref, "refused").json["state"] == "refused"


def test_reg6_1_decision_need_not_wait_for_the_other_authorities_replies(world):
    ref = validated(world, additional_authorities=["NHSF"])
    world.officer.act(ref, "notify_additional_authorities")
    assert decide(world, ref).json["state"] == "awaiting_process_comments"


def test_reg6_2_refusal_to_take_part_needs_reasons(world):
    ref = validated(world, additional_authorities=["NHSF"])
    world.officer.act(ref, "notify_additional_authorities")
    r = world.officer.act(
        ref, "record_authority_reply", {"authority": "NHSF", "will_participate": False}
    )
    assert "reasons" in _errors(r)
    r = world.officer.act(
        ref,
        "record_authority_reply",
        {"authority": "NHSF", "will_participate": False, "reasons": "No service in Kinghorn."},
    )
    (aa,) = r.json["additional_authorities"]
    assert (aa["will_participate"], aa["reasons"]) == (False, "No service in Kinghorn.")
    assert _deadline(r.json, "pr.additional_authority_reply", "NHSF")["status"] == "met"


@pytest.mark.parametrize(
    ("authority", "notify_first", "reply_twice"),
    [("SEPA", True, False), ("NHSF", False, False), ("NHSF", True, True)],
    ids=["not_named", "not_yet_notified", "already_replied"],
)
def test_reg6_2_reply_only_from_a_notified_authority_and_once(
    world, authority, notify_first, reply_twice
):
    ref = validated(world, additional_authorities=["NHSF"])
    if notify_first:
        world.officer.act(ref, "notify_additional_authorities")
    reply = {"authority": authority, "will_participate": True}
    if reply_twice:
        assert world.officer.act(ref, "record_authority_reply", reply).status_code == 200
    assert "authority" in _errors(world.officer.act(ref, "record_authority_reply", reply))


def test_reg6_2_reply_date_before_notification_is_422(world, clock):
    ref = validated(world, additional_authorities=["NHSF"])
    _move(clock, "2026-04-02")
    world.officer.act(ref, "notify_additional_authorities")
    r = world.officer.act(
        ref,
        "record_authority_reply",
        {"authority": "NHSF", "will_participate": True, "replied_on": "2026-04-01"},
    )
    assert "replied_on" in _errors(r)


# -- reg 7: a longer period agreed with the body ----------------------------------------


def test_reg7_only_the_decision_period_can_be_extended(world):
    ref = validated(world)
    r = world.officer.act(
        ref, "agree_extension", {"rule": "pr.process_establish", "new_due_date": "2026-12-31"}
    )
    assert "rule" in _errors(r)


def test_reg7_extension_must_be_later_than_the_current_due_date(world):
    ref = validated(world)  # due Tue 12 May 2026 (30 working days from Wed 1 April)
    r = world.officer.act(ref, "agree_extension", {"new_due_date": "2026-05-12"})
    assert "new_due_date" in _errors(r)
    r = world.officer.act(ref, "agree_extension", {"new_due_date": "2026-05-13"})
    decision = _deadline(r.json, "pr.decision")
    assert (decision["due_date"], decision["statutory_due_date"]) == ("2026-05-13", "2026-05-12")


def test_reg7_extension_agreed_in_the_future_is_422(world):
    ref = validated(world)
    r = world.officer.act(
        ref, "agree_extension", {"new_due_date": "2026-06-30", "agreed_on": "2026-04-02"}
    )
    assert "agreed_on" in _errors(r)


# -- s.24: the decision -----------------------------------------------------------------


@pytest.mark.parametrize("key", pr.CONSIDERATIONS)
def test_s24_3_decision_without_each_consideration_is_422_naming_it(world, key):
    ref = validated(world)
    without = {k: v for k, v in considerations().items() if k != key}
    for given in (without, {**without, key: "  "}):
        r = decide(world, ref, "agreed", considerations=given)
        errors = _errors(r)
        assert list(errors) == ["considerations"]
        assert list(errors["considerations"]) == [key]
        assert "s.24(3)" in errors["considerations"][key][0]
    assert _state(world, ref) == "under_consideration"


def test_s24_3_decision_without_regeneration_consideration_is_422(world):
    ref = validated(world)
    given = {k: v for k, v in considerations().items() if k != "regeneration"}
    r = decide(world, ref, "refused", considerations=given)
    assert "regeneration" in _errors(r)["considerations"]


def test_s24_3_decision_with_no_considerations_names_all_twelve_matters(world):
    ref = validated(world)
    r = world.officer.act(ref, "decide", {"outcome": "refused", "reasons": "No capacity."})
    assert set(_errors(r)["considerations"]) == set(pr.CONSIDERATIONS)
    assert len(pr.CONSIDERATIONS) == 12


def test_s24_3_unknown_consideration_key_is_422(world):
    ref = validated(world)
    r = decide(world, ref, "refused", considerations={**considerations(), "weather": "Fine"})
    assert "considerations" in _errors(r)


def test_s24_3_considerations_are_kept_with_the_decision(world):
    ref = validated(world)
    r = decide(world, ref, "refused")
    (decision,) = r.json["decisions"]
    assert decision["considerations"] == considerations()


@pytest.mark.parametrize("reasons", ["", "   "])
def test_s24_refusal_without_reasons_is_422(world, reasons):
    ref = validated(world)
    r = decide(world, ref, "refused", reasons=reasons)
    assert list(_errors(r)) == ["reasons"]
    assert _state(world, ref) == "under_consideration"


def test_s24_outcome_must_be_agreed_or_refused(world):
    ref = validated(world)
    r = world.officer.act(
        ref, "decide", {"outcome": "deferred", "considerations": considerations()}
    )
    assert "outcome" in _errors(r)


def test_s25_agreement_must_say_whether_the_process_exists_or_is_new(world):
    ref = validated(world)
    r = world.officer.act(
        ref,
        "decide",
        {"outcome": "agreed", "considerations": considerations(), "process_description": "x"},
    )
    assert "process" in _errors(r)


def test_s25_agreement_must_describe_the_process(world):
    ref = validated(world)
    assert "process_description" in _errors(decide(world, ref, process_description=""))


@pytest.mark.parametrize("process", ["new", "existing"])
def test_s25_2d_3c_agreement_must_say_how_anyone_else_takes_part(world, process):
    ref = validated(world)
    r = decide(world, ref, "agreed", process=process, other_participants=" ")
    assert list(_errors(r)) == ["other_participants"]
    assert _state(world, ref) == "under_consideration"


@pytest.mark.parametrize("field", ["process_stage", "participation_arrangements"])
def test_s25_2_agreement_to_an_existing_process_needs_its_stage_and_arrangements(world, field):
    ref = validated(world)
    r = decide(world, ref, "agreed", process="existing", **{field: ""})
    assert list(_errors(r)) == [field]


# -- s.26 and s.28: comments on a new process, the s.26(5) notice, establishment ---------


def test_s26_body_may_comment_on_the_last_of_the_28_days_but_not_after(world, clock):
    ref = validated(world)
    decide(world, ref)  # the s.25(3) notice, given Wed 1 April 2026
    # 28 days beginning with 1 April 2026 end on 28 April 2026.
    assert _deadline(world.body.case(ref), "pr.process_representations")["due_date"] == (
        "2026-04-28"
    )
    _move(clock, "2026-04-28")
    r = world.body.act(ref, "comment_on_process", {"comments": "Late but in time."})
    assert r.status_code == 200
    _move(clock, "2026-04-29")
    failures = _failures(world.body.act(ref, "comment_on_process", {"comments": "Too late."}))
    assert "Tuesday 28 April 2026" in failures["pr.process_representations.within"]


def test_s26_comments_must_say_something(world):
    ref = validated(world)
    decide(world, ref)
    assert "comments" in _errors(world.body.act(ref, "comment_on_process", {"comments": " "}))


def test_s26_process_notice_waits_for_the_comment_period_to_end(world, clock):
    ref = validated(world)
    decide(world, ref)
    notice = {"process_description": "A working group."}
    _move(clock, "2026-04-28")
    failures = _failures(world.officer.act(ref, "issue_process_notice", notice))
    assert "Tuesday 28 April 2026" in failures["s26.comments_closed"]
    _move(clock, "2026-04-29")
    r = world.officer.act(ref, "issue_process_notice", notice)
    assert r.json["state"] == "establishing_process"
    assert _deadline(r.json, "pr.process_representations")["status"] == "closed"


def test_s26_process_notice_may_go_as_soon_as_the_body_has_commented(world):
    ref = validated(world)
    decide(world, ref)
    world.body.act(ref, "comment_on_process", {"comments": "Include the crossing patrol."})
    r = world.officer.act(ref, "issue_process_notice", {"process_description": "A group."})
    assert r.json["state"] == "establishing_process"
    assert _deadline(r.json, "pr.process_representations")["status"] == "met"


def test_s26_5_process_notice_must_describe_the_process(world, clock):
    ref = validated(world)
    decide(world, ref)
    _move(clock, "2026-04-29")
    r = world.officer.act(ref, "issue_process_notice", {"process_description": ""})
    assert "process_description" in _errors(r)


def _establishing(world: World, clock) -> str:
    ref = validated(world)
    decide(world, ref)
    world.body.act(ref, "comment_on_process", {"comments": "Yes."})
    _move(clock, "2026-04-10")
    r = world.officer.act(ref, "issue_process_notice", {"process_description": "A group."})
    # 90 days beginning with 10 April 2026 end 89 days later: 20 days to 30 April,
    # 31 to 31 May (51), 30 to 30 June (81), and 8 more: 8 July 2026.
    assert _deadline(r.json, "pr.process_establish")["due_date"] == "2026-07-08"
    return ref


def test_s28_process_cannot_be_established_before_the_s26_5_notice(world, clock):
    ref = _establishing(world, clock)
    r = world.officer.act(ref, "establish_process", {"established_on": "2026-04-09"})
    assert "established_on" in _errors(r)


def test_s28_established_date_cannot_be_in_the_future(world, clock):
    ref = _establishing(world, clock)
    r = world.officer.act(ref, "establish_process", {"established_on": "2026-04-11"})
    assert "established_on" in _errors(r)


def test_s28_establishing_the_process_meets_the_90_day_deadline(world, clock):
    ref = _establishing(world, clock)
    _move(clock, "2026-07-08")
    r = world.officer.act(ref, "establish_process")
    assert r.json["state"] == "process_running"
    assert _deadline(r.json, "pr.process_establish")["status"] == "met"
    assert r.json["process"]["established_on"] == "2026-07-08"


# -- s.29 and s.31: changes and the outcome report --------------------------------------


def _running(world: World) -> str:
    ref = validated(world)
    decide(world, ref, process="existing")
    return ref


def test_s29_process_change_must_be_described(world):
    ref = _running(world)
    assert "description" in _errors(
        world.officer.act(ref, "record_process_change", {"description": ""})
    )


REPORT = {
    "what_changed": "Two crossings were built.",
    "influence_of_body": "The trust's survey chose the sites.",
    "keeping_informed": "Quarterly updates.",
}


VIEWS = {"views_of_body": "The trust found the group listened to it."}


@pytest.mark.parametrize("field", REPORT)
def test_s31_outcome_report_must_give_each_required_item(world, field):
    ref = _running(world)
    assert world.officer.act(ref, "record_outcome_views", VIEWS).status_code == 200
    r = world.officer.act(ref, "publish_outcome_report", {**REPORT, field: " "})
    assert list(_errors(r)) == [field]
    assert _state(world, ref) == "process_running"


def test_s31_3_the_report_waits_until_the_bodies_views_are_sought(world):
    ref = _running(world)
    failures = _failures(world.officer.act(ref, "publish_outcome_report", REPORT))
    assert "section 31(3)-(4)" in failures["s31_3.views_sought"]
    assert _state(world, ref) == "process_running"
    assert world.officer.act(ref, "record_outcome_views", VIEWS).status_code == 200
    r = world.officer.act(ref, "publish_outcome_report", REPORT)
    assert r.status_code == 200, r.json
    assert r.json["state"] == "completed"


def test_s31_3_4_the_views_of_the_requesting_body_must_be_recorded(world):
    ref = _running(world)
    r = world.officer.act(ref, "record_outcome_views", {"views_of_body": " "})
    assert list(_errors(r)) == ["views_of_body"]


def test_s31_3_views_cannot_be_sought_before_the_process_began(world, clock):
    ref = _running(world)
    r = world.officer.act(ref, "record_outcome_views", {**VIEWS, "views_sought_on": "2026-03-01"})
    assert list(_errors(r)) == ["views_sought_on"]


# -- withdrawal -------------------------------------------------------------------------


def test_withdrawal_closes_the_open_deadlines(world):
    ref = validated(world, additional_authorities=["NHSF"])
    world.officer.act(ref, "notify_additional_authorities")
    r = world.body.act(ref, "withdraw", {"reason": "Merged with another trust."})
    assert r.json["state"] == "withdrawn" and r.json["closed_on"] == "2026-04-01"
    assert {d["status"] for d in r.json["deadlines"]} == {"closed"}
    assert r.json["next_due_date"] is None


def test_reg4_1_supplying_information_cannot_name_other_authorities(world):
    """s.22(6) authorities are checked against Schedule 2 at submission; the reply to a
    missing-items notice supplies s.22 items only, and is never silently dropped."""
    ref = submitted(world)  # the officer finds the reasons wanting
    world.officer.act(ref, "request_missing_items", {"missing": ["reasons"]})
    r = world.body.act(
        ref, "supply_information", {"reasons": "Daily walks.", "additional_authorities": ["SWAT"]}
    )
    assert "additional_authorities" in _errors(r)
    case = world.body.case(ref)
    assert (case["state"], case["additional_authorities"]) == ("awaiting_information", [])


def test_s24_no_deemed_decision_an_overdue_request_can_still_be_decided(world, clock):
    ref = validated(world)  # decision due Tue 12 May 2026
    _move(clock, "2026-05-20")
    assert _deadline(world.officer.case(ref), "pr.decision")["status"] == "overdue"
    assert world.officer.case(ref)["state"] == "under_consideration"
    r = decide(world, ref, "refused")
    assert r.json["state"] == "refused" and r.json["decided_on"] == "2026-05-20"


def test_reg7_a_second_extension_replaces_the_first_and_the_history_is_kept(world, clock):
    ref = validated(world)  # due Tue 12 May 2026
    world.officer.act(ref, "agree_extension", {"new_due_date": "2026-05-29", "note": "summer"})
    _move(clock, "2026-05-20")
    r = world.officer.act(ref, "agree_extension", {"new_due_date": "2026-06-30"})
    decision = _deadline(r.json, "pr.decision")
    assert (decision["statutory_due_date"], decision["due_date"]) == ("2026-05-12", "2026-06-30")
    assert (
        "Extended on Wednesday 1 April 2026, by agreement with the body, to Friday 29 May 2026 "
        "(it was Tuesday 12 May 2026). Note: summer."
    ) in (decision["explanation"])
    assert (
        "Extended on Wednesday 20 May 2026, by agreement with the body, to Tuesday 30 June 2026 "
        "(it was Friday 29 May 2026)."
    ) in (decision["explanation"])
    assert (
        world.officer.act(ref, "agree_extension", {"new_due_date": "2026-06-15"}).status_code == 422
    )
