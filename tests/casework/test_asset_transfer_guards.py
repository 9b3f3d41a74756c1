"""Who may make an asset transfer request, and repeat requests, through the API.

- s.77: the body must be a community transfer body (community-controlled under s.19, or
  designated by the Scottish Ministers); s.80: a request for ownership also needs the
  legal form, 20 members and an asset lock. A failure names the test that failed.
- Schedule 3: the authority must be a relevant authority.
- s.93: a request for the same land and type of transfer as one refused in the previous
  2 years is flagged to the officer, who may decline it (or go on and validate it).
"""

from __future__ import annotations

import pytest

from casework.models import Authority
from casework.sweep import Taken
from tests.casework.conftest import (
    ALL_TRUE,
    asset_request,
    decide_atr,
    frozen,
    land_entry,
    move,
    notice_text,
    ok,
    ready_to_decide,
    run_sweep,
)

CONSTITUTION = {k: v for k, v in ALL_TRUE.items()}


def _set_body(world, **changes) -> None:
    """The body records a change to its details or constitution."""
    constitution = {**CONSTITUTION, **changes.pop("constitution", {})}
    response = world.body.patch(
        f"/api/v1/community-bodies/{world.body_id}",
        json={**changes, "constitution": constitution},
    )
    assert response.status_code == 200, response.json


def _submit_fails(world, ref: str) -> dict:
    response = world.body.act(ref, "submit")
    assert response.status_code == 409, response.json
    assert world.body.case(ref)["state"] == "draft"
    return response.json


# -- s.77: a community transfer body ---------------------------------------------------------


@pytest.mark.parametrize(
    ("failing", "requirement"),
    [
        ("defines_community", "The written constitution must define the community"),
        ("majority_from_community", "a majority of the members come from that community"),
        ("community_controls", "give the members from the community control of the body"),
        ("open_membership", "Membership must be open to any member of the community"),
        ("community_benefit_aims", "aims must include promoting a benefit for the community"),
        ("surplus_for_community", "surplus funds or assets must be applied for the benefit"),
    ],
)
def test_a_body_that_is_not_community_controlled_cannot_submit(world, failing, requirement):
    _set_body(world, constitution={failing: False})
    ref = asset_request(world, transfer_type="lease")
    problem = _submit_fails(world, ref)
    assert requirement in problem["detail"]
    assert "not a community transfer body (s.77)" in problem["detail"]
    assert [f["guard"] for f in problem["failures"]] == ["s77.transfer_body"]
    # The draft shows the same reason before the body tries.
    blocked = {a["action"]: a for a in world.body.case(ref)["blocked_actions"]}
    assert requirement in blocked["submit"]["blocked_by"][0]["message"]
    # Mended, the same draft goes in.
    _set_body(world)
    ok(world.body.act(ref, "submit"), "submitted")


def test_a_designated_body_is_a_community_transfer_body(world, session):
    _set_body(world, constitution={"open_membership": False, "majority_from_community": False})
    ref = asset_request(world, transfer_type="lease")
    _submit_fails(world, ref)
    # Only an administrator records a designation by the Scottish Ministers.
    response = world.body.patch(
        f"/api/v1/community-bodies/{world.body_id}", json={"designated": True}
    )
    assert response.status_code == 403, response.json
    assert world.body.get(f"/api/v1/community-bodies/{world.body_id}").json["designated"] is False
    _submit_fails(world, ref)
    response = world.admin.patch(
        f"/api/v1/community-bodies/{world.body_id}", json={"designated": True}
    )
    assert response.status_code == 200, response.json
    ok(world.body.act(ref, "submit"), "submitted")


def test_a_new_body_cannot_designate_itself(world, session):
    from casework.auth import create_user, issue_token
    from tests.casework.conftest import Caller

    user = create_user(session, email="new@aberdour.test", role="community")
    newcomer = Caller(world.body.client, issue_token(session, user))
    session.commit()
    payload = {
        "name": "Aberdour Trust",
        "contact_address": "1 Shore Road, Aberdour",
        "community_definition": "People living in Aberdour",
        "legal_form": "trust",
        "member_count": 5,
        "designated": True,
        "constitution": {},
    }
    assert newcomer.post("/api/v1/community-bodies", json=payload).status_code == 403
    response = newcomer.post("/api/v1/community-bodies", json={**payload, "designated": False})
    assert response.status_code == 201, response.json


# -- s.80: ownership ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "test_id", "words"),
    [
        ({"legal_form": "trust"}, "s80.legal_form", "a company, a SCIO or a community benefit"),
        ({"legal_form": "unincorporated_association"}, "s80.legal_form", "a company, a SCIO"),
        ({"member_count": 19}, "s80.members", "at least 20 members (it has 19)"),
        ({"constitution": {"asset_lock": False}}, "s80.asset_lock", "lock the assets"),
    ],
)
def test_ownership_needs_form_members_and_asset_lock(world, changes, test_id, words):
    _set_body(world, **changes)
    ownership = asset_request(world, transfer_type="ownership")
    problem = _submit_fails(world, ownership)
    assert words in problem["detail"]
    assert "may not ask for ownership (s.80)" in problem["detail"]
    assert [f["guard"] for f in problem["failures"]] == ["s80.ownership"]
    standing = world.body.get(f"/api/v1/community-bodies/{world.body_id}/eligibility").json
    results = {r["purpose"]: r for r in standing}
    assert results["ownership"]["eligible"] is False
    assert [f["test"] for f in results["ownership"]["failures"]] == [test_id]
    assert results["asset_transfer_request"]["eligible"] is True
    # s.80 is about ownership only: a lease or other rights may be asked for.
    for transfer_type in ("lease", "other_rights"):
        ref = asset_request(world, transfer_type=transfer_type)
        ok(world.body.act(ref, "submit"), "submitted")


def test_exactly_20_members_is_enough(world):
    _set_body(world, member_count=20, legal_form="community_benefit_society")
    ok(world.body.act(asset_request(world), "submit"), "submitted")


def test_every_failed_ownership_test_is_named(world):
    _set_body(world, legal_form="trust", member_count=3, constitution={"asset_lock": False})
    detail = _submit_fails(world, asset_request(world))["detail"]
    for words in ("a company, a SCIO", "at least 20 members (it has 3)", "lock the assets"):
        assert words in detail


def test_eligibility_is_checked_again_at_validation(world):
    ref = asset_request(world)
    ok(world.body.act(ref, "submit"))
    _set_body(world, member_count=12)
    response = world.officer.act(ref, "validate")
    assert response.status_code == 409, response.json
    assert "at least 20 members (it has 12)" in response.json["detail"]


# -- Schedule 3: a relevant authority ----------------------------------------------------------


def test_an_authority_outside_schedule_3_cannot_receive_a_request(world, session):
    session.add(Authority(code="POLS", name="Police Scotland", type="police_scotland"))
    session.commit()
    ref = asset_request(world, authority="POLS")
    problem = _submit_fails(world, ref)
    assert "not a relevant authority (Schedule 3)" in problem["detail"]
    assert [f["guard"] for f in problem["failures"]] == ["sch3.relevant_authority"]


# -- s.93: repeat requests ---------------------------------------------------------------------


def _refused(world, app, session, clock, land: int) -> str:
    """Refused on Fri 1 May 2026; the review window (to Thu 28 May) passes unused."""
    ref = ready_to_decide(world, clock, world.officer, land=land)
    ok(decide_atr(world.officer, ref, "refused"), "refused_pending")
    move(clock, "2026-05-29")
    assert run_sweep(app, session, clock) == [Taken(ref, "close_review_period")]
    return ref


def test_a_repeat_request_is_flagged_and_the_officer_declines_it(world, app, session, clock):
    body, officer = world.body, world.officer
    land = land_entry(officer)
    earlier = _refused(world, app, session, clock, land)

    move(clock, "2026-06-01")
    repeat = asset_request(world, land=land)
    # Not flagged while a draft: the flag is set when the request is made.
    assert body.case(repeat)["repeat_of"] is None
    case = ok(body.act(repeat, "submit"), "submitted")
    flag = case["repeat_of"]
    # The two years run from the day the earlier request was made (validated Wed 1 April
    # 2026), not from its refusal: 24 months after is Sat 1 April 2028.
    assert (flag["reference"], flag["made_on"], flag["refused_on"], flag["bar_until"]) == (
        earlier,
        "2026-04-01",
        "2026-05-01",
        "2028-04-01",
    )
    assert "s.93" in flag["explanation"]
    # The officer sees the flag and the action; the body may not decline its own request.
    assert "decline_repeat_request" in [
        a["action"] for a in officer.case(repeat)["available_actions"]
    ]
    assert body.act(repeat, "decline_repeat_request", {"reasons": "x"}).status_code == 403
    response = officer.act(repeat, "decline_repeat_request", {"reasons": " "})
    assert response.status_code == 422 and "reasons" in response.json["errors"]

    case = ok(
        officer.act(
            repeat,
            "decline_repeat_request",
            {"reasons": "Nothing has changed since the earlier request was refused."},
        ),
        "declined",
    )
    assert case["closed_on"] == "2026-06-01"
    assert not frozen(world, land)
    text = " ".join(notice_text(body, repeat, "repeat_request_declined").split())
    assert "under section 93 of the Act" in text
    assert f"as request {earlier}, which was made on Wednesday 1 April 2026" in text
    assert "refused on Friday 1 May 2026" in text
    assert "may be declined until Saturday 1 April 2028" in text
    assert "Nothing has changed since the earlier request was refused." in text
    assert body.act(repeat, "withdraw").status_code == 409


def test_the_officer_may_instead_consider_a_repeat_request(world, app, session, clock):
    land = land_entry(world.officer)
    _refused(world, app, session, clock, land)
    repeat = asset_request(world, land=land)
    ok(world.body.act(repeat, "submit"))
    ok(world.officer.act(repeat, "validate"), "validated")
    assert frozen(world, land)


def test_only_the_same_land_and_transfer_type_within_2_years_is_a_repeat(
    world, app, session, clock
):
    body, officer = world.body, world.officer
    land = land_entry(officer)
    other_land = land_entry(officer, "Kinghorn Library", address="5 Main Street")
    _refused(world, app, session, clock, land)

    move(clock, "2026-06-01")
    lease = asset_request(world, land=land, transfer_type="lease")
    elsewhere = asset_request(world, land=other_land)
    described = asset_request(world, land_description="Kinghorn Town Hall")
    for ref in (lease, elsewhere, described):
        assert ok(body.act(ref, "submit"))["repeat_of"] is None
        response = officer.act(ref, "decline_repeat_request", {"reasons": "Again."})
        assert response.status_code == 409, response.json
        assert "(s.93)" in response.json["detail"]

    # The bar runs to Sat 1 April 2028 inclusive (24 months after the earlier request was
    # made on Wed 1 April 2026), though that request was refused only on 1 May 2026.
    move(clock, "2028-04-01")
    last_day = asset_request(world, land=land)
    assert ok(body.act(last_day, "submit"))["repeat_of"] is not None
    move(clock, "2028-04-02")
    after = asset_request(world, land=land)
    assert ok(body.act(after, "submit"))["repeat_of"] is None


def test_a_refusal_on_appeal_after_non_determination_counts(world, app, session, clock):
    """The request was never decided by the authority: refused by the Ministers on appeal."""
    body, water = world.body, world.water_officer
    land = land_entry(water, "Kinghorn reservoir lodge")
    ref = ready_to_decide(world, clock, water, authority="SWAT", land=land)
    # 6 months after Wed 1 April 2026 is Thu 1 October 2026: the sweep on 2 October finds it.
    move(clock, "2026-10-02")
    assert run_sweep(app, session, clock) == [Taken(ref, "decision_period_expired")]
    ok(body.act(ref, "appeal_to_ministers", {"reasons": "No decision."}), "under_appeal")
    move(clock, "2027-01-15")
    ok(
        water.act(
            ref,
            "record_appeal_outcome",
            {"result": "dismissed", "decision": "refused", "reasons": "Needed for operations."},
        ),
        "refused",
    )
    move(clock, "2027-02-01")
    repeat = asset_request(world, authority="SWAT", land=land)
    flag = ok(body.act(repeat, "submit"))["repeat_of"]
    # The refusal is the Ministers' decision of Fri 15 January 2027; the bar runs 24 months
    # from the day the request was made, Wed 1 April 2026, to Sat 1 April 2028.
    assert flag is not None
    assert (flag["reference"], flag["refused_on"], flag["bar_until"]) == (
        ref,
        "2027-01-15",
        "2028-04-01",
    )
    ok(water.act(repeat, "decline_repeat_request", {"reasons": "As before."}), "declined")
    assert "refused on Friday 15 January 2027" in " ".join(
        notice_text(body, repeat, "repeat_request_declined").split()
    )


def test_s93_a_refusal_confirmed_on_review_bars_two_years_from_the_request(world, clock):
    """A refusal confirmed on review is still a refusal; the 2 years run from the day the
    earlier request was made."""
    body, ministers = world.body, world.ministers_officer
    land = land_entry(ministers, "Forestry depot")
    ref = ready_to_decide(world, clock, ministers, authority="SGOV", land=land)
    ok(decide_atr(ministers, ref, "refused"), "refused_pending")
    move(clock, "2026-05-11")
    ok(body.act(ref, "request_review", {"reasons": "Please look again."}), "under_review")
    move(clock, "2026-07-01")
    ok(
        ministers.act(
            ref,
            "record_review_outcome",
            {"result": "confirm", "decision": "refused", "reasons": "The depot is in use."},
        ),
        "refused",
    )
    repeat = asset_request(world, authority="SGOV", land=land)
    flag = ok(body.act(repeat, "submit"))["repeat_of"]
    # Refused on review on Wed 1 July 2026; made on Wed 1 April 2026, so barred until
    # Sat 1 April 2028.
    assert (flag["refused_on"], flag["bar_until"]) == ("2026-07-01", "2028-04-01")


def test_land_given_in_reply_to_a_missing_information_notice_is_checked(world, app, session, clock):
    """The land may arrive after submission; the s.93 check follows it."""
    body, officer = world.body, world.officer
    land = land_entry(officer)
    earlier = _refused(world, app, session, clock, land)
    move(clock, "2026-06-01")
    ref = asset_request(world, land_description="The building on the square")
    assert ok(body.act(ref, "submit"))["repeat_of"] is None
    ok(officer.act(ref, "request_missing_items", {"missing": ["land"]}), "awaiting_information")
    case = ok(body.act(ref, "supply_information", {"land": land}), "submitted")
    assert case["repeat_of"]["reference"] == earlier
    ok(officer.act(ref, "decline_repeat_request", {"reasons": "A repeat."}), "declined")


def test_land_linked_by_the_officer_is_checked(world, app, session, clock):
    body, officer = world.body, world.officer
    land = land_entry(officer)
    earlier = _refused(world, app, session, clock, land)
    move(clock, "2026-06-01")
    ref = asset_request(world, land_description="The town hall")
    assert ok(body.act(ref, "submit"))["repeat_of"] is None
    case = ok(officer.act(ref, "link_land", {"land": land}), "submitted")
    assert case["repeat_of"]["reference"] == earlier
    ok(officer.act(ref, "decline_repeat_request", {"reasons": "A repeat."}), "declined")


def test_a_changed_transfer_type_is_checked_again(world, app, session, clock):
    body, officer = world.body, world.officer
    land = land_entry(officer)
    _refused(world, app, session, clock, land)
    move(clock, "2026-06-01")
    ref = asset_request(world, land=land, transfer_type="lease")
    assert ok(body.act(ref, "submit"))["repeat_of"] is None
    ok(officer.act(ref, "request_missing_items", {"missing": ["funding"]}))
    # The reply asks for ownership instead, as the refused request did.
    case = ok(
        body.act(ref, "supply_information", {"funding": "A grant.", "transfer_type": "ownership"})
    )
    assert case["repeat_of"] is not None
    # And back to a lease: no longer a repeat.
    ok(officer.act(ref, "request_missing_items", {"missing": ["funding"]}))
    case = ok(body.act(ref, "supply_information", {"transfer_type": "lease"}))
    assert case["repeat_of"] is None
